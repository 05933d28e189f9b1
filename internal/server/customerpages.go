package server

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/activities"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/files"
	"github.com/rapport-crm/rapport/internal/orders"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/web"
)

func (s *Server) registerCustomerPages() {
	m := s.Mux
	m.Handle("GET /customers", http.RedirectHandler("/o/contacts", http.StatusSeeOther))
	m.Handle("POST /o/{object}/{id}/log", s.page(s.logActivityPage))
	m.Handle("POST /o/{object}/{id}/relationships", s.page(s.addRelationshipPage))
	m.Handle("POST /o/{object}/{id}/relationships/{rel}/delete", s.page(s.deleteRelationshipPage))
	m.Handle("POST /o/{object}/{id}/attachments", s.page(s.uploadPage))
	m.Handle("POST /o/{object}/{id}/revert", s.page(s.revertPage))
	m.Handle("POST /o/activities/{id}/done", s.page(s.taskDonePage))
	m.Handle("GET /files/{id}", s.page(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		return s.Files.Serve(w, r, p, r.PathValue("id"))
	}))
	m.Handle("POST /files/{id}/delete", s.page(s.deleteFilePage))
	m.Handle("GET /o/{object}/duplicates", s.page(s.duplicatesPage))
	m.Handle("GET /o/{object}/merge", s.page(s.mergePage))
	m.Handle("POST /o/{object}/merge", s.page(s.mergePage))
	m.Handle("GET /my-day", s.page(s.myDayPage))
}

// c360View is the customer 360 page's data beyond the generic detail.
type c360View struct {
	Deals       *sales.AccountDeals // an account's deals and their totals
	Facts       []fact
	Owner       string
	Timeline    []timelineRow
	Filter      string
	Filters     []filterChip
	Tasks       []taskRow
	Members     []customers.Membership
	MemberTotal int    // set when Members holds only the first ones
	MembersHref string // the list of the account's contacts
	MemberObj   string
	Rels        []relRow
	RelTypes    []optionView
	RelPicker   *pickerView // the other record of a new relationship
	Attachments []attachmentRow
	Tree        *customers.TreeNode
	Types       []optionView
	Now         string
	Back        string
	Quick       []quickKind
	Sales       *accountSales // an account's money facts and open documents
}

type quickKind struct{ Kind, Key, Icon string }

type fact struct {
	Label string
	Cell  cell
}

type filterChip struct {
	Label, Href string
	Active      bool
}

type timelineRow struct {
	Kind, When, Who, Type, TypeLabel, Subject, Body, Href string
	Field, Old, New, ChangeID, Action, Origin, AsOf       string
	Meta                                                  []string
	IsTask, Done                                          bool
	ActivityID                                            string
	Invitation                                            string
}

type taskRow struct {
	ID, Subject, Due string
	Overdue          bool
}

type relRow struct {
	ID, Label, OtherID, OtherTitle, Note string
}

type attachmentRow struct {
	files.Attachment
	SizeText string
	When     string
}

// customer360 fills the 360 view of an account or contact.
// memberLimit is how many contacts an account's 360 page lists.
const memberLimit = 20

