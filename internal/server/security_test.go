package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/server"
	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// checkHeaders asserts the headers every answer carries.
func checkHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("%s: Content-Security-Policy %q", what, csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%s: X-Content-Type-Options %q, Referrer-Policy %q, X-Frame-Options %q", what, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"), h.Get("X-Frame-Options"))
	}
}

// TestSecurityHeaders: pages, the API, errors, static files and the API
// reference all carry a Content-Security-Policy without unsafe-inline,
// frame-ancestors 'none', nosniff, a Referrer-Policy; no HSTS over plain
// HTTP, nor when an untrusted peer claims HTTPS; the session cookie is
// HttpOnly and SameSite=Lax, and not Secure over plain HTTP.
func TestSecurityHeaders(t *testing.T) {
	e := servertest.New(t)
	anon := e.Anonymous()
	b := e.Browser()
	login := b.SignIn(t, "admin@acme.test", servertest.Password)
	for _, c := range []struct {
		what   string
		client *servertest.Client
		path   string
	}{
		{"sign-in page", anon, "/login"},
		{"a page", b, "/settings/audit"},
		{"an error page", b, "/o/contacts/" + missingID},
		{"the API", e.WS.Admin, "/api/v1/me"},
		{"an API error", anon, "/api/v1/me"},
		{"an unknown API route", anon, "/api/v1/nothing"},
		{"a static file", anon, "/static/app.css"},
		{"the API reference", anon, "/api/docs"},
		{"the OpenAPI document", anon, "/api/v1/openapi.json"},
		{"health", anon, "/healthz"},
	} {
		r := c.client.Do(t, "GET", c.path, nil, "X-Forwarded-Proto", "https")
		checkHeaders(t, c.what, r.Header)
		if h := r.Header.Get("Strict-Transport-Security"); h != "" {
			t.Errorf("%s: HSTS %q over plain HTTP from an untrusted peer", c.what, h)
		}
	}
	var cookie string
	for _, sc := range login.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, "rapport_session=") {
			cookie = sc
		}
	}
	if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") || strings.Contains(cookie, "Secure") {
		t.Fatalf("session cookie over HTTP: %q", cookie)
	}
}

// TestBodyLimits: every endpoint caps the request body — a JSON body or
// a form over the limit is refused with 413 before it is read (declared
// length) or while it is (chunked), on the API, on pages and on
// endpoints that take no body at all; uploads have their own, larger cap.
func TestBodyLimits(t *testing.T) {
	e := servertest.NewConfigured(t, dbtest.Open(t), nil, func(c *config.Config) {
		c.MaxUpload = 1 << 20
		c.MaxImport = 1 << 20
	})
	ws := e.AddWorkspace("Acme")
	big := bytes.Repeat([]byte("x"), server.MaxFormBody+1)
	form := "email=a%40b.test&password=" + string(big)
	for _, c := range []struct {
		name, method, path, ct string
		client                 *servertest.Client
		body                   []byte
	}{
		{"JSON to the API", "POST", "/api/v1/tags", "application/json", ws.Admin, append([]byte(`{"name":"`), append(big, '"', '}')...)},
		{"JSON to a body-less operation", "GET", "/api/v1/me", "application/json", ws.Admin, big},
		{"a sign-in form", "POST", "/login", "application/x-www-form-urlencoded", e.Anonymous(), []byte(form)},
		{"the language switch", "POST", "/lang", "application/x-www-form-urlencoded", e.Anonymous(), []byte(form)},
		{"a health check", "POST", "/healthz", "text/plain", e.Anonymous(), big},
	} {
		for _, chunked := range []bool{false, true} {
			var rd io.Reader = bytes.NewReader(c.body)
			if chunked {
				rd = io.MultiReader(rd) // hides the length: sent chunked
			}
			req, _ := http.NewRequest(c.method, e.HTTP.URL+c.path, rd)
			req.Header.Set("Content-Type", c.ct)
			req.Header.Set("Origin", e.HTTP.URL)
			if c.client.Token != "" {
				req.Header.Set("Authorization", "Bearer "+c.client.Token)
			}
			res, err := c.client.HTTP.Do(req)
			if err != nil {
				// The server may close the connection as soon as it has
				// answered 413, before the client finished sending.
				if chunked {
					continue
				}
				t.Fatalf("%s: %v", c.name, err)
			}
			if !chunked && strings.HasPrefix(c.path, "/api/") && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: 413 as %q, want problem+json", c.name, res.Header.Get("Content-Type"))
			}
			res.Body.Close()
			if res.StatusCode >= 500 || (!chunked && res.StatusCode != 413) || (chunked && res.StatusCode < 400 && c.method == "POST" && c.path != "/healthz") {
				t.Errorf("%s (chunked %v): %d", c.name, chunked, res.StatusCode)
			}
		}
	}
	// An upload over the largest upload limit is refused up front.
	acct := ws.Admin.Create(t, "accounts", map[string]any{"name": "Files"})
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	fw, _ := mw.CreateFormFile("file", "big.bin")
	fw.Write(bytes.Repeat([]byte("y"), 12<<20))
	mw.Close()
	r := ws.Admin.Do(t, "POST", "/api/v1/accounts/"+acct.ID()+"/attachments", mp.Bytes(), "Content-Type", mw.FormDataContentType())
	if r.Status != 413 {
		t.Fatalf("oversized upload: %d %s", r.Status, r.Body)
	}
	r.Problem(t)
	// One within the limit goes through.
	mp.Reset()
	mw = multipart.NewWriter(&mp)
	fw, _ = mw.CreateFormFile("file", "small.txt")
	fw.Write([]byte("small"))
	mw.Close()
	ws.Admin.Must(t, 201, "POST", "/api/v1/accounts/"+acct.ID()+"/attachments", mp.Bytes(), "Content-Type", mw.FormDataContentType())
}

