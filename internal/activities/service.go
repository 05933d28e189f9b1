package activities

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// Service holds the rules of activities, the timeline, "My day" and
// reminders.
type Service struct {
	DB      *db.DB
	Records *records.Engine
	Now     func() time.Time
	// Sources add entries of other modules to timelines (a deal's
	// stages on its account's timeline), by kind.
	Sources []TimelineSource
}

// TimelineSource gives a record's timeline the entries of another module:
// Entries returns at most limit entries of Kind older than before (when
// set), newest first, that the caller may read.
type TimelineSource struct {
	Kind    string
	Entries func(ctx context.Context, p *auth.Principal, object, id string, before time.Time, limit int) ([]Entry, error)
}

// Register adds the activity object with this service's hooks.
func (s *Service) Register(e *records.Engine) {
	o := *Object
	o.Hooks = records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return s.before(p, nil, r)
		},
		AfterCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return linkTimes(ctx, tx, p.WorkspaceID, r.ID)
		},
		AfterDelete: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			// A trashed activity leaves the timelines and counts that read
			// the link table alone; restoring it brings it back.
			if _, err := tx.Exec(ctx, "UPDATE activity_links SET occurred_at = NULL, open_task = NULL WHERE workspace_id = ? AND activity_id = ?", p.WorkspaceID, r.ID); err != nil {
				return fmt.Errorf("activity link times: %w", err)
			}
			return nil
		},
		AfterRestore: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return linkTimes(ctx, tx, p.WorkspaceID, r.ID)
		},
		BeforeUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			return s.before(p, old, r)
		},
		AfterUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			if err := linkTimes(ctx, tx, p.WorkspaceID, r.ID); err != nil {
				return err
			}
			if str(old, "remind_at") != str(r, "remind_at") {
				// A new reminder time fires again.
				if _, err := tx.Exec(ctx, "UPDATE activities SET reminded_at = NULL WHERE workspace_id = ? AND id = ?", p.WorkspaceID, r.ID); err != nil {
					return fmt.Errorf("reset reminder: %w", err)
				}
			}
			return nil
		},
	}
	e.Register(&o)
}

// linkTimes copies an activity's time and whether it is an open task
// onto its link rows, which the timeline and the open tasks of a record
// read from their indexes; both are NULL while the activity is in the
// trash.
func linkTimes(ctx context.Context, tx *db.Tx, ws, id string) error {
	_, err := tx.Exec(ctx, `UPDATE activity_links SET
  occurred_at = (SELECT CASE WHEN deleted_at IS NULL THEN occurred_at END FROM activities WHERE workspace_id = ? AND id = ?),
  open_task = (SELECT CASE WHEN deleted_at IS NULL AND type = 'task' AND NOT done THEN 1 END FROM activities WHERE workspace_id = ? AND id = ?)
WHERE workspace_id = ? AND activity_id = ?`, ws, id, ws, id, ws, id)
	if err != nil {
		return fmt.Errorf("activity link times: %w", err)
	}
	return nil
}

func str(r *records.Record, name string) string {
	s, _ := r.Values[name].(string)
	return s
}