func (s *Server) customer360(r *http.Request, p *auth.Principal, pg *web.Page, o *records.Object, rec *records.Record, fields []records.Field, fm *formatter) (*c360View, error) {
	ctx := r.Context()
	v := &c360View{Back: "/o/" + o.Name + "/" + rec.ID, Now: s.Now().In(pg.TZ).Format("2006-01-02T15:04"),
		Quick: []quickKind{{"note", "n", "edit"}, {"call", "c", "phone"}, {"task", "t", "check"}, {"meeting", "m", "calendar"}}}
	keys := map[string][]string{
		"contacts": {"email", "phones", "job_title", "account_id", "city", "language", "tag_ids"},
		"accounts": {"domain", "phones", "relationship", "industry", "size", "parent_id", "billing_city", "tag_ids"},
	}[o.Name]
	for _, k := range keys {
		if i, ok := fieldIndex(fields, k); ok && rec.Values[k] != nil {
			v.Facts = append(v.Facts, fact{Label: fields[i].Label(pg.Lang, s.tr.T), Cell: fm.cell(&fields[i], rec.Values[k])})
		}
	}
	v.Owner = fm.users[rec.OwnerID]
	// The timeline, filtered by type.
	v.Filter = r.URL.Query().Get("type")
	var tq activities.TimelineQuery
	if v.Filter != "" {
		tq.Types = []string{v.Filter}
	}
	tq.Limit = 100
	chips := append([]string{""}, "note", "task", "call", "meeting", "email", "deal", orders.TimelineKind, "change")
	for _, c := range chips {
		label := s.tr.T(pg.Lang, "c360.all")
		if c == "sales" {
			label = s.tr.T(pg.Lang, "orders.timeline.sales")
		} else if c == "change" {
			label = s.tr.T(pg.Lang, "c360.changes")
		} else if c == "deal" {
			label = s.tr.T(pg.Lang, "object.deals")
		} else if c != "" {
			o, _ := activities.Object.Field("type")
			opt, _ := o.Option(c)
			label = opt.Label(pg.Lang)
		}
		href := v.Back
		if c != "" {
			href += "?type=" + c
		}
		v.Filters = append(v.Filters, filterChip{Label: label, Href: href + "#timeline", Active: c == v.Filter})
	}
	var entries []activities.Entry
	var afields []records.Field
	var err error
	entries, afields, err = s.Activities.Timeline(ctx, p, o.Name, rec.ID, tq)
	if err != nil && !errs.Is(err, errs.Invalid) {
		return nil, err
	}
	var acts []*records.Record
	for _, e := range entries {
		if e.Activity != nil {
			acts = append(acts, e.Activity)
		}
	}
	afm := s.newFormatter(r, p, pg)
	afm.prefetch(afields, acts)
	typeField, _ := activities.Object.Field("type")
	for _, e := range entries {
		row := timelineRow{Kind: e.Kind, When: web.FormatDateTime(pg.Lang, e.At, pg.TZ)}
		if a := e.Activity; a != nil {
			typ, _ := a.Values["type"].(string)
			opt, _ := typeField.Option(typ)
			row.Type, row.TypeLabel, row.ActivityID = typ, opt.Label(pg.Lang), a.ID
			row.Subject, _ = a.Values["subject"].(string)
			row.Body, _ = a.Values["body"].(string)
			row.Href = "/o/activities/" + a.ID
			row.Who = fm.users[a.OwnerID]
			row.IsTask = typ == activities.Task
			row.Done, _ = a.Values["done"].(bool)
			if typ == activities.Meeting {
				row.Invitation = "/api/v1/activities/" + a.ID + "/invitation.ics"
			}
			for _, k := range []string{"due_at", "direction", "duration_seconds", "outcome", "location", "email_from", "email_to", "contact_ids", "account_ids"} {
				if i, ok := fieldIndex(afields, k); ok && a.Values[k] != nil {
					if (k == "contact_ids" && o.Name == "contacts") || (k == "account_ids" && o.Name == "accounts") {
						continue
					}
					c := afm.cell(&afields[i], a.Values[k])
					row.Meta = append(row.Meta, afields[i].Label(pg.Lang, s.tr.T)+": "+c.Text)
				}
			}
		} else if ev, ok := e.Event.(*sales.DealEvent); ok {
			row.Type, row.Subject, row.Href, row.Who = ev.Status, ev.DealName, "/o/deals/"+ev.DealID, ev.By
			row.TypeLabel = s.tr.T(pg.Lang, "object.deal")
			row.New = ev.StageName
			if ev.First {
				row.Meta = append(row.Meta, s.tr.T(pg.Lang, "sales.deal_created"))
			} else {
				row.Meta = append(row.Meta, s.tr.T(pg.Lang, "sales.deal_entered", "Stage", ev.StageName))
			}
			if ev.Amount != nil {
				row.Meta = append(row.Meta, web.FormatMoney(pg.Lang, ev.Amount.Amount, ev.Amount.Currency))
			}
		} else if ev, ok := e.Event.(*orders.Event); ok {
			s.salesRow(&row, pg.Lang, ev, fm.users)
		} else if c := e.Change; c != nil {
			row.Action, row.Origin, row.ChangeID = c.Action, c.Origin, c.ID
			if strings.HasPrefix(c.Origin, "merged_from:") {
				// Entries of a record merged into this one: shown, but they
				// are not this record's to undo.
				row.Origin, row.ChangeID = "merged", ""
			}
			row.Who = fm.users[c.ChangedBy]
			row.AsOf = c.ChangedAt.UTC().Format(time.RFC3339Nano)
			if c.Field != "" {
				row.Field = c.Field
				if j, ok := fieldIndex(fields, c.Field); ok {
					f := &fields[j]
					row.Field = f.Label(pg.Lang, s.tr.T)
					row.Old = fm.cell(f, canonical(f, c.OldValue)).Text
					row.New = fm.cell(f, canonical(f, c.NewValue)).Text
					if f.ReadOnly || f.System {
						row.ChangeID = ""
					}
				}
			}
		}
		v.Timeline = append(v.Timeline, row)
	}
	if o.Name == "accounts" {
		if v.Sales, err = s.accountSales(r, p, pg, rec.ID); err != nil {
			return nil, err
		}
	}
	if tasks, err := s.Activities.OpenTasks(ctx, p, o.Name, rec.ID); err == nil {
		now := s.Now()
		for _, t := range tasks {
			tr := taskRow{ID: t.ID}
			tr.Subject, _ = t.Values["subject"].(string)
			if d, ok := t.Values["due_at"].(string); ok {
				if due, err := time.Parse(time.RFC3339, d); err == nil {
					tr.Due = web.FormatDateTime(pg.Lang, due, pg.TZ)
					tr.Overdue = due.Before(now)
				}
			}
			v.Tasks = append(v.Tasks, tr)
		}
	}
	if o.Name == "contacts" {
		v.Members, _ = s.Customers.ContactAccounts(ctx, p, rec.ID, 100)
		v.MemberObj = "accounts"
	} else {
		// A large account lists its first contacts and links to the rest.
		v.Members, _ = s.Customers.AccountContacts(ctx, p, rec.ID, memberLimit+1)
		if len(v.Members) > memberLimit {
			v.Members = v.Members[:memberLimit]
			v.MemberTotal, _ = s.Customers.CountAccountContacts(ctx, p, rec.ID)
			v.MembersHref = "/o/contacts?ff=account_id&fo=eq&fv=" + url.QueryEscape(rec.ID)
		}
		v.MemberObj = "contacts"
		if t, err := s.Customers.Tree(ctx, p, rec.ID); err == nil && (len(t.Children) > 0 || t.ID != rec.ID) {
			v.Tree = t
		}
	}
	if o.Name == "accounts" {
		v.Deals, _ = s.Sales.DealsOfAccount(ctx, p, rec.ID, 8)
	}
	rels, _ := s.Customers.Relationships(ctx, p, o.Name, rec.ID)
	for _, rl := range rels {
		label := rl.Type
		for _, t := range customers.RelTypes[o.Name] {
			if t.Value == rl.Type {
				label = t.Label(pg.Lang)
			}
		}
		v.Rels = append(v.Rels, relRow{ID: rl.ID, Label: label, OtherID: rl.Other, OtherTitle: rl.OtherTitle, Note: rl.Note})
	}
	for _, t := range customers.RelTypes[o.Name] {
		v.RelTypes = append(v.RelTypes, optionView{Value: t.Value, Label: t.Label(pg.Lang)})
	}
	v.RelPicker = s.picker(fm, "rel-other", "other_id", o.Name, false, true, nil)
	atts, _ := s.Files.List(ctx, p, o.Name, rec.ID)
	for _, a := range atts {
		v.Attachments = append(v.Attachments, attachmentRow{Attachment: a, SizeText: web.FormatBytes(pg.Lang, a.Size), When: web.FormatDateTime(pg.Lang, a.CreatedAt, pg.TZ)})
	}
	for _, t := range activities.Types {
		v.Types = append(v.Types, optionView{Value: t.Value, Label: t.Label(pg.Lang)})
	}
	return v, nil
}

