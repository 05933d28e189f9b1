package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// SessionStore keeps browser sessions in the database (scs.CtxStore),
// so every server process sharing the database shares them.
//
// An idle timeout makes the session manager save every session on every
// request only to push its expiry forward. The store skips such a write
// when the data is unchanged and the stored expiry is less than
// touchEvery old, so reading pages does not turn into a database write
// per request (which would also empty SQLite's page caches each time).
// A session may thus end up to touchEvery before its idle timeout.
type SessionStore struct {
	DB  *db.DB
	Now func() time.Time

	mu      sync.Mutex
	written map[string]writtenSession // by token hash
}

type writtenSession struct {
	sum    [32]byte
	expiry time.Time
}

// touchEvery is how stale a stored expiry may be before an unchanged
// session is written again.
const touchEvery = 2 * time.Minute

// maxWritten bounds the memory of written sessions.
const maxWritten = 50000

func (s *SessionStore) unchanged(h string, b []byte, expiry time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.written[h]
	return ok && w.sum == sha256.Sum256(b) && !expiry.Before(w.expiry) && expiry.Sub(w.expiry) < touchEvery
}

func (s *SessionStore) remember(h string, b []byte, expiry time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written == nil || len(s.written) >= maxWritten {
		s.written = map[string]writtenSession{}
	}
	s.written[h] = writtenSession{sum: sha256.Sum256(b), expiry: expiry}
}

func (s *SessionStore) forget(h string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.written, h)
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
	if s.unchanged(h, b, expiry) {
		return nil
	}
	var q string
	if s.DB.Dialect == db.Postgres {
		q = "INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?) ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry"
	} else {
		q = "INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?) ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry"
	}
	if _, err := s.DB.Exec(ctx, q, h, b, db.T(expiry)); err != nil {
		s.forget(h)
		return err
	}
	s.remember(h, b, expiry)
	return nil
}

// DeleteCtx removes a session.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	h := HashToken(token)
	s.forget(h)
	_, err := s.DB.Exec(ctx, "DELETE FROM sessions WHERE token = ?", h)
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
