// Package web is the UI plumbing every feature's pages share: the app
// and auth layouts, the template engine, translations, locale formatting
// of dates, numbers and money, the language switch, and the embedded
// static files (our CSS and JS, and htmx).
//
// A feature package writes page templates that define a "content" block,
// hands them to NewRenderer with WithPages, and calls Renderer.Page from
// its handlers. Every visible string goes through the "t" template func
// and the message files in locales/.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"text/template/parse"
	"time"
)

//go:embed templates
var templateFS embed.FS

// Layouts a Page can be rendered in.
const (
	LayoutApp  = "app"  // the app shell: sidebar, top bar, content
	LayoutAuth = "auth" // a centred card for setup and sign-in
)

// Flash kinds. The kind chooses the colour and icon.
const (
	FlashSuccess = "success"
	FlashInfo    = "info"
	FlashWarning = "warning"
	FlashError   = "error"
)

// ContentSecurityPolicy is set on every page and fragment. It allows no
// inline script or style, so templates use classes, and behaviour lives
// in static/app.js.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// User is the signed-in user as the layout shows them.
type User struct {
	ID      string
	Name    string
	Email   string
	IsAdmin bool
}

// Initials returns up to two letters for the user's avatar: "AL" for
// "Ada Lovelace", "王" for "王芳" (one CJK character reads better).
func (u *User) Initials() string {
	name := strings.TrimSpace(u.Name)
	if name == "" {
		name = u.Email
	}
	words := strings.Fields(name)
	if len(words) == 0 {
		return "?"
	}
	first := []rune(words[0])
	if isCJK(first[0]) {
		// A Chinese name is one word, family name first: "王" for "王芳".
		return string(first[0])
	}
	s := strings.ToUpper(string(first[0]))
	if len(words) > 1 {
		last := []rune(words[len(words)-1])
		s += strings.ToUpper(string(last[0]))
	}
	return s
}

func isCJK(r rune) bool {
	return r >= 0x2E80 && r <= 0x9FFF || r >= 0xAC00 && r <= 0xD7AF || r >= 0xF900 && r <= 0xFAFF
}

// Workspace is the workspace the page belongs to.
type Workspace struct {
	ID       string
	Name     string
	Currency string // ISO 4217 code; the default of the money template func
}

// Flash is a one-time message shown above the page content. Message is
// shown as is: translate it before (Translator.T).
type Flash struct {
	Kind    string // FlashSuccess, FlashInfo, FlashWarning or FlashError
	Message string
}

// Page is everything a page template sees as its dot.
type Page struct {
	Title     string         // the <title> and, by convention, the page heading
	Lang      string         // "en", "es" or "zh"; empty means Negotiate(req, "", "")
	TZ        *time.Location // time zone for date and datetime; nil means UTC
	User      *User          // nil on pages without a signed-in user
	Workspace *Workspace
	Nav       string // active sidebar section: "customers", "sales", "marketing", "service", "analytics", "settings"
	Flash     []Flash
	Data      any    // the page's own data
	Layout    string // LayoutApp (default) or LayoutAuth
}

// Option configures a Renderer.
type Option func(*options)

type options struct {
	pages  []fs.FS
	logger *slog.Logger
}

// WithPages adds the page templates in fsys: every *.html file, at any
// depth, is a page named by its path without ".html" ("deals/list").
// Names must be unique across all WithPages and the built-in pages.
func WithPages(fsys fs.FS) Option {
	return func(o *options) { o.pages = append(o.pages, fsys) }
}

// WithLogger sets where render failures are logged (default: slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// Renderer renders pages and fragments. Build it once at start with
// NewRenderer; it is safe for concurrent use.
type Renderer struct {
	tr     *Translator
	log    *slog.Logger
	pages  map[string]*templateSet
	shared *templateSet // layouts and partials only, for Partial by partial name
}

// templateSet is one page's templates: the layouts and partials plus the
// page file. Request-bound funcs (t, date, money…) need the page being
// rendered, and html/template has no per-execution context, so each set
// keeps a free list of clones whose funcs read from their own instance.
// A clone is made (and escaped) once and then reused; nothing is parsed
// per request.
type templateSet struct {
	name   string
	tr     *Translator
	master *template.Template // parsed, never executed: the source of clones

	mu   sync.Mutex
	free []*instance
}

// instance is one clone of a set, used by one render at a time.
type instance struct {
	tmpl *template.Template
	page *Page // the page being rendered; read by the bound funcs
}

func (s *templateSet) get() (*instance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.free); n > 0 {
		inst := s.free[n-1]
		s.free = s.free[:n-1]
		return inst, nil
	}
	clone, err := s.master.Clone()
	if err != nil {
		return nil, fmt.Errorf("clone templates %s: %w", s.name, err)
	}
	inst := &instance{tmpl: clone}
	clone.Funcs(funcMap(s.tr, inst))
	return inst, nil
}

