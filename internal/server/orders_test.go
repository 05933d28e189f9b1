package server_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

func amount(r servertest.Record, field string) string {
	m, _ := r[field].(map[string]any)
	a, _ := m["amount"].(string)
	c, _ := m["currency"].(string)
	return a + " " + c
}

func eur(a string) map[string]any { return map[string]any{"amount": a, "currency": "EUR"} }

// pdfText extracts the text of a PDF, as a reader's copy and paste or a
// search engine would see it.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.40q", b)
	}
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("read PDF: %v", err)
	}
	var out strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		rows, err := r.Page(i).GetTextByRow()
		if err != nil {
			t.Fatalf("PDF page %d: %v", i, err)
		}
		for _, row := range rows {
			for _, w := range row.Content {
				out.WriteString(w.S)
			}
			out.WriteString("\n")
		}
	}
	return out.String()
}

// TestSalesChain walks quote → revision → accepted → order → partial
// shipments → invoice → partial payments through the API, checking the
// numbers, totals, statuses and refusals at each step.
func TestSalesChain(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "北京客户有限公司", "billing_city": "北京"}).ID()
	con := c.Create(t, "contacts", map[string]any{"given_name": "伟", "family_name": "王", "account_id": acc, "language": "zh"}).ID()
	pa := c.Create(t, "products", map[string]any{"sku": "A-1", "name": "服务器机柜", "unit": "pcs", "tax_rate": "21", "list_price": eur("100")})
	if pa["active"] != true {
		t.Fatalf("a new product is active: %v", pa["active"])
	}
	pb := c.Create(t, "products", map[string]any{"sku": "B-1", "name": "Support hours", "tax_rate": "10"}).ID()
	c.Must(t, 422, "POST", "/api/v1/products", map[string]any{"sku": "a-1", "name": "Same SKU"}).Problem(t)
	book := c.Create(t, "price_books", map[string]any{"name": "Partners EUR", "currency": "eur", "segment": "partner"})
	if book["currency"] != "EUR" {
		t.Fatalf("currency %v", book["currency"])
	}
	c.Create(t, "price_book_entries", map[string]any{"price_book_id": book.ID(), "product_id": pa.ID(), "unit_price": eur("90")})
	if p := c.Must(t, 422, "POST", "/api/v1/price_book_entries", map[string]any{"price_book_id": book.ID(), "product_id": pb, "unit_price": map[string]any{"amount": "5", "currency": "USD"}}).Problem(t); !p.Names("body.unit_price") {
		t.Fatalf("price in another currency: %v", p.Locations())
	}

	q := c.Create(t, "quotes", map[string]any{"name": "机柜报价", "account_id": acc, "contact_id": con, "currency": "EUR", "price_book_id": book.ID(), "terms": "付款期限：30 天"})
	if q["number"] != "Q-00001" || fmt.Sprint(q["revision"]) != "1" || q["status"] != "draft" || q["language"] != "zh" || amount(q, "grand_total") != "0.00 EUR" {
		t.Fatalf("new quote: %v", q)
	}
	// The price comes from the price book, the name, unit and tax from
	// the product.
	l1 := c.Create(t, "line_items", map[string]any{"quote_id": q.ID(), "product_id": pa.ID(), "quantity": "2"})
	if l1["name"] != "服务器机柜" || amount(l1, "unit_price") != "90 EUR" || l1["tax_rate"] != "21" || amount(l1, "line_total") != "217.80 EUR" {
		t.Fatalf("line from product: %v", l1)
	}
	if p := c.Must(t, 422, "POST", "/api/v1/line_items", map[string]any{"quote_id": q.ID(), "product_id": pb, "quantity": "3"}).Problem(t); !p.Names("body.unit_price") {
		t.Fatalf("no price anywhere: %v", p.Locations())
	}
	c.Create(t, "line_items", map[string]any{"quote_id": q.ID(), "product_id": pb, "quantity": "3", "unit_price": eur("19.99"), "discount_percent": "10"})
	for _, bad := range []struct {
		body map[string]any
		loc  string
	}{
		{map[string]any{"quote_id": q.ID(), "name": "x", "quantity": "1", "unit_price": map[string]any{"amount": "1", "currency": "JPY"}}, "body.unit_price"},
		{map[string]any{"quote_id": q.ID(), "name": "x", "quantity": "0", "unit_price": eur("1")}, "body.quantity"},
		{map[string]any{"quote_id": q.ID(), "name": "x", "quantity": "1", "unit_price": eur("1"), "discount_percent": "120"}, "body.discount_percent"},
		{map[string]any{"quote_id": q.ID(), "name": "x", "quantity": "1", "unit_price": eur("1"), "discount_amount": eur("2")}, "body.discount_amount"},
		{map[string]any{"name": "x", "quantity": "1", "unit_price": eur("1")}, "body.quote_id"},
	} {
		if p := c.Must(t, 422, "POST", "/api/v1/line_items", bad.body).Problem(t); !p.Names(bad.loc) {
			t.Fatalf("%v: %v, want %s", bad.body, p.Locations(), bad.loc)
		}
	}
	q = c.Get(t, "quotes", q.ID())
	// 180.00 + 59.97; discount 6.00; tax 37.80 + 5.40.
	for f, want := range map[string]string{"subtotal": "239.97 EUR", "discount_total": "6.00 EUR", "tax_total": "43.20 EUR", "grand_total": "277.17 EUR"} {
		if got := amount(q, f); got != want {
			t.Errorf("quote %s = %s, want %s", f, got, want)
		}
	}

	// The PDF is in the customer's language, Chinese included, and its
	// text can be extracted.
	r := c.Must(t, 200, "GET", "/api/v1/quotes/"+q.ID()+"/pdf", nil)
	if ct := r.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Fatalf("Content-Type %q", ct)
	}
	text := pdfText(t, r.Body)
	for _, want := range []string{"报价单 Q-00001", "北京客户有限公司", "服务器机柜", "小计", "总计", "付款期限"} {
		if !strings.Contains(text, want) {
			t.Errorf("the Chinese PDF lacks %q:\n%s", want, text)
		}
	}

	// A revision keeps the number; the old one is superseded.
	var q2 servertest.Record
	c.Must(t, 201, "POST", "/api/v1/quotes/"+q.ID()+"/revise", nil).JSON(t, &q2)
	if q2["number"] != "Q-00001" || fmt.Sprint(q2["revision"]) != "2" || q2["previous_id"] != q.ID() || amount(q2, "grand_total") != "277.17 EUR" {
		t.Fatalf("revision: %v", q2)
	}
	if old := c.Get(t, "quotes", q.ID()); old["status"] != "superseded" {
		t.Fatalf("old revision %v", old["status"])
	}
	c.Must(t, 409, "POST", "/api/v1/quotes/"+q.ID()+"/accept", nil)
	c.Must(t, 409, "POST", "/api/v1/line_items", map[string]any{"quote_id": q.ID(), "name": "late", "quantity": "1", "unit_price": eur("1")})
	text = pdfText(t, c.Must(t, 200, "GET", "/api/v1/quotes/"+q2.ID()+"/pdf", nil).Body)
	if !strings.Contains(text, "第 2 版") {
		t.Errorf("revision 2's PDF: %s", text)
	}

	// Accepting makes the order, with the lines.
	var ord servertest.Record
	c.Must(t, 201, "POST", "/api/v1/quotes/"+q2.ID()+"/accept", nil).JSON(t, &ord)
	if ord["number"] != "SO-00001" || ord["quote_id"] != q2.ID() || ord["fulfilment"] != "unfulfilled" || amount(ord, "grand_total") != "277.17 EUR" || ord["account_id"] != acc {
		t.Fatalf("order: %v", ord)
	}
	if q2 = c.Get(t, "quotes", q2.ID()); q2["status"] != "accepted" || q2["order_id"] != ord.ID() {
		t.Fatalf("accepted quote: %v", q2)
	}
	c.Must(t, 422, "PATCH", "/api/v1/quotes/"+q2.ID(), map[string]any{"status": "draft"})
	lines := c.List(t, "/api/v1/line_items?filter[order_id][eq]="+ord.ID()+"&sort=position").Data
	if len(lines) != 2 || lines[0]["quantity"] != "2" || lines[1]["quantity"] != "3" {
		t.Fatalf("order lines: %v", lines)
	}

	// Partial shipments: the order's fulfilment follows.
	ship := func(status int, items ...any) servertest.Record {
		var sh servertest.Record
		its := []map[string]any{}
		for i := 0; i < len(items); i += 2 {
			its = append(its, map[string]any{"line_item_id": items[i], "quantity": items[i+1]})
		}
		r := c.Must(t, status, "POST", "/api/v1/orders/"+ord.ID()+"/ship", map[string]any{"carrier": "DHL", "tracking_number": "JD0001", "shipped_on": "2026-03-02", "items": its})
		if status == 201 {
			r.JSON(t, &sh)
		}
		return sh
	}
	s1 := ship(201, lines[0].ID(), "1")
	if s1["status"] != "shipped" || s1["number"] != "SH-00001" {
		t.Fatalf("shipment: %v", s1)
	}
	if o := c.Get(t, "orders", ord.ID()); o["fulfilment"] != "partial" {
		t.Fatalf("after a partial shipment: %v", o["fulfilment"])
	}
	if p := c.Must(t, 422, "POST", "/api/v1/orders/"+ord.ID()+"/ship", map[string]any{"items": []map[string]any{{"line_item_id": lines[0].ID(), "quantity": "2"}}}).Problem(t); !p.Names("body.items[0].quantity") {
		t.Fatalf("over-shipping: %v", p.Locations())
	}
	if n := len(c.List(t, "/api/v1/shipments").Data); n != 1 {
		t.Fatalf("a refused shipment left %d shipments", n)
	}
	s2 := ship(201, lines[0].ID(), "1", lines[1].ID(), "3")
	if o := c.Get(t, "orders", ord.ID()); o["fulfilment"] != "shipped" {
		t.Fatalf("all shipped: %v", o["fulfilment"])
	}
	c.Must(t, 409, "POST", "/api/v1/line_items", map[string]any{"order_id": ord.ID(), "name": "late", "quantity": "1", "unit_price": eur("1")})
	for _, s := range []servertest.Record{s1, s2} {
		c.Must(t, 200, "PATCH", "/api/v1/shipments/"+s.ID(), map[string]any{"delivered_on": "2026-03-05"})
	}
	if o := c.Get(t, "orders", ord.ID()); o["fulfilment"] != "delivered" {
		t.Fatalf("all delivered: %v", o["fulfilment"])
	}
	// Taking a shipment back (trash) reopens the fulfilment.
	c.Must(t, 204, "DELETE", "/api/v1/shipments/"+s2.ID(), nil)
	if o := c.Get(t, "orders", ord.ID()); o["fulfilment"] != "partial" {
		t.Fatalf("after trashing a shipment: %v", o["fulfilment"])
	}
	c.Must(t, 200, "POST", "/api/v1/shipments/"+s2.ID()+"/restore", nil)

	// Invoice and partial payments.
	var inv servertest.Record
	c.Must(t, 201, "POST", "/api/v1/orders/"+ord.ID()+"/invoice", nil).JSON(t, &inv)
	if inv["number"] != "INV-00001" || inv["status"] != "draft" || amount(inv, "grand_total") != "277.17 EUR" || amount(inv, "balance") != "277.17 EUR" || inv["language"] != "zh" {
		t.Fatalf("invoice: %v", inv)
	}
	pay := func(status int, a string) servertest.Response {
		return *c.Must(t, status, "POST", "/api/v1/payments", map[string]any{"invoice_id": inv.ID(), "amount": eur(a), "method": "bank_transfer"})
	}
	pay(422, "10")
	c.Must(t, 200, "PATCH", "/api/v1/invoices/"+inv.ID(), map[string]any{"status": "issued"})
	pay(201, "100")
	if i := c.Get(t, "invoices", inv.ID()); i["status"] != "partially_paid" || amount(i, "balance") != "177.17 EUR" || amount(i, "amount_paid") != "100.00 EUR" {
		t.Fatalf("after a partial payment: %v", i)
	}
	if p := pay(422, "177.18"); !p.Problem(t).Names("body.amount") {
		t.Fatal("overpayment not refused on amount")
	}
	pay(422, "0.001")
	c.Must(t, 422, "POST", "/api/v1/payments", map[string]any{"invoice_id": inv.ID(), "amount": map[string]any{"amount": "5", "currency": "USD"}, "method": "card"})
	var last servertest.Record
	c.Must(t, 201, "POST", "/api/v1/payments", map[string]any{"invoice_id": inv.ID(), "amount": eur("177.17"), "method": "card"}).JSON(t, &last)
	if last["account_id"] != acc {
		t.Fatalf("payment's account %v", last["account_id"])
	}
	if i := c.Get(t, "invoices", inv.ID()); i["status"] != "paid" || amount(i, "balance") != "0.00 EUR" {
		t.Fatalf("paid: %v", i)
	}
	c.Must(t, 422, "PATCH", "/api/v1/invoices/"+inv.ID(), map[string]any{"status": "void"})
	c.Must(t, 204, "DELETE", "/api/v1/payments/"+last.ID(), nil)
	if i := c.Get(t, "invoices", inv.ID()); i["status"] != "partially_paid" || amount(i, "balance") != "177.17 EUR" {
		t.Fatalf("after trashing a payment: %v", i)
	}
	text = pdfText(t, c.Must(t, 200, "GET", "/api/v1/invoices/"+inv.ID()+"/pdf", nil).Body)
	for _, want := range []string{"发票 INV-00001", "未付余额"} {
		if !strings.Contains(text, want) {
			t.Errorf("invoice PDF lacks %q:\n%s", want, text)
		}
	}

	// An old JPY invoice past due: on the overdue list, and in the
	// account's facts per currency, never added to euros.
	old := c.Create(t, "invoices", map[string]any{"account_id": acc, "currency": "JPY", "issue_date": "2020-01-01", "due_date": "2020-01-31", "language": "es"})
	c.Create(t, "line_items", map[string]any{"invoice_id": old.ID(), "name": "Licencia", "quantity": "3", "unit_price": map[string]any{"amount": "333.5", "currency": "JPY"}, "tax_rate": "10"})
	c.Must(t, 200, "PATCH", "/api/v1/invoices/"+old.ID(), map[string]any{"status": "issued"})
	if i := c.Get(t, "invoices", old.ID()); amount(i, "grand_total") != "1101 JPY" {
		t.Fatalf("JPY invoice %v", amount(i, "grand_total"))
	}
	text = pdfText(t, c.Must(t, 200, "GET", "/api/v1/invoices/"+old.ID()+"/pdf", nil).Body)
	for _, want := range []string{"Factura INV-00002", "Licencia", "Vencimiento"} {
		if !strings.Contains(text, want) {
			t.Errorf("the Spanish invoice PDF lacks %q:\n%s", want, text)
		}
	}
	over := c.List(t, "/api/v1/invoices/overdue")
	if len(over.Data) != 1 || over.Data[0].ID() != old.ID() {
		t.Fatalf("overdue: %v", over.IDs())
	}
	var facts struct {
		Revenue, OpenBalance, Overdue []struct{ Amount, Currency string }
		OpenInvoices                  int `json:"open_invoices"`
	}
	c.Must(t, 200, "GET", "/api/v1/accounts/"+acc+"/sales", nil).JSON(t, &facts)
	if fmt.Sprint(facts.Revenue) != "[{277.17 EUR} {1101 JPY}]" || fmt.Sprint(facts.Overdue) != "[{1101 JPY}]" || facts.OpenInvoices != 2 {
		t.Fatalf("facts: %+v", facts)
	}

	// Converted into the workspace currency with the rate of each
	// invoice's date; a currency without a rate is named, not added.
	var conv struct {
		Currency    string
		Revenue     string   `json:"revenue_total"`
		Open        string   `json:"open_balance_total"`
		Overdue     string   `json:"overdue_total"`
		Unconverted []string `json:"unconverted_currencies"`
	}
	c.Must(t, 201, "POST", "/api/v1/exchange_rates", map[string]any{"currency": "EUR", "date": "2020-01-01", "rate": "1.10"})
	c.Must(t, 201, "POST", "/api/v1/exchange_rates", map[string]any{"currency": "EUR", "date": "2019-01-01", "rate": "9"})
	c.Must(t, 200, "GET", "/api/v1/accounts/"+acc+"/sales", nil).JSON(t, &conv)
	if conv.Currency != "USD" || conv.Revenue != "304.89" || fmt.Sprint(conv.Unconverted) != "[JPY]" {
		t.Fatalf("converted facts: %+v", conv)
	}
	c.Must(t, 201, "POST", "/api/v1/exchange_rates", map[string]any{"currency": "JPY", "date": "2019-12-01", "rate": "0.0091"})
	c.Must(t, 200, "GET", "/api/v1/accounts/"+acc+"/sales", nil).JSON(t, &conv)
	// 277.17 × 1.10 + 1101 × 0.0091; open 177.17 × 1.10 + 10.0191.
	if conv.Revenue != "314.91" || conv.Open != "204.91" || conv.Overdue != "10.02" || len(conv.Unconverted) != 0 {
		t.Fatalf("converted facts: %+v", conv)
	}
}

