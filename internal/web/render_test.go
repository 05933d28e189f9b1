package web

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// demoPages is a sample feature's templates: a list page with a table, a
// form with an inline error, and a rows block for htmx.
var demoPages = fstest.MapFS{
	"demo/list.html": {Data: []byte(`
{{define "content"}}
<div class="page-header">
  <div><h1 class="page-title">{{.Title}}</h1><p class="page-subtitle">{{t "list.count" "Count" (len .Data.Rows)}}</p></div>
  <div class="page-actions"><a class="btn btn-primary" href="/customers/new">{{icon "plus"}}{{t "action.new"}}</a></div>
</div>
<div class="card">
  <div class="table-wrap"><table class="table">
    <thead><tr><th>{{t "field.name"}}</th><th>{{t "field.owner"}}</th><th class="num">{{t "field.created"}}</th></tr></thead>
    <tbody id="rows">{{block "rows" .}}{{range .Data.Rows}}<tr><td>{{.Name}}</td><td>{{money .Amount}}</td><td class="num">{{date .Created}}</td></tr>{{end}}{{end}}</tbody>
  </table></div>
</div>
<form class="card card-body" method="post">
  {{template "field" dict "Name" "name" "Label" (t "field.name") "Value" .Data.Bad "Error" (t "msg.required") "Required" true}}
  <p>{{number "1234567.5"}} {{datetime .Data.At}} {{add 1 2}} {{if contains .Data.Tags "vip"}}VIP{{end}}</p>
  <div data-json="{{json .Data.Tags}}"></div>
</form>
{{end}}`)},
	"demo/login.html": {Data: []byte(`{{define "content"}}<h1 class="auth-title">{{t "login.title"}}</h1>
<form method="post">{{template "field" dict "Name" "email" "Label" (t "login.email") "Type" "email"}}
<button class="btn btn-primary btn-block">{{t "action.sign_in"}}</button></form>{{end}}`)},
}

type demoRow struct {
	Name    string
	Amount  string
	Created time.Time
}

func newRenderer(tb testing.TB) *Renderer {
	tb.Helper()
	r, err := NewRenderer(newTranslator(tb), WithPages(demoPages),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func demoPage(lang string) *Page {
	return &Page{
		Title:     "Acme list",
		Lang:      lang,
		TZ:        time.UTC,
		User:      &User{ID: "u1", Name: "Ada Lovelace", Email: "ada@example.com", IsAdmin: true},
		Workspace: &Workspace{ID: "w1", Name: "Acme", Currency: "EUR"},
		Nav:       "customers",
		Flash:     []Flash{{Kind: FlashSuccess, Message: "<b>saved</b>"}},
		Data: map[string]any{
			"Rows": []demoRow{
				{"Zhang Wei", "1234.5", time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)},
				{"<script>alert(1)</script>", "99", time.Date(2024, 3, 4, 10, 0, 0, 0, time.UTC)},
			},
			"Bad":  `"><img src=x>`,
			"At":   time.Date(2024, 1, 2, 15, 4, 0, 0, time.UTC),
			"Tags": []string{"vip", "eu"},
		},
	}
}

func TestPageLayoutPerLanguage(t *testing.T) {
	r := newRenderer(t)
	tests := []struct {
		lang     string
		htmlLang string
		want     []string
	}{
		{"en", "en", []string{"Customers", "Sales", "Service", "Sign out", "Search customers, deals, cases…",
			"2 records", "Jan 2, 2024", "€1,234.50", "1,234,567.5", "Jan 2, 2024, 3:04\u00a0PM", "This field is required."}},
		{"es", "es", []string{"Clientes", "Ventas", "Atención al cliente", "Cerrar sesión", "Buscar clientes",
			"2 registros", "2 ene 2024", "1.234,50\u00a0€", "1.234.567,5", "2 ene 2024, 15:04", "Este campo es obligatorio."}},
		{"zh", "zh-Hans", []string{"客户", "销售", "客户服务", "退出登录", "搜索客户",
			"共 2 条记录", "2024年1月2日", "€1,234.50", "1,234,567.5", "2024年1月2日 15:04", "此项为必填项。"}},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			w := httptest.NewRecorder()
			r.Page(w, httptest.NewRequest("GET", "/customers", nil), http.StatusOK, "demo/list", demoPage(tc.lang))
			res := w.Result()
			body := w.Body.String()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			if got := res.Header.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
				t.Errorf("CSP = %q", got)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := res.Header.Get("Content-Language"); got != tc.htmlLang {
				t.Errorf("Content-Language = %q", got)
			}
			for _, s := range append(tc.want, `<html lang="`+tc.htmlLang+`">`, "<title>Acme list · Rapport</title>",
				"Ada Lovelace", ">AL<", "Acme", `href="/customers" aria-current="page"`) {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			// The translator fills in every visible string: no key leaks through.
			if m := regexp.MustCompile(`\b(nav|action|layout|msg|field|lang|list)\.[a-z_]+\b`).FindString(body); m != "" {
				t.Errorf("untranslated key %q in body", m)
			}
			// Data is escaped; our markup is not.
			for _, bad := range []string{"<script>alert", "<b>saved</b>", `"><img`} {
				if strings.Contains(body, bad) {
					t.Errorf("body contains unescaped %q", bad)
				}
			}
			if !strings.Contains(body, `data-json="[&#34;vip&#34;,&#34;eu&#34;]"`) {
				t.Errorf("json func output not in attribute")
			}
			if !regexp.MustCompile(`href="/static/app\.css\?v=[0-9a-f]{12}"`).MatchString(body) {
				t.Errorf("app.css link has no content hash")
			}
			if !strings.Contains(body, " 3 VIP</p>") {
				t.Errorf("add or contains func did not work")
			}
		})
	}
}