func (s *templateSet) put(inst *instance) {
	inst.page = nil
	s.mu.Lock()
	s.free = append(s.free, inst)
	s.mu.Unlock()
}

// NewRenderer parses the layouts, partials and pages, and checks them:
// it fails if a template does not parse or escape, or if a template
// translates a literal key that en.json lacks or names an unknown icon.
func NewRenderer(tr *Translator, opts ...Option) (*Renderer, error) {
	o := options{logger: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	if tr == nil {
		return nil, errors.New("new renderer: nil translator")
	}

	base := template.New("").Funcs(funcMap(tr, &instance{}))
	for _, pattern := range []string{"templates/*.html", "templates/partials/*.html"} {
		files, err := fs.Glob(templateFS, pattern)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if err := parseFile(base, templateFS, f, f); err != nil {
				return nil, err
			}
		}
	}
	for _, root := range []string{"layout", "auth"} {
		if base.Lookup(root) == nil {
			return nil, fmt.Errorf("new renderer: no %q template", root)
		}
	}

	r := &Renderer{tr: tr, log: o.logger, pages: map[string]*templateSet{}}
	sub, err := fs.Sub(templateFS, "templates/pages")
	if err != nil {
		return nil, err
	}
	for _, fsys := range append([]fs.FS{sub}, o.pages...) {
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path.Ext(p) != ".html" {
				return err
			}
			name := strings.TrimSuffix(p, ".html")
			if _, dup := r.pages[name]; dup {
				return fmt.Errorf("page %q defined twice", name)
			}
			master, err := base.Clone()
			if err != nil {
				return err
			}
			if err := parseFile(master, fsys, p, "page:"+name); err != nil {
				return err
			}
			r.pages[name] = &templateSet{name: name, tr: tr, master: master}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("new renderer: %w", err)
		}
	}
	shared, err := base.Clone()
	if err != nil {
		return nil, err
	}
	r.shared = &templateSet{name: "shared", tr: tr, master: shared}

	if err := r.check(); err != nil {
		return nil, fmt.Errorf("new renderer: %w", err)
	}
	return r, nil
}

// isFileTemplate reports whether name is the template of a whole file
// (its text outside any define), as opposed to a defined block.
func isFileTemplate(name string) bool {
	return name == "" || strings.HasPrefix(name, "page:") || strings.HasPrefix(name, "templates/")
}

// parseFile parses file into t, naming parse errors after label.
func parseFile(t *template.Template, fsys fs.FS, file, label string) error {
	src, err := fs.ReadFile(fsys, file)
	if err != nil {
		return fmt.Errorf("read template %s: %w", label, err)
	}
	if _, err := t.New(label).Parse(string(src)); err != nil {
		return fmt.Errorf("parse template %s: %w", label, err)
	}
	return nil
}

// check escapes every template of every set by executing it once on
// empty data, which reports html/template's context errors now rather
// than on some user's first request, and checks that every literal key
// passed to t, and every literal icon name, exists. Execution errors from the empty data are expected
// and ignored. The escaped clone becomes the set's first free instance.
func (r *Renderer) check() error {
	var problems []string
	missing := map[string]bool{}
	sets := []*templateSet{r.shared}
	for _, name := range slices.Sorted(maps.Keys(r.pages)) {
		sets = append(sets, r.pages[name])
	}
	for _, s := range sets {
		for _, t := range s.master.Templates() {
			if t.Tree == nil || t.Tree.Root == nil {
				continue
			}
			walkLiterals(t.Tree.Root, func(fn, arg string) {
				switch {
				case fn == "t" && !r.tr.Has(arg) && !missing["t "+arg]:
					missing["t "+arg] = true
					problems = append(problems, fmt.Sprintf("template %s: unknown message %q", t.Name(), arg))
				case fn == "icon" && iconPaths[arg] == "" && !missing["icon "+arg]:
					missing["icon "+arg] = true
					problems = append(problems, fmt.Sprintf("template %s: unknown icon %q", t.Name(), arg))
				}
			})
		}
		inst, err := s.get()
		if err != nil {
			return err
		}
		inst.page = &Page{}
		for _, t := range inst.tmpl.Templates() {
			if isFileTemplate(t.Name()) {
				continue
			}
			if (t.Name() == "layout" || t.Name() == "auth") && inst.tmpl.Lookup("content") == nil {
				// Only a page completes a layout; the shared set and
				// fragment-only files are checked block by block.
				continue
			}
			err := inst.tmpl.ExecuteTemplate(io.Discard, t.Name(), nil)
			var tmplErr *template.Error
			if errors.As(err, &tmplErr) {
				problems = append(problems, fmt.Sprintf("page %s: %v", s.name, err))
				break
			}
		}
		s.put(inst)
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// walkLiterals calls found with the func name and argument of every call
// whose first argument is a string literal, such as {{t "nav.home"}}.
func walkLiterals(n parse.Node, found func(fn, arg string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkLiterals(c, found)
		}
	case *parse.ActionNode:
		walkLiterals(n.Pipe, found)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkLiterals(c, found)
		}
	case *parse.CommandNode:
		if len(n.Args) >= 2 {
			if id, ok := n.Args[0].(*parse.IdentifierNode); ok {
				if s, ok := n.Args[1].(*parse.StringNode); ok {
					found(id.Ident, s.Text)
				}
			}
		}
		for _, a := range n.Args {
			walkLiterals(a, found)
		}
	case *parse.IfNode:
		walkBranch(&n.BranchNode, found)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, found)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, found)
	case *parse.TemplateNode:
		walkLiterals(n.Pipe, found)
	}
}

