// Package apitest exercises the REST API end to end, through HTTP, on a
// real database of the dialect under test.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/server"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is a settable time source shared by the server and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t     *testing.T
	srv   *server.Server
	ts    *httptest.Server
	clock *clock
	ws    map[string]*wsEnv // by workspace name
}

type wsEnv struct {
	ID    string
	Admin *client
	roles map[string]string // builtin key → role id
}

type client struct {
	e     *env
	token string
	http  *http.Client
	email string
	id    string
}

func newEnvOn(t *testing.T, d *db.DB) *env {
	t.Helper()
	c := &clock{t: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}
	s, err := server.New(config.Default(), d, slog.New(slog.NewTextHandler(io.Discard, nil)), c.Now)
	if err != nil {
		t.Fatal(err)
	}
	s.Auth.Argon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &env{t: t, srv: s, ts: ts, clock: c, ws: map[string]*wsEnv{}}
}

func newEnv(t *testing.T) *env { return newEnvOn(t, dbtest.Open(t)) }

// workspace creates a workspace with its admin (a token client).
func (e *env) workspace(name string) *wsEnv {
	e.t.Helper()
	ctx := context.Background()
	email := "admin@" + strings.ToLower(strings.ReplaceAll(name, " ", "")) + ".test"
	w, u, err := e.srv.Auth.Setup(ctx, auth.SetupInput{Workspace: name, Email: email, Password: "password1", Name: name + " Admin"})
	if err != nil {
		e.t.Fatal(err)
	}
	we := &wsEnv{ID: w.ID, roles: map[string]string{}}
	we.Admin = e.tokenClient(w.ID, u.ID, email)
	var roles struct {
		Data []struct{ ID, Builtin string }
	}
	we.Admin.must("GET", "/api/v1/roles", nil, 200, &roles)
	for _, r := range roles.Data {
		we.roles[r.Builtin] = r.ID
	}
	e.ws[name] = we
	return we
}

func (e *env) tokenClient(ws, userID, email string) *client {
	e.t.Helper()
	p, err := e.srv.Auth.Principal(context.Background(), ws, userID)
	if err != nil {
		e.t.Fatal(err)
	}
	_, secret, err := e.srv.Auth.CreateToken(context.Background(), p, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return &client{e: e, token: secret, http: e.ts.Client(), email: email, id: userID}
}

// user creates a user with a role (a builtin key or a role id) and
// returns a token client acting as them.
func (w *wsEnv) user(email, role string) *client {
	w.Admin.e.t.Helper()
	roleID := w.roles[role]
	if roleID == "" {
		roleID = role
	}
	var out struct{ User struct{ ID string } }
	w.Admin.must("POST", "/api/v1/users", map[string]any{"email": email, "name": email, "password": "password1", "role_id": roleID}, 201, &out)
	return w.Admin.e.tokenClient(w.ID, out.User.ID, email)
}

// browser returns a cookie-keeping client with no token.
func (e *env) browser() *client {
	jar, _ := cookiejar.New(nil)
	hc := e.ts.Client()
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{e: e, http: hc}
}

type response struct {
	Status int
	Body   []byte
	Header http.Header
}

func (r *response) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (c *client) do(method, path string, body any, headers ...string) *response {
	c.e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.e.ts.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 {
		c.e.t.Fatalf("%s %s answered %d: %s", method, path, res.StatusCode, b)
	}
	return &response{Status: res.StatusCode, Body: b, Header: res.Header}
}

// must does a request, checks the status and decodes the body into out.
func (c *client) must(method, path string, body any, status int, out any, headers ...string) *response {
	c.e.t.Helper()
	r := c.do(method, path, body, headers...)
	if r.Status != status {
		c.e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, status, r.Body)
	}
	if out != nil {
		r.JSON(c.e.t, out)
	}
	return r
}

type record map[string]any

func (c *client) createTag(name string, extra ...any) record {
	c.e.t.Helper()
	body := map[string]any{"name": name}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	var r record
	c.must("POST", "/api/v1/tags", body, 201, &r)
	return r
}

// problem is the shape of every error answer.
type problem struct {
	Status int
	Code   string
	Errors []struct{ Location, Message string }
}

func (r *response) problem(t *testing.T) problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("error answered with Content-Type %q: %s", ct, r.Body)
	}
	var p problem
	r.JSON(t, &p)
	return p
}

func (p problem) names(loc string) bool {
	for _, e := range p.Errors {
		if e.Location == loc {
			return true
		}
	}
	return false
}
