package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

const form = "application/x-www-form-urlencoded"

// TestSettingsPages drives the Settings forms as a browser would: an
// admin adds a user and a team, edits a role's permissions, makes a
// token (its secret shown once) and gets field errors under the inputs;
// a non-admin is refused the admin pages.
func TestSettingsPages(t *testing.T) {
	e := servertest.New(t)
	ws := e.WS
	admin := e.Browser()
	admin.SignIn(t, "admin@acme.test", servertest.Password)
	post := func(c *servertest.Client, path string, v url.Values, status int) *servertest.Response {
		t.Helper()
		return c.Must(t, status, "POST", path, v.Encode(), "Content-Type", form)
	}
	for _, p := range []string{"/settings/workspace", "/settings/users", "/settings/users/new", "/settings/teams", "/settings/teams/new", "/settings/roles", "/settings/tokens", "/settings/fields", "/settings/fields/new", "/profile"} {
		admin.Must(t, 200, "GET", p, nil)
	}
	// A user through the form, with a password; then listed.
	r := post(admin, "/settings/users/new", url.Values{"email": {"new@acme.test"}, "name": {"Nora New"}, "role_id": {ws.Roles["sales"]}, "password": {"password9"}}, 303)
	if !strings.HasPrefix(r.Header.Get("Location"), "/settings/users/") {
		t.Fatalf("after creating a user: Location %q", r.Header.Get("Location"))
	}
	if body := string(admin.Must(t, 200, "GET", "/settings/users", nil).Body); !strings.Contains(body, "Nora New") {
		t.Fatal("the new user is not listed")
	}
	// Bad input re-renders with the error under the field.
	r = post(admin, "/settings/users/new", url.Values{"email": {"not-an-email"}, "role_id": {ws.Roles["sales"]}}, 422)
	if !strings.Contains(string(r.Body), `id="f-email-error"`) {
		t.Fatal("the e-mail error is not shown under the field")
	}
	// Role matrix: sales may now delete tags with team scope.
	form := url.Values{"name": {"Sales"}, "*.read": {"on"}, "*.create": {"on"}, "*.update": {"on"}, "*.scope": {"own"},
		"tags.read": {"on"}, "tags.delete": {"on"}, "tags.scope": {"team"}}
	for _, o := range e.Server.Auth.Objects() {
		if o != "tags" {
			form.Set("inherit."+o, "on")
		}
	}
	post(admin, "/settings/roles/"+ws.Roles["sales"], form, 303)
	role, err := e.Server.Auth.GetRole(context.Background(), mustPrincipal(t, e), ws.Roles["sales"])
	if err != nil {
		t.Fatal(err)
	}
	if p := role.Permissions["tags"]; !p.Read || !p.Delete || p.Create || p.Scope != "team" {
		t.Fatalf("tags permission after the form: %+v", p)
	}
	// Tokens: the secret appears once.
	r = post(admin, "/settings/tokens", url.Values{"name": {"ERP sync"}}, 201)
	body := string(r.Body)
	i := strings.Index(body, "rpt_")
	if i < 0 {
		t.Fatal("the new token is not shown")
	}
	secret := body[i : i+strings.IndexAny(body[i:], `"<`)]
	if strings.Contains(string(admin.Must(t, 200, "GET", "/settings/tokens", nil).Body), secret) {
		t.Fatal("the token secret is shown a second time")
	}
	e.WithToken(secret).Must(t, 200, "GET", "/api/v1/me", nil)
	// Custom field: a bad name is refused under the input, a good one saved.
	r = post(admin, "/settings/fields/new", url.Values{"object": {"tags"}, "name": {"Bad Name"}, "type": {"text"}, "label_en": {"Region"}}, 422)
	if !strings.Contains(string(r.Body), `id="f-name-error"`) {
		t.Fatal("the custom field name error is not shown under the field")
	}
	post(admin, "/settings/fields/new", url.Values{"object": {"tags"}, "name": {"tier"}, "type": {"select"}, "label_en": {"Tier"}, "label_zh": {"等级"}, "options": {"gold | Gold | Oro | 金牌\nsilver | Silver"}}, 303)
	var fields struct{ Data []struct{ Name string } }
	ws.Admin.Must(t, 200, "GET", "/api/v1/custom_fields?object=tags", nil).JSON(t, &fields)
	if len(fields.Data) != 1 || fields.Data[0].Name != "cf_tier" {
		t.Fatalf("custom fields after the form: %+v", fields.Data)
	}
	// A team with a member.
	post(admin, "/settings/teams/new", url.Values{"name": {"North"}, "member_ids": {ws.Admin.UserID}}, 303)
	// Non-admins: admin pages are refused, their own pages work.
	sales := ws.User(t, "sales")
	b := e.Browser()
	b.SignIn(t, sales.Email, servertest.Password)
	for _, p := range []string{"/settings/users", "/settings/roles", "/settings/fields", "/settings/workspace"} {
		b.Must(t, 403, "GET", p, nil)
	}
	b.Must(t, 200, "GET", "/settings/tokens", nil)
	b.Must(t, 200, "GET", "/profile", nil)
	post(b, "/settings/users/new", url.Values{"email": {"x@acme.test"}, "role_id": {ws.Roles["admin"]}, "password": {"password9"}}, 403)
}

func mustPrincipal(t *testing.T, e *servertest.Env) *auth.Principal {
	t.Helper()
	p, err := e.Server.Auth.Principal(context.Background(), e.WS.ID, e.WS.Admin.UserID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
