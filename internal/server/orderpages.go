package server

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/orders"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/web"
)

// The sales pages: a quote's, order's or invoice's lines and totals with
// their actions (PDF, accept, revise, ship, invoice, pay), a contract's
// invoicing, and the overdue list. The records themselves use the
// generic record pages.

// salesLists are the sales objects with a list of their own in the
// section's tabs; the others (lines, prices, shipped items) are parts of
// a document.
var salesLists = []string{"quotes", "orders", "shipments", "invoices", "payments", "contracts", "products", "price_books"}

type salesLine struct {
	ID, Name, Description, Quantity, UnitPrice, Discount, Tax, Total string
	Shipped, Left                                                    string
	LeftRaw                                                          string
	// The line's values as its edit form shows them, and its version.
	RawQuantity, RawPrice, RawDiscount, RawTax string
	ETag                                       string
}

type salesLink struct {
	Href, Title, Status, Amount, Date string
}

type salesList struct {
	Title string
	Items []salesLink
}

type salesView struct {
	Object       string
	DocID        string // the deal's or document's id: its lines are added under /sales/{Object}/{DocID}/lines
	TitleKey     string // the lines card's title
	Hint         string // what the lines do to their record, for a deal
	Lines        []salesLine
	HasLines     bool
	Totals       []fact
	CanEditLines bool
	Products     []optionView
	Currency     string
	PDF          string
	NoPDF        string // why the PDF cannot be made: a Chinese document and no CJK font
	CanAccept    bool
	CanRevise    bool
	CanSend      bool
	CanReject    bool
	CanShip      bool
	CanInvoice   bool
	CanIssue     bool
	CanVoid      bool
	CanPay       bool
	Methods      []optionView
	Balance      string
	Today        string
	CanBill      bool // a contract period may be invoiced
	Related      []salesList
	Back         string
}

func (s *Server) registerOrderPages() {
	m := s.Mux
	m.Handle("GET /sales/overdue", s.page(s.overduePage))
	m.Handle("POST /sales/{object}/{id}/lines", s.page(s.addLinePage))
	m.Handle("POST /sales/lines/{id}", s.page(s.editLinePage))
	m.Handle("POST /sales/lines/{id}/delete", s.page(s.deleteLinePage))
	m.Handle("POST /sales/deals/{id}/quote", s.page(s.quoteFromDealPage))
	m.Handle("POST /sales/{object}/{id}/status", s.page(s.salesStatusPage))
	m.Handle("POST /sales/quotes/{id}/accept", s.page(s.acceptPage))
	m.Handle("POST /sales/quotes/{id}/revise", s.page(s.revisePage))
	m.Handle("POST /sales/orders/{id}/ship", s.page(s.shipPage))
	m.Handle("POST /sales/orders/{id}/invoice", s.page(s.invoiceOrderPage))
	m.Handle("POST /sales/invoices/{id}/pay", s.page(s.payPage))
	m.Handle("POST /sales/contracts/{id}/invoice", s.page(s.invoiceContractPage))
}

// salesBack is the document page a sales action returns to.
func salesBack(r *http.Request, object string) string {
	return "/o/" + object + "/" + r.PathValue("id")
}

