// Package servertest starts a whole Rapport server for tests: a fresh
// database of the dialect under test (see dbtest), the server built on it
// behind an httptest.Server, a settable clock, a workspace with its admin,
// and clients that act as users with a given role through the REST API.
//
// A test package that uses it calls dbtest.Main from its TestMain.
//
// Every request a Client makes fails the test when the server answers
// 5xx, and every Env fails its test when the server logged an error: a
// bad request must never be the server's fault.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/server"
)

// Password is the password of every user the helpers create.
const Password = "password1"

// CheapArgon2 makes password hashing fast enough for tests.
var CheapArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}

// Clock is a settable time source shared by the server and the test. It
// stands still until the test moves it, so time-based rules (rate-limit
// windows, trash retention, TOTP codes) are deterministic.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Env is a running server with its database, clock and workspaces.
type Env struct {
	TB     testing.TB
	Server *server.Server
	HTTP   *httptest.Server
	Clock  *Clock
	// WS is the workspace New creates ("Acme"); nil from NewOn.
	WS *Workspace

	logs *errorLog
	seq  atomic.Int64
}

// New builds a server on a fresh database (dbtest.Open) with a workspace
// "Acme" whose admin acts through an API token.
func New(tb testing.TB) *Env {
	tb.Helper()
	e := NewOn(tb, dbtest.Open(tb), nil)
	e.WS = e.AddWorkspace("Acme")
	return e
}

// NewOn builds a server on an open, migrated database, without any
// workspace. Two Envs on one PostgreSQL database stand for two server
// processes; they may share a clock (nil makes a new one, set to now).
func NewOn(tb testing.TB, d *db.DB, clock *Clock) *Env {
	tb.Helper()
	return NewConfigured(tb, d, clock, nil)
}

// NewConfigured is NewOn with a chance to change the configuration the
// server is built with (trusted proxies, limits) before it is.
func NewConfigured(tb testing.TB, d *db.DB, clock *Clock, configure func(*config.Config)) *Env {
	tb.Helper()
	if clock == nil {
		// Real time, rounded, as the start: the session library stamps
		// expiries with the real clock, so the fake one must not lag it.
		clock = NewClock(time.Now().UTC().Truncate(time.Second))
	}
	logs := &errorLog{}
	cfg := config.Default()
	cfg.Version = "test"
	cfg.SecureCookies = false
	cfg.FilesDir = tb.TempDir()
	if configure != nil {
		configure(&cfg)
	}
	s, err := server.New(cfg, d, slog.New(logs), clock.Now)
	if err != nil {
		tb.Fatalf("servertest: server.New: %v", err)
	}
	s.Auth.Argon2 = CheapArgon2
	ts := httptest.NewServer(s.Handler())
	e := &Env{TB: tb, Server: s, HTTP: ts, Clock: clock, logs: logs}
	tb.Cleanup(func() {
		ts.Close()
		for _, l := range logs.take() {
			tb.Errorf("servertest: the server logged an error: %s", l)
		}
	})
	return e
}

// ErrorLogs returns and clears what the server logged at error level, for
// a test that provokes such a log on purpose.
func (e *Env) ErrorLogs() []string { return e.logs.take() }

// RunJob enqueues a job of kind with an empty payload and runs the queue
// once, as the background worker would (at the Env's clock), failing the
// test unless exactly that job ran and finished.
func (e *Env) RunJob(tb testing.TB, kind string) {
	tb.Helper()
	ctx := context.Background()
	s := e.Server
	if err := s.Jobs.Enqueue(ctx, s.DB, kind, json.RawMessage(`{}`), jobs.EnqueueOptions{}); err != nil {
		tb.Fatalf("enqueue %s: %v", kind, err)
	}
	if n, err := s.Jobs.RunOnce(ctx); err != nil || n != 1 {
		tb.Fatalf("job %s: ran %d jobs, %v", kind, n, err)
	}
	var status, lastErr string
	err := s.DB.QueryRow(ctx, "SELECT status, last_error FROM jobs WHERE kind = ? ORDER BY created_at DESC LIMIT 1", kind).Scan(&status, &lastErr)
	if err != nil || status != "done" {
		tb.Fatalf("job %s: status %q, error %q, %v", kind, status, lastErr, err)
	}
}

