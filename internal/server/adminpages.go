package server

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"slices"
	"strings"

	"github.com/pquerna/otp"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/web"
)

// The Settings area and the profile page. Every action goes through the
// same services as the REST API; the pages only translate forms.

// settingsData is the dot of every settings page.
type settingsData struct {
	Section string
	Values  map[string]string
	Errors  map[string]string
	Error   string
	Items   any
	Item    any
	Extra   map[string]any
}

func newSettings(section string) *settingsData {
	return &settingsData{Section: section, Values: map[string]string{}, Errors: map[string]string{}, Extra: map[string]any{}}
}

func (s *Server) registerAdminPages() {
	m := s.Mux
	m.Handle("GET /settings", s.page(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		to := "/settings/tokens"
		if p.IsAdmin {
			to = "/settings/workspace"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}))
	m.Handle("GET /settings/workspace", s.page(s.workspacePage))
	m.Handle("POST /settings/workspace", s.page(s.workspacePage))
	m.Handle("GET /settings/users", s.page(s.usersPage))
	m.Handle("GET /settings/users/new", s.page(s.userFormPage))
	m.Handle("POST /settings/users/new", s.page(s.userFormPage))
	m.Handle("GET /settings/users/{id}", s.page(s.userFormPage))
	m.Handle("POST /settings/users/{id}", s.page(s.userFormPage))
	m.Handle("POST /settings/users/{id}/totp/disable", s.action(func(r *http.Request, p *auth.Principal) error {
		return s.Auth.DisableTOTP(r.Context(), p, r.PathValue("id"), "")
	}, "admin.totp_off", func(r *http.Request) string { return "/settings/users/" + r.PathValue("id") }))
	m.Handle("GET /settings/teams", s.page(s.teamsPage))
	m.Handle("GET /settings/teams/new", s.page(s.teamFormPage))
	m.Handle("POST /settings/teams/new", s.page(s.teamFormPage))
	m.Handle("GET /settings/teams/{id}", s.page(s.teamFormPage))
	m.Handle("POST /settings/teams/{id}", s.page(s.teamFormPage))
	m.Handle("POST /settings/teams/{id}/delete", s.action(func(r *http.Request, p *auth.Principal) error {
		return s.Auth.DeleteTeam(r.Context(), p, r.PathValue("id"))
	}, "msg.deleted", func(r *http.Request) string { return "/settings/teams" }))
	m.Handle("GET /settings/roles", s.page(s.rolesPage))
	m.Handle("POST /settings/roles", s.page(s.rolesPage))
	m.Handle("GET /settings/roles/{id}", s.page(s.roleFormPage))
	m.Handle("POST /settings/roles/{id}", s.page(s.roleFormPage))
	m.Handle("POST /settings/roles/{id}/delete", s.page(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		if err := s.Auth.DeleteRole(r.Context(), p, r.PathValue("id")); err != nil {
			if isAppError(err, errs.Conflict) {
				s.flash(r, web.FlashError, s.t(r, "admin.role_in_use"))
				http.Redirect(w, r, "/settings/roles/"+r.PathValue("id"), http.StatusSeeOther)
				return nil
			}
			return err
		}
		s.flash(r, web.FlashSuccess, s.t(r, "msg.deleted"))
		http.Redirect(w, r, "/settings/roles", http.StatusSeeOther)
		return nil
	}))
	m.Handle("GET /settings/tokens", s.page(s.tokensPage))
	m.Handle("POST /settings/tokens", s.page(s.tokensPage))
	m.Handle("POST /settings/tokens/{id}/revoke", s.action(func(r *http.Request, p *auth.Principal) error {
		return s.Auth.RevokeToken(r.Context(), p, r.PathValue("id"))
	}, "admin.token_revoked", func(r *http.Request) string { return "/settings/tokens" }))
	m.Handle("GET /settings/fields", s.page(s.fieldsPage))
	m.Handle("GET /settings/fields/new", s.page(s.fieldFormPage))
	m.Handle("POST /settings/fields/new", s.page(s.fieldFormPage))
	m.Handle("GET /settings/fields/{id}", s.page(s.fieldFormPage))
	m.Handle("POST /settings/fields/{id}", s.page(s.fieldFormPage))
	m.Handle("POST /settings/fields/{id}/delete", s.action(func(r *http.Request, p *auth.Principal) error {
		return s.Records.DeleteCustomField(r.Context(), p, r.PathValue("id"))
	}, "msg.deleted", func(r *http.Request) string { return "/settings/fields" }))
	m.Handle("GET /profile", s.page(s.profilePage))
	m.Handle("POST /profile", s.page(s.profilePage))
}