// TestContractRenewal: the job creates one renewal task ahead of the
// renewal date, linked to the account, and expires ended contracts; a
// contract period is invoiced prorated.
func TestContractRenewal(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	acc := c.Create(t, "accounts", map[string]any{"name": "Renewals Ltd"}).ID()
	today := e.Clock.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }
	ct := c.Create(t, "contracts", map[string]any{"name": "Support 2026", "account_id": acc, "start_date": day(-300), "end_date": day(64),
		"value": map[string]any{"amount": "36500", "currency": "EUR"}, "status": "active", "reminder_days": 30})
	if ct["renewal_date"] != day(64) || ct["number"] != "CT-00001" {
		t.Fatalf("contract: %v", ct)
	}
	c.Must(t, 422, "POST", "/api/v1/contracts", map[string]any{"name": "Backwards", "account_id": acc, "start_date": day(0), "end_date": day(-1)})
	gone := c.Create(t, "contracts", map[string]any{"name": "Old", "account_id": acc, "start_date": day(-400), "end_date": day(-1), "status": "active", "renewal_date": day(-1)})

	e.RunJob(t, "contract_renewals")
	if got := c.Get(t, "contracts", ct.ID()); got["renewal_task_id"] != nil {
		t.Fatalf("reminded 64 days ahead: %v", got["renewal_task_id"])
	}
	if got := c.Get(t, "contracts", gone.ID()); got["status"] != "expired" {
		t.Fatalf("ended contract: %v", got["status"])
	}
	e.Clock.Advance(35 * 24 * time.Hour)
	e.RunJob(t, "contract_renewals")
	got := c.Get(t, "contracts", ct.ID())
	task, _ := got["renewal_task_id"].(string)
	if task == "" {
		t.Fatal("no renewal task 29 days ahead")
	}
	a := c.Get(t, "activities", task)
	if a["type"] != "task" || !strings.Contains(a["subject"].(string), "Support 2026") || fmt.Sprint(a["account_ids"]) != "["+acc+"]" || a["assignee_id"] != e.WS.Admin.UserID {
		t.Fatalf("renewal task: %v", a)
	}
	e.RunJob(t, "contract_renewals")
	if n := len(c.List(t, "/api/v1/activities?filter[type][eq]=task").Data); n != 1 {
		t.Fatalf("%d renewal tasks after a second run", n)
	}
	// A new renewal date is reminded of again.
	c.Must(t, 200, "PATCH", "/api/v1/contracts/"+ct.ID(), map[string]any{"renewal_date": day(60)})
	e.RunJob(t, "contract_renewals")
	if n := len(c.List(t, "/api/v1/activities?filter[type][eq]=task").Data); n != 2 {
		t.Fatalf("%d renewal tasks after moving the date", n)
	}

	// 36,500 over 365 days: 31 days bill 3,100.
	var inv servertest.Record
	c.Must(t, 201, "POST", "/api/v1/contracts/"+ct.ID()+"/invoice", map[string]any{"period_start": day(-300), "period_end": day(-270)}).JSON(t, &inv)
	if amount(inv, "grand_total") != "3100.00 EUR" || inv["contract_id"] != ct.ID() {
		t.Fatalf("contract invoice: %v", inv)
	}
	if p := c.Must(t, 422, "POST", "/api/v1/contracts/"+ct.ID()+"/invoice", map[string]any{"period_start": day(-400), "period_end": day(-390)}).Problem(t); !p.Names("body.period_start") {
		t.Fatalf("period before the start: %v", p.Locations())
	}
	// A sent quote past its validity expires; a draft does not.
	sent := c.Create(t, "quotes", map[string]any{"name": "Sent", "account_id": acc, "currency": "EUR", "valid_until": day(30), "status": "sent"}).ID()
	draft := c.Create(t, "quotes", map[string]any{"name": "Draft", "account_id": acc, "currency": "EUR", "valid_until": day(30)}).ID()
	e.RunJob(t, "expire_quotes")
	if q := c.Get(t, "quotes", sent); q["status"] != "expired" {
		t.Fatalf("sent quote past validity: %v", q["status"])
	}
	if q := c.Get(t, "quotes", draft); q["status"] != "draft" {
		t.Fatalf("draft past validity: %v", q["status"])
	}
	// Merging the account into another moves its sales records.
	twin := c.Create(t, "accounts", map[string]any{"name": "Renewals Limited"}).ID()
	c.Must(t, 200, "POST", "/api/v1/accounts/merge", map[string]any{"survivor_id": twin, "merged_ids": []string{acc}})
	if got := c.Get(t, "contracts", ct.ID()); got["account_id"] != twin {
		t.Fatalf("contract after the merge: %v", got["account_id"])
	}
	if got := c.Get(t, "invoices", inv.ID()); got["account_id"] != twin {
		t.Fatalf("invoice after the merge: %v", got["account_id"])
	}
	acc = twin
	// An order under the contract; another account's contract is refused.
	other := c.Create(t, "accounts", map[string]any{"name": "Other"}).ID()
	c.Create(t, "orders", map[string]any{"account_id": acc, "currency": "EUR", "contract_id": ct.ID()})
	c.Must(t, 422, "POST", "/api/v1/orders", map[string]any{"account_id": other, "currency": "EUR", "contract_id": ct.ID()})
}

