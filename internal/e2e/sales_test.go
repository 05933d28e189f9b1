package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/money"
	"github.com/rapport-crm/rapport/internal/records"
)

// admin returns the principal of the workspace's first user (the one
// setupWorkspace made), to seed data through the services.
func (e *env) admin() *auth.Principal {
	e.t.Helper()
	var ws, uid string
	if err := e.srv.DB.QueryRow(context.Background(), "SELECT workspace_id, id FROM users ORDER BY created_at LIMIT 1").Scan(&ws, &uid); err != nil {
		e.t.Fatal(err)
	}
	p, err := e.srv.Auth.Principal(context.Background(), ws, uid)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// center returns the middle of the element sel in viewport coordinates.
func (e *env) center(sel string) (float64, float64) {
	e.t.Helper()
	xy, err := chromedp.Run(e.ctx, chromedp.Evaluate[[]float64](`(function(){const el=document.querySelector(`+"`"+sel+"`"+`);el.scrollIntoView({block:"nearest",inline:"nearest"});const r=el.getBoundingClientRect();return [r.left+r.width/2,r.top+Math.min(r.height/2,20)]})()`))
	if err != nil || len(xy) != 2 {
		e.t.Fatalf("center of %s: %v", sel, err)
	}
	return xy[0], xy[1]
}

// drag presses the mouse on from, moves it in steps onto to, and
// releases it: the pointer events a person's drag makes.
func (e *env) drag(from, to string) {
	e.t.Helper()
	x0, y0 := e.center(from)
	x1, y1 := e.center(to)
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0, y0),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y0, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for i := 1; i <= 8; i++ {
		f := float64(i) / 8
		steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0+(x1-x0)*f, y0+(y1-y0)*f, chromedp.ButtonLeft))
	}
	steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x1, y1, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	e.do(steps...)
}

