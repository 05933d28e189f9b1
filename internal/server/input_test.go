package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestBadInput: malformed and hostile bodies get a clear problem+json
// answer naming what is wrong, never a 5xx, and write nothing.
func TestBadInput(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	id := c.CreateTag(t, "Target").ID()
	deep := strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)
	deepArray := `{"name":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`
	huge := `{"name":"` + strings.Repeat("x", api.MaxBody) + `"}`
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}
	bad := func(name, method, path string, body any, status int, loc string, headers ...string) servertest.Scenario {
		s := servertest.Scenario{Name: name, Method: method, Path: path, Body: body, Headers: headers, Status: status}
		if loc != "" {
			s.ErrorAt = []string{loc}
		}
		return s
	}
	e.Run(t, []servertest.Scenario{
		bad("malformed JSON", "POST", "/api/v1/tags", `{"name": "x",`, 400, "body"),
		bad("malformed JSON on a typed body", "POST", "/api/v1/teams", `{"name": }`, 400, "body"),
		bad("JSON array", "POST", "/api/v1/tags", `[{"name":"x"}]`, 400, "body"),
		bad("JSON array on a typed body", "POST", "/api/v1/teams", `[{"name":"x"}]`, 400, "body"),
		bad("JSON string", "POST", "/api/v1/tags", `"name"`, 400, "body"),
		bad("null", "POST", "/api/v1/tags", `null`, 400, "body"),
		bad("empty", "POST", "/api/v1/tags", ``, 400, "body"),
		bad("two objects", "POST", "/api/v1/tags", `{"name":"a"}{"name":"b"}`, 400, "body"),
		bad("invalid UTF-8", "POST", "/api/v1/tags", []byte("{\"name\":\"\xff\xfe\"}"), 400, "body"),
		bad("nested 100 levels", "POST", "/api/v1/tags", deep, 400, "body"),
		bad("nested arrays", "PATCH", "/api/v1/tags/"+id, deepArray, 400, "body"),
		bad("nested 100 levels on a typed body", "POST", "/api/v1/custom_fields", deep, 400, "body"),
		bad("body over 1 MB", "POST", "/api/v1/tags", huge, 413, ""),
		bad("body over 1 MB with an idempotency key", "POST", "/api/v1/tags", huge, 413, "", "Idempotency-Key", "big"),
		bad("body over 1 MB on a typed body", "POST", "/api/v1/teams", huge, 413, ""),
		bad("form content type", "POST", "/api/v1/tags", `name=x`, 415, "", form...),
		bad("text content type", "PATCH", "/api/v1/tags/"+id, `{"name":"x"}`, 415, "", "Content-Type", "text/plain"),
		bad("multipart content type", "POST", "/api/v1/teams", `{"name":"x"}`, 415, "", "Content-Type", "multipart/form-data; boundary=x"),
		bad("garbled content type", "POST", "/api/v1/tags", `{"name":"x"}`, 415, "", "Content-Type", ";;;"),
		bad("unknown field", "POST", "/api/v1/tags", map[string]any{"name": "x", "colour": "#000000"}, 422, "body.colour"),
		bad("unknown field on a typed body", "POST", "/api/v1/teams", map[string]any{"name": "x", "leader": "me"}, 422, "body.leader"),
		bad("unknown field on PATCH", "PATCH", "/api/v1/tags/"+id, map[string]any{"nmae": "x"}, 422, "body.nmae"),
		bad("wrong JSON type", "POST", "/api/v1/tags", map[string]any{"name": 12}, 422, "body.name"),
		bad("wrong JSON type on a typed body", "POST", "/api/v1/teams", map[string]any{"name": 12}, 422, "body.name"),
		bad("wrong nested type", "POST", "/api/v1/roles", map[string]any{"name": "R", "permissions": map[string]any{"tags": map[string]any{"read": "yes"}}}, 422, "body.permissions.tags.read"),
		bad("NUL in a record field", "POST", "/api/v1/tags", `{"name":"a\u0000b"}`, 422, "body.name"),
		bad("NUL in a team name", "POST", "/api/v1/teams", `{"name":"a\u0000b"}`, 422, "body.name"),
		bad("NUL in a nested label", "POST", "/api/v1/custom_fields", `{"object":"tags","name":"n","type":"text","labels":{"en":"a\u0000"}}`, 422, "body.labels.en"),
		bad("NUL in an option", "POST", "/api/v1/custom_fields", `{"object":"tags","name":"n","type":"select","labels":{"en":"N"},"options":[{"value":"x"},{"value":"\u0000"}]}`, 422, "body.options[1].value"),
		bad("NUL in an e-mail at sign-in", "POST", "/api/v1/session", `{"email":"admin@acme.test\u0000","password":"password1"}`, 422, "body.email"),
		bad("NUL in a query", "GET", "/api/v1/tags?q=a%00b", nil, 422, "query.q"),
		bad("NUL in a filter", "GET", "/api/v1/tags?filter[name][eq]=a%00b", nil, 422, "query.filter[name][eq]"),
		bad("NUL in the trash's query", "GET", "/api/v1/tags/trash?q=%00", nil, 422, "query.q"),
		bad("invalid UTF-8 in a query", "GET", "/api/v1/tags?q=%FF", nil, 400, "query.q"),
		bad("malformed query string", "GET", "/api/v1/tags?q=%%%", nil, 400, "query"),
		bad("read-only field", "PATCH", "/api/v1/tags/"+id, map[string]any{"created_at": "2020-01-01T00:00:00Z"}, 422, "body.created_at"),
		bad("id in the body", "POST", "/api/v1/tags", map[string]any{"name": "x", "id": id}, 422, "body.id"),
		bad("version in the body", "PATCH", "/api/v1/tags/"+id, map[string]any{"version": 7}, 422, "body.version"),
		bad("missing required", "POST", "/api/v1/tags", map[string]any{"color": "#000000"}, 422, "body.name"),
		bad("too long", "POST", "/api/v1/tags", map[string]any{"name": strings.Repeat("n", 101)}, 422, "body.name"),
		bad("bad id in the path", "GET", "/api/v1/tags/not-an-id", nil, 404, ""),
		bad("unknown object", "GET", "/api/v1/planets", nil, 404, ""),
		bad("unknown API version", "POST", "/api/v2/tags", map[string]any{"name": "x"}, 404, ""),
		{Name: "method not allowed", Method: "PUT", Path: "/api/v1/tags/" + id, Body: map[string]any{"name": "x"}, Status: 405,
			Check: func(t *testing.T, r *servertest.Response) {
				if a := r.Header.Get("Allow"); a != "GET, PATCH, DELETE" {
					t.Errorf("Allow %q", a)
				}
			}},
		{Name: "charset is fine", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "utf8"}, Headers: []string{"Content-Type", "application/json; charset=utf-8"}, Status: 201},
		{Name: "+json is fine", Method: "PATCH", Path: "/api/v1/tags/" + id, Body: map[string]any{"description": "merge"}, Headers: []string{"Content-Type", "application/merge-patch+json"}, Status: 200},
		{Name: "no content type is taken as JSON", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "bare"}, Headers: []string{"Content-Type", ""}, Status: 201},
		{Name: "deep nesting inside a string is just text", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "braces", "description": strings.Repeat("{[", 200)}, Status: 201},
		{Name: "an escaped backslash-u is not a NUL", Method: "POST", Path: "/api/v1/tags", Body: `{"name":"slash \\u0000"}`, Status: 201, Contains: []string{`slash \\u0000`}},
		{Name: "SQL in a filter is a value", Method: "GET", Path: "/api/v1/tags?filter[name][eq]=x'%20OR%201=1--", Status: 200, NotContains: []string{"Target"}},
		{Name: "markup is stored as data", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "<script>alert(1)</script>"}, Status: 201,
			Contains: []string{`\u003cscript\u003ealert(1)\u003c/script\u003e`}},
	})
	names := map[string]bool{}
	for _, r := range c.List(t, "/api/v1/tags?limit=500").Data {
		names[r["name"].(string)] = true
	}
	for _, want := range []string{"Target", "utf8", "bare", "braces", `slash \u0000`, "<script>alert(1)</script>"} {
		delete(names, want)
	}
	if len(names) != 0 {
		t.Fatalf("refused requests wrote tags: %v", names)
	}
	var teams struct{ Data []any }
	c.Must(t, 200, "GET", "/api/v1/teams", nil).JSON(t, &teams)
	if len(teams.Data) != 0 {
		t.Fatalf("refused requests made %d teams", len(teams.Data))
	}
}

