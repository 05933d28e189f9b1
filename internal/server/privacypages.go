package server

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/privacy"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/web"
)

func (s *Server) registerPrivacyPages() {
	m := s.Mux
	m.Handle("GET /o/contacts/{id}/personal-data", s.page(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		return s.Privacy.ServeExport(w, r, p, r.PathValue("id"))
	}))
	m.Handle("GET /o/contacts/{id}/erase", s.page(s.erasePage))
	m.Handle("POST /o/contacts/{id}/erase", s.page(s.erasePage))
}

// eraseView is the confirmation page of an erasure.
type eraseView struct {
	ID, Name string
	Word     string // the confirmation word in the page's language
	Value    string // what the user typed
	Error    string
	Deleted  bool
}

// erasePage asks the user to confirm the erasure of a contact by typing
// the person's name or the confirmation word, checks it here on the
// server, erases, and goes back to the record with a message.
func (s *Server) erasePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !privacy.CanErase(p) {
		return errs.E(errs.Forbidden, "Erasing a person needs the right to change and to delete contacts.")
	}
	ctx := r.Context()
	o, err := s.Records.Object("contacts")
	if err != nil {
		return err
	}
	rec, err := s.Records.Get(ctx, p, o.Name, r.PathValue("id"), records.GetOptions{IncludeDeleted: true})
	if err != nil {
		return err
	}
	pg := s.newPage(r, p, s.t(r, "privacy.erase_title"), navOf(o), nil)
	v := &eraseView{ID: rec.ID, Name: rec.Title(o), Word: s.tr.T(pg.Lang, "privacy.confirm_word"), Deleted: rec.DeletedAt != nil}
	pg.Data = v
	if r.Method != http.MethodPost {
		s.render.Page(w, r, http.StatusOK, "customers/erase", pg)
		return nil
	}
	v.Value = strings.TrimSpace(r.PostFormValue("confirm"))
	// The name as shown, or the word in the page's language or in
	// English: a slip of the mouse can type neither.
	if v.Value == "" || !(strings.EqualFold(v.Value, v.Name) || strings.EqualFold(v.Value, v.Word) || strings.EqualFold(v.Value, s.tr.T("en", "privacy.confirm_word"))) {
		v.Error = s.tr.T(pg.Lang, "privacy.confirm_mismatch")
		s.render.Page(w, r, http.StatusUnprocessableEntity, "customers/erase", pg)
		return nil
	}
	sum, err := s.Privacy.Erase(ctx, p, rec.ID, privacy.EraseInput{Confirm: rec.ID})
	if err != nil {
		return err
	}
	msg := "privacy.erased"
	if sum.AlreadyErased {
		msg = "privacy.already_erased"
	}
	s.flash(r, web.FlashSuccess, s.tr.T(pg.Lang, msg))
	http.Redirect(w, r, "/o/contacts/"+rec.ID, http.StatusSeeOther)
	return nil
}