// backTo returns the page to go back to after an action on a record.
func backTo(r *http.Request) string {
	b := r.PostFormValue("back")
	if strings.HasPrefix(b, "/o/") || b == "/my-day" {
		if u, err := url.Parse(b); err == nil && u.Host == "" && u.Scheme == "" {
			return b
		}
	}
	return "/o/" + r.PathValue("object") + "/" + r.PathValue("id")
}

// failBack shows an error as a flash on the page the user came from.
func (s *Server) failBack(w http.ResponseWriter, r *http.Request, p *auth.Principal, err error) error {
	lang := s.lang(r, p)
	msg := s.describeFieldErrors(lang, err)
	if msg == "" {
		ae, ok := errs.As(err)
		if !ok || ae.Code == "" {
			return err
		}
		msg = s.tr.Error(lang, ae.Message)
	}
	s.flash(r, web.FlashError, msg)
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
	return nil
}

// logActivityPage is the 360 page's quick action: a note, call, task or
// meeting linked to the record (and a contact's account).
func (s *Server) logActivityPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	object, id := r.PathValue("object"), r.PathValue("id")
	if object != "contacts" && object != "accounts" {
		return errs.ErrNotFound
	}
	ctx := r.Context()
	rec, err := s.Records.Get(ctx, p, object, id, records.GetOptions{})
	if err != nil {
		return err
	}
	pg := s.newPage(r, p, "", "", nil)
	_ = r.ParseForm()
	in := records.Input{}
	for _, k := range []string{"type", "subject", "body", "direction", "outcome", "location", "priority"} {
		if v := strings.TrimSpace(r.PostFormValue(k)); v != "" {
			in[k] = v
		}
	}
	for _, k := range []string{"due_at", "starts_at", "ends_at", "remind_at"} {
		if v := strings.TrimSpace(r.PostFormValue(k)); v != "" {
			if t, err := time.ParseInLocation("2006-01-02T15:04", v, pg.TZ); err == nil {
				in[k] = t.UTC().Format(time.RFC3339)
			} else {
				in[k] = v
			}
		}
	}
	if m := strings.TrimSpace(r.PostFormValue("duration_minutes")); m != "" {
		in["duration_seconds"] = m + "*60"
		if n, ok := parseMinutes(m); ok {
			in["duration_seconds"] = n * 60
		}
	}
	if object == "contacts" {
		in["contact_ids"] = []string{id}
		if acc, ok := rec.Values["account_id"].(string); ok && acc != "" {
			in["account_ids"] = []string{acc}
		}
	} else {
		in["account_ids"] = []string{id}
	}
	if _, err := s.Records.Create(ctx, p, "activities", in); err != nil {
		return s.failBack(w, r, p, err)
	}
	s.flash(r, web.FlashSuccess, s.tr.T(pg.Lang, "msg.saved"))
	http.Redirect(w, r, backTo(r)+"#timeline", http.StatusSeeOther)
	return nil
}