// TestEveryOperationRefusesBadInput sends the same bad inputs to every
// operation that takes a body and junk queries to every operation, as
// the admin: the basics answer alike everywhere (400 malformed, 415
// wrong type, 413 too large, 422 unknown member) and no hostile member
// value — NUL, wrong types, huge text, extreme numbers — gets a 5xx.
func TestEveryOperationRefusesBadInput(t *testing.T) {
	e := servertest.New(t)
	w := e.WS
	c := w.Admin
	// One of each thing an operation's path can name; the victims are
	// not the admin, so self-protection rules do not mask the checks.
	ids := map[string]string{
		"tags":          c.CreateTag(t, "Victim").ID(),
		"users":         w.User(t, "sales").UserID,
		"teams":         w.Team(t, "Victims"),
		"roles":         w.Role(t, "Victim role", map[string]any{"tags": map[string]any{"read": true, "scope": "all"}}),
		"custom_fields": "",
		"views":         "",
		"tokens":        "",
		"accounts":      c.Create(t, "accounts", map[string]any{"name": "Victim Inc"}).ID(),
		"contacts":      c.Create(t, "contacts", map[string]any{"given_name": "Vic", "family_name": "Tim"}).ID(),
		"activities":    c.Create(t, "activities", map[string]any{"type": "note", "subject": "Victim"}).ID(),
		"deals":         c.Create(t, "deals", map[string]any{"name": "Victim deal"}).ID(),
		"leads":         c.Create(t, "leads", map[string]any{"company": "Victim lead"}).ID(),
	}
	for k, v := range salesVictims(t, c) {
		ids[k] = v
	}
	var pls struct{ Data []struct{ ID string } }
	c.Must(t, 200, "GET", "/api/v1/pipelines", nil).JSON(t, &pls)
	ids["pipelines"] = pls.Data[0].ID
	var rate struct{ ID string }
	c.Must(t, 201, "POST", "/api/v1/exchange_rates", map[string]any{"currency": "EUR", "date": "2026-01-01", "rate": "1.1"}).JSON(t, &rate)
	ids["exchange_rates"] = rate.ID
	w.CustomField(t, "tags", "victim", "text", nil)
	var cf struct{ Data []struct{ ID string } }
	c.Must(t, 200, "GET", "/api/v1/custom_fields", nil).JSON(t, &cf)
	ids["custom_fields"] = cf.Data[0].ID
	var v struct{ ID string }
	c.Must(t, 201, "POST", "/api/v1/views", map[string]any{"object": "tags", "name": "Victim"}).JSON(t, &v)
	ids["views"] = v.ID
	var tok struct{ Token struct{ ID string } }
	c.Must(t, 201, "POST", "/api/v1/tokens", map[string]any{"name": "victim"}).JSON(t, &tok)
	ids["tokens"] = tok.Token.ID

	pathOf := func(p string) string {
		for res, id := range ids {
			p = strings.Replace(p, "/api/v1/"+res+"/{id}", "/api/v1/"+res+"/"+id, 1)
		}
		// Second-level ids (a relationship, an account of a contact, an
		// attachment) name nothing: the operations must still answer well.
		p = regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(p, missingID)
		return p
	}
	weird := []string{`"a\u0000b"`, `12`, `-1`, `1e308`, `true`, `null`, `{"x":"\u0000"}`, `["\u0000"]`, `"\ud800"`, `"💥"`, `""`,
		`"` + strings.Repeat("x", 5000) + `"`, `"` + missingID + `"`}
	ops := e.Server.API.Ops()
	if len(ops) < 40 {
		t.Fatalf("only %d operations registered", len(ops))
	}
	for _, op := range ops {
		if op.Path == "/api/v1/session" && op.Method == "DELETE" {
			continue // signs the caller out; it takes no input
		}
		path := pathOf(op.Path)
		if strings.HasSuffix(op.Path, "/{id}/purge") {
			// The sweep's DELETE put the record in the trash; purging it
			// would take it away from the operations after this one and
			// from the last check. A purge of no record must answer bad
			// input as well.
			path = strings.Replace(op.Path, "{id}", missingID, 1)
		}
		t.Run(op.Method+" "+op.Path, func(t *testing.T) {
			for _, q := range []string{"q=%00", "q=%FF", "filter[name][eq]=%00", "object=%00", "fields=%00", "sort=%00", "cursor=%00", "limit=%00", "object=tags&x=%00"} {
				r := c.Do(t, op.Method, path+"?"+q, nil)
				if r.Status >= 400 {
					r.Problem(t)
				}
			}
			if op.Body == nil {
				return
			}
			expect := func(body any, status int, loc string, headers ...string) {
				t.Helper()
				r := c.Do(t, op.Method, path, body, headers...)
				if r.Status != status {
					t.Fatalf("%.60v: %d, want %d: %.300s", body, r.Status, status, r.Body)
				}
				if p := r.Problem(t); loc != "" && !p.Names(loc) {
					t.Fatalf("%.60v: names %v, want %s", body, p.Locations(), loc)
				}
			}
			expect(`{"a":`, 400, "body")
			expect(`[]`, 400, "body")
			expect(`null`, 400, "body")
			expect(strings.Repeat(`{"a":`, 100)+"1"+strings.Repeat("}", 100), 400, "body")
			expect(`{}`+strings.Repeat(" ", api.MaxBody), 413, "")
			expect(`{}`, 415, "", "Content-Type", "text/plain")
			expect(`{"no_such_member_anywhere":1}`, 422, "body.no_such_member_anywhere")
			props, _ := op.Body["properties"].(api.Schema)
			names := make([]string, 0, len(props))
			for name := range props {
				names = append(names, name)
			}
			sort.Strings(names)
			if strings.HasPrefix(op.Path, "/api/v1/tags") {
				names = append(names, "cf_victim")
			}
			for _, name := range names {
				for _, val := range weird {
					body := fmt.Sprintf(`{%q:%s}`, name, val)
					r := c.Do(t, op.Method, path, body) // Do fails the test on any 5xx
					if r.Status >= 400 {
						r.Problem(t)
					}
					if strings.Contains(val, `\u0000`) && r.Status < 400 {
						t.Errorf("%s with a NUL was accepted: %d", name, r.Status)
					}
				}
			}
		})
	}
	// The sweep signed nobody out and broke nothing the admin relies on.
	c.Must(t, 200, "GET", "/api/v1/me", nil)
	c.Must(t, 200, "GET", "/api/v1/tags/"+ids["tags"], nil)
}