// salesFail shows err as a flash on back, or returns it when it is not
// the user's to fix.
func (s *Server) salesFail(w http.ResponseWriter, r *http.Request, p *auth.Principal, back string, err error) error {
	lang := s.lang(r, p)
	msg := s.describeFieldErrors(lang, err)
	if msg == "" {
		ae, ok := errs.As(err)
		if !ok || ae.Code == "" || ae.Code == errs.NotFound || ae.Code == errs.Forbidden {
			return err
		}
		msg = s.tr.Error(lang, ae.Message)
	}
	s.flash(r, web.FlashError, msg)
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

func (s *Server) salesDone(w http.ResponseWriter, r *http.Request, p *auth.Principal, to, key string) error {
	s.flash(r, web.FlashSuccess, s.tr.T(s.lang(r, p), key))
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// docField is the line_items field that names a line's deal or document
// of object.
func docField(object string) string {
	return map[string]string{"deals": "deal_id", "quotes": "quote_id", "orders": "order_id", "invoices": "invoice_id"}[object]
}

// lineObjects are the objects whose lines the pages edit.
var lineObjects = []string{"deals", "quotes", "orders", "invoices"}

// lineBack is the page a line's edit returns to: its deal's or
// document's lines.
func lineBack(l *records.Record) string {
	for _, o := range lineObjects {
		if id, _ := l.Values[docField(o)].(string); id != "" {
			return "/o/" + o + "/" + id + "#lines"
		}
	}
	return "/o/quotes"
}

// lineCurrency is the currency a new line of doc must be in.
func (s *Server) lineCurrency(r *http.Request, p *auth.Principal, object string, doc *records.Record) string {
	if object == "deals" {
		cur, _ := s.Orders.DealCurrency(r.Context(), p, doc)
		return cur
	}
	cur, _ := doc.Values["currency"].(string)
	return cur
}

// lineInput reads a line form's values: decimals with a comma or a
// point, the price in currency. With clear, a field left empty is
// cleared (an edit); otherwise it is left out (a new line).
func lineInput(r *http.Request, currency string, clear bool) records.Input {
	in := records.Input{}
	for _, k := range []string{"product_id", "name", "description", "quantity", "discount_percent", "tax_rate", "unit_price"} {
		vals, sent := r.PostForm[k]
		if !sent {
			continue
		}
		v := strings.TrimSpace(vals[0])
		switch {
		case v == "" && clear && k != "product_id" && k != "name" && k != "quantity":
			in[k] = nil
		case v == "":
		case k == "unit_price":
			in[k] = map[string]any{"amount": strings.ReplaceAll(v, ",", "."), "currency": currency}
		case k == "name" || k == "description" || k == "product_id":
			in[k] = v
		default:
			in[k] = strings.ReplaceAll(v, ",", ".")
		}
	}
	return in
}

func (s *Server) addLinePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	object := r.PathValue("object")
	col := docField(object)
	if col == "" {
		return errs.ErrNotFound
	}
	back := salesBack(r, object)
	doc, err := s.Records.Get(r.Context(), p, object, r.PathValue("id"), records.GetOptions{})
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	in := lineInput(r, s.lineCurrency(r, p, object, doc), false)
	in[col] = doc.ID
	if _, err := s.Records.Create(r.Context(), p, "line_items", in); err != nil {
		return s.salesFail(w, r, p, back+"#lines", err)
	}
	return s.salesDone(w, r, p, back+"#lines", "msg.saved")
}

func (s *Server) deleteLinePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	l, err := s.Records.Get(r.Context(), p, "line_items", r.PathValue("id"), records.GetOptions{})
	if err != nil {
		return err
	}
	back := lineBack(l)
	if err := s.Records.Delete(r.Context(), p, "line_items", l.ID, ""); err != nil {
		return s.salesFail(w, r, p, back, err)
	}
	return s.salesDone(w, r, p, back, "msg.deleted")
}

// editLinePage saves a line's edit form, in the currency of its line.
func (s *Server) editLinePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	l, err := s.Records.Get(r.Context(), p, "line_items", r.PathValue("id"), records.GetOptions{})
	if err != nil {
		return err
	}
	back := lineBack(l)
	_ = r.ParseForm()
	price, _ := l.Values["unit_price"].(records.MoneyValue)
	in := lineInput(r, price.Currency, true)
	delete(in, "product_id")
	if _, err := s.Records.Update(r.Context(), p, "line_items", l.ID, r.PostFormValue("_etag"), in); err != nil {
		return s.salesFail(w, r, p, back, err)
	}
	return s.salesDone(w, r, p, back, "msg.saved")
}

// quoteFromDealPage makes a draft quote of a deal with a copy of its
// lines (the deal page's New quote) and opens it.
func (s *Server) quoteFromDealPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q, err := s.Orders.QuoteFromDeal(r.Context(), p, r.PathValue("id"), orders.QuoteFromDealInput{})
	if err != nil {
		return s.salesFail(w, r, p, salesBack(r, "deals"), err)
	}
	return s.salesDone(w, r, p, "/o/quotes/"+q.ID, "orders.msg.quote_from_deal")
}