// salesVictims makes one record of each sales object for the sweeps
// that send bad input to every operation: a draft quote with a line, an
// order with a shipment, an issued invoice with a payment, a contract.
func salesVictims(t *testing.T, c *servertest.Client) map[string]string {
	t.Helper()
	acc := c.Create(t, "accounts", map[string]any{"name": "Sales victim"}).ID()
	prod := c.Create(t, "products", map[string]any{"sku": "VIC-1", "name": "Victim product", "list_price": eur("10")}).ID()
	book := c.Create(t, "price_books", map[string]any{"name": "Victim book", "currency": "EUR"}).ID()
	entry := c.Create(t, "price_book_entries", map[string]any{"price_book_id": book, "product_id": prod, "unit_price": eur("9")}).ID()
	q := c.Create(t, "quotes", map[string]any{"name": "Victim quote", "account_id": acc, "currency": "EUR"}).ID()
	line := c.Create(t, "line_items", map[string]any{"quote_id": q, "product_id": prod, "quantity": "5"}).ID()
	ord := c.Create(t, "orders", map[string]any{"account_id": acc, "currency": "EUR"}).ID()
	ol := c.Create(t, "line_items", map[string]any{"order_id": ord, "product_id": prod, "quantity": "5"}).ID()
	var sh servertest.Record
	c.Must(t, 201, "POST", "/api/v1/orders/"+ord+"/ship", map[string]any{"items": []map[string]any{{"line_item_id": ol, "quantity": "1"}}}).JSON(t, &sh)
	sl := c.List(t, "/api/v1/shipment_lines?filter[shipment_id][eq]="+sh.ID()).Data[0].ID()
	var inv servertest.Record
	c.Must(t, 201, "POST", "/api/v1/orders/"+ord+"/invoice", nil).JSON(t, &inv)
	c.Must(t, 200, "PATCH", "/api/v1/invoices/"+inv.ID(), map[string]any{"status": "issued"})
	pay := c.Create(t, "payments", map[string]any{"invoice_id": inv.ID(), "amount": eur("1"), "method": "cash"}).ID()
	ct := c.Create(t, "contracts", map[string]any{"name": "Victim contract", "account_id": acc, "start_date": "2026-01-01", "status": "active", "value": eur("1000")}).ID()
	return map[string]string{"products": prod, "price_books": book, "price_book_entries": entry, "quotes": q, "line_items": line, "orders": ord,
		"shipments": sh.ID(), "shipment_lines": sl, "invoices": inv.ID(), "payments": pay, "contracts": ct}
}

