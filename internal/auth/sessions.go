package auth

import (
	"context"
	"errors"
	"time"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// SessionStore keeps browser sessions in the database (scs.CtxStore),
// so every server process sharing the database shares them.
type SessionStore struct {
	DB  *db.DB
	Now func() time.Time
}

// FindCtx returns the session data for token.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data []byte
	err := s.DB.QueryRow(ctx, "SELECT data FROM sessions WHERE token = ? AND expiry > ?", HashToken(token), db.T(s.Now())).Scan(&data)
	if err != nil {
		if errs.Is(db.MapError(err), errs.NotFound) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return data, true, nil
}

// CommitCtx stores the session data. Only a hash of the token is kept,
// so a copy of the database does not hand out live sessions.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	h := HashToken(token)
	var q string
	if s.DB.Dialect == db.Postgres {
		q = "INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?) ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry"
	} else {
		q = "INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?) ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry"
	}
	_, err := s.DB.Exec(ctx, q, h, b, db.T(expiry))
	return err
}

// DeleteCtx removes a session.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.DB.Exec(ctx, "DELETE FROM sessions WHERE token = ?", HashToken(token))
	return err
}

// Find implements scs.Store.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (s *SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// PurgeExpired removes expired sessions; run by a background job.
func (s *SessionStore) PurgeExpired(ctx context.Context) (int64, error) {
	res, err := s.DB.Exec(ctx, "DELETE FROM sessions WHERE expiry < ?", db.T(s.Now()))
	if err != nil {
		return 0, errors.Join(errors.New("purge sessions"), err)
	}
	return res.RowsAffected()
}