// selfSigned writes a certificate for 127.0.0.1 and its key to dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rapport test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLS: serve with --tls-cert/--tls-key on loopback answers HTTPS
// with HSTS, and the session cookie is Secure, HttpOnly and SameSite.
func TestTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.FilesDir = t.TempDir()
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	cfg.ShutdownTimeout = 5 * time.Second
	d := dbtest.Open(t)
	s, err := server.New(cfg, d, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Auth.Argon2 = servertest.CheapArgon2
	if _, _, err := s.Auth.Setup(context.Background(), auth.SetupInput{Workspace: "Acme", Email: "admin@acme.test", Password: servertest.Password}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ready) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	base := "https://" + addr
	res, err := hc.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.TLS == nil || !strings.Contains(res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("HSTS %q over TLS", res.Header.Get("Strict-Transport-Security"))
	}
	checkHeaders(t, "a page over TLS", res.Header)
	req, _ := http.NewRequest("POST", base+"/api/v1/session", strings.NewReader(`{"email":"admin@acme.test","password":"`+servertest.Password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("sign-in over TLS: %d", res.StatusCode)
	}
	var cookie string
	for _, sc := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, "rapport_session=") {
			cookie = sc
		}
	}
	for _, want := range []string{"Secure", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cookie, want) {
			t.Fatalf("session cookie over TLS lacks %s: %q", want, cookie)
		}
	}
	// Plain HTTP to the TLS port gets nowhere.
	if res, err := http.Get("http://" + addr + "/login"); err == nil {
		res.Body.Close()
		if res.StatusCode == 200 {
			t.Fatal("plain HTTP was served on the TLS port")
		}
	}
}

// TestNoPages: the server the one-shot commands build (import, export)
// has no web pages, and still its API, health checks and translations.
func TestNoPages(t *testing.T) {
	cfg := config.Default()
	cfg.FilesDir = t.TempDir()
	cfg.NoPages = true
	s, err := server.New(cfg, dbtest.Open(t), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/login": http.StatusNotFound, "/healthz": http.StatusOK, "/api/v1/me": http.StatusUnauthorized} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
	if got := s.Imports.Labels("es", "imports.title"); got != "Importaciones" {
		t.Fatalf("Spanish label %q", got)
	}
}
