package server_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

const sessionCookie = "rapport_session"

// TestSignInRateLimit: ten wrong passwords within a minute answer 401;
// the eleventh attempt — even with the right password — answers 429 with
// Retry-After; once the minute has passed the right password works.
func TestSignInRateLimit(t *testing.T) {
	e := servertest.New(t)
	email := "admin@acme.test"
	b := e.Browser()
	for i := 0; i < 10; i++ {
		r := b.Do(t, "POST", "/api/v1/session", map[string]any{"email": email, "password": "wrong-password"})
		if r.Status != 401 || r.Problem(t).Code != "unauthorized" {
			t.Fatalf("wrong password #%d: %d", i+1, r.Status)
		}
		e.Clock.Advance(time.Second)
	}
	// The same answer for an unknown e-mail: sign-in tells nothing about
	// which accounts exist.
	unknown := b.Do(t, "POST", "/api/v1/session", map[string]any{"email": "nobody@acme.test", "password": "wrong-password"})
	if unknown.Status != 401 || unknown.Problem(t).Detail != b.Do(t, "POST", "/api/v1/session", map[string]any{"email": "other@acme.test", "password": "x"}).Problem(t).Detail {
		t.Fatalf("unknown e-mail: %d", unknown.Status)
	}
	r := b.Do(t, "POST", "/api/v1/session", map[string]any{"email": email, "password": servertest.Password})
	if r.Status != 429 || r.Problem(t).Code != "too_many_requests" {
		t.Fatalf("11th attempt: %d %s", r.Status, r.Body)
	}
	// The first failure was 10 s ago: it leaves the window in 50 s.
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra != 50 {
		t.Fatalf("Retry-After %q, want 50", r.Header.Get("Retry-After"))
	}
	if b.Cookie(sessionCookie) != "" {
		t.Fatal("a refused sign-in set a session cookie")
	}
	// Another account from the same address is not blocked.
	e.WS.User(t, "sales")
	var users struct{ Data []struct{ Email string } }
	e.WS.Admin.Must(t, 200, "GET", "/api/v1/users", nil).JSON(t, &users)
	var other string
	for _, u := range users.Data {
		if u.Email != email {
			other = u.Email
		}
	}
	e.Browser().SignIn(t, other, servertest.Password)

	e.Clock.Advance(49 * time.Second)
	if r := b.Do(t, "POST", "/api/v1/session", map[string]any{"email": email, "password": servertest.Password}); r.Status != 429 {
		t.Fatalf("one second before the window ends: %d", r.Status)
	}
	e.Clock.Advance(2 * time.Second)
	b.SignIn(t, email, servertest.Password)
	var me struct{ Email string }
	b.Must(t, 200, "GET", "/api/v1/me", nil).JSON(t, &me)
	if me.Email != email {
		t.Fatalf("/me is %q", me.Email)
	}
}

// TestSessions: the cookie from sign-in authenticates; sign-in renews the
// session token; sign-out ends the session on the server, so a copy of
// the old cookie no longer works.
func TestSessions(t *testing.T) {
	e := servertest.New(t)
	b := e.Browser()
	e.Run(t, []servertest.Scenario{
		{Name: "before sign-in", As: b, Method: "GET", Path: "/api/v1/me", Status: 401},
		{Name: "wrong password", As: b, Method: "POST", Path: "/api/v1/session", Body: map[string]any{"email": "admin@acme.test", "password": "nope-nope"}, Status: 401},
		{Name: "missing password", As: b, Method: "POST", Path: "/api/v1/session", Body: map[string]any{"email": "admin@acme.test"}, Status: 401},
	})
	r := b.SignIn(t, "ADMIN@acme.test", servertest.Password) // e-mail case does not matter
	if !strings.Contains(r.Header.Get("Set-Cookie"), "HttpOnly") || !strings.Contains(r.Header.Get("Set-Cookie"), "SameSite=Lax") {
		t.Fatalf("session cookie %q", r.Header.Get("Set-Cookie"))
	}
	first := b.Cookie(sessionCookie)
	if first == "" {
		t.Fatal("no session cookie")
	}
	b.Must(t, 200, "GET", "/api/v1/me", nil)
	b.Must(t, 201, "POST", "/api/v1/tags", map[string]any{"name": "by session"}, "Sec-Fetch-Site", "same-origin")

	// Signing in again gives a new token and retires the old one.
	b.SignIn(t, "admin@acme.test", servertest.Password)
	second := b.Cookie(sessionCookie)
	if second == first {
		t.Fatal("sign-in did not renew the session token")
	}
	if st := withCookie(t, e, first).Status; st != 401 {
		t.Fatalf("the session token from before the renewal: %d", st)
	}
	b.Must(t, 204, "DELETE", "/api/v1/session", nil)
	b.Must(t, 401, "GET", "/api/v1/me", nil)
	if st := withCookie(t, e, second).Status; st != 401 {
		t.Fatalf("a copy of the cookie after sign-out: %d", st)
	}
	// Session expiry is enforced by the server's clock.
	b.SignIn(t, "admin@acme.test", servertest.Password)
	b.Must(t, 200, "GET", "/api/v1/me", nil)
	e.Clock.Advance(31 * 24 * time.Hour)
	b.Must(t, 401, "GET", "/api/v1/me", nil)
}

