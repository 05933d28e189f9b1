package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// LangCookie is the cookie the language switch sets; Negotiate prefers it
// to every other source.
const LangCookie = "lang"

// LangPath is where the language switch posts.
const LangPath = "/lang"

// LangHandler handles the language switch: a POST of the form field
// "lang" (en, es, zh or any tag MatchLang accepts) sets the lang cookie
// for a year and redirects (303) back to the page the form was on, taken
// from Referer when it is on this host, else to "/". Mount it at
// "POST /lang"; http.CrossOriginProtection guards it like every form.
func LangHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		lang, ok := MatchLang(r.PostFormValue("lang"))
		if !ok {
			http.Error(w, "unknown language", http.StatusBadRequest)
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name:     LangCookie,
			Value:    lang,
			Path:     "/",
			MaxAge:   int((365 * 24 * time.Hour).Seconds()),
			HttpOnly: true,
			Secure:   r.TLS != nil,
			SameSite: http.SameSiteLaxMode,
		})
		http.Redirect(w, r, backTo(r), http.StatusSeeOther)
	})
}

// backTo returns the path (and query) of the request's Referer when the
// Referer is on this host, else "/". It never returns a URL another site
// could be named in, such as "//evil.example/".
func backTo(r *http.Request) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host || (ref.Scheme != "http" && ref.Scheme != "https") {
		return "/"
	}
	p := ref.EscapedPath()
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, `/\`) {
		return "/"
	}
	if ref.RawQuery != "" {
		p += "?" + ref.RawQuery
	}
	return p
}
