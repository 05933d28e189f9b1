package server_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestWorkspaceIsolation: a record of another workspace answers exactly
// like a record that does not exist, on every route that names a record,
// and lists never show other workspaces' rows.
func TestWorkspaceIsolation(t *testing.T) {
	e := servertest.New(t)
	alpha := e.WS
	beta := e.AddWorkspace("Beta")
	theirs := beta.Admin.CreateTag(t, "Beta secret", map[string]any{"description": "only for Beta"})
	gone := beta.Admin.CreateTag(t, "Beta trashed")
	beta.Admin.Must(t, 204, "DELETE", "/api/v1/tags/"+gone.ID(), nil)
	alpha.Admin.CreateTag(t, "Alpha own")

	routes := []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/tags/%s", nil},
		{"PATCH", "/api/v1/tags/%s", map[string]any{"name": "Stolen"}},
		{"DELETE", "/api/v1/tags/%s", nil},
		{"POST", "/api/v1/tags/%s/restore", nil},
		{"GET", "/api/v1/tags/%s/history", nil},
	}
	for _, rt := range routes {
		for _, id := range []string{theirs.ID(), gone.ID()} {
			t.Run(rt.method+" "+rt.path+" "+id[len(id)-4:], func(t *testing.T) {
				other := alpha.Admin.Do(t, rt.method, fmt.Sprintf(rt.path, id), rt.body)
				missing := alpha.Admin.Do(t, rt.method, fmt.Sprintf(rt.path, missingID), rt.body)
				if other.Status != 404 || missing.Status != 404 {
					t.Fatalf("another workspace's record %d, a missing one %d; want 404 for both", other.Status, missing.Status)
				}
				po, pm := other.Problem(t), missing.Problem(t)
				if po.Code != pm.Code || po.Detail != pm.Detail || po.Title != pm.Title {
					t.Fatalf("the answers differ:\n%+v\n%+v", po, pm)
				}
				if strings.Contains(string(other.Body), "Beta") {
					t.Fatalf("the answer leaks the record: %s", other.Body)
				}
			})
		}
	}

	t.Run("lists", func(t *testing.T) {
		for _, path := range []string{"/api/v1/tags?limit=500", "/api/v1/tags/trash?limit=500", "/api/v1/tags?filter[id][eq]=" + theirs.ID(),
			"/api/v1/tags?filter[name][contains]=Beta", "/api/v1/tags?q=secret"} {
			for _, r := range alpha.Admin.List(t, path).Data {
				if strings.HasPrefix(r["name"].(string), "Beta") {
					t.Fatalf("%s lists Beta's %v", path, r["name"])
				}
			}
		}
		if got := alpha.Admin.List(t, "/api/v1/tags").Data; len(got) != 1 {
			t.Fatalf("Alpha lists %d tags, want its own 1", len(got))
		}
	})

	t.Run("untouched", func(t *testing.T) {
		r := beta.Admin.Get(t, "tags", theirs.ID())
		if r["name"] != "Beta secret" || r.Version() != 1 {
			t.Fatalf("another workspace changed the record: %v", r)
		}
		if h := beta.Admin.History(t, "tags", theirs.ID()); len(h) != 1 {
			t.Fatalf("%d history rows, want the create only", len(h))
		}
		if tr := beta.Admin.List(t, "/api/v1/tags/trash").Data; len(tr) != 1 || tr[0].ID() != gone.ID() {
			t.Fatalf("Beta's trash holds %v", tr)
		}
	})

	// Settings are per workspace too: users, roles, teams, custom fields,
	// tokens and views of another workspace are missing, and cannot be
	// used as references.
	betaUser := beta.User(t, "sales")
	betaTeam := beta.Team(t, "Beta team", betaUser)
	betaField := beta.CustomField(t, "tags", "beta_only", "text", nil)
	var fields struct{ Data []struct{ ID, Name string } }
	beta.Admin.Must(t, 200, "GET", "/api/v1/custom_fields?object=tags", nil).JSON(t, &fields)
	betaFieldID := fields.Data[0].ID
	var tokens struct{ Data []struct{ ID string } }
	betaUser.Must(t, 200, "GET", "/api/v1/tokens", nil).JSON(t, &tokens)
	var view struct{ ID string }
	beta.Admin.Must(t, 201, "POST", "/api/v1/views", map[string]any{"object": "tags", "name": "Mine", "query": "sort=name"}).JSON(t, &view)

	e.Run(t, []servertest.Scenario{
		{Name: "read a user", Method: "GET", Path: "/api/v1/users/" + betaUser.UserID, Status: 404},
		{Name: "change a user", Method: "PATCH", Path: "/api/v1/users/" + betaUser.UserID, Body: map[string]any{"active": false}, Status: 404},
		{Name: "read a role", Method: "GET", Path: "/api/v1/roles/" + beta.Roles["sales"], Status: 404},
		{Name: "change a role", Method: "PATCH", Path: "/api/v1/roles/" + beta.Roles["sales"], Body: map[string]any{"name": "Mine"}, Status: 404},
		{Name: "delete a role", Method: "DELETE", Path: "/api/v1/roles/" + beta.Roles["read_only"], Status: 404},
		{Name: "read a team", Method: "GET", Path: "/api/v1/teams/" + betaTeam, Status: 404},
		{Name: "change a team", Method: "PATCH", Path: "/api/v1/teams/" + betaTeam, Body: map[string]any{"name": "Mine"}, Status: 404},
		{Name: "delete a team", Method: "DELETE", Path: "/api/v1/teams/" + betaTeam, Status: 404},
		{Name: "read a custom field", Method: "GET", Path: "/api/v1/custom_fields/" + betaFieldID, Status: 404},
		{Name: "change a custom field", Method: "PATCH", Path: "/api/v1/custom_fields/" + betaFieldID, Body: map[string]any{"labels": map[string]string{"en": "x"}}, Status: 404},
		{Name: "delete a custom field", Method: "DELETE", Path: "/api/v1/custom_fields/" + betaFieldID, Status: 404},
		{Name: "revoke a token", Method: "DELETE", Path: "/api/v1/tokens/" + tokens.Data[0].ID, Status: 404},
		{Name: "delete a view", Method: "DELETE", Path: "/api/v1/views/" + view.ID, Status: 404},
		{Name: "a custom field is not ours", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "x", betaField: "y"}, Status: 422, ErrorAt: []string{"body." + betaField}},
		{Name: "a user of theirs as owner", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "x", "owner_id": betaUser.UserID}, Status: 422, ErrorAt: []string{"body.owner_id"}},
		{Name: "a role of theirs for a new user", Method: "POST", Path: "/api/v1/users", Body: map[string]any{"email": "x@acme.test", "password": "password1", "role_id": beta.Roles["sales"]}, Status: 422, ErrorAt: []string{"body.role_id"}},
		{Name: "a user of theirs in a team", Method: "POST", Path: "/api/v1/teams", Body: map[string]any{"name": "Mixed", "member_ids": []string{betaUser.UserID}}, Status: 422, ErrorAt: []string{"body.member_ids[0]"}},
		{Name: "a team of theirs for a user", Method: "POST", Path: "/api/v1/users", Body: map[string]any{"email": "y@acme.test", "password": "password1", "role_id": alpha.Roles["sales"], "team_ids": []string{betaTeam}}, Status: 422, ErrorAt: []string{"body.team_ids[0]"}},
		{Name: "users list", Method: "GET", Path: "/api/v1/users", Status: 200, NotContains: []string{betaUser.UserID, "beta.test"}},
		{Name: "teams list", Method: "GET", Path: "/api/v1/teams", Status: 200, NotContains: []string{betaTeam}},
		{Name: "roles list", Method: "GET", Path: "/api/v1/roles", Status: 200, NotContains: []string{beta.Roles["sales"]}},
		{Name: "custom fields list", Method: "GET", Path: "/api/v1/custom_fields", Status: 200, NotContains: []string{betaFieldID}},
		{Name: "tokens list", Method: "GET", Path: "/api/v1/tokens", Status: 200, NotContains: []string{tokens.Data[0].ID}},
		{Name: "views list", Method: "GET", Path: "/api/v1/views?object=tags", Status: 200, NotContains: []string{view.ID}},
	})
	// And Beta's team still has its member, its user is still active.
	var u struct{ Active bool }
	beta.Admin.Must(t, 200, "GET", "/api/v1/users/"+betaUser.UserID, nil).JSON(t, &u)
	if !u.Active {
		t.Fatal("another workspace deactivated Beta's user")
	}
}

