package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/exports"
	"github.com/rapport-crm/rapport/internal/privacy"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/web"
)

// The generic record pages serve every object from its description:
// list (filters, sort, columns, saved views, cursor paging), detail with
// history, create and edit forms, trash and restore.

// fieldView is a field as a page shows it.
type fieldView struct {
	Name     string
	Label    string
	Type     string
	Required bool
	Custom   bool
	System   bool
	Sortable bool
	Options  []optionView
}

type optionView struct {
	Value, Label string
	Selected     bool
}

// cell is one formatted value.
type cell struct {
	Text   string
	Href   string
	Color  string
	List   []string
	Links  []link
	IsBool bool
	True   bool
}

type link struct{ Text, Href string }

type rowView struct {
	ID    string
	Href  string
	ETag  string // what a restore from the trash list sends as If-Match
	Cells []cell
}

type filterView struct {
	Field, FieldLabel, Op, Value string
	RemoveHref                   string
}

type listView struct {
	Exports    []link       // the list, as it is filtered, in each format it can be downloaded in
	Tabs       []filterChip // the section's other lists
	Dups       bool         // the object has a duplicate scan
	Object     string
	Singular   string
	Fields     []fieldView // filterable / choosable fields
	Columns    []fieldView
	Rows       []rowView
	Filters    []filterView
	Sort       string
	Search     string
	NextHref   string
	FirstHref  string
	IsFirst    bool
	Query      string // the current list query, for saving a view
	ColsParam  string
	Views      []*records.View
	ViewID     string
	CanCreate  bool
	CanDelete  bool
	Trash      bool
	Ops        []string
	SortLinks  map[string]string
	SortDir    map[string]string
	HiddenArgs [][2]string
	Count      string // "1,234 contacts", "More than 10,000", "About 1.2M"
	// Bulk actions on the rows chosen with their check boxes.
	Bulk      bool
	CanUpdate bool
	Owners    []optionView
	Tags      []optionView // empty when the object has no tags
	Back      string       // this page, to come back to after a bulk action
}

func (s *Server) registerRecordPages() {
	m := s.Mux
	m.Handle("GET /o/{object}", s.page(s.listPage(false)))
	m.Handle("GET /o/{object}/trash", s.page(s.listPage(true)))
	m.Handle("GET /o/{object}/new", s.page(s.formPage))
	m.Handle("POST /o/{object}/new", s.page(s.formPage))
	m.Handle("GET /o/{object}/{id}", s.page(s.detailPage))
	m.Handle("GET /o/{object}/{id}/edit", s.page(s.formPage))
	m.Handle("POST /o/{object}/{id}/edit", s.page(s.formPage))
	m.Handle("POST /o/{object}/{id}/delete", s.page(s.deleteRecordPage))
	m.Handle("POST /o/{object}/{id}/restore", s.page(s.restoreRecordPage))
	m.Handle("POST /o/{object}/{id}/purge", s.page(s.purgeRecordPage))
	m.Handle("POST /o/{object}/views", s.page(s.saveViewPage))
	m.Handle("POST /o/{object}/bulk", s.page(s.bulkPage))
	m.Handle("GET /o/{object}/export", s.page(s.exportPage))
	m.Handle("POST /o/{object}/views/{id}/delete", s.page(s.deleteViewPage))
}

func (s *Server) objectOf(r *http.Request) (*records.Object, error) {
	return s.Records.Object(r.PathValue("object"))
}

func navOf(o *records.Object) string {
	if o.Section != "" {
		return o.Section
	}
	return "customers"
}

// fieldViews describes fields for the page language.
func (s *Server) fieldViews(lang string, fields []records.Field) []fieldView {
	out := make([]fieldView, 0, len(fields))
	for i := range fields {
		f := &fields[i]
		fv := fieldView{Name: f.Name, Label: f.Label(lang, s.tr.T), Type: string(f.Type), Required: f.Required, Custom: f.Custom, System: f.System || f.ReadOnly,
			Sortable: f.Type != records.MultiSelect}
		for _, o := range f.Options {
			fv.Options = append(fv.Options, optionView{Value: o.Value, Label: o.Label(lang)})
		}
		out = append(out, fv)
	}
	return out
}

// formatter turns canonical values into display text for one page.
type formatter struct {
	lang   string
	tz     *time.Location
	users  map[string]string
	tr     *web.Translator
	titles map[string]string // "object/id" -> title of referenced records
	s      *Server
	ctx    context.Context
	p      *auth.Principal
}

// prefetch reads, one query per object, the titles of the records that
// recs refer to, so reference cells show names rather than ids.
func (fm *formatter) prefetch(fields []records.Field, recs []*records.Record) {
	want := records.RefIDs(fields, recs)
	for target, ids := range want {
		slices.Sort(ids)
		ids = slices.Compact(ids)
		got, err := fm.s.Records.Titles(fm.ctx, fm.p, target, ids)
		if err != nil {
			continue
		}
		for id, t := range got {
			fm.titles[target+"/"+id] = t
		}
	}
}

func (fm *formatter) title(target, id string) string {
	if t, ok := fm.titles[target+"/"+id]; ok {
		return t
	}
	return fm.tr.T(fm.lang, "records.hidden_record")
}