func withCookie(t *testing.T, e *servertest.Env, value string) *servertest.Response {
	t.Helper()
	return e.Anonymous().Do(t, "GET", "/api/v1/me", nil, "Cookie", sessionCookie+"="+value)
}

// TestTwoFactor: after enabling TOTP with a code from the secret, sign-in
// asks for the second factor and the session is not signed in until a
// valid code is given; wrong codes count toward the rate limit.
func TestTwoFactor(t *testing.T) {
	e := servertest.New(t)
	user := e.WS.User(t, "sales")
	b := e.Browser()
	login := map[string]any{"email": user.Email, "password": servertest.Password}
	b.SignIn(t, user.Email, servertest.Password)
	var setup struct {
		Secret string `json:"secret"`
		URL    string `json:"otpauth_url"`
	}
	b.Must(t, 200, "POST", "/api/v1/me/totp", nil).JSON(t, &setup)
	if setup.Secret == "" || !strings.HasPrefix(setup.URL, "otpauth://totp/") {
		t.Fatalf("setup answered %+v", setup)
	}
	code := func() string {
		c, err := totp.GenerateCode(setup.Secret, e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	wrong := func() string { // a well-formed code valid in no accepted period
		valid := map[string]bool{}
		for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
			c, _ := totp.GenerateCode(setup.Secret, e.Clock.Now().Add(d))
			valid[c] = true
		}
		for n := 0; ; n++ {
			if c := strconv.Itoa(100000 + n); !valid[c] {
				return c
			}
		}
	}
	e.Run(t, []servertest.Scenario{
		{Name: "enable with a wrong code", As: b, Method: "POST", Path: "/api/v1/me/totp/enable", Body: map[string]any{"code": wrong()}, Status: 422, ErrorAt: []string{"body.code"}},
		{Name: "still off", As: b, Method: "GET", Path: "/api/v1/me", Status: 200, Contains: []string{`"totp_enabled":false`}},
		{Name: "enable", As: b, Method: "POST", Path: "/api/v1/me/totp/enable", Body: map[string]any{"code": code()}, Status: 204},
		{Name: "on", As: b, Method: "GET", Path: "/api/v1/me", Status: 200, Contains: []string{`"totp_enabled":true`}},
		{Name: "sign out", As: b, Method: "DELETE", Path: "/api/v1/session", Status: 204},
		{Name: "second factor without a password first", As: e.Browser(), Method: "POST", Path: "/api/v1/session/totp", Body: map[string]any{"code": code()}, Status: 401},
		{Name: "password", As: b, Method: "POST", Path: "/api/v1/session", Body: login, Status: 200, Contains: []string{`"mfa_required":true`}},
		{Name: "not signed in yet", As: b, Method: "GET", Path: "/api/v1/me", Status: 401},
		{Name: "no API either", As: b, Method: "GET", Path: "/api/v1/tags", Status: 401},
		{Name: "wrong code", As: b, Method: "POST", Path: "/api/v1/session/totp", Body: map[string]any{"code": wrong()}, Status: 422, ErrorAt: []string{"body.code"}},
		{Name: "not a code", As: b, Method: "POST", Path: "/api/v1/session/totp", Body: map[string]any{"code": "abc"}, Status: 422},
		{Name: "still not signed in", As: b, Method: "GET", Path: "/api/v1/me", Status: 401},
	})
	pending := b.Cookie(sessionCookie)
	b.Must(t, 200, "POST", "/api/v1/session/totp", map[string]any{"code": code()})
	b.Must(t, 200, "GET", "/api/v1/me", nil)
	if b.Cookie(sessionCookie) == pending {
		t.Fatal("finishing the second factor did not renew the session token")
	}
	// The user's API token is not affected by two-factor sign-in.
	user.Must(t, 200, "GET", "/api/v1/me", nil)

	t.Run("wrong codes are rate limited", func(t *testing.T) {
		b2 := e.Browser()
		b2.Must(t, 200, "POST", "/api/v1/session", login)
		for i := 0; i < 8; i++ { // 2 failures above, 8 here: 10 in the window
			b2.Must(t, 422, "POST", "/api/v1/session/totp", map[string]any{"code": wrong()})
		}
		r := b2.Do(t, "POST", "/api/v1/session/totp", map[string]any{"code": code()})
		if r.Status != 429 || r.Header.Get("Retry-After") == "" {
			t.Fatalf("11th second-factor attempt: %d", r.Status)
		}
		b2.Must(t, 401, "GET", "/api/v1/me", nil)
	})

	t.Run("disable", func(t *testing.T) {
		b.Must(t, 422, "POST", "/api/v1/me/totp/disable", map[string]any{"password": "not-my-password"})
		b.Must(t, 204, "POST", "/api/v1/me/totp/disable", map[string]any{"password": servertest.Password})
		e.Clock.Advance(2 * time.Minute) // leave the rate-limit window
		b3 := e.Browser()
		b3.Must(t, 200, "POST", "/api/v1/session", login)
		b3.Must(t, 200, "GET", "/api/v1/me", nil)
	})
}

// TestDeactivation: a deactivated user's token and session stop working
// at once, and they cannot sign in; reactivated, they can again.
func TestDeactivation(t *testing.T) {
	e := servertest.New(t)
	u := e.WS.User(t, "sales")
	b := e.Browser()
	b.SignIn(t, u.Email, servertest.Password)
	b.Must(t, 200, "GET", "/api/v1/me", nil)
	u.Must(t, 200, "GET", "/api/v1/me", nil)
	e.WS.Admin.Must(t, 200, "PATCH", "/api/v1/users/"+u.UserID, map[string]any{"active": false})
	e.Run(t, []servertest.Scenario{
		{Name: "token", As: u, Method: "GET", Path: "/api/v1/tags", Status: 401},
		{Name: "session", As: b, Method: "GET", Path: "/api/v1/me", Status: 401},
		{Name: "sign-in", As: e.Browser(), Method: "POST", Path: "/api/v1/session", Body: map[string]any{"email": u.Email, "password": servertest.Password}, Status: 401},
		{Name: "an admin cannot deactivate themself", Method: "PATCH", Path: "/api/v1/users/" + e.WS.Admin.UserID, Body: map[string]any{"active": false}, Status: 422, ErrorAt: []string{"body.active"}},
		{Name: "nor drop their own admin role", Method: "PATCH", Path: "/api/v1/users/" + e.WS.Admin.UserID, Body: map[string]any{"role_id": e.WS.Roles["sales"]}, Status: 422, ErrorAt: []string{"body.role_id"}},
	})
	e.WS.Admin.Must(t, 200, "PATCH", "/api/v1/users/"+u.UserID, map[string]any{"active": true})
	u.Must(t, 200, "GET", "/api/v1/me", nil)

	// A revoked token stops at once too; a user may not revoke another's.
	var toks struct{ Data []struct{ ID string } }
	u.Must(t, 200, "GET", "/api/v1/tokens", nil).JSON(t, &toks)
	if len(toks.Data) != 1 {
		t.Fatalf("the user sees %d tokens", len(toks.Data))
	}
	other := e.WS.User(t, "sales")
	other.Must(t, 404, "DELETE", "/api/v1/tokens/"+toks.Data[0].ID, nil)
	u.Must(t, 200, "GET", "/api/v1/me", nil)
	u.Must(t, 204, "DELETE", "/api/v1/tokens/"+toks.Data[0].ID, nil)
	u.Must(t, 401, "GET", "/api/v1/me", nil)
}

// TestPasswordRules: passwords are 8 to 128 characters (not bytes),
// wherever they are set.
func TestPasswordRules(t *testing.T) {
	e := servertest.New(t)
	w := e.WS
	user := func(email, pw string) map[string]any {
		return map[string]any{"email": email, "password": pw, "role_id": w.Roles["sales"]}
	}
	long := strings.Repeat("密", 128) // 384 bytes, 128 characters
	e.Run(t, []servertest.Scenario{
		{Name: "7 characters", Method: "POST", Path: "/api/v1/users", Body: user("p7@acme.test", "short77"), Status: 422, ErrorAt: []string{"body.password"}},
		{Name: "129 characters", Method: "POST", Path: "/api/v1/users", Body: user("p129@acme.test", strings.Repeat("p", 129)), Status: 422, ErrorAt: []string{"body.password"}},
		{Name: "129 wide characters", Method: "POST", Path: "/api/v1/users", Body: user("w129@acme.test", long+"密"), Status: 422, ErrorAt: []string{"body.password"}},
		{Name: "8 characters", Method: "POST", Path: "/api/v1/users", Body: user("p8@acme.test", "eight888"), Status: 201},
		{Name: "128 wide characters", Method: "POST", Path: "/api/v1/users", Body: user("w128@acme.test", long), Status: 201},
		{Name: "reset to 7", Method: "PATCH", Path: "/api/v1/users/" + w.Admin.UserID, Body: map[string]any{"password": "short77"}, Status: 422, ErrorAt: []string{"body.password"}},
		{Name: "change own to 129", Method: "POST", Path: "/api/v1/me/password", Body: map[string]any{"current_password": servertest.Password, "new_password": strings.Repeat("x", 129)}, Status: 422, ErrorAt: []string{"body.new_password"}},
		{Name: "change own with a wrong current", Method: "POST", Path: "/api/v1/me/password", Body: map[string]any{"current_password": "not-it-at-all", "new_password": "a-good-password"}, Status: 422, ErrorAt: []string{"body.current_password"}},
	})
	e.Browser().SignIn(t, "w128@acme.test", long)
	e.Browser().SignIn(t, "p8@acme.test", "eight888")
	// Nothing was stored for the refused ones.
	var users struct{ Data []struct{ Email string } }
	w.Admin.Must(t, 200, "GET", "/api/v1/users", nil).JSON(t, &users)
	for _, u := range users.Data {
		if u.Email == "p7@acme.test" || u.Email == "p129@acme.test" || u.Email == "w129@acme.test" {
			t.Fatalf("refused user %s was created", u.Email)
		}
	}
	e.Browser().SignIn(t, "admin@acme.test", servertest.Password)
}

// TestConcurrentSignIns: sign-ins for unknown e-mails (which hash a dummy
// password to spend the same time) and real ones run at once without a
// data race (run with -race).
func TestConcurrentSignIns(t *testing.T) {
	e := servertest.New(t)
	var wg sync.WaitGroup
	statuses := make([]int, 24)
	start := make(chan struct{})
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			email := "admin@acme.test"
			if i%4 != 3 {
				email = "ghost" + strconv.Itoa(i) + "@acme.test"
			}
			if r, err := e.Browser().Send("POST", "/api/v1/session", map[string]any{"email": email, "password": servertest.Password}); err == nil {
				statuses[i] = r.Status
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, st := range statuses {
		if want := map[bool]int{true: 401, false: 200}[i%4 != 3]; st != want {
			t.Fatalf("sign-in %d: %d, want %d", i, st, want)
		}
	}
}

// TestCrossSiteRequests: a state-changing request a browser marks as
// cross-site, or from another origin, is refused with 403 before it is
// served; same-origin requests and safe methods go through.
func TestCrossSiteRequests(t *testing.T) {
	e := servertest.New(t)
	b := e.Browser()
	b.SignIn(t, "admin@acme.test", servertest.Password)
	tag := b.Create(t, "tags", map[string]any{"name": "Mine"})
	self := e.HTTP.URL
	e.Run(t, []servertest.Scenario{
		{Name: "cross-site POST", As: b, Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "csrf1"}, Headers: []string{"Sec-Fetch-Site", "cross-site"}, Status: 403},
		{Name: "same-site POST", As: b, Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "csrf2"}, Headers: []string{"Sec-Fetch-Site", "same-site"}, Status: 403},
		{Name: "cross-site PATCH", As: b, Method: "PATCH", Path: "/api/v1/tags/" + tag.ID(), Body: map[string]any{"name": "csrf3"}, Headers: []string{"Sec-Fetch-Site", "cross-site"}, Status: 403},
		{Name: "cross-site DELETE", As: b, Method: "DELETE", Path: "/api/v1/tags/" + tag.ID(), Headers: []string{"Sec-Fetch-Site", "cross-site"}, Status: 403},
		{Name: "other origin POST", As: b, Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "csrf4"}, Headers: []string{"Origin", "https://evil.example"}, Status: 403},
		{Name: "other port POST", As: b, Method: "POST", Path: "/api/v1/users", Body: map[string]any{"email": "x@acme.test", "role_id": e.WS.Roles["admin"]}, Headers: []string{"Origin", "http://127.0.0.1:1"}, Status: 403},
		{Name: "cross-site sign-out", As: b, Method: "DELETE", Path: "/api/v1/session", Headers: []string{"Sec-Fetch-Site", "cross-site"}, Status: 403},
		{Name: "cross-site sign-in", As: e.Browser(), Method: "POST", Path: "/api/v1/session", Body: map[string]any{"email": "admin@acme.test", "password": servertest.Password}, Headers: []string{"Sec-Fetch-Site", "cross-site"}, Status: 403},
		{Name: "cross-site GET is fine", As: b, Method: "GET", Path: "/api/v1/tags/" + tag.ID(), Headers: []string{"Sec-Fetch-Site", "cross-site"}, Status: 200},
		{Name: "same-origin POST", As: b, Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "ok1"}, Headers: []string{"Sec-Fetch-Site", "same-origin"}, Status: 201},
		{Name: "own origin POST", As: b, Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "ok2"}, Headers: []string{"Origin", self}, Status: 201},
	})
	names := map[string]bool{}
	for _, r := range b.List(t, "/api/v1/tags").Data {
		names[r["name"].(string)] = true
	}
	if len(names) != 3 || !names["Mine"] || !names["ok1"] || !names["ok2"] {
		t.Fatalf("after the refused requests the tags are %v", names)
	}
	b.Must(t, 200, "GET", "/api/v1/me", nil) // the refused sign-out did not sign out
}

