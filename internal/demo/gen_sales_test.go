package demo

import (
	"fmt"
	mathbig "math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/orders"
	"github.com/rapport-crm/rapport/internal/sales"
)

// salesGen is a workspace with every sales object, at a hundredth of
// the issue's scale in the ratios rapport demo uses by default.
var salesGen = New(Config{Seed: 7, Accounts: 2000, Contacts: 10_000, Leads: 500, Deals: 1000, Products: 200, Contracts: 100, Orders: 2000, Now: testNow})

func TestSalesDeterministic(t *testing.T) {
	g2 := New(salesGen.Config())
	other := New(func() Config { c := salesGen.Config(); c.Seed = 8; return c }())
	differ := 0
	for _, i := range []int{0, 1, 10, 499, 999} {
		d1, d2 := salesGen.Deal(i), g2.Deal(i)
		if !reflect.DeepEqual(d1, d2) {
			t.Errorf("deal %d differs between two generators of one config", i)
		}
		if !reflect.DeepEqual(salesGen.Order(i), g2.Order(i)) || !reflect.DeepEqual(salesGen.Lead(i/2), g2.Lead(i/2)) {
			t.Errorf("order %d or lead %d differs between two generators of one config", i, i/2)
		}
		if other.Deal(i).Name != d1.Name {
			differ++
		}
	}
	if differ == 0 {
		t.Error("another seed gives the same deals")
	}
	// Generated in parallel and in any order, records are the same.
	want := make([]Order, 200)
	for i := range want {
		want[i] = salesGen.Order(i)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := len(want) - 1 - w; i >= 0; i -= 4 {
				if !reflect.DeepEqual(salesGen.Order(i), want[i]) {
					t.Errorf("order %d differs when generated concurrently", i)
				}
			}
		})
	}
	wg.Wait()
}

func ratOf(t *testing.T, s string) *mathbig.Rat {
	t.Helper()
	r, ok := new(mathbig.Rat).SetString(s)
	if !ok {
		t.Fatalf("amount %q", s)
	}
	return r
}