// Workspace is one tenant of the server with its admin and roles.
type Workspace struct {
	ID    string
	Name  string
	Admin *Client
	// Roles maps a built-in role key (admin, manager, sales, marketing,
	// support, read_only) to the role's id in this workspace.
	Roles map[string]string
	env   *Env
	slug  string
}

// AddWorkspace creates a workspace through the auth service, with an
// admin admin@<name>.test whose token the returned Admin client uses.
func (e *Env) AddWorkspace(name string) *Workspace {
	e.TB.Helper()
	slug := strings.ToLower(strings.ReplaceAll(name, " ", ""))
	email := "admin@" + slug + ".test"
	w, u, err := e.Server.Auth.Setup(context.Background(), auth.SetupInput{Workspace: name, Email: email, Password: Password, Name: name + " Admin"})
	if err != nil {
		e.TB.Fatalf("servertest: setup %s: %v", name, err)
	}
	ws := &Workspace{ID: w.ID, Name: name, Roles: map[string]string{}, env: e, slug: slug}
	ws.Admin = e.tokenClient(w.ID, u.ID, email)
	var roles struct {
		Data []struct{ ID, Builtin string }
	}
	ws.Admin.Must(e.TB, 200, "GET", "/api/v1/roles", nil).JSON(e.TB, &roles)
	for _, r := range roles.Data {
		if r.Builtin != "" {
			ws.Roles[r.Builtin] = r.ID
		}
	}
	if len(ws.Roles) < 6 {
		e.TB.Fatalf("servertest: workspace %s lists built-in roles %v", name, ws.Roles)
	}
	return ws
}

func (e *Env) tokenClient(ws, userID, email string) *Client {
	e.TB.Helper()
	p, err := e.Server.Auth.Principal(context.Background(), ws, userID)
	if err != nil {
		e.TB.Fatalf("servertest: principal: %v", err)
	}
	_, secret, err := e.Server.Auth.CreateToken(context.Background(), p, "servertest")
	if err != nil {
		e.TB.Fatalf("servertest: token: %v", err)
	}
	return &Client{Env: e, Token: secret, UserID: userID, Email: email, WorkspaceID: ws, HTTP: e.httpClient()}
}

// User creates a user holding role — a built-in key such as "sales" or
// a role id — through POST /api/v1/users, and returns a client acting
// as them with a new API token.
func (w *Workspace) User(tb testing.TB, role string) *Client {
	tb.Helper()
	n := w.env.seq.Add(1)
	key := role
	if _, builtin := w.Roles[role]; !builtin {
		key = "custom"
	}
	return w.UserWithEmail(tb, fmt.Sprintf("%s%d@%s.test", strings.ReplaceAll(key, "_", ""), n, w.slug), role)
}

// UserWithEmail is User with a chosen e-mail address.
func (w *Workspace) UserWithEmail(tb testing.TB, email, role string) *Client {
	tb.Helper()
	roleID := w.Roles[role]
	if roleID == "" {
		roleID = role
	}
	var out struct{ User struct{ ID string } }
	w.Admin.Must(tb, 201, "POST", "/api/v1/users", map[string]any{"email": email, "name": email, "password": Password, "role_id": roleID}).JSON(tb, &out)
	return w.env.tokenClient(w.ID, out.User.ID, email)
}

// Role creates a custom role with the given permissions (object name →
// {"read":…, "create":…, "update":…, "delete":…, "scope":…}) and returns
// its id.
func (w *Workspace) Role(tb testing.TB, name string, perms map[string]any) string {
	tb.Helper()
	var out struct{ ID string }
	w.Admin.Must(tb, 201, "POST", "/api/v1/roles", map[string]any{"name": name, "permissions": perms}).JSON(tb, &out)
	return out.ID
}

