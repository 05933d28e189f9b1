package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/imports"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/web"
)

// The import pages: the list of imports, the upload, the mapping screen
// with a preview of the first rows as they will be stored, the live
// progress (htmx polling a fragment) and the report with its undo. They
// call the same service as the REST API.

func (s *Server) registerImportPages() {
	m := s.Mux
	m.Handle("GET /imports", s.page(s.importsPage))
	m.Handle("GET /imports/new", s.page(s.importNewPage))
	m.Handle("POST /imports/new", s.page(s.importNewPage))
	m.Handle("GET /imports/{id}", s.page(s.importPage))
	m.Handle("POST /imports/{id}/start", s.page(s.importStartPage))
	m.Handle("GET /imports/{id}/progress", s.page(s.importProgressPage))
	m.Handle("GET /imports/{id}/errors.csv", s.page(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		return s.Imports.WriteReport(w, r, p, r.PathValue("id"))
	}))
	m.Handle("POST /imports/{id}/undo", s.action(func(r *http.Request, p *auth.Principal) error {
		_, err := s.Imports.Undo(r.Context(), p, r.PathValue("id"))
		return err
	}, "imports.undo_started", func(r *http.Request) string { return "/imports/" + r.PathValue("id") }))
	m.Handle("POST /imports/{id}/cancel", s.action(func(r *http.Request, p *auth.Principal) error {
		_, err := s.Imports.Cancel(r.Context(), p, r.PathValue("id"))
		return err
	}, "imports.cancel_asked", func(r *http.Request) string { return "/imports/" + r.PathValue("id") }))
}

// statusClass is the badge colour of a batch status.
func statusClass(st string) string {
	switch st {
	case imports.StatusDone:
		return "badge-success"
	case imports.StatusFailed:
		return "badge-danger"
	case imports.StatusRunning, imports.StatusQueued, imports.StatusUndoing:
		return "badge-accent"
	case imports.StatusCancelled, imports.StatusUndone:
		return "badge-warning"
	}
	return ""
}

type importItem struct {
	*imports.Batch
	ObjectLabel, StatusLabel, StatusClass string
}

func (s *Server) importItem(lang string, b *imports.Batch) importItem {
	return importItem{Batch: b, ObjectLabel: s.tr.T(lang, "object."+b.Object), StatusLabel: s.tr.T(lang, "imports.status."+b.Status), StatusClass: statusClass(b.Status)}
}

// importObjects are the objects the caller may import into.
func (s *Server) importObjects(p *auth.Principal, lang, selected string) []optionView {
	var out []optionView
	for _, o := range s.Records.Objects() {
		if o.Section == "settings" && o.Name != "tags" {
			continue
		}
		if !p.Can(o.Name, auth.ActCreate) && !p.Can(o.Name, auth.ActUpdate) {
			continue
		}
		out = append(out, optionView{Value: o.Name, Label: s.tr.T(lang, o.LabelKey), Selected: o.Name == selected})
	}
	return out
}

func (s *Server) importsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := s.Imports.List(r.Context(), p, 100)
	if err != nil {
		return err
	}
	pg := s.newPage(r, p, s.t(r, "imports.title"), "customers", nil)
	items := make([]importItem, len(list))
	for i, b := range list {
		items[i] = s.importItem(pg.Lang, b)
	}
	pg.Data = map[string]any{"Items": items, "CanImport": len(s.importObjects(p, pg.Lang, "")) > 0}
	s.render.Page(w, r, http.StatusOK, "imports/list", pg)
	return nil
}

// importNewPage shows the upload form and takes the upload: the file is
// streamed to disk and the mapping screen follows.
func (s *Server) importNewPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	object := r.URL.Query().Get("object")
	if object == "" {
		object = "contacts"
	}
	var ferr error
	if r.Method == http.MethodPost {
		b, err := s.importUpload(w, r, p, &object)
		if err == nil {
			http.Redirect(w, r, "/imports/"+b.ID, http.StatusSeeOther)
			return nil
		}
		if e, ok := errs.As(err); !ok || e.Code == errs.Internal {
			return err
		}
		ferr = err
	}
	pg := s.newPage(r, p, s.t(r, "imports.new"), "customers", nil)
	objs := s.importObjects(p, pg.Lang, object)
	if len(objs) == 0 {
		return errs.E(errs.Forbidden, "You may not import into any object.")
	}
	d := map[string]any{"Objects": objs, "MaxMiB": s.Imports.MaxSize >> 20, "Errors": map[string]string{}}
	if s.Imports.MaxSize == 0 {
		d["MaxMiB"] = int64(imports.DefaultMaxSize >> 20)
	}
	status := http.StatusOK
	if ferr != nil {
		status = http.StatusUnprocessableEntity
		fe, _ := fieldErrors(ferr)
		if fe == nil {
			e, _ := errs.As(ferr)
			fe = map[string]string{"file": e.Message}
		}
		d["Errors"] = fe
	}
	pg.Data = d
	s.render.Page(w, r, status, "imports/new", pg)
	return nil
}

