package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestErasePerson: from a contact's page, open the privacy card's
// erasure, be refused for a wrong confirmation, type the person's name,
// and land back on the record showing the placeholder name, the message
// and the erasure in the timeline.
func TestErasePerson(t *testing.T) {
	e := newEnv(t, 1280, 900)
	e.setupWorkspace()
	e.do(chromedp.Navigate(e.url+"/o/contacts/new"), chromedp.WaitVisible(chromedp.CSS(`#f-given_name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-given_name`), "Marta"),
		chromedp.SendKeys(chromedp.CSS(`#f-family_name`), "Zielińska"),
		chromedp.SendKeys(chromedp.CSS(`#f-emails`), "marta@zielinska.example"),
		chromedp.Submit(chromedp.CSS(`#f-given_name`)), chromedp.WaitVisible(chromedp.CSS(`#privacy`)))
	contactURL := e.location()
	if h := e.text(".page-title"); h != "Marta Zielińska" {
		t.Fatalf("360 title %q", h)
	}
	e.screenshot("contact-privacy")
	e.do(chromedp.Click(chromedp.CSS(`#privacy-erase`)), chromedp.WaitVisible(chromedp.CSS(`#f-confirm`)))
	// A wrong confirmation is refused under the field; nothing erased.
	e.do(chromedp.SendKeys(chromedp.CSS(`#f-confirm`), "Marta"), chromedp.Click(chromedp.CSS(`#erase-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-confirm-error`)))
	e.screenshot("erase-confirm")
	e.clear("#f-confirm")
	e.do(chromedp.SendKeys(chromedp.CSS(`#f-confirm`), "Marta Zielińska"), chromedp.Click(chromedp.CSS(`#erase-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)))
	if loc := e.location(); loc != contactURL {
		t.Fatalf("after erasing: %s, want %s", loc, contactURL)
	}
	if h := e.text(".page-title"); h != "Erased person" {
		t.Fatalf("title after erasing %q", h)
	}
	if msg := e.text(".flash-success"); !strings.Contains(msg, "erased") {
		t.Fatalf("message %q", msg)
	}
	if tl := e.text("#timeline"); !strings.Contains(tl, "Personal data erased") || strings.Contains(tl, "Zielińska") {
		t.Fatalf("timeline after erasing: %q", tl)
	}
	e.screenshot("contact-erased")
}