func (s *Server) newFormatter(r *http.Request, p *auth.Principal, pg *web.Page) *formatter {
	f := &formatter{lang: pg.Lang, tz: pg.TZ, users: map[string]string{}, tr: s.tr, titles: map[string]string{}, s: s, ctx: r.Context(), p: p}
	if us, err := s.Auth.ListUsers(r.Context(), p); err == nil {
		for _, u := range us {
			f.users[u.ID] = u.DisplayName()
		}
	}
	return f
}

func (fm *formatter) cell(f *records.Field, v any) cell {
	if v == nil {
		return cell{}
	}
	switch f.Type {
	case records.Money:
		if m, ok := v.(records.MoneyValue); ok {
			return cell{Text: web.FormatMoney(fm.lang, m.Amount, m.Currency)}
		}
	case records.Decimal, records.Integer:
		return cell{Text: web.FormatNumber(fm.lang, fmt.Sprint(v))}
	case records.Percent:
		return cell{Text: web.FormatNumber(fm.lang, fmt.Sprint(v)) + " %"}
	case records.Date:
		if t, err := time.Parse("2006-01-02", fmt.Sprint(v)); err == nil {
			return cell{Text: web.FormatDate(fm.lang, t, time.UTC)}
		}
	case records.DateTime:
		if t, err := time.Parse(time.RFC3339Nano, fmt.Sprint(v)); err == nil {
			return cell{Text: web.FormatDateTime(fm.lang, t, fm.tz)}
		}
	case records.Boolean:
		b, _ := v.(bool)
		key := "action.no"
		if b {
			key = "action.yes"
		}
		return cell{Text: fm.tr.T(fm.lang, key), IsBool: true, True: b}
	case records.Select:
		if o, ok := f.Option(fmt.Sprint(v)); ok {
			return cell{Text: o.Label(fm.lang)}
		}
	case records.MultiSelect:
		var out []string
		if vs, ok := v.([]string); ok {
			for _, x := range vs {
				if o, ok := f.Option(x); ok {
					out = append(out, o.Label(fm.lang))
				} else {
					out = append(out, x)
				}
			}
		}
		return cell{List: out, Text: strings.Join(out, ", ")}
	case records.User:
		id := fmt.Sprint(v)
		if n, ok := fm.users[id]; ok {
			return cell{Text: n}
		}
		return cell{Text: id}
	case records.Reference:
		return cell{Text: fm.title(f.Target, fmt.Sprint(v)), Href: "/o/" + f.Target + "/" + fmt.Sprint(v)}
	case records.RefList:
		ids, _ := v.([]string)
		c := cell{}
		var texts []string
		for _, id := range ids {
			t := fm.title(f.Target, id)
			c.Links = append(c.Links, link{Text: t, Href: "/o/" + f.Target + "/" + id})
			texts = append(texts, t)
		}
		c.Text = strings.Join(texts, ", ")
		return c
	case records.EmailList:
		items, _ := v.([]records.EmailItem)
		c := cell{}
		var texts []string
		for _, it := range items {
			c.Links = append(c.Links, link{Text: it.Address, Href: "mailto:" + it.Address})
			texts = append(texts, it.Address)
		}
		c.Text = strings.Join(texts, ", ")
		return c
	case records.PhoneList:
		items, _ := v.([]records.PhoneItem)
		c := cell{}
		var texts []string
		for _, it := range items {
			c.Links = append(c.Links, link{Text: it.Text, Href: "tel:" + it.Number})
			texts = append(texts, it.Text)
		}
		c.Text = strings.Join(texts, ", ")
		return c
	case records.Email:
		return cell{Text: fmt.Sprint(v), Href: "mailto:" + fmt.Sprint(v)}
	case records.URL:
		return cell{Text: fmt.Sprint(v), Href: fmt.Sprint(v)}
	case records.Phone:
		return cell{Text: fmt.Sprint(v), Href: "tel:" + strings.ReplaceAll(fmt.Sprint(v), " ", "")}
	}
	c := cell{Text: fmt.Sprint(v)}
	if f.Name == "color" {
		c.Color = c.Text
	}
	return c
}

// columnsFor chooses the list columns: the cols parameter, else the
// object's default, else its first fields.
func columnsFor(o *records.Object, fields []records.Field, param string) []string {
	var cols []string
	for _, c := range strings.Split(param, ",") {
		if c = strings.TrimSpace(c); c != "" {
			if _, ok := fieldIndex(fields, c); ok && !slices.Contains(cols, c) {
				cols = append(cols, c)
			}
		}
	}
	if len(cols) == 0 {
		cols = append(cols, o.ListColumns...)
	}
	if len(cols) == 0 {
		for i := 0; i < len(fields) && i < 5; i++ {
			cols = append(cols, fields[i].Name)
		}
	}
	if !slices.Contains(cols, o.TitleField) {
		cols = append([]string{o.TitleField}, cols...)
	}
	return cols
}

func fieldIndex(fields []records.Field, name string) (int, bool) {
	for i := range fields {
		if fields[i].Name == name {
			return i, true
		}
	}
	return 0, false
}