// TestSalesAccess: every sales object keeps to the workspace, the role's
// permissions and its record scope; children (lines, shipments,
// payments) follow the document they belong to.
func TestSalesAccess(t *testing.T) {
	e := servertest.New(t)
	admin := e.WS.Admin
	s1, s2 := e.WS.User(t, "sales"), e.WS.User(t, "sales")
	ro := e.WS.User(t, "read_only")
	prod := admin.Create(t, "products", map[string]any{"sku": "P-1", "name": "Widget", "list_price": eur("5")}).ID()
	admin.Create(t, "price_books", map[string]any{"name": "Book", "currency": "EUR"})

	// The catalogue: sales reps read it, do not edit it.
	if n := len(s1.List(t, "/api/v1/products").Data); n != 1 {
		t.Fatalf("a rep sees %d products", n)
	}
	s1.Must(t, 403, "POST", "/api/v1/products", map[string]any{"sku": "P-2", "name": "Mine"})
	s1.Must(t, 403, "PATCH", "/api/v1/products/"+prod, map[string]any{"name": "Renamed"})

	acc := s1.Create(t, "accounts", map[string]any{"name": "Rep one's customer"}).ID()
	q := s1.Create(t, "quotes", map[string]any{"name": "Mine", "account_id": acc, "currency": "EUR"}).ID()
	line := s1.Create(t, "line_items", map[string]any{"quote_id": q, "product_id": prod, "quantity": "2"}).ID()
	var ord servertest.Record
	s1.Must(t, 201, "POST", "/api/v1/quotes/"+q+"/accept", nil).JSON(t, &ord)
	ol := s1.List(t, "/api/v1/line_items?filter[order_id][eq]="+ord.ID()).Data[0].ID()
	var inv servertest.Record
	s1.Must(t, 201, "POST", "/api/v1/orders/"+ord.ID()+"/invoice", nil).JSON(t, &inv)
	s1.Must(t, 200, "PATCH", "/api/v1/invoices/"+inv.ID(), map[string]any{"status": "issued"})
	ct := s1.Create(t, "contracts", map[string]any{"name": "Mine", "account_id": acc, "start_date": "2026-01-01"}).ID()

	// Another rep reaches none of it, through any door.
	for _, path := range []string{"/api/v1/quotes/" + q, "/api/v1/line_items/" + line, "/api/v1/orders/" + ord.ID(), "/api/v1/invoices/" + inv.ID(),
		"/api/v1/contracts/" + ct, "/api/v1/quotes/" + q + "/pdf", "/api/v1/invoices/" + inv.ID() + "/pdf", "/api/v1/accounts/" + acc + "/sales"} {
		s2.Must(t, 404, "GET", path, nil)
	}
	for _, object := range []string{"quotes", "orders", "invoices", "line_items", "contracts"} {
		if n := len(s2.List(t, "/api/v1/"+object).Data); n != 0 {
			t.Errorf("rep two lists %d %s of rep one", n, object)
		}
	}
	s2.Must(t, 404, "POST", "/api/v1/quotes/"+q+"/revise", nil)
	s2.Must(t, 404, "POST", "/api/v1/orders/"+ord.ID()+"/invoice", nil)
	s2.Must(t, 404, "POST", "/api/v1/orders/"+ord.ID()+"/ship", map[string]any{"items": []map[string]any{{"line_item_id": ol, "quantity": "1"}}})
	if p := s2.Must(t, 422, "POST", "/api/v1/line_items", map[string]any{"order_id": ord.ID(), "name": "x", "quantity": "1", "unit_price": eur("1")}).Problem(t); !p.Names("body.order_id") {
		t.Fatalf("line on another's order: %v", p.Locations())
	}
	if p := s2.Must(t, 422, "POST", "/api/v1/payments", map[string]any{"invoice_id": inv.ID(), "amount": eur("1"), "method": "cash"}).Problem(t); !p.Names("body.invoice_id") {
		t.Fatalf("payment on another's invoice: %v", p.Locations())
	}
	s2.Must(t, 404, "POST", "/api/v1/contracts/"+ct+"/invoice", map[string]any{"period_start": "2026-01-01", "period_end": "2026-01-31"})
	if n := len(s2.List(t, "/api/v1/invoices/overdue").Data); n != 0 {
		t.Fatalf("rep two's overdue list holds %d invoices", n)
	}
	var sh servertest.Record
	s1.Must(t, 201, "POST", "/api/v1/orders/"+ord.ID()+"/ship", map[string]any{"items": []map[string]any{{"line_item_id": ol, "quantity": "1"}}}).JSON(t, &sh)
	s2.Must(t, 404, "GET", "/api/v1/shipments/"+sh.ID(), nil)
	s2.Must(t, 404, "PATCH", "/api/v1/shipments/"+sh.ID(), map[string]any{"carrier": "Mine now"})
	for _, object := range []string{"shipments", "shipment_lines", "payments"} {
		if n := len(s1.List(t, "/api/v1/"+object).Data); object != "payments" && n != 1 {
			t.Errorf("rep one lists %d %s", n, object)
		}
		if n := len(s2.List(t, "/api/v1/"+object).Data); n != 0 {
			t.Errorf("rep two lists %d %s of rep one", n, object)
		}
	}
	// Prices are catalogue: read by all, kept by managers.
	book := admin.List(t, "/api/v1/price_books").Data[0].ID()
	admin.Create(t, "price_book_entries", map[string]any{"price_book_id": book, "product_id": prod, "unit_price": eur("4")})
	if n := len(s2.List(t, "/api/v1/price_book_entries").Data); n != 1 {
		t.Fatalf("a rep reads %d prices", n)
	}
	s2.Must(t, 403, "POST", "/api/v1/price_book_entries", map[string]any{"price_book_id": book, "product_id": prod, "unit_price": eur("1")})
	// The owner's children are the owner's: rep one sees the lines.
	if l := s1.Get(t, "line_items", ol); l["owner_id"] != s1.UserID {
		t.Fatalf("order line owner %v", l["owner_id"])
	}
	s1.Create(t, "payments", map[string]any{"invoice_id": inv.ID(), "amount": eur("1"), "method": "cash"})

	// Read-only reads everything, changes nothing.
	ro.Must(t, 200, "GET", "/api/v1/quotes/"+q, nil)
	ro.Must(t, 200, "GET", "/api/v1/invoices/"+inv.ID()+"/pdf", nil)
	ro.Must(t, 403, "POST", "/api/v1/quotes", map[string]any{"name": "No", "account_id": acc, "currency": "EUR"})
	ro.Must(t, 403, "POST", "/api/v1/quotes/"+q+"/revise", nil)
	ro.Must(t, 403, "POST", "/api/v1/orders/"+ord.ID()+"/invoice", nil)
	ro.Must(t, 403, "POST", "/api/v1/orders/"+ord.ID()+"/ship", map[string]any{"items": []map[string]any{{"line_item_id": ol, "quantity": "1"}}})

	// Another workspace sees nothing.
	other := e.AddWorkspace("Elsewhere").Admin
	for _, path := range []string{"/api/v1/quotes/" + q, "/api/v1/orders/" + ord.ID(), "/api/v1/invoices/" + inv.ID() + "/pdf", "/api/v1/accounts/" + acc + "/sales"} {
		other.Must(t, 404, "GET", path, nil)
	}
	if n := len(other.List(t, "/api/v1/invoices").Data); n != 0 {
		t.Fatalf("another workspace lists %d invoices", n)
	}
	if p := other.Must(t, 422, "POST", "/api/v1/line_items", map[string]any{"quote_id": q, "name": "x", "quantity": "1", "unit_price": eur("1")}).Problem(t); !p.Names("body.quote_id") {
		t.Fatalf("line across workspaces: %v", p.Locations())
	}
}

