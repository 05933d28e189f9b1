package server

import (
	"net"
	"net/http"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auditlog"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
)

// clientAddr is the address sign-in attempts are limited by: the
// client's, through trusted proxies only (see Server.secure).
func clientAddr(r *http.Request) string {
	if ip := auditlog.ClientFrom(r.Context()).IP; ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

var (
	userSchema = api.Schema{"type": "object", "properties": api.Schema{
		"id": api.Schema{"type": "string"}, "email": api.Schema{"type": "string"}, "name": api.Schema{"type": "string"}, "role_id": api.Schema{"type": "string"},
		"role_name": api.Schema{"type": "string"}, "language": api.Schema{"type": "string"}, "timezone": api.Schema{"type": "string"}, "active": api.Schema{"type": "boolean"},
		"totp_enabled": api.Schema{"type": "boolean"}, "invited": api.Schema{"type": "boolean"}, "team_ids": api.Schema{"type": "array", "items": api.Schema{"type": "string"}},
		"last_login_at": api.Schema{"type": []string{"string", "null"}}, "created_at": api.Schema{"type": "string"}}}
	workspaceSchema = api.Schema{"type": "object", "properties": api.Schema{
		"id": api.Schema{"type": "string"}, "name": api.Schema{"type": "string"}, "currency": api.Schema{"type": "string"},
		"language": api.Schema{"type": "string", "enum": auth.Languages}, "timezone": api.Schema{"type": "string"}, "created_at": api.Schema{"type": "string"}}}
	str = api.Schema{"type": "string"}
)

func obj(props api.Schema, required ...string) api.Schema {
	s := api.Schema{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// signIn starts an authenticated session (or one awaiting the second
// factor). The session token is renewed to prevent fixation.
func (s *Server) signIn(r *http.Request, u *auth.User) error {
	ctx := r.Context()
	if err := s.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.Sessions.Put(ctx, "user_id", u.ID)
	s.Sessions.Put(ctx, "workspace_id", u.WorkspaceID)
	s.Sessions.Put(ctx, "mfa_pending", u.TOTPEnabled)
	return nil
}

func (s *Server) registerAccountAPI() {
	a := s.API
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/setup", ID: "setup", Tag: "session", Public: true, Status: 201,
		Summary:     "First-run setup: create the first workspace and its admin",
		Description: "Allowed only while the server has no workspace; later workspaces are added with `rapport setup`.",
		Body:        obj(api.Schema{"workspace": str, "currency": str, "language": str, "timezone": str, "email": str, "name": str, "password": str}, "workspace", "email", "password"),
		Response:    api.Schema{"type": "object", "properties": api.Schema{"workspace": workspaceSchema, "user": userSchema}},
		Handler: func(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
			var in auth.SetupInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			has, err := s.Auth.HasWorkspace(r.Context())
			if err != nil {
				return err
			}
			if has {
				return errs.E(errs.Forbidden, "Setup is done; sign in instead.")
			}
			ws, u, err := s.Auth.Setup(r.Context(), in)
			if err != nil {
				return err
			}
			if err := s.signIn(r, u); err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusCreated, map[string]any{"workspace": ws, "user": u})
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/session", ID: "sign_in", Tag: "session", Public: true,
		Summary:     "Sign in with e-mail and password (sets the session cookie)",
		Description: "After 10 failed attempts for one account and address within a minute the answer is 429 with Retry-After. When mfa_required is true, finish with POST /api/v1/session/totp.",
		Body:        obj(api.Schema{"email": str, "password": str, "workspace": str}, "email", "password"),
		Response:    api.Schema{"type": "object", "properties": api.Schema{"user": userSchema, "mfa_required": api.Schema{"type": "boolean"}}},
		Handler: func(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
			var in auth.LoginInput
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			in.Addr = clientAddr(r)
			u, err := s.Auth.Login(r.Context(), in)
			if err != nil {
				return err
			}
			if err := s.signIn(r, u); err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"user": u, "mfa_required": u.TOTPEnabled})
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/session/totp", ID: "sign_in_totp", Tag: "session", Public: true,
		Summary: "Finish signing in with the code of an authenticator app",
		Body:    obj(api.Schema{"code": str}, "code"), Response: obj(api.Schema{"ok": api.Schema{"type": "boolean"}}),
		Handler: func(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
			var in struct {
				Code string `json:"code"`
			}
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			ctx := r.Context()
			uid, ws := s.Sessions.GetString(ctx, "user_id"), s.Sessions.GetString(ctx, "workspace_id")
			if uid == "" || !s.Sessions.GetBool(ctx, "mfa_pending") {
				return errs.E(errs.Unauthorized, "Sign in with your password first.")
			}
			if err := s.Auth.VerifyTOTP(ctx, ws, uid, in.Code, clientAddr(r)); err != nil {
				return err
			}
			if err := s.Sessions.RenewToken(ctx); err != nil {
				return err
			}
			s.Sessions.Put(ctx, "mfa_pending", false)
			api.WriteJSON(w, http.StatusOK, map[string]any{"ok": true})
			return nil
		}})
	a.Handle(api.Op{Method: "DELETE", Path: "/api/v1/session", ID: "sign_out", Tag: "session", Public: true, Status: 204,
		Summary: "Sign out (ends the browser session)",
		Handler: func(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
			if err := s.signOut(r); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	a.Handle(api.Op{Method: "GET", Path: "/api/v1/me", ID: "get_me", Tag: "me", Summary: "The signed-in user", Response: userSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			u, err := s.Auth.GetUser(r.Context(), p, p.UserID)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, u)
			return nil
		}})
	a.Handle(api.Op{Method: "PATCH", Path: "/api/v1/me", ID: "update_me", Tag: "me", Summary: "Change your name, language or time zone",
		Body: obj(api.Schema{"name": str, "language": str, "timezone": str}), Response: userSchema,
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in struct {
				Name     *string `json:"name"`
				Language *string `json:"language"`
				Timezone *string `json:"timezone"`
			}
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			u, err := s.Auth.UpdateUser(r.Context(), p, p.UserID, auth.UserInput{Name: in.Name, Language: in.Language, Timezone: in.Timezone})
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, u)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/me/password", ID: "change_password", Tag: "me", Summary: "Change your password", Status: 204,
		Body: obj(api.Schema{"current_password": str, "new_password": str}, "current_password", "new_password"),
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in struct {
				Current string `json:"current_password"`
				New     string `json:"new_password"`
			}
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			if err := s.Auth.ChangeOwnPassword(r.Context(), p, in.Current, in.New); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/me/totp", ID: "begin_totp", Tag: "me", Summary: "Start two-factor setup: returns a new secret and its otpauth URL",
		Response: obj(api.Schema{"secret": str, "otpauth_url": str}),
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			out, err := s.Auth.BeginTOTP(r.Context(), p)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, out)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/me/totp/enable", ID: "enable_totp", Tag: "me", Summary: "Turn two-factor sign-in on with a code from the new secret", Status: 204,
		Body: obj(api.Schema{"code": str}, "code"),
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in struct {
				Code string `json:"code"`
			}
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			if err := s.Auth.EnableTOTP(r.Context(), p, in.Code); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	a.Handle(api.Op{Method: "POST", Path: "/api/v1/me/totp/disable", ID: "disable_totp", Tag: "me", Summary: "Turn two-factor sign-in off (needs your password)", Status: 204,
		Body: obj(api.Schema{"password": str}, "password"),
		Handler: func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			var in struct {
				Password string `json:"password"`
			}
			if err := api.Decode(w, r, &in); err != nil {
				return err
			}
			if err := s.Auth.DisableTOTP(r.Context(), p, p.UserID, in.Password); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
}
