package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// FireReminders turns reminders that have fallen due into in-app
// notifications for the task's assignee (or the activity's owner), once
// each. It returns how many it fired.
func (s *Service) FireReminders(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	rows, err := s.DB.Query(ctx, `SELECT id, workspace_id, COALESCE(assignee_id, owner_id), subject FROM activities
WHERE remind_at IS NOT NULL AND reminded_at IS NULL AND deleted_at IS NULL AND remind_at <= ? ORDER BY remind_at LIMIT 500`, db.T(now))
	if err != nil {
		return 0, fmt.Errorf("reminders: %w", err)
	}
	type due struct{ id, ws, user, subject string }
	var list []due
	for rows.Next() {
		var d due
		var id, ws, user any
		if err := rows.Scan(&id, &ws, &user, &d.subject); err != nil {
			rows.Close()
			return 0, fmt.Errorf("reminders: %w", err)
		}
		d.id, d.ws, d.user = text(id), text(ws), text(user)
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, d := range list {
		tx, err := s.DB.Begin(ctx)
		if err != nil {
			return n, err
		}
		res, err := tx.Exec(ctx, "UPDATE activities SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL", db.T(now), d.id)
		if err != nil {
			tx.Rollback()
			return n, fmt.Errorf("reminders: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 1 && d.user != "" {
			if _, err := tx.Exec(ctx, "INSERT INTO notifications (id, workspace_id, user_id, kind, object, record_id, title, created_at) VALUES (?, ?, ?, 'reminder', 'activities', ?, ?, ?)",
				records.NewID(), d.ws, d.user, d.id, d.subject, db.T(now)); err != nil {
				tx.Rollback()
				return n, fmt.Errorf("reminders: %w", err)
			}
			n++
		}
		if err := tx.Commit(); err != nil {
			return n, err
		}
	}
	return n, nil
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
	}
	return ""
}

// Notification is an in-app message for one user.
type Notification struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Object    string     `json:"object"`
	RecordID  string     `json:"record_id"`
	Title     string     `json:"title"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// Notifications returns the caller's latest notifications, unread first,
// and how many are unread.
func (s *Service) Notifications(ctx context.Context, p *auth.Principal, limit int) ([]Notification, int, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	var unread int
	if err := s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM notifications WHERE workspace_id = ? AND user_id = ? AND read_at IS NULL", p.WorkspaceID, p.UserID).Scan(&unread); err != nil {
		return nil, 0, fmt.Errorf("notifications: %w", err)
	}
	rows, err := s.DB.Query(ctx, fmt.Sprintf(`SELECT id, kind, object, record_id, title, created_at, read_at FROM notifications
WHERE workspace_id = ? AND user_id = ? ORDER BY (read_at IS NULL) DESC, created_at DESC LIMIT %d`, limit), p.WorkspaceID, p.UserID)
	if err != nil {
		return nil, 0, fmt.Errorf("notifications: %w", err)
	}
	defer rows.Close()
	out := []Notification{}
	for rows.Next() {
		var n Notification
		var id any
		var at, read db.Time
		if err := rows.Scan(&id, &n.Kind, &n.Object, &n.RecordID, &n.Title, &at, &read); err != nil {
			return nil, 0, fmt.Errorf("notifications: %w", err)
		}
		n.ID, n.CreatedAt = text(id), at.Time
		if !read.IsZero() {
			t := read.Time
			n.ReadAt = &t
		}
		out = append(out, n)
	}
	return out, unread, rows.Err()
}

// MarkRead marks one of the caller's notifications read, or all of them
// when id is empty.
func (s *Service) MarkRead(ctx context.Context, p *auth.Principal, id string) error {
	now := db.T(s.Now())
	if id == "" {
		_, err := s.DB.Exec(ctx, "UPDATE notifications SET read_at = ? WHERE workspace_id = ? AND user_id = ? AND read_at IS NULL", now, p.WorkspaceID, p.UserID)
		return err
	}
	if len(id) != 36 {
		return errs.ErrNotFound
	}
	res, err := s.DB.Exec(ctx, "UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE workspace_id = ? AND user_id = ? AND id = ?", now, p.WorkspaceID, p.UserID, id)
	if err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.ErrNotFound
	}
	return nil
}