func (s *Server) listPage(trash bool) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		o, err := s.objectOf(r)
		if err != nil {
			return err
		}
		ctx := r.Context()
		vals := r.URL.Query()
		if to, ok := normalizeListForm(vals); ok {
			http.Redirect(w, r, r.URL.Path+"?"+to, http.StatusSeeOther)
			return nil
		}
		viewID := vals.Get("view")
		colsParam := vals.Get("cols")
		views, err := s.Records.ListViews(ctx, p, o.Name)
		if err != nil {
			return err
		}
		if viewID != "" {
			for _, v := range views {
				if v.ID == viewID {
					vv, _ := url.ParseQuery(v.Query)
					if c := vals.Get("cursor"); c != "" {
						vv.Set("cursor", c)
					}
					vals = vv
					if colsParam == "" {
						colsParam = strings.Join(v.Columns, ",")
					}
				}
			}
		}
		apiVals := url.Values{}
		for k, v := range vals {
			if k != "cols" && k != "view" {
				apiVals[k] = v
			}
		}
		q, qerr := records.ParseListQuery(apiVals)
		var pg *records.Page
		if qerr == nil {
			if trash {
				pg, err = s.Records.Trash(ctx, p, o.Name, q)
			} else {
				pg, err = s.Records.List(ctx, p, o.Name, q)
			}
			if err != nil && !isAppError(err, errs.Invalid) {
				return err
			}
			qerr = err
		}
		title := s.tr.T(s.lang(r, p), o.LabelKey)
		if trash {
			title = s.tr.T(s.lang(r, p), "records.trash_of", "Object", title)
		}
		page := s.newPage(r, p, title, navOf(o), nil)
		if qerr != nil {
			page.Flash = append(page.Flash, web.Flash{Kind: web.FlashError, Message: s.describeFieldErrors(page.Lang, qerr)})
		}
		fields, err := s.Records.Fields(ctx, s.DB, p.WorkspaceID, o)
		if err != nil {
			return err
		}
		if trash {
			fields = append(fields, records.Field{Name: "deleted_at", Type: records.DateTime, Column: "deleted_at", LabelKey: "records.deleted_at", System: true, ReadOnly: true})
		}
		fm := s.newFormatter(r, p, page)
		cols := columnsFor(o, fields, colsParam)
		if trash && !slices.Contains(cols, "deleted_at") {
			cols = append(cols, "deleted_at")
		}
		lv := &listView{Object: o.Name, Singular: s.tr.T(page.Lang, o.SingularKey), Fields: s.fieldViews(page.Lang, fields), Search: q.Search, ViewID: viewID,
			CanCreate: p.Can(o.Name, auth.ActCreate), CanDelete: p.Can(o.Name, auth.ActDelete), Trash: trash, Views: views, ColsParam: strings.Join(cols, ","),
			SortLinks: map[string]string{}, SortDir: map[string]string{}}
		for _, op := range records.Ops {
			lv.Ops = append(lv.Ops, string(op))
		}
		lv.Dups = o.Name == "contacts" || o.Name == "accounts"
		lv.Tabs = s.sectionTabs(page.Lang, p, o)
		for _, c := range cols {
			i, _ := fieldIndex(fields, c)
			lv.Columns = append(lv.Columns, s.fieldViews(page.Lang, fields[i:i+1])...)
		}
		base := "/o/" + o.Name
		if trash {
			base += "/trash"
		}
		keep := func(mut func(v url.Values)) string {
			v := url.Values{}
			for k, vs := range vals {
				if k != "cursor" {
					v[k] = vs
				}
			}
			if colsParam != "" && vals.Get("cols") == "" {
				v.Set("cols", colsParam)
			}
			v.Del("view")
			mut(v)
			if e := v.Encode(); e != "" {
				return base + "?" + e
			}
			return base
		}
		lv.Sort = q.Sort
		if lv.Sort == "" {
			lv.Sort = o.DefaultSort
		}
		for _, c := range lv.Columns {
			name := c.Name
			next := name
			if lv.Sort == name {
				next = "-" + name
				lv.SortDir[name] = "asc"
			} else if lv.Sort == "-"+name {
				lv.SortDir[name] = "desc"
			}
			lv.SortLinks[name] = keep(func(v url.Values) { v.Set("sort", next) })
		}
		for _, f := range q.Filters {
			label := f.Field
			if i, ok := fieldIndex(fields, f.Field); ok {
				label = fields[i].Label(page.Lang, s.tr.T)
			}
			key := "filter[" + f.Field + "][" + string(f.Op) + "]"
			lv.Filters = append(lv.Filters, filterView{Field: f.Field, FieldLabel: label, Op: string(f.Op), Value: f.Value,
				RemoveHref: keep(func(v url.Values) { v.Del(key) })})
			lv.HiddenArgs = append(lv.HiddenArgs, [2]string{key, f.Value})
		}
		if q.Sort != "" {
			lv.HiddenArgs = append(lv.HiddenArgs, [2]string{"sort", q.Sort})
		}
		sort.Slice(lv.HiddenArgs, func(i, j int) bool { return lv.HiddenArgs[i][0] < lv.HiddenArgs[j][0] })
		saveQ := url.Values{}
		for k, v := range apiVals {
			if k != "cursor" && k != "limit" {
				saveQ[k] = v
			}
		}
		lv.Query = saveQ.Encode()
		if !trash && qerr == nil {
			for _, f := range exports.Formats {
				if !exports.Supports(o.Name, f) {
					continue
				}
				ev := url.Values{}
				for k, v := range saveQ {
					ev[k] = v
				}
				ev.Set("format", string(f))
				lv.Exports = append(lv.Exports, link{Text: s.tr.T(page.Lang, "export.format."+string(f)), Href: "/o/" + o.Name + "/export?" + ev.Encode()})
			}
		}
		lv.IsFirst = vals.Get("cursor") == ""
		lv.FirstHref = keep(func(url.Values) {})
		if pg != nil {
			fm.prefetch(fields, pg.Records)
			for _, rec := range pg.Records {
				row := rowView{ID: rec.ID, Href: "/o/" + o.Name + "/" + rec.ID, ETag: rec.ETag()}
				for _, c := range cols {
					i, _ := fieldIndex(fields, c)
					row.Cells = append(row.Cells, fm.cell(&fields[i], rec.Values[c]))
				}
				lv.Rows = append(lv.Rows, row)
			}
			if pg.NextCursor != "" {
				lv.NextHref = keep(func(v url.Values) {
					if viewID != "" {
						v.Set("view", viewID)
					}
					v.Set("cursor", pg.NextCursor)
				})
			}
		}
		if qerr == nil {
			if c, err := s.Records.Count(ctx, p, o.Name, q, trash); err == nil {
				lv.Count = s.describeCount(page.Lang, c)
			}
		}
		lv.CanUpdate = p.Can(o.Name, auth.ActUpdate)
		lv.Bulk = !trash && len(lv.Rows) > 0 && (lv.CanUpdate || lv.CanDelete)
		if lv.Bulk {
			lv.Back = r.URL.RequestURI()
			if lv.CanUpdate {
				if us, err := s.Auth.ListUsers(ctx, p); err == nil {
					for _, u := range us {
						if u.Active && p.Reaches(o.Name, u.ID) {
							lv.Owners = append(lv.Owners, optionView{Value: u.ID, Label: u.DisplayName()})
						}
					}
				}
				if _, ok := fieldIndex(fields, "tag_ids"); ok && p.Can("tags", auth.ActRead) {
					if tp, err := s.Records.List(ctx, p, "tags", records.ListQuery{Limit: records.MaxLimit, Sort: "name"}); err == nil {
						for _, t := range tp.Records {
							name, _ := t.Values["name"].(string)
							lv.Tags = append(lv.Tags, optionView{Value: t.ID, Label: name})
						}
					}
				}
			}
		}
		page.Data = lv
		status := http.StatusOK
		if qerr != nil {
			status = http.StatusUnprocessableEntity
		}
		s.render.Page(w, r, status, "records/list", page)
		return nil
	}
}

