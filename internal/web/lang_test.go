package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestLangHandler(t *testing.T) {
	h := LangHandler()
	tests := []struct {
		name     string
		method   string
		lang     string
		referer  string
		status   int
		location string
		cookie   string
	}{
		{"back to referer", "POST", "es", "http://example.com/customers?page=2", 303, "/customers?page=2", "es"},
		{"tag normalised", "POST", "zh-CN", "http://example.com/", 303, "/", "zh"},
		{"no referer", "POST", "en", "", 303, "/", "en"},
		{"other host", "POST", "es", "http://evil.example/phish", 303, "/", "es"},
		{"scheme-relative path", "POST", "es", "http://example.com//evil.example/x", 303, "/", "es"},
		{"backslash path stays escaped", "POST", "es", `http://example.com/\evil.example`, 303, "/%5Cevil.example", "es"},
		{"not http", "POST", "es", "javascript://example.com/%0aalert(1)", 303, "/", "es"},
		{"unknown language", "POST", "fr", "http://example.com/x", 400, "", ""},
		{"get", "GET", "es", "", 405, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"lang": {tc.lang}}
			req := httptest.NewRequest(tc.method, "http://example.com/lang", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.referer != "" {
				req.Header.Set("Referer", tc.referer)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			res := w.Result()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if got := res.Header.Get("Location"); got != tc.location {
				t.Errorf("Location %q, want %q", got, tc.location)
			}
			var c *http.Cookie
			for _, k := range res.Cookies() {
				if k.Name == LangCookie {
					c = k
				}
			}
			if tc.cookie == "" {
				if c != nil {
					t.Errorf("cookie set on failure: %v", c)
				}
				return
			}
			if c == nil || c.Value != tc.cookie || c.Path != "/" || c.MaxAge < 364*24*3600 || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie = %+v", c)
			}
			// The cookie is what Negotiate reads next time.
			next := httptest.NewRequest("GET", "/", nil)
			next.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			if got := Negotiate(next, "en", "en"); got != tc.cookie {
				t.Errorf("Negotiate after switch = %q", got)
			}
		})
	}
}