// Team creates a team with the given members and returns its id.
func (w *Workspace) Team(tb testing.TB, name string, members ...*Client) string {
	tb.Helper()
	ids := []string{}
	for _, m := range members {
		ids = append(ids, m.UserID)
	}
	var out struct{ ID string }
	w.Admin.Must(tb, 201, "POST", "/api/v1/teams", map[string]any{"name": name, "member_ids": ids}).JSON(tb, &out)
	return out.ID
}

// CustomField adds a custom field through POST /api/v1/custom_fields and
// returns its API name (cf_<name>). extra adds members such as options,
// target or required.
func (w *Workspace) CustomField(tb testing.TB, object, name, typ string, extra map[string]any) string {
	tb.Helper()
	body := map[string]any{"object": object, "name": name, "type": typ, "labels": map[string]string{"en": name}}
	for k, v := range extra {
		body[k] = v
	}
	var out struct{ Name string }
	w.Admin.Must(tb, 201, "POST", "/api/v1/custom_fields", body).JSON(tb, &out)
	return out.Name
}

// Browser returns a client that keeps cookies and has no token, like a
// browser; sign it in with SignIn.
func (e *Env) Browser() *Client {
	jar, _ := cookiejar.New(nil)
	hc := e.httpClient()
	hc.Jar = jar
	return &Client{Env: e, HTTP: hc}
}

// WithToken returns a client that sends the given bearer token.
func (e *Env) WithToken(token string) *Client {
	return &Client{Env: e, HTTP: e.httpClient(), Token: token}
}

// Anonymous returns a client with neither token nor cookies.
func (e *Env) Anonymous() *Client { return &Client{Env: e, HTTP: e.httpClient()} }