func (s *Server) salesStatusPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	object := r.PathValue("object")
	allowed := map[string][]string{"quotes": {orders.QuoteSent, orders.QuoteRejected}, "invoices": {orders.InvoiceIssued, orders.InvoiceVoid},
		"orders": {orders.OrderCompleted, orders.OrderCancelled}, "contracts": {orders.ContractActive, orders.ContractTerminated}}[object]
	st := r.PostFormValue("status")
	if !slices.Contains(allowed, st) {
		return errs.ErrNotFound
	}
	back := salesBack(r, object)
	if _, err := s.Records.Update(r.Context(), p, object, r.PathValue("id"), r.PostFormValue("_etag"), records.Input{"status": st}); err != nil {
		return s.salesFail(w, r, p, back, err)
	}
	return s.salesDone(w, r, p, back, "msg.saved")
}

func (s *Server) acceptPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ord, deal, err := s.Orders.Accept(r.Context(), p, r.PathValue("id"), r.PostFormValue("_etag"))
	if err != nil {
		return s.salesFail(w, r, p, salesBack(r, "quotes"), err)
	}
	if deal != nil {
		lang := s.lang(r, p)
		if deal.Won {
			s.flash(r, web.FlashSuccess, s.tr.T(lang, "orders.msg.accepted_deal_won", "Stage", deal.Stage))
		} else {
			why := s.describeFieldErrors(lang, &errs.Error{Code: errs.Invalid, Message: deal.Reason, Fields: deal.Errors})
			if why == "" {
				why = s.tr.Error(lang, deal.Reason)
			}
			s.flash(r, web.FlashWarning, s.tr.T(lang, "orders.msg.accepted_deal_not_won", "Reason", why))
		}
		http.Redirect(w, r, "/o/orders/"+ord.ID, http.StatusSeeOther)
		return nil
	}
	return s.salesDone(w, r, p, "/o/orders/"+ord.ID, "orders.msg.accepted")
}

func (s *Server) revisePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q, err := s.Orders.Revise(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return s.salesFail(w, r, p, salesBack(r, "quotes"), err)
	}
	return s.salesDone(w, r, p, "/o/quotes/"+q.ID, "orders.msg.revised")
}

func (s *Server) shipPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	_ = r.ParseForm()
	in := orders.ShipInput{Carrier: strings.TrimSpace(r.PostFormValue("carrier")), TrackingNumber: strings.TrimSpace(r.PostFormValue("tracking_number")),
		ShippedOn: strings.TrimSpace(r.PostFormValue("shipped_on"))}
	for _, id := range r.PostForm["line"] {
		q := strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("qty_"+id)), ",", ".")
		if q != "" && q != "0" {
			in.Items = append(in.Items, orders.ShipItem{LineItemID: id, Quantity: q})
		}
	}
	back := salesBack(r, "orders")
	sh, err := s.Orders.Ship(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return s.salesFail(w, r, p, back+"#ship", err)
	}
	return s.salesDone(w, r, p, "/o/shipments/"+sh.ID, "orders.msg.shipped")
}

func (s *Server) invoiceOrderPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	inv, err := s.Orders.InvoiceOrder(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return s.salesFail(w, r, p, salesBack(r, "orders"), err)
	}
	return s.salesDone(w, r, p, "/o/invoices/"+inv.ID, "orders.msg.invoiced")
}

func (s *Server) payPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	back := salesBack(r, "invoices")
	inv, err := s.Records.Get(r.Context(), p, "invoices", r.PathValue("id"), records.GetOptions{})
	if err != nil {
		return err
	}
	cur, _ := inv.Values["currency"].(string)
	in := records.Input{"invoice_id": inv.ID, "method": r.PostFormValue("method"),
		"amount": map[string]any{"amount": strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("amount")), ",", "."), "currency": cur}}
	for _, k := range []string{"paid_on", "reference"} {
		if v := strings.TrimSpace(r.PostFormValue(k)); v != "" {
			in[k] = v
		}
	}
	if _, err := s.Records.Create(r.Context(), p, "payments", in); err != nil {
		return s.salesFail(w, r, p, back+"#pay", err)
	}
	return s.salesDone(w, r, p, back, "orders.msg.paid")
}

