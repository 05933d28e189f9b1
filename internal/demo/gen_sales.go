package demo

import (
	"fmt"
	"math"
	mathbig "math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/orders"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// ---------------------------------------------------------------------
// Sales: leads, deals with their quotes, orders with their shipments,
// invoices and payments, contracts, the product catalogue and exchange
// rates. Like the customers, every record is a pure function of
// (Config, index); links between them are computed both ways without
// look-ups:
//
//   - deal d has a quote (index d) once it reached its pipeline's quote
//     stage; a won deal d's quote is accepted and made order d (when
//     d < Orders); the other orders are direct orders;
//   - order o has invoice o, which has up to two payments;
//   - deal 10·k converted from lead k (when k < Leads);
//   - contract c belongs to account c·(Accounts/Contracts), and that
//     account's direct orders within the contract's term name it;
//   - about a quarter of the quotes are a second revision: Quote(d) is
//     then revision 2 and QuoteRevision(d) the first, superseded one;
//   - a contract is invoiced by quarter in advance (ContractInvoices),
//     numbered after the orders' invoices;
//   - leads are scored by ScoreRules, as the application scores them.
//
// Money is exact: prices are whole minor units, and line and document
// totals come from internal/orders' own arithmetic (orders.Line.Compute,
// orders.Sum), so the loaded documents add up as the application's own.

const daySec = 24 * 3600

// Money is an amount in a currency, as exact decimal text.
type Money struct {
	Amount, Currency string
}

// StageVisit is a deal's entry into a stage of its pipeline.
type StageVisit struct {
	Stage int   // index into the pipeline's stages
	At    int64 // unix seconds
}

// Deal is an opportunity with an account and one of its contacts.
type Deal struct {
	Index            int
	Locale           Locale
	Name             string
	AccountIndex     int
	ContactIndex     int
	ContactRole      string
	Pipeline         int // index of the pipeline (0 is the default)
	Stage            int // the current stage, an index into the pipeline's stages
	Status           string
	Amount           Money
	Probability      int
	ForecastCategory string
	CloseDate        string // expected (open) or actual (closed) close date
	At               int64  // created
	ClosedAt         int64  // 0 while open
	Visits           []StageVisit
	LossReason       string
	Competitors      string
	NextStep         string
	Source           string
	Description      string
	LeadIndex        int  // -1, or the lead the deal was converted from
	HasQuote         bool // a quote was made (the deal reached the quote stage)
}

// LineItem is one line of a quote, an order or an invoice.
type LineItem struct {
	Product         int
	Name, Unit      string
	Quantity        string
	UnitPrice       string
	DiscountPercent string // "" for none
	TaxRate         string
	Totals          orders.LineTotals
}

// Quote is a deal's quote.
type Quote struct {
	Index        int // the deal's index
	Number       string
	Revision     int // 1, or 2 when QuoteRevision gives the first
	Name         string
	AccountIndex int
	ContactIndex int
	Currency     string
	PriceBook    int
	Language     string
	Status       string
	IssuedOn     string
	ValidUntil   string
	At           int64
	AcceptedAt   int64 // 0 unless accepted
	OrderIndex   int   // -1, or the order its acceptance made
	Terms        string
	Lines        []LineItem
	Totals       orders.DocTotals
}

// Shipment carries quantities of an order's lines.
type Shipment struct {
	Number, Carrier, Tracking string
	ShippedOn, DeliveredOn    string // DeliveredOn "" while on the way
	Lines                     []ShipLine
}

// ShipLine is a quantity of one order line in a shipment.
type ShipLine struct {
	Line     int // index into the order's lines
	Quantity string
}

// Payment settles an invoice in part or in full.
type Payment struct {
	Number, Amount, Method, PaidOn, Reference string
}

// Invoice bills an order.
type Invoice struct {
	Number              string
	IssueDate, DueDate  string
	Status              string
	Language            string
	AmountPaid, Balance string
	Payments            []Payment
}

// Order is what a customer bought, with its shipments and its invoice.
type Order struct {
	Index         int
	Number        string
	Name          string
	AccountIndex  int
	QuoteIndex    int // -1 for a direct order
	ContractIndex int // -1 when no contract covers it
	Currency      string
	Language      string
	OrderDate     string
	At            int64
	Status        string
	Fulfilment    string
	Lines         []LineItem
	Shipped       []string // per line, the quantity shipped; "" before any shipment
	Totals        orders.DocTotals
	Shipments     []Shipment
	Invoice       Invoice
}

// Contract is an agreement with an account over a term.
type Contract struct {
	Index        int
	Number       string
	Name         string
	AccountIndex int
	StartDate    string
	EndDate      string
	Value        Money
	Terms        string
	Status       string
	At           int64
}

// Lead is a person not yet qualified as a customer.
type Lead struct {
	Index                                             int
	Locale                                            Locale
	Given, Family, Name, Company, JobTitle            string
	Email, Phone, Website, Industry, Country, City    string
	Source, Campaign, Status, DisqualifyReason, Descr string
	At, ConvertedAt                                   int64
	AccountIndex, ContactIndex, DealIndex             int // -1 unless converted
}

// Product is an item of the catalogue.
type Product struct {
	Index       int
	SKU, Name   string
	Description string
	Unit        string
	TaxRate     string
	ListPrice   Money // in US dollars
	Active      bool
	unitKind    int
}

// PriceBook is a list of prices in one currency.
type PriceBook struct {
	Index       int
	Name        string
	Currency    string
	Segment     string
	Description string
}

// ExchangeRate says that from Day one unit of Currency is worth Rate
// units of the workspace currency.
type ExchangeRate struct {
	Currency, Day, Rate string
}

func dayOf(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02") }

func (g *Generator) today() string { return dayOf(g.c.Now) }

func countryIndex(code string) int {
	for i := range countries {
		if countries[i].code == code {
			return i
		}
	}
	return cUS
}

// cents formats an amount of minor units (every demo currency has two
// decimals) as decimal text.
func cents(c int64) string {
	return strconv.FormatInt(c/100, 10) + "." + string([]byte{byte('0' + c%100/10), byte('0' + c%10)})
}

// ---------------------------------------------------------------------
// Catalogue.

// Product returns product i, 0 <= i < Config().Products.
func (g *Generator) Product(i int) Product {
	checkIndex(i, g.c.Products, "product")
	return g.products[i]
}

func (g *Generator) product(i int) Product {
	r := rec(g.kProd, i)
	nf, nv := len(productFamilies), len(productVariants[0])
	f := &productFamilies[i%nf]
	v := (i / nf) % nv
	series := i / (nf * nv)
	li := r.pickW(localeW)
	name := f.names[li] + " " + productVariants[li][v]
	if series > 0 {
		name += " G" + itoa(series+1)
	}
	usd := f.cents * variantFactor[v] / 100 * int64(100+15*series) / 100
	usd = usd/100*100 + 99 // x.99
	return Product{
		Index:       i,
		SKU:         f.code + "-" + fmt.Sprintf("%04d", i+1),
		Name:        name,
		Description: fmt.Sprintf(productDescriptions[li], f.names[li], productVariants[li][v]),
		Unit:        f.units[li],
		TaxRate:     f.tax,
		ListPrice:   Money{cents(usd), "USD"},
		Active:      !r.chance(0.05),
		unitKind:    f.unitKind,
	}
}

func (g *Generator) productCents(i int) int64 { return g.prices[i][0] }

// priceCents is product i's price in currency cur (an index into
// currencyDefs), in minor units.
func (g *Generator) priceCents(i, cur int) int64 { return g.prices[i][cur] }

// priceOf is p's price in currency cur: the US price converted at the
// currency's catalogue rate, in whole units outside the US.
func (g *Generator) priceOf(p *Product, cur int) int64 {
	r, _ := new(mathbig.Rat).SetString(p.ListPrice.Amount)
	f, _ := r.Float64()
	usd := int64(math.Round(f * 100))
	if cur == 0 {
		return usd
	}
	return max(1, int64(math.Round(float64(usd)/currencyDefs[cur].usdPer/100))) * 100
}

// PriceBooks returns the price books: one standard book per currency,
// then a partner book in US dollars.
func (g *Generator) PriceBooks() []PriceBook {
	var out []PriceBook
	for k, c := range currencyDefs {
		li := localeIdx(countryLocale(c.country))
		out = append(out, PriceBook{Index: k, Name: fmt.Sprintf(priceBookNames[li], c.code), Currency: c.code, Segment: "standard"})
	}
	out = append(out, PriceBook{Index: len(currencyDefs), Name: "Partner prices USD", Currency: "USD", Segment: "partner",
		Description: "15% below the standard prices, for resellers"})
	return out
}

// PriceBookEntry returns the price of product p in price book b.
func (g *Generator) PriceBookEntry(b, p int) Money {
	if b == len(currencyDefs) {
		return Money{cents(g.productCents(p) * 85 / 100), "USD"}
	}
	return Money{cents(g.priceCents(p, b)), currencyDefs[b].code}
}

func countryLocale(c int) Locale {
	switch c {
	case cUS, cGB:
		return localeEN
	case cCN:
		return localeZH
	}
	return localeES
}

// ExchangeRates returns the monthly rates of every demo currency but
// base into base, from before the oldest record to now; none when base
// is not a currency the demo knows.
func (g *Generator) ExchangeRates(base string) []ExchangeRate {
	bi := -1
	for k, c := range currencyDefs {
		if c.code == base {
			bi = k
		}
	}
	if bi < 0 {
		return nil
	}
	now := time.Unix(g.c.Now, 0).UTC()
	first := now.Add(-time.Duration(activitySpan+240*daySec) * time.Second)
	first = time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	var out []ExchangeRate
	for k, c := range currencyDefs {
		if k == bi {
			continue
		}
		for m, t := 0, first; !t.After(now); m, t = m+1, t.AddDate(0, 1, 0) {
			out = append(out, ExchangeRate{Currency: c.code, Day: t.Format("2006-01-02"), Rate: sig6(g.usdValue(k, m) / g.usdValue(bi, m))})
		}
	}
	return out
}

// usdValue is what one unit of currency k is worth in US dollars in
// month m of the rates: a slow wave, a little noise, and a drift.
func (g *Generator) usdValue(k, m int) float64 {
	c := currencyDefs[k]
	if k == 0 {
		return 1
	}
	r := rec(g.kRate, k*10000+m)
	wave := 1 + 0.03*math.Sin(float64(m)/4+float64(k))
	noise := 1 + 0.01*(r.float()-0.5)
	return c.usdPer * math.Pow(1+c.drift, float64(m)) * wave * noise
}

// sig6 writes x with six significant digits, as plain decimal text.
func sig6(x float64) string {
	d := 5 - int(math.Floor(math.Log10(x)))
	d = min(max(d, 0), 12)
	s := strconv.FormatFloat(x, 'f', d, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// ---------------------------------------------------------------------
// Line items.

var lineCountW = weights(30, 35, 20, 10, 5) // 1 to 5 lines

// lines draws a document's lines in currency cur (an index into
// currencyDefs) for a customer in country.
func (g *Generator) lines(r *prng, cur, country int) []LineItem {
	n := 1 + r.pickW(lineCountW)
	out := make([]LineItem, 0, n)
	code := currencyDefs[cur].code
	for range n {
		p := r.skewed(g.c.Products, 1.6)
		prod := g.Product(p)
		var q int
		switch prod.unitKind {
		case 1:
			q = r.between(4, 80)
		case 2:
			q = r.between(5, 250)
		case 3:
			q = 12
			if r.chance(0.3) {
				q = r.between(1, 24)
			}
		default:
			q = 1 + r.skewed(40, 2)
		}
		l := LineItem{Product: p, Name: prod.Name, Unit: prod.Unit, Quantity: itoa(q), UnitPrice: cents(g.priceCents(p, cur)), TaxRate: vatRates[country]}
		if r.chance(0.3) {
			l.DiscountPercent = itoa(5 * r.between(1, 4))
		}
		t, err := orders.Line{Quantity: l.Quantity, UnitPrice: l.UnitPrice, DiscountPercent: l.DiscountPercent, TaxRate: l.TaxRate, Currency: code}.Compute()
		if err != nil {
			panic("demo: line totals: " + err.Error())
		}
		l.Totals = t
		out = append(out, l)
	}
	return out
}

func sumLines(cur string, ls []LineItem) orders.DocTotals {
	ts := make([]orders.LineTotals, len(ls))
	for i, l := range ls {
		ts[i] = l.Totals
	}
	return orders.Sum(cur, ts)
}

// ---------------------------------------------------------------------
// Deals and quotes.

// deal returns deal i and, when it has a quote, the quote's lines.
func (g *Generator) deal(i int) (Deal, []LineItem) {
	checkIndex(i, g.c.Deals, "deal")
	r := rec(g.kDeal, i)
	ci := g.origin(r.intn(g.c.Contacts))
	c := g.Contact(ci)
	a := g.Account(c.AccountIndex)
	li := localeIdx(a.Locale)
	country := countryIndex(a.Billing.Country)
	cur := countryCurrency[country]
	pl := r.pickW(pipelineW)
	def := &pipelineDefs[pl]
	nOpen := 0
	for _, s := range def.stages {
		if !s.won && !s.lost {
			nOpen++
		}
	}
	won, lost := nOpen, nOpen+1 // the stages after the open ones
	if def.stages[won].lost {
		won, lost = lost, won
	}
	// Deals are created in index order over the three years; each takes
	// its cycle to close and is open while that has not passed.
	q := (float64(i) + r.float()) / float64(g.c.Deals)
	created := g.c.Now - activitySpan + int64(q*activitySpan)
	cycle := int64(r.between(30, 270)) * daySec
	d := Deal{Index: i, Locale: a.Locale, AccountIndex: c.AccountIndex, ContactIndex: ci, ContactRole: c.Role, Pipeline: pl, At: created, LeadIndex: -1}
	if i%10 == 0 && i/10 < g.c.Leads {
		d.LeadIndex = i / 10
	}
	end := created + cycle
	last := 0 // the last open stage visited
	if end > g.c.Now {
		f := float64(g.c.Now-created) / float64(cycle)
		last = min(int(f*float64(nOpen)), nOpen-1)
		for j := 0; j <= last; j++ {
			d.Visits = append(d.Visits, StageVisit{j, created + int64(j)*cycle/int64(nOpen)})
		}
		d.Stage, d.Status = last, "open"
		d.CloseDate = dayOf(end)
		if r.chance(0.08) { // slipped past its expected date
			d.CloseDate = dayOf(g.c.Now - int64(r.between(1, 30))*daySec)
		}
	} else {
		isWon := r.chance(def.winP)
		last = nOpen - 1
		if !isWon {
			last = r.intn(nOpen)
		}
		for j := 0; j <= last; j++ {
			d.Visits = append(d.Visits, StageVisit{j, created + int64(j)*cycle/int64(last+2)})
		}
		d.ClosedAt, d.CloseDate = end, dayOf(end)
		if isWon {
			d.Stage, d.Status = won, "won"
		} else {
			d.Stage, d.Status = lost, "lost"
			d.LossReason = lossReasons[r.pickW(lossReasonW)]
		}
		d.Visits = append(d.Visits, StageVisit{d.Stage, end})
	}
	d.Probability = def.stages[d.Stage].probability
	d.ForecastCategory = def.stages[last].category
	if pl == 1 {
		d.Name = a.Name + " – " + renewalWord[li] + " " + itoa(time.Unix(created+cycle, 0).UTC().Year())
	} else {
		d.Name = a.Name + " – " + r.pick(dealTopics[li])
	}
	if r.chance(0.4) {
		d.Competitors = r.pick(competitorNames)
		if r.chance(0.3) {
			if s := r.pick(competitorNames); s != d.Competitors {
				d.Competitors += ", " + s
			}
		}
	}
	if d.Status == "open" {
		d.NextStep = r.pick(nextSteps[li])
	}
	d.Source = sourcesList[r.pickW(sourceW)]
	if r.chance(0.5) {
		d.Description = r.pick(dealDescriptions[li])
	}
	code := currencyDefs[cur].code
	var ls []LineItem
	if d.HasQuote = last >= def.quote; d.HasQuote {
		qr := rec(g.kQuote, i)
		ls = g.lines(&qr, cur, country)
		t := sumLines(code, ls)
		net, _ := new(mathbig.Rat).SetString(t.Subtotal)
		disc, _ := new(mathbig.Rat).SetString(t.Discount)
		d.Amount = Money{roundTo(net.Sub(net, disc), code), code}
	} else {
		// An estimate: $500 to $250,000, most deals small, in round
		// figures of the local currency.
		usd := 500 * math.Pow(500, math.Pow(r.float(), 1.7))
		local := usd / currencyDefs[cur].usdPer
		step := math.Pow(10, math.Max(1, math.Floor(math.Log10(local))-1))
		d.Amount = Money{cents(int64(math.Round(local/step)*step) * 100), code}
	}
	return d, ls
}

func roundTo(r *mathbig.Rat, cur string) string {
	s, _ := orders.Round(r.FloatString(6), cur)
	return s
}

// Deal returns deal i, 0 <= i < Config().Deals.
func (g *Generator) Deal(i int) Deal {
	d, _ := g.deal(i)
	return d
}

// Quote returns the quote of deal i, and false when the deal has none.
func (g *Generator) Quote(i int) (Quote, bool) {
	d, ls := g.deal(i)
	if !d.HasQuote {
		return Quote{}, false
	}
	def := &pipelineDefs[d.Pipeline]
	c := g.Contact(d.ContactIndex)
	issued := d.At
	for _, v := range d.Visits {
		if v.Stage == def.quote {
			issued = v.At
		}
	}
	cur := d.Amount.Currency
	book := 0
	for k, c := range currencyDefs {
		if c.code == cur {
			book = k
		}
	}
	q := Quote{Index: i, Number: fmt.Sprintf("Q-%05d", i+1), Name: d.Name, AccountIndex: d.AccountIndex, ContactIndex: d.ContactIndex,
		Currency: cur, PriceBook: book, Language: c.Language, IssuedOn: dayOf(issued), ValidUntil: dayOf(issued + 30*daySec), At: issued,
		OrderIndex: -1, Terms: quoteTerms[localeIdx(Locale(c.Language))], Lines: ls, Totals: sumLines(cur, ls), Revision: 1}
	if g.revised(&d, issued) > 0 {
		q.Revision = 2
	}
	switch {
	case d.Status == "won" && i < g.c.Orders:
		q.Status, q.AcceptedAt, q.OrderIndex = "accepted", d.ClosedAt, i
	case d.Status == "won":
		q.Status = "sent"
	case d.Status == "lost":
		q.Status = "rejected"
	case q.ValidUntil < g.today():
		q.Status = "expired"
	case g.c.Now-issued < 2*daySec:
		q.Status = "draft"
	default:
		q.Status = "sent"
	}
	return q, true
}

// revised returns how many days before the quote of deal d (issued at
// issued) its first revision was issued, or 0 when the quote has one
// revision: about one in four, when the deal was open long enough
// before its quote.
func (g *Generator) revised(d *Deal, issued int64) int {
	room := int((issued - d.At) / daySec)
	r := rec(g.kQuote^0x7265766973696f6e, d.Index) // "revision"
	if room < 2 || !r.chance(0.25) {
		return 0
	}
	return r.between(1, min(room-1, 14))
}

// QuoteRevision returns the first revision of deal i's quote, superseded
// by Quote(i) (revision 2), and false when the quote has one revision.
// It is what the customer was offered first: list prices where the
// current revision gives discounts, else one line more, or one unit
// more of its only line.
func (g *Generator) QuoteRevision(i int) (Quote, bool) {
	q, ok := g.Quote(i)
	if !ok || q.Revision < 2 {
		return Quote{}, false
	}
	d := g.Deal(i)
	days := g.revised(&d, q.At)
	first := q
	first.Revision, first.Status, first.AcceptedAt, first.OrderIndex = 1, orders.QuoteSuperseded, 0, -1
	first.At = q.At - int64(days)*daySec
	first.IssuedOn, first.ValidUntil = dayOf(first.At), dayOf(first.At+30*daySec)
	ls := slices.Clone(q.Lines)
	discounted := false
	for k := range ls {
		if ls[k].DiscountPercent != "" {
			ls[k].DiscountPercent, discounted = "", true
		}
	}
	if !discounted {
		switch n := len(ls); {
		case n > 1:
			ls = ls[:n-1]
		default:
			qty, _ := strconv.Atoi(ls[0].Quantity)
			ls[0].Quantity = itoa(qty + 1)
		}
	}
	for k := range ls {
		l := &ls[k]
		t, err := orders.Line{Quantity: l.Quantity, UnitPrice: l.UnitPrice, DiscountPercent: l.DiscountPercent, TaxRate: l.TaxRate, Currency: q.Currency}.Compute()
		if err != nil {
			panic("demo: revision line totals: " + err.Error())
		}
		l.Totals = t
	}
	first.Lines, first.Totals = ls, sumLines(q.Currency, ls)
	return first, true
}

// ---------------------------------------------------------------------
// Orders, shipments, invoices and payments.

// Order returns order i, 0 <= i < Config().Orders, with its shipments,
// its invoice and the invoice's payments.
func (g *Generator) Order(i int) Order {
	checkIndex(i, g.c.Orders, "order")
	r := rec(g.kOrd, i)
	o := Order{Index: i, Number: fmt.Sprintf("SO-%05d", i+1), QuoteIndex: -1, ContractIndex: -1}
	var country int
	if i < g.c.Deals {
		if q, ok := g.Quote(i); ok && q.OrderIndex == i {
			o.QuoteIndex, o.Name, o.AccountIndex, o.Currency, o.Lines, o.At = i, q.Name, q.AccountIndex, q.Currency, q.Lines, q.AcceptedAt
			country = countryIndex(g.Account(q.AccountIndex).Billing.Country)
		}
	}
	var a Account
	if o.QuoteIndex < 0 {
		o.AccountIndex = scale(g.c.Accounts, math.Pow(r.float(), 2))
		a = g.Account(o.AccountIndex)
		country = countryIndex(a.Billing.Country)
		cur := countryCurrency[country]
		o.Currency = currencyDefs[cur].code
		o.Name = r.pick(orderNames[localeIdx(a.Locale)])
		q := (float64(i) + r.float()) / float64(g.c.Orders)
		o.At = g.c.Now - activitySpan + int64(q*activitySpan)
		o.Lines = g.lines(&r, cur, country)
		if c := g.contractOf(o.AccountIndex); c >= 0 {
			ct := g.Contract(c)
			if d := dayOf(o.At); ct.Status != "draft" && d >= ct.StartDate && d <= ct.EndDate {
				o.ContractIndex = c
			}
		}
	} else {
		a = g.Account(o.AccountIndex)
	}
	o.Language = string(a.Locale)
	o.OrderDate = dayOf(o.At)
	o.Totals = sumLines(o.Currency, o.Lines)
	age := (g.c.Now - o.At) / daySec
	cancelled := r.chance(0.02)
	// Fulfilment follows the order's age.
	f := orders.Delivered
	switch u := r.float(); {
	case cancelled || age < 2:
		f = orders.Unfulfilled
	case age < 7:
		f = [...]string{orders.Unfulfilled, orders.Partial, orders.Shipped}[min(int(u*10)/4, 2)]
	case age < 30 && u < 0.3:
		f = orders.Shipped
	}
	if f == orders.Partial && len(o.Lines) == 1 && o.Lines[0].Quantity == "1" {
		f = orders.Shipped
	}
	carrier := carriers[country]
	ship := func(k int, ls []ShipLine, delivered bool) {
		sh := Shipment{Number: fmt.Sprintf("SH-%05d", 2*i+k+1), Carrier: r.pick(carrier), Lines: ls}
		var b [24]byte
		sh.Tracking = string(appendDigits(append(b[:0], strings.ToUpper(slugOf(sh.Carrier + "xx")[:2])...), &r, 12))
		on := o.At + int64(r.between(1, int(min(max(age, 1), 3))))*daySec
		sh.ShippedOn = dayOf(min(on, g.c.Now))
		if delivered {
			sh.DeliveredOn = dayOf(min(on+int64(r.between(2, 5))*daySec, g.c.Now))
		}
		o.Shipments = append(o.Shipments, sh)
	}
	all := func(from, to int) []ShipLine {
		var ls []ShipLine
		for j := from; j < to; j++ {
			ls = append(ls, ShipLine{j, o.Lines[j].Quantity})
		}
		return ls
	}
	switch f {
	case orders.Partial:
		qty, _ := strconv.Atoi(o.Lines[0].Quantity)
		if len(o.Lines) > 1 {
			ship(0, all(0, 1), false)
		} else {
			ship(0, []ShipLine{{0, itoa(qty / 2)}}, false)
		}
	case orders.Shipped:
		ship(0, all(0, len(o.Lines)), false)
	case orders.Delivered:
		if n := len(o.Lines); n >= 2 && r.chance(0.25) {
			ship(0, all(0, n/2), true)
			ship(1, all(n/2, n), true)
		} else {
			ship(0, all(0, n), true)
		}
	}
	o.Fulfilment = f
	if len(o.Shipments) > 0 {
		o.Shipped = make([]string, len(o.Lines))
		for j := range o.Shipped {
			o.Shipped[j] = "0"
		}
		for _, sh := range o.Shipments {
			for _, sl := range sh.Lines {
				o.Shipped[sl.Line] = sl.Quantity
			}
		}
	}
	o.Invoice = g.invoice(&r, &o, cancelled)
	switch {
	case cancelled:
		o.Status = orders.OrderCancelled
	case f == orders.Delivered && o.Invoice.Status == orders.InvoicePaid:
		o.Status = orders.OrderCompleted
	default:
		o.Status = orders.OrderOpen
	}
	return o
}

func (g *Generator) invoice(r *prng, o *Order, cancelled bool) Invoice {
	cur := o.Currency
	total, _ := new(mathbig.Rat).SetString(o.Totals.Total)
	zero, _ := orders.Round("0", cur)
	issue := o.At + 2*daySec
	inv := Invoice{Number: fmt.Sprintf("INV-%05d", o.Index+1), Language: o.Language, AmountPaid: zero, Balance: o.Totals.Total}
	if issue > g.c.Now {
		inv.Status, inv.IssueDate, inv.DueDate = orders.InvoiceDraft, o.OrderDate, dayOf(o.At+30*daySec)
		return inv
	}
	due := issue + 30*daySec
	inv.IssueDate, inv.DueDate = dayOf(issue), dayOf(due)
	if cancelled {
		inv.Status, inv.Balance = orders.InvoiceVoid, zero
		return inv
	}
	// The longer past its due date, the likelier it is paid.
	var pPaid, pPartly float64
	switch late := (g.c.Now - due) / daySec; {
	case late > 30:
		pPaid, pPartly = 0.94, 0.03
	case late > 0:
		pPaid, pPartly = 0.70, 0.10
	default:
		pPaid, pPartly = 0.35, 0.10
	}
	u := r.float()
	var amounts []*mathbig.Rat
	switch {
	case u < pPaid && r.chance(0.8):
		amounts = []*mathbig.Rat{total}
	case u < pPaid:
		half, _ := new(mathbig.Rat).SetString(roundTo(new(mathbig.Rat).Quo(total, mathbig.NewRat(2, 1)), cur))
		amounts = []*mathbig.Rat{half, new(mathbig.Rat).Sub(total, half)}
	case u < pPaid+pPartly:
		part, _ := new(mathbig.Rat).SetString(roundTo(new(mathbig.Rat).Mul(total, mathbig.NewRat(int64(r.between(20, 80)), 100)), cur))
		amounts = []*mathbig.Rat{part}
	}
	paid := new(mathbig.Rat)
	latest := min(g.c.Now, due+15*daySec)
	for k, a := range amounts {
		if a.Sign() <= 0 {
			continue
		}
		paid.Add(paid, a)
		on := issue + int64(r.float()*float64(latest-issue))
		if k == 1 {
			on = latest
		}
		p := Payment{Number: fmt.Sprintf("PAY-%05d", 2*o.Index+k+1), Amount: roundTo(a, cur), Method: paymentMethods[r.pickW(paymentMethodW)], PaidOn: dayOf(on)}
		if p.Method == "bank_transfer" || p.Method == "direct_debit" {
			p.Reference = "TRF-" + inv.Number + "-" + itoa(k+1)
		}
		inv.Payments = append(inv.Payments, p)
	}
	inv.AmountPaid = roundTo(paid, cur)
	bal := new(mathbig.Rat).Sub(total, paid)
	inv.Balance = roundTo(bal, cur)
	switch {
	case paid.Sign() > 0 && bal.Sign() <= 0:
		inv.Status = orders.InvoicePaid
	case paid.Sign() > 0:
		inv.Status = orders.InvoicePartly
	default:
		inv.Status = orders.InvoiceIssued
	}
	return inv
}

// ---------------------------------------------------------------------
// Contracts.

func (g *Generator) contractStride() int { return max(1, g.c.Accounts/max(g.c.Contracts, 1)) }

// contractOf returns the contract of account a, or -1.
func (g *Generator) contractOf(a int) int {
	s := g.contractStride()
	if g.c.Contracts == 0 || a%s != 0 || a/s >= g.c.Contracts {
		return -1
	}
	return a / s
}

// Contract returns contract i, 0 <= i < Config().Contracts.
func (g *Generator) Contract(i int) Contract {
	checkIndex(i, g.c.Contracts, "contract")
	r := rec(g.kCtr, i)
	acc := (i * g.contractStride()) % g.c.Accounts
	a := g.Account(acc)
	li := localeIdx(a.Locale)
	cur := countryCurrency[countryIndex(a.Billing.Country)]
	q := (float64(i) + r.float()) / float64(g.c.Contracts)
	start := time.Unix(g.c.Now-activitySpan+int64(q*float64(activitySpan+120*daySec)), 0).UTC()
	start = time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
	years := 1 + r.pickW(weights(50, 35, 15))
	end := start.AddDate(years, 0, -1)
	now := time.Unix(g.c.Now, 0).UTC()
	c := Contract{Index: i, Number: fmt.Sprintf("CT-%05d", i+1), AccountIndex: acc, StartDate: start.Format("2006-01-02"), EndDate: end.Format("2006-01-02"),
		Terms: contractTerms[li], At: start.Unix() - 10*daySec}
	c.Name = fmt.Sprintf(r.pick(contractNames[li]), start.Year())
	usd := 12000 * math.Pow(50, math.Pow(r.float(), 2)) * float64(years)
	c.Value = Money{cents(int64(math.Round(usd/currencyDefs[cur].usdPer/100)) * 10000), currencyDefs[cur].code}
	switch {
	case start.After(now):
		c.Status = orders.ContractDraft
	case end.Before(now) && r.chance(0.9):
		c.Status = orders.ContractExpired
	case r.chance(0.05) || end.Before(now):
		c.Status = orders.ContractTerminated
	default:
		c.Status = orders.ContractActive
	}
	return c
}

// ContractInvoice bills one quarter of a contract, in advance: one line,
// the contract's value prorated by days (orders.PeriodAmount, as the
// application's invoice of a contract period), without tax.
type ContractInvoice struct {
	Seq                    int // its index among all contracts' invoices
	Number                 string
	PeriodStart, PeriodEnd string
	IssueDate, DueDate     string
	Status                 string
	Language               string
	Line                   LineItem
	Totals                 orders.DocTotals
	AmountPaid, Balance    string
	Payments               []Payment
}

// contractPeriods returns the quarters of contract c that were invoiced
// by now: every quarter begun of an active or expired contract, those
// begun before a terminated one ended.
func (g *Generator) contractPeriods(c *Contract) [][2]string {
	if c.Status == orders.ContractDraft {
		return nil
	}
	start, _ := time.Parse("2006-01-02", c.StartDate)
	until := min(g.c.Now, dayStart(c.EndDate)+daySec)
	if c.Status == orders.ContractTerminated {
		// As the loaded history has it: terminated half way.
		s := min(dayStart(c.StartDate), g.c.Now)
		until = s + (until-s)/2
	}
	var out [][2]string
	for p := 0; ; p++ {
		ps := start.AddDate(0, 3*p, 0)
		if ps.Format("2006-01-02") > c.EndDate || dayStart(ps.Format("2006-01-02")) > until {
			return out
		}
		pe := start.AddDate(0, 3*(p+1), -1).Format("2006-01-02")
		if pe > c.EndDate {
			pe = c.EndDate
		}
		out = append(out, [2]string{ps.Format("2006-01-02"), pe})
	}
}

// ContractInvoiceBase returns how many invoices the contracts before
// contract i have: contract i's first invoice is the orders' invoices
// plus that, in numbers and ids. It reads every contract before i.
func (g *Generator) ContractInvoiceBase(i int) int {
	n := 0
	for k := range min(i, g.c.Contracts) {
		c := g.Contract(k)
		n += len(g.contractPeriods(&c))
	}
	return n
}

// ContractInvoices returns the invoices of contract i, the first being
// invoice base among the contracts' (ContractInvoiceBase(i)).
func (g *Generator) ContractInvoices(i, base int) []ContractInvoice {
	c := g.Contract(i)
	ps := g.contractPeriods(&c)
	if len(ps) == 0 {
		return nil
	}
	lang := string(g.Account(c.AccountIndex).Locale)
	cur := c.Value.Currency
	zero, _ := orders.Round("0", cur)
	out := make([]ContractInvoice, 0, len(ps))
	for p, per := range ps {
		seq := base + p
		r := rec(g.kCtr^0x696e766f69636573, i*64+p) // "invoices"
		amount := orders.PeriodAmount(records.MoneyValue{Amount: c.Value.Amount, Currency: cur}, c.StartDate, c.EndDate, per[0], per[1])
		l := LineItem{Product: -1, Name: fmt.Sprintf("%s (%s – %s)", c.Name, per[0], per[1]), Quantity: "1", UnitPrice: amount}
		t, err := orders.Line{Quantity: "1", UnitPrice: amount, Currency: cur}.Compute()
		if err != nil {
			panic("demo: contract invoice line: " + err.Error())
		}
		l.Totals = t
		issue := min(dayStart(per[0]), g.c.Now)
		due := issue + 30*daySec
		inv := ContractInvoice{Seq: seq, Number: fmt.Sprintf("INV-%05d", g.c.Orders+seq+1), PeriodStart: per[0], PeriodEnd: per[1],
			IssueDate: dayOf(issue), DueDate: dayOf(due), Status: orders.InvoiceIssued, Language: lang, Line: l,
			Totals: sumLines(cur, []LineItem{l}), AmountPaid: zero, Balance: t.Total}
		// Customers under contract mostly pay; the longer past due, the
		// likelier.
		pPaid := 0.4
		if g.c.Now > due+10*daySec {
			pPaid = 0.93
		}
		if r.chance(pPaid) {
			on := issue + int64(r.float()*float64(min(g.c.Now, due+10*daySec)-issue))
			pay := Payment{Number: fmt.Sprintf("PAY-%05d", 2*g.c.Orders+seq+1), Amount: t.Total, Method: paymentMethods[r.pickW(paymentMethodW)], PaidOn: dayOf(on)}
			if pay.Method == "bank_transfer" || pay.Method == "direct_debit" {
				pay.Reference = "TRF-" + inv.Number + "-1"
			}
			inv.Payments = []Payment{pay}
			inv.Status, inv.AmountPaid, inv.Balance = orders.InvoicePaid, t.Total, zero
		}
		out = append(out, inv)
	}
	return out
}

// ScoreRules are the workspace's lead scoring rules: fit points for the
// job titles of deciders and managers in the three languages, the
// sources, industries and a reachable lead; engagement points for calls
// and meetings. Leads are loaded with the score and reasons
// sales.ScoreLead gives under them, as the application would.
func (g *Generator) ScoreRules() []sales.ScoreRule {
	fit := func(field, op, value string, points int) sales.ScoreRule {
		return sales.ScoreRule{Kind: "fit", Field: field, Operator: op, Value: value, Points: points}
	}
	rules := []sales.ScoreRule{
		fit("job_title", "contains", "Director", 15), fit("job_title", "contains", "Chief", 15), fit("job_title", "contains", "总监", 15),
		fit("job_title", "contains", "总经理", 15), fit("job_title", "contains", "Manager", 8), fit("job_title", "contains", "Gerente", 8),
		fit("job_title", "contains", "经理", 8), fit("job_title", "contains", "Intern", -10), fit("job_title", "contains", "Becari", -10),
		fit("job_title", "contains", "实习生", -10),
		fit("source", "eq", "referral", 20), fit("source", "eq", "partner", 10), fit("source", "eq", "event", 5),
		fit("industry", "eq", "technology", 10), fit("industry", "eq", "finance", 5),
		fit("email", "filled", "", 5), fit("phone", "empty", "", -5), fit("status", "eq", "disqualified", -30),
		{Kind: "engagement", Field: "meeting", Points: 10}, {Kind: "engagement", Field: "call", Points: 5},
	}
	for k := range rules {
		rules[k].Position = k + 1
	}
	return rules
}

// ---------------------------------------------------------------------
// Leads.

// Lead returns lead i, 0 <= i < Config().Leads. The first leads are the
// ones deals were converted from (deal 10·i); the others are people at
// known companies in every state of qualification.
func (g *Generator) Lead(i int) Lead {
	checkIndex(i, g.c.Leads, "lead")
	r := rec(g.kLead, i)
	l := Lead{Index: i, AccountIndex: -1, ContactIndex: -1, DealIndex: -1}
	if 10*i < g.c.Deals {
		d := g.Deal(10 * i)
		c := g.Contact(d.ContactIndex)
		a := g.Account(d.AccountIndex)
		l.Locale, l.Given, l.Family, l.Company, l.JobTitle, l.Email = c.Locale, c.Given, c.Family, a.Name, c.JobTitle, c.Email
		l.Phone = c.Phone
		if l.Phone == "" {
			l.Phone = c.Mobile
		}
		l.Website, l.Industry, l.Country, l.City = a.Website, a.Industry, a.Billing.Country, a.Billing.City
		l.Source, l.Status = d.Source, "converted"
		l.ConvertedAt, l.At = d.At, d.At-int64(r.between(1, 30))*daySec
		l.AccountIndex, l.ContactIndex, l.DealIndex = d.AccountIndex, d.ContactIndex, 10*i
	} else {
		ai := r.intn(g.c.Accounts)
		a := g.Account(ai)
		country := countryIndex(a.Billing.Country)
		l.Locale = a.Locale
		li := localeIdx(l.Locale)
		p := makePerson(&r, l.Locale)
		l.Given, l.Family = p.given, p.family
		role := r.pickW(roleW)
		t := &jobTitles[li][role]
		k := r.intn(len(t.m))
		l.JobTitle = t.m[k]
		if p.female && t.f != nil {
			l.JobTitle = t.f[k]
		}
		var buf [128]byte
		b := appendLocal(buf[:0], &r, &p, l.Locale)
		b = append(b, ".l"...)
		b = strconv.AppendInt(b, int64(i), 36)
		l.Email = string(append(append(b, '@'), a.Domain...))
		if r.chance(0.7) {
			ph := makePhone(&r, country, r.intn(len(countries[country].cities)), r.chance(0.5))
			l.Phone = ph.format(typedStyle(&r, ph.styles()))
		}
		l.Company, l.Website, l.Industry, l.Country, l.City = a.Name, a.Website, a.Industry, a.Billing.Country, a.Billing.City
		l.Source = sourcesList[r.pickW(sourceW)]
		q := (float64(i) + r.float()) / float64(g.c.Leads)
		l.At = g.c.Now - activitySpan + int64(q*activitySpan)
		l.Status = leadStatuses[r.pickW(leadStatusW)]
		switch age := (g.c.Now - l.At) / daySec; {
		case age < 14 && l.Status != "disqualified":
			l.Status = [...]string{"new", "working"}[r.intn(2)]
		case age > 180 && (l.Status == "new" || l.Status == "working"):
			l.Status = "nurturing"
		}
		if l.Status == "disqualified" {
			l.DisqualifyReason = disqualifyList[r.pickW(disqualifyW)]
		}
		switch l.Source {
		case "email", "event", "advertising", "social":
			l.Campaign = r.pick(campaigns[li]) + " " + itoa(time.Unix(l.At, 0).UTC().Year())
		}
		l.Descr = r.pick(leadDescriptions[li])
	}
	l.Name = strings.Join(strings.Fields(l.Given+" "+l.Family), " ")
	return l
}

// ---------------------------------------------------------------------
// Activities on deals.

var dealActivityCountW = weights(25, 35, 25, 15) // 0 to 3
var dealActivityTypes = []ActivityType{actCall, actMeeting, actEmail, actNote}
var dealActivityW = weights(35, 20, 35, 10)

// DealActivities returns the activities of deal d (Deal(i)): a few
// calls, meetings, e-mails and notes with its contact during its life,
// in its contact's language. They come on top of Config().Activities.
func (g *Generator) DealActivities(d *Deal) []Activity {
	r := rec(g.kDealAct, d.Index)
	n := r.pickW(dealActivityCountW)
	if n == 0 {
		return nil
	}
	_, loc := g.contactAccountLocale(d.ContactIndex)
	tx := &activityTexts[localeIdx(loc)]
	end := d.ClosedAt
	if end == 0 {
		end = g.c.Now
	}
	out := make([]Activity, 0, n)
	for k := range n {
		a := Activity{Index: k, Type: dealActivityTypes[r.pickW(dealActivityW)], ContactIndex: d.ContactIndex, AccountIndex: d.AccountIndex}
		// In time order over the deal's life.
		a.At = d.At + int64((float64(k)+r.float())/float64(n)*float64(end-d.At))
		topic, next := r.pick(tx.topics), r.pick(tx.nexts)
		subj, body := tx.note, tx.noteBody
		switch a.Type {
		case actCall:
			a.Direction, a.Outcome, a.DurationSec = "outbound", "connected", r.between(120, 2400)
			subj, body = tx.call, tx.callBody
		case actMeeting:
			a.DurationSec = 60 * meetingMins[r.intn(len(meetingMins))]
			subj, body = tx.meeting, tx.meetingBody
		case actEmail:
			subj, body = tx.email, tx.emailBody
		}
		a.Subject = fill(r.pick(subj), topic, next)
		a.Body = fill(r.pick(body), topic, next)
		out = append(out, a)
	}
	return out
}