// TestWorkspaceIsolationOfReferences: a reference or user field cannot
// point into another workspace.
func TestWorkspaceIsolationOfReferences(t *testing.T) {
	e := servertest.New(t)
	beta := e.AddWorkspace("Beta")
	ref := e.WS.CustomField(t, "tags", "parent", "reference", map[string]any{"target": "tags"})
	who := e.WS.CustomField(t, "tags", "who", "user", nil)
	theirTag := beta.Admin.CreateTag(t, "Theirs")
	e.Run(t, []servertest.Scenario{
		{Name: "reference", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "a", ref: theirTag.ID()}, Status: 422, ErrorAt: []string{"body." + ref}},
		{Name: "user", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "b", who: beta.Admin.UserID}, Status: 422, ErrorAt: []string{"body." + who}},
	})
}

// TestPermissions: a role without an action answers 403 (with nothing
// written); non-admins are refused admin endpoints.
func TestPermissions(t *testing.T) {
	e := servertest.New(t)
	w := e.WS
	ro := w.User(t, "read_only")
	sales := w.User(t, "sales")
	mkt := w.User(t, "marketing")
	mgr := w.User(t, "manager")
	tag := w.Admin.CreateTag(t, "Shared")
	id := tag.ID()
	field := w.CustomField(t, "tags", "level", "integer", nil)
	var fields struct{ Data []struct{ ID string } }
	w.Admin.Must(t, 200, "GET", "/api/v1/custom_fields", nil).JSON(t, &fields)
	fieldID := fields.Data[0].ID
	team := w.Team(t, "North", sales)
	forbidden := func(name string, c *servertest.Client, method, path string, body any) servertest.Scenario {
		return servertest.Scenario{Name: name, As: c, Method: method, Path: path, Body: body, Status: 403, Code: "forbidden"}
	}
	e.Run(t, []servertest.Scenario{
		{Name: "read-only reads", As: ro, Method: "GET", Path: "/api/v1/tags/" + id, Status: 200},
		{Name: "read-only lists", As: ro, Method: "GET", Path: "/api/v1/tags", Status: 200, Contains: []string{id}},
		forbidden("read-only creates a tag", ro, "POST", "/api/v1/tags", map[string]any{"name": "ro"}),
		forbidden("read-only changes a tag", ro, "PATCH", "/api/v1/tags/"+id, map[string]any{"name": "ro"}),
		forbidden("read-only deletes a tag", ro, "DELETE", "/api/v1/tags/"+id, nil),
		forbidden("sales creates a tag", sales, "POST", "/api/v1/tags", map[string]any{"name": "sales"}),
		forbidden("sales changes a tag", sales, "PATCH", "/api/v1/tags/"+id, map[string]any{"name": "sales"}),
		forbidden("sales deletes a tag", sales, "DELETE", "/api/v1/tags/"+id, nil),
		forbidden("marketing deletes a tag", mkt, "DELETE", "/api/v1/tags/"+id, nil),
		forbidden("marketing restores a tag", mkt, "POST", "/api/v1/tags/"+id+"/restore", nil),
		{Name: "marketing changes a tag", As: mkt, Method: "PATCH", Path: "/api/v1/tags/" + id, Body: map[string]any{"description": "by marketing"}, Status: 200},
		forbidden("sales adds a user", sales, "POST", "/api/v1/users", map[string]any{"email": "new@acme.test", "password": "password1", "role_id": w.Roles["admin"]}),
		forbidden("manager adds a user", mgr, "POST", "/api/v1/users", map[string]any{"email": "new@acme.test", "password": "password1", "role_id": w.Roles["sales"]}),
		forbidden("sales promotes themself", sales, "PATCH", "/api/v1/users/"+sales.UserID, map[string]any{"role_id": w.Roles["admin"]}),
		forbidden("sales deactivates someone", sales, "PATCH", "/api/v1/users/"+ro.UserID, map[string]any{"active": false}),
		forbidden("sales resets someone's two-factor", sales, "POST", "/api/v1/users/"+ro.UserID+"/totp/disable", nil),
		forbidden("sales adds a custom field", sales, "POST", "/api/v1/custom_fields", map[string]any{"object": "tags", "name": "x", "type": "text", "labels": map[string]string{"en": "X"}}),
		forbidden("manager adds a custom field", mgr, "POST", "/api/v1/custom_fields", map[string]any{"object": "tags", "name": "x", "type": "text", "labels": map[string]string{"en": "X"}}),
		forbidden("sales changes a custom field", sales, "PATCH", "/api/v1/custom_fields/"+fieldID, map[string]any{"required": true}),
		forbidden("sales deletes a custom field", sales, "DELETE", "/api/v1/custom_fields/"+fieldID, nil),
		forbidden("sales adds a role", sales, "POST", "/api/v1/roles", map[string]any{"name": "Boss", "copy_from": w.Roles["admin"]}),
		forbidden("sales changes a role", sales, "PATCH", "/api/v1/roles/"+w.Roles["sales"], map[string]any{"permissions": map[string]any{"*": map[string]any{"read": true, "create": true, "update": true, "delete": true, "scope": "all"}}}),
		forbidden("sales deletes a role", sales, "DELETE", "/api/v1/roles/"+w.Roles["support"], nil),
		forbidden("sales adds a team", sales, "POST", "/api/v1/teams", map[string]any{"name": "Mine"}),
		forbidden("sales changes a team", sales, "PATCH", "/api/v1/teams/"+team, map[string]any{"member_ids": []string{}}),
		forbidden("sales deletes a team", sales, "DELETE", "/api/v1/teams/"+team, nil),
		forbidden("sales changes the workspace", sales, "PATCH", "/api/v1/workspace", map[string]any{"name": "Mine"}),
		{Name: "sales revokes the admin's token", As: sales, Method: "DELETE", Path: "/api/v1/tokens/" + missingID, Status: 404},
		{Name: "sales reads users", As: sales, Method: "GET", Path: "/api/v1/users", Status: 200},
		{Name: "sales reads custom fields", As: sales, Method: "GET", Path: "/api/v1/custom_fields", Status: 200, Contains: []string{field}},
		{Name: "sales changes their own name", As: sales, Method: "PATCH", Path: "/api/v1/users/" + sales.UserID, Body: map[string]any{"name": "Sam Sales"}, Status: 200},
		{Name: "nobody lists tags", As: e.Anonymous(), Method: "GET", Path: "/api/v1/tags", Status: 401, Code: "unauthorized",
			Check: func(t *testing.T, r *servertest.Response) {
				if r.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}},
		{Name: "a made-up token", As: e.WithToken("rpt_madeup"), Method: "GET", Path: "/api/v1/tags", Status: 401},
		{Name: "not a bearer", As: e.Anonymous(), Method: "GET", Path: "/api/v1/tags", Headers: []string{"Authorization", "Basic YTpi"}, Status: 401},
	})
	// Nothing a refused request asked for happened.
	r := w.Admin.Get(t, "tags", id)
	if r["name"] != "Shared" || r["description"] != "by marketing" || r.Version() != 2 {
		t.Fatalf("refused writes changed the tag: %v", r)
	}
	if n := len(w.Admin.List(t, "/api/v1/tags").Data); n != 1 {
		t.Fatalf("%d tags after refused creates", n)
	}
	var users struct {
		Data []struct {
			Email  string `json:"email"`
			RoleID string `json:"role_id"`
		}
	}
	w.Admin.Must(t, 200, "GET", "/api/v1/users", nil).JSON(t, &users)
	for _, u := range users.Data {
		if u.Email == "new@acme.test" || (u.Email == sales.Email && u.RoleID != w.Roles["sales"]) {
			t.Fatalf("a refused user change happened: %+v", u)
		}
	}
}

