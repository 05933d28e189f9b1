// Package exports streams the records of a list — any object, with the
// list's filters, sort and scope — as CSV, Excel, JSON Lines, vCard
// (contacts) or iCalendar (activities with a start).
//
// Memory stays constant for any number of records: the list is read a page
// at a time through the record engine (keyset cursor, the caller's
// permissions and scope applied as on screen) and every page is written out
// before the next is read. Excel is the exception the format forces:
// excelize spills the sheet to a temporary file and writes the workbook when
// it is closed, so an Excel export also reports a failure (more rows than a
// sheet holds) before the first byte is sent.
package exports

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/dataio"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// Format is a file format of an export.
type Format string

// The formats.
const (
	CSV   Format = "csv"
	XLSX  Format = "xlsx"
	JSONL Format = "jsonl"
	VCard Format = "vcf"
	ICal  Format = "ics"
)

// Formats lists every format, in the order the UI offers them.
var Formats = []Format{CSV, XLSX, JSONL, VCard, ICal}

// ContentType returns the media type of a file of format f.
func (f Format) ContentType() string {
	switch f {
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case JSONL:
		return "application/jsonl; charset=utf-8"
	case VCard:
		return "text/vcard; charset=utf-8"
	case ICal:
		return "text/calendar; charset=utf-8"
	}
	return "text/csv; charset=utf-8"
}

// Supports reports whether object can be exported as f: vCard holds
// contacts, iCalendar activities; the tabular formats hold anything.
func Supports(object string, f Format) bool {
	switch f {
	case CSV, XLSX, JSONL:
		return true
	case VCard:
		return object == "contacts"
	case ICal:
		return object == "activities"
	}
	return false
}

// ParseFormat reads a format name ("" is CSV) for object; the error names
// the parameter field.
func ParseFormat(object, s, field string) (Format, error) {
	if s == "" {
		return CSV, nil
	}
	f := Format(strings.ToLower(strings.TrimPrefix(s, ".")))
	if f == "vcard" {
		f = VCard
	}
	known := false
	for _, x := range Formats {
		known = known || x == f
	}
	if !known {
		return "", errs.Field(field, "must be one of csv, xlsx, jsonl, vcf, ics")
	}
	if !Supports(object, f) {
		if f == VCard {
			return "", errs.Field(field, "vcf holds contacts only; use csv, xlsx or jsonl")
		}
		return "", errs.Field(field, "ics holds activities only; use csv, xlsx or jsonl")
	}
	return f, nil
}

// batchSize is how many records are written out per step (their links
// and the titles they name read together).
const batchSize = 2000

// Exporter writes lists out.
type Exporter struct {
	Records *records.Engine
	// Users returns the e-mail address of each user of the caller's
	// workspace by id, for the owner_email-style columns.
	Users func(ctx context.Context, p *auth.Principal) (map[string]string, error)
	// Now stamps calendars; nil is time.Now.
	Now func() time.Time
	// Batch is how many records are written out per step; 0 is 2,000.
	Batch int
	// TitlesAtOnce is how many titles of one target object an export
	// reads by id before it reads all of them in one pass; 0 is 10,000.
	TitlesAtOnce int
}

// Result says what an export wrote.
type Result struct {
	Records int // records written
	Skipped int // records the format cannot hold (an activity without a start, in iCalendar)
}

// Write streams the records of object that q selects, as the caller sees
// them, to w in format f. Nothing is written to w before the first page
// has been read, so a bad filter is an error the caller can still answer
// with a status.
func (x *Exporter) Write(ctx context.Context, p *auth.Principal, object string, q records.ListQuery, f Format, w io.Writer) (Result, error) {
	if f == CSV || f == JSONL {
		return x.writeRows(ctx, p, object, q, f, w)
	}
	return x.writeRecords(ctx, p, object, q, f, w)
}