func (s *Server) invoiceContractPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	inv, err := s.Orders.InvoiceContract(r.Context(), p, r.PathValue("id"), orders.PeriodInput{Start: r.PostFormValue("period_start"), End: r.PostFormValue("period_end")})
	if err != nil {
		return s.salesFail(w, r, p, salesBack(r, "contracts")+"#bill", err)
	}
	return s.salesDone(w, r, p, "/o/invoices/"+inv.ID, "orders.msg.invoiced")
}

// salesView builds the sales part of a document's page; nil for objects
// without one.
func (s *Server) salesView(r *http.Request, p *auth.Principal, pg *web.Page, o *records.Object, rec *records.Record, fm *formatter) (*salesView, error) {
	switch o.Name {
	case "quotes", "orders", "invoices", "contracts", "shipments":
	default:
		return nil, nil
	}
	ctx := r.Context()
	str := func(rc *records.Record, k string) string { v, _ := rc.Values[k].(string); return v }
	mny := func(rc *records.Record, k string) string {
		m, _ := rc.Values[k].(records.MoneyValue)
		if m.Currency == "" {
			return ""
		}
		return web.FormatMoney(pg.Lang, m.Amount, m.Currency)
	}
	status := str(rec, "status")
	canUpd := p.Can(o.Name, auth.ActUpdate)
	v := &salesView{Object: o.Name, DocID: rec.ID, TitleKey: "object.line_items", Currency: str(rec, "currency"), Today: s.Now().UTC().Format("2006-01-02"), Back: "/o/" + o.Name + "/" + rec.ID}
	label := func(object, field, val string) string {
		ob, err := s.Records.Object(object)
		if err != nil {
			return val
		}
		f, ok := ob.Field(field)
		if !ok {
			return val
		}
		if opt, ok := f.Option(val); ok {
			return opt.Label(pg.Lang)
		}
		return val
	}
	list := func(object, filterField, title string, date string, amountField string) error {
		if !p.Can(object, auth.ActRead) {
			return nil
		}
		page, err := s.Records.List(ctx, p, object, records.ListQuery{Filters: []records.Filter{{Field: filterField, Op: records.OpEq, Value: rec.ID}}, Limit: 50})
		if err != nil {
			return err
		}
		if len(page.Records) == 0 {
			return nil
		}
		ob, _ := s.Records.Object(object)
		sl := salesList{Title: s.tr.T(pg.Lang, title)}
		for _, x := range page.Records {
			lk := salesLink{Href: "/o/" + object + "/" + x.ID, Title: x.Title(ob), Status: label(object, "status", str(x, "status")), Amount: mny(x, amountField)}
			if d := str(x, date); d != "" {
				if t, err := time.Parse("2006-01-02", d); err == nil {
					lk.Date = web.FormatDate(pg.Lang, t, time.UTC)
				}
			}
			if object == "payments" {
				lk.Status = label(object, "method", str(x, "method"))
			}
			sl.Items = append(sl.Items, lk)
		}
		v.Related = append(v.Related, sl)
		return nil
	}
	switch o.Name {
	case "contracts":
		v.CanBill = p.Can("invoices", auth.ActCreate) && (status == orders.ContractActive || status == orders.ContractExpired)
		if err := list("orders", "contract_id", "object.orders", "order_date", "grand_total"); err != nil {
			return nil, err
		}
		if err := list("invoices", "contract_id", "object.invoices", "issue_date", "grand_total"); err != nil {
			return nil, err
		}
		return v, nil
	case "shipments":
		page, err := s.Records.List(ctx, p, "shipment_lines", records.ListQuery{Filters: []records.Filter{{Field: "shipment_id", Op: records.OpEq, Value: rec.ID}}, Limit: records.MaxLimit})
		if err != nil {
			return nil, err
		}
		for _, x := range page.Records {
			v.Lines = append(v.Lines, salesLine{ID: x.ID, Name: str(x, "name"), Quantity: web.FormatNumber(pg.Lang, str(x, "quantity"))})
		}
		v.HasLines = len(v.Lines) > 0
		return v, nil
	}
	lines, err := s.salesLines(r, p, pg.Lang, o.Name, rec.ID)
	if err != nil {
		return nil, err
	}
	v.Lines = lines
	v.HasLines = len(v.Lines) > 0
	for _, k := range []string{"subtotal", "discount_total", "tax_total", "grand_total"} {
		f, _ := o.Field(k)
		v.Totals = append(v.Totals, fact{Label: f.Label(pg.Lang, s.tr.T), Cell: cell{Text: mny(rec, k)}})
	}
	switch o.Name {
	case "quotes":
		v.PDF = "/api/v1/quotes/" + rec.ID + "/pdf"
		s.checkPDF(v, pg.Lang, rec)
		v.CanEditLines = canUpd && status == orders.QuoteDraft
		v.CanSend = canUpd && status == orders.QuoteDraft
		v.CanAccept = canUpd && v.HasLines && (status == orders.QuoteDraft || status == orders.QuoteSent)
		v.CanReject = canUpd && status == orders.QuoteSent
		v.CanRevise = canUpd && p.Can("quotes", auth.ActCreate) && status != orders.QuoteAccepted && status != orders.QuoteSuperseded
	case "orders":
		fulf := str(rec, "fulfilment")
		v.CanEditLines = canUpd && status == orders.OrderOpen && fulf == orders.Unfulfilled
		v.CanShip = p.Can("shipments", auth.ActCreate) && status == orders.OrderOpen && v.HasLines && fulf != orders.Shipped && fulf != orders.Delivered
		v.CanInvoice = p.Can("invoices", auth.ActCreate) && status != orders.OrderCancelled && v.HasLines
		if err := list("shipments", "order_id", "object.shipments", "shipped_on", ""); err != nil {
			return nil, err
		}
		if err := list("invoices", "order_id", "object.invoices", "issue_date", "grand_total"); err != nil {
			return nil, err
		}
	case "invoices":
		v.PDF = "/api/v1/invoices/" + rec.ID + "/pdf"
		s.checkPDF(v, pg.Lang, rec)
		v.CanEditLines = canUpd && status == orders.InvoiceDraft
		v.CanIssue = canUpd && status == orders.InvoiceDraft
		paid, _ := rec.Values["amount_paid"].(records.MoneyValue)
		v.CanVoid = canUpd && (status == orders.InvoiceDraft || status == orders.InvoiceIssued) && strings.Trim(paid.Amount, "0.") == ""
		v.CanPay = p.Can("payments", auth.ActCreate) && (status == orders.InvoiceIssued || status == orders.InvoicePartly)
		bal, _ := rec.Values["balance"].(records.MoneyValue)
		v.Balance = bal.Amount
		f, _ := o.Field("amount_paid")
		v.Totals = append(v.Totals, fact{Label: f.Label(pg.Lang, s.tr.T), Cell: cell{Text: mny(rec, "amount_paid")}})
		f, _ = o.Field("balance")
		v.Totals = append(v.Totals, fact{Label: f.Label(pg.Lang, s.tr.T), Cell: cell{Text: mny(rec, "balance")}})
		pf, _ := orders.Payments.Field("method")
		for _, m := range pf.Options {
			v.Methods = append(v.Methods, optionView{Value: m.Value, Label: m.Label(pg.Lang)})
		}
		if err := list("payments", "invoice_id", "object.payments", "paid_on", "amount"); err != nil {
			return nil, err
		}
	}
	if v.CanEditLines {
		v.Products = s.productOptions(r, p)
	}
	_ = fm
	return v, nil
}

