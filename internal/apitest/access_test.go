package apitest

import (
	"fmt"
	"strings"
	"testing"
)

// TestWorkspaceIsolation: another workspace's record answers 404 exactly
// like a record that does not exist, and lists never show it.
func TestWorkspaceIsolation(t *testing.T) {
	e := newEnv(t)
	a, b := e.workspace("Alpha"), e.workspace("Beta")
	theirs := b.Admin.createTag("Secret")
	id := theirs["id"].(string)
	missing := "01900000-0000-7000-8000-000000000000"
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/v1/tags/%s"}, {"PATCH", "/api/v1/tags/%s"}, {"DELETE", "/api/v1/tags/%s"},
		{"GET", "/api/v1/tags/%s/history"}, {"POST", "/api/v1/tags/%s/restore"},
	} {
		var body any
		if tc.method == "PATCH" {
			body = map[string]any{"name": "Stolen"}
		}
		got := a.Admin.do(tc.method, fmt.Sprintf(tc.path, id), body)
		none := a.Admin.do(tc.method, fmt.Sprintf(tc.path, missing), body)
		if got.Status != 404 || none.Status != 404 {
			t.Fatalf("%s %s: other workspace %d, missing %d; want 404 for both", tc.method, tc.path, got.Status, none.Status)
		}
		if strings.Contains(string(got.Body), "Secret") {
			t.Fatalf("%s leaked the record: %s", tc.path, got.Body)
		}
		if got.problem(t).Code != none.problem(t).Code {
			t.Fatal("another workspace's record and a missing one answer differently")
		}
	}
	var list struct{ Data []record }
	a.Admin.must("GET", "/api/v1/tags", nil, 200, &list)
	if len(list.Data) != 0 {
		t.Fatalf("workspace Alpha lists %d tags of Beta", len(list.Data))
	}
	// The record is untouched.
	var r record
	b.Admin.must("GET", "/api/v1/tags/"+id, nil, 200, &r)
	if r["name"] != "Secret" || r["version"].(float64) != 1 {
		t.Fatalf("record changed by another workspace: %v", r)
	}
	// Users, teams, roles and custom fields are scoped too.
	for _, p := range []string{"/api/v1/users/" + b.Admin.id, "/api/v1/roles/" + b.roles["sales"]} {
		if st := a.Admin.do("GET", p, nil).Status; st != 404 {
			t.Fatalf("GET %s across workspaces: %d", p, st)
		}
	}
}

// TestPermissions: a role without the action answers 403; admin-only
// endpoints refuse everyone else.
func TestPermissions(t *testing.T) {
	e := newEnv(t)
	w := e.workspace("Acme")
	ro := w.user("ro@acme.test", "read_only")
	sales := w.user("sales@acme.test", "sales")
	tag := w.Admin.createTag("Shared")
	id := tag["id"].(string)
	cases := []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		want   int
	}{
		{"read-only reads", ro, "GET", "/api/v1/tags/" + id, nil, 200},
		{"read-only creates", ro, "POST", "/api/v1/tags", map[string]any{"name": "x"}, 403},
		{"read-only updates", ro, "PATCH", "/api/v1/tags/" + id, map[string]any{"name": "x"}, 403},
		{"sales deletes a tag", sales, "DELETE", "/api/v1/tags/" + id, nil, 403},
		{"sales creates a tag", sales, "POST", "/api/v1/tags", map[string]any{"name": "y"}, 403},
		{"sales adds a user", sales, "POST", "/api/v1/users", map[string]any{"email": "z@acme.test", "role_id": w.roles["admin"], "password": "password1"}, 403},
		{"sales adds a custom field", sales, "POST", "/api/v1/custom_fields", map[string]any{"object": "tags", "name": "x", "type": "text", "labels": map[string]string{"en": "X"}}, 403},
		{"sales edits a role", sales, "PATCH", "/api/v1/roles/" + w.roles["sales"], map[string]any{"name": "Boss"}, 403},
		{"sales changes the workspace", sales, "PATCH", "/api/v1/workspace", map[string]any{"name": "Mine"}, 403},
		{"sales reads users", sales, "GET", "/api/v1/users", nil, 200},
		{"anonymous lists tags", &client{e: e, http: e.ts.Client()}, "GET", "/api/v1/tags", nil, 401},
		{"a revoked-looking token", &client{e: e, http: e.ts.Client(), token: "rpt_nope"}, "GET", "/api/v1/tags", nil, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.c.do(c.method, c.path, c.body)
			if r.Status != c.want {
				t.Fatalf("status %d, want %d: %s", r.Status, c.want, r.Body)
			}
			if c.want >= 400 {
				r.problem(t)
			}
		})
	}
	var r record
	w.Admin.must("GET", "/api/v1/tags/"+id, nil, 200, &r)
	if r["name"] != "Shared" {
		t.Fatal("a refused write changed the record")
	}
}