// prepare checks an export and reads what it needs before a byte is
// written: the e-mails of the workspace's users, and one record of the
// list, so that the filters, sort and permission are checked and the
// fields known.
func (x *Exporter) prepare(ctx context.Context, p *auth.Principal, object string, q *records.ListQuery, f Format) (*records.Object, []records.Field, map[string]string, error) {
	o, err := x.Records.Object(object)
	if err != nil {
		return nil, nil, nil, err
	}
	if !Supports(object, f) {
		return nil, nil, nil, errs.Field("query.format", "is not available for "+object)
	}
	users := map[string]string{}
	if x.Users != nil {
		if users, err = x.Users(ctx, p); err != nil {
			return nil, nil, nil, err
		}
	}
	if q.Sort == "" {
		// Unless the list is sorted, records come out in the order they
		// were made: the table's own order, read sequentially, about twice
		// as fast on a large database as the list's default by name.
		q.Sort = "created_at"
	}
	first := *q
	first.Fields = nil
	first.Limit = 1
	pg, err := x.Records.List(ctx, p, object, first)
	if err != nil {
		return nil, nil, nil, err
	}
	return o, pg.Fields, users, nil
}

// writeRows is Write for CSV and JSON Lines: the records are read as raw
// rows and each cell is written from the row's values into reused
// buffers, without a typed record per row; the titles of referenced
// records come from a cache kept from batch to batch. It writes what
// writeRecords writes, byte for byte.
func (x *Exporter) writeRows(ctx context.Context, p *auth.Principal, object string, q records.ListQuery, f Format, w io.Writer) (Result, error) {
	_, fields, users, err := x.prepare(ctx, p, object, &q, f)
	if err != nil {
		return Result{}, err
	}
	var (
		res   Result
		cw    *dataio.CSVWriter
		jw    *bufio.Writer
		cols  []Column
		colFi []int // by column, the index of its field in the rows' fields
		cell  []byte
		line  []byte
		t     = newTitles(x.TitlesAtOnce)
		want  = map[string][]string{}
	)
	if f == CSV {
		cw = dataio.NewCSVWriter(w, dataio.CSVWriterOptions{})
		cols = Columns(fields)
		header := make([]string, len(cols))
		for i, c := range cols {
			header[i] = c.Header
		}
		if err := cw.WriteHeader(header); err != nil {
			return res, err
		}
	} else {
		jw = bufio.NewWriterSize(w, 64<<10)
	}
	batch := x.Batch
	if batch <= 0 {
		batch = batchSize
	}
	err = x.Records.StreamRows(ctx, p, object, q, batch, func(rs *records.Rows) error {
		if jw != nil {
			for i := range rs.Len() {
				var err error
				if line, err = rs.AppendJSON(line[:0], i); err != nil {
					return fmt.Errorf("export: %w", err)
				}
				line = append(line, '\n')
				if _, err := jw.Write(line); err != nil {
					return err
				}
				res.Records++
			}
			return ctx.Err()
		}
		if colFi == nil {
			colFi = make([]int, len(cols))
			for k, c := range cols {
				colFi[k] = -1
				for fi := range rs.Fields {
					if rs.Fields[fi].Name == c.Field.Name {
						colFi[k] = fi
					}
				}
			}
		}
		// The titles of what the batch refers to that the cache lacks,
		// read at once.
		if t.full() {
			t = newTitles(x.TitlesAtOnce)
		}
		clear(want)
		for k, c := range cols {
			fi := colFi[k]
			if c.Kind != TitleColumn || fi < 0 {
				continue
			}
			for i := range rs.Len() {
				ids, err := rs.IDs(i, fi)
				if err != nil {
					return fmt.Errorf("export: %w", err)
				}
				for _, id := range ids {
					if !t.known(c.Field.Target, id) {
						want[c.Field.Target] = append(want[c.Field.Target], id)
					}
				}
			}
		}
		if err := t.fetchIDs(ctx, x.Records, p, want); err != nil {
			return err
		}
		for i := range rs.Len() {
			for k, c := range cols {
				fi := colFi[k]
				cell = cell[:0]
				var err error
				switch {
				case c.Kind == ValueColumn && c.Header == "id":
					cell = rs.AppendID(cell, i)
				case fi < 0:
				case c.Kind == ValueColumn:
					cell, err = rs.AppendCell(cell, i, fi)
				case c.Kind == TitleColumn:
					var ids []string
					if ids, err = rs.IDs(i, fi); err == nil {
						cell = t.appendOf(cell, c.Field.Target, ids)
					}
				case c.Kind == EmailColumn && !c.Field.Custom:
					cell, err = rs.AppendCell(cell, i, fi)
					cell = append(cell[:0], users[string(cell)]...)
				case c.Kind == EmailColumn:
					var v any
					if v, err = rs.Value(i, fi); err == nil {
						cell = append(cell, users[fmt.Sprint(orEmpty(v))]...)
					}
				}
				if err != nil {
					return fmt.Errorf("export: %w", err)
				}
				if err := cw.WriteCell(cell, k == 0); err != nil {
					return err
				}
			}
			if err := cw.EndRow(); err != nil {
				return err
			}
			res.Records++
		}
		return ctx.Err()
	})
	if err != nil {
		return res, err
	}
	if jw != nil {
		return res, jw.Flush()
	}
	return res, cw.Close()
}