func (s *Service) before(p *auth.Principal, old, r *records.Record) error {
	now := records.FormatTimeSeconds(s.Now())
	typ := str(r, "type")
	var fe []errs.FieldError
	if typ == Meeting && str(r, "starts_at") == "" {
		fe = append(fe, errs.FieldError{Location: "body.starts_at", Message: "is required for a meeting"})
	}
	if st, en := str(r, "starts_at"), str(r, "ends_at"); st != "" && en != "" && en < st {
		fe = append(fe, errs.FieldError{Location: "body.ends_at", Message: "must not be before the start"})
	}
	if d, ok := r.Values["duration_seconds"].(int64); ok && (d < 0 || d > 7*24*3600) {
		fe = append(fe, errs.FieldError{Location: "body.duration_seconds", Message: "must be between 0 and 604800"})
	}
	if len(fe) > 0 {
		return errs.Fields(fe)
	}
	if typ == Task {
		if _, ok := r.Values["done"]; !ok {
			r.Values["done"] = false
		}
		if _, ok := r.Values["priority"]; !ok {
			r.Values["priority"] = "normal"
		}
		if _, ok := r.Values["assignee_id"]; !ok && old == nil {
			r.Values["assignee_id"] = r.OwnerID
		}
	}
	done, _ := r.Values["done"].(bool)
	wasDone := false
	if old != nil {
		wasDone, _ = old.Values["done"].(bool)
	}
	switch {
	case done && !wasDone:
		r.Values["done_at"] = now
	case !done:
		delete(r.Values, "done_at")
	}
	// When it happened: the client's time, else the meeting's start or
	// the e-mail's sending, else now.
	if str(r, "occurred_at") == "" || (old != nil && str(old, "occurred_at") == str(r, "occurred_at") && derived(old) == str(old, "occurred_at") && derived(r) != "") {
		switch {
		case derived(r) != "":
			r.Values["occurred_at"] = derived(r)
		case old != nil && str(old, "occurred_at") != "":
			r.Values["occurred_at"] = str(old, "occurred_at")
		default:
			r.Values["occurred_at"] = now
		}
	}
	return nil
}

// derived is the time an activity happened according to its own fields.
func derived(r *records.Record) string {
	switch str(r, "type") {
	case Meeting:
		return str(r, "starts_at")
	case Email:
		return str(r, "sent_at")
	}
	return ""
}

// Entry is one item of a record's timeline: an activity or a change of
// the record's fields.
type Entry struct {
	Kind     string          `json:"kind"` // activity, change, or a source's kind
	At       time.Time       `json:"at"`
	Activity *records.Record `json:"-"`
	Change   *records.Change `json:"change,omitempty"`
	// Event is a source's entry, marshalled as JSON.
	Event any `json:"event,omitempty"`
}

// TimelineQuery narrows a timeline.
type TimelineQuery struct {
	Types  []string // activity types, and "change" for field changes; empty: all
	Before time.Time
	Limit  int
}