// action is a POST that calls one service method, then redirects with a
// success message.
func (s *Server) action(do func(r *http.Request, p *auth.Principal) error, msgKey string, to func(r *http.Request) string) http.Handler {
	return s.page(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		if err := do(r, p); err != nil {
			return err
		}
		s.flash(r, web.FlashSuccess, s.t(r, msgKey))
		http.Redirect(w, r, to(r), http.StatusSeeOther)
		return nil
	})
}

func requireAdmin(p *auth.Principal) error {
	if !p.IsAdmin {
		return errs.E(errs.Forbidden, "Only admins may change settings.")
	}
	return nil
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, p *auth.Principal, status int, name, titleKey string, d *settingsData) {
	pg := s.newPage(r, p, s.t(r, titleKey), "settings", d)
	if d.Error != "" {
		pg.Flash = append(pg.Flash, web.Flash{Kind: web.FlashError, Message: d.Error})
	}
	s.render.Page(w, r, status, name, pg)
}

// formFailed fills d from a service error, or reports false when the
// error is not about the form's fields.
func (s *Server) formFailed(r *http.Request, d *settingsData, err error) bool {
	fe, ok := fieldErrors(err)
	if !ok {
		return false
	}
	for k, v := range fe {
		d.Errors[k] = v
	}
	d.Error = s.t(r, "records.fix_errors")
	return true
}

func strp(s string) *string { return &s }

func langOptions(s *Server, r *http.Request, withDefault bool) [][2]string {
	var out [][2]string
	if withDefault {
		out = append(out, [2]string{"", s.t(r, "admin.workspace_default")})
	}
	for _, l := range web.Languages() {
		out = append(out, [2]string{l.Code, s.t(r, "lang."+l.Code)})
	}
	return out
}

func zoneOptions(s *Server, r *http.Request, withDefault bool, current string) [][2]string {
	var out [][2]string
	if withDefault {
		out = append(out, [2]string{"", s.t(r, "admin.workspace_default")})
	}
	zones := setupZones
	if current != "" && !slices.Contains(zones, current) {
		zones = append([]string{current}, zones...)
	}
	for _, z := range zones {
		out = append(out, [2]string{z, z})
	}
	return out
}

func (s *Server) workspacePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	d := newSettings("workspace")
	ws, err := s.Auth.GetWorkspace(r.Context(), p.WorkspaceID)
	if err != nil {
		return err
	}
	d.Values = map[string]string{"name": ws.Name, "currency": ws.Currency, "language": ws.Language, "timezone": ws.Timezone}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		for k := range d.Values {
			d.Values[k] = strings.TrimSpace(r.PostFormValue(k))
		}
		_, err := s.Auth.UpdateWorkspace(r.Context(), p, auth.WorkspaceInput{Name: strp(d.Values["name"]), Currency: strp(d.Values["currency"]), Language: strp(d.Values["language"]), Timezone: strp(d.Values["timezone"])})
		if err == nil {
			s.flash(r, web.FlashSuccess, s.t(r, "msg.saved"))
			http.Redirect(w, r, "/settings/workspace", http.StatusSeeOther)
			return nil
		}
		if !s.formFailed(r, d, err) {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	cur := setupCurrencies
	if !slices.Contains(cur, d.Values["currency"]) {
		cur = append([]string{d.Values["currency"]}, cur...)
	}
	var curOpts [][2]string
	for _, c := range cur {
		curOpts = append(curOpts, [2]string{c, c})
	}
	d.Extra["Currencies"], d.Extra["Langs"], d.Extra["Zones"] = curOpts, langOptions(s, r, false), zoneOptions(s, r, false, d.Values["timezone"])
	s.renderSettings(w, r, p, status, "admin/workspace", "settings.workspace", d)
	return nil
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	d := newSettings("users")
	users, err := s.Auth.ListUsers(r.Context(), p)
	if err != nil {
		return err
	}
	teams, err := s.Auth.ListTeams(r.Context(), p)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, t := range teams {
		names[t.ID] = t.Name
	}
	d.Items, d.Extra["TeamNames"] = users, names
	s.renderSettings(w, r, p, http.StatusOK, "admin/users", "settings.users", d)
	return nil
}

