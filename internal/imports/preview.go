package imports

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
)

// Preview is what the mapping screen shows of a file: how it was read,
// its columns with sample values and proposed targets, and its first
// rows as they would be stored.
type Preview struct {
	Format    string     `json:"format"`
	Encoding  string     `json:"encoding,omitempty"`
	Delimiter string     `json:"delimiter,omitempty"`
	Sheet     string     `json:"sheet,omitempty"`
	Sheets    []string   `json:"sheets,omitempty"`
	Header    []string   `json:"header"`
	Rows      [][]string `json:"rows"`
	Samples   [][]string `json:"samples"`
	Mapping   []Column   `json:"mapping"`
	Targets   []Target   `json:"targets"`
	Keys      []string   `json:"keys"`
	Stored    []Stored   `json:"stored"`
	// Warnings say what looks wrong with how the file was read, such as
	// characters that are not valid in the chosen encoding.
	Warnings []string `json:"warnings"`
}

// Stored is one of the first rows as the import would store it: the
// record's values after validation, or why the row would be refused.
type Stored struct {
	Row      int64          `json:"row"`
	Action   string         `json:"action"` // create, update, unchanged, skip, reject
	RecordID string         `json:"record_id,omitempty"`
	Values   map[string]any `json:"values,omitempty"`
	Issues   []Issue        `json:"issues,omitempty"`
	// Names says what the ids among the values stand for, as the file
	// named them (account, parent, tags, owner, linked records); Created
	// lists the fields whose records the import would create.
	Names   map[string]string `json:"names,omitempty"`
	Created []string          `json:"created,omitempty"`
}

const (
	previewRows   = 10
	previewStored = 5
)

// Preview reads the start of a batch's file with the options given (or
// the batch's own) and shows how it would be imported, writing nothing.
func (s *Service) Preview(ctx context.Context, p *auth.Principal, id string, opts Options) (*Preview, error) {
	s.init()
	b, err := s.load(ctx, s.DB, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, b) {
		return nil, errs.ErrNotFound
	}
	o, err := s.object(p, b.Object)
	if err != nil {
		return nil, err
	}
	if opts.Template != nil && *opts.Template != "" {
		t, err := s.findTemplate(ctx, p, b.Object, *opts.Template)
		if err != nil {
			return nil, err
		}
		t.applyTo(&opts)
	}
	oldEnc, oldSheet, oldDelim := b.Encoding, b.Sheet, b.Delimiter
	if fe := opts.apply(b, "body."); len(fe) > 0 {
		// Mode and key are checked at start; here only what reading needs.
		var keep []errs.FieldError
		for _, f := range fe {
			if f.Location == "body.delimiter" {
				keep = append(keep, f)
			}
		}
		if len(keep) > 0 {
			return nil, errs.Fields(keep)
		}
	}
	fields, err := s.Records.Fields(ctx, s.DB, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	ts := targets(o.Name, fields)
	src, info, err := openSource(b, filepath.Dir(b.path))
	if err != nil {
		return nil, err
	}
	pv := &Preview{Format: b.Format, Encoding: info.Encoding, Delimiter: formatDelimiter(info.Delimiter), Sheet: info.Sheet, Sheets: info.Sheets,
		Header: src.Header(), Targets: ts, Keys: keyTargets(o.Name, fields), Rows: [][]string{}, Stored: []Stored{}}
	var first []row
	for len(first) < previewRows {
		r, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			src.Close()
			return nil, err
		}
		first = append(first, r)
		vals := r.Values
		if vals == nil {
			vals = make([]string, len(pv.Header))
		}
		pv.Rows = append(pv.Rows, vals)
	}
	src.Close()
	pv.Warnings = []string{}
	bad := strings.ContainsRune(strings.Join(pv.Header, ""), utf8.RuneError)
	for _, r := range pv.Rows {
		bad = bad || strings.ContainsRune(strings.Join(r, ""), utf8.RuneError)
	}
	if bad {
		pv.Warnings = append(pv.Warnings, fmt.Sprintf("The file has characters that are not valid %s: choose its encoding (utf-8, utf-16, gb18030 or windows-1252).", pv.Encoding))
	}
	pv.Samples = make([][]string, len(pv.Header))
	for i := range pv.Header {
		pv.Samples[i] = []string{}
		for _, r := range pv.Rows {
			if len(pv.Samples[i]) < 3 && i < len(r) && r[i] != "" {
				pv.Samples[i] = append(pv.Samples[i], clip(r[i]))
			}
		}
	}
	// The mapping: the one given, else the batch's (unless reading the
	// file differently changed its columns), else a proposed one.
	switch {
	case opts.Mapping != nil:
		pv.Mapping = b.Mapping
	case b.Encoding == oldEnc && b.Sheet == oldSheet && b.Delimiter == oldDelim && sameColumns(b.Mapping, pv.Header):
		pv.Mapping = b.Mapping
	default:
		pv.Mapping = proposeMapping(o.Name, b.Format, pv.Header, ts, s.label)
	}
	b.Mapping = pv.Mapping
	if len(first) > previewStored {
		first = first[:previewStored]
	}
	stored, err := s.previewRows(ctx, p, b, first)
	if err != nil {
		return nil, err
	}
	pv.Stored = stored
	return pv, nil
}