// salesLines are the rows of the live lines of a deal or document.
func (s *Server) salesLines(r *http.Request, p *auth.Principal, lang, object, id string) ([]salesLine, error) {
	str := func(rc *records.Record, k string) string { v, _ := rc.Values[k].(string); return v }
	mny := func(rc *records.Record, k string) string {
		m, _ := rc.Values[k].(records.MoneyValue)
		if m.Currency == "" {
			return ""
		}
		return web.FormatMoney(lang, m.Amount, m.Currency)
	}
	page, err := s.Records.List(r.Context(), p, "line_items", records.ListQuery{Filters: []records.Filter{{Field: docField(object), Op: records.OpEq, Value: id}}, Sort: "position", Limit: records.MaxLimit})
	if err != nil {
		return nil, err
	}
	var out []salesLine
	for _, l := range page.Records {
		price, _ := l.Values["unit_price"].(records.MoneyValue)
		sl := salesLine{ID: l.ID, Name: str(l, "name"), Description: str(l, "description"), Quantity: web.FormatNumber(lang, str(l, "quantity")),
			UnitPrice: mny(l, "unit_price"), Total: mny(l, "line_total"),
			RawQuantity: str(l, "quantity"), RawPrice: price.Amount, RawDiscount: str(l, "discount_percent"), RawTax: str(l, "tax_rate"), ETag: l.ETag()}
		if u := str(l, "unit"); u != "" {
			sl.Quantity += " " + u
		}
		if pct := str(l, "discount_percent"); pct != "" && pct != "0" {
			sl.Discount = web.FormatNumber(lang, pct) + " %"
		} else if m, _ := l.Values["line_discount"].(records.MoneyValue); m.Amount != "" && strings.Trim(m.Amount, "0.") != "" {
			sl.Discount = mny(l, "line_discount")
		}
		if t := str(l, "tax_rate"); t != "" {
			sl.Tax = web.FormatNumber(lang, t) + " %"
		}
		if object == "orders" {
			shipped := str(l, "shipped_quantity")
			if shipped == "" {
				shipped = "0"
			}
			sl.Shipped = web.FormatNumber(lang, shipped)
			left := orders.Left(str(l, "quantity"), shipped)
			sl.LeftRaw, sl.Left = left, web.FormatNumber(lang, left)
		}
		out = append(out, sl)
	}
	return out, nil
}