// describeCount says how many records a list holds, and whether that is
// exact, a lower bound or an estimate.
func (s *Server) describeCount(lang string, c records.Count) string {
	n := web.FormatNumber(lang, strconv.FormatInt(c.Value, 10))
	switch c.Kind {
	case "exact":
		return s.tr.T(lang, "records.count_exact", "Count", n)
	case "at_least":
		return s.tr.T(lang, "records.count_at_least", "Count", n)
	case "estimate":
		return s.tr.T(lang, "records.count_estimate", "Count", n)
	}
	return ""
}

// bulkPage applies a bulk action to the rows chosen on a list page, or
// exports them.
func (s *Server) bulkPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	o, err := s.objectOf(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Field("body", "is not a form")
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/o/"+o.Name) {
		back = "/o/" + o.Name
	}
	ids := r.PostForm["id"]
	action := r.PostFormValue("action")
	lang := s.lang(r, p)
	if len(ids) == 0 {
		s.flash(r, web.FlashError, s.tr.T(lang, "bulk.none_selected"))
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	if action == "export" {
		return s.exportSelection(w, r, p, o, ids)
	}
	in := records.BatchInput{IDs: ids, Action: action, OwnerID: r.PostFormValue("owner_id")}
	if t := r.PostFormValue("tag_id"); t != "" {
		in.TagIDs = []string{t}
	}
	res, err := s.Records.Batch(r.Context(), p, o.Name, in)
	if err != nil {
		if _, ok := fieldErrors(err); ok {
			s.flash(r, web.FlashError, s.describeFieldErrors(lang, err))
			http.Redirect(w, r, back, http.StatusSeeOther)
			return nil
		}
		return err
	}
	s.flash(r, web.FlashSuccess, s.tr.T(lang, "bulk.done", "Count", web.FormatNumber(lang, strconv.Itoa(res.Changed))))
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// exportPage downloads the list, with the filters, sort and search of
// the page it is linked from, as a file.
func (s *Server) exportPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	o, err := s.objectOf(r)
	if err != nil {
		return err
	}
	f, q, err := s.Exports.ParseRequest(r.Context(), p, o.Name, r.URL.Query())
	if err == nil {
		err = s.Exports.Serve(w, r, p, o.Name, q, f)
	}
	if _, ok := fieldErrors(err); ok {
		s.flash(r, web.FlashError, s.describeFieldErrors(s.lang(r, p), err))
		http.Redirect(w, r, "/o/"+o.Name, http.StatusSeeOther)
		return nil
	}
	return err
}