func parseMinutes(s string) (int64, bool) {
	var n int64
	if s == "" || len(s) > 6 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func (s *Server) taskDonePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	_ = r.ParseForm()
	if _, err := s.Records.Update(r.Context(), p, "activities", r.PathValue("id"), "", records.Input{"done": true}); err != nil {
		return s.failBack(w, r, p, err)
	}
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
	return nil
}

func (s *Server) addRelationshipPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	_ = r.ParseForm()
	_, err := s.Customers.AddRelationship(r.Context(), p, r.PathValue("object"), r.PathValue("id"), customers.RelationshipInput{
		Type: r.PostFormValue("type"), Other: r.PostFormValue("other_id"), Note: strings.TrimSpace(r.PostFormValue("note"))})
	if err != nil {
		return s.failBack(w, r, p, err)
	}
	s.flash(r, web.FlashSuccess, s.t(r, "msg.saved"))
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
	return nil
}

func (s *Server) deleteRelationshipPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := s.Customers.DeleteRelationship(r.Context(), p, r.PathValue("object"), r.PathValue("id"), r.PathValue("rel")); err != nil {
		return s.failBack(w, r, p, err)
	}
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
	return nil
}

func (s *Server) uploadPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if _, err := s.Files.UploadRequest(w, r, p, r.PathValue("object")); err != nil {
		return s.failBack(w, r, p, err)
	}
	s.flash(r, web.FlashSuccess, s.t(r, "c360.uploaded"))
	http.Redirect(w, r, "/o/"+r.PathValue("object")+"/"+r.PathValue("id")+"#files", http.StatusSeeOther)
	return nil
}

func (s *Server) deleteFilePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	_ = r.ParseForm()
	if err := s.Files.Delete(r.Context(), p, r.PathValue("id")); err != nil {
		return s.failBack(w, r, p, err)
	}
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
	return nil
}

// revertPage puts a record back as it was at a time, or undoes one
// change.
func (s *Server) revertPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	_ = r.ParseForm()
	in := records.RevertInput{AsOf: r.PostFormValue("as_of"), ChangeID: r.PostFormValue("change_id")}
	if _, err := s.Records.Revert(r.Context(), p, r.PathValue("object"), r.PathValue("id"), "", in); err != nil {
		return s.failBack(w, r, p, err)
	}
	s.flash(r, web.FlashSuccess, s.t(r, "c360.reverted"))
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
	return nil
}