// TestSalesConsistent checks every deal, quote, order and invoice of the
// workspace against the rules the application keeps.
func TestSalesConsistent(t *testing.T) {
	c := salesGen.Config()
	today := salesGen.today()
	openDefault, quotes, quoteLines := 0, 0, 0
	locales := map[Locale]int{}
	currencies := map[string]bool{}
	for i := range c.Deals {
		d := salesGen.Deal(i)
		def := &pipelineDefs[d.Pipeline]
		st := def.stages[d.Stage]
		wantStatus := map[bool]string{true: "won", false: "lost"}[st.won]
		if !st.won && !st.lost {
			wantStatus = "open"
		}
		if d.Status != wantStatus || d.Probability != st.probability || (d.ClosedAt == 0) != (d.Status == "open") {
			t.Fatalf("deal %d: %s in stage %q (%d%%), closed at %d", i, d.Status, st.names[0], d.Probability, d.ClosedAt)
		}
		if d.Status == "lost" && d.LossReason == "" || d.Amount.Amount == "" || d.CloseDate == "" || ratOf(t, d.Amount.Amount).Sign() <= 0 {
			t.Fatalf("deal %d lacks what its stage requires: %+v", i, d)
		}
		if d.Visits[len(d.Visits)-1].Stage != d.Stage || d.Visits[0].At != d.At || d.At > c.Now {
			t.Fatalf("deal %d: visits %v, stage %d, created %d", i, d.Visits, d.Stage, d.At)
		}
		for j := 1; j < len(d.Visits); j++ {
			if d.Visits[j].At < d.Visits[j-1].At {
				t.Fatalf("deal %d: visits out of order %v", i, d.Visits)
			}
		}
		if a := salesGen.Account(d.AccountIndex); currencyDefs[countryCurrency[countryIndex(a.Billing.Country)]].code != d.Amount.Currency || salesGen.Contact(d.ContactIndex).AccountIndex != d.AccountIndex {
			t.Fatalf("deal %d: %s for account %d in %s, contact %d", i, d.Amount.Currency, d.AccountIndex, a.Billing.Country, d.ContactIndex)
		}
		if d.Status == "open" && d.Pipeline == 0 {
			openDefault++
		}
		locales[d.Locale]++
		currencies[d.Amount.Currency] = true
		q, ok := salesGen.Quote(i)
		if ok != d.HasQuote {
			t.Fatalf("deal %d: has quote %v, Quote says %v", i, d.HasQuote, ok)
		}
		if !ok {
			continue
		}
		quotes++
		quoteLines += len(q.Lines)
		// The deal's amount is the quote's net total.
		net := new(mathbig.Rat).Sub(ratOf(t, q.Totals.Subtotal), ratOf(t, q.Totals.Discount))
		if net.Cmp(ratOf(t, d.Amount.Amount)) != 0 || q.Currency != d.Amount.Currency {
			t.Fatalf("deal %d amount %v, its quote's net %v %s", i, d.Amount, net, q.Currency)
		}
		want := map[string]string{"won": "accepted", "lost": "rejected"}[d.Status]
		if want != "" && q.Status != want || want == "" && q.Status != "sent" && q.Status != "draft" && q.Status != "expired" || q.ValidUntil < q.IssuedOn {
			t.Fatalf("deal %d (%s): quote %s valid %s..%s", i, d.Status, q.Status, q.IssuedOn, q.ValidUntil)
		}
		if q.Status == "accepted" {
			o := salesGen.Order(q.OrderIndex)
			if o.QuoteIndex != i || !reflect.DeepEqual(o.Lines, q.Lines) || o.AccountIndex != q.AccountIndex {
				t.Fatalf("deal %d: accepted quote's order %d is not its own", i, q.OrderIndex)
			}
		}
	}
	// About 10,000 open deals in the default pipeline at 100,000 deals.
	if openDefault < c.Deals*9/100 || openDefault > c.Deals*15/100 {
		t.Errorf("%d open deals in the default pipeline of %d", openDefault, c.Deals)
	}
	if locales[localeEN] == 0 || locales[localeES] == 0 || locales[localeZH] == 0 || len(currencies) < 5 {
		t.Errorf("deals by locale %v, currencies %v", locales, currencies)
	}
	orderLines, statuses, fulfilments := 0, map[string]int{}, map[string]int{}
	for i := range c.Orders {
		o := salesGen.Order(i)
		orderLines += len(o.Lines)
		statuses[o.Invoice.Status]++
		fulfilments[o.Fulfilment]++
		// Totals are the application's sums of the application's lines.
		var lt []orders.LineTotals
		for _, l := range o.Lines {
			got, err := orders.Line{Quantity: l.Quantity, UnitPrice: l.UnitPrice, DiscountPercent: l.DiscountPercent, TaxRate: l.TaxRate, Currency: o.Currency}.Compute()
			if err != nil || got != l.Totals {
				t.Fatalf("order %d line %+v: the application computes %+v (%v)", i, l, got, err)
			}
			lt = append(lt, got)
		}
		if orders.Sum(o.Currency, lt) != o.Totals || o.OrderDate > today {
			t.Fatalf("order %d totals %+v, dated %s", i, o.Totals, o.OrderDate)
		}
		// Shipments carry at most what was ordered; fulfilment follows.
		shipped := make([]int, len(o.Lines))
		for _, sh := range o.Shipments {
			if sh.ShippedOn < o.OrderDate || sh.DeliveredOn != "" && sh.DeliveredOn < sh.ShippedOn || sh.ShippedOn > today || sh.DeliveredOn > today {
				t.Fatalf("order %d of %s: shipment %+v", i, o.OrderDate, sh)
			}
			for _, sl := range sh.Lines {
				n, _ := strconv.Atoi(sl.Quantity)
				shipped[sl.Line] += n
			}
		}
		all, some := true, false
		for j, l := range o.Lines {
			q, _ := strconv.Atoi(l.Quantity)
			if shipped[j] > q || o.Shipped != nil && o.Shipped[j] != strconv.Itoa(shipped[j]) {
				t.Fatalf("order %d line %d: ordered %d, shipped %d, recorded %v", i, j, q, shipped[j], o.Shipped)
			}
			all, some = all && shipped[j] == q, some || shipped[j] > 0
		}
		switch o.Fulfilment {
		case orders.Unfulfilled:
			if some {
				t.Fatalf("order %d unfulfilled with shipments", i)
			}
		case orders.Partial:
			if !some || all {
				t.Fatalf("order %d partial: %v of %v", i, shipped, o.Lines)
			}
		default:
			if !all {
				t.Fatalf("order %d %s with lines left: %v", i, o.Fulfilment, shipped)
			}
		}
		// The invoice: paid is the sum of the payments, the balance the rest.
		inv := o.Invoice
		paid := new(mathbig.Rat)
		for _, p := range inv.Payments {
			a := ratOf(t, p.Amount)
			if a.Sign() <= 0 || p.PaidOn < inv.IssueDate || p.PaidOn > today {
				t.Fatalf("order %d: payment %+v of an invoice issued %s", i, p, inv.IssueDate)
			}
			paid.Add(paid, a)
		}
		bal := new(mathbig.Rat).Sub(ratOf(t, o.Totals.Total), paid)
		switch inv.Status {
		case orders.InvoiceVoid:
			bal = new(mathbig.Rat)
		case orders.InvoicePaid:
			if bal.Sign() != 0 {
				t.Fatalf("order %d: paid invoice with balance %v", i, bal)
			}
		case orders.InvoicePartly:
			if bal.Sign() <= 0 || paid.Sign() <= 0 {
				t.Fatalf("order %d: partly paid, paid %v balance %v", i, paid, bal)
			}
		case orders.InvoiceIssued, orders.InvoiceDraft:
			if paid.Sign() != 0 {
				t.Fatalf("order %d: %s invoice with payments", i, inv.Status)
			}
		}
		if ratOf(t, inv.AmountPaid).Cmp(paid) != 0 || ratOf(t, inv.Balance).Cmp(bal) != 0 || inv.DueDate < inv.IssueDate {
			t.Fatalf("order %d: invoice %+v, payments add up to %v, balance %v", i, inv, paid, bal)
		}
		if (o.Status == orders.OrderCancelled) != (inv.Status == orders.InvoiceVoid) ||
			o.Status == orders.OrderCompleted && (o.Fulfilment != orders.Delivered || inv.Status != orders.InvoicePaid) {
			t.Fatalf("order %d: %s, %s, invoice %s", i, o.Status, o.Fulfilment, inv.Status)
		}
		if o.ContractIndex >= 0 {
			ct := salesGen.Contract(o.ContractIndex)
			if ct.AccountIndex != o.AccountIndex || o.OrderDate < ct.StartDate || o.OrderDate > ct.EndDate {
				t.Fatalf("order %d of %s names contract %+v", i, o.OrderDate, ct)
			}
		}
	}
	for _, s := range []string{"draft", "issued", "partially_paid", "paid", "void"} {
		if statuses[s] == 0 {
			t.Errorf("no %s invoice: %v", s, statuses)
		}
	}
	for _, f := range []string{"unfulfilled", "partial", "shipped", "delivered"} {
		if fulfilments[f] == 0 {
			t.Errorf("no %s order: %v", f, fulfilments)
		}
	}
	// About a million line items at the issue's scale (100,000 deals,
	// 200,000 orders and invoices): this is a hundredth of it.
	lines := quoteLines + 2*orderLines
	if lines < 9_000 || lines > 12_000 {
		t.Errorf("%d line items (%d quotes with %d lines, %d orders with %d lines)", lines, quotes, quoteLines, c.Orders, orderLines)
	}
}