// exportSelection sends the chosen records as a CSV file, every field a
// column, in the order of the list's columns.
func (s *Server) exportSelection(w http.ResponseWriter, r *http.Request, p *auth.Principal, o *records.Object, ids []string) error {
	if len(ids) > records.MaxLimit {
		return errs.Field("body.id", fmt.Sprintf("must list at most %d records", records.MaxLimit))
	}
	for _, id := range ids {
		if _, err := uuid.Parse(id); err != nil {
			return errs.Field("body.id", "must be record ids")
		}
	}
	pg, err := s.Records.List(r.Context(), p, o.Name, records.ListQuery{Limit: len(ids),
		Filters: []records.Filter{{Field: "id", Op: records.OpIn, Value: strings.Join(ids, ",")}}})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+o.Name+`-selection.csv"`)
	return records.WriteCSV(w, pg.Fields, pg.Records)
}

// describeFieldErrors spells out field errors in one line, in lang.
func (s *Server) describeFieldErrors(lang string, err error) string {
	e, ok := errs.As(err)
	if !ok {
		return err.Error()
	}
	var parts []string
	for _, f := range e.Fields {
		loc := strings.TrimPrefix(strings.TrimPrefix(f.Location, "query."), "body.")
		parts = append(parts, loc+": "+s.tr.Error(lang, f.Message))
	}
	if len(parts) == 0 {
		return s.tr.Error(lang, e.Message)
	}
	return strings.Join(parts, "; ")
}

type detailView struct {
	Object     string
	Record     *records.Record
	Title      string
	Fields     []fieldView
	Cells      []cell
	History    []historyRow
	ETag       string
	CanEdit    bool
	CanDelete  bool
	CanErase   bool // a contact, and the user may erase people
	Deleted    bool
	C360       *c360View
	MergedInto string
	Sales      *salesView   // a sales document's lines, totals and actions
	Deal       *salesDetail // a deal's stages, a lead's score and conversion
}

type historyRow struct {
	When    string
	Who     string
	Action  string
	Field   string
	OldText string
	NewText string
}

func (s *Server) detailPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	o, err := s.objectOf(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rec, err := s.Records.Get(ctx, p, o.Name, r.PathValue("id"), records.GetOptions{IncludeDeleted: true})
	if err != nil {
		return err
	}
	fields, err := s.Records.Fields(ctx, s.DB, p.WorkspaceID, o)
	if err != nil {
		return err
	}
	page := s.newPage(r, p, rec.Title(o), navOf(o), nil)
	fm := s.newFormatter(r, p, page)
	fm.prefetch(fields, []*records.Record{rec})
	dv := &detailView{Object: o.Name, Record: rec, Title: rec.Title(o), Fields: s.fieldViews(page.Lang, fields), ETag: rec.ETag(),
		CanEdit: p.Can(o.Name, auth.ActUpdate) && rec.DeletedAt == nil, CanDelete: p.Can(o.Name, auth.ActDelete), Deleted: rec.DeletedAt != nil,
		CanErase: o.Name == "contacts" && privacy.CanErase(p)}
	for i := range fields {
		dv.Cells = append(dv.Cells, fm.cell(&fields[i], rec.Values[fields[i].Name]))
	}
	hist, err := s.Records.History(ctx, p, o.Name, rec.ID)
	if err != nil {
		return err
	}
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		if o.Name == "deals" && (h.Field == "stage_id" || h.Field == "pipeline_id") {
			continue // shown by name through stage_name
		}
		row := historyRow{When: web.FormatDateTime(page.Lang, h.ChangedAt, page.TZ), Who: fm.users[h.ChangedBy], Action: h.Action}
		if h.Field != "" {
			row.Field = h.Field
			if j, ok := fieldIndex(fields, h.Field); ok {
				f := &fields[j]
				row.Field = f.Label(page.Lang, s.tr.T)
				row.OldText = fm.cell(f, canonical(f, h.OldValue)).Text
				row.NewText = fm.cell(f, canonical(f, h.NewValue)).Text
			}
		}
		dv.History = append(dv.History, row)
	}
	dv.Deal = s.salesExtras(r, p, page, o, rec)
	if o.Name == "deals" && dv.Deal != nil && rec.DeletedAt == nil {
		if dv.Deal.Lines, err = s.dealLines(r, p, page, rec); err != nil {
			return err
		}
	}
	dv.Fields, dv.Cells = s.salesCells(r, p, o, rec, fields, dv.Fields, dv.Cells)
	page.Data = dv
	w.Header().Set("ETag", rec.ETag())
	if (o.Name == "contacts" || o.Name == "accounts") && rec.DeletedAt == nil {
		if dv.C360, err = s.customer360(r, p, page, o, rec, fields, fm); err != nil {
			return err
		}
		s.render.Page(w, r, http.StatusOK, "customers/c360", page)
		return nil
	}
	if o.Section == "sales" && rec.DeletedAt == nil {
		if dv.Sales, err = s.salesView(r, p, page, o, rec, fm); err != nil {
			return err
		}
		if dv.Sales != nil {
			s.render.Page(w, r, http.StatusOK, "orders/doc", page)
			return nil
		}
	}
	s.render.Page(w, r, http.StatusOK, "records/detail", page)
	return nil
}

