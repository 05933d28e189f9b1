// Package e2e drives the real web UI in Debian's headless Chromium
// against a real server and database.
package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/server"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("RAPPORT_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install chromium)")
	}
	t.Skip("CHROMIUM NOT INSTALLED: skipping browser tests")
	return ""
}

type env struct {
	t    *testing.T
	url  string
	ctx  context.Context
	srv  *server.Server
	shot string
}

func newEnv(t *testing.T, width, height int) *env {
	t.Helper()
	return newEnvFor(t, width, height, 45*time.Second)
}

// newEnvFor is newEnv with a time limit other than 45 s for the whole
// browser session (the long drag measurement needs more).
func newEnvFor(t *testing.T, width, height int, limit time.Duration) *env {
	t.Helper()
	d := dbtest.Open(t)
	cfg := config.Default()
	cfg.FilesDir = t.TempDir()
	s, err := server.New(cfg, d, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Auth.Argon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.WindowSize(width, height))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(cancelC)
	ctx, cancelT := context.WithTimeout(ctx, limit)
	t.Cleanup(cancelT)
	e := &env{t: t, url: ts.URL, ctx: ctx, srv: s, shot: os.Getenv("RAPPORT_SCREENSHOTS")}
	// Headless Chromium clamps small windows; emulate the exact viewport.
	e.do(chromedp.EmulateViewport(int64(width), int64(height)))
	return e
}

func (e *env) do(steps ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	if err := chromedp.Do(e.ctx, steps...); err != nil {
		e.t.Fatal(err)
	}
}

// loads runs steps that load a new page (a form submitted, a link
// followed) and returns once that new page has loaded. WaitVisible alone
// cannot tell the new page from the old one when both hold the element
// waited for, and reading the old page while it unloads fails.
func (e *env) loads(steps ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	if _, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`(window.__e2eOld = true)`)); err != nil {
		e.t.Fatal(err)
	}
	e.do(steps...)
	var err error
	for range 100 {
		// A poll started in the old page ends with an error when the page
		// goes; the next one runs in the new page.
		if _, err = chromedp.Run(e.ctx, chromedp.Poll[bool](`!window.__e2eOld && document.readyState === "complete"`)); err == nil {
			return
		}
		if e.ctx.Err() != nil {
			break
		}
	}
	e.t.Fatalf("waiting for the next page: %v", err)
}

func (e *env) text(sel string) string {
	e.t.Helper()
	s, err := chromedp.Run(e.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		e.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (e *env) clear(sel string) {
	e.t.Helper()
	if _, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`(function(){document.querySelector("`+sel+`").value="";return true})()`)); err != nil {
		e.t.Fatalf("clear %s: %v", sel, err)
	}
}

// waitJS waits until the expression is true. (WaitVisible keeps the
// nodes it first found, so it misses elements a script re-renders.)
func (e *env) waitJS(expr string) {
	e.t.Helper()
	if _, err := chromedp.Run(e.ctx, chromedp.Poll[bool](expr)); err != nil {
		e.t.Fatalf("waiting for %s: %v", expr, err)
	}
}

func (e *env) location() string {
	e.t.Helper()
	s, err := chromedp.Run(e.ctx, chromedp.Location())
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.TrimPrefix(s, e.url)
}

// screenshot saves the page to docs/screenshots when RAPPORT_SCREENSHOTS
// names that directory, so test runs don't touch the tree by default.
func (e *env) screenshot(name string) {
	if e.shot == "" {
		return
	}
	// From the top: a full-page capture of a scrolled window draws the
	// sticky header and sidebar where the window was, across the page.
	at, err := chromedp.Run(e.ctx, chromedp.Evaluate[[]float64](`(function(){var a=[window.scrollX,window.scrollY];window.scrollTo(0,0);return a})()`))
	if err != nil {
		e.t.Fatal(err)
	}
	buf, err := chromedp.Run(e.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`window.scrollTo(%f,%f),true`, at[0], at[1]))); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.shot, name+".png"), buf, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) setupWorkspace() {
	e.t.Helper()
	e.do(chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.CSS(`#f-workspace`)))
	if got := e.location(); got != "/setup" {
		e.t.Fatalf("a new server should lead to /setup, got %s", got)
	}
	e.do(chromedp.SendKeys(chromedp.CSS(`#f-workspace`), "Acme Ibérica"),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "ada@acme.test"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "correct horse"),
		chromedp.Submit(chromedp.CSS(`#f-password`)),
		chromedp.WaitVisible(chromedp.CSS(`.page-title`)))
}