// TestDealsBoard drags deals between the board's columns: a drop the
// stage's rules refuse puts the card back and names the missing field;
// an allowed one moves the deal and the column totals (converted into
// the workspace currency) follow. The "Move to" menu does the same
// without a mouse. Desktop and phone widths.
func TestDealsBoard(t *testing.T) {
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
			p := e.admin()
			ctx := context.Background()
			if _, err := e.srv.Money.SetRate(ctx, p, money.RateInput{Currency: "EUR", Date: "2026-01-01", Rate: "1.10"}); err != nil {
				t.Fatal(err)
			}
			pls, err := e.srv.Sales.Pipelines(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			st := pls[0].Stages
			acc, err := e.srv.Records.Create(ctx, p, "accounts", records.Input{"name": "Globex"})
			if err != nil {
				t.Fatal(err)
			}
			mk := func(name string, in records.Input) string {
				in["name"] = name
				r, err := e.srv.Records.Create(ctx, p, "deals", in)
				if err != nil {
					t.Fatal(err)
				}
				return r.ID
			}
			alpha := mk("Alpha rollout", records.Input{"stage_id": st[0].ID, "account_id": acc.ID})
			beta := mk("Beta licences", records.Input{"stage_id": st[0].ID, "amount": map[string]any{"amount": "1000", "currency": "EUR"}, "close_date": "2026-03-31", "next_step": "Send the proposal"})
			mk("Gamma support", records.Input{"stage_id": st[1].ID, "amount": map[string]any{"amount": "2500", "currency": "USD"}, "close_date": "2026-02-15", "account_id": acc.ID})
			delta := mk("Delta pilot", records.Input{"stage_id": st[2].ID, "amount": map[string]any{"amount": "500", "currency": "GBP"}, "close_date": "2026-04-01"})
			epsilon := mk("Epsilon trial", records.Input{"stage_id": st[2].ID, "amount": map[string]any{"amount": "3000", "currency": "JPY"}, "close_date": "2026-01-10"})
			// order is the deals of a column as the board shows them.
			order := func(stage string) []string {
				ids, err := chromedp.Run(e.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.board-col[data-stage="`+stage+`"] .deal-card')).map(function(c){return c.getAttribute("data-id")})`))
				if err != nil {
					t.Fatal(err)
				}
				return ids
			}

			e.loads(chromedp.Navigate(e.url + "/deals"))
			e.waitJS(`!!document.querySelector('#board .deal-card[data-id="` + beta + `"]')`)
			shot("deals-board")
			if phone {
				overflow, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
				if err != nil || overflow {
					t.Fatalf("the board page scrolls sideways at 360 px (%v)", err)
				}
			}
			col := func(stage string) string { return `.board-col[data-stage="` + stage + `"]` }
			card := func(id string) string { return `.deal-card[data-id="` + id + `"]` }
			if !phone {
				// A drop the stage refuses: Proposal needs an amount.
				e.drag(card(alpha)+" .deal-card-account", col(st[2].ID)+" .board-col-head")
				e.waitJS(`!document.querySelector("#board-status").hidden && document.querySelector("#board-status").textContent.includes("Amount")`)
				e.waitJS(`!!document.querySelector('` + col(st[0].ID) + ` ` + card(alpha) + `') && !document.querySelector("#board").hasAttribute("data-busy")`)
				shot("deals-board-refused")
				// An allowed drop.
				e.drag(card(beta)+" .deal-card-meta", col(st[2].ID)+" .board-col-head")
				e.waitJS(`!!document.querySelector('` + col(st[2].ID) + ` ` + card(beta) + `') && document.querySelector("#board-status").textContent.includes("moved") && !document.querySelector("#board").hasAttribute("data-busy")`)
			} else {
				// The menu, as a keyboard or touch user would.
				e.do(chromedp.SetValue(chromedp.CSS(card(beta)+" select"), st[2].ID), chromedp.Click(chromedp.CSS(card(beta)+" .deal-move button")))
				e.waitJS(`!!document.querySelector('` + col(st[2].ID) + ` ` + card(beta) + `') && !document.querySelector("#board").hasAttribute("data-busy")`)
				e.do(chromedp.SetValue(chromedp.CSS(card(alpha)+" select"), st[2].ID), chromedp.Click(chromedp.CSS(card(alpha)+" .deal-move button")))
				e.waitJS(`document.querySelector("#board-status").textContent.includes("Amount")`)
			}
			// The moved card is where a reload would list it: by expected
			// close date, between the deals closing before and after it.
			if got := order(st[2].ID); !slices.Equal(got, []string{epsilon, beta, delta}) {
				t.Errorf("the column after the move %v, want %v", got, []string{epsilon, beta, delta})
			}
			// The column total converts 1,000 EUR at 1.10 next to 500 GBP
			// and 3,000 JPY (no rate: shown apart).
			e.waitJS(`document.querySelector('` + col(st[2].ID) + ` .board-total').textContent.includes("1,100.00")`)
			if txt := e.text(col(st[2].ID) + " .board-unconverted"); !strings.Contains(txt, "500") {
				t.Fatalf("unconverted note %q", txt)
			}
			shot("deals-board-moved")
			rec, err := e.srv.Records.Get(ctx, p, "deals", beta, records.GetOptions{})
			if err != nil || rec.Values["stage_id"] != st[2].ID {
				t.Fatalf("beta after the move: %v %v", rec.Values["stage_id"], err)
			}
			if rec, _ := e.srv.Records.Get(ctx, p, "deals", alpha, records.GetOptions{}); rec.Values["stage_id"] != st[0].ID {
				t.Fatalf("alpha moved despite the rule: %v", rec.Values["stage_name"])
			}
			if !phone {
				// The refused drop asks for the amount the stage needs;
				// giving it moves the deal.
				e.drag(card(alpha)+" .deal-card-account", col(st[2].ID)+" .board-col-head")
				e.waitJS(`!!document.querySelector("#board-status form.board-fill input[name=amount]") && !document.querySelector("#board").hasAttribute("data-busy")`)
				e.do(chromedp.SendKeys(chromedp.CSS(`#board-status input[name=amount]`), "250"))
				shot("deals-board-fill")
				e.do(chromedp.Click(chromedp.CSS(`#board-status form.board-fill button`)))
				e.waitJS(`document.querySelector("#board-status").textContent.includes("moved") && !document.querySelector("#board").hasAttribute("data-busy")`)
				rec, err := e.srv.Records.Get(ctx, p, "deals", alpha, records.GetOptions{})
				if err != nil || rec.Values["stage_id"] != st[2].ID || rec.Values["amount"] != (records.MoneyValue{Amount: "250", Currency: "USD"}) {
					t.Fatalf("alpha after filling in: %v %v (%v)", rec.Values["stage_name"], rec.Values["amount"], err)
				}
				// Without an expected close date it goes last.
				if got := order(st[2].ID); !slices.Equal(got, []string{epsilon, beta, delta, alpha}) {
					t.Errorf("the column after filling in %v, want the undated deal last", got)
				}
			}
			// The deal's page: stage path and stage history.
			e.loads(chromedp.Navigate(e.url + "/o/deals/" + beta))
			e.waitJS(`!!document.querySelector("#stage-history")`)
			if h := e.text("#stage-history"); !strings.Contains(h, "Proposal") || !strings.Contains(h, "Qualification") {
				t.Fatalf("stage history %q", h)
			}
			shot("deal-detail")
			// The account's 360 page lists its deals and their stages on
			// the timeline.
			e.loads(chromedp.Navigate(e.url + "/o/accounts/" + acc.ID))
			e.waitJS(`!!document.querySelector("#account-deals") && document.querySelector("#timeline").textContent.includes("Gamma support")`)
			shot("account-deals")
			// The forecast page with its chart.
			e.loads(chromedp.Navigate(e.url + "/forecast?from=2026-01&periods=4"))
			e.waitJS(`!!document.querySelector("#forecast-chart rect")`)
			shot("forecast")
		})
	}
}