// canonical turns a history JSON value back into a field's canonical
// value for display.
func canonical(f *records.Field, v any) any {
	if v == nil {
		return nil
	}
	if f.Type == records.Money {
		if m, ok := v.(map[string]any); ok {
			a, _ := m["amount"].(string)
			c, _ := m["currency"].(string)
			return records.MoneyValue{Amount: a, Currency: c}
		}
	}
	if f.Type == records.Integer {
		if x, ok := v.(float64); ok {
			return int64(x)
		}
	}
	c, msg := f.Normalize(v)
	if msg != "" {
		return v
	}
	return c
}

type formView struct {
	Object   string
	ID       string
	ETag     string
	Fields   []formField
	Error    string
	Stale    bool
	IsNew    bool
	Singular string
	// Duplicates are the likely duplicates found before saving; the
	// user opens one or saves anyway.
	Duplicates []customers.Candidate
	Reasons    map[string]string
}

type formField struct {
	fieldView
	Value    string
	Amount   string
	Currency string
	Values   []string
	Error    string
	Choices  []optionView
	Picker   *pickerView // reference fields: pick by typing
}

// pickerView is a reference input that finds records as the user types
// (a workspace holds far too many to list in a select): hidden inputs
// carry the chosen ids, a combobox searches.
type pickerView struct {
	ID, Name   string
	Target     string // the object picked from
	Search     bool   // the search API covers Target; else its list filters on TitleField
	TitleField string
	Multiple   bool
	Required   bool
	Picked     []optionView // the current choice(s), with titles
}

// picker builds the picker of a reference field holding ids.
func (s *Server) picker(fm *formatter, id, name, target string, multiple, required bool, ids []string) *pickerView {
	o, err := s.Records.Object(target)
	if err != nil {
		return nil
	}
	pv := &pickerView{ID: id, Name: name, Target: target, TitleField: o.TitleField, Multiple: multiple, Required: required,
		Search: slices.ContainsFunc(s.Search.Sources, func(src search.Source) bool { return src.Object == target })}
	for _, x := range ids {
		if x != "" {
			pv.Picked = append(pv.Picked, optionView{Value: x, Label: fm.title(target, x), Selected: true})
		}
	}
	return pv
}

func (s *Server) formPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	o, err := s.objectOf(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("id")
	isNew := id == ""
	if isNew && !p.Can(o.Name, auth.ActCreate) {
		return errs.E(errs.Forbidden, "You may not create %s.", o.Name)
	}
	var rec *records.Record
	if !isNew {
		if !p.Can(o.Name, auth.ActUpdate) {
			return errs.E(errs.Forbidden, "You may not change %s.", o.Name)
		}
		if rec, err = s.Records.Get(ctx, p, o.Name, id, records.GetOptions{}); err != nil {
			return err
		}
	}
	fields, err := s.Records.Fields(ctx, s.DB, p.WorkspaceID, o)
	if err != nil {
		return err
	}
	lang := s.lang(r, p)
	sing := s.tr.T(lang, o.SingularKey)
	title := s.tr.T(lang, "records.new_title", "Object", sing)
	if !isNew {
		title = s.tr.T(lang, "records.edit_title", "Title", rec.Title(o))
	}
	page := s.newPage(r, p, title, navOf(o), nil)
	fv := &formView{Object: o.Name, IsNew: isNew, Singular: sing}
	if rec != nil {
		fv.ID, fv.ETag = rec.ID, rec.ETag()
	}
	if isNew && r.Method == http.MethodGet {
		// A record started from another one (a quote from a deal) has its
		// references filled in from the address.
		q := r.URL.Query()
		for i := range fields {
			f := &fields[i]
			if v := q.Get(f.Name); v != "" && f.Type == records.Reference && !f.System && !f.ReadOnly {
				if rec == nil {
					rec = &records.Record{Values: map[string]any{}}
				}
				rec.Values[f.Name] = v
			}
		}
	}
	status := http.StatusOK
	var fieldErrs map[string]string
	if r.Method == http.MethodPost {
		in := formInput(r, fields, page.TZ)
		var saved *records.Record
		if (o.Name == "contacts" || o.Name == "accounts") && r.PostFormValue("_dup_ok") != "1" {
			if cands, cerr := s.Customers.Check(ctx, p, o.Name, in, id); cerr == nil && len(cands) > 0 {
				fv.Duplicates, fv.Reasons = cands, s.reasonLabels(page.Lang)
				fv.ETag = r.PostFormValue("_etag")
				rec = &records.Record{Values: map[string]any{}}
				for k, v := range in {
					rec.Values[k] = v
				}
				goto render
			}
		}
		if isNew {
			saved, err = s.Records.Create(ctx, p, o.Name, in)
		} else {
			saved, err = s.Records.Update(ctx, p, o.Name, id, r.PostFormValue("_etag"), in)
		}
		if err == nil {
			s.flash(r, web.FlashSuccess, s.tr.T(page.Lang, "msg.saved"))
			http.Redirect(w, r, "/o/"+o.Name+"/"+saved.ID, http.StatusSeeOther)
			return nil
		}
		switch {
		case isAppError(err, errs.PreconditionFailed):
			status, fv.Stale = http.StatusPreconditionFailed, true
			fv.Error = s.tr.T(page.Lang, "msg.stale_detail")
		default:
			fe, ok := fieldErrors(err)
			if !ok {
				return err
			}
			status, fieldErrs = http.StatusUnprocessableEntity, fe
			fv.Error = s.tr.T(page.Lang, "records.fix_errors")
		}
		fv.ETag = r.PostFormValue("_etag")
		rec = &records.Record{Values: map[string]any{}}
		for k, v := range in {
			rec.Values[k] = v
		}
	}
render:
	users, _ := s.Auth.ListUsers(ctx, p)
	fm := s.newFormatter(r, p, page)
	if rec != nil {
		fm.prefetch(fields, []*records.Record{rec})
	}
	for i := range fields {
		f := &fields[i]
		if f.System || f.ReadOnly {
			continue
		}
		ff := formField{fieldView: s.fieldViews(page.Lang, fields[i:i+1])[0], Error: fieldErrs[f.Name]}
		var v any
		if rec != nil {
			v = rec.Values[f.Name]
		}
		if v == nil && isNew && r.Method == http.MethodGet && f.Name == "owner_id" {
			v = p.UserID
		}
		fillFormField(&ff, f, v, page.TZ)
		if o.Name == "deals" && f.Name == "stage_id" {
			// A deal's stage is chosen among the pipelines' stages.
			ff.Type, ff.Choices = "select", s.stageChoices(r, p, ff.Value)
			fv.Fields = append(fv.Fields, ff)
			continue
		}
		switch f.Type {
		case records.User:
			for _, u := range users {
				if u.Active || u.ID == ff.Value {
					ff.Choices = append(ff.Choices, optionView{Value: u.ID, Label: u.DisplayName(), Selected: u.ID == ff.Value})
				}
			}
		case records.Reference:
			ff.Picker = s.picker(fm, "f-"+f.Name, f.Name, f.Target, false, f.Required, []string{ff.Value})
		case records.RefList:
			ff.Picker = s.picker(fm, "f-"+f.Name, f.Name, f.Target, true, f.Required, ff.Values)
		case records.Select, records.MultiSelect:
			for _, o := range ff.Options {
				o.Selected = o.Value == ff.Value || slices.Contains(ff.Values, o.Value)
				ff.Choices = append(ff.Choices, o)
			}
		}
		fv.Fields = append(fv.Fields, ff)
	}
	page.Data = fv
	s.render.Page(w, r, status, "records/form", page)
	return nil
}