// httpClient returns a client of its own (httptest.Server.Client is
// shared) on the test server's transport, not following redirects.
func (e *Env) httpClient() *http.Client {
	hc := *e.HTTP.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

// Client makes requests as one caller: a token, a cookie session, or
// nobody.
type Client struct {
	Env         *Env
	Token       string
	UserID      string
	Email       string
	WorkspaceID string
	HTTP        *http.Client
}

// SignIn signs a browser client in with POST /api/v1/session and checks
// the answer is 200.
func (c *Client) SignIn(tb testing.TB, email, password string) *Response {
	tb.Helper()
	r := c.Must(tb, 200, "POST", "/api/v1/session", map[string]any{"email": email, "password": password})
	var out struct {
		User struct{ ID string }
	}
	r.JSON(tb, &out)
	c.UserID, c.Email = out.User.ID, email
	return r
}

// Cookie returns the value of the named cookie the client holds, or "".
func (c *Client) Cookie(name string) string {
	if c.HTTP.Jar == nil {
		return ""
	}
	u, _ := url.Parse(c.Env.HTTP.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// Response is an answer read in full.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Send makes a request and reads the answer; it is safe to call from any
// goroutine. body is nil, a string or []byte sent as is, or a value sent
// as JSON. headers are name, value pairs; an empty value removes the
// header (e.g. "Content-Type", "").
func (c *Client) Send(method, path string, body any, headers ...string) (*Response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.Env.HTTP.URL+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// Do is Send for the test's goroutine: it fails the test on a transport
// error or a 5xx answer.
func (c *Client) Do(tb testing.TB, method, path string, body any, headers ...string) *Response {
	tb.Helper()
	r, err := c.Send(method, path, body, headers...)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	if r.Status >= 500 && r.Status != http.StatusServiceUnavailable {
		// 503 is the server saying it is not set up for the request (a
		// missing font), which tests provoke on purpose.
		tb.Fatalf("%s %s answered %d (never acceptable): %.500s", method, path, r.Status, r.Body)
	}
	return r
}

// Must is Do that also checks the status.
func (c *Client) Must(tb testing.TB, status int, method, path string, body any, headers ...string) *Response {
	tb.Helper()
	r := c.Do(tb, method, path, body, headers...)
	if r.Status != status {
		tb.Fatalf("%s %s: status %d, want %d: %.800s", method, path, r.Status, status, r.Body)
	}
	return r
}

// Record is a record as the API returns it.
type Record map[string]any

// ID returns the record's id.
func (r Record) ID() string { s, _ := r["id"].(string); return s }

// Version returns the record's version.
func (r Record) Version() int64 {
	switch v := r["version"].(type) {
	case json.Number:
		n, _ := v.Int64()
		return n
	case float64:
		return int64(v)
	}
	return -1
}

// Create creates a record of object with the given fields (201 expected).
func (c *Client) Create(tb testing.TB, object string, fields map[string]any) Record {
	tb.Helper()
	var r Record
	c.Must(tb, 201, "POST", "/api/v1/"+object, fields).JSON(tb, &r)
	return r
}

// CreateTag creates a tag named name; extra are more fields.
func (c *Client) CreateTag(tb testing.TB, name string, extra ...map[string]any) Record {
	tb.Helper()
	f := map[string]any{"name": name}
	for _, m := range extra {
		for k, v := range m {
			f[k] = v
		}
	}
	return c.Create(tb, "tags", f)
}

// Get reads a record (200 expected).
func (c *Client) Get(tb testing.TB, object, id string) Record {
	tb.Helper()
	var r Record
	c.Must(tb, 200, "GET", "/api/v1/"+object+"/"+id, nil).JSON(tb, &r)
	return r
}

// Page is one page of a list.
type Page struct {
	Data       []Record `json:"data"`
	NextCursor string   `json:"next_cursor"`
}

// IDs returns the ids of the page's records in order.
func (p Page) IDs() []string {
	out := make([]string, len(p.Data))
	for i, r := range p.Data {
		out[i] = r.ID()
	}
	return out
}

// List reads one page of path (a list URL with its query).
func (c *Client) List(tb testing.TB, path string) Page {
	tb.Helper()
	var p Page
	c.Must(tb, 200, "GET", path, nil).JSON(tb, &p)
	return p
}

// ListAll follows next_cursor from path until the last page and returns
// every record id in order, and how many pages it took.
func (c *Client) ListAll(tb testing.TB, path string) ([]string, int) {
	tb.Helper()
	var ids []string
	next := path
	for pages := 1; ; pages++ {
		p := c.List(tb, next)
		ids = append(ids, p.IDs()...)
		if p.NextCursor == "" {
			return ids, pages
		}
		if pages > 1000 {
			tb.Fatalf("%s: more than 1000 pages", path)
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		next = path + sep + "cursor=" + url.QueryEscape(p.NextCursor)
	}
}

// History returns a record's change rows.
func (c *Client) History(tb testing.TB, object, id string) []Change {
	tb.Helper()
	var out struct{ Data []Change }
	c.Must(tb, 200, "GET", "/api/v1/"+object+"/"+id+"/history", nil).JSON(tb, &out)
	return out.Data
}

// Change is one history row.
type Change struct {
	ID        string `json:"id"`
	ChangeSet string `json:"change_set"`
	Action    string `json:"action"`
	Field     string `json:"field"`
	OldValue  any    `json:"old_value"`
	NewValue  any    `json:"new_value"`
	ChangedBy string `json:"changed_by"`
	Origin    string `json:"origin"`
}

// JSON decodes the body into v, keeping numbers exact (json.Number).
func (r *Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		tb.Fatalf("decode %.500s: %v", r.Body, err)
	}
}

// Record decodes the body as a record.
func (r *Response) Record(tb testing.TB) Record {
	tb.Helper()
	var rec Record
	r.JSON(tb, &rec)
	return rec
}

// Problem is an RFC 9457 problem document as the API writes it.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// Locations returns the locations the problem names.
func (p Problem) Locations() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Location)
	}
	return out
}

// Names reports whether the problem names loc.
func (p Problem) Names(loc string) bool { return slices.Contains(p.Locations(), loc) }

// Problem decodes an error answer, failing the test unless it is
// application/problem+json whose status matches the answer's.
func (r *Response) Problem(tb testing.TB) Problem {
	tb.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		tb.Fatalf("error answered with Content-Type %q: %.500s", ct, r.Body)
	}
	var p Problem
	r.JSON(tb, &p)
	if p.Status != r.Status || p.Code == "" || p.Title == "" {
		tb.Fatalf("problem document %+v does not match status %d", p, r.Status)
	}
	return p
}

