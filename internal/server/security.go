package server

import (
	"context"
	"mime"
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auditlog"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
)

// MaxFormBody is the largest request body that is not a multipart
// upload: JSON bodies (the API caps them at api.MaxBody), sign-in and
// settings forms, bulk selections. Uploads (multipart/form-data) may be
// as large as the largest upload limit, and each upload endpoint caps
// its own below that.
const MaxFormBody = 2 << 20

// DefaultCSP is the Content-Security-Policy of every answer that is not a
// page (pages send web.ContentSecurityPolicy): an API answer or a file
// loads nothing and may be framed by nobody.
const DefaultCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// deniedProbe carries the caller of a request out of the handlers (the
// API and the pages find it), so that the security middleware, which
// sits outside them, can file a 403 in the audit log under their name.
type deniedProbe struct{ p *auth.Principal }

type probeKey struct{}

// noteCaller tells the security middleware who the caller is.
func noteCaller(ctx context.Context, p *auth.Principal) {
	if pr, ok := ctx.Value(probeKey{}).(*deniedProbe); ok {
		pr.p = p
	}
}

// uploadLimit is the largest body any endpoint takes.
func (s *Server) uploadLimit() int64 {
	n := max(s.Cfg.MaxUpload, s.Cfg.MaxImport)
	if n <= 0 {
		n = 1 << 30
	}
	return n + 8<<20 // the form fields and multipart framing around the file
}

// secure wraps the whole handler: it finds the client's address (through
// trusted proxies only), sets the security headers every answer carries,
// caps the request body, and files permission denials in the audit log.
func (s *Server) secure(next http.Handler) http.Handler {
	limit := s.uploadLimit()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", DefaultCSP)
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.proxies.HTTPS(r) {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		max := int64(MaxFormBody)
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			max = limit
		}
		if r.ContentLength > max {
			s.tooLarge(w, r, max)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		probe := &deniedProbe{}
		ctx := auditlog.WithClient(r.Context(), auditlog.Client{IP: s.proxies.ClientIP(r), UserAgent: r.UserAgent()})
		ctx = context.WithValue(ctx, probeKey{}, probe)
		sw := &codeWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(ctx))
		if sw.code == http.StatusForbidden && probe.p != nil {
			s.Audit.Record(ctx, auditlog.Entry{WorkspaceID: probe.p.WorkspaceID, Event: auditlog.PermissionDenied, UserID: probe.p.UserID, Email: probe.p.Email,
				Detail: r.Method + " " + clipPath(r.URL.Path)})
		}
	})
}

func clipPath(p string) string {
	if len(p) > 300 {
		return p[:300] + "…"
	}
	return p
}

// tooLarge answers 413 before reading a body whose declared length is
// over the limit: problem+json for the API, plain text for pages.
func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request, max int64) {
	w.Header().Set("Connection", "close")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		api.WriteError(w, r, s.Log, errs.E(errs.TooLarge, "The body is larger than %d bytes.", max))
		return
	}
	http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
}

// codeWriter remembers the status written.
type codeWriter struct {
	http.ResponseWriter
	code int
}

func (c *codeWriter) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *codeWriter) Write(b []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	return c.ResponseWriter.Write(b)
}

func (c *codeWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// signOut ends the browser session and files the sign-out.
func (s *Server) signOut(r *http.Request) error {
	ctx := r.Context()
	uid, ws := s.Sessions.GetString(ctx, "user_id"), s.Sessions.GetString(ctx, "workspace_id")
	if uid != "" && ws != "" && !s.Sessions.GetBool(ctx, "mfa_pending") {
		e := auditlog.Entry{WorkspaceID: ws, Event: auditlog.SignOut, UserID: uid}
		if p, err := s.Auth.Principal(ctx, ws, uid); err == nil {
			e.Email = p.Email
		}
		s.Audit.Record(ctx, e)
	}
	return s.Sessions.Destroy(ctx)
}