// writeRecords is Write for any object and format: the records are read
// through the record engine, a batch at a time, each decoded into its
// typed values and written out.
func (x *Exporter) writeRecords(ctx context.Context, p *auth.Principal, object string, q records.ListQuery, f Format, w io.Writer) (Result, error) {
	o, fields, users, err := x.prepare(ctx, p, object, &q, f)
	if err != nil {
		return Result{}, err
	}
	sink, err := x.newSink(f, o, fields, users, w)
	if err != nil {
		return Result{}, err
	}
	var res Result
	t := newTitles(x.TitlesAtOnce)
	batch := x.Batch
	if batch <= 0 {
		batch = batchSize
	}
	err = x.Records.Stream(ctx, p, object, q, batch, func(_ []records.Field, recs []*records.Record) error {
		if t.full() {
			t = newTitles(x.TitlesAtOnce)
		}
		if err := t.fetch(ctx, x.Records, p, fields, recs); err != nil {
			return err
		}
		for _, r := range recs {
			ok, err := sink.write(r, t)
			if err != nil {
				return err
			}
			if ok {
				res.Records++
			} else {
				res.Skipped++
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return res, err
	}
	return res, sink.close()
}

// sink writes records in one format.
type sink interface {
	write(r *records.Record, t *titles) (bool, error)
	close() error
}

func (x *Exporter) newSink(f Format, o *records.Object, fields []records.Field, users map[string]string, w io.Writer) (sink, error) {
	switch f {
	case JSONL:
		return &jsonlSink{w: w, fields: fields}, nil
	case VCard:
		return &vcardSink{w: w}, nil
	case ICal:
		now := x.Now
		if now == nil {
			now = time.Now
		}
		iw, err := dataio.NewICalWriter(w, dataio.ICalWriterOptions{ProdID: "-//Rapport CRM//export//EN", Now: now})
		if err != nil {
			return nil, err
		}
		return &icalSink{w: iw}, nil
	}
	var rw dataio.RowWriter
	if f == XLSX {
		xw, err := dataio.NewXLSXWriter(w, o.Name)
		if err != nil {
			return nil, err
		}
		rw = xw
	} else {
		rw = dataio.NewCSVWriter(w, dataio.CSVWriterOptions{})
	}
	cols := Columns(fields)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Header
	}
	if err := rw.WriteHeader(header); err != nil {
		return nil, err
	}
	return &tableSink{w: rw, cols: cols, users: users, row: make([]string, len(cols))}, nil
}

// A Column of a tabular export: a field's value, or a readable companion
// of a reference field (the referenced record's title, the user's e-mail).
type Column struct {
	Header string
	Field  records.Field
	Kind   ColumnKind
}

// ColumnKind says what a column holds of its field.
type ColumnKind int

// The kinds of column.
const (
	ValueColumn ColumnKind = iota // the stored value (ids for references)
	TitleColumn                   // the titles of the referenced records
	EmailColumn                   // the e-mail address of the user
)

// Columns lays out a tabular export of records with fields: id, then every
// field by its API name, each reference followed by a readable column —
// account_id then account_name, tag_ids then tag_names, owner_id then
// owner_email — so the file reads well in a spreadsheet and imports back
// (the importer maps account_name, owner_email and the ids).
func Columns(fields []records.Field) []Column {
	out := []Column{{Header: "id", Field: records.Field{Name: "id"}}}
	for _, f := range fields {
		if f.Name == "id" {
			continue
		}
		out = append(out, Column{Header: f.Name, Field: f})
		base := strings.TrimSuffix(strings.TrimSuffix(f.Name, "_ids"), "_id")
		if base == f.Name {
			continue
		}
		switch f.Type {
		case records.Reference:
			out = append(out, Column{Header: base + "_name", Field: f, Kind: TitleColumn})
		case records.RefList:
			out = append(out, Column{Header: base + "_names", Field: f, Kind: TitleColumn})
		case records.User:
			out = append(out, Column{Header: base + "_email", Field: f, Kind: EmailColumn})
		}
	}
	return out
}

type tableSink struct {
	w     dataio.RowWriter
	cols  []Column
	users map[string]string
	row   []string
}

func (s *tableSink) write(r *records.Record, t *titles) (bool, error) {
	for i, c := range s.cols {
		if c.Header == "id" && c.Kind == ValueColumn {
			s.row[i] = r.ID
			continue
		}
		v := r.Values[c.Field.Name]
		switch c.Kind {
		case TitleColumn:
			s.row[i] = strings.Join(t.of(c.Field.Target, v), "; ")
		case EmailColumn:
			s.row[i] = s.users[fmt.Sprint(orEmpty(v))]
		default:
			s.row[i] = records.CellText(v)
		}
	}
	return true, s.w.WriteRow(s.row)
}

func (s *tableSink) close() error { return s.w.Close() }

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}

type jsonlSink struct {
	w      io.Writer
	fields []records.Field
	buf    []byte
}

func (s *jsonlSink) write(r *records.Record, _ *titles) (bool, error) {
	s.buf = append(append(s.buf[:0], records.MarshalRecord(s.fields, r, nil)...), '\n')
	_, err := s.w.Write(s.buf)
	return true, err
}

func (s *jsonlSink) close() error { return nil }

type vcardSink struct{ w io.Writer }

func (s *vcardSink) write(r *records.Record, t *titles) (bool, error) {
	return true, dataio.WriteVCardVersion(s.w, contactCard(r, t), "4.0")
}

func (s *vcardSink) close() error { return nil }

// contactCard is a contact as a vCard.
func contactCard(r *records.Record, t *titles) dataio.Card {
	str := func(name string) string {
		if v, ok := r.Values[name].(string); ok {
			return v
		}
		return ""
	}
	c := dataio.Card{UID: "urn:uuid:" + r.ID, FullName: str("name"), GivenName: str("given_name"), FamilyName: str("family_name"),
		MiddleName: str("middle_name"), Title: str("job_title"), Street: str("street"), City: str("city"), Region: str("region"),
		PostalCode: str("postal_code"), Country: str("country"), Birthday: str("birthday"), Note: str("description"),
		Language: str("language"), TimeZone: str("time_zone")}
	if es, ok := r.Values["emails"].([]records.EmailItem); ok {
		for _, e := range es {
			c.Emails = append(c.Emails, dataio.Typed{Value: e.Address, Type: e.Label, Pref: e.Primary})
		}
	}
	if ps, ok := r.Values["phones"].([]records.PhoneItem); ok {
		for _, p := range ps {
			n := p.Number
			if n == "" {
				n = p.Text
			}
			c.Phones = append(c.Phones, dataio.Typed{Value: n, Type: p.Label, Pref: p.Primary})
		}
	}
	if org := t.of("accounts", r.Values["account_id"]); len(org) > 0 {
		c.Org = org[0]
	}
	c.Categories = t.of("tags", r.Values["tag_ids"])
	return c
}

type icalSink struct{ w *dataio.ICalWriter }

func (s *icalSink) write(r *records.Record, _ *titles) (bool, error) {
	start, ok := timeValue(r.Values["starts_at"])
	if !ok {
		return false, nil
	}
	end, ok := timeValue(r.Values["ends_at"])
	if !ok || end.Before(start) {
		end = start
	}
	ev := dataio.Event{UID: r.ID + "@rapport", Start: start, End: end}
	ev.Summary, _ = r.Values["subject"].(string)
	ev.Description, _ = r.Values["body"].(string)
	ev.Location, _ = r.Values["location"].(string)
	if as, ok := r.Values["attendees"].([]records.EmailItem); ok {
		for _, a := range as {
			ev.Attendees = append(ev.Attendees, a.Address)
		}
	}
	return true, s.w.Write(ev)
}

func (s *icalSink) close() error { return s.w.Close() }

func timeValue(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, !x.IsZero()
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		return t, err == nil
	}
	return time.Time{}, false
}

