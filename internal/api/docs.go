package api

import (
	"embed"
	"net/http"
)

//go:embed docs/*
var docsFS embed.FS

// DocsHandler serves the API reference page: a small embedded page that
// reads /api/v1/openapi.json, so it needs no CDN and no network.
func DocsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := "docs/index.html"
		ct := "text/html; charset=utf-8"
		switch r.URL.Query().Get("asset") {
		case "js":
			name, ct = "docs/docs.js", "text/javascript; charset=utf-8"
		case "css":
			name, ct = "docs/docs.css", "text/css; charset=utf-8"
		}
		b, err := docsFS.ReadFile(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		_, _ = w.Write(b)
	})
}