type dupView struct {
	Object  string
	Result  *customers.ScanResult
	Reasons map[string]string
}

func (s *Server) reasonLabels(lang string) map[string]string {
	out := map[string]string{}
	for _, k := range []string{customers.ReasonSameEmail, customers.ReasonSamePhone, customers.ReasonSameDomain, customers.ReasonSameName, customers.ReasonSimilarName, customers.ReasonSameAccount} {
		out[k] = s.tr.T(lang, "dup."+k)
	}
	return out
}

func (s *Server) duplicatesPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	o, err := s.objectOf(r)
	if err != nil {
		return err
	}
	if o.Name != "contacts" && o.Name != "accounts" {
		return errs.ErrNotFound
	}
	res, err := s.Customers.Scan(r.Context(), p, o.Name, 200)
	if err != nil {
		return err
	}
	pg := s.newPage(r, p, s.t(r, "dup.title_"+o.Name), navOf(o), nil)
	pg.Data = &dupView{Object: o.Name, Result: res, Reasons: s.reasonLabels(pg.Lang)}
	s.render.Page(w, r, http.StatusOK, "customers/duplicates", pg)
	return nil
}

type mergeView struct {
	Object   string
	Records  []*records.Record
	Titles   []string
	Rows     []mergeRow
	Survivor string
	Error    string
}

type mergeRow struct {
	Name, Label string
	Choices     []mergeChoice
	Union       bool
}

type mergeChoice struct {
	RecordID, Text string
	Checked        bool
}

// mergePage lets the user compare records side by side, pick the
// survivor and each field's value, and merge.
func (s *Server) mergePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	o, err := s.objectOf(r)
	if err != nil {
		return err
	}
	if len(o.Incoming) == 0 {
		return errs.ErrNotFound
	}
	ctx := r.Context()
	_ = r.ParseForm()
	ids := splitCSV(r.Form.Get("ids"))
	if len(ids) < 2 || len(ids) > 10 {
		return errs.Field("query.ids", "must list 2 to 10 record ids")
	}
	pg := s.newPage(r, p, s.t(r, "merge.title"), navOf(o), nil)
	mv := &mergeView{Object: o.Name, Survivor: r.PostFormValue("survivor")}
	if r.Method == http.MethodPost {
		in := records.MergeInput{SurvivorID: mv.Survivor, Values: map[string]any{}}
		for _, id := range ids {
			if id != mv.Survivor {
				in.MergedIDs = append(in.MergedIDs, id)
			}
		}
		// Each field takes the value of the record chosen for it.
		chosen := map[string]string{}
		for k, vs := range r.PostForm {
			if strings.HasPrefix(k, "f.") && len(vs) > 0 {
				chosen[strings.TrimPrefix(k, "f.")] = vs[0]
			}
		}
		recs := map[string]*records.Record{}
		for _, id := range ids {
			if rec, err := s.Records.Get(ctx, p, o.Name, id, records.GetOptions{}); err == nil {
				recs[id] = rec
			}
		}
		for f, from := range chosen {
			if rec := recs[from]; rec != nil && from != mv.Survivor {
				in.Values[f] = rec.Values[f]
			}
		}
		merged, err := s.Records.Merge(ctx, p, o.Name, in)
		if err == nil {
			s.flash(r, web.FlashSuccess, s.tr.T(pg.Lang, "merge.done"))
			http.Redirect(w, r, "/o/"+o.Name+"/"+merged.ID, http.StatusSeeOther)
			return nil
		}
		mv.Error = s.describeFieldErrors(pg.Lang, err)
		if mv.Error == "" {
			ae, ok := errs.As(err)
			if !ok {
				return err
			}
			mv.Error = s.tr.Error(pg.Lang, ae.Message)
		}
	}
	fields, err := s.Records.Fields(ctx, s.DB, p.WorkspaceID, o)
	if err != nil {
		return err
	}
	for _, id := range ids {
		rec, err := s.Records.Get(ctx, p, o.Name, id, records.GetOptions{})
		if err != nil {
			return err
		}
		mv.Records = append(mv.Records, rec)
		mv.Titles = append(mv.Titles, rec.Title(o))
	}
	if mv.Survivor == "" {
		// The most complete record survives by default.
		best := -1
		for _, rec := range mv.Records {
			if n := len(rec.Values); n > best {
				best, mv.Survivor = n, rec.ID
			}
		}
	}
	fm := s.newFormatter(r, p, pg)
	fm.prefetch(fields, mv.Records)
	for i := range fields {
		f := &fields[i]
		if f.System || f.ReadOnly {
			continue
		}
		row := mergeRow{Name: f.Name, Label: f.Label(pg.Lang, s.tr.T)}
		row.Union = f.Type == records.EmailList || f.Type == records.PhoneList || f.Type == records.RefList || f.Type == records.MultiSelect
		differ := false
		for _, rec := range mv.Records {
			c := fm.cell(f, rec.Values[f.Name])
			row.Choices = append(row.Choices, mergeChoice{RecordID: rec.ID, Text: c.Text})
			if !records.Equal(rec.Values[f.Name], mv.Records[0].Values[f.Name]) {
				differ = true
			}
		}
		if !differ {
			continue
		}
		// Default: the survivor's value, or the first non-empty one.
		pick := -1
		for j, rec := range mv.Records {
			if rec.ID == mv.Survivor && rec.Values[f.Name] != nil {
				pick = j
			}
		}
		if pick < 0 {
			for j, rec := range mv.Records {
				if rec.Values[f.Name] != nil {
					pick = j
					break
				}
			}
		}
		if pick >= 0 {
			row.Choices[pick].Checked = true
		}
		mv.Rows = append(mv.Rows, row)
	}
	pg.Data = mv
	status := http.StatusOK
	if mv.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render.Page(w, r, status, "customers/merge", pg)
	return nil
}

