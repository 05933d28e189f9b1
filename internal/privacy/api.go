package privacy

import (
	"log/slog"
	"net/http"
	"net/url"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
)

var summarySchema = api.Schema{"type": "object", "properties": api.Schema{
	"id":                         api.Schema{"type": "string", "format": "uuid"},
	"fields_cleared":             api.Schema{"type": "array", "items": api.Schema{"type": "string"}, "description": "the fields of the contact whose values were cleared"},
	"history_entries_anonymised": api.Schema{"type": "integer", "description": "history entries of the contact (and of records merged into it) whose values were cleared"},
	"attachments_deleted":        api.Schema{"type": "integer"},
	"activities_anonymised":      api.Schema{"type": "integer", "description": "linked activities in which the person's e-mail addresses were replaced"},
	"relationships_removed":      api.Schema{"type": "integer"},
	"merged_records_erased":      api.Schema{"type": "integer", "description": "records merged into this contact earlier, erased with it"},
	"leads_anonymised":           api.Schema{"type": "integer", "description": "leads that held the person (converted into the contact, or with one of its e-mail addresses or phone numbers, now or in their history), anonymised with it"},
	"already_erased":             api.Schema{"type": "boolean", "description": "true when there was nothing left to erase; nothing was written"}}}

// RegisterAPI adds the personal-data export and the erasure of a
// contact.
func (s *Service) RegisterAPI(a *api.API) {
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/contacts/{id}/personal-data", ID: "export_personal_data", Tag: "contacts",
		Summary: "Download everything held about one person as a zip: person.json and their attached files", Produces: []string{"application/zip"},
		Description: "Answers application/zip, streamed, with Content-Disposition: attachment. The zip holds person.json " +
			"(format " + Format + ": the contact with every field, custom fields included; its full field history; its accounts with roles; " +
			"its relationships; every activity linked to it; its consent on each channel; its tags; its attachments' metadata) and " +
			"attachments/<id>-<file name> for each file attached to the contact. It includes what the caller may read: " +
			"anyone who can read the contact can export it (an admin's export is complete). A contact in the trash is not found; restore it first.",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			return s.ServeExport(w, r, p, api.PathID(r, "id"))
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/contacts/{id}/erase", ID: "erase_contact", Tag: "contacts",
		Summary: "Erase a person: clear their personal values everywhere, keep the record as \"Erased person\" so links stay valid; cannot be undone",
		Description: "Needs the right to change and to delete contacts (admins, managers; sales for their own contacts), and " +
			"confirm set to the contact's id (a missing or different value answers 400 naming body.confirm). In one transaction: " +
			"the contact's personal fields (names, e-mails, phones, address, birthday, job title, time zone, notes, consent sources, " +
			"external id, and custom fields of text, e-mail, phone, URL and date types) are cleared and its name becomes \"Erased person\"; " +
			"every value of those fields in its history is anonymised, as are records merged into it; its search terms and duplicate keys " +
			"are deleted; its attachments are deleted; its relationships are removed; its e-mail addresses in the activities linked to it " +
			"(sender, recipients, attendees, subject, body) and their history become " + ErasedEmail + ". Account links, tags, owner, language " +
			"and consent choices stay. The erasure is logged in the history as an entry of action erase with who and when and the field " +
			"names, no values. A contact in the trash can be erased too. Erasing again changes nothing and answers already_erased.",
		Body: api.Schema{"type": "object", "required": []string{"confirm"}, "additionalProperties": false, "properties": api.Schema{
			"confirm": api.Schema{"type": "string", "format": "uuid", "description": "the id of the contact, repeated"}}},
		Response: summarySchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in EraseInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			sum, err := s.Erase(r.Context(), p, api.PathID(r, "id"), in)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, sum)
			return nil
		}})
}

// ServeExport answers a personal-data export: every check and read is
// done before the first byte, so an error is still a proper answer;
// after it, a failure can only cut the download short, which the
// client sees as a broken zip rather than a complete-looking one.
func (s *Service) ServeExport(w http.ResponseWriter, r *http.Request, p *auth.Principal, id string) error {
	x, err := s.PrepareExport(r.Context(), p, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", "attachment; filename=\""+x.FileName()+"\"; filename*=UTF-8''"+url.PathEscape(x.FileName()))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if err := x.WriteZip(w); err != nil {
		lvl := slog.LevelError
		if r.Context().Err() != nil {
			lvl = slog.LevelWarn // the client went away
		}
		s.Log.Log(r.Context(), lvl, "personal-data export cut short", "err", err, "request_id", api.RequestID(r.Context()), "contact", x.ID)
		panic(http.ErrAbortHandler)
	}
	return nil
}