// productOptions are the active products a line may be made from, for
// a caller who may read the catalogue.
func (s *Server) productOptions(r *http.Request, p *auth.Principal) []optionView {
	if !p.Can("products", auth.ActRead) {
		return nil
	}
	pp, err := s.Records.List(r.Context(), p, "products", records.ListQuery{Filters: []records.Filter{{Field: "active", Op: records.OpEq, Value: "true"}}, Sort: "name", Limit: records.MaxLimit})
	if err != nil {
		return nil
	}
	var out []optionView
	for _, x := range pp.Records {
		lbl, _ := x.Values["name"].(string)
		if sku, _ := x.Values["sku"].(string); sku != "" {
			lbl = sku + " · " + lbl
		}
		out = append(out, optionView{Value: x.ID, Label: lbl})
	}
	return out
}

// dealLines is the products card of a deal's page: its lines, their
// totals, and the forms that change them.
func (s *Server) dealLines(r *http.Request, p *auth.Principal, pg *web.Page, rec *records.Record) (*salesView, error) {
	if !p.Can("line_items", auth.ActRead) {
		return nil, nil
	}
	v := &salesView{Object: "deals", DocID: rec.ID, TitleKey: "orders.deal_lines.title", Back: "/o/deals/" + rec.ID}
	lines, err := s.salesLines(r, p, pg.Lang, "deals", rec.ID)
	if err != nil {
		return nil, err
	}
	v.Lines, v.HasLines = lines, len(lines) > 0
	t, _, err := s.Orders.DealTotals(r.Context(), p, rec)
	if err != nil {
		return nil, err
	}
	v.Currency = t.Currency
	if v.HasLines {
		for _, x := range []struct{ field, amount string }{{"subtotal", t.Subtotal}, {"discount_total", t.Discount}, {"tax_total", t.Tax}, {"grand_total", t.Total}} {
			f, _ := orders.Quotes.Field(x.field)
			v.Totals = append(v.Totals, fact{Label: f.Label(pg.Lang, s.tr.T), Cell: cell{Text: web.FormatMoney(pg.Lang, x.amount, t.Currency)}})
		}
	}
	if on, _ := rec.Values["amount_from_lines"].(bool); on {
		v.Hint = s.tr.T(pg.Lang, "orders.deal_lines.follows")
	} else {
		v.Hint = s.tr.T(pg.Lang, "orders.deal_lines.by_hand")
	}
	v.CanEditLines = p.Can("deals", auth.ActUpdate) && p.Can("line_items", auth.ActCreate) && rec.DeletedAt == nil
	if v.CanEditLines {
		v.Products = s.productOptions(r, p)
	}
	return v, nil
}