// Timeline returns a record's activities and field changes, newest
// first, as the caller may see them.
func (s *Service) Timeline(ctx context.Context, p *auth.Principal, object, id string, q TimelineQuery) ([]Entry, []records.Field, error) {
	if _, err := s.Records.Get(ctx, p, object, id, records.GetOptions{}); err != nil {
		return nil, nil, err
	}
	link := map[string]string{"accounts": "account_ids", "contacts": "contact_ids"}[object]
	if link == "" {
		return nil, nil, errs.ErrNotFound
	}
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	want := func(t string) bool {
		if len(q.Types) == 0 {
			return true
		}
		for _, x := range q.Types {
			if x == t {
				return true
			}
		}
		return false
	}
	isSource := func(t string) bool {
		for _, src := range s.Sources {
			if src.Kind == t {
				return true
			}
		}
		return false
	}
	for _, t := range q.Types {
		if t != "change" && !validType(t) && !isSource(t) {
			return nil, nil, errs.Field("query.type", "must be note, task, call, meeting, email, change, deal or sales")
		}
	}
	var out []Entry
	var fields []records.Field
	var types []string
	for _, t := range q.Types {
		if t != "change" && !isSource(t) {
			types = append(types, t)
		}
	}
	if p.Can("activities", auth.ActRead) && (len(q.Types) == 0 || len(types) > 0) {
		ids, err := s.timelineIDs(ctx, p, link, id, types, q.Before, limit)
		if err != nil {
			return nil, nil, err
		}
		if len(ids) > 0 {
			pg, err := s.Records.List(ctx, p, "activities", records.ListQuery{Limit: len(ids),
				Filters: []records.Filter{{Field: "id", Op: records.OpIn, Value: strings.Join(ids, ",")}}})
			if err != nil {
				return nil, nil, err
			}
			fields = pg.Fields
			for _, r := range pg.Records {
				at, _ := time.Parse(time.RFC3339, str(r, "occurred_at"))
				out = append(out, Entry{Kind: "activity", At: at, Activity: r})
			}
		} else {
			o, err := s.Records.Object("activities")
			if err != nil {
				return nil, nil, err
			}
			if fields, err = s.Records.Fields(ctx, s.Records.DB, p.WorkspaceID, o); err != nil {
				return nil, nil, err
			}
		}
	}
	if want("change") {
		hist, err := s.Records.History(ctx, p, object, id)
		if err != nil {
			return nil, nil, err
		}
		for i := range hist {
			c := hist[i]
			if !q.Before.IsZero() && !c.ChangedAt.Before(q.Before) {
				continue
			}
			out = append(out, Entry{Kind: "change", At: c.ChangedAt, Change: &c})
		}
	}
	for _, src := range s.Sources {
		if !want(src.Kind) {
			continue
		}
		more, err := src.Entries(ctx, p, object, id, q.Before, limit)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, more...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, fields, nil
}

// timelineIDs returns the newest activities linked to a record, read
// from the link table's time index, so the cost does not grow with the
// record's number of activities.
func (s *Service) timelineIDs(ctx context.Context, p *auth.Principal, link, id string, types []string, before time.Time, limit int) ([]string, error) {
	col := map[string]string{"account_ids": "account_id", "contact_ids": "contact_id"}[link]
	q, args := linkedSQL(p, col, id, "l.occurred_at IS NOT NULL")
	if len(types) > 0 {
		q += " AND a.type IN (" + strings.TrimSuffix(strings.Repeat("?,", len(types)), ",") + ")"
		for _, t := range types {
			args = append(args, t)
		}
	}
	if !before.IsZero() {
		q += " AND l.occurred_at < ?"
		args = append(args, db.T(before))
	}
	q += " ORDER BY l.occurred_at DESC, l.activity_id DESC LIMIT ?"
	args = append(args, limit)
	return s.queryIDs(ctx, q, args...)
}

// linkedSQL selects the ids of the live activities linked to a record
// (col is the link table's account_id or contact_id) that the caller may
// read and that meet cond on the link row l; the caller adds order and
// limit.
func linkedSQL(p *auth.Principal, col, id, cond string) (string, []any) {
	q := "SELECT l.activity_id FROM activity_links l JOIN activities a ON a.workspace_id = l.workspace_id AND a.id = l.activity_id" +
		" WHERE l.workspace_id = ? AND l." + col + " = ? AND " + cond + " AND a.deleted_at IS NULL"
	args := []any{p.WorkspaceID, id}
	if scope, sargs := records.ScopeSQL(p, "activities"); scope != "" {
		q += " AND a." + scope
		args = append(args, sargs...)
	}
	return q, args
}

func validType(t string) bool {
	for _, o := range Types {
		if o.Value == t {
			return true
		}
	}
	return false
}

// OpenTasks returns the open tasks linked to a record, soonest due first.
func (s *Service) OpenTasks(ctx context.Context, p *auth.Principal, object, id string) ([]*records.Record, error) {
	col := map[string]string{"accounts": "account_id", "contacts": "contact_id"}[object]
	if col == "" {
		return nil, errs.ErrNotFound
	}
	q, args := linkedSQL(p, col, id, "l.open_task = 1")
	q += " ORDER BY a.due_at, a.id LIMIT 50"
	ids, err := s.queryIDs(ctx, q, args...)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	pg, err := s.Records.List(ctx, p, "activities", records.ListQuery{Limit: len(ids), Sort: "due_at",
		Filters: []records.Filter{{Field: "id", Op: records.OpIn, Value: strings.Join(ids, ",")}}})
	if err != nil {
		return nil, err
	}
	return pg.Records, nil
}

func (s *Service) queryIDs(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.Records.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("activities: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("activities: %w", err)
		}
		ids = append(ids, v)
	}
	return ids, rows.Err()
}

// MyDay is what a user has to do today: open tasks due by the end of
// the day (overdue first), today's meetings and the unread
// notifications.
type MyDay struct {
	Overdue  []*records.Record `json:"-"`
	DueToday []*records.Record `json:"-"`
	Upcoming []*records.Record `json:"-"`
	Meetings []*records.Record `json:"-"`
}