func TestSalesLanguages(t *testing.T) {
	c := salesGen.Config()
	var zh, es, en, converted int
	for i := range c.Leads {
		l := salesGen.Lead(i)
		if l.Name == "" || l.Email == "" || l.Company == "" || l.Status == "" || (l.Status == "disqualified") != (l.DisqualifyReason != "") {
			t.Fatalf("lead %d: %+v", i, l)
		}
		if l.DealIndex >= 0 {
			converted++
			if d := salesGen.Deal(l.DealIndex); d.LeadIndex != i || l.Status != "converted" || l.ConvertedAt != d.At {
				t.Fatalf("lead %d converted into deal %d whose lead is %d", i, l.DealIndex, d.LeadIndex)
			}
		}
		switch {
		case hasHan(l.Name) && hasHan(l.Company):
			zh++
		case l.Locale == localeES && strings.ContainsAny(l.Name+l.JobTitle, "áéíóúñÁÉÍÓÚÑ"):
			es++
		case l.Locale == localeEN:
			en++
		}
	}
	if zh == 0 || es == 0 || en == 0 || converted != min(c.Leads, (c.Deals+9)/10) {
		t.Errorf("leads: %d Chinese, %d Spanish, %d English, %d converted", zh, es, en, converted)
	}
	names := map[Locale]bool{}
	for i := range c.Deals {
		d := salesGen.Deal(i)
		for _, topic := range dealTopics[localeIdx(d.Locale)] {
			if strings.HasSuffix(d.Name, topic) {
				names[d.Locale] = true
			}
		}
	}
	if len(names) != 3 {
		t.Errorf("deal names in %v", names)
	}
	seenSKU := map[string]bool{}
	for i := range c.Products {
		p := salesGen.Product(i)
		if seenSKU[p.SKU] || ratOf(t, p.ListPrice.Amount).Sign() <= 0 {
			t.Fatalf("product %d: %+v", i, p)
		}
		seenSKU[p.SKU] = true
		for b := range salesGen.PriceBooks() {
			if ratOf(t, salesGen.PriceBookEntry(b, i).Amount).Sign() <= 0 {
				t.Fatalf("product %d has no price in book %d", i, b)
			}
		}
	}
}

