package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rapport-crm/rapport/internal/records"
)

// TestQuoteFlow: create a quote through the form, add lines from the
// catalogue and by hand, see the totals, download the PDF, accept the
// quote and land on its order; the account's 360 page shows it all — at
// desktop and phone width.
func TestQuoteFlow(t *testing.T) {
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
			// The catalogue and the customer, through the services.
			ctx := context.Background()
			var ws, user string
			if err := e.srv.DB.QueryRow(ctx, "SELECT workspace_id, id FROM users").Scan(&ws, &user); err != nil {
				t.Fatal(err)
			}
			p, err := e.srv.Auth.Principal(ctx, ws, user)
			if err != nil {
				t.Fatal(err)
			}
			acc, err := e.srv.Records.Create(ctx, p, "accounts", records.Input{"name": "Cervecería Norte", "billing_city": "Bilbao"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.srv.Records.Create(ctx, p, "products", records.Input{"sku": "KEG-50", "name": "Barril 50 L", "unit": "uds", "tax_rate": "21",
				"list_price": records.MoneyValue{Amount: "120", Currency: "EUR"}}); err != nil {
				t.Fatal(err)
			}
			// The quote form: subject, account (picked as one types), currency.
			e.loads(chromedp.Navigate(e.url + "/o/quotes/new"))
			e.do(chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
				chromedp.SendKeys(chromedp.CSS(`#f-name`), "Barriles de verano"),
				chromedp.SendKeys(chromedp.CSS(`#f-currency`), "EUR"),
				chromedp.SendKeys(chromedp.CSS(`#f-account_id`), "cerveceria"))
			e.waitJS(`!document.querySelector("#f-account_id-list").hidden && !!document.querySelector("#f-account_id-list [role=option]")`)
			e.do(chromedp.SendKeys(chromedp.CSS(`#f-account_id`), kb.ArrowDown+kb.Enter))
			e.waitJS(`document.querySelector("#f-account_id-list").hidden`)
			e.loads(chromedp.Submit(chromedp.CSS(`#f-name`)))
			if h := e.text(".page-title"); h != "Q-00001" {
				t.Fatalf("quote page title %q at %s", h, e.location())
			}
			quoteURL := e.location()
			// A line from the catalogue: its price and tax come with it.
			e.do(chromedp.SetValue(chromedp.CSS(`#line-product`), productValue(t, e)),
				chromedp.SetValue(chromedp.CSS(`#line-qty`), "2"))
			e.loads(chromedp.Click(chromedp.CSS(`#add-line-submit`)))
			// A line by hand, with a discount.
			e.do(chromedp.WaitVisible(chromedp.CSS(`#line-name`)),
				chromedp.SendKeys(chromedp.CSS(`#line-name`), "Grifo de barra"),
				chromedp.SetValue(chromedp.CSS(`#line-qty`), "3"),
				chromedp.SendKeys(chromedp.CSS(`#line-price`), "19,99"),
				chromedp.SendKeys(chromedp.CSS(`#line-discount`), "10"),
				chromedp.SendKeys(chromedp.CSS(`#line-tax`), "21"))
			e.loads(chromedp.Click(chromedp.CSS(`#add-line-submit`)))
			lines := e.text("#lines tbody")
			if !strings.Contains(lines, "Barril 50 L") || !strings.Contains(lines, "Grifo de barra") {
				t.Fatalf("lines %q", lines)
			}
			// 240.00 + (59.97 − 6.00 = 53.97); tax 50.40 + 11.33.
			totals := e.text("#sales-totals")
			for _, want := range []string{"299.97", "6.00", "61.73", "355.70"} {
				if !strings.Contains(totals, want) {
					t.Fatalf("totals %q lack %s", totals, want)
				}
			}
			shot("quote")
			// The PDF downloads.
			href, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`document.querySelector("#sales-pdf").getAttribute("href")`))
			if err != nil {
				t.Fatal(err)
			}
			got, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`fetch(`+"`"+href+"`"+`).then(async r => r.status + " " + r.headers.get("Content-Type") + " " + (await r.text()).slice(0, 5))`, chromedp.EvalAwaitPromise))
			if err != nil || got != "200 application/pdf %PDF-" {
				t.Fatalf("PDF download: %q, %v", got, err)
			}
			// Accept: the order is made and shown.
			if _, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`(function(){window.confirm=function(){return true};return true})()`)); err != nil {
				t.Fatal(err)
			}
			e.loads(chromedp.Click(chromedp.CSS(`#sales-accept`)))
			if !strings.HasPrefix(e.location(), "/o/orders/") {
				t.Fatalf("accepting led to %s", e.location())
			}
			if h := e.text(".page-title"); h != "SO-00001" {
				t.Fatalf("order title %q", h)
			}
			if tot := e.text("#sales-totals"); !strings.Contains(tot, "355.70") {
				t.Fatalf("order totals %q", tot)
			}
			if !strings.Contains(e.text("#ship"), "Barril 50 L") {
				t.Fatal("the order offers no shipment of its lines")
			}
			shot("order")
			// Ship part of it.
			e.do(chromedp.SetValue(chromedp.CSS(`#ship .ship-qty`), "1"), chromedp.SendKeys(chromedp.CSS(`#ship-carrier`), "SEUR"))
			e.loads(chromedp.Click(chromedp.CSS(`#ship-submit`)))
			if !strings.HasPrefix(e.location(), "/o/shipments/") {
				t.Fatalf("shipping led to %s", e.location())
			}
			shot("shipment")
			// Invoice the order, issue the invoice, pay part of it.
			e.loads(chromedp.Navigate(e.url + "/o/orders/" + orderID(t, e)))
			e.loads(chromedp.Click(chromedp.CSS(`#sales-invoice`)))
			if h := e.text(".page-title"); h != "INV-00001" {
				t.Fatalf("invoice title %q at %s", h, e.location())
			}
			e.loads(chromedp.Click(chromedp.CSS(`#sales-issue`)))
			e.do(chromedp.WaitVisible(chromedp.CSS(`#pay-amount`)), chromedp.SetValue(chromedp.CSS(`#pay-amount`), "100"))
			e.loads(chromedp.Click(chromedp.CSS(`#pay-submit`)))
			if tot := e.text("#sales-totals"); !strings.Contains(tot, "255.70") {
				t.Fatalf("balance after paying 100: %q", tot)
			}
			shot("invoice")
			// The quote now says accepted; the account's 360 shows the chain.
			e.loads(chromedp.Navigate(e.url + quoteURL))
			if e.text(".page-actions") == "" || strings.Contains(e.text(".page-actions"), "Aceptar") || strings.Contains(e.text(".page-actions"), "Accept") {
				t.Fatalf("an accepted quote still offers accepting: %q", e.text(".page-actions"))
			}
			e.loads(chromedp.Navigate(e.url + "/o/accounts/" + acc.ID))
			tl := e.text("#timeline")
			for _, want := range []string{"Q-00001", "SO-00001", "SH-00001", "INV-00001", "PAY-00001"} {
				if !strings.Contains(tl, want) {
					t.Fatalf("the 360 timeline lacks %s: %q", want, tl)
				}
			}
			if !strings.Contains(e.text("#sales"), "Revenue") && !strings.Contains(e.text("#sales"), "Facturado") {
				t.Fatalf("the 360 sales card: %q", e.text("#sales"))
			}
			shot("account-sales")
			// The section's lists: the catalogue and the overdue invoices.
			e.loads(chromedp.Navigate(e.url + "/sales"))
			if e.location() != "/deals" || !strings.Contains(e.text(".tabs"), "Products") && !strings.Contains(e.text(".tabs"), "Productos") {
				t.Fatalf("/sales led to %s with tabs %q", e.location(), e.text(".tabs"))
			}
			e.loads(chromedp.Navigate(e.url + "/o/products"))
			shot("products")
			e.loads(chromedp.Navigate(e.url + "/sales/overdue"))
			if h := e.text(".page-title"); h != "Overdue" && h != "Vencidas" {
				t.Fatalf("overdue page title %q", h)
			}
			shot("overdue")
		})
	}
}

func productValue(t *testing.T, e *env) string {
	t.Helper()
	v, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`document.querySelector("#line-product option:nth-child(2)").value`))
	if err != nil || v == "" {
		t.Fatalf("no product to pick: %v", err)
	}
	return v
}

// orderID reads the order's id from the shipment page's details.
func orderID(t *testing.T, e *env) string {
	t.Helper()
	v, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`(function(){for (const a of document.querySelectorAll(".kv a")) { const m = a.getAttribute("href").match(/^\/o\/orders\/(.+)$/); if (m) return m[1]; } return ""})()`))
	if err != nil || v == "" {
		t.Fatalf("no order link on %s: %v", e.location(), err)
	}
	return v
}