// fillFormField puts a canonical (or submitted) value into form inputs.
func fillFormField(ff *formField, f *records.Field, v any, tz *time.Location) {
	if v == nil {
		return
	}
	switch f.Type {
	case records.Money:
		switch m := v.(type) {
		case records.MoneyValue:
			ff.Amount, ff.Currency = m.Amount, m.Currency
		case string:
			ff.Amount, ff.Currency, _ = strings.Cut(m, " ")
		}
	case records.EmailList, records.PhoneList:
		switch x := v.(type) {
		case []records.EmailItem:
			var lines []string
			for _, it := range x {
				lines = append(lines, labelLine(it.Label, it.Address))
			}
			ff.Value = strings.Join(lines, "\n")
		case []records.PhoneItem:
			var lines []string
			for _, it := range x {
				lines = append(lines, labelLine(it.Label, it.Text))
			}
			ff.Value = strings.Join(lines, "\n")
		default:
			ff.Value = fmt.Sprint(v)
		}
	case records.MultiSelect, records.RefList:
		switch x := v.(type) {
		case []string:
			ff.Values = x
		case []any:
			for _, e := range x {
				ff.Values = append(ff.Values, fmt.Sprint(e))
			}
		}
	case records.DateTime:
		if t, err := time.Parse(time.RFC3339Nano, fmt.Sprint(v)); err == nil {
			ff.Value = t.In(tz).Format("2006-01-02T15:04")
		} else {
			ff.Value = fmt.Sprint(v)
		}
	case records.Boolean:
		switch x := v.(type) {
		case bool:
			ff.Value = fmt.Sprint(x)
		default:
			ff.Value = fmt.Sprint(x)
		}
	default:
		ff.Value = fmt.Sprint(v)
	}
}

// formInput reads an HTML form into engine input: empty inputs clear a
// field, datetimes are read in the user's time zone, money comes from an
// amount and a currency input.
func formInput(r *http.Request, fields []records.Field, tz *time.Location) records.Input {
	in := records.Input{}
	_ = r.ParseForm()
	for i := range fields {
		f := &fields[i]
		if f.System || f.ReadOnly {
			continue
		}
		name := f.Name
		switch f.Type {
		case records.Money:
			a := strings.TrimSpace(r.PostFormValue(name + "__amount"))
			c := strings.TrimSpace(r.PostFormValue(name + "__currency"))
			if a == "" && c == "" {
				in[name] = nil
			} else {
				in[name] = map[string]any{"amount": a, "currency": c}
			}
		case records.MultiSelect, records.RefList:
			vs := r.PostForm[name]
			list := make([]any, 0, len(vs))
			for _, v := range vs {
				list = append(list, v)
			}
			in[name] = list
		case records.DateTime:
			v := strings.TrimSpace(r.PostFormValue(name))
			if v == "" {
				in[name] = nil
			} else if t, err := time.ParseInLocation("2006-01-02T15:04", v, tz); err == nil {
				in[name] = t.UTC().Format(time.RFC3339)
			} else {
				in[name] = v
			}
		default:
			if _, sent := r.PostForm[name]; !sent && f.Type != records.Boolean {
				continue
			}
			v := r.PostFormValue(name)
			if strings.TrimSpace(v) == "" {
				in[name] = nil
			} else {
				in[name] = v
			}
		}
	}
	return in
}

