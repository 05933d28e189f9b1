package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auditlog"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/web"
)

var auditEntrySchema = api.Schema{"type": "object", "properties": api.Schema{
	"id": api.Schema{"type": "string", "format": "uuid"}, "event": api.Schema{"type": "string", "enum": auditlog.Events},
	"user_id": api.Schema{"type": "string", "format": "uuid"}, "email": str, "ip": str, "user_agent": str, "detail": str,
	"created_at": api.Schema{"type": "string", "format": "date-time"}}}

var auditParams = []api.Param{
	{Name: "event", In: "query", Description: "only this kind of event", Schema: api.Schema{"type": "string", "enum": auditlog.Events}},
	{Name: "user_id", In: "query", Description: "only this user's events", Schema: api.Schema{"type": "string", "format": "uuid"}},
	{Name: "ip", In: "query", Description: "only events from this address", Schema: str},
	{Name: "since", In: "query", Description: "events at or after this time (RFC 3339) or date (YYYY-MM-DD, UTC)", Schema: str},
	{Name: "until", In: "query", Description: "events before this time (RFC 3339) or date (YYYY-MM-DD, UTC: the day is included)", Schema: str},
}

// auditFilter reads the filter from the query, naming a bad parameter.
func auditFilter(q url.Values, paged bool) (auditlog.Filter, error) {
	f := auditlog.Filter{Event: q.Get("event"), UserID: q.Get("user_id"), IP: strings.TrimSpace(q.Get("ip")), Cursor: q.Get("cursor")}
	var err error
	if f.Since, err = auditTime(q.Get("since"), false); err != nil {
		return f, errs.Field("query.since", "must be a time (RFC 3339) or a date (YYYY-MM-DD)")
	}
	if f.Until, err = auditTime(q.Get("until"), true); err != nil {
		return f, errs.Field("query.until", "must be a time (RFC 3339) or a date (YYYY-MM-DD)")
	}
	if paged {
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return f, errs.Field("query.limit", "must be a whole number between 1 and "+strconv.Itoa(auditlog.MaxLimit))
			}
			f.Limit = n
		}
	}
	return f, f.Validate()
}

// auditTime parses a bound; a date as the upper bound includes its day.
func auditTime(s string, upper bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, err
	}
	if upper {
		t = t.Add(24 * time.Hour)
	}
	return t, nil
}

func (s *Server) registerAuditAPI() {
	s.API.Handle(api.Op{Method: "GET", Path: "/api/v1/audit", ID: "list_audit_events", Tag: "audit",
		Summary:     "The security audit log (admins only)",
		Description: "Sign-ins, failed sign-ins, sign-outs, each API token's first use of a day, and permission denials, with the user, address, user agent and time; the newest first. Page with next_cursor.",
		Params: append(append([]api.Param(nil), auditParams...),
			api.Param{Name: "limit", In: "query", Description: "page size", Schema: api.Schema{"type": "integer", "minimum": 1, "maximum": auditlog.MaxLimit, "default": 50}},
			api.Param{Name: "cursor", In: "query", Description: "next_cursor of the previous page", Schema: str}),
		Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": auditEntrySchema}, "next_cursor": str}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if !p.IsAdmin {
				return errs.E(errs.Forbidden, "Only admins may read the audit log.")
			}
			q, err := api.Query(r)
			if err != nil {
				return err
			}
			f, err := auditFilter(q, true)
			if err != nil {
				return err
			}
			page, err := s.Audit.List(r.Context(), p, f)
			if err != nil {
				return err
			}
			w.Header().Set("Cache-Control", "no-store")
			api.WriteJSON(w, http.StatusOK, page)
			return nil
		}})
	s.API.Handle(api.Op{Method: "GET", Path: "/api/v1/audit/export", ID: "export_audit_events", Tag: "audit",
		Summary:  "The security audit log as CSV (admins only)",
		Params:   auditParams,
		Produces: []string{"text/csv"},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			return s.auditCSV(w, r, p)
		}})
}

func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !p.IsAdmin {
		return errs.E(errs.Forbidden, "Only admins may read the audit log.")
	}
	q, err := api.Query(r)
	if err != nil {
		return err
	}
	f, err := auditFilter(q, false)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+s.Now().UTC().Format("2006-01-02")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	return s.Audit.WriteCSV(r.Context(), p, f, w)
}

// auditPageData is the dot of Settings → Audit log.
type auditPageData struct {
	*settingsData
	Entries  []auditlog.Entry
	Events   []string
	Users    []*auth.User
	Filter   map[string]string
	NextHref string
	IsFirst  bool
	FirstRef string
	CSVHref  string
}

func (s *Server) registerAuditPages() {
	s.Mux.Handle("GET /settings/audit", s.page(s.auditPage))
	s.Mux.Handle("GET /settings/audit/export", s.page(s.auditCSV))
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	q, err := api.Query(r)
	if err != nil {
		return errs.E(errs.BadRequest, "%s", s.t(r, "audit.bad_filter"))
	}
	d := &auditPageData{settingsData: newSettings("audit"), Events: auditlog.Events, Filter: map[string]string{}}
	for _, k := range []string{"event", "user_id", "ip", "since", "until"} {
		d.Filter[k] = q.Get(k)
	}
	f, ferr := auditFilter(q, true)
	if ferr != nil {
		// Show the page with the field marked rather than an error page.
		if e, ok := errs.As(ferr); ok {
			for _, fe := range e.Fields {
				d.Errors[strings.TrimPrefix(fe.Location, "query.")] = fe.Message
			}
		}
		d.Error = s.t(r, "audit.bad_filter")
		f = auditlog.Filter{}
	}
	page, err := s.Audit.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	d.Entries = page.Data
	if d.Users, err = s.Auth.ListUsers(r.Context(), p); err != nil {
		return err
	}
	keep := url.Values{}
	for k, v := range d.Filter {
		if v != "" && ferr == nil {
			keep.Set(k, v)
		}
	}
	d.IsFirst = f.Cursor == ""
	d.FirstRef = "/settings/audit"
	if len(keep) > 0 {
		d.FirstRef += "?" + keep.Encode()
	}
	d.CSVHref = "/settings/audit/export"
	if len(keep) > 0 {
		d.CSVHref += "?" + keep.Encode()
	}
	if page.Next != "" {
		next := url.Values{}
		for k, v := range keep {
			next[k] = v
		}
		next.Set("cursor", page.Next)
		d.NextHref = "/settings/audit?" + next.Encode()
	}
	pg := s.newPage(r, p, s.t(r, "audit.title"), "settings", d)
	if d.Error != "" {
		pg.Flash = append(pg.Flash, web.Flash{Kind: web.FlashError, Message: d.Error})
	}
	s.render.Page(w, r, http.StatusOK, "admin/audit", pg)
	return nil
}
