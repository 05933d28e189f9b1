package activities

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// RegisterAPI adds the timeline, invitation, "My day" and notification
// operations.
func (s *Service) RegisterAPI(a *api.API) {
	entry := api.Schema{"type": "object", "properties": api.Schema{
		"kind": api.Schema{"type": "string", "enum": []string{"activity", "change", "deal", "sales"}}, "at": api.Schema{"type": "string", "format": "date-time"},
		"activity": api.Schema{"type": "object", "description": "the activity record (kind activity)"}, "change": api.Schema{"type": "object", "description": "the history entry (kind change)"},
		"event": api.Schema{"type": "object", "description": "a deal entering a stage (kind deal): deal_id, deal_name, stage_name, status, amount; a sales document made or changing status (kind sales): object, id, number, name, action (created or changed), field (status or fulfilment), value, amount, by"}}}
	for _, object := range []string{"accounts", "contacts"} {
		a.Handle(api.Op{Method: "GET", Path: "/api/v1/" + object + "/{id}/timeline", ID: "timeline_" + object, Tag: object,
			Summary: "The record's timeline, newest first: activities linked to it, changes of its fields, its deals' stages and its sales documents made or changing status",
			Params: []api.Param{
				{Name: "type", In: "query", Description: "comma-separated: note, task, call, meeting, email, change, deal, sales"},
				{Name: "before", In: "query", Description: "only entries before this time (the at of the last entry of the previous page)"},
				{Name: "limit", In: "query", Schema: api.Schema{"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}},
			Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": entry}}},
			Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
				vals, err := api.Query(r)
				if err != nil {
					return err
				}
				var q TimelineQuery
				if t := vals.Get("type"); t != "" {
					q.Types = strings.Split(t, ",")
				}
				if b := vals.Get("before"); b != "" {
					if q.Before, err = time.Parse(time.RFC3339Nano, b); err != nil {
						return errs.Field("query.before", "must be a time like 2026-01-31T00:00:00Z")
					}
				}
				if l := vals.Get("limit"); l != "" {
					if q.Limit, err = strconv.Atoi(l); err != nil || q.Limit < 1 || q.Limit > 200 {
						return errs.Field("query.limit", "must be between 1 and 200")
					}
				}
				entries, fields, err := s.Timeline(r.Context(), p, object, api.PathID(r, "id"), q)
				if err != nil {
					return err
				}
				var b bytes.Buffer
				b.WriteString(`{"data":[`)
				for i, e := range entries {
					if i > 0 {
						b.WriteByte(',')
					}
					b.WriteString(`{"kind":"` + e.Kind + `","at":"` + e.At.UTC().Format(time.RFC3339Nano) + `"`)
					if e.Activity != nil {
						b.WriteString(`,"activity":`)
						b.Write(records.MarshalRecord(fields, e.Activity, nil))
					}
					if e.Change != nil {
						b.WriteString(`,"change":`)
						b.Write(jsonOf(e.Change))
					}
					if e.Event != nil {
						b.WriteString(`,"event":`)
						b.Write(jsonOf(e.Event))
					}
					b.WriteByte('}')
				}
				b.WriteString("]}\n")
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Cache-Control", "no-store")
				_, _ = w.Write(b.Bytes())
				return nil
			}})
	}
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/activities/{id}/invitation.ics", ID: "activity_invitation", Tag: "activities",
		Summary: "A meeting as an iCalendar (.ics) invitation",
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			rec, err := s.Records.Get(r.Context(), p, "activities", api.PathID(r, "id"), records.GetOptions{})
			if err != nil {
				return err
			}
			if str(rec, "type") != Meeting {
				return errs.E(errs.NotFound, "Only meetings have an invitation.")
			}
			var email, name string
			_ = s.DB.QueryRow(r.Context(), "SELECT email, name FROM users WHERE workspace_id = ? AND id = ?", p.WorkspaceID, rec.OwnerID).Scan(&email, &name)
			w.Header().Set("Content-Type", "text/calendar; charset=utf-8; method=REQUEST")
			w.Header().Set("Content-Disposition", `attachment; filename="meeting.ics"`)
			_, _ = w.Write(ICS(rec, email, name, s.Now()))
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/my-day", ID: "my_day", Tag: "activities",
		Summary:  "The caller's day: overdue tasks, tasks due today and in the next week, today's meetings (in the caller's time zone)",
		Response: api.Schema{"type": "object", "properties": api.Schema{"overdue": api.Schema{"type": "array"}, "due_today": api.Schema{"type": "array"}, "upcoming": api.Schema{"type": "array"}, "meetings": api.Schema{"type": "array"}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			loc, err := time.LoadLocation(p.TZ)
			if err != nil || p.TZ == "" {
				loc = time.UTC
			}
			d, fields, err := s.Day(r.Context(), p, loc)
			if err != nil {
				return err
			}
			var b bytes.Buffer
			list := func(name string, recs []*records.Record, last bool) {
				b.WriteString(`"` + name + `":[`)
				for i, rc := range recs {
					if i > 0 {
						b.WriteByte(',')
					}
					b.Write(records.MarshalRecord(fields, rc, nil))
				}
				b.WriteString("]")
				if !last {
					b.WriteByte(',')
				}
			}
			b.WriteByte('{')
			list("overdue", d.Overdue, false)
			list("due_today", d.DueToday, false)
			list("upcoming", d.Upcoming, false)
			list("meetings", d.Meetings, true)
			b.WriteString("}\n")
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(b.Bytes())
			return nil
		}})
	notif := api.Schema{"type": "object", "properties": api.Schema{"id": api.Schema{"type": "string"}, "kind": api.Schema{"type": "string"}, "object": api.Schema{"type": "string"},
		"record_id": api.Schema{"type": "string"}, "title": api.Schema{"type": "string"}, "created_at": api.Schema{"type": "string", "format": "date-time"}, "read_at": api.Schema{"type": "string", "format": "date-time"}}}
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/notifications", ID: "list_notifications", Tag: "notifications", Summary: "The caller's notifications (reminders that fell due), unread first",
		Response: api.Schema{"type": "object", "properties": api.Schema{"data": api.Schema{"type": "array", "items": notif}, "unread": api.Schema{"type": "integer"}}},
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			out, unread, err := s.Notifications(r.Context(), p, 50)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"data": out, "unread": unread})
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/notifications/{id}/read", ID: "read_notification", Tag: "notifications", Summary: "Mark a notification read", Status: 204,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := s.MarkRead(r.Context(), p, api.PathID(r, "id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/notifications/read", ID: "read_all_notifications", Tag: "notifications", Summary: "Mark every notification read", Status: 204,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			if err := s.MarkRead(r.Context(), p, ""); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
}
