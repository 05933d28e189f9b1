package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// abandonAfter is how long an unfinished claim on a key blocks retries.
const abandonAfter = 5 * time.Minute

// recorder captures a response so it can be stored for replay.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *recorder) Header() http.Header { return c.header }
func (c *recorder) WriteHeader(s int) {
	if c.status == 0 {
		c.status = s
	}
}
func (c *recorder) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

// idempotent runs a POST under its Idempotency-Key: the first request
// claims the key (a unique row), runs, and stores its response; a retry
// with the same key and body gets that response back and writes
// nothing; the same key with another body is refused; a retry while the
// first is still running answers 409.
func (a *API) idempotent(w http.ResponseWriter, r *http.Request, p *auth.Principal, op Op) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 {
		WriteError(w, r, a.Log, errs.Field("header.Idempotency-Key", "must be at most 255 characters"))
		return
	}
	// The key is stored as text: bytes that are not printable ASCII would
	// be refused by PostgreSQL (a 500) yet kept by SQLite.
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			WriteError(w, r, a.Log, errs.Field("header.Idempotency-Key", "must be printable ASCII, such as a UUID"))
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		WriteError(w, r, a.Log, errs.E(errs.TooLarge, "The body is larger than %d bytes.", MaxBody))
		return
	}
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.RequestURI() + "\n"))
	h.Write(body)
	hash := hex.EncodeToString(h.Sum(nil))
	ctx := r.Context()
	now := db.T(a.now())
	claim := func() error {
		_, err := a.DB.Exec(ctx, "INSERT INTO idempotency_keys (workspace_id, user_id, key, request_hash, status, created_at) VALUES (?, ?, ?, ?, 0, ?)", p.WorkspaceID, p.UserID, key, hash, now)
		return err
	}
	err = claim()
	if errs.Is(err, errs.Conflict) {
		// A claim left by a process that died mid-request would block the
		// key for ever: after a few minutes it counts as abandoned.
		res, derr := a.DB.Exec(ctx, "DELETE FROM idempotency_keys WHERE workspace_id = ? AND user_id = ? AND key = ? AND status = 0 AND created_at < ?",
			p.WorkspaceID, p.UserID, key, db.T(a.now().Add(-abandonAfter)))
		if derr == nil {
			if n, _ := res.RowsAffected(); n == 1 {
				err = claim()
			}
		}
	}
	if err != nil {
		if !errs.Is(err, errs.Conflict) {
			WriteError(w, r, a.Log, err)
			return
		}
		var prevHash, ct, etag, loc string
		var status int
		var stored []byte
		err := a.DB.QueryRow(ctx, "SELECT request_hash, status, content_type, etag, location, body FROM idempotency_keys WHERE workspace_id = ? AND user_id = ? AND key = ?", p.WorkspaceID, p.UserID, key).
			Scan(&prevHash, &status, &ct, &etag, &loc, &stored)
		if err != nil {
			WriteError(w, r, a.Log, err)
			return
		}
		switch {
		case prevHash != hash:
			WriteError(w, r, a.Log, &errs.Error{Code: errs.Invalid, Message: "This Idempotency-Key was used for a different request.", Fields: []errs.FieldError{{Location: "header.Idempotency-Key", Message: "was already used with another request body or path"}}})
		case status == 0:
			WriteError(w, r, a.Log, errs.E(errs.Conflict, "A request with this Idempotency-Key is still being processed; retry shortly."))
		default:
			if ct != "" {
				w.Header().Set("Content-Type", ct)
			}
			if etag != "" {
				w.Header().Set("ETag", etag)
			}
			if loc != "" {
				w.Header().Set("Location", loc)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(status)
			_, _ = w.Write(stored)
		}
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{header: http.Header{}}
	if err := op.Handler(rec, r, p); err != nil {
		WriteError(rec, r, a.Log, err)
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status >= 500 {
		// Nothing was done: free the key so a retry can run again.
		_, _ = a.DB.Exec(ctx, "DELETE FROM idempotency_keys WHERE workspace_id = ? AND user_id = ? AND key = ?", p.WorkspaceID, p.UserID, key)
	} else {
		_, err := a.DB.Exec(ctx, "UPDATE idempotency_keys SET status = ?, content_type = ?, etag = ?, location = ?, body = ? WHERE workspace_id = ? AND user_id = ? AND key = ?",
			rec.status, rec.header.Get("Content-Type"), rec.header.Get("ETag"), rec.header.Get("Location"), rec.body.Bytes(), p.WorkspaceID, p.UserID, key)
		if err != nil {
			a.Log.ErrorContext(ctx, "store idempotent response", "err", err, "request_id", RequestID(ctx))
		}
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(rec.body.Len()))
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}