// importUpload reads the upload form: the object, then the file, which
// goes to the import service as it arrives.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request, p *auth.Principal, object *string) (*imports.Batch, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, errs.Field("body.file", "is required")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errs.Field("body.file", "is required")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, errs.Field("body.file", "is required")
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, errs.Field("body.file", "is too large")
			}
			return nil, errs.Field("body.file", "could not be read")
		}
		switch part.FormName() {
		case "object":
			v, _ := io.ReadAll(io.LimitReader(part, 100))
			*object = strings.TrimSpace(string(v))
		case "file":
			if part.FileName() == "" {
				part.Close()
				return nil, errs.Field("body.file", "is required")
			}
			b, err := s.Imports.Upload(r.Context(), p, *object, part.FileName(), part)
			part.Close()
			return b, err
		}
		part.Close()
	}
}

// importPage shows a batch: the mapping screen of a draft, else its
// progress or report.
func (s *Server) importPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	b, err := s.Imports.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if b.Status == imports.StatusDraft || (r.URL.Query().Get("edit") == "1" && b.DryRun && !b.Active()) {
		return s.mappingPage(w, r, p, b, nil, http.StatusOK)
	}
	pg := s.newPage(r, p, b.FileName, "customers", nil)
	v, err := s.statusView(r, p, pg.Lang, b)
	if err != nil {
		return err
	}
	pg.Data = v
	s.render.Page(w, r, http.StatusOK, "imports/status", pg)
	return nil
}

// importProgressPage is the fragment the status page polls.
func (s *Server) importProgressPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	b, err := s.Imports.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	pg := s.newPage(r, p, b.FileName, "customers", nil)
	v, err := s.statusView(r, p, pg.Lang, b)
	if err != nil {
		return err
	}
	pg.Data = v
	s.render.Partial(w, r, "imports/status#status", pg)
	return nil
}

// statusViewData is what the progress and report show.
type statusViewData struct {
	Item        importItem
	Percent     int
	Rate        string
	Left        string
	Issues      []issueView
	MoreIssues  bool
	WouldUpdate []imports.WouldUpdate
	Undoable    bool
	CanCancel   bool
	Failed      bool
}

type issueView struct {
	imports.Issue
	KindLabel, KindClass, Text, Href string
}