type myDayView struct {
	Overdue, DueToday, Upcoming, Meetings []dayItem
	Notifications                         []activities.Notification
	Unread                                int
}

type dayItem struct {
	ID, Subject, When string
	Links             []link
}

func (s *Server) myDayPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pg := s.newPage(r, p, s.t(r, "myday.title"), "myday", nil)
	d, fields, err := s.Activities.Day(r.Context(), p, pg.TZ)
	if err != nil {
		return err
	}
	fm := s.newFormatter(r, p, pg)
	all := slices.Concat(d.Overdue, d.DueToday, d.Upcoming, d.Meetings)
	fm.prefetch(fields, all)
	conv := func(list []*records.Record, key string) []dayItem {
		var out []dayItem
		for _, a := range list {
			it := dayItem{ID: a.ID}
			it.Subject, _ = a.Values["subject"].(string)
			if t, err := time.Parse(time.RFC3339, strValue(a.Values[key])); err == nil {
				it.When = web.FormatDateTime(pg.Lang, t, pg.TZ)
			}
			for _, k := range []string{"contact_ids", "account_ids"} {
				if i, ok := fieldIndex(fields, k); ok {
					it.Links = append(it.Links, fm.cell(&fields[i], a.Values[k]).Links...)
				}
			}
			out = append(out, it)
		}
		return out
	}
	v := &myDayView{Overdue: conv(d.Overdue, "due_at"), DueToday: conv(d.DueToday, "due_at"), Upcoming: conv(d.Upcoming, "due_at"), Meetings: conv(d.Meetings, "starts_at")}
	v.Notifications, v.Unread, _ = s.Activities.Notifications(r.Context(), p, 20)
	if r.URL.Query().Get("read") == "1" {
		_ = s.Activities.MarkRead(r.Context(), p, "")
	}
	pg.Data = v
	s.render.Page(w, r, http.StatusOK, "customers/myday", pg)
	return nil
}

func strValue(v any) string {
	s, _ := v.(string)
	return s
}

type searchView struct {
	Q    string
	Hits []searchHit
}

type searchHit struct {
	search.Hit
	Href, Kind string
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pg := s.newPage(r, p, s.t(r, "search.title"), "", nil)
	v := &searchView{Q: q}
	if q != "" {
		hits, err := s.Search.Search(r.Context(), p, q, search.Options{Limit: 50})
		if err != nil {
			if fe, ok := fieldErrors(err); ok {
				for _, m := range fe {
					pg.Flash = append(pg.Flash, web.Flash{Kind: web.FlashError, Message: s.tr.Error(pg.Lang, m)})
				}
			} else {
				return err
			}
		}
		for _, h := range hits {
			o, _ := s.Records.Object(h.Object)
			v.Hits = append(v.Hits, searchHit{Hit: h, Href: "/o/" + h.Object + "/" + h.ID, Kind: s.tr.T(pg.Lang, o.SingularKey)})
		}
	}
	pg.Data = v
	s.render.Page(w, r, http.StatusOK, "customers/search", pg)
	return nil
}
