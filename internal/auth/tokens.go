package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// TokenPrefix starts every API token, so leaked tokens are easy to spot
// by secret scanners.
const TokenPrefix = "rpt_"

// Token is an API token as listed; the secret itself is shown only once,
// when it is created, and stored only as a hash.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// CreateToken makes a named token for the caller and returns it with the
// secret.
func (s *Service) CreateToken(ctx context.Context, p *Principal, name string) (*Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
		return nil, "", errs.Field("body.name", "is required and must be at most 100 characters")
	}
	secret := TokenPrefix + randomToken(32)
	t := &Token{ID: newID(), UserID: p.UserID, Name: name, Prefix: secret[:12], CreatedAt: s.Now().UTC()}
	_, err := s.DB.Exec(ctx, "INSERT INTO api_tokens (id, workspace_id, user_id, name, token_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		t.ID, p.WorkspaceID, p.UserID, name, HashToken(secret), t.Prefix, db.T(t.CreatedAt))
	if err != nil {
		return nil, "", fmt.Errorf("create token: %w", err)
	}
	return t, secret, nil
}

// ListTokens returns the caller's tokens; admins see every user's.
func (s *Service) ListTokens(ctx context.Context, p *Principal) ([]*Token, error) {
	q := "SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE workspace_id = ?"
	args := []any{p.WorkspaceID}
	if !p.IsAdmin {
		q += " AND user_id = ?"
		args = append(args, p.UserID)
	}
	rows, err := s.DB.Query(ctx, q+" ORDER BY created_at DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []*Token{}
	for rows.Next() {
		var t Token
		var c, l, r db.Time
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &c, &l, &r); err != nil {
			return nil, err
		}
		t.CreatedAt = c.Time
		if !l.IsZero() {
			x := l.Time
			t.LastUsedAt = &x
		}
		if !r.IsZero() {
			x := r.Time
			t.RevokedAt = &x
		}
		out = append(out, &t)
	}
	return out, rows.Err()
}

// RevokeToken revokes one of the caller's tokens (admins: anyone's).
func (s *Service) RevokeToken(ctx context.Context, p *Principal, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return errs.ErrNotFound
	}
	q := "UPDATE api_tokens SET revoked_at = ? WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL"
	args := []any{db.T(s.Now()), p.WorkspaceID, id}
	if !p.IsAdmin {
		q += " AND user_id = ?"
		args = append(args, p.UserID)
	}
	res, err := s.DB.Exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.ErrNotFound
	}
	return nil
}

// AuthenticateToken returns the principal a bearer token acts for.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (*Principal, error) {
	bad := errs.E(errs.Unauthorized, "The API token is not valid.")
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return nil, bad
	}
	var id, ws, user, name string
	var last db.Time
	err := s.DB.QueryRow(ctx, "SELECT id, workspace_id, user_id, name, last_used_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL", HashToken(secret)).Scan(&id, &ws, &user, &name, &last)
	if err != nil {
		return nil, bad
	}
	p, err := s.Principal(ctx, ws, user)
	if err != nil {
		return nil, bad
	}
	p.TokenID = id
	// Record use at most once a minute, to keep reads free of writes. The
	// first use of a UTC day is reported to the audit log: the update is
	// conditional, so of concurrent first requests exactly one reports.
	now := s.Now().UTC()
	if last.IsZero() || now.Sub(last.Time) > time.Minute {
		day := now.Truncate(24 * time.Hour)
		if !last.IsZero() && !last.Time.Before(day) {
			if _, err := s.DB.Exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", db.T(now), id); err != nil {
				s.Log.Warn("record token use", "err", err)
			}
		} else {
			res, err := s.DB.Exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)", db.T(now), id, db.T(day))
			if err != nil {
				s.Log.Warn("record token use", "err", err)
			} else if n, _ := res.RowsAffected(); n == 1 {
				s.emit(ctx, Event{Kind: "token_used", WorkspaceID: ws, UserID: user, Email: p.Email, Detail: fmt.Sprintf("token %q (id %s), first use today", name, id)})
			}
		}
	}
	return p, nil
}