func (s *Server) statusView(r *http.Request, p *auth.Principal, lang string, b *imports.Batch) (*statusViewData, error) {
	v := &statusViewData{Item: s.importItem(lang, b), Undoable: b.Undoable() && p.Can(b.Object, auth.ActDelete), CanCancel: b.Status == imports.StatusQueued || b.Status == imports.StatusRunning,
		Failed: b.Status == imports.StatusFailed}
	if b.Rows.Total > 0 {
		v.Percent = int(100 * b.Rows.Done / b.Rows.Total)
	}
	if b.RowsPerSecond > 0 {
		v.Rate = web.FormatNumber(lang, strconv.FormatFloat(b.RowsPerSecond, 'f', 0, 64))
	}
	if b.SecondsLeft > 0 {
		v.Left = s.tr.T(lang, "imports.seconds_left", "N", web.FormatNumber(lang, strconv.FormatFloat(b.SecondsLeft+0.5, 'f', 0, 64)))
	}
	// The refused rows first, then the others (duplicates, skips,
	// warnings), up to a page; the CSV has them all.
	const shown = 50
	is, err := s.Imports.Issues(r.Context(), p, b.ID, imports.IssueError, shown+1)
	if err != nil {
		return nil, err
	}
	if len(is) < shown+1 {
		all, err := s.Imports.Issues(r.Context(), p, b.ID, "", shown+1)
		if err != nil {
			return nil, err
		}
		for _, x := range all {
			if x.Kind != imports.IssueError && len(is) < shown+1 {
				is = append(is, x)
			}
		}
	}
	if len(is) > shown {
		is, v.MoreIssues = is[:shown], true
	}
	for _, x := range is {
		iv := issueView{Issue: x, KindLabel: s.tr.T(lang, "imports.issue."+x.Kind), Text: s.issueText(lang, x)}
		switch x.Kind {
		case imports.IssueError:
			iv.KindClass = "badge-danger"
		case imports.IssueDuplicate, imports.IssueWarning:
			iv.KindClass = "badge-warning"
		}
		if x.RecordID != "" && x.Kind == imports.IssueDuplicate {
			iv.Href = "/o/" + b.Object + "/" + x.RecordID
		}
		v.Issues = append(v.Issues, iv)
	}
	if b.DryRun {
		if v.WouldUpdate, err = s.Imports.Touched(r.Context(), p, b.ID, "would_update", 20); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// issueText says a report line in the page's language: the duplicate
// checker's reasons and the policy's outcome by name, the engine's
// field errors through the error catalogue.
func (s *Server) issueText(lang string, x imports.Issue) string {
	if x.Kind != imports.IssueDuplicate {
		return s.tr.Error(lang, x.Reason)
	}
	outcome := "created"
	switch {
	case strings.HasPrefix(x.Reason, "skipped:"):
		outcome = "skipped"
	case strings.HasPrefix(x.Reason, "updated"):
		outcome = "updated"
	}
	var reasons []string
	if i := strings.LastIndex(x.Reason, ": "); i >= 0 {
		for _, code := range strings.Split(x.Reason[i+2:], ", ") {
			reasons = append(reasons, s.tr.T(lang, "dup."+code))
		}
	}
	return s.tr.T(lang, "imports.dup_"+outcome, "Reasons", strings.Join(reasons, ", "))
}

// mappingData is the mapping screen.
type mappingData struct {
	Item        importItem
	Preview     *imports.Preview
	Columns     []mapColumn
	Modes       []optionView
	Keys        []optionView
	Dups        []optionView
	Encodings   []optionView
	Delimiters  []optionView
	Sheets      []optionView
	Templates   []optionView
	CreateAcc   bool
	ShowAccount bool
	Stored      []storedRow
	StoredCols  []string
	Errors      map[string]string
	Query       string
}

type mapColumn struct {
	Index   int
	Name    string
	Samples []string
	Options []optionView
}

type storedRow struct {
	Row      int64
	Action   string
	Label    string
	Class    string
	Cells    []string
	Problems []string
}

// mappingPage shows the mapping screen: how the file reads, each column
// with its sample values and target, the options, and the first rows as
// they will be stored (a preview that writes nothing). opts are the
// choices so far (from the query of "update the preview", or a refused
// start); fe the field errors of a refused start.
func (s *Server) mappingPage(w http.ResponseWriter, r *http.Request, p *auth.Principal, b *imports.Batch, fe map[string]string, status int) error {
	opts := s.formOptions(r, b)
	pv, err := s.Imports.Preview(r.Context(), p, b.ID, opts)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
			// A choice the file cannot be read with (a sheet it has not):
			// back to what it read before, saying so.
			if fe == nil {
				fe = map[string]string{}
			}
			for _, f := range e.Fields {
				fe[strings.TrimPrefix(strings.TrimPrefix(f.Location, "body."), "query.")] = f.Message
			}
			pv, err = s.Imports.Preview(r.Context(), p, b.ID, imports.Options{})
			status = http.StatusUnprocessableEntity
		}
		if err != nil {
			return err
		}
	}
	pg := s.newPage(r, p, b.FileName, "customers", nil)
	lang := pg.Lang
	fields, _ := s.importFields(r, p, b.Object)
	label := func(name string) string {
		for _, t := range pv.Targets {
			if t.Name == name {
				return t.Label(lang, s.tr.T)
			}
		}
		return name
	}
	var targets []optionView
	for _, t := range pv.Targets {
		targets = append(targets, optionView{Value: t.Name, Label: t.Label(lang, s.tr.T)})
	}
	sort.SliceStable(targets, func(i, j int) bool { return strings.ToLower(targets[i].Label) < strings.ToLower(targets[j].Label) })
	d := &mappingData{Item: s.importItem(lang, b), Preview: pv, Errors: fe, CreateAcc: b.CreateAccounts, ShowAccount: b.Object == "contacts" || b.Object == "accounts"}
	if opts.CreateAccounts != nil {
		d.CreateAcc = *opts.CreateAccounts
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	mapped := map[string]string{}
	for _, c := range pv.Mapping {
		mapped[c.Column] = c.Field
	}
	for i, h := range pv.Header {
		col := mapColumn{Index: i, Name: h, Samples: pv.Samples[i]}
		col.Options = append(col.Options, optionView{Value: "", Label: s.tr.T(lang, "imports.skip_column"), Selected: mapped[h] == ""})
		for _, t := range targets {
			col.Options = append(col.Options, optionView{Value: t.Value, Label: t.Label, Selected: mapped[h] == t.Value})
		}
		d.Columns = append(d.Columns, col)
	}
	pick := func(values []string, cur, prefix string) []optionView {
		var out []optionView
		for _, v := range values {
			l := v
			if prefix != "" {
				l = s.tr.T(lang, prefix+v)
			}
			out = append(out, optionView{Value: v, Label: l, Selected: v == cur})
		}
		return out
	}
	mode, key, dup := b.Mode, b.Key, b.DupPolicy
	if opts.Mode != nil {
		mode = *opts.Mode
	}
	if opts.Key != nil {
		key = *opts.Key
	}
	if opts.DupPolicy != nil {
		dup = *opts.DupPolicy
	}
	d.Modes = pick([]string{imports.ModeCreate, imports.ModeUpdate, imports.ModeUpsert}, mode, "imports.mode.")
	d.Dups = pick([]string{imports.DupSkip, imports.DupUpdate, imports.DupCreate}, dup, "imports.dup.")
	d.Keys = []optionView{{Value: "", Label: s.tr.T(lang, "imports.no_key"), Selected: key == ""}}
	for _, k := range pv.Keys {
		l := k
		switch k {
		case "id", "email", "phone", "domain":
			l = s.tr.T(lang, "imports.key."+k)
		default:
			l = label(k)
		}
		d.Keys = append(d.Keys, optionView{Value: k, Label: l, Selected: k == key})
	}
	enc := pv.Encoding
	d.Encodings = []optionView{}
	for _, e := range []string{"utf-8", "utf-16le", "utf-16be", "gb18030", "windows-1252"} {
		d.Encodings = append(d.Encodings, optionView{Value: e, Label: e, Selected: e == enc})
	}
	for _, x := range []string{",", ";", "tab", "|"} {
		l := x
		if x == "tab" {
			l = s.tr.T(lang, "imports.tab")
		}
		d.Delimiters = append(d.Delimiters, optionView{Value: x, Label: l, Selected: x == pv.Delimiter})
	}
	for _, sh := range pv.Sheets {
		d.Sheets = append(d.Sheets, optionView{Value: sh, Label: sh, Selected: sh == pv.Sheet})
	}
	tpls, err := s.Imports.Templates(r.Context(), p, b.Object)
	if err != nil {
		return err
	}
	for _, t := range tpls {
		d.Templates = append(d.Templates, optionView{Value: t.ID, Label: t.Name})
	}
	// The first rows as they will be stored: the mapped fields' values.
	var cols []string
	seen := map[string]bool{}
	for _, c := range pv.Mapping {
		f := c.Field
		switch f {
		case "":
			continue
		case imports.TargetFullName:
			f = "name"
		case imports.TargetAccount, imports.TargetAccountDomain:
			f = "account_id"
		case imports.TargetParent:
			f = "parent_id"
		case imports.TargetTags:
			f = "tag_ids"
		case imports.TargetOwnerEmail:
			f = "owner_id"
		case imports.TargetContactEmails:
			f = "contact_ids"
		case imports.TargetAccountNames:
			f = "account_ids"
		case imports.TargetID:
			continue
		}
		if f == "given_name" || f == "family_name" || f == "middle_name" {
			f = "name"
		}
		if !seen[f] {
			seen[f] = true
			cols = append(cols, f)
		}
	}
	for _, c := range cols {
		l := c
		if f, ok := fields[c]; ok {
			l = f.Label(lang, s.tr.T)
		}
		d.StoredCols = append(d.StoredCols, l)
	}
	for _, st := range pv.Stored {
		row := storedRow{Row: st.Row, Action: st.Action, Label: s.tr.T(lang, "imports.action."+st.Action)}
		switch st.Action {
		case "reject":
			row.Class = "badge-danger"
		case "skip":
			row.Class = "badge-warning"
		case "create":
			row.Class = "badge-success"
		default:
			row.Class = "badge-accent"
		}
		for _, c := range cols {
			text := valueText(st.Values[c])
			if n, ok := st.Names[c]; ok {
				text = n
			}
			for _, cr := range st.Created {
				if cr == c && text != "" {
					text += " " + s.tr.T(lang, "imports.new_mark")
					break
				}
			}
			row.Cells = append(row.Cells, text)
		}
		for _, is := range st.Issues {
			t := s.issueText(lang, is)
			if is.Column != "" {
				t = is.Column + ": " + t
			}
			row.Problems = append(row.Problems, t)
		}
		d.Stored = append(d.Stored, row)
	}
	pg.Data = d
	s.render.Page(w, r, status, "imports/mapping", pg)
	return nil
}

// importFields returns the object's fields by name.
func (s *Server) importFields(r *http.Request, p *auth.Principal, object string) (map[string]records.Field, error) {
	o, err := s.Records.Object(object)
	if err != nil {
		return nil, err
	}
	fs, err := s.Records.Fields(r.Context(), s.DB, p.WorkspaceID, o)
	if err != nil {
		return nil, err
	}
	out := map[string]records.Field{}
	for _, f := range fs {
		out[f.Name] = f
	}
	return out, nil
}

// valueText writes a stored value for the preview table.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []records.EmailItem:
		var out []string
		for _, e := range x {
			out = append(out, e.Address)
		}
		return strings.Join(out, ", ")
	case []records.PhoneItem:
		var out []string
		for _, e := range x {
			out = append(out, e.Number)
		}
		return strings.Join(out, ", ")
	case []string:
		return strings.Join(x, ", ")
	case records.MoneyValue:
		return x.Amount + " " + x.Currency
	case bool:
		if x {
			return "✓"
		}
		return "–"
	}
	return fmt.Sprint(v)
}