// TestRecordScope: a role with own or team scope reaches only those
// records; others answer 404 and are absent from lists.
func TestRecordScope(t *testing.T) {
	e := newEnv(t)
	w := e.workspace("Acme")
	perm := func(scope string) map[string]any {
		return map[string]any{"tags": map[string]any{"read": true, "create": true, "update": true, "delete": true, "scope": scope}}
	}
	var own, team struct{ ID string }
	w.Admin.must("POST", "/api/v1/roles", map[string]any{"name": "Own tags", "permissions": perm("own")}, 201, &own)
	w.Admin.must("POST", "/api/v1/roles", map[string]any{"name": "Team tags", "copy_from": w.roles["sales"], "permissions": perm("team")}, 201, &team)
	ana := w.user("ana@acme.test", own.ID)
	ben := w.user("ben@acme.test", team.ID)
	cai := w.user("cai@acme.test", own.ID)
	dan := w.user("dan@acme.test", team.ID)
	w.Admin.must("POST", "/api/v1/teams", map[string]any{"name": "North", "member_ids": []string{ben.id, cai.id}}, 201, nil)
	w.Admin.must("POST", "/api/v1/teams", map[string]any{"name": "South", "member_ids": []string{dan.id}}, 201, nil)
	tags := map[string]string{}
	for _, c := range []*client{ana, ben, cai, dan} {
		tags[c.email] = c.createTag("of " + c.email)["id"].(string)
	}
	adminTag := w.Admin.createTag("of admin")["id"].(string)
	sees := func(c *client) map[string]bool {
		var l struct{ Data []record }
		c.must("GET", "/api/v1/tags?limit=100", nil, 200, &l)
		out := map[string]bool{}
		for _, r := range l.Data {
			out[r["id"].(string)] = true
		}
		return out
	}
	check := func(c *client, visible ...string) {
		t.Helper()
		got := sees(c)
		want := map[string]bool{}
		for _, v := range visible {
			want[tags[v]] = true
		}
		if len(got) != len(want) {
			t.Fatalf("%s sees %d tags, want %d", c.email, len(got), len(want))
		}
		for id := range want {
			if !got[id] {
				t.Fatalf("%s does not see %s", c.email, id)
			}
		}
		for email, id := range tags {
			st := c.do("GET", "/api/v1/tags/"+id, nil).Status
			if (st == 200) != want[id] || (st != 200 && st != 404) {
				t.Fatalf("%s reading the tag of %s: %d", c.email, email, st)
			}
		}
		if st := c.do("PATCH", "/api/v1/tags/"+adminTag, map[string]any{"name": "hijack"}).Status; st != 404 {
			t.Fatalf("%s patching the admin's tag: %d, want 404", c.email, st)
		}
	}
	check(ana, "ana@acme.test")
	check(cai, "cai@acme.test")
	check(ben, "ben@acme.test", "cai@acme.test")
	check(dan, "dan@acme.test")
	// Own scope cannot hand a record to someone else.
	r := ana.do("PATCH", "/api/v1/tags/"+tags["ana@acme.test"], map[string]any{"owner_id": ben.id})
	if r.Status != 422 || !r.problem(t).names("body.owner_id") {
		t.Fatalf("own scope giving a record away: %d %s", r.Status, r.Body)
	}
}
