// Package auditlog is the security audit log: who signed in, who failed
// to, who signed out, which API tokens are in use and from where, and who
// was refused something — with the user, the client's address and user
// agent, and the time. Admins read it on Settings → Audit log, through
// GET /api/v1/audit, and as CSV.
//
// What is recorded, and why that much:
//   - every sign-in (after the second factor when it is on), failed
//     sign-in (a wrong password or code for an existing account) and
//     sign-out;
//   - an API token's first use of each UTC day, with the address it came
//     from: every use would add a write to every API read and grow the
//     log by the request rate (an integration syncing all day writes
//     millions of rows), while one row a token a day still shows which
//     tokens are in use, since when, and from where;
//   - every permission denial (a 403 answered to a signed-in caller),
//     with the method and path;
//   - every record deleted for good by hand from the trash, named by its
//     object and id only: its name may be personal data, which the
//     purge has just taken away. (The hourly purge of old trash is
//     counted in metrics, not logged record by record.)
//
// Secrets never reach the log: no password, token secret, session token
// or second-factor code is passed to Record; a token is named by its
// name and its display prefix.
package auditlog

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// The events the log records.
const (
	SignIn           = "sign_in"
	SignInFailed     = "sign_in_failed"
	SignOut          = "sign_out"
	TokenUsed        = "token_used"
	PermissionDenied = "permission_denied"
	RecordPurged     = "record_purged"
)

// Events lists every event, in the order the filter offers them.
var Events = []string{SignIn, SignInFailed, SignOut, TokenUsed, PermissionDenied, RecordPurged}

// Entry is one event of the log.
type Entry struct {
	ID          string    `json:"id"`
	Event       string    `json:"event"`
	UserID      string    `json:"user_id,omitempty"`
	Email       string    `json:"email"`
	IP          string    `json:"ip"`
	UserAgent   string    `json:"user_agent"`
	Detail      string    `json:"detail"`
	CreatedAt   time.Time `json:"created_at"`
	WorkspaceID string    `json:"-"`
}

// Log writes and reads the audit log.
type Log struct {
	DB  *db.DB
	Now func() time.Time
	Log *slog.Logger
}

// Client is the caller of a request as the log names it.
type Client struct {
	IP        string
	UserAgent string
}

type clientKey struct{}

// WithClient stores the request's client in ctx, for Record.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the client WithClient stored, or the zero Client.
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// Proxies are the addresses whose X-Forwarded-For and X-Forwarded-Proto
// are believed.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses and CIDR
// prefixes.
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: not an address or CIDR prefix", f)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or CIDR prefix", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Trusts reports whether addr (an IP, with or without a port) is one of
// the proxies.
func (ps Proxies) Trusts(addr string) bool {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP is the address of the client of r: the peer, or, when the
// peer is a trusted proxy, the last address of X-Forwarded-For that is
// not a trusted proxy (the one the nearest untrusted hop connected from;
// anything before it the client could have written itself).
func (ps Proxies) ClientIP(r *http.Request) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	if len(ps) == 0 || !ps.Trusts(peer) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, f := range strings.Split(h, ",") {
			if f = strings.TrimSpace(f); f != "" {
				hops = append(hops, f)
			}
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return peer // a garbled header: keep what we know
		}
		if !ps.Trusts(hops[i]) {
			return a.Unmap().String()
		}
	}
	return peer
}