// maxTitles bounds the titles kept from batch to batch (accounts, tags and
// other records many rows share are read once): some 60 MB of heap when
// full.
const maxTitles = 500_000

// titles holds the titles of the records the rows refer to.
type titles struct {
	m map[string]map[string]string // by target object, by id; "" for no title
	n int
	// all says the titles of every record of a target are held, so an id
	// not held has none; asked counts the ids read one by one, by target,
	// and tried says the whole target was tried and found too large.
	all    map[string]bool
	asked  map[string]int
	tried  map[string]bool
	atOnce int // allAfter, or the exporter's TitlesAtOnce
}

// allAfter is how many titles of one target an export reads by id before
// it reads all of the target's titles at once (at most maxTitles): past
// this, the export is likely to name much of the target.
const allAfter = 10_000

func newTitles(atOnce int) *titles {
	if atOnce <= 0 {
		atOnce = allAfter
	}
	return &titles{m: map[string]map[string]string{}, all: map[string]bool{}, asked: map[string]int{}, tried: map[string]bool{}, atOnce: atOnce}
}

// full reports whether the cache holds more than it should keep.
func (t *titles) full() bool { return t.n > maxTitles }

// known reports whether the title of target's record id has been read.
func (t *titles) known(target, id string) bool {
	if t.all[target] {
		return true
	}
	_, ok := t.m[target][id]
	return ok
}