// TestTwoProcessesShareSessions: a session made through one server
// process works on a second sharing the same PostgreSQL, and sign-out,
// sign-in limits and idempotency keys are shared too.
func TestTwoProcessesShareSessions(t *testing.T) {
	if dbtest.Dialect() != db.Postgres {
		t.Skip("several server processes share one database on PostgreSQL only; an SQLite file belongs to one process")
	}
	url := dbtest.URL(t)
	open := func() *db.DB {
		d, err := db.Open(context.Background(), db.Options{URL: url, MaxConns: 5})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return d
	}
	one := servertest.NewOn(t, open(), nil)
	two := servertest.NewOn(t, open(), one.Clock)
	ws := one.AddWorkspace("Shared")

	b := one.Browser()
	b.SignIn(t, "admin@shared.test", servertest.Password)
	cookie := b.Cookie(sessionCookie)
	on := func(e *servertest.Env) *servertest.Response {
		return e.Anonymous().Do(t, "GET", "/api/v1/me", nil, "Cookie", sessionCookie+"="+cookie)
	}
	if r := on(two); r.Status != 200 || !strings.Contains(string(r.Body), "admin@shared.test") {
		t.Fatalf("the second process answered %d to the first one's session", r.Status)
	}
	// Signing out through the second process ends it on the first.
	req := two.Anonymous()
	req.Must(t, 204, "DELETE", "/api/v1/session", nil, "Cookie", sessionCookie+"="+cookie)
	if st := on(one).Status; st != 401 {
		t.Fatalf("after sign-out on the second process the first answered %d", st)
	}

	// Failed sign-ins count across processes.
	for i := 0; i < 10; i++ {
		p := []*servertest.Env{one, two}[i%2]
		p.Browser().Must(t, 401, "POST", "/api/v1/session", map[string]any{"email": "admin@shared.test", "password": "wrong-password"})
	}
	if r := two.Browser().Do(t, "POST", "/api/v1/session", map[string]any{"email": "admin@shared.test", "password": servertest.Password}); r.Status != 429 {
		t.Fatalf("the 11th attempt, spread over two processes: %d", r.Status)
	}

	// An idempotent retry that lands on the other process is a replay.
	tok := two.WithToken(ws.Admin.Token)
	first := ws.Admin.Must(t, 201, "POST", "/api/v1/tags", map[string]any{"name": "Once"}, "Idempotency-Key", "k")
	again := tok.Must(t, 201, "POST", "/api/v1/tags", map[string]any{"name": "Once"}, "Idempotency-Key", "k")
	if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
		t.Fatal("the retry on the second process was not a replay")
	}
	if n := len(tok.List(t, "/api/v1/tags").Data); n != 1 {
		t.Fatalf("%d tags", n)
	}
}