// TestLeadConvertPage converts a lead whose company already exists: the
// page offers the existing account, and the conversion opens the deal.
func TestLeadConvertPage(t *testing.T) {
	e := newEnv(t, 1280, 900)
	e.setupWorkspace()
	p := e.admin()
	ctx := context.Background()
	if _, err := e.srv.Records.Create(ctx, p, "accounts", records.Input{"name": "Initech", "website": "https://initech.test"}); err != nil {
		t.Fatal(err)
	}
	lead, err := e.srv.Records.Create(ctx, p, "leads", records.Input{"given_name": "Peter", "family_name": "Gibbons", "company": "Initech", "website": "https://initech.test", "email": "peter@initech.test"})
	if err != nil {
		t.Fatal(err)
	}
	e.loads(chromedp.Navigate(e.url + "/o/leads/" + lead.ID))
	e.loads(chromedp.Click(chromedp.CSS(`#convert-lead`)))
	if loc := e.location(); !strings.HasSuffix(loc, "/convert") {
		t.Fatalf("convert button led to %s: %.300s", loc, e.text("main"))
	}
	if ok, _ := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`!!document.querySelector("#convert-form")`)); !ok {
		html, _ := chromedp.Run(e.ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		t.Fatalf("no convert form: %.3000s", html[max(0, len(html)-3000):])
	}
	if txt := e.text("#convert-form"); !strings.Contains(txt, "Initech") {
		t.Fatalf("convert page %q", txt)
	}
	e.screenshot("lead-convert")
	e.do(chromedp.SendKeys(chromedp.CSS(`#f-amount`), "12000"))
	e.loads(chromedp.Submit(chromedp.CSS(`#f-amount`)))
	if loc := e.location(); !strings.HasPrefix(loc, "/o/deals/") {
		t.Fatalf("after converting: %s", loc)
	}
	var n int
	if err := e.srv.DB.QueryRow(ctx, "SELECT COUNT(*) FROM accounts").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d accounts after converting into an existing one (%v)", n, err)
	}
}

// TestSalesSettingsPages opens the sales settings pages and the forecast
// in Spanish and Chinese at desktop and phone widths: nothing scrolls
// sideways on a phone.
func TestSalesSettingsPages(t *testing.T) {
	for _, size := range [][2]int{{1280, 900}, {360, 740}} {
		t.Run(fmt.Sprintf("%dpx", size[0]), func(t *testing.T) {
			e := newEnv(t, size[0], size[1])
			e.setupWorkspace()
			p := e.admin()
			ctx := context.Background()
			pls, err := e.srv.Sales.Pipelines(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.srv.Money.SetRate(ctx, p, money.RateInput{Currency: "EUR", Date: "2026-01-01", Rate: "1.10"}); err != nil {
				t.Fatal(err)
			}
			for _, lang := range []string{"es", "zh"} {
				if _, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`fetch("/lang",{method:"POST",body:new URLSearchParams({lang:"`+lang+`"})}).then(function(r){return r.ok})`, chromedp.EvalAwaitPromise)); err != nil {
					t.Fatal(err)
				}
				for _, page := range []string{"/settings/pipelines/" + pls[0].ID, "/settings/leads", "/settings/quotas", "/settings/exchange_rates", "/forecast", "/deals"} {
					e.loads(chromedp.Navigate(e.url + page))
					if size[0] < 500 {
						overflow, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
						if err != nil || overflow {
							t.Errorf("%s (%s) scrolls sideways at %d px", page, lang, size[0])
						}
					}
					// The pipeline's page is named without its id, so that
					// each run overwrites the same file.
					name := strings.NewReplacer("/", "-", "?", "-").Replace(strings.Trim(strings.TrimSuffix(page, "/"+pls[0].ID), "/"))
					e.screenshot(fmt.Sprintf("%s-%s-%d", name, lang, size[0]))
				}
			}
		})
	}
}