// fetch reads, one query per target object and per 500 ids, the titles
// of what recs refer to, as the caller may see them (a record out of the
// caller's reach stays without a title).
func (t *titles) fetch(ctx context.Context, eng *records.Engine, p *auth.Principal, fields []records.Field, recs []*records.Record) error {
	return t.fetchIDs(ctx, eng, p, records.RefIDs(fields, recs))
}

// fetchIDs is fetch of the ids named, by target object.
func (t *titles) fetchIDs(ctx context.Context, eng *records.Engine, p *auth.Principal, want map[string][]string) error {
	for target, ids := range want {
		if !p.Can(target, auth.ActRead) || t.all[target] {
			continue
		}
		tm := t.m[target]
		if tm == nil {
			tm = map[string]string{}
			t.m[target] = tm
		}
		seen := map[string]bool{}
		uniq := ids[:0]
		for _, id := range ids {
			if _, known := tm[id]; known {
				continue
			}
			if !seen[id] {
				seen[id] = true
				uniq = append(uniq, id)
			}
		}
		if t.asked[target] += len(uniq); t.asked[target] > t.atOnce && !t.tried[target] {
			t.tried[target] = true
			got, ok, err := eng.AllTitles(ctx, p, target, maxTitles-(t.n-len(tm)))
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			if ok {
				t.n += len(got) - len(tm)
				t.m[target], t.all[target] = got, true
				continue
			}
		}
		got, err := eng.Titles(ctx, p, target, uniq)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		for _, id := range uniq {
			tm[id] = got[id] // "" when out of reach or gone: no title
		}
		t.n += len(uniq)
	}
	return nil
}

// of returns the titles of the records v (an id or a list of ids) names.
func (t *titles) of(target string, v any) []string {
	var ids []string
	switch x := v.(type) {
	case string:
		if x != "" {
			ids = []string{x}
		}
	case []string:
		ids = x
	}
	var out []string
	for _, id := range ids {
		if s := t.m[target][id]; s != "" {
			out = append(out, s)
		}
	}
	return out
}

// appendOf appends what strings.Join(t.of(target, ids), "; ") gives.
func (t *titles) appendOf(dst []byte, target string, ids []string) []byte {
	tm, first := t.m[target], true
	for _, id := range ids {
		if s := tm[id]; s != "" {
			if !first {
				dst = append(dst, "; "...)
			}
			dst, first = append(dst, s...), false
		}
	}
	return dst
}

// Filename is the download name of an export of object in format f made
// at now: "contacts-2026-11-23.csv".
func Filename(object string, f Format, now time.Time) string {
	return object + "-" + now.UTC().Format("2006-01-02") + "." + string(f)
}