// TestRecordScope: roles with own and team scope reach only those
// records — others answer 404 on every route and are absent from lists
// — and admins and all-scope roles reach everything.
func TestRecordScope(t *testing.T) {
	e := servertest.New(t)
	w := e.WS
	perms := func(scope string) map[string]any {
		return map[string]any{"tags": map[string]any{"read": true, "create": true, "update": true, "delete": true, "scope": scope}}
	}
	ownRole := w.Role(t, "Own tags", perms("own"))
	teamRole := w.Role(t, "Team tags", perms("team"))
	allRole := w.Role(t, "All tags", perms("all"))
	ana := w.User(t, ownRole)  // own
	olga := w.User(t, ownRole) // own, in team North: the team does not widen own scope
	ben := w.User(t, teamRole) // team North
	cai := w.User(t, teamRole) // team North and South
	dan := w.User(t, teamRole) // team South
	eve := w.User(t, teamRole) // no team
	zoe := w.User(t, allRole)
	w.Team(t, "North", olga, ben, cai)
	w.Team(t, "South", cai, dan)

	people := map[string]*servertest.Client{"ana": ana, "olga": olga, "ben": ben, "cai": cai, "dan": dan, "eve": eve, "zoe": zoe, "admin": w.Admin}
	tagOf := map[string]string{}
	for name, c := range people {
		tagOf[name] = c.CreateTag(t, "tag of "+name).ID()
		if got := c.Get(t, "tags", tagOf[name]); got["owner_id"] != c.UserID {
			t.Fatalf("%s's new tag is owned by %v", name, got["owner_id"])
		}
	}
	everyone := []string{"ana", "olga", "ben", "cai", "dan", "eve", "zoe", "admin"}
	reach := map[string][]string{
		"ana":   {"ana"},
		"olga":  {"olga"},
		"ben":   {"olga", "ben", "cai"},
		"cai":   {"olga", "ben", "cai", "dan"},
		"dan":   {"cai", "dan"},
		"eve":   {"eve"},
		"zoe":   everyone,
		"admin": everyone,
	}
	for who, sees := range reach {
		t.Run(who, func(t *testing.T) {
			c := people[who]
			var want []string
			for _, n := range sees {
				want = append(want, tagOf[n])
			}
			sort.Strings(want)
			got, _ := c.ListAll(t, "/api/v1/tags?limit=3&sort=name")
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Fatalf("lists %d tags, want %d (%v)", len(got), len(want), sees)
			}
			if n := len(c.List(t, "/api/v1/tags?filter[name][contains]=tag%20of").Data); n != len(want) {
				t.Fatalf("a filtered list shows %d, want %d", n, len(want))
			}
			for _, owner := range everyone {
				id := tagOf[owner]
				if slices.Contains(sees, owner) {
					c.Must(t, 200, "GET", "/api/v1/tags/"+id, nil)
					c.Must(t, 200, "GET", "/api/v1/tags/"+id+"/history", nil)
					continue
				}
				for _, rt := range []struct {
					method, path string
					body         any
				}{
					{"GET", "/api/v1/tags/" + id, nil},
					{"GET", "/api/v1/tags/" + id + "/history", nil},
					{"PATCH", "/api/v1/tags/" + id, map[string]any{"description": "hijack"}},
					{"DELETE", "/api/v1/tags/" + id, nil},
					{"POST", "/api/v1/tags/" + id + "/restore", nil},
				} {
					if r := c.Do(t, rt.method, rt.path, rt.body); r.Status != 404 {
						t.Fatalf("%s %s (tag of %s): %d, want 404", rt.method, rt.path, owner, r.Status)
					}
				}
			}
		})
	}
	// Nothing was hijacked.
	for owner, id := range tagOf {
		if r := w.Admin.Get(t, "tags", id); r["description"] != nil || r.Version() != 1 {
			t.Fatalf("the tag of %s was changed: %v", owner, r)
		}
	}

	t.Run("trash follows scope", func(t *testing.T) {
		w.Admin.Must(t, 204, "DELETE", "/api/v1/tags/"+tagOf["dan"], nil)
		ana.Must(t, 204, "DELETE", "/api/v1/tags/"+tagOf["ana"], nil)
		if tr := ana.List(t, "/api/v1/tags/trash").IDs(); !slices.Equal(tr, []string{tagOf["ana"]}) {
			t.Fatalf("ana's trash shows %v", tr)
		}
		if tr := ben.List(t, "/api/v1/tags/trash").IDs(); len(tr) != 0 {
			t.Fatalf("ben's trash shows another team's tags: %v", tr)
		}
		if tr := cai.List(t, "/api/v1/tags/trash").IDs(); !slices.Equal(tr, []string{tagOf["dan"]}) {
			t.Fatalf("cai's trash shows %v", tr)
		}
		ben.Must(t, 404, "POST", "/api/v1/tags/"+tagOf["dan"]+"/restore", nil)
		cai.Must(t, 200, "POST", "/api/v1/tags/"+tagOf["dan"]+"/restore", nil)
		ana.Must(t, 200, "POST", "/api/v1/tags/"+tagOf["ana"]+"/restore", nil)
	})

	t.Run("ownership changes within scope only", func(t *testing.T) {
		e.Run(t, []servertest.Scenario{
			{Name: "own scope gives a tag away", As: ana, Method: "PATCH", Path: "/api/v1/tags/" + tagOf["ana"], Body: map[string]any{"owner_id": ben.UserID}, Status: 422, ErrorAt: []string{"body.owner_id"}},
			{Name: "own scope creates for another", As: ana, Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "for ben", "owner_id": ben.UserID}, Status: 422, ErrorAt: []string{"body.owner_id"}},
			{Name: "team scope hands to a teammate", As: ben, Method: "PATCH", Path: "/api/v1/tags/" + tagOf["ben"], Body: map[string]any{"owner_id": cai.UserID}, Status: 200},
			{Name: "team scope hands outside the team", As: cai, Method: "PATCH", Path: "/api/v1/tags/" + tagOf["cai"], Body: map[string]any{"owner_id": eve.UserID}, Status: 422, ErrorAt: []string{"body.owner_id"}},
			{Name: "owner cannot be cleared", As: w.Admin, Method: "PATCH", Path: "/api/v1/tags/" + tagOf["admin"], Body: map[string]any{"owner_id": nil}, Status: 422, ErrorAt: []string{"body.owner_id"}},
		})
		// ben gave his tag to cai: still in ben's team reach, so visible.
		ben.Must(t, 200, "GET", "/api/v1/tags/"+tagOf["ben"], nil)
		// But dan (South, with cai) now sees it too.
		dan.Must(t, 200, "GET", "/api/v1/tags/"+tagOf["ben"], nil)
	})

	t.Run("team changes take effect at once", func(t *testing.T) {
		// eve joins South: she now reaches cai's and dan's tags.
		var south string
		var teams struct{ Data []struct{ ID, Name string } }
		w.Admin.Must(t, 200, "GET", "/api/v1/teams", nil).JSON(t, &teams)
		for _, tm := range teams.Data {
			if tm.Name == "South" {
				south = tm.ID
			}
		}
		eve.Must(t, 404, "GET", "/api/v1/tags/"+tagOf["dan"], nil)
		w.Admin.Must(t, 200, "PATCH", "/api/v1/teams/"+south, map[string]any{"member_ids": []string{cai.UserID, dan.UserID, eve.UserID}})
		eve.Must(t, 200, "GET", "/api/v1/tags/"+tagOf["dan"], nil)
		// And a role change narrows reach at once: zoe to own scope.
		w.Admin.Must(t, 200, "PATCH", "/api/v1/users/"+zoe.UserID, map[string]any{"role_id": ownRole})
		zoe.Must(t, 404, "GET", "/api/v1/tags/"+tagOf["admin"], nil)
		if ids := zoe.List(t, "/api/v1/tags").IDs(); !slices.Equal(ids, []string{tagOf["zoe"]}) {
			t.Fatalf("zoe with own scope lists %v", ids)
		}
		// So does a change of the role's permissions alone (the name is
		// left out and kept): the own-scope role loses delete.
		r := w.Admin.Must(t, 200, "PATCH", "/api/v1/roles/"+ownRole, map[string]any{"permissions": map[string]any{
			"tags": map[string]any{"read": true, "create": true, "update": true, "delete": false, "scope": "own"}}})
		if !strings.Contains(string(r.Body), `"name":"Own tags"`) {
			t.Fatalf("a permissions-only change lost the role's name: %s", r.Body)
		}
		zoe.Must(t, 403, "DELETE", "/api/v1/tags/"+tagOf["zoe"], nil)
		w.Admin.Must(t, 200, "PATCH", "/api/v1/roles/"+ownRole, map[string]any{"copy_from": w.Roles["read_only"]})
		zoe.Must(t, 403, "PATCH", "/api/v1/tags/"+tagOf["zoe"], map[string]any{"description": "x"})
		zoe.Must(t, 200, "GET", "/api/v1/tags/"+tagOf["admin"], nil) // read_only reaches all
	})
}