func TestAuthLayout(t *testing.T) {
	r := newRenderer(t)
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/login", nil)
	req.Header.Set("Accept-Language", "es-ES,es;q=0.9")
	r.Page(w, req, http.StatusUnauthorized, "demo/login", &Page{Title: "Sign in", Layout: LayoutAuth})
	body := w.Body.String()
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("status %d", w.Code)
	}
	for _, s := range []string{`class="auth-body"`, "Hola de nuevo", "Iniciar sesión", `<html lang="es">`,
		`name="lang" value="zh"`, `aria-current="true">Español`} {
		if !strings.Contains(body, s) {
			t.Errorf("auth page lacks %q", s)
		}
	}
	if strings.Contains(body, `class="sidebar"`) {
		t.Error("auth page has the app sidebar")
	}
}

func TestPartial(t *testing.T) {
	r := newRenderer(t)
	tests := []struct {
		name   string
		status int
		want   string
		not    string
	}{
		{"demo/list", 200, "<table", "<html"},
		{"demo/list#rows", 200, "2 ene 2024", "<table"},
		{"flashes", 200, `class="flash flash-success"`, "<html"},
		{"demo/nope", 500, "Algo ha salido mal.", "<html"},
		{"demo/list#nope", 500, "Algo ha salido mal.", "<html"},
		{"nope", 500, "Algo ha salido mal.", "<html"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r.Partial(w, httptest.NewRequest("GET", "/", nil), tc.name, demoPage("es"))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if !strings.Contains(w.Body.String(), tc.want) || strings.Contains(w.Body.String(), tc.not) {
				t.Errorf("body %q: want %q and not %q", w.Body, tc.want, tc.not)
			}
		})
	}
	w := httptest.NewRecorder()
	r.PartialStatus(w, httptest.NewRequest("POST", "/", nil), http.StatusUnprocessableEntity, "demo/list#rows", demoPage("en"))
	if w.Code != http.StatusUnprocessableEntity || w.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("PartialStatus: %d, CSP %q", w.Code, w.Header().Get("Content-Security-Policy"))
	}
}