type overdueView struct {
	Tabs []filterChip
	Rows []salesLink
}

func (s *Server) overduePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	recs, err := s.Orders.Overdue(r.Context(), p, 0)
	if err != nil {
		return err
	}
	pg := s.newPage(r, p, s.t(r, "orders.overdue.title"), orders.Section, nil)
	fm := s.newFormatter(r, p, pg)
	fields, err := s.Records.Fields(r.Context(), s.DB, p.WorkspaceID, orders.Invoices)
	if err != nil {
		return err
	}
	fm.prefetch(fields, recs)
	v := &overdueView{Tabs: s.salesTabs(pg.Lang, p, "overdue")}
	for _, x := range recs {
		bal, _ := x.Values["balance"].(records.MoneyValue)
		due, _ := x.Values["due_date"].(string)
		acc, _ := x.Values["account_id"].(string)
		lk := salesLink{Href: "/o/invoices/" + x.ID, Title: x.Title(orders.Invoices), Amount: web.FormatMoney(pg.Lang, bal.Amount, bal.Currency), Status: fm.title("accounts", acc)}
		if t, err := time.Parse("2006-01-02", due); err == nil {
			lk.Date = web.FormatDate(pg.Lang, t, time.UTC)
		}
		v.Rows = append(v.Rows, lk)
	}
	pg.Data = v
	s.render.Page(w, r, http.StatusOK, "orders/overdue", pg)
	return nil
}

// salesTabs links the pages of the sales section: the deals board, the
// lists of deals and leads, the forecast, the documents' lists and the
// overdue invoices, those the caller may read.
func (s *Server) salesTabs(lang string, p *auth.Principal, active string) []filterChip {
	var tabs []filterChip
	if p.Can("deals", auth.ActRead) {
		tabs = append(tabs, filterChip{Label: s.tr.T(lang, "sales.tab_board"), Href: "/deals", Active: active == "board"},
			filterChip{Label: s.tr.T(lang, "sales.tab_list"), Href: "/o/deals", Active: active == "deals"})
	}
	if p.Can("leads", auth.ActRead) {
		tabs = append(tabs, filterChip{Label: s.tr.T(lang, "object.leads"), Href: "/o/leads", Active: active == "leads"})
	}
	if p.Can("deals", auth.ActRead) {
		tabs = append(tabs, filterChip{Label: s.tr.T(lang, "sales.forecast"), Href: "/forecast", Active: active == "forecast"})
	}
	for _, name := range salesLists {
		o, err := s.Records.Object(name)
		if err != nil || !p.Can(name, auth.ActRead) {
			continue
		}
		tabs = append(tabs, filterChip{Label: s.tr.T(lang, o.LabelKey), Href: "/o/" + name, Active: name == active})
	}
	if p.Can("invoices", auth.ActRead) {
		tabs = append(tabs, filterChip{Label: s.tr.T(lang, "orders.overdue.title"), Href: "/sales/overdue", Active: active == "overdue"})
	}
	return tabs
}

// checkPDF says on a document's page, instead of offering its PDF, why a
// Chinese document's PDF cannot be made: the CJK font is missing.
func (s *Server) checkPDF(v *salesView, lang string, rec *records.Record) {
	if lang, _ := rec.Values["language"].(string); lang != "zh" || s.Orders.Fonts == nil {
		return
	}
	if where := s.Orders.Fonts.CJKMissing(); where != "" {
		v.PDF, v.NoPDF = "", s.tr.T(lang, "orders.pdf_no_cjk_font", "Path", where)
	}
}

// accountSales is the sales card of an account's 360 page.
type accountSales struct {
	Facts       []salesFact
	Open        string
	NewQuote    bool
	Unconverted string // currencies left out of the totals for want of a rate
}

