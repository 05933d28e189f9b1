package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestCustomer360: create an account and a contact through the forms,
// be warned of a duplicate before saving, log a call and add a task from
// the 360 page without leaving it, find the contact with the search box
// without accents, and merge the duplicate — at desktop and phone width.
func TestCustomer360(t *testing.T) {
	for _, size := range [][2]int{{1280, 900}, {360, 740}} {
		t.Run(fmt.Sprintf("%dpx", size[0]), func(t *testing.T) {
			e := newEnv(t, size[0], size[1])
			phone := size[0] < 500
			shot := func(name string) {
				if phone {
					name += "-phone"
				}
				e.screenshot(name)
			}
			e.setupWorkspace()
			// An account, then a contact at it.
			e.do(chromedp.Navigate(e.url+"/o/accounts/new"), chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
				chromedp.SendKeys(chromedp.CSS(`#f-name`), "Telefónica Móviles"),
				chromedp.SendKeys(chromedp.CSS(`#f-website`), "telefonica.example"),
				chromedp.Submit(chromedp.CSS(`#f-name`)), chromedp.WaitVisible(chromedp.CSS(`#timeline`)))
			accURL := e.location()
			e.do(chromedp.Navigate(e.url+"/o/contacts/new"), chromedp.WaitVisible(chromedp.CSS(`#f-given_name`)),
				chromedp.SendKeys(chromedp.CSS(`#f-given_name`), "José"),
				chromedp.SendKeys(chromedp.CSS(`#f-family_name`), "Núñez"),
				chromedp.SendKeys(chromedp.CSS(`#f-emails`), "jose@telefonica.example"),
				chromedp.SendKeys(chromedp.CSS(`#f-phones`), "+34 612 34 56 78"),
				// The account picker finds it as one types, without the accent.
				chromedp.SendKeys(chromedp.CSS(`#f-account_id`), "telefon"),
				chromedp.WaitVisible(chromedp.CSS(`#f-account_id-list [role=option]`)))
			if opts := e.text("#f-account_id-list"); !strings.Contains(opts, "Telefónica Móviles") {
				t.Fatalf("picker options %q", opts)
			}
			shot("contact-account-picker")
			// A full-page screenshot may take the focus away, which closes
			// the list and empties the box (nothing was picked): type again.
			e.clear("#f-account_id")
			e.do(chromedp.SendKeys(chromedp.CSS(`#f-account_id`), "telefon"))
			e.waitJS(`!document.querySelector("#f-account_id-list").hidden && !!document.querySelector("#f-account_id-list [role=option]")`)
			e.do(chromedp.SendKeys(chromedp.CSS(`#f-account_id`), kb.ArrowDown+kb.Enter))
			e.waitJS(`document.querySelector("#f-account_id-list").hidden`)
			picked, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`document.querySelector("input[type=hidden][name=account_id]").value`))
			if err != nil || picked != strings.TrimPrefix(accURL, "/o/accounts/") {
				t.Fatalf("picked account %q (%v), want %s", picked, err, accURL)
			}
			if box, _ := chromedp.Run(e.ctx, chromedp.Value(chromedp.CSS(`#f-account_id`))); box != "Telefónica Móviles" {
				t.Fatalf("picker box shows %q", box)
			}
			e.do(chromedp.Submit(chromedp.CSS(`#f-given_name`)), chromedp.WaitVisible(chromedp.CSS(`#timeline`)))
			joseURL := e.location()
			if h := e.text(".page-title"); h != "José Núñez" {
				t.Fatalf("360 title %q", h)
			}
			if facts := e.text(".facts"); !strings.Contains(facts, "Telefónica Móviles") || !strings.Contains(facts, "+34 612 34 56 78") {
				t.Fatalf("key facts %q", facts)
			}
			// Log a call from the 360 page; it lands on the timeline.
			e.do(chromedp.Click(chromedp.CSS(`#quick-call > summary`)), chromedp.WaitVisible(chromedp.CSS(`#q-call-subject`)),
				chromedp.SendKeys(chromedp.CSS(`#q-call-subject`), "Renewal call"),
				chromedp.SendKeys(chromedp.CSS(`#q-call-minutes`), "12"),
				chromedp.Submit(chromedp.CSS(`#q-call-subject`)), chromedp.WaitVisible(chromedp.CSS(`.timeline-call`)))
			if tl := e.text("#timeline"); !strings.Contains(tl, "Renewal call") {
				t.Fatalf("timeline after logging a call: %q", tl)
			}
			if e.location() != joseURL+"#timeline" && e.location() != joseURL {
				t.Fatalf("logging a call left the page: %s", e.location())
			}
			// A task from its quick action.
			e.do(chromedp.Click(chromedp.CSS(`#quick-task > summary`)), chromedp.WaitVisible(chromedp.CSS(`#q-task-subject`)))
			e.do(chromedp.SendKeys(chromedp.CSS(`#q-task-subject`), "Send the quote"), chromedp.Submit(chromedp.CSS(`#q-task-subject`)),
				chromedp.WaitVisible(chromedp.CSS(`.timeline-task`)))
			if tasks := e.text(".c360-side"); !strings.Contains(tasks, "Send the quote") {
				t.Fatalf("open tasks: %q", tasks)
			}
			shot("contact-360")
			// A second José without accents: warned before saving.
			e.do(chromedp.Navigate(e.url+"/o/contacts/new"), chromedp.WaitVisible(chromedp.CSS(`#f-given_name`)),
				chromedp.SendKeys(chromedp.CSS(`#f-given_name`), "Jose"),
				chromedp.SendKeys(chromedp.CSS(`#f-family_name`), "Nunez"),
				chromedp.SendKeys(chromedp.CSS(`#f-phones`), "+34 612 345 678"),
				chromedp.Submit(chromedp.CSS(`#f-given_name`)), chromedp.WaitVisible(chromedp.CSS(`#dup-warning`)))
			if w := e.text("#dup-warning"); !strings.Contains(w, "José Núñez") {
				t.Fatalf("duplicate warning %q", w)
			}
			shot("contact-duplicate-warning")
			e.do(chromedp.Click(chromedp.CSS(`button[name="_dup_ok"]`)), chromedp.WaitVisible(chromedp.CSS(`#timeline`)))
			// The search box finds both without accents.
			e.do(chromedp.Navigate(e.url+"/search?q=nunez"), chromedp.WaitVisible(chromedp.CSS(`.search-results`)))
			if res := e.text(".search-results"); strings.Count(res, "N") < 2 || !strings.Contains(res, "José Núñez") {
				t.Fatalf("search results %q", res)
			}
			shot("search")
			// The duplicate scan lists them; merge keeps the call and task.
			e.do(chromedp.Navigate(e.url+"/o/contacts/duplicates"), chromedp.WaitVisible(chromedp.CSS(`.dup-group`)))
			shot("contact-duplicates")
			e.do(chromedp.Click(chromedp.CSS(`.dup-group a.btn-primary`)), chromedp.WaitVisible(chromedp.CSS(`.merge-table`)))
			shot("contact-merge")
			if _, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`(function(){window.confirm=function(){return true};return true})()`)); err != nil {
				t.Fatal(err)
			}
			e.do(chromedp.Click(chromedp.CSS(`form button[type=submit].btn-primary`)), chromedp.WaitVisible(chromedp.CSS(`#timeline`)))
			if tl := e.text("#timeline"); !strings.Contains(tl, "Renewal call") || !strings.Contains(tl, "Send the quote") {
				t.Fatalf("after merging, the survivor's timeline: %q", tl)
			}
			overflow, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
			if err != nil {
				t.Fatal(err)
			}
			if overflow {
				t.Fatalf("the 360 page scrolls sideways at %d px", size[0])
			}
			// The account's 360 page shows the contact and the call.
			e.do(chromedp.Navigate(e.url+accURL), chromedp.WaitVisible(chromedp.CSS(`#timeline`)))
			if side := e.text(".c360-side"); !strings.Contains(side, "Jos") {
				t.Fatalf("account contacts: %q", side)
			}
			shot("account-360")
			// A relationship to another account, picked by typing.
			e.do(chromedp.Navigate(e.url+"/o/accounts/new"), chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
				chromedp.SendKeys(chromedp.CSS(`#f-name`), "Vodafone España"),
				chromedp.Submit(chromedp.CSS(`#f-name`)), chromedp.WaitVisible(chromedp.CSS(`#timeline`)))
			e.do(chromedp.Navigate(e.url+accURL), chromedp.WaitVisible(chromedp.CSS(`#rel-other`)),
				chromedp.SendKeys(chromedp.CSS(`#rel-other`), "vodaf"))
			e.waitJS(`!!document.querySelector("#rel-other-list [role=option]")`)
			e.do(chromedp.Click(`//li[@role='option'][contains(., 'Vodafone España')]`))
			e.waitJS(`document.querySelector("#rel-other-list").hidden && document.querySelector("input[name=other_id]").value !== ""`)
			e.loads(chromedp.Submit(chromedp.CSS(`#rel-other`)))
			if rel := e.text("#relationships"); !strings.Contains(rel, "Vodafone España") {
				t.Fatalf("relationships after adding one: %q", rel)
			}
			// Keyboard: on a 360 page, "t" opens the new-task form.
			e.do(chromedp.Navigate(e.url+joseURL), chromedp.WaitVisible(chromedp.CSS(`#timeline`)),
				chromedp.KeyEvent("t"), chromedp.WaitVisible(chromedp.CSS(`#q-task-subject`)))
			// The list counts its rows; a bulk action applies to the rows
			// chosen with their check boxes.
			e.do(chromedp.Navigate(e.url+"/o/contacts"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="list-count"]`)))
			if n := e.text(`[data-testid="list-count"]`); n != "Total: 1" {
				t.Fatalf("list count %q", n)
			}
			e.do(chromedp.Click(chromedp.CSS(`[data-select-all]`)))
			if sel := e.text(`[data-bulk-count]`); sel != "1 selected" {
				t.Fatalf("selection %q", sel)
			}
			e.do(chromedp.SetValue(chromedp.CSS(`#bulk-action`), "delete"))
			shot("contacts-bulk")
			if _, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`(function(){window.confirm=function(){return true};return true})()`)); err != nil {
				t.Fatal(err)
			}
			e.do(chromedp.Submit(chromedp.CSS(`#bulk`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
			if f := e.text(".flash"); !strings.Contains(f, "Records changed: 1") {
				t.Fatalf("after a bulk delete: %q", f)
			}
			e.do(chromedp.Navigate(e.url+"/o/contacts/trash"), chromedp.WaitVisible(chromedp.CSS(`.page-title`)))
			if tr := e.text(".card"); !strings.Contains(tr, "Jos") {
				t.Fatalf("the trash after a bulk delete: %q", tr)
			}
		})
	}
}