// TestOpenAPI: the document is valid JSON of OpenAPI 3.1.0, lists every
// registered operation with its method, and nothing else; ids are
// unique; the reference page is served from the binary.
func TestOpenAPI(t *testing.T) {
	e := servertest.New(t)
	anon := e.Anonymous()
	r := anon.Must(t, 200, "GET", "/api/v1/openapi.json", nil)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Info       struct{ Title, Version string }       `json:"info"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas         map[string]json.RawMessage `json:"schemas"`
			SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Info.Title == "" || doc.Info.Version != "test" {
		t.Fatalf("openapi %q, info %+v", doc.OpenAPI, doc.Info)
	}
	if doc.Components.Schemas["Problem"] == nil || doc.Components.SecuritySchemes["bearer"] == nil || doc.Components.SecuritySchemes["session"] == nil {
		t.Fatal("components lack Problem, bearer or session")
	}
	ops := e.Server.API.Ops()
	seenIDs := map[string]bool{}
	registered := map[string]bool{}
	for _, op := range ops {
		registered[strings.ToLower(op.Method)+" "+op.Path] = true
		raw, ok := doc.Paths[op.Path][strings.ToLower(op.Method)]
		if !ok {
			t.Errorf("%s %s is missing from the document", op.Method, op.Path)
			continue
		}
		var o struct {
			OperationID string `json:"operationId"`
			Summary     string `json:"summary"`
			Responses   map[string]json.RawMessage
			Parameters  []struct{ Name, In string }
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		if o.OperationID == "" || seenIDs[o.OperationID] || o.Summary == "" {
			t.Errorf("%s %s: operationId %q (duplicate: %v), summary %q", op.Method, op.Path, o.OperationID, seenIDs[o.OperationID], o.Summary)
		}
		seenIDs[o.OperationID] = true
		if _, ok := o.Responses[fmt.Sprint(op.Status)]; !ok {
			t.Errorf("%s %s: no %d response", op.Method, op.Path, op.Status)
		}
		for _, seg := range strings.Split(op.Path, "/") {
			if name, ok := strings.CutPrefix(seg, "{"); ok {
				name = strings.TrimSuffix(name, "}")
				if !slices.ContainsFunc(o.Parameters, func(p struct{ Name, In string }) bool { return p.Name == name && p.In == "path" }) {
					t.Errorf("%s %s: path parameter %s undocumented", op.Method, op.Path, name)
				}
			}
		}
	}
	for path, item := range doc.Paths {
		for method := range item {
			if !registered[method+" "+path] {
				t.Errorf("the document lists %s %s, which is not registered", method, path)
			}
		}
	}
	// Every operation of the record routes is there for tags.
	for _, want := range []string{"get /api/v1/tags", "post /api/v1/tags", "get /api/v1/tags/{id}", "patch /api/v1/tags/{id}", "delete /api/v1/tags/{id}",
		"post /api/v1/tags/{id}/restore", "get /api/v1/tags/trash", "get /api/v1/tags/{id}/history"} {
		if !registered[want] {
			t.Errorf("%s is not registered", want)
		}
	}
	// Each registered route answers (nothing documented is a dead link).
	for _, op := range ops {
		if op.Method != http.MethodGet || strings.Contains(op.Path, "{") {
			continue
		}
		if r := e.WS.Admin.Do(t, "GET", op.Path+"?object=tags", nil); r.Status == 404 || r.Status == 405 {
			t.Errorf("GET %s: %d", op.Path, r.Status)
		}
	}

	docs := anon.Must(t, 200, "GET", "/api/docs", nil)
	if ct := docs.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("/api/docs Content-Type %q", ct)
	}
	body := string(docs.Body)
	if !strings.Contains(strings.ToLower(body), "<html") || !strings.Contains(body, "openapi.json") {
		t.Fatal("/api/docs is not a page reading the OpenAPI document")
	}
	for _, cdn := range []string{"cdn.", "unpkg.com", "jsdelivr", "googleapis"} {
		if strings.Contains(body, cdn) {
			t.Fatalf("/api/docs loads from %s", cdn)
		}
	}
}