func TestExchangeRates(t *testing.T) {
	rates := salesGen.ExchangeRates("EUR")
	per := map[string]int{}
	for _, r := range rates {
		x, ok := new(mathbig.Rat).SetString(r.Rate)
		if !ok || x.Sign() <= 0 || r.Currency == "EUR" || len(r.Day) != 10 || !strings.HasSuffix(r.Day, "-01") {
			t.Fatalf("rate %+v", r)
		}
		if _, frac, _ := strings.Cut(r.Rate, "."); len(frac) > 12 {
			t.Fatalf("rate %+v has more than 12 decimals", r)
		}
		per[r.Currency]++
	}
	// Monthly, from before the oldest record (three years) to now.
	if len(per) != len(currencyDefs)-1 || per["USD"] < 40 || per["USD"] != per["CNY"] {
		t.Errorf("rates per currency %v", per)
	}
	if salesGen.ExchangeRates("JPY") != nil {
		t.Error("rates into a currency the demo does not know")
	}
}

// TestSalesRevisionsAndContractInvoices: about a quarter of the quotes
// have a first revision, issued before the current one and offering
// something else; a contract's quarters are billed back to back from
// its start, an expired contract's adding up to its value (to a minor
// unit a quarter); both are the same from two generators of one config,
// and the scoring rules test job titles in the three languages.
func TestSalesRevisionsAndContractInvoices(t *testing.T) {
	g2 := New(salesGen.Config())
	c := salesGen.Config()
	quoted, revised := 0, 0
	for i := range c.Deals {
		q, ok := salesGen.Quote(i)
		if !ok {
			continue
		}
		quoted++
		first, ok := salesGen.QuoteRevision(i)
		if f2, ok2 := g2.QuoteRevision(i); ok != ok2 || !reflect.DeepEqual(first, f2) {
			t.Fatalf("deal %d's first revision differs between two generators of one config", i)
		}
		if !ok {
			if q.Revision != 1 {
				t.Fatalf("deal %d's quote is revision %d without a first", i, q.Revision)
			}
			continue
		}
		revised++
		if q.Revision != 2 || first.Revision != 1 || first.Status != "superseded" || first.Number != q.Number || first.At >= q.At ||
			first.At < salesGen.Deal(i).At || reflect.DeepEqual(first.Lines, q.Lines) || first.Totals == q.Totals {
			t.Fatalf("deal %d: first revision %+v, current %+v", i, first, q)
		}
	}
	if revised == 0 || revised*8 < quoted || revised*3 > quoted {
		t.Errorf("%d of %d quotes revised", revised, quoted)
	}
	base, expired := 0, 0
	for i := range c.Contracts {
		ct := salesGen.Contract(i)
		if b := salesGen.ContractInvoiceBase(i); b != base {
			t.Fatalf("contract %d: base %d, the invoices before it number %d", i, b, base)
		}
		invs := salesGen.ContractInvoices(i, base)
		if !reflect.DeepEqual(invs, g2.ContractInvoices(i, base)) {
			t.Fatalf("contract %d's invoices differ between two generators of one config", i)
		}
		sum := new(mathbig.Rat)
		next := ct.StartDate
		for k, inv := range invs {
			if inv.Seq != base+k || inv.Number != fmt.Sprintf("INV-%05d", c.Orders+base+k+1) || inv.PeriodStart != next || inv.PeriodEnd > ct.EndDate ||
				inv.Totals.Total != inv.Line.Totals.Total || inv.IssueDate > salesGen.today() {
				t.Fatalf("contract %d (%s to %s): invoice %d %+v", i, ct.StartDate, ct.EndDate, k, inv)
			}
			pe, _ := time.Parse("2006-01-02", inv.PeriodEnd)
			next = pe.AddDate(0, 0, 1).Format("2006-01-02")
			sum.Add(sum, ratOf(t, inv.Totals.Total))
		}
		if ct.Status == "draft" && len(invs) > 0 {
			t.Fatalf("draft contract %d has invoices", i)
		}
		if ct.Status == "expired" {
			expired++
			diff := new(mathbig.Rat).Sub(sum, ratOf(t, ct.Value.Amount))
			if next != dayAfter(ct.EndDate) || new(mathbig.Rat).Abs(diff).Cmp(mathbig.NewRat(int64(len(invs)), 100)) > 0 {
				t.Fatalf("expired contract %d (%s %s) billed up to %s for %v", i, ct.Value.Amount, ct.Value.Currency, next, sum.FloatString(2))
			}
		}
		base += len(invs)
	}
	if base == 0 || expired == 0 {
		t.Errorf("%d contract invoices, %d expired contracts", base, expired)
	}
	langs := 0
	for _, w := range []string{"Director", "Gerente", "总监"} {
		if slices.ContainsFunc(salesGen.ScoreRules(), func(r sales.ScoreRule) bool { return r.Value == w }) {
			langs++
		}
	}
	if langs != 3 {
		t.Errorf("the scoring rules' job titles are in %d languages", langs)
	}
}

func dayAfter(day string) string {
	d, _ := time.Parse("2006-01-02", day)
	return d.AddDate(0, 0, 1).Format("2006-01-02")
}
