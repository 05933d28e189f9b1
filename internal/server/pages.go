package server

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/web"
)

//go:embed templates
var templatesFS embed.FS

// pageFunc is a signed-in page handler; like API handlers it returns
// errors for one place to render.
type pageFunc func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error

// registerPages builds the renderer and mounts the web UI.
func (s *Server) registerPages() error {
	sub, err := fs.Sub(templatesFS, "templates")
	if err != nil {
		return err
	}
	rd, err := web.NewRenderer(s.tr, web.WithPages(sub), web.WithLogger(s.Log))
	if err != nil {
		return err
	}
	s.render = rd
	m := s.Mux
	m.Handle("GET /static/", web.StaticHandler())
	m.Handle("POST /lang", web.LangHandler())
	s.registerAccountPages()
	s.registerRecordPages()
	s.registerCustomerPages()
	s.registerSettingsPages()
	s.registerAuditPages()
	s.registerRatePages()
	s.registerSalesPages()
	s.registerImportPages()
	s.registerPrivacyPages()
	s.registerModulePages()
	s.registerOrderPages()
	return nil
}

// t translates for the request's page language.
func (s *Server) t(r *http.Request, key string, args ...any) string {
	return s.tr.T(s.lang(r, nil), key, args...)
}

// lang chooses the page language: cookie, the user's setting, the
// browser, the workspace default.
func (s *Server) lang(r *http.Request, p *auth.Principal) string {
	user, wsLang := "", ""
	if p != nil {
		user = p.Lang
		if w, err := s.Auth.GetWorkspace(r.Context(), p.WorkspaceID); err == nil {
			wsLang = w.Language
		}
	}
	return web.Negotiate(r, user, wsLang)
}

// newPage builds the page frame for a signed-in user.
func (s *Server) newPage(r *http.Request, p *auth.Principal, title, nav string, data any) *web.Page {
	pg := &web.Page{Title: title, Nav: nav, Data: data, TZ: time.UTC}
	if p == nil {
		pg.Lang = web.Negotiate(r, "", "")
		pg.Layout = web.LayoutAuth
		return pg
	}
	w, err := s.Auth.GetWorkspace(r.Context(), p.WorkspaceID)
	wsLang, tz := "", p.TZ
	if err == nil {
		pg.Workspace = &web.Workspace{ID: w.ID, Name: w.Name, Currency: w.Currency}
		wsLang = w.Language
		if tz == "" {
			tz = w.Timezone
		}
	}
	if loc, err := time.LoadLocation(tz); err == nil && tz != "" {
		pg.TZ = loc
	}
	pg.Lang = web.Negotiate(r, p.Lang, wsLang)
	pg.User = &web.User{ID: p.UserID, Name: p.Name, Email: p.Email, IsAdmin: p.IsAdmin}
	if msg := s.Sessions.PopString(r.Context(), "flash"); msg != "" {
		kind, text, _ := strings.Cut(msg, "|")
		pg.Flash = append(pg.Flash, web.Flash{Kind: kind, Message: text})
	}
	return pg
}

// flash queues a translated message for the next page.
func (s *Server) flash(r *http.Request, kind, message string) {
	s.Sessions.Put(r.Context(), "flash", kind+"|"+message)
}

// page wraps a handler that needs a signed-in browser session: without
// one it redirects to sign-in (or to first-run setup on a new server).
func (s *Server) page(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.sessionPrincipal(r)
		if err != nil {
			if has, herr := s.Auth.HasWorkspace(r.Context()); herr == nil && !has {
				http.Redirect(w, r, "/setup", http.StatusSeeOther)
				return
			}
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = "/"
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		r = r.WithContext(api.WithPrincipal(r.Context(), p))
		if err := fn(w, r, p); err != nil {
			s.pageError(w, r, p, err)
		}
	})
}

// sessionPrincipal is the signed-in user of a browser session. Pages do
// not accept bearer tokens: those are for the API.
func (s *Server) sessionPrincipal(r *http.Request) (*auth.Principal, error) {
	ctx := r.Context()
	uid, ws := s.Sessions.GetString(ctx, "user_id"), s.Sessions.GetString(ctx, "workspace_id")
	if uid == "" || ws == "" || s.Sessions.GetBool(ctx, "mfa_pending") {
		return nil, errs.E(errs.Unauthorized, "Sign in first.")
	}
	p, err := s.Auth.Principal(ctx, ws, uid)
	if err != nil {
		return nil, err
	}
	p.SessionAuth = true
	noteCaller(ctx, p)
	return p, nil
}

// pageError shows an error page with the status of err.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, p *auth.Principal, err error) {
	e, ok := errs.As(err)
	if !ok {
		s.Log.ErrorContext(r.Context(), "page failed", "err", err, "request_id", api.RequestID(r.Context()), "path", r.URL.Path)
		e = &errs.Error{Code: errs.Internal}
	}
	status := errs.Status(e.Code)
	lang := s.lang(r, p)
	title, text := s.tr.T(lang, "msg.error"), s.tr.T(lang, "msg.error_detail")
	switch e.Code {
	case errs.NotFound:
		title, text = s.tr.T(lang, "msg.not_found"), s.tr.T(lang, "msg.not_found_detail")
	case errs.Forbidden:
		title, text = s.tr.T(lang, "msg.forbidden"), s.tr.T(lang, "msg.forbidden_detail")
	case errs.PreconditionFailed:
		title, text = s.tr.T(lang, "msg.stale"), s.tr.T(lang, "msg.stale_detail")
	case errs.TooManyRequests, errs.Invalid, errs.Conflict, errs.BadRequest:
		title, text = s.tr.T(lang, "msg.error"), e.Message
	}
	pg := s.newPage(r, p, title, "", text)
	s.render.Page(w, r, status, "error", pg)
}

// fieldErrors turns an application error's field errors into a map by
// field name (without the "body." prefix) for forms. ok is false when
// err is not a field error.
func fieldErrors(err error) (map[string]string, bool) {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 || (e.Code != errs.Invalid && e.Code != errs.Conflict) {
		return nil, false
	}
	out := map[string]string{}
	for _, f := range e.Fields {
		out[strings.TrimPrefix(f.Location, "body.")] = f.Message
	}
	return out, true
}

// isAppError reports whether err is an application error of code c.
func isAppError(err error, c errs.Code) bool {
	var e *errs.Error
	return errors.As(err, &e) && e.Code == c
}

// safeNext keeps post-sign-in redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func itoa(n int) string { return strconv.Itoa(n) }

func urlEscape(s string) string { return url.QueryEscape(s) }
