package privacy

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/files"
	"github.com/rapport-crm/rapport/internal/records"
)

// Format names the layout of person.json; it changes when the layout
// does.
const Format = "rapport.personal-data.v1"

// PersonalData is person.json: everything held about one contact that
// the exporting user may read.
type PersonalData struct {
	Format        string                   `json:"format"`
	ExportedAt    time.Time                `json:"exported_at"`
	ExportedBy    string                   `json:"exported_by"`
	Contact       json.RawMessage          `json:"contact"`
	Consent       map[string]Consent       `json:"consent"`
	Tags          []Tag                    `json:"tags"`
	Accounts      []customers.Membership   `json:"accounts"`
	Relationships []customers.Relationship `json:"relationships"`
	Activities    []json.RawMessage        `json:"activities"`
	History       []records.Change         `json:"history"`
	Attachments   []Attachment             `json:"attachments"`
}

// Consent is what the person agreed to on one channel (email, phone).
type Consent struct {
	Status string `json:"status"`
	At     string `json:"at,omitempty"`
	Source string `json:"source,omitempty"`
}

// Tag is a tag on the contact.
type Tag struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Attachment is a file of the contact: its metadata and, in File, where
// its content is in the zip (empty when the stored file is missing).
type Attachment struct {
	files.Attachment
	File    string `json:"file,omitempty"`
	Missing bool   `json:"missing,omitempty"`
}

// Export is a prepared personal-data export: everything is read and
// checked, so writing it can only fail on the way to the client.
type Export struct {
	ID   string
	Data *PersonalData
	s    *Service
	ws   string
}

// FileName is the name the download is offered under; it holds the
// record's id, never the person's name.
func (x *Export) FileName() string { return "personal-data-" + x.ID + ".zip" }

// PrepareExport reads everything about the contact id that p may read:
// the record with every field (custom ones too), its full history, its
// accounts with roles, its relationships, the activities linked to it,
// its consent and tags, and its attachments. The contact must be one p
// can read, as for reading the record itself (not_found otherwise,
// forbidden when p may not read contacts at all).
func (s *Service) PrepareExport(ctx context.Context, p *auth.Principal, id string) (*Export, error) {
	o, err := s.Records.Object("contacts")
	if err != nil {
		return nil, err
	}
	rec, err := s.Records.Get(ctx, p, o.Name, id, records.GetOptions{})
	if err != nil {
		return nil, err
	}
	fields, err := s.Records.Fields(ctx, s.DB, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	d := &PersonalData{Format: Format, ExportedAt: s.Now().UTC(), ExportedBy: p.UserID, Contact: records.MarshalRecord(fields, rec, nil),
		Consent: map[string]Consent{}, Tags: []Tag{}, Activities: []json.RawMessage{}, Attachments: []Attachment{}}
	str := func(k string) string { v, _ := rec.Values[k].(string); return v }
	for _, ch := range []string{"email", "phone"} {
		if st := str(ch + "_consent"); st != "" || str(ch+"_consent_source") != "" {
			d.Consent[ch] = Consent{Status: st, At: str(ch + "_consent_at"), Source: str(ch + "_consent_source")}
		}
	}
	if d.History, err = s.Records.History(ctx, p, o.Name, rec.ID); err != nil {
		return nil, err
	}
	if d.Accounts, err = s.Customers.ContactAccounts(ctx, p, rec.ID, 500); err != nil {
		return nil, err
	}
	if d.Relationships, err = s.Customers.Relationships(ctx, p, o.Name, rec.ID); err != nil {
		return nil, err
	}
	acts, afields, err := s.Activities.Linked(ctx, p, o.Name, rec.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range acts {
		d.Activities = append(d.Activities, records.MarshalRecord(afields, a, nil))
	}
	tagIDs, _ := rec.Values["tag_ids"].([]string)
	names := map[string]string{}
	if len(tagIDs) > 0 && p.Can("tags", auth.ActRead) {
		pg, err := s.Records.List(ctx, p, "tags", records.ListQuery{Limit: records.MaxLimit,
			Filters: []records.Filter{{Field: "id", Op: records.OpIn, Value: strings.Join(tagIDs, ",")}}})
		if err != nil {
			return nil, err
		}
		for _, t := range pg.Records {
			names[t.ID], _ = t.Values["name"].(string)
		}
	}
	for _, t := range tagIDs {
		d.Tags = append(d.Tags, Tag{ID: t, Name: names[t]})
	}
	atts, err := s.Files.ForRecord(ctx, s.DB, p.WorkspaceID, o.Name, rec.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range atts {
		x := Attachment{Attachment: a, File: "attachments/" + a.ID + "-" + a.Name}
		// A file lost on disk is said in the JSON rather than found
		// missing halfway through the download.
		if f, err := s.Files.OpenStored(p.WorkspaceID, a.ID); err != nil {
			x.File, x.Missing = "", true
		} else {
			f.Close()
		}
		d.Attachments = append(d.Attachments, x)
	}
	return &Export{ID: rec.ID, Data: d, s: s, ws: p.WorkspaceID}, nil
}

// compressed are content types not worth compressing again.
func compressed(ct string) bool {
	switch {
	case strings.HasPrefix(ct, "image/") && ct != "image/svg+xml" && ct != "image/bmp",
		strings.HasPrefix(ct, "video/"), strings.HasPrefix(ct, "audio/"),
		ct == "application/zip", ct == "application/gzip", ct == "application/x-gzip", ct == "application/pdf",
		strings.HasPrefix(ct, "application/vnd.openxmlformats"):
		return true
	}
	return false
}

// WriteZip streams the export as a zip to w: person.json first, then
// each attachment under attachments/<id>-<name>, each copied from its
// file as it is read, so nothing is held in memory but the JSON.
func (x *Export) WriteZip(w io.Writer) error {
	zw := zip.NewWriter(w)
	at := x.Data.ExportedAt
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: "person.json", Method: zip.Deflate, Modified: at})
	if err != nil {
		return fmt.Errorf("export %s: %w", x.ID, err)
	}
	enc := json.NewEncoder(fw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(x.Data); err != nil {
		return fmt.Errorf("export %s: %w", x.ID, err)
	}
	for _, a := range x.Data.Attachments {
		if a.File == "" {
			continue
		}
		method := zip.Deflate
		if compressed(a.ContentType) {
			method = zip.Store
		}
		if err := x.copyFile(zw, a, method); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("export %s: %w", x.ID, err)
	}
	return nil
}

func (x *Export) copyFile(zw *zip.Writer, a Attachment, method uint16) error {
	f, err := x.s.Files.OpenStored(x.ws, a.ID)
	if err != nil {
		return fmt.Errorf("export %s: %w", x.ID, err)
	}
	defer f.Close()
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: a.File, Method: method, Modified: a.CreatedAt})
	if err != nil {
		return fmt.Errorf("export %s: %w", x.ID, err)
	}
	if _, err := io.Copy(fw, f); err != nil {
		return fmt.Errorf("export %s: attachment %s: %w", x.ID, a.ID, err)
	}
	return nil
}