// Scenario is one request and what its answer must be, in the manner of
// PocketBase's tests.ApiScenario.
type Scenario struct {
	Name    string
	As      *Client // nil: the Env's workspace admin
	Method  string
	Path    string
	Body    any
	Headers []string // name, value pairs
	// Status is the expected status.
	Status int
	// Contains and NotContains are substrings of the body.
	Contains    []string
	NotContains []string
	// ErrorAt are locations the problem document must name
	// (errors[].location), e.g. "body.name" or "query.limit".
	ErrorAt []string
	// Code is the expected problem code, e.g. "forbidden".
	Code string
	// Check runs any further assertion.
	Check func(t *testing.T, r *Response)
}

// Run runs each scenario as a subtest.
func (e *Env) Run(t *testing.T, scenarios []Scenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) {
			c := s.As
			if c == nil {
				c = e.WS.Admin
			}
			r := c.Do(t, s.Method, s.Path, s.Body, s.Headers...)
			if r.Status != s.Status {
				t.Fatalf("%s %s: status %d, want %d: %.800s", s.Method, s.Path, r.Status, s.Status, r.Body)
			}
			if r.Status >= 400 {
				p := r.Problem(t)
				for _, loc := range s.ErrorAt {
					if !p.Names(loc) {
						t.Errorf("the problem names %v, not %s", p.Locations(), loc)
					}
				}
				if s.Code != "" && p.Code != s.Code {
					t.Errorf("problem code %q, want %q", p.Code, s.Code)
				}
			} else if len(s.ErrorAt) > 0 || s.Code != "" {
				t.Errorf("expected an error naming %v, got %d", s.ErrorAt, r.Status)
			}
			for _, sub := range s.Contains {
				if !bytes.Contains(r.Body, []byte(sub)) {
					t.Errorf("body lacks %q: %.800s", sub, r.Body)
				}
			}
			for _, sub := range s.NotContains {
				if bytes.Contains(r.Body, []byte(sub)) {
					t.Errorf("body has %q: %.800s", sub, r.Body)
				}
			}
			if s.Check != nil {
				s.Check(t, r)
			}
		})
	}
}

// errorLog is a slog handler that keeps error-level records.
type errorLog struct {
	mu    sync.Mutex
	lines []string
}

func (h *errorLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (h *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	h.lines = append(h.lines, b.String())
	h.mu.Unlock()
	return nil
}

func (h *errorLog) WithAttrs(as []slog.Attr) slog.Handler {
	return &errorLogChild{parent: h, attrs: as}
}

func (h *errorLog) WithGroup(string) slog.Handler { return h }

func (h *errorLog) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.lines
	h.lines = nil
	return out
}

// errorLogChild carries attributes added with With to the shared log.
type errorLogChild struct {
	parent *errorLog
	attrs  []slog.Attr
}

func (c *errorLogChild) Enabled(ctx context.Context, l slog.Level) bool {
	return c.parent.Enabled(ctx, l)
}

func (c *errorLogChild) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(c.attrs...)
	return c.parent.Handle(ctx, r)
}

func (c *errorLogChild) WithAttrs(as []slog.Attr) slog.Handler {
	return &errorLogChild{parent: c.parent, attrs: append(slices.Clone(c.attrs), as...)}
}

func (c *errorLogChild) WithGroup(string) slog.Handler { return c }