// Day returns the user's day in their time zone.
func (s *Service) Day(ctx context.Context, p *auth.Principal, loc *time.Location) (*MyDay, []records.Field, error) {
	now := s.Now().In(loc)
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	end := start.AddDate(0, 0, 1)
	f := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	tasks, err := s.Records.List(ctx, p, "activities", records.ListQuery{Limit: 200, Sort: "due_at", Filters: []records.Filter{
		{Field: "type", Op: records.OpEq, Value: Task}, {Field: "done", Op: records.OpEq, Value: "false"},
		{Field: "assignee_id", Op: records.OpEq, Value: p.UserID}, {Field: "due_at", Op: records.OpLt, Value: f(end.AddDate(0, 0, 7))}}})
	if err != nil {
		return nil, nil, err
	}
	d := &MyDay{}
	for _, r := range tasks.Records {
		due, _ := time.Parse(time.RFC3339, str(r, "due_at"))
		switch {
		case due.Before(start):
			d.Overdue = append(d.Overdue, r)
		case due.Before(end):
			d.DueToday = append(d.DueToday, r)
		default:
			d.Upcoming = append(d.Upcoming, r)
		}
	}
	meetings, err := s.Records.List(ctx, p, "activities", records.ListQuery{Limit: 100, Sort: "starts_at", Filters: []records.Filter{
		{Field: "type", Op: records.OpEq, Value: Meeting}, {Field: "owner_id", Op: records.OpEq, Value: p.UserID}, {Field: "starts_at", Op: records.OpGte, Value: f(start)}, {Field: "starts_at", Op: records.OpLt, Value: f(end)}}})
	if err != nil {
		return nil, nil, err
	}
	d.Meetings = meetings.Records
	return d, tasks.Fields, nil
}

// Linked returns every live activity linked to a record that the caller
// may read, newest first, with the activity fields: the whole story of
// the record, not a timeline's page (a personal-data export).
func (s *Service) Linked(ctx context.Context, p *auth.Principal, object, id string) ([]*records.Record, []records.Field, error) {
	col := map[string]string{"accounts": "account_id", "contacts": "contact_id"}[object]
	if col == "" {
		return nil, nil, errs.ErrNotFound
	}
	o, err := s.Records.Object("activities")
	if err != nil {
		return nil, nil, err
	}
	fields, err := s.Records.Fields(ctx, s.Records.DB, p.WorkspaceID, o)
	if err != nil {
		return nil, nil, err
	}
	if !p.Can("activities", auth.ActRead) {
		return nil, fields, nil
	}
	q, args := linkedSQL(p, col, id, "1 = 1")
	ids, err := s.queryIDs(ctx, q+" ORDER BY a.occurred_at DESC, a.id DESC", args...)
	if err != nil {
		return nil, nil, err
	}
	var out []*records.Record
	for start := 0; start < len(ids); start += records.MaxLimit {
		chunk := ids[start:min(start+records.MaxLimit, len(ids))]
		pg, err := s.Records.List(ctx, p, "activities", records.ListQuery{Limit: len(chunk), Sort: "-occurred_at",
			Filters: []records.Filter{{Field: "id", Op: records.OpIn, Value: strings.Join(chunk, ",")}}})
		if err != nil {
			return nil, nil, err
		}
		out = append(out, pg.Records...)
	}
	return out, fields, nil
}

// LinkedIDs returns the ids of every activity linked to a record, in
// the trash or not, whoever owns it, without a permission check: for an
// erasure, which must reach them all.
func LinkedIDs(ctx context.Context, q db.Querier, ws, object, id string) ([]string, error) {
	col := map[string]string{"accounts": "account_id", "contacts": "contact_id"}[object]
	if col == "" {
		return nil, errs.ErrNotFound
	}
	rows, err := q.Query(ctx, "SELECT activity_id FROM activity_links WHERE workspace_id = ? AND "+col+" = ? ORDER BY activity_id", ws, id)
	if err != nil {
		return nil, fmt.Errorf("linked activities: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("linked activities: %w", err)
		}
		switch x := v.(type) {
		case string:
			ids = append(ids, x)
		case []byte:
			ids = append(ids, string(x))
		case [16]byte:
			ids = append(ids, fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16]))
		}
	}
	return ids, db.MapError(rows.Err())
}