// HTTPS reports whether r reached us over TLS: directly, or through a
// trusted proxy that says so in X-Forwarded-Proto.
func (ps Proxies) HTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return ps.Trusts(r.RemoteAddr) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// clip keeps at most n bytes of valid UTF-8.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// Record writes e, taking the client from ctx when e names none. The
// log must not stop what it records: a failure is logged, not returned.
func (l *Log) Record(ctx context.Context, e Entry) {
	if e.WorkspaceID == "" {
		return
	}
	c := ClientFrom(ctx)
	if e.IP == "" {
		e.IP = c.IP
	}
	if e.UserAgent == "" {
		e.UserAgent = c.UserAgent
	}
	var user any
	if e.UserID != "" {
		user = e.UserID
	}
	_, err := l.DB.Exec(context.WithoutCancel(ctx), `INSERT INTO audit_events (id, workspace_id, event, user_id, email, ip, user_agent, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		uuid.Must(uuid.NewV7()).String(), e.WorkspaceID, e.Event, user, clip(e.Email, 254), clip(e.IP, 64), clip(e.UserAgent, 512), clip(e.Detail, 512), db.T(l.Now()))
	if err != nil && l.Log != nil {
		l.Log.Error("audit log: record", "event", e.Event, "err", err)
	}
}

// FromAuth records an event the auth service reports.
func (l *Log) FromAuth(ctx context.Context, ev auth.Event) {
	l.Record(ctx, Entry{WorkspaceID: ev.WorkspaceID, Event: ev.Kind, UserID: ev.UserID, Email: ev.Email, Detail: ev.Detail})
}

// Filter selects events. Zero fields select everything.
type Filter struct {
	Event  string
	UserID string
	IP     string
	Since  time.Time
	Until  time.Time
	Limit  int
	Cursor string
}

// MaxLimit is the largest page.
const MaxLimit = 500

// Validate checks the filter, naming the query parameter at fault.
func (f *Filter) Validate() error {
	if f.Event != "" && !contains(Events, f.Event) {
		return errs.Field("query.event", "must be one of "+strings.Join(Events, ", "))
	}
	if f.UserID != "" {
		if _, err := uuid.Parse(f.UserID); err != nil {
			return errs.Field("query.user_id", "is not a user id")
		}
	}
	if len(f.IP) > 64 {
		return errs.Field("query.ip", "is longer than 64 characters")
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > MaxLimit {
		return errs.Field("query.limit", fmt.Sprintf("must be between 1 and %d", MaxLimit))
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		return errs.Field("query.until", "is before since")
	}
	if f.Cursor != "" {
		if _, _, err := decodeCursor(f.Cursor); err != nil {
			return errs.Field("query.cursor", "is not a cursor this list gave")
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cursors are base64 of "created_at|id": the last entry of a page, the
// newest first.
func encodeCursor(e Entry) string {
	return base64.RawURLEncoding.EncodeToString([]byte(db.T(e.CreatedAt) + "|" + e.ID))
}

func decodeCursor(s string) (string, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", "", err
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return "", "", fmt.Errorf("bad cursor")
	}
	if _, err := time.Parse(db.TimeFormat, at); err != nil {
		return "", "", err
	}
	if _, err := uuid.Parse(id); err != nil {
		return "", "", err
	}
	return at, id, nil
}

// Page is a page of the log, the newest first.
type Page struct {
	Data []Entry `json:"data"`
	Next string  `json:"next_cursor,omitempty"`
}

func canRead(p *auth.Principal) error {
	if p == nil || !p.IsAdmin {
		return errs.E(errs.Forbidden, "Only admins may read the audit log.")
	}
	return nil
}

// List returns a page of the workspace's events matching f. Only admins
// may; others get forbidden. A bad filter is invalid, naming the field.
func (l *Log) List(ctx context.Context, p *auth.Principal, f Filter) (*Page, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	out := &Page{Data: []Entry{}}
	err := l.scan(ctx, p.WorkspaceID, f, f.Limit+1, func(e Entry) error {
		out.Data = append(out.Data, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out.Data) > f.Limit {
		out.Data = out.Data[:f.Limit]
		out.Next = encodeCursor(out.Data[f.Limit-1])
	}
	return out, nil
}

func (l *Log) scan(ctx context.Context, ws string, f Filter, limit int, fn func(Entry) error) error {
	q := "SELECT id, event, user_id, email, ip, user_agent, detail, created_at FROM audit_events WHERE workspace_id = ?"
	args := []any{ws}
	if f.Event != "" {
		q += " AND event = ?"
		args = append(args, f.Event)
	}
	if f.UserID != "" {
		q += " AND user_id = ?"
		args = append(args, f.UserID)
	}
	if f.IP != "" {
		q += " AND ip = ?"
		args = append(args, f.IP)
	}
	if !f.Since.IsZero() {
		q += " AND created_at >= ?"
		args = append(args, db.T(f.Since))
	}
	if !f.Until.IsZero() {
		q += " AND created_at < ?"
		args = append(args, db.T(f.Until))
	}
	if f.Cursor != "" {
		at, id, _ := decodeCursor(f.Cursor)
		q += " AND (created_at < ? OR (created_at = ? AND id < ?))"
		args = append(args, at, at, id)
	}
	q += " ORDER BY created_at DESC, id DESC"
	if limit > 0 {
		q += " LIMIT " + strconv.Itoa(limit)
	}
	rows, err := l.DB.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Entry
		var user sql.NullString
		var at db.Time
		if err := rows.Scan(&e.ID, &e.Event, &user, &e.Email, &e.IP, &e.UserAgent, &e.Detail, &at); err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		e.UserID = user.String
		e.CreatedAt = at.Time
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// csvSafe guards a cell against formula injection in spreadsheets.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes every event matching f (its limit and cursor ignored)
// as CSV, the newest first. Only admins may.
func (l *Log) WriteCSV(ctx context.Context, p *auth.Principal, f Filter, w io.Writer) error {
	if err := canRead(p); err != nil {
		return err
	}
	f.Limit, f.Cursor = 0, ""
	if err := f.Validate(); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"time", "event", "user_id", "email", "ip", "user_agent", "detail"})
	err := l.scan(ctx, p.WorkspaceID, f, 0, func(e Entry) error {
		return cw.Write([]string{e.CreatedAt.UTC().Format(time.RFC3339), e.Event, e.UserID, csvSafe(e.Email), e.IP, csvSafe(e.UserAgent), csvSafe(e.Detail)})
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// Prune deletes events older than before, returning how many.
func (l *Log) Prune(ctx context.Context, before time.Time) (int64, error) {
	res, err := l.DB.Exec(ctx, "DELETE FROM audit_events WHERE created_at < ?", db.T(before))
	if err != nil {
		return 0, fmt.Errorf("audit log: prune: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