func (s *Server) userFormPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("id")
	d := newSettings("users")
	var u *auth.User
	if id != "" {
		var err error
		if u, err = s.Auth.GetUser(ctx, p, id); err != nil {
			return err
		}
		d.Item = u
		d.Values = map[string]string{"email": u.Email, "name": u.Name, "role_id": u.RoleID, "language": u.Language, "timezone": u.Timezone}
		if u.Active {
			d.Values["active"] = "true"
		}
		d.Extra["Teams"] = u.TeamIDs
	} else {
		d.Values["active"] = "true"
		d.Extra["Teams"] = []string{}
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		_ = r.ParseForm()
		for _, k := range []string{"email", "name", "role_id", "language", "timezone"} {
			d.Values[k] = strings.TrimSpace(r.PostFormValue(k))
		}
		teams := r.PostForm["team_ids"]
		d.Extra["Teams"] = teams
		in := auth.UserInput{Email: strp(d.Values["email"]), Name: strp(d.Values["name"]), RoleID: strp(d.Values["role_id"]),
			Language: strp(d.Values["language"]), Timezone: strp(d.Values["timezone"]), TeamIDs: &teams}
		if pw := r.PostFormValue("password"); pw != "" {
			in.Password = &pw
		}
		var err error
		if id == "" {
			var invite string
			u, invite, err = s.Auth.CreateUser(ctx, p, in)
			if err == nil {
				if invite != "" {
					s.flash(r, web.FlashSuccess, s.t(r, "admin.invited", "Link", absoluteURL(r, "/invite/"+invite)))
				} else {
					s.flash(r, web.FlashSuccess, s.t(r, "msg.saved"))
				}
				http.Redirect(w, r, "/settings/users/"+u.ID, http.StatusSeeOther)
				return nil
			}
		} else {
			active := r.PostFormValue("active") == "true"
			in.Active = &active
			if _, err = s.Auth.UpdateUser(ctx, p, id, in); err == nil {
				s.flash(r, web.FlashSuccess, s.t(r, "msg.saved"))
				http.Redirect(w, r, "/settings/users/"+id, http.StatusSeeOther)
				return nil
			}
		}
		if !s.formFailed(r, d, err) {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	roles, err := s.Auth.ListRoles(ctx, p)
	if err != nil {
		return err
	}
	roleOpts := roleOptions(roles)
	if d.Values["role_id"] == "" && len(roles) > 0 {
		for _, ro := range roles {
			if ro.Builtin == auth.RoleSales {
				d.Values["role_id"] = ro.ID
			}
		}
	}
	teams, err := s.Auth.ListTeams(ctx, p)
	if err != nil {
		return err
	}
	d.Extra["Roles"], d.Extra["AllTeams"], d.Extra["Langs"], d.Extra["Zones"] = roleOpts, teams, langOptions(s, r, true), zoneOptions(s, r, true, d.Values["timezone"])
	title := "admin.new_user"
	if u != nil {
		title = "admin.edit_user"
	}
	s.renderSettings(w, r, p, status, "admin/user", title, d)
	return nil
}

// absoluteURL makes a link to this server for copying elsewhere.
func absoluteURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

func (s *Server) teamsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	d := newSettings("teams")
	teams, err := s.Auth.ListTeams(r.Context(), p)
	if err != nil {
		return err
	}
	d.Items = teams
	s.renderSettings(w, r, p, http.StatusOK, "admin/teams", "settings.teams", d)
	return nil
}

func (s *Server) teamFormPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("id")
	d := newSettings("teams")
	members := []string{}
	if id != "" {
		t, err := s.Auth.GetTeam(ctx, p, id)
		if err != nil {
			return err
		}
		d.Item = t
		d.Values["name"], d.Values["description"] = t.Name, t.Description
		members = t.MemberIDs
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		_ = r.ParseForm()
		d.Values["name"], d.Values["description"] = strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("description"))
		members = r.PostForm["member_ids"]
		t, err := s.Auth.SaveTeam(ctx, p, id, auth.TeamInput{Name: strp(d.Values["name"]), Description: strp(d.Values["description"]), MemberIDs: &members})
		if err == nil {
			s.flash(r, web.FlashSuccess, s.t(r, "msg.saved"))
			http.Redirect(w, r, "/settings/teams/"+t.ID, http.StatusSeeOther)
			return nil
		}
		if !s.formFailed(r, d, err) {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	users, err := s.Auth.ListUsers(ctx, p)
	if err != nil {
		return err
	}
	d.Extra["Users"], d.Extra["Members"] = users, members
	title := "admin.new_team"
	if id != "" {
		title = "admin.edit_team"
	}
	s.renderSettings(w, r, p, status, "admin/team", title, d)
	return nil
}