func TestSetupSignInAndTags(t *testing.T) {
	e := newEnv(t, 1280, 900)
	e.setupWorkspace()
	if h := e.text(".page-title"); !strings.Contains(h, "Ada Lovelace") {
		t.Fatalf("home greets %q, want the admin's name", h)
	}
	e.screenshot("home")

	// Sign out and back in.
	e.do(chromedp.Navigate(e.url+"/o/tags"), chromedp.WaitVisible(chromedp.CSS(`.page-title`)))
	e.do(chromedp.Click(chromedp.CSS(`.user-menu summary, .user-menu .menu-trigger`)), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)))
	e.do(chromedp.SendKeys(chromedp.CSS(`#f-email`), "ada@acme.test"), chromedp.SendKeys(chromedp.CSS(`#f-password`), "wrong password"),
		chromedp.Submit(chromedp.CSS(`#f-password`)), chromedp.WaitVisible(chromedp.CSS(`.flash-error`)))
	if msg := e.text(".flash-error"); !strings.Contains(msg, "Wrong e-mail or password") {
		t.Fatalf("bad sign-in says %q", msg)
	}
	e.do(chromedp.SendKeys(chromedp.CSS(`#f-password`), "correct horse"),
		chromedp.Submit(chromedp.CSS(`#f-password`)), chromedp.WaitVisible(chromedp.CSS(`.topbar`)))

	// Create a tag: a bad colour is refused under the field, nothing saved.
	e.do(chromedp.Navigate(e.url+"/o/tags/new"), chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Key account"), chromedp.SendKeys(chromedp.CSS(`#f-color`), "purple"),
		chromedp.Submit(chromedp.CSS(`#f-name`)), chromedp.WaitVisible(chromedp.CSS(`#f-color-error`)))
	if msg := e.text("#f-color-error"); !strings.Contains(msg, "colour") {
		t.Fatalf("colour error says %q", msg)
	}
	e.screenshot("tag-form-error")
	e.clear("#f-color")
	e.do(chromedp.SendKeys(chromedp.CSS(`#f-color`), "#16a34a"), chromedp.Submit(chromedp.CSS(`#f-name`)),
		chromedp.WaitVisible(chromedp.CSS(`.timeline`)))
	if h := e.text(".page-title"); h != "Key account" {
		t.Fatalf("detail page title %q", h)
	}
	// Edit: the history shows the change.
	e.do(chromedp.Click(chromedp.CSS(`a[href$="/edit"]`)), chromedp.WaitVisible(chromedp.CSS(`#f-description`)),
		chromedp.SendKeys(chromedp.CSS(`#f-description`), "Top 20% of revenue"), chromedp.Submit(chromedp.CSS(`#f-name`)),
		chromedp.WaitVisible(chromedp.CSS(`.timeline`)))
	if h := e.text(".timeline"); !strings.Contains(h, "Top 20% of revenue") {
		t.Fatalf("history does not show the new description: %q", h)
	}
	e.screenshot("tag-detail")

	// The list finds it with a filter and shows the filter as a chip.
	e.do(chromedp.Navigate(e.url+"/o/tags"), chromedp.WaitVisible(chromedp.CSS(`#flt-value`)),
		chromedp.SendKeys(chromedp.CSS(`#flt-value`), "key"), chromedp.Submit(chromedp.CSS(`#flt-value`)),
		chromedp.WaitVisible(chromedp.CSS(`.filter-chips`)))
	if rows := e.text("table tbody"); !strings.Contains(rows, "Key account") {
		t.Fatalf("filtered list shows %q", rows)
	}
	e.screenshot("tags-list")

	// Switch to Chinese: navigation and page strings change.
	e.do(chromedp.Navigate(e.url+"/o/tags"), chromedp.WaitVisible(chromedp.CSS(`.topbar`)),
		chromedp.Click(chromedp.CSS(`.lang-menu summary, .lang-menu .menu-trigger`)),
		chromedp.Click(chromedp.CSS(`button[name="lang"][value="zh"]`)),
		// The switch posts a form and reloads: wait for the new page, not the old one.
		chromedp.WaitVisible(chromedp.CSS(`html[lang^="zh"] .page-title`)))
	if nav := e.text(".nav"); !strings.Contains(nav, "客户") {
		t.Fatalf("after switching to 中文 the navigation reads %q", nav)
	}
	if h := e.text(".page-title"); h != "标签" {
		t.Fatalf("tags page title in Chinese is %q", h)
	}
	e.screenshot("tags-list-zh")
}

func TestPhoneWidth(t *testing.T) {
	e := newEnv(t, 360, 740)
	e.setupWorkspace()
	if w, err := chromedp.Run(e.ctx, chromedp.Evaluate[int](`window.innerWidth`)); err != nil || w != 360 {
		t.Fatalf("viewport is %d px wide (%v), want 360", w, err)
	}
	vis, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`(function(){var s=document.querySelector('.sidebar');var r=s.getBoundingClientRect();return r.right>0 && getComputedStyle(s).visibility!=='hidden';})()`))
	if err != nil {
		t.Fatal(err)
	}
	if vis {
		t.Fatal("at 360 px the sidebar should be tucked away behind the menu button")
	}
	e.do(chromedp.Click(chromedp.CSS(`[data-nav-open]`)), chromedp.WaitVisible(chromedp.CSS(`.sidebar .nav`)))
	// The drawer slides in; wait until it rests fully on screen.
	if _, err := chromedp.Run(e.ctx, chromedp.Poll[bool](`document.querySelector('.sidebar').getBoundingClientRect().left >= 0`)); err != nil {
		t.Fatalf("the navigation drawer never opened: %v", err)
	}
	overflow, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Fatal("the page scrolls sideways at 360 px")
	}
	e.screenshot("home-phone-nav")
	e.do(chromedp.Navigate(e.url+"/o/tags/new"), chromedp.WaitVisible(chromedp.CSS(`#f-name`)))
	overflow, err = chromedp.Run(e.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Fatal("the tag form scrolls sideways at 360 px")
	}
	e.screenshot("tag-form-phone")
}
