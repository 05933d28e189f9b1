package apitest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
)

func TestETagsAndIfMatch(t *testing.T) {
	e := newEnv(t)
	w := e.workspace("Acme")
	c := w.Admin
	created := c.must("POST", "/api/v1/tags", map[string]any{"name": "Alpha"}, 201, nil)
	etag := created.Header.Get("ETag")
	var r record
	created.JSON(t, &r)
	id := r["id"].(string)
	if etag == "" || created.Header.Get("Location") != "/api/v1/tags/"+id {
		t.Fatalf("create: ETag %q Location %q", etag, created.Header.Get("Location"))
	}
	got := c.must("GET", "/api/v1/tags/"+id, nil, 200, nil)
	if got.Header.Get("ETag") != etag {
		t.Fatal("GET and POST disagree on the ETag")
	}
	if st := c.do("GET", "/api/v1/tags/"+id, nil, "If-None-Match", etag).Status; st != 304 {
		t.Fatalf("If-None-Match with the current ETag: %d", st)
	}
	upd := c.must("PATCH", "/api/v1/tags/"+id, map[string]any{"name": "Beta"}, 200, nil, "If-Match", etag)
	fresh := upd.Header.Get("ETag")
	if fresh == etag {
		t.Fatal("the ETag did not change with the write")
	}
	var hist struct{ Data []any }
	c.must("GET", "/api/v1/tags/"+id+"/history", nil, 200, &hist)
	before := len(hist.Data)
	stale := c.do("PATCH", "/api/v1/tags/"+id, map[string]any{"name": "Gamma"}, "If-Match", etag)
	if stale.Status != 412 || stale.problem(t).Code != "precondition_failed" {
		t.Fatalf("stale If-Match: %d %s", stale.Status, stale.Body)
	}
	if st := c.do("DELETE", "/api/v1/tags/"+id, nil, "If-Match", etag).Status; st != 412 {
		t.Fatalf("stale If-Match on DELETE: %d", st)
	}
	c.must("GET", "/api/v1/tags/"+id, nil, 200, &r)
	c.must("GET", "/api/v1/tags/"+id+"/history", nil, 200, &hist)
	if r["name"] != "Beta" || r["version"].(float64) != 2 || len(hist.Data) != before {
		t.Fatalf("a stale write changed something: %v, %d history rows (was %d)", r, len(hist.Data), before)
	}
	c.must("DELETE", "/api/v1/tags/"+id, nil, 204, nil, "If-Match", fresh)
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	c := e.workspace("Acme").Admin
	body := map[string]any{"name": "Once"}
	first := c.must("POST", "/api/v1/tags", body, 201, nil, "Idempotency-Key", "k-1")
	again := c.must("POST", "/api/v1/tags", body, 201, nil, "Idempotency-Key", "k-1")
	if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("ETag") != first.Header.Get("ETag") {
		t.Fatalf("the retry did not answer the first response:\n%s\n%s", first.Body, again.Body)
	}
	var l struct{ Data []record }
	c.must("GET", "/api/v1/tags", nil, 200, &l)
	if len(l.Data) != 1 {
		t.Fatalf("%d tags after a retried create, want 1", len(l.Data))
	}
	other := c.do("POST", "/api/v1/tags", map[string]any{"name": "Twice"}, "Idempotency-Key", "k-1")
	if other.Status != 422 || !other.problem(t).names("header.Idempotency-Key") {
		t.Fatalf("same key, other body: %d %s", other.Status, other.Body)
	}
	// A failed request is remembered too: the retry gets the same 422.
	bad1 := c.do("POST", "/api/v1/tags", map[string]any{"color": "red"}, "Idempotency-Key", "k-2")
	bad2 := c.do("POST", "/api/v1/tags", map[string]any{"color": "red"}, "Idempotency-Key", "k-2")
	if bad1.Status != 422 || bad2.Status != 422 || bad2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("failed create retried: %d then %d", bad1.Status, bad2.Status)
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	c := e.workspace("Acme").Admin
	id := c.createTag("Target")["id"].(string)
	deep := strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)
	cases := []struct {
		name, method, path string
		body               any
		ctype              string
		status             int
		loc                string
	}{
		{"malformed JSON", "POST", "/api/v1/tags", `{"name": "x",`, "", 400, "body"},
		{"array body", "POST", "/api/v1/tags", `[1,2]`, "", 400, "body"},
		{"null body", "POST", "/api/v1/tags", `null`, "", 400, "body"},
		{"empty body", "POST", "/api/v1/tags", ``, "", 400, "body"},
		{"unknown field", "POST", "/api/v1/tags", map[string]any{"name": "x", "colour": "#000000"}, "", 422, "body.colour"},
		{"read-only field", "PATCH", "/api/v1/tags/" + id, map[string]any{"created_at": "2020-01-01T00:00:00Z"}, "", 422, "body.created_at"},
		{"id in body", "POST", "/api/v1/tags", map[string]any{"name": "x", "id": id}, "", 422, "body.id"},
		{"wrong type", "POST", "/api/v1/tags", map[string]any{"name": 12}, "", 422, "body.name"},
		{"too long", "POST", "/api/v1/tags", map[string]any{"name": strings.Repeat("n", 101)}, "", 422, "body.name"},
		{"missing required", "POST", "/api/v1/tags", map[string]any{"color": "#000000"}, "", 422, "body.name"},
		{"invalid UTF-8", "POST", "/api/v1/tags", []byte("{\"name\":\"\xff\xfe\"}"), "", 400, "body"},
		{"deep nesting", "POST", "/api/v1/tags", deep, "", 400, "body"},
		{"huge body", "POST", "/api/v1/tags", `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, "", 413, ""},
		{"form content type", "POST", "/api/v1/tags", `name=x`, "application/x-www-form-urlencoded", 415, ""},
		{"unknown filter field", "GET", "/api/v1/tags?filter[nope][eq]=1", nil, "", 422, "query.filter[nope][eq]"},
		{"unknown operator", "GET", "/api/v1/tags?filter[name][like]=1", nil, "", 422, "query.filter[name][like]"},
		{"limit zero", "GET", "/api/v1/tags?limit=0", nil, "", 422, "query.limit"},
		{"limit too big", "GET", "/api/v1/tags?limit=501", nil, "", 422, "query.limit"},
		{"limit negative", "GET", "/api/v1/tags?limit=-1", nil, "", 422, "query.limit"},
		{"limit text", "GET", "/api/v1/tags?limit=abc", nil, "", 422, "query.limit"},
		{"malformed query string", "GET", "/api/v1/tags?cursor=%%%", nil, "", 400, "query"},
		{"broken cursor", "GET", "/api/v1/tags?cursor=%25%25%25", nil, "", 422, "query.cursor"},
		{"forged cursor", "GET", "/api/v1/tags?cursor=eyJzIjoiLW5hbWUifQ", nil, "", 422, "query.cursor"},
		{"unknown sort", "GET", "/api/v1/tags?sort=-nope", nil, "", 422, "query.sort"},
		{"unknown parameter", "GET", "/api/v1/tags?filtr=1", nil, "", 422, "query.filtr"},
		{"SQL in a filter", "GET", "/api/v1/tags?filter[name][eq]=x'%20OR%201=1--", nil, "", 200, ""},
		{"bad id", "GET", "/api/v1/tags/../../etc", nil, "", 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r *response
			if tc.ctype != "" {
				r = c.do(tc.method, tc.path, tc.body, "Content-Type", tc.ctype)
			} else {
				r = c.do(tc.method, tc.path, tc.body)
			}
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.Status, tc.status, r.Body)
			}
			if tc.status >= 400 && tc.status != 404 {
				p := r.problem(t)
				if tc.loc != "" && !p.names(tc.loc) {
					t.Fatalf("errors %+v do not name %s", p.Errors, tc.loc)
				}
			}
			if tc.status == 200 && strings.Contains(string(r.Body), "Target") {
				t.Fatalf("SQL in a filter matched a record: %s", r.Body)
			}
		})
	}
	var l struct{ Data []record }
	c.must("GET", "/api/v1/tags", nil, 200, &l)
	if len(l.Data) != 1 {
		t.Fatalf("bad requests wrote records: %d tags", len(l.Data))
	}
	// Stored markup is returned as data, never interpreted.
	xss := `<script>alert(1)</script>`
	r := c.createTag(xss)
	if r["name"] != xss {
		t.Fatalf("markup was altered on the way in: %v", r["name"])
	}
}

func TestSignInRateLimitAndSessions(t *testing.T) {
	e := newEnv(t)
	w := e.workspace("Acme")
	email := "admin@acme.test"
	b := e.browser()
	for i := 0; i < 10; i++ {
		if st := b.do("POST", "/api/v1/session", map[string]any{"email": email, "password": "wrong-password"}).Status; st != 401 {
			t.Fatalf("wrong password #%d: %d", i+1, st)
		}
	}
	r := b.do("POST", "/api/v1/session", map[string]any{"email": email, "password": "password1"})
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("11th attempt: %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	e.clock.Advance(61 * time.Second)
	b.must("POST", "/api/v1/session", map[string]any{"email": email, "password": "password1"}, 200, nil)
	var me struct{ Email string }
	b.must("GET", "/api/v1/me", nil, 200, &me)
	if me.Email != email {
		t.Fatalf("/me is %q", me.Email)
	}
	// Cross-site requests with the session cookie are refused.
	if st := b.do("POST", "/api/v1/tags", map[string]any{"name": "csrf"}, "Sec-Fetch-Site", "cross-site").Status; st != 403 {
		t.Fatalf("cross-site POST: %d, want 403", st)
	}
	if st := b.do("POST", "/api/v1/tags", map[string]any{"name": "csrf"}, "Origin", "https://evil.example").Status; st != 403 {
		t.Fatalf("POST from another origin: %d, want 403", st)
	}
	b.must("POST", "/api/v1/tags", map[string]any{"name": "same-site"}, 201, nil, "Sec-Fetch-Site", "same-origin")
	b.must("DELETE", "/api/v1/session", nil, 204, nil)
	if st := b.do("GET", "/api/v1/me", nil).Status; st != 401 {
		t.Fatalf("/me after sign-out: %d", st)
	}
	// Password rules.
	for _, pw := range []string{"short77", strings.Repeat("p", 129)} {
		r := w.Admin.do("POST", "/api/v1/users", map[string]any{"email": "p@acme.test", "password": pw, "role_id": w.roles["sales"]})
		if r.Status != 422 || !r.problem(t).names("body.password") {
			t.Fatalf("password of %d characters: %d", len(pw), r.Status)
		}
	}
	// A deactivated user's token and session stop working at once.
	u := w.user("leaver@acme.test", "sales")
	ub := e.browser()
	ub.must("POST", "/api/v1/session", map[string]any{"email": "leaver@acme.test", "password": "password1"}, 200, nil)
	ub.must("GET", "/api/v1/me", nil, 200, nil)
	u.must("GET", "/api/v1/me", nil, 200, nil)
	w.Admin.must("PATCH", "/api/v1/users/"+u.id, map[string]any{"active": false}, 200, nil)
	if st := u.do("GET", "/api/v1/me", nil).Status; st != 401 {
		t.Fatalf("deactivated user's token: %d", st)
	}
	if st := ub.do("GET", "/api/v1/me", nil).Status; st != 401 {
		t.Fatalf("deactivated user's session: %d", st)
	}
	if st := e.browser().do("POST", "/api/v1/session", map[string]any{"email": "leaver@acme.test", "password": "password1"}).Status; st != 401 {
		t.Fatalf("deactivated user signing in: %d", st)
	}
}

func TestTwoFactor(t *testing.T) {
	e := newEnv(t)
	w := e.workspace("Acme")
	b := e.browser()
	login := map[string]any{"email": "admin@acme.test", "password": "password1"}
	b.must("POST", "/api/v1/session", login, 200, nil)
	var setup struct{ Secret string }
	b.must("POST", "/api/v1/me/totp", nil, 200, &setup)
	if r := b.do("POST", "/api/v1/me/totp/enable", map[string]any{"code": "000000"}); r.Status != 422 || !r.problem(t).names("body.code") {
		t.Fatalf("wrong code enabling 2FA: %d", r.Status)
	}
	code, err := totp.GenerateCode(setup.Secret, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.must("POST", "/api/v1/me/totp/enable", map[string]any{"code": code}, 204, nil)
	b.must("DELETE", "/api/v1/session", nil, 204, nil)

	var res struct {
		MFARequired bool `json:"mfa_required"`
	}
	b.must("POST", "/api/v1/session", login, 200, &res)
	if !res.MFARequired {
		t.Fatal("sign-in did not ask for the second factor")
	}
	if st := b.do("GET", "/api/v1/me", nil).Status; st != 401 {
		t.Fatalf("/me before the second factor: %d", st)
	}
	if st := b.do("POST", "/api/v1/session/totp", map[string]any{"code": "123456"}).Status; st != 422 {
		t.Fatalf("wrong TOTP code: %d", st)
	}
	code, _ = totp.GenerateCode(setup.Secret, e.clock.Now())
	b.must("POST", "/api/v1/session/totp", map[string]any{"code": code}, 200, nil)
	b.must("GET", "/api/v1/me", nil, 200, nil)
	_ = w
}

// TestOpenAPICoversEveryOperation: the document lists every registered
// route, and the reference page is served.
func TestOpenAPICoversEveryOperation(t *testing.T) {
	e := newEnv(t)
	c := &client{e: e, http: e.ts.Client()}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	c.must("GET", "/api/v1/openapi.json", nil, 200, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	n := 0
	for _, op := range e.srv.API.Ops() {
		if _, ok := doc.Paths[op.Path][strings.ToLower(op.Method)]; !ok {
			t.Errorf("%s %s is missing from the OpenAPI document", op.Method, op.Path)
		}
		n++
	}
	if n < 40 {
		t.Fatalf("only %d operations registered", n)
	}
	r := c.must("GET", "/api/docs", nil, 200, nil)
	if !strings.Contains(string(r.Body), "openapi.json") || strings.Contains(string(r.Body), "cdn") {
		t.Fatal("the API reference page should read the local document and use no CDN")
	}
}

// TestSessionSharedAcrossProcesses: a session made through one server
// process works on a second one sharing the same PostgreSQL.
func TestSessionSharedAcrossProcesses(t *testing.T) {
	if dbtest.Dialect() != db.Postgres {
		t.Skip("several server processes share a database on PostgreSQL only; SQLite is one process's file")
	}
	url := dbtest.URL(t)
	open := func() *db.DB {
		d, err := db.Open(context.Background(), db.Options{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return d
	}
	one, two := newEnvOn(t, open()), newEnvOn(t, open())
	one.workspace("Shared")
	b := one.browser()
	b.must("POST", "/api/v1/session", map[string]any{"email": "admin@shared.test", "password": "password1"}, 200, nil)
	var cookie *http.Cookie
	for _, ck := range b.http.Jar.Cookies(mustURL(t, one.ts.URL)) {
		if ck.Name == "rapport_session" {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	req, _ := http.NewRequest("GET", two.ts.URL+"/api/v1/me", nil)
	req.AddCookie(cookie)
	res, err := two.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("the second process answered %d to the first one's session", res.StatusCode)
	}
	// A job enqueued by one process is run once, by whichever claims it.
	ran := make(chan string, 2)
	for name, e := range map[string]*env{"one": one, "two": two} {
		e.srv.Jobs.Register("probe", func(ctx context.Context, _ json.RawMessage) error { ran <- name; return nil })
	}
	if err := one.srv.Jobs.Enqueue(context.Background(), one.srv.DB, "probe", nil, jobsOpts()); err != nil {
		t.Fatal(err)
	}
	n1, _ := two.srv.Jobs.RunOnce(context.Background())
	n2, _ := one.srv.Jobs.RunOnce(context.Background())
	if len(ran) != 1 || n1+n2 < 1 {
		t.Fatalf("the job ran %d times", len(ran))
	}
	_ = fmt.Sprint
}

// TestTrashPurgeJob: the purge job, run through the job queue, removes
// records that have been in the trash for more than 30 days, and only
// those.
func TestTrashPurgeJob(t *testing.T) {
	e := newEnv(t)
	c := e.workspace("Acme").Admin
	old := c.createTag("Old")["id"].(string)
	c.must("DELETE", "/api/v1/tags/"+old, nil, 204, nil)
	e.clock.Advance(20 * 24 * time.Hour)
	recent := c.createTag("Recent")["id"].(string)
	c.must("DELETE", "/api/v1/tags/"+recent, nil, 204, nil)
	e.clock.Advance(11 * 24 * time.Hour)
	ctx := context.Background()
	if err := e.srv.Jobs.Enqueue(ctx, e.srv.DB, "purge_trash", nil, jobsOpts()); err != nil {
		t.Fatal(err)
	}
	if n, err := e.srv.Jobs.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("ran %d jobs, %v", n, err)
	}
	var trash struct{ Data []record }
	c.must("GET", "/api/v1/tags/trash", nil, 200, &trash)
	if len(trash.Data) != 1 || trash.Data[0]["id"] != recent {
		t.Fatalf("after the purge the trash holds %v, want only the recent tag", trash.Data)
	}
	if st := c.do("POST", "/api/v1/tags/"+old+"/restore", nil).Status; st != 404 {
		t.Fatalf("restoring a purged tag: %d", st)
	}
	c.must("POST", "/api/v1/tags/"+recent+"/restore", nil, 200, nil)
}