// RegisterAPI adds GET /api/v1/{object}/export for every object.
func (x *Exporter) RegisterAPI(a *api.API) {
	for _, o := range x.Records.Objects() {
		formats := []string{string(CSV), string(XLSX), string(JSONL)}
		produces := []string{CSV.ContentType(), XLSX.ContentType(), JSONL.ContentType()}
		for _, f := range []Format{VCard, ICal} {
			if Supports(o.Name, f) {
				formats = append(formats, string(f))
				produces = append(produces, f.ContentType())
			}
		}
		name := o.Name
		a.Handle(api.Op{Method: "GET", Path: "/api/v1/" + name + "/export", ID: "export_" + name, Tag: name,
			Summary: "Download every record of " + name + " a list selects (its filters, sort, search or saved view, within your scope) as " + strings.Join(formats, ", ") +
				"; streamed with constant memory, CSV cells that a spreadsheet would run as a formula neutralised",
			Params: append([]api.Param{
				{Name: "format", In: "query", Schema: api.Schema{"type": "string", "enum": formats, "default": "csv"}},
				{Name: "view", In: "query", Description: "a saved view's id: its filters and sort", Schema: api.Schema{"type": "string", "format": "uuid"}},
			}, exportParams...),
			Produces: produces,
			Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
				vals, err := api.Query(r)
				if err != nil {
					return err
				}
				f, q, err := x.ParseRequest(r.Context(), p, name, vals)
				if err != nil {
					return err
				}
				return x.Serve(w, r, p, name, q, f)
			}})
	}
}

// exportParams are the list parameters an export takes (no limit or cursor:
// an export is the whole list).
var exportParams = []api.Param{
	{Name: "filter[field][op]", In: "query", Description: "filter on any field, as the list takes it"},
	{Name: "sort", In: "query", Description: "a field name, - in front for descending"},
	{Name: "q", In: "query", Description: "text to find in the record's title"},
}

// ParseRequest reads format, view and the list parameters of an export
// request; limit and cursor are refused (an export is the whole list).
func (x *Exporter) ParseRequest(ctx context.Context, p *auth.Principal, object string, vals url.Values) (Format, records.ListQuery, error) {
	f, err := ParseFormat(object, vals.Get("format"), "query.format")
	if err != nil {
		return "", records.ListQuery{}, err
	}
	for _, k := range []string{"limit", "cursor", "fields"} {
		if vals.Has(k) {
			return "", records.ListQuery{}, errs.Field("query."+k, "is not taken by an export, which writes the whole list with every field")
		}
	}
	lv := url.Values{}
	if id := vals.Get("view"); id != "" {
		views, err := x.Records.ListViews(ctx, p, object)
		if err != nil {
			return "", records.ListQuery{}, err
		}
		found := false
		for _, v := range views {
			if v.ID == id {
				found = true
				if lv, err = url.ParseQuery(v.Query); err != nil {
					return "", records.ListQuery{}, errs.Field("query.view", "is a saved view whose query cannot be read")
				}
				lv.Del("cursor")
				lv.Del("limit")
			}
		}
		if !found {
			return "", records.ListQuery{}, errs.Field("query.view", "is not a saved view of "+object+" you can see")
		}
	}
	for k, v := range vals {
		switch k {
		case "format", "view", "cols":
		default:
			lv[k] = v
		}
	}
	q, err := records.ParseListQuery(lv)
	return f, q, err
}

// Serve answers an export request: the file as an attachment. A failure
// before the first record is written (a bad filter, too many rows for a
// sheet) is still an error the caller answers with a status.
func (x *Exporter) Serve(w http.ResponseWriter, r *http.Request, p *auth.Principal, object string, q records.ListQuery, f Format) error {
	now := time.Now
	if x.Now != nil {
		now = x.Now
	}
	lw := &lazyWriter{w: w, header: func(h http.Header) {
		h.Set("Content-Type", f.ContentType())
		h.Set("Content-Disposition", `attachment; filename="`+Filename(object, f, now())+`"`)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
	}}
	_, err := x.Write(r.Context(), p, object, q, f, lw)
	if err != nil && errors.Is(err, dataio.ErrTooManyRows) {
		return errs.Field("query.format", "xlsx holds at most 1,048,575 records in a sheet; narrow the list with filters or use csv or jsonl")
	}
	if err != nil && lw.started {
		// The status is sent; all that is left is to cut the file short,
		// so the client sees an incomplete download rather than a
		// complete-looking truncated one.
		panic(http.ErrAbortHandler)
	}
	return err
}

// lazyWriter sets the download's headers on the first write, so an error
// before it can still be answered with a problem document.
type lazyWriter struct {
	w       http.ResponseWriter
	header  func(http.Header)
	started bool
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		l.header(l.w.Header())
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(b)
}