func (s *Server) rolesPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	ctx := r.Context()
	d := newSettings("roles")
	status := http.StatusOK
	if r.Method == http.MethodPost {
		d.Values["name"], d.Values["copy_from"] = strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("copy_from")
		in := auth.RoleInput{Name: strp(d.Values["name"])}
		if d.Values["copy_from"] != "" {
			in.CopyFrom = strp(d.Values["copy_from"])
		}
		role, err := s.Auth.SaveRole(ctx, p, "", in)
		if err == nil {
			s.flash(r, web.FlashSuccess, s.t(r, "msg.saved"))
			http.Redirect(w, r, "/settings/roles/"+role.ID, http.StatusSeeOther)
			return nil
		}
		if !s.formFailed(r, d, err) {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	roles, err := s.Auth.ListRoles(ctx, p)
	if err != nil {
		return err
	}
	opts := roleOptions(roles)
	d.Items, d.Extra["Copy"] = roles, opts
	s.renderSettings(w, r, p, status, "admin/roles", "settings.roles", d)
	return nil
}

// permRow is one object's line of the permission matrix.
type permRow struct {
	Object string
	Label  string
	Perm   auth.ObjectPerm
	Set    bool // the role names the object (else it follows "*")
}

func (s *Server) roleFormPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	ctx := r.Context()
	role, err := s.Auth.GetRole(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := newSettings("roles")
	d.Item = role
	d.Values["name"] = role.Name
	objects := append([]string{"*"}, s.Auth.Objects()...)
	status := http.StatusOK
	if r.Method == http.MethodPost {
		_ = r.ParseForm()
		d.Values["name"] = strings.TrimSpace(r.PostFormValue("name"))
		in := auth.RoleInput{Name: strp(d.Values["name"])}
		if !role.IsAdmin {
			perms := map[string]auth.ObjectPerm{}
			for _, o := range objects {
				if o != "*" && r.PostFormValue("inherit."+o) == "on" {
					continue
				}
				perms[o] = auth.ObjectPerm{Read: r.PostFormValue(o+".read") == "on", Create: r.PostFormValue(o+".create") == "on",
					Update: r.PostFormValue(o+".update") == "on", Delete: r.PostFormValue(o+".delete") == "on", Scope: auth.Scope(r.PostFormValue(o + ".scope"))}
			}
			in.Permissions = &perms
		}
		if role, err = s.Auth.SaveRole(ctx, p, role.ID, in); err == nil {
			s.flash(r, web.FlashSuccess, s.t(r, "msg.saved"))
			http.Redirect(w, r, "/settings/roles/"+role.ID, http.StatusSeeOther)
			return nil
		}
		if !s.formFailed(r, d, err) {
			return err
		}
		status = http.StatusUnprocessableEntity
		role, _ = s.Auth.GetRole(ctx, p, r.PathValue("id"))
	}
	lang := s.lang(r, p)
	var rows []permRow
	for _, o := range objects {
		row := permRow{Object: o, Label: s.tr.T(lang, "admin.all_other_objects")}
		if o != "*" {
			obj, _ := s.Records.Object(o)
			row.Label = s.tr.T(lang, obj.LabelKey)
		}
		row.Perm, row.Set = role.Permissions[o]
		if !row.Set {
			row.Perm = role.Permissions["*"]
		}
		if !row.Perm.Scope.Valid() {
			row.Perm.Scope = auth.ScopeOwn
		}
		rows = append(rows, row)
	}
	d.Items = rows
	d.Extra["Scopes"] = [][2]string{{"own", s.tr.T(lang, "admin.scope_own")}, {"team", s.tr.T(lang, "admin.scope_team")}, {"all", s.tr.T(lang, "admin.scope_all")}}
	s.renderSettings(w, r, p, status, "admin/role", "admin.edit_role", d)
	return nil
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	d := newSettings("tokens")
	status := http.StatusOK
	if r.Method == http.MethodPost {
		d.Values["name"] = strings.TrimSpace(r.PostFormValue("name"))
		_, secret, err := s.Auth.CreateToken(ctx, p, d.Values["name"])
		if err != nil {
			if !s.formFailed(r, d, err) {
				return err
			}
			status = http.StatusUnprocessableEntity
		} else {
			// Shown on this response only: the token is stored hashed.
			d.Extra["Secret"] = secret
			d.Values["name"] = ""
			status = http.StatusCreated
		}
	}
	tokens, err := s.Auth.ListTokens(ctx, p)
	if err != nil {
		return err
	}
	emails := map[string]string{}
	if p.IsAdmin {
		users, _ := s.Auth.ListUsers(ctx, p)
		for _, u := range users {
			emails[u.ID] = u.Email
		}
	}
	d.Items, d.Extra["Emails"] = tokens, emails
	s.renderSettings(w, r, p, status, "admin/tokens", "settings.api_tokens", d)
	return nil
}

// fieldGroup lists one object's custom fields.
type fieldGroup struct {
	Object string
	Label  string
	Fields []records.CustomField
}

func (s *Server) fieldsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	d := newSettings("fields")
	all, err := s.Records.ListCustomFields(r.Context(), p, "")
	if err != nil {
		return err
	}
	lang := s.lang(r, p)
	var groups []fieldGroup
	for _, o := range s.Records.Objects() {
		if !o.Customizable {
			continue
		}
		g := fieldGroup{Object: o.Name, Label: s.tr.T(lang, o.LabelKey)}
		for _, f := range all {
			if f.Object == o.Name {
				g.Fields = append(g.Fields, f)
			}
		}
		groups = append(groups, g)
	}
	d.Items = groups
	s.renderSettings(w, r, p, http.StatusOK, "admin/fields", "settings.custom_fields", d)
	return nil
}