// BenchmarkQuotePDFEndpoint measures GET /api/v1/quotes/{id}/pdf for a
// 20-line quote in Chinese and in Spanish, end to end (database, record
// engine, layout, font subsetting, HTTP), beside the floor: GET of the
// same quote as JSON.
func BenchmarkQuotePDFEndpoint(b *testing.B) {
	e := servertest.New(b)
	c := e.WS.Admin
	acc := c.Create(b, "accounts", map[string]any{"name": "上海精密仪器有限公司"}).ID()
	quotes := map[string]string{}
	for _, lang := range []string{"zh", "es"} {
		q := c.Create(b, "quotes", map[string]any{"name": "Bench", "account_id": acc, "currency": "CNY", "language": lang}).ID()
		for i := range 20 {
			c.Create(b, "line_items", map[string]any{"quote_id": q, "name": fmt.Sprintf("精密天平 %d 型", i), "quantity": "2",
				"unit_price": map[string]any{"amount": "600", "currency": "CNY"}, "tax_rate": "13"})
		}
		quotes[lang] = q
	}
	b.Run("floor-json", func(b *testing.B) {
		for b.Loop() {
			c.Must(b, 200, "GET", "/api/v1/quotes/"+quotes["zh"], nil)
		}
	})
	for _, lang := range []string{"zh", "es"} {
		b.Run("pdf-"+lang, func(b *testing.B) {
			for b.Loop() {
				c.Must(b, 200, "GET", "/api/v1/quotes/"+quotes[lang]+"/pdf", nil)
			}
		})
	}
}
