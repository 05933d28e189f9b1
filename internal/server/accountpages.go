package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/web"
)

// formData is what auth-layout forms show back: values and field errors.
type formData struct {
	Values map[string]string
	Errors map[string]string
	Error  string // a message for the whole form
	Extra  any
}

func newForm(r *http.Request, keys ...string) *formData {
	f := &formData{Values: map[string]string{}, Errors: map[string]string{}}
	for _, k := range keys {
		f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	return f
}

// currencies offered at setup; any ISO code is accepted through the API.
var setupCurrencies = []string{"USD", "EUR", "CNY", "GBP", "MXN", "ARS", "COP", "CLP", "PEN", "BRL", "JPY", "HKD", "TWD", "SGD", "CAD", "AUD", "CHF", "INR"}

// setupZones are the time zones offered in forms.
var setupZones = []string{"UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Mexico_City", "America/Bogota", "America/Lima",
	"America/Santiago", "America/Argentina/Buenos_Aires", "America/Sao_Paulo", "Europe/London", "Europe/Madrid", "Europe/Paris", "Europe/Berlin",
	"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney"}

func (s *Server) registerAccountPages() {
	m := s.Mux
	m.HandleFunc("GET /setup", s.setupPage)
	m.HandleFunc("POST /setup", s.setupPage)
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.loginPage)
	m.HandleFunc("GET /login/totp", s.totpPage)
	m.HandleFunc("POST /login/totp", s.totpPage)
	m.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		_ = s.Sessions.Destroy(r.Context())
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	})
	m.HandleFunc("GET /invite/{token}", s.invitePage)
	m.HandleFunc("POST /invite/{token}", s.invitePage)
	m.Handle("GET /{$}", s.page(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		pg := s.newPage(r, p, s.t(r, "home.title"), "home", nil)
		s.render.Page(w, r, http.StatusOK, "modules/home", pg)
		return nil
	}))
}

