package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// static holds our CSS and JS and, under vendor/, the third-party files
// that scripts/assets.sh copies from npm (committed, with their licences).
//
//go:embed static
var staticFS embed.FS

// StaticPrefix is the URL path StaticHandler is mounted under.
const StaticPrefix = "/static/"

// asset is one embedded static file, read once.
type asset struct {
	data  []byte
	hash  string // first 12 hex digits of the SHA-256 of data
	ctype string
}

// assets indexes the embedded static files by path below static/. The
// embedded files cannot change while the binary runs, so the index is
// built once, on first use, and shared read-only.
var assets = sync.OnceValues(func() (map[string]*asset, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	m := map[string]*asset{}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" || strings.HasSuffix(p, "LICENSE") {
			ctype = "text/plain; charset=utf-8"
		}
		m[p] = &asset{data: data, hash: hex.EncodeToString(sum[:6]), ctype: ctype}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("index static assets: %w", err)
	}
	return m, nil
})

// AssetURL returns the URL of the static file name (a path below
// static/, such as "app.css" or "vendor/htmx.min.js") with its content
// hash as a version: "/static/app.css?v=3f2a…". The hash changes when the
// file does, so browsers may cache each URL for good. It fails for a file
// that is not embedded.
func AssetURL(name string) (string, error) {
	m, err := assets()
	if err != nil {
		return "", err
	}
	a, ok := m[strings.TrimPrefix(name, "/")]
	if !ok {
		return "", fmt.Errorf("asset %q: no such static file", name)
	}
	return StaticPrefix + strings.TrimPrefix(name, "/") + "?v=" + a.hash, nil
}

// StaticHandler serves the embedded static files; mount it at
// StaticPrefix ("/static/"). A request carrying the file's current hash
// (as AssetURL writes it) is cacheable for a year; any other request must
// revalidate, with the hash as ETag. Directories are not listed.
func StaticHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		m, err := assets()
		if err != nil {
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, StaticPrefix)
		a := m[name]
		if !ok || a == nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", `"`+a.hash+`"`)
		if r.URL.Query().Get("v") == a.hash {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.data))
	})
}