func walkBranch(b *parse.BranchNode, found func(fn, arg string)) {
	walkLiterals(b.Pipe, found)
	walkLiterals(b.List, found)
	walkLiterals(b.ElseList, found)
}

// Has reports whether a page named name exists.
func (r *Renderer) Has(name string) bool { return r.pages[name] != nil }

// Page renders the page template name inside p's layout and writes it
// with status. Unset fields of p get defaults for this render (language
// from Negotiate, UTC, the app layout); p itself is not modified. A template error is logged and answered with a plain
// 500; nothing of the broken page is sent.
func (r *Renderer) Page(w http.ResponseWriter, req *http.Request, status int, name string, p *Page) {
	p = r.defaults(req, p)
	root := "layout"
	if p.Layout == LayoutAuth {
		root = "auth"
	}
	set := r.pages[name]
	if set == nil {
		r.fail(w, req, p, fmt.Errorf("render page %q: no such page", name))
		return
	}
	r.render(w, req, status, set, root, p)
}

// Partial renders a fragment for htmx, without the layout, with status
// 200. name is "page" (the page's "content" block), "page#block" (a
// block the page file defines), or the name of a shared partial
// ("flashes", "field", "empty"…).
func (r *Renderer) Partial(w http.ResponseWriter, req *http.Request, name string, p *Page) {
	r.PartialStatus(w, req, http.StatusOK, name, p)
}

// PartialStatus is Partial with a status, such as 422 for a form
// fragment that shows validation errors (the htmx config in the layout
// swaps 422 responses in).
func (r *Renderer) PartialStatus(w http.ResponseWriter, req *http.Request, status int, name string, p *Page) {
	p = r.defaults(req, p)
	pageName, block, hasBlock := strings.Cut(name, "#")
	var set *templateSet
	switch {
	case hasBlock:
		set = r.pages[pageName]
	case r.pages[name] != nil:
		set, block = r.pages[name], "content"
	default:
		set, block = r.shared, name
	}
	if set == nil || set.master.Lookup(block) == nil {
		r.fail(w, req, p, fmt.Errorf("render partial %q: no such template", name))
		return
	}
	r.render(w, req, status, set, block, p)
}

// defaults returns a copy of p with the defaults filled in. Copying
// leaves the caller's Page untouched, so one prepared Page may be
// rendered from several goroutines.
func (r *Renderer) defaults(req *http.Request, p *Page) *Page {
	var cp Page
	if p != nil {
		cp = *p
	}
	if lang, ok := MatchLang(cp.Lang); ok {
		cp.Lang = lang
	} else {
		cp.Lang = Negotiate(req, "", "")
	}
	if cp.TZ == nil {
		cp.TZ = time.UTC
	}
	if cp.Layout == "" {
		cp.Layout = LayoutApp
	}
	return &cp
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (r *Renderer) render(w http.ResponseWriter, req *http.Request, status int, set *templateSet, tmpl string, p *Page) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			bufPool.Put(buf)
		}
	}()

	inst, err := set.get()
	if err != nil {
		r.fail(w, req, p, err)
		return
	}
	inst.page = p
	err = inst.tmpl.ExecuteTemplate(buf, tmpl, p)
	set.put(inst)
	if err != nil {
		r.fail(w, req, p, fmt.Errorf("render %s %s: %w", set.name, tmpl, err))
		return
	}
	setPageHeaders(w.Header(), p.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func setPageHeaders(h http.Header, lang string) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Content-Language", langTag(lang))
}

// fail logs a render error once and sends a plain, translated 500.
func (r *Renderer) fail(w http.ResponseWriter, req *http.Request, p *Page, err error) {
	r.log.ErrorContext(req.Context(), "render failed", "err", err, "method", req.Method, "path", req.URL.Path)
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = io.WriteString(w, r.tr.T(p.Lang, "msg.error")+"\n")
}

func langTag(lang string) string {
	for _, l := range Languages() {
		if l.Code == lang {
			return l.Tag
		}
	}
	return lang
}