// parseOptions reads "value | English | Español | 中文" lines.
func parseOptions(text string) []records.Option {
	var out []records.Option
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		o := records.Option{Value: strings.TrimSpace(parts[0]), Labels: map[string]string{}}
		for i, l := range []string{"en", "es", "zh"} {
			if len(parts) > i+1 {
				if v := strings.TrimSpace(parts[i+1]); v != "" {
					o.Labels[l] = v
				}
			}
		}
		out = append(out, o)
	}
	return out
}

func formatOptions(opts []records.Option) string {
	var b strings.Builder
	for _, o := range opts {
		b.WriteString(o.Value)
		for _, l := range []string{"en", "es", "zh"} {
			b.WriteString(" | " + o.Labels[l])
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (s *Server) fieldFormPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("id")
	d := newSettings("fields")
	d.Values["object"] = r.URL.Query().Get("object")
	d.Values["type"] = "text"
	if id != "" {
		f, err := s.Records.GetCustomField(ctx, p, id)
		if err != nil {
			return err
		}
		d.Item = f
		d.Values = map[string]string{"object": f.Object, "name": strings.TrimPrefix(f.Name, records.CustomPrefix), "type": string(f.Type), "target": f.Target,
			"label_en": f.Labels["en"], "label_es": f.Labels["es"], "label_zh": f.Labels["zh"], "options": formatOptions(f.Options)}
		if f.Required {
			d.Values["required"] = "on"
		}
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		for _, k := range []string{"object", "name", "type", "target", "label_en", "label_es", "label_zh", "options", "required"} {
			d.Values[k] = strings.TrimSpace(r.PostFormValue(k))
		}
		labels := map[string]string{"en": d.Values["label_en"], "es": d.Values["label_es"], "zh": d.Values["label_zh"]}
		req := d.Values["required"] == "on"
		typ := records.FieldType(d.Values["type"])
		in := records.CustomFieldInput{Labels: &labels, Required: &req}
		if typ == records.Select || typ == records.MultiSelect {
			opts := parseOptions(d.Values["options"])
			in.Options = &opts
		}
		var err error
		if id == "" {
			in.Object, in.Name, in.Type = strp(d.Values["object"]), strp(d.Values["name"]), &typ
			if typ == records.Reference {
				in.Target = strp(d.Values["target"])
			}
			_, err = s.Records.CreateCustomField(ctx, p, in)
		} else {
			_, err = s.Records.UpdateCustomField(ctx, p, id, in)
		}
		if err == nil {
			s.flash(r, web.FlashSuccess, s.t(r, "msg.saved"))
			http.Redirect(w, r, "/settings/fields", http.StatusSeeOther)
			return nil
		}
		if !s.formFailed(r, d, err) {
			return err
		}
		// Errors on labels.en or options[2].value show under their input.
		for k, v := range d.Errors {
			switch {
			case strings.HasPrefix(k, "labels."):
				d.Errors["label_"+strings.TrimPrefix(k, "labels.")] = v
			case strings.HasPrefix(k, "options"):
				d.Errors["options"] = v
			}
		}
		status = http.StatusUnprocessableEntity
	}
	lang := s.lang(r, p)
	var objs, targets, types [][2]string
	for _, o := range s.Records.Objects() {
		targets = append(targets, [2]string{o.Name, s.tr.T(lang, o.LabelKey)})
		if o.Customizable {
			objs = append(objs, [2]string{o.Name, s.tr.T(lang, o.LabelKey)})
		}
	}
	for _, t := range records.FieldTypes {
		types = append(types, [2]string{string(t), s.tr.T(lang, "fieldtype."+string(t))})
	}
	d.Extra["Objects"], d.Extra["Targets"], d.Extra["Types"] = objs, targets, types
	title := "admin.new_field"
	if id != "" {
		title = "admin.edit_field"
	}
	s.renderSettings(w, r, p, status, "admin/field", title, d)
	return nil
}

// profilePage: your name, language and time zone, password, and
// two-factor sign-in. The "action" field says which form was sent.
func (s *Server) profilePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	d := newSettings("profile")
	u, err := s.Auth.GetUser(ctx, p, p.UserID)
	if err != nil {
		return err
	}
	d.Values = map[string]string{"name": u.Name, "language": u.Language, "timezone": u.Timezone}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		var err error
		done := "msg.saved"
		switch r.PostFormValue("action") {
		case "profile":
			for _, k := range []string{"name", "language", "timezone"} {
				d.Values[k] = strings.TrimSpace(r.PostFormValue(k))
			}
			_, err = s.Auth.UpdateUser(ctx, p, p.UserID, auth.UserInput{Name: strp(d.Values["name"]), Language: strp(d.Values["language"]), Timezone: strp(d.Values["timezone"])})
			if err == nil && d.Values["language"] != "" {
				// The new preference wins over an older language cookie.
				http.SetCookie(w, &http.Cookie{Name: web.LangCookie, Value: d.Values["language"], Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
			}
		case "password":
			if r.PostFormValue("new_password") != r.PostFormValue("new_password2") {
				d.Errors["new_password2"] = s.t(r, "invite.mismatch")
				status = http.StatusUnprocessableEntity
				break
			}
			err = s.Auth.ChangeOwnPassword(ctx, p, r.PostFormValue("current_password"), r.PostFormValue("new_password"))
			done = "admin.password_changed"
		case "totp_begin":
			setup, err := s.Auth.BeginTOTP(ctx, p)
			if err != nil {
				return err
			}
			d.Extra["TOTP"] = setup
			if img, err := qrDataURL(setup.URL); err == nil {
				d.Extra["QR"] = img
			}
			status = http.StatusOK
		case "totp_enable":
			err = s.Auth.EnableTOTP(ctx, p, r.PostFormValue("code"))
			done = "admin.totp_on"
		case "totp_disable":
			err = s.Auth.DisableTOTP(ctx, p, p.UserID, r.PostFormValue("password"))
			done = "admin.totp_off"
		default:
			return errs.Field("body.action", "is not a known form")
		}
		if err != nil {
			if !s.formFailed(r, d, err) {
				return err
			}
			status = http.StatusUnprocessableEntity
		} else if status == http.StatusOK && d.Extra["TOTP"] == nil {
			s.flash(r, web.FlashSuccess, s.t(r, done))
			http.Redirect(w, r, "/profile", http.StatusSeeOther)
			return nil
		}
	}
	d.Item = u
	d.Extra["Langs"], d.Extra["Zones"] = langOptions(s, r, true), zoneOptions(s, r, true, d.Values["timezone"])
	pg := s.newPage(r, p, s.t(r, "action.profile"), "", d)
	if d.Error != "" {
		pg.Flash = append(pg.Flash, web.Flash{Kind: web.FlashError, Message: d.Error})
	}
	s.render.Page(w, r, status, "admin/profile", pg)
	return nil
}

// qrDataURL draws an otpauth URL as a QR code PNG data URL.
func qrDataURL(u string) (template.URL, error) {
	key, err := otp.NewKeyFromURL(u)
	if err != nil {
		return "", err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return "", err
	}
	// Our own PNG bytes, so the data URL is safe to put in src.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())), nil
}

// roleOptions lists roles as select options.
func roleOptions(roles []*auth.Role) [][2]string {
	out := make([][2]string, 0, len(roles))
	for _, ro := range roles {
		out = append(out, [2]string{ro.ID, ro.Name})
	}
	return out
}