// salesFact is a figure in the workspace currency with, when the
// account deals in other currencies, the amounts per currency.
type salesFact struct {
	Label, Total, Detail string
}

func (s *Server) accountSales(r *http.Request, p *auth.Principal, pg *web.Page, accountID string) (*accountSales, error) {
	if !p.Can("invoices", auth.ActRead) && !p.Can("quotes", auth.ActRead) {
		return nil, nil
	}
	f, err := s.Orders.AccountFacts(r.Context(), p, accountID)
	if err != nil {
		return nil, err
	}
	join := func(as []orders.Amount) string {
		out := make([]string, len(as))
		for i, a := range as {
			out[i] = web.FormatMoney(pg.Lang, a.Amount, a.Currency)
		}
		return strings.Join(out, " · ")
	}
	fact := func(key, total string, per []orders.Amount) salesFact {
		sf := salesFact{Label: s.tr.T(pg.Lang, key), Total: "—"}
		if len(per) == 0 {
			return sf
		}
		if f.Currency == "" {
			sf.Total = join(per)
			return sf
		}
		converted := false
		for _, a := range per {
			if !slices.Contains(f.Unconverted, a.Currency) {
				converted = true
			}
		}
		if !converted {
			// Nothing could be converted: the amounts as they are, not a
			// misleading zero.
			sf.Total = join(per)
			return sf
		}
		sf.Total = web.FormatMoney(pg.Lang, total, f.Currency)
		if len(per) > 1 || per[0].Currency != f.Currency {
			sf.Detail = join(per)
		}
		return sf
	}
	v := &accountSales{NewQuote: p.Can("quotes", auth.ActCreate),
		Facts: []salesFact{
			fact("orders.c360.revenue", f.RevenueTotal, f.Revenue),
			fact("orders.c360.open_balance", f.OpenBalanceTotal, f.OpenBalance),
			fact("orders.c360.overdue", f.OverdueTotal, f.Overdue),
		},
		Open:        web.FormatNumber(pg.Lang, itoa(f.OpenQuotes)) + " · " + web.FormatNumber(pg.Lang, itoa(f.OpenOrders)) + " · " + web.FormatNumber(pg.Lang, itoa(f.OpenInvoices)),
		Unconverted: strings.Join(f.Unconverted, ", "),
	}
	return v, nil
}

// salesRow fills a timeline row of a sales document made or changing
// status.
func (s *Server) salesRow(row *timelineRow, lang string, ev *orders.Event, users map[string]string) {
	o, err := s.Records.Object(ev.Object)
	if err != nil {
		return
	}
	row.Type, row.Href, row.Who = ev.Object, "/o/"+ev.Object+"/"+ev.ID, users[ev.By]
	row.TypeLabel = s.tr.T(lang, "orders.field."+strings.TrimSuffix(ev.Object, "s"))
	row.Subject = ev.Number
	if ev.Name != "" {
		row.Subject += " · " + ev.Name
	}
	value := ev.Value
	field := ev.Field
	if field == "" {
		field = "status"
	}
	if f, ok := o.Field(field); ok {
		if opt, ok := f.Option(ev.Value); ok {
			value = opt.Label(lang)
		}
	}
	switch {
	case ev.Action == orders.EventCreated && value != "":
		row.Meta = append(row.Meta, s.tr.T(lang, "orders.timeline.created_as", "Status", value))
	case ev.Action == orders.EventCreated:
		row.Meta = append(row.Meta, s.tr.T(lang, "orders.timeline.created"))
	default:
		row.New = value
		row.Meta = append(row.Meta, s.tr.T(lang, "orders.timeline.now_"+field, "Status", value))
	}
	if ev.Amount != nil {
		row.Meta = append(row.Meta, web.FormatMoney(lang, ev.Amount.Amount, ev.Amount.Currency))
	}
}

// Columns is how many columns the lines table has, for a row that spans
// them.
func (v *salesView) Columns() int {
	n := 2
	if v.Object != "shipments" {
		n += 4
	}
	if v.Object == "orders" {
		n++
	}
	if v.CanEditLines {
		n++
	}
	return n
}