func TestPageErrors(t *testing.T) {
	r := newRenderer(t)
	w := httptest.NewRecorder()
	r.Page(w, httptest.NewRequest("GET", "/", nil), 200, "no/such/page", &Page{Lang: "zh"})
	if w.Code != 500 || !strings.Contains(w.Body.String(), "出错了") {
		t.Errorf("unknown page: %d %q", w.Code, w.Body)
	}
	// A page whose data does not fit its template fails whole: a 500, and
	// none of the half-rendered page.
	w = httptest.NewRecorder()
	r.Page(w, httptest.NewRequest("GET", "/", nil), 200, "demo/list", &Page{Lang: "en", Data: 42})
	if w.Code != 500 || strings.Contains(w.Body.String(), "<html") {
		t.Errorf("bad data: %d %q", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	r.Page(w, httptest.NewRequest("GET", "/", nil), 404, "error", &Page{Lang: "es", Title: "No se ha encontrado.", Data: "detalle"})
	if w.Code != 404 || !strings.Contains(w.Body.String(), "detalle") || !strings.Contains(w.Body.String(), ">Inicio<") {
		t.Errorf("error page: %d %q", w.Code, w.Body)
	}
}

func TestPageDefaults(t *testing.T) {
	r := newRenderer(t)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", "lang=es")
	// A tag rather than a code still works, and beats the cookie: the
	// handler chose it.
	p := &Page{Lang: "zh-CN"}
	w := httptest.NewRecorder()
	r.Page(w, req, 200, "error", p)
	if !strings.Contains(w.Body.String(), `<html lang="zh-Hans">`) || !strings.Contains(w.Body.String(), `class="app-body"`) {
		t.Errorf("zh-CN page not rendered in zh with the app layout")
	}
	if p.Lang != "zh-CN" || p.TZ != nil || p.Layout != "" {
		t.Errorf("Page modified the caller's page: %+v", p)
	}
	// No language given: negotiated from the request.
	w = httptest.NewRecorder()
	r.Page(w, req, 200, "error", nil)
	if !strings.Contains(w.Body.String(), `<html lang="es">`) {
		t.Errorf("nil page not negotiated to es")
	}
}

func TestNewRendererRejects(t *testing.T) {
	tr := newTranslator(t)
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"parse error", fstest.MapFS{"x.html": {Data: []byte(`{{define "content"}}{{if}}{{end}}`)}}, "parse template"},
		{"unknown func", fstest.MapFS{"x.html": {Data: []byte(`{{define "content"}}{{nope}}{{end}}`)}}, "parse template"},
		{"unknown key", fstest.MapFS{"x.html": {Data: []byte(`{{define "content"}}{{t "nav.nope"}}{{end}}`)}}, `unknown message "nav.nope"`},
		{"unknown key in argument", fstest.MapFS{"x.html": {Data: []byte(`{{define "content"}}{{template "field" dict "Label" (t "field.nope")}}{{end}}`)}}, `"field.nope"`},
		{"unknown icon", fstest.MapFS{"x.html": {Data: []byte(`{{define "content"}}{{icon "nope"}}{{end}}`)}}, `unknown icon "nope"`},
		{"duplicate page", fstest.MapFS{"error.html": {Data: []byte(`{{define "content"}}x{{end}}`)}}, "defined twice"},
		{"escaping", fstest.MapFS{"x.html": {Data: []byte(`{{define "content"}}<a href="{{if .}}x{{end}}>{{end}}`)}}, "page x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRenderer(tr, WithPages(tc.fsys))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	if _, err := NewRenderer(nil); err == nil {
		t.Error("nil translator accepted")
	}
}

// TestConcurrentRender renders in three languages at once: with -race it
// checks that pooled template instances never share a page.
func TestConcurrentRender(t *testing.T) {
	r := newRenderer(t)
	want := map[string]string{"en": "Customers", "es": "Clientes", "zh": "客户"}
	var wg sync.WaitGroup
	errs := make(chan error, 90)
	for i := range 90 {
		lang := []string{"en", "es", "zh"}[i%3]
		wg.Go(func() {
			w := httptest.NewRecorder()
			r.Page(w, httptest.NewRequest("GET", "/", nil), 200, "demo/list", demoPage(lang))
			b := w.Body.String()
			if !strings.Contains(b, ">"+want[lang]+"<") {
				errs <- fmt.Errorf("%s render lacks %q", lang, want[lang])
			}
			for l, s := range want {
				if l != lang && strings.Contains(b, ">"+s+"<") {
					errs <- fmt.Errorf("%s render contains %s text %q", lang, l, s)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestTemplatesCSPClean keeps the templates within the CSP: no inline
// scripts, style attributes or event-handler attributes.
func TestTemplatesCSPClean(t *testing.T) {
	bad := regexp.MustCompile(`(?i)\sstyle=|\son[a-z]+=|<style|javascript:`)
	script := regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		if err != nil {
			return err
		}
		if m := bad.Find(b); m != nil {
			t.Errorf("%s: %q breaks the Content-Security-Policy", p, m)
		}
		for _, m := range script.FindAllSubmatch(b, -1) {
			if !strings.Contains(string(m[1]), " src=") || strings.TrimSpace(string(m[2])) != "" {
				t.Errorf("%s: inline script %q breaks the Content-Security-Policy", p, m[0])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestInitials(t *testing.T) {
	for name, want := range map[string]string{
		"Ada Lovelace": "AL", "ada": "A", "王芳": "王", "María José García": "MG", "": "?", "  ": "?",
	} {
		if got := (&User{Name: name}).Initials(); got != want {
			t.Errorf("Initials(%q) = %q, want %q", name, got, want)
		}
	}
	if got := (&User{Email: "bob@example.com"}).Initials(); got != "B" {
		t.Errorf("Initials from e-mail = %q", got)
	}
}

func BenchmarkPage(b *testing.B) {
	r := newRenderer(b)
	req := httptest.NewRequest("GET", "/", nil)
	p := demoPage("es")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			r.Page(w, req, 200, "demo/list", p)
		}
	})
}