func (s *Server) deleteRecordPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	o, err := s.objectOf(r)
	if err != nil {
		return err
	}
	if err := s.Records.Delete(r.Context(), p, o.Name, r.PathValue("id"), r.PostFormValue("_etag")); err != nil {
		return err
	}
	s.flash(r, web.FlashSuccess, s.t(r, "records.moved_to_trash"))
	http.Redirect(w, r, "/o/"+o.Name, http.StatusSeeOther)
	return nil
}

func (s *Server) restoreRecordPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	o, err := s.objectOf(r)
	if err != nil {
		return err
	}
	rec, err := s.Records.Restore(r.Context(), p, o.Name, r.PathValue("id"), r.PostFormValue("_etag"))
	if err != nil {
		return err
	}
	s.flash(r, web.FlashSuccess, s.t(r, "msg.restored"))
	http.Redirect(w, r, "/o/"+o.Name+"/"+rec.ID, http.StatusSeeOther)
	return nil
}

// purgeRecordPage deletes a record in the trash for good. A refusal
// (others still name it) or a stale ETag goes back to the trash with the
// reason, in the reader's language.
func (s *Server) purgeRecordPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	o, err := s.objectOf(r)
	if err != nil {
		return err
	}
	back := "/o/" + o.Name + "/trash"
	if err := s.Records.Purge(r.Context(), p, o.Name, r.PathValue("id"), r.PostFormValue("_etag")); err != nil {
		ae, ok := errs.As(err)
		if !ok || (ae.Code != errs.Conflict && ae.Code != errs.PreconditionFailed && ae.Code != errs.Invalid) {
			return err
		}
		s.flash(r, web.FlashError, s.tr.Error(s.lang(r, p), ae.Message))
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	s.flash(r, web.FlashSuccess, s.t(r, "records.purged"))
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

func (s *Server) saveViewPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	o, err := s.objectOf(r)
	if err != nil {
		return err
	}
	v, err := s.Records.SaveView(r.Context(), p, records.ViewInput{Object: o.Name, Name: r.PostFormValue("name"), Query: r.PostFormValue("query"),
		Columns: splitCSV(r.PostFormValue("cols")), Shared: r.PostFormValue("shared") == "on"})
	if err != nil {
		if _, ok := fieldErrors(err); ok {
			s.flash(r, web.FlashError, s.describeFieldErrors(s.lang(r, p), err))
			http.Redirect(w, r, "/o/"+o.Name+"?"+r.PostFormValue("query"), http.StatusSeeOther)
			return nil
		}
		return err
	}
	s.flash(r, web.FlashSuccess, s.t(r, "records.view_saved"))
	http.Redirect(w, r, "/o/"+o.Name+"?view="+v.ID, http.StatusSeeOther)
	return nil
}

func (s *Server) deleteViewPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	o, err := s.objectOf(r)
	if err != nil {
		return err
	}
	if err := s.Records.DeleteView(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	s.flash(r, web.FlashSuccess, s.t(r, "msg.deleted"))
	http.Redirect(w, r, "/o/"+o.Name, http.StatusSeeOther)
	return nil
}

func splitCSV(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// normalizeListForm turns the plain-HTML filter form (ff, fo, fv) and
// column checkboxes (col) into list query parameters, so the list works
// without JavaScript. It reports false when there is nothing to turn.
func normalizeListForm(vals url.Values) (string, bool) {
	changed := false
	if ff := vals.Get("ff"); ff != "" {
		op := vals.Get("fo")
		if op == "" {
			op = "eq"
		}
		v := vals.Get("fv")
		if op == "empty" && v == "" {
			v = "true"
		}
		vals.Add("filter["+ff+"]["+op+"]", v)
		changed = true
	}
	if vals.Has("ff") || vals.Has("fo") || vals.Has("fv") {
		vals.Del("ff")
		vals.Del("fo")
		vals.Del("fv")
		changed = true
	}
	if vals.Get("colsform") != "" {
		vals.Set("cols", strings.Join(vals["col"], ","))
		vals.Del("col")
		vals.Del("colsform")
		changed = true
	}
	if changed {
		vals.Del("cursor")
	}
	return vals.Encode(), changed
}

func labelLine(label, value string) string {
	if label == "" {
		return value
	}
	return label + ": " + value
}

// sectionTabs links the lists of the objects of o's section, and the
// section's own pages.
func (s *Server) sectionTabs(lang string, p *auth.Principal, o *records.Object) []filterChip {
	if o.Section == "sales" {
		return s.salesTabs(lang, p, o.Name)
	}
	if o.Section != "customers" {
		return nil
	}
	var tabs []filterChip
	for _, x := range s.Records.Objects() {
		if x.Section == o.Section && p.Can(x.Name, auth.ActRead) {
			tabs = append(tabs, filterChip{Label: s.tr.T(lang, x.LabelKey), Href: "/o/" + x.Name, Active: x.Name == o.Name})
		}
	}
	return append(tabs, filterChip{Label: s.tr.T(lang, "myday.title"), Href: "/my-day"})
}