func (s *Server) authPage(w http.ResponseWriter, r *http.Request, status int, name, titleKey string, f *formData) {
	pg := s.newPage(r, nil, s.t(r, titleKey), "", f)
	s.render.Page(w, r, status, name, pg)
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) {
	has, err := s.Auth.HasWorkspace(r.Context())
	if err != nil {
		s.pageError(w, r, nil, err)
		return
	}
	if has {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	f := newForm(r, "workspace", "currency", "language", "timezone", "name", "email")
	f.Extra = map[string]any{"Currencies": setupCurrencies, "Zones": setupZones}
	if r.Method == http.MethodGet {
		f.Values["currency"], f.Values["language"], f.Values["timezone"] = "USD", web.Negotiate(r, "", ""), "UTC"
		s.authPage(w, r, http.StatusOK, "account/setup", "setup.title", f)
		return
	}
	in := auth.SetupInput{Workspace: f.Values["workspace"], Currency: f.Values["currency"], Language: f.Values["language"], Timezone: f.Values["timezone"],
		Name: f.Values["name"], Email: f.Values["email"], Password: r.PostFormValue("password")}
	_, u, err := s.Auth.Setup(r.Context(), in)
	if err != nil {
		if fe, ok := fieldErrors(err); ok {
			f.Errors = fe
			s.authPage(w, r, http.StatusUnprocessableEntity, "account/setup", "setup.title", f)
			return
		}
		s.pageError(w, r, nil, err)
		return
	}
	if err := s.signIn(r, u); err != nil {
		s.pageError(w, r, nil, err)
		return
	}
	s.flash(r, web.FlashSuccess, s.t(r, "setup.done"))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		if has, err := s.Auth.HasWorkspace(r.Context()); err == nil && !has {
			http.Redirect(w, r, "/setup", http.StatusSeeOther)
			return
		}
	}
	f := newForm(r, "email", "workspace")
	next := safeNext(r.FormValue("next"))
	f.Values["next"] = next
	if r.Method == http.MethodGet {
		s.authPage(w, r, http.StatusOK, "account/login", "login.title", f)
		return
	}
	u, err := s.Auth.Login(r.Context(), auth.LoginInput{Email: f.Values["email"], Password: r.PostFormValue("password"), Workspace: f.Values["workspace"], Addr: clientAddr(r)})
	if err != nil {
		status := errs.Status(errs.CodeOf(err))
		switch e, _ := errs.As(err); {
		case e == nil:
			s.pageError(w, r, nil, err)
			return
		case e.Code == errs.TooManyRequests:
			w.Header().Set("Retry-After", itoa(e.RetryAfter))
			f.Error = s.t(r, "login.too_many_attempts", "Seconds", e.RetryAfter)
		case e.Code == errs.Invalid:
			f.Errors, _ = fieldErrors(err)
			f.Values["show_workspace"] = "1"
			f.Error = s.t(r, "login.need_workspace")
		default:
			f.Error = s.t(r, "login.wrong_credentials")
		}
		s.authPage(w, r, status, "account/login", "login.title", f)
		return
	}
	if err := s.signIn(r, u); err != nil {
		s.pageError(w, r, nil, err)
		return
	}
	if u.TOTPEnabled {
		http.Redirect(w, r, "/login/totp?next="+urlEscape(next), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) totpPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	uid, ws := s.Sessions.GetString(ctx, "user_id"), s.Sessions.GetString(ctx, "workspace_id")
	if uid == "" || !s.Sessions.GetBool(ctx, "mfa_pending") {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	f := newForm(r)
	next := safeNext(r.FormValue("next"))
	f.Values["next"] = next
	if r.Method == http.MethodGet {
		s.authPage(w, r, http.StatusOK, "account/totp", "login.totp_title", f)
		return
	}
	if err := s.Auth.VerifyTOTP(ctx, ws, uid, r.PostFormValue("code"), clientAddr(r)); err != nil {
		status := errs.Status(errs.CodeOf(err))
		if e, ok := errs.As(err); ok && e.Code == errs.TooManyRequests {
			w.Header().Set("Retry-After", itoa(e.RetryAfter))
			f.Error = s.t(r, "login.too_many_attempts", "Seconds", e.RetryAfter)
		} else {
			f.Errors["code"] = s.t(r, "login.bad_code")
		}
		s.authPage(w, r, status, "account/totp", "login.totp_title", f)
		return
	}
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.pageError(w, r, nil, err)
		return
	}
	s.Sessions.Put(ctx, "mfa_pending", false)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) invitePage(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	if r.Method == http.MethodGet {
		s.authPage(w, r, http.StatusOK, "account/invite", "invite.title", f)
		return
	}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		f.Errors["password2"] = s.t(r, "invite.mismatch")
		s.authPage(w, r, http.StatusUnprocessableEntity, "account/invite", "invite.title", f)
		return
	}
	u, err := s.Auth.AcceptInvite(r.Context(), r.PathValue("token"), pw)
	if err != nil {
		if fe, ok := fieldErrors(err); ok {
			f.Errors = fe
			s.authPage(w, r, http.StatusUnprocessableEntity, "account/invite", "invite.title", f)
			return
		}
		f.Error = s.t(r, "invite.invalid")
		s.authPage(w, r, http.StatusNotFound, "account/invite", "invite.title", f)
		return
	}
	if err := s.signIn(r, u); err != nil {
		s.pageError(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// registerModulePages mounts the sections whose modules come in later
// releases, so navigation never leads to a dead link.
func (s *Server) registerModulePages() {
	for _, sec := range []string{"marketing", "service", "analytics"} {
		s.Mux.Handle("GET /"+sec, s.page(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
			pg := s.newPage(r, p, s.t(r, "nav."+sec), sec, sec)
			s.render.Page(w, r, http.StatusOK, "modules/soon", pg)
			return nil
		}))
	}
	s.Mux.Handle("GET /search", s.page(s.searchPage))
	_ = time.Now
}