func sameColumns(m []Column, header []string) bool {
	if len(m) != len(header) {
		return false
	}
	for i := range m {
		if m[i].Column != header[i] {
			return false
		}
	}
	return true
}

// previewRows runs the first rows through the import in a transaction
// that is rolled back, and shows what each would become.
func (s *Service) previewRows(ctx context.Context, p *auth.Principal, b *Batch, rows []row) ([]Stored, error) {
	out := []Stored{}
	if len(rows) == 0 || !mapsAny(b.Mapping) {
		return out, nil
	}
	pb := *b
	pb.DryRun = true
	if pb.Mode != ModeCreate && pb.Key == "" {
		pb.Mode = ModeCreate
	}
	if pb.Mode == "" {
		pb.Mode = ModeCreate
	}
	if pb.DupPolicy == "" {
		pb.DupPolicy = DupSkip
	}
	j, _, err := s.newJob(ctx, &pb, p)
	if err != nil {
		return nil, err
	}
	j.attempt++
	defer j.settle(0, false)
	prep := make([]*prepared, len(rows))
	for i, r := range rows {
		prep[i] = j.pl.prepare(r)
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	defer j.w.Reset()
	c := &chunk{tx: tx, keyIDs: map[string]string{}, staged: map[string]bool{}, index: map[search.Key][]int{}}
	if err := j.lookups(ctx, c, prep); err != nil {
		return nil, err
	}
	for i, pr := range prep {
		nIssues, nRecs, before := len(c.issues), len(c.recs), c.counts
		if err := j.row(ctx, c, i, pr); err != nil {
			return nil, err
		}
		st := Stored{Row: pr.row.Num, Issues: append([]Issue{}, c.issues[nIssues:]...)}
		d := c.counts
		switch {
		case d.Rejected > before.Rejected:
			st.Action = "reject"
		case d.Skipped > before.Skipped:
			st.Action = "skip"
		case d.Created > before.Created:
			st.Action = "create"
		case d.Updated > before.Updated:
			st.Action = "update"
		default:
			st.Action = "unchanged"
		}
		for _, t := range c.recs[nRecs:] {
			switch {
			case t.object == b.Object:
				st.RecordID = t.id
			case t.object == "accounts":
				st.Created = append(st.Created, "account_id", "parent_id")
			case t.object == "tags":
				st.Created = append(st.Created, "tag_ids")
			}
		}
		st.Names = map[string]string{}
		for field, name := range map[string]string{"account_id": firstOf(pr.account, pr.accountDomain), "parent_id": pr.parent,
			"tag_ids": strings.Join(pr.tags, ", "), "owner_id": pr.owner, "contact_ids": strings.Join(pr.contactEmails, ", "),
			"account_ids": strings.Join(pr.accountNames, ", ")} {
			if name != "" {
				st.Names[field] = name
			}
		}
		if st.Action == "create" {
			for _, cr := range c.created {
				if cr.row == pr.row.Num {
					st.Values = visibleValues(j.w.Fields(), cr.rec)
				}
			}
			if st.Values == nil {
				st.Values = visibleValues(j.w.Fields(), j.w.StagedRecord(st.RecordID))
			}
			st.RecordID = ""
		}
		out = append(out, st)
	}
	return out, nil
}

func mapsAny(m []Column) bool {
	for _, c := range m {
		if c.Field != "" {
			return true
		}
	}
	return false
}

// visibleValues are a record's values as a form shows them: no system
// fields but the owner.
func visibleValues(fields []records.Field, r *records.Record) map[string]any {
	out := map[string]any{}
	if r == nil {
		return out
	}
	for _, f := range fields {
		if f.System && f.Name != "owner_id" {
			continue
		}
		if v, ok := r.Values[f.Name]; ok && v != nil {
			out[f.Name] = v
		}
	}
	return out
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
