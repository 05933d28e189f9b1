package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/records"
)

// TestDealLinesCard: on a deal's page, add products from the catalogue
// and by hand (a comma for decimals), change a line in its edit row, see
// the totals and the deal's amount follow; New quote opens a draft quote
// with the same lines and totals — at desktop and phone width.
func TestDealLinesCard(t *testing.T) {
	for _, size := range [][2]int{{1280, 900}, {360, 740}} {
		t.Run(fmt.Sprintf("%dpx", size[0]), func(t *testing.T) {
			e := newEnv(t, size[0], size[1])
			shot := func(name string) {
				if size[0] < 500 {
					name += "-phone"
				}
				e.screenshot(name)
			}
			e.setupWorkspace()
			p := e.admin()
			ctx := context.Background()
			acc, err := e.srv.Records.Create(ctx, p, "accounts", records.Input{"name": "Cervecería Norte"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.srv.Records.Create(ctx, p, "products", records.Input{"sku": "KEG-50", "name": "Barril 50 L", "unit": "uds", "tax_rate": "21",
				"list_price": records.MoneyValue{Amount: "120", Currency: "EUR"}}); err != nil {
				t.Fatal(err)
			}
			deal, err := e.srv.Records.Create(ctx, p, "deals", records.Input{"name": "Barriles de verano", "account_id": acc.ID,
				"amount": records.MoneyValue{Amount: "1", Currency: "EUR"}})
			if err != nil {
				t.Fatal(err)
			}
			e.loads(chromedp.Navigate(e.url + "/o/deals/" + deal.ID))
			// A line from the catalogue, then one by hand with a discount.
			e.do(chromedp.WaitVisible(chromedp.CSS(`#lines #line-product`)),
				chromedp.SetValue(chromedp.CSS(`#line-product`), productValue(t, e)),
				chromedp.SetValue(chromedp.CSS(`#line-qty`), "2"))
			e.loads(chromedp.Click(chromedp.CSS(`#add-line-submit`)))
			e.do(chromedp.WaitVisible(chromedp.CSS(`#line-name`)),
				chromedp.SendKeys(chromedp.CSS(`#line-name`), "Grifo de barra"),
				chromedp.SetValue(chromedp.CSS(`#line-qty`), "3"),
				chromedp.SendKeys(chromedp.CSS(`#line-price`), "19,99"),
				chromedp.SendKeys(chromedp.CSS(`#line-discount`), "10"),
				chromedp.SendKeys(chromedp.CSS(`#line-tax`), "21"))
			e.loads(chromedp.Click(chromedp.CSS(`#add-line-submit`)))
			if tot := e.text("#sales-totals"); !strings.Contains(tot, "355.70") && !strings.Contains(tot, "355,70") {
				t.Fatalf("the deal's totals %q", tot)
			}
			// Change the hand-made line: one tap instead of three.
			href, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`document.querySelectorAll("#lines a.line-edit")[1].getAttribute("href")`))
			if err != nil || !strings.HasPrefix(href, "#edit-") {
				t.Fatalf("the second line's edit link: %q, %v", href, err)
			}
			id := strings.TrimPrefix(href, "#edit-")
			e.do(chromedp.Click(chromedp.CSS(`a[href="`+href+`"]`)), chromedp.WaitVisible(chromedp.CSS(`#edit-qty-`+id)))
			shot("deal-line-edit")
			e.do(chromedp.SetValue(chromedp.CSS(`#edit-qty-`+id), "1"))
			e.loads(chromedp.Click(chromedp.CSS(`#edit-save-` + id)))
			// 290.40 for the barrels; 19.99 − 2.00 + 3.78 tax for the tap.
			if tot := e.text("#sales-totals"); !strings.Contains(tot, "312.17") && !strings.Contains(tot, "312,17") {
				t.Fatalf("the deal's totals after the change %q", tot)
			}
			if d := e.text(".detail-grid"); !strings.Contains(d, "312.17") && !strings.Contains(d, "312,17") {
				t.Fatalf("the deal's amount does not follow its lines: %q", d)
			}
			if vis, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("#edit-`+id+`")).display !== "none"`)); err != nil || vis {
				t.Fatalf("the edit row stays open after saving: %v", err)
			}
			shot("deal-lines")
			// New quote: a draft with the same lines and totals.
			e.loads(chromedp.Click(chromedp.CSS(`#new-quote`)))
			if !strings.HasPrefix(e.location(), "/o/quotes/") || e.text(".page-title") != "Q-00001" {
				t.Fatalf("New quote led to %s (%q)", e.location(), e.text(".page-title"))
			}
			lines := e.text("#lines tbody")
			if !strings.Contains(lines, "Barril 50 L") || !strings.Contains(lines, "Grifo de barra") {
				t.Fatalf("the quote's lines %q", lines)
			}
			if tot := e.text("#sales-totals"); !strings.Contains(tot, "312.17") && !strings.Contains(tot, "312,17") {
				t.Fatalf("the quote's totals %q", tot)
			}
			shot("deal-quote")
		})
	}
}
