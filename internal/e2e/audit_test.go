package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAuditLogPage: an admin who mistyped the password once finds the
// failed sign-in, their sign-in and sign-out on Settings → Audit log,
// narrows the list to failed sign-ins with the filter, and finds the CSV
// export link carrying the filter. At desktop and phone widths.
func TestAuditLogPage(t *testing.T) {
	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", 1280, 900}, {"phone", 360, 740}} {
		t.Run(size.name, func(t *testing.T) {
			e := newEnv(t, size.width, size.height)
			e.setupWorkspace()
			e.do(chromedp.Navigate(e.url+"/login"), chromedp.WaitVisible(chromedp.CSS(`.page-title, #f-email`)))
			// Sign out, fail once, sign in.
			e.loads(chromedp.Navigate(e.url + "/o/tags"))
			if _, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`(function(){document.querySelector('form[action="/logout"]').submit();return true})()`)); err != nil {
				t.Fatal(err)
			}
			e.do(chromedp.WaitVisible(chromedp.CSS(`#f-email`)))
			e.do(chromedp.SendKeys(chromedp.CSS(`#f-email`), "ada@acme.test"), chromedp.SendKeys(chromedp.CSS(`#f-password`), "wrong password"),
				chromedp.Submit(chromedp.CSS(`#f-password`)), chromedp.WaitVisible(chromedp.CSS(`.flash-error`)))
			e.do(chromedp.SendKeys(chromedp.CSS(`#f-password`), "correct horse"),
				chromedp.Submit(chromedp.CSS(`#f-password`)), chromedp.WaitVisible(chromedp.CSS(`.topbar`)))

			e.loads(chromedp.Navigate(e.url + "/settings/audit"))
			rows := e.text("#audit-table tbody")
			for _, want := range []string{"Failed sign-in", "Signed in", "Signed out", "wrong password", "ada@acme.test", "127.0.0.1"} {
				if !strings.Contains(rows, want) {
					t.Fatalf("the audit log lacks %q: %q", want, rows)
				}
			}
			e.screenshot("audit-log-" + size.name)
			overflow, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
			if err != nil || overflow {
				t.Fatalf("the page is wider than the window (%v)", err)
			}

			// Filter to failed sign-ins.
			e.do(chromedp.SetValue(chromedp.CSS(`#af-event`), "sign_in_failed"))
			e.loads(chromedp.Click(chromedp.CSS(`.audit-filter button[type=submit]`)))
			rows = e.text("#audit-table tbody")
			if !strings.Contains(rows, "Failed sign-in") || strings.Contains(rows, "Signed out") {
				t.Fatalf("filtered to failed sign-ins: %q", rows)
			}
			href, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`document.querySelector('a[href^="/settings/audit/export"]').getAttribute('href')`))
			if err != nil || !strings.Contains(href, "event=sign_in_failed") {
				t.Fatalf("CSV link %q (%v)", href, err)
			}
			e.screenshot("audit-log-filtered-" + size.name)
		})
	}
}