// formOptions reads the mapping screen's choices from a form or a query:
// the file's reading (encoding, delimiter, sheet), the mapping (m.N is
// column N's target), mode, key, duplicates, accounts.
func (s *Server) formOptions(r *http.Request, b *imports.Batch) imports.Options {
	var o imports.Options
	v := r.URL.Query()
	if r.Method == http.MethodPost {
		v = r.PostForm
	}
	str := func(k string) *string {
		if !v.Has(k) {
			return nil
		}
		x := strings.TrimSpace(v.Get(k))
		return &x
	}
	o.Encoding, o.Delimiter, o.Sheet = str("encoding"), str("delimiter"), str("sheet")
	o.Mode, o.Key, o.DupPolicy = str("mode"), str("key"), str("duplicates")
	if t := str("template"); t != nil && *t != "" {
		o.Template = t
	}
	if v.Has("mode") {
		ca := v.Get("create_accounts") == "1"
		o.CreateAccounts = &ca
	}
	// The mapping, when the form sent one for the columns read as they
	// are now (a change of encoding or sheet reads other columns).
	var cols []imports.Column
	sameRead := (o.Encoding == nil || *o.Encoding == b.Encoding) && (o.Sheet == nil || *o.Sheet == b.Sheet) &&
		(o.Delimiter == nil || *o.Delimiter == b.Delimiter || (*o.Delimiter == "tab" && b.Delimiter == "\t"))
	if v.Has("col.0") && sameRead && o.Template == nil {
		for i := 0; v.Has("col." + strconv.Itoa(i)); i++ {
			cols = append(cols, imports.Column{Column: v.Get("col." + strconv.Itoa(i)), Field: v.Get("m." + strconv.Itoa(i))})
		}
		o.Mapping = &cols
	}
	return o
}

