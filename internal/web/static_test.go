package web

import (
	"io/fs"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestStaticHandler(t *testing.T) {
	h := StaticHandler()
	cssURL, err := AssetURL("app.css")
	if err != nil {
		t.Fatal(err)
	}
	jsURL, err := AssetURL("vendor/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, url string
		header            map[string]string
		status            int
		ctype, cache      string
		body              string
	}{
		{"hashed css", "GET", cssURL, nil, 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", ":root"},
		{"hashed htmx", "GET", jsURL, nil, 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "htmx"},
		{"unhashed", "GET", "/static/app.css", nil, 200, "text/css; charset=utf-8", "no-cache", ":root"},
		{"stale hash", "GET", "/static/app.css?v=000000000000", nil, 200, "text/css; charset=utf-8", "no-cache", ":root"},
		{"licence", "GET", "/static/vendor/htmx.LICENSE", nil, 200, "text/plain; charset=utf-8", "no-cache", "BSD"},
		{"revalidate", "GET", "/static/app.css", map[string]string{"If-None-Match": etagOf(t, "app.css")}, 304, "", "no-cache", ""},
		{"head", "HEAD", cssURL, nil, 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", ""},
		{"missing", "GET", "/static/nope.css", nil, 404, "", "", ""},
		{"directory", "GET", "/static/vendor/", nil, 404, "", "", ""},
		{"root", "GET", "/static/", nil, 404, "", "", ""},
		{"traversal", "GET", "/static/../render.go", nil, 404, "", "", ""},
		{"post", "POST", cssURL, nil, 405, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.url, nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			if tc.ctype != "" && w.Header().Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", w.Header().Get("Content-Type"), tc.ctype)
			}
			if w.Header().Get("Cache-Control") != tc.cache && tc.status != 404 && tc.status != 405 {
				t.Errorf("Cache-Control %q, want %q", w.Header().Get("Cache-Control"), tc.cache)
			}
			if !strings.Contains(w.Body.String(), tc.body) {
				t.Errorf("body lacks %q", tc.body)
			}
		})
	}
}

func etagOf(t *testing.T, name string) string {
	t.Helper()
	u, err := AssetURL(name)
	if err != nil {
		t.Fatal(err)
	}
	_, v, _ := strings.Cut(u, "?v=")
	return `"` + v + `"`
}

func TestAssetURL(t *testing.T) {
	a, err := AssetURL("app.js")
	if err != nil || !strings.HasPrefix(a, "/static/app.js?v=") || len(a) != len("/static/app.js?v=")+12 {
		t.Errorf("AssetURL(app.js) = %q, %v", a, err)
	}
	if _, err := AssetURL("nope.js"); err == nil {
		t.Error("AssetURL of a missing file succeeded")
	}
}

// TestVendoredFiles checks that scripts/assets.sh has been run and its
// output committed: every vendored file comes with its licence.
func TestVendoredFiles(t *testing.T) {
	for _, f := range []string{"static/vendor/htmx.min.js", "static/vendor/htmx.LICENSE"} {
		b, err := fs.ReadFile(staticFS, f)
		if err != nil || len(b) == 0 {
			t.Errorf("%s missing: run scripts/assets.sh (%v)", f, err)
		}
	}
}

func TestStaticFilesCSPClean(t *testing.T) {
	// app.js must not build inline styles or code from strings.
	b, err := fs.ReadFile(staticFS, "static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"eval(", "new Function", "innerHTML", ".setAttribute(\"style\"", "style="} {
		if strings.Contains(string(b), bad) {
			t.Errorf("app.js uses %q", bad)
		}
	}
}