// importStartPage starts the import (or its dry run) with the mapping
// screen's choices, saving them as a template first when asked.
func (s *Server) importStartPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	b, err := s.Imports.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<20)
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.BadRequest, "The form could not be read.")
	}
	opts := s.formOptions(r, b)
	dry := r.PostForm.Get("run") == "dry"
	opts.DryRun = &dry
	if name := strings.TrimSpace(r.PostForm.Get("template_name")); name != "" && opts.Mapping != nil {
		in := imports.TemplateInput{Object: &b.Object, Name: &name, Mapping: opts.Mapping, Mode: opts.Mode, Key: opts.Key, DupPolicy: opts.DupPolicy, CreateAccounts: opts.CreateAccounts}
		if _, err := s.Imports.SaveTemplate(r.Context(), p, "", in); err != nil {
			if fe, ok := fieldErrors(err); ok {
				if m, ok := fe["name"]; ok {
					fe = map[string]string{"template_name": m}
				}
				return s.mappingPage(w, r, p, b, fe, http.StatusUnprocessableEntity)
			}
			return err
		}
	}
	if _, err := s.Imports.Start(r.Context(), p, b.ID, opts); err != nil {
		if fe, ok := fieldErrors(err); ok {
			return s.mappingPage(w, r, p, b, fe, http.StatusUnprocessableEntity)
		}
		return err
	}
	http.Redirect(w, r, "/imports/"+b.ID, http.StatusSeeOther)
	return nil
}
