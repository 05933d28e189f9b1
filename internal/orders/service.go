package orders

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/money"
	"github.com/rapport-crm/rapport/internal/records"
)

// Service holds the rules of the sales documents: numbering, totals,
// the quote → order → shipment → invoice → payment chain and contract
// renewals.
type Service struct {
	DB      *db.DB
	Records *records.Engine
	Now     func() time.Time
	// Fonts finds the fonts quote and invoice PDFs are set in.
	Fonts *Fonts
	// Money converts totals into the workspace currency; without it
	// figures stay per currency.
	Money *money.Service
	// WinDeal moves a deal to its pipeline's won stage inside tx, under
	// the stage's rules, and returns the stage's name; it lives with the
	// deals (internal/sales). Its invalid, forbidden, not_found and
	// conflict errors are refusals that accepting a quote reports and
	// survives. Nil leaves deals alone.
	WinDeal func(ctx context.Context, tx *db.Tx, p *auth.Principal, dealID string) (string, error)
}

// DealOutcome is what accepting a quote did to the deal it was made for:
// moved it to the won stage, or why not.
type DealOutcome struct {
	DealID string `json:"id"`
	// Won is true when the deal is in its pipeline's won stage now.
	Won   bool   `json:"won"`
	Stage string `json:"stage_name,omitempty"`
	// Reason says why the deal did not move, in English; Errors names
	// the fields the won stage requires that the deal lacks.
	Reason string            `json:"reason,omitempty"`
	Errors []errs.FieldError `json:"errors,omitempty"`
}

type outcomeKey struct{}

// winDeal moves the deal of a quote just accepted to its won stage, in a
// savepoint so that a refusal takes back nothing but the move: the order
// is made either way, and the outcome says what happened to the deal.
func (s *Service) winDeal(ctx context.Context, tx *db.Tx, p *auth.Principal, q *records.Record) error {
	dealID := str(q, "deal_id")
	if dealID == "" || s.WinDeal == nil {
		return nil
	}
	out := &DealOutcome{DealID: dealID}
	if o, ok := ctx.Value(outcomeKey{}).(**DealOutcome); ok {
		*o = out
	}
	if err := tx.Savepoint(ctx, "win_deal"); err != nil {
		return err
	}
	stage, err := s.WinDeal(ctx, tx, p, dealID)
	if err == nil {
		out.Won, out.Stage = true, stage
		return tx.Release(ctx, "win_deal")
	}
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Forbidden, errs.NotFound, errs.Conflict:
		e, _ := errs.As(err)
		out.Reason, out.Errors = e.Message, e.Fields
		switch errs.CodeOf(err) {
		case errs.NotFound:
			out.Reason = "The deal is not one you can reach."
		case errs.Forbidden:
			out.Reason = "You may not change the deal."
		}
		return tx.RollbackTo(ctx, "win_deal")
	}
	return err
}

// Register adds the objects with this service's hooks.
func (s *Service) Register(e *records.Engine) {
	hooks := map[string]records.Hooks{
		"products":           s.productHooks(),
		"price_books":        s.priceBookHooks(),
		"price_book_entries": s.entryHooks(),
		"quotes":             s.quoteHooks(),
		"orders":             s.orderHooks(),
		"contracts":          s.contractHooks(),
		"invoices":           s.invoiceHooks(),
		"payments":           s.paymentHooks(),
		"line_items":         s.lineHooks(),
		"shipments":          s.shipmentHooks(),
		"shipment_lines":     s.shipmentLineHooks(),
	}
	for _, o := range All {
		c := *o
		c.Hooks = partsFollowOwner(o.Name, hooks[o.Name])
		c.KeptBy = keptBy[o.Name]
		e.Register(&c)
	}
	// A merge of accounts or contacts moves their sales records to the
	// survivor, with a history entry on each.
	if a, err := e.Object("accounts"); err == nil {
		for _, t := range []string{"quotes", "orders", "contracts", "invoices", "payments"} {
			a.Incoming = append(a.Incoming, records.Incoming{Table: t, Column: "account_id", Object: t, Field: "account_id"})
		}
	}
	if c, err := e.Object("contacts"); err == nil {
		c.Incoming = append(c.Incoming, records.Incoming{Table: "quotes", Column: "contact_id", Object: "quotes", Field: "contact_id"})
	}
	// A document names its customer: the account stays in the trash
	// while one does.
	if a, err := e.Object("accounts"); err == nil {
		a.KeptBy = &records.KeptBy{Message: "%d quotes, orders, contracts, invoices or payments still name this account (some may be in the trash); it is kept until they are deleted."}
		for _, t := range []string{"quotes", "orders", "contracts", "invoices", "payments"} {
			a.KeptBy.Refs = append(a.KeptBy.Refs, records.Ref{Table: t, Column: "account_id"})
		}
	}
}

// keptBy are the documents that keep a sales record from being purged
// from the trash (records.KeptBy): a payment is money received and
// needs its invoice, a shipment is goods sent and needs its order and
// the order's lines it carried. Every other link to a purged record is
// cleared, or its parts deleted, by migrations 0010 and 0012.
var keptBy = map[string]*records.KeptBy{
	"invoices": {Refs: []records.Ref{{Table: "payments", Column: "invoice_id"}},
		Message: "%d payments are still recorded against this invoice (some may be in the trash); it is kept until they are deleted."},
	"orders": {Refs: []records.Ref{{Table: "shipments", Column: "order_id"}},
		Message: "%d shipments still belong to this order (some may be in the trash); it is kept until they are deleted."},
	"line_items": {Refs: []records.Ref{{Table: "shipment_lines", Column: "line_item_id"}},
		Message: "%d shipment lines still ship this line (some may be in the trash); it is kept until they are deleted."},
}

func str(r *records.Record, name string) string {
	if r == nil {
		return ""
	}
	s, _ := r.Values[name].(string)
	return s
}

func moneyOf(r *records.Record, name string) records.MoneyValue {
	if r == nil {
		return records.MoneyValue{}
	}
	m, _ := r.Values[name].(records.MoneyValue)
	return m
}

func (s *Service) today() string { return s.Now().UTC().Format("2006-01-02") }

// nextNumber hands out the next document number of kind in a workspace,
// inside tx so a rolled-back document gives its number back.
func nextNumber(ctx context.Context, tx *db.Tx, ws, kind, prefix string) (string, error) {
	var n int64
	err := tx.QueryRow(ctx, `INSERT INTO sales_counters (workspace_id, kind, last) VALUES (?, ?, 1)
ON CONFLICT (workspace_id, kind) DO UPDATE SET last = sales_counters.last + 1 RETURNING last`, ws, kind).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("next %s number: %w", kind, err)
	}
	return fmt.Sprintf("%s-%05d", prefix, n), nil
}

func numbered(kind, prefix string) func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
	return func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
		n, err := nextNumber(ctx, tx, p.WorkspaceID, kind, prefix)
		if err != nil {
			return err
		}
		r.Values["number"] = n
		return nil
	}
}

// parent loads a record a child belongs to, in tx, and checks that the
// caller may change it: a child is part of its parent.
func (s *Service) parent(ctx context.Context, tx *db.Tx, p *auth.Principal, object, id, loc string) (*records.Record, error) {
	r, err := s.Records.GetTx(ctx, tx, p, object, id)
	if err != nil {
		if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Forbidden) {
			return nil, errs.Field(loc, "must be a record you can reach")
		}
		return nil, err
	}
	if !p.Can(object, auth.ActUpdate) {
		return nil, errs.E(errs.Forbidden, "You may not change %s.", object)
	}
	return r, nil
}

func immutable(old, r *records.Record, names ...string) error {
	for _, n := range names {
		if str(old, n) != str(r, n) {
			return errs.Field("body."+n, "cannot be changed once set")
		}
	}
	return nil
}

func upperCurrency(r *records.Record) {
	if c := str(r, "currency"); c != "" {
		r.Values["currency"] = strings.ToUpper(c)
	}
}

func zeroTotals(r *records.Record, names ...string) {
	c := str(r, "currency")
	zero, _ := Round("0", c)
	for _, n := range names {
		r.Values[n] = records.MoneyValue{Amount: zero, Currency: c}
	}
}

var docTotalNames = []string{"subtotal", "discount_total", "tax_total", "grand_total"}

// --- products and price books ---

func (s *Service) productHooks() records.Hooks {
	return records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			if _, ok := r.Values["active"]; !ok {
				r.Values["active"] = true
			}
			return checkRate(r, "tax_rate")
		},
		BeforeUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			return checkRate(r, "tax_rate")
		},
	}
}

func checkRate(r *records.Record, name string) error {
	v := str(r, name)
	if v == "" {
		return nil
	}
	x, ok := parseAmount(v)
	if !ok || x.Sign() < 0 || x.Cmp(hundred) > 0 {
		return errs.Field("body."+name, "must be between 0 and 100")
	}
	return nil
}

func (s *Service) priceBookHooks() records.Hooks {
	return records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			upperCurrency(r)
			if _, ok := r.Values["active"]; !ok {
				r.Values["active"] = true
			}
			return nil
		},
		BeforeUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			upperCurrency(r)
			if str(old, "currency") != str(r, "currency") {
				var n int
				if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM price_book_entries WHERE workspace_id = ? AND price_book_id = ? AND deleted_at IS NULL", p.WorkspaceID, r.ID).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					return errs.Field("body.currency", "cannot change while the price book has prices")
				}
			}
			return nil
		},
	}
}

func (s *Service) entryHooks() records.Hooks {
	before := func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
		book, err := s.parent(ctx, tx, p, "price_books", str(r, "price_book_id"), "body.price_book_id")
		if err != nil {
			return err
		}
		r.OwnerID = book.OwnerID
		if old != nil {
			if err := immutable(old, r, "price_book_id"); err != nil {
				return err
			}
		}
		price := moneyOf(r, "unit_price")
		if price.Currency != str(book, "currency") {
			return errs.Field("body.unit_price", "must be in the price book's currency, "+str(book, "currency"))
		}
		if a, _ := parseAmount(price.Amount); a.Sign() < 0 {
			return errs.Field("body.unit_price", "must not be negative")
		}
		prod, err := s.Records.GetTx(ctx, tx, p, "products", str(r, "product_id"))
		if err != nil {
			return errs.Field("body.product_id", "must be a product you can reach")
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM price_book_entries WHERE workspace_id = ? AND price_book_id = ? AND product_id = ? AND deleted_at IS NULL AND id <> ?",
			p.WorkspaceID, book.ID, prod.ID, r.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.Field("body.product_id", "already has a price in this price book")
		}
		r.Values["name"] = str(book, "name") + " · " + str(prod, "name")
		return nil
	}
	return records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return before(ctx, tx, p, nil, r)
		},
		BeforeUpdate: before,
	}
}

// --- line items and document totals ---

// docParents are the records a line item may belong to, by the field
// that names them: a deal (its products) or a document.
var docParents = []struct{ field, object string }{{"deal_id", "deals"}, {"quote_id", "quotes"}, {"order_id", "orders"}, {"invoice_id", "invoices"}}

// parentColumn is the line_items column that names a parent of object.
var parentColumn = map[string]string{"deals": "deal_id", "quotes": "quote_id", "orders": "order_id", "invoices": "invoice_id"}

// lineParent returns the document a line belongs to.
func (s *Service) lineParent(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) (*records.Record, string, error) {
	var object, id, field string
	n := 0
	for _, dp := range docParents {
		if v := str(r, dp.field); v != "" {
			object, id, field = dp.object, v, dp.field
			n++
		}
	}
	if n != 1 {
		return nil, "", errs.Field("body.quote_id", "a line belongs to exactly one deal, quote, order or invoice: give one of deal_id, quote_id, order_id, invoice_id")
	}
	doc, err := s.parent(ctx, tx, p, object, id, "body."+field)
	if err != nil {
		return nil, "", err
	}
	return doc, object, nil
}

// editable says whether a document's lines may change.
func editable(object string, doc *records.Record) string {
	switch object {
	case "quotes":
		if st := str(doc, "status"); st != QuoteDraft {
			return "the quote is no longer a draft: make a new revision to change its lines"
		}
	case "orders":
		if str(doc, "status") != OrderOpen {
			return "the order is no longer open"
		}
		if str(doc, "fulfilment") != Unfulfilled {
			return "the order has shipments: its lines stay as shipped"
		}
	case "invoices":
		if str(doc, "status") != InvoiceDraft {
			return "the invoice is issued: void it and make a new one to change its lines"
		}
	}
	return ""
}

func (s *Service) lineHooks() records.Hooks {
	before := func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
		if old != nil {
			if err := immutable(old, r, "deal_id", "quote_id", "order_id", "invoice_id"); err != nil {
				return err
			}
		}
		doc, object, err := s.lineParent(ctx, tx, p, r)
		if err != nil {
			return err
		}
		if msg := editable(object, doc); msg != "" {
			return errs.E(errs.Conflict, "%s", msg)
		}
		r.OwnerID = doc.OwnerID
		cur, whose := str(doc, "currency"), "the document's currency"
		if object == "deals" {
			if cur, err = s.dealCurrency(ctx, tx, p.WorkspaceID, doc, r.ID); err != nil {
				return err
			}
			whose = "the deal's currency"
		}
		if pid := str(r, "product_id"); pid != "" && (old == nil || str(old, "product_id") != pid) {
			prod, err := s.Records.GetTx(ctx, tx, p, "products", pid)
			if err != nil {
				return errs.Field("body.product_id", "must be a product you can reach")
			}
			if str(r, "name") == "" {
				r.Values["name"] = str(prod, "name")
			}
			if str(r, "unit") == "" && str(prod, "unit") != "" {
				r.Values["unit"] = str(prod, "unit")
			}
			if _, ok := r.Values["tax_rate"]; !ok && str(prod, "tax_rate") != "" {
				r.Values["tax_rate"] = str(prod, "tax_rate")
			}
			if _, ok := r.Values["unit_price"]; !ok {
				if price, ok, err := s.priceOf(ctx, tx, p.WorkspaceID, str(doc, "price_book_id"), prod, cur); err != nil {
					return err
				} else if ok {
					r.Values["unit_price"] = price
				}
			}
		}
		if str(r, "name") == "" {
			return errs.Field("body.name", "is required (or give a product_id)")
		}
		price, ok := r.Values["unit_price"].(records.MoneyValue)
		if !ok {
			return errs.Field("body.unit_price", "is required (the product has no price in "+cur+")")
		}
		if price.Currency != cur {
			return errs.Field("body.unit_price", "must be in "+whose+", "+cur)
		}
		disc := moneyOf(r, "discount_amount")
		if disc.Currency != "" && disc.Currency != cur {
			return errs.Field("body.discount_amount", "must be in "+whose+", "+cur)
		}
		t, err := Line{Quantity: str(r, "quantity"), UnitPrice: price.Amount, DiscountPercent: str(r, "discount_percent"),
			DiscountAmount: disc.Amount, TaxRate: str(r, "tax_rate"), Currency: cur}.Compute()
		if err != nil {
			return err
		}
		r.Values["line_subtotal"] = records.MoneyValue{Amount: t.Subtotal, Currency: cur}
		r.Values["line_discount"] = records.MoneyValue{Amount: t.Discount, Currency: cur}
		r.Values["line_tax"] = records.MoneyValue{Amount: t.Tax, Currency: cur}
		r.Values["line_total"] = records.MoneyValue{Amount: t.Total, Currency: cur}
		if _, ok := r.Values["position"]; !ok {
			var max sql.NullInt64
			if err := tx.QueryRow(ctx, "SELECT MAX(position) FROM line_items WHERE workspace_id = ? AND "+parentColumn[object]+" = ?", p.WorkspaceID, doc.ID).Scan(&max); err != nil {
				return fmt.Errorf("line position: %w", err)
			}
			r.Values["position"] = max.Int64 + 1
		}
		return nil
	}
	after := func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
		if id := str(r, "deal_id"); id != "" {
			return s.recomputeDeal(ctx, tx, p.WorkspaceID, p.UserID, id, moneyOf(r, "unit_price").Currency)
		}
		for _, dp := range docParents {
			if id := str(r, dp.field); id != "" {
				return s.recomputeDoc(ctx, tx, p.WorkspaceID, p.UserID, dp.object, id)
			}
		}
		return nil
	}
	guard := func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
		doc, object, err := s.lineParent(ctx, tx, p, r)
		if err != nil {
			return err
		}
		if msg := editable(object, doc); msg != "" {
			return errs.E(errs.Conflict, "%s", msg)
		}
		return nil
	}
	// A deal's line restored must still be in the currency of the deal's
	// other lines.
	restorable := func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
		id := str(r, "deal_id")
		if id == "" {
			return nil
		}
		deal, err := s.Records.GetTx(ctx, tx, p, "deals", id)
		if err != nil {
			return err
		}
		cur, err := s.dealCurrency(ctx, tx, p.WorkspaceID, deal, r.ID)
		if err != nil {
			return err
		}
		if c := moneyOf(r, "unit_price").Currency; c != cur {
			return errs.E(errs.Conflict, "The line is in %s and the deal's other lines are in %s.", c, cur)
		}
		return nil
	}
	return records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return before(ctx, tx, p, nil, r)
		},
		BeforeUpdate: before,
		AfterCreate:  after,
		AfterUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			return after(ctx, tx, p, r)
		},
		BeforeDelete: guard,
		AfterDelete:  after,
		AfterRestore: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			if err := guard(ctx, tx, p, r); err != nil {
				return err
			}
			if err := restorable(ctx, tx, p, r); err != nil {
				return err
			}
			return after(ctx, tx, p, r)
		},
	}
}

// priceOf finds a product's unit price in currency: from the price
// book when it has one, else the product's list price when it is in
// that currency.
func (s *Service) priceOf(ctx context.Context, tx *db.Tx, ws, book string, prod *records.Record, cur string) (records.MoneyValue, bool, error) {
	if book != "" {
		var a, c sql.NullString
		err := tx.QueryRow(ctx, "SELECT unit_price_amount, unit_price_currency FROM price_book_entries WHERE workspace_id = ? AND price_book_id = ? AND product_id = ? AND deleted_at IS NULL",
			ws, book, prod.ID).Scan(&a, &c)
		if err != nil && !errs.Is(db.MapError(err), errs.NotFound) && err != sql.ErrNoRows {
			return records.MoneyValue{}, false, fmt.Errorf("price book price: %w", err)
		}
		if err == nil && c.String == cur {
			return records.MoneyValue{Amount: a.String, Currency: c.String}, true, nil
		}
	}
	if lp := moneyOf(prod, "list_price"); lp.Currency == cur {
		return lp, true, nil
	}
	return records.MoneyValue{}, false, nil
}

// recomputeDoc sets a document's totals to the sums of its live lines,
// and for an invoice its balance.
func (s *Service) recomputeDoc(ctx context.Context, tx *db.Tx, ws, by, object, id string) error {
	col := parentColumn[object]
	var cur string
	if err := tx.QueryRow(ctx, "SELECT currency FROM "+object+" WHERE workspace_id = ? AND id = ?", ws, id).Scan(&cur); err != nil {
		return fmt.Errorf("document currency: %w", err)
	}
	lines, err := lineTotals(ctx, tx, ws, col, id)
	if err != nil {
		return fmt.Errorf("document lines: %w", err)
	}
	t := Sum(cur, lines)
	q := "UPDATE " + object + ` SET subtotal_amount = ?, subtotal_currency = ?, discount_total_amount = ?, discount_total_currency = ?,
tax_total_amount = ?, tax_total_currency = ?, grand_total_amount = ?, grand_total_currency = ?, version = version + 1 WHERE workspace_id = ? AND id = ?`
	if _, err := tx.Exec(ctx, q, t.Subtotal, cur, t.Discount, cur, t.Tax, cur, t.Total, cur, ws, id); err != nil {
		return fmt.Errorf("document totals: %w", err)
	}
	if object == "invoices" {
		return s.recomputePaid(ctx, tx, ws, by, id)
	}
	return nil
}

// --- quotes ---

type reviseKey struct{}

func (s *Service) workspaceDefaults(ctx context.Context, q db.Querier, ws string) (lang, currency string) {
	_ = q.QueryRow(ctx, "SELECT language, currency FROM workspaces WHERE id = ?", ws).Scan(&lang, &currency)
	if lang != "es" && lang != "zh" {
		lang = "en"
	}
	return lang, currency
}

func (s *Service) quoteHooks() records.Hooks {
	return records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			upperCurrency(r)
			if prev, ok := ctx.Value(reviseKey{}).(*records.Record); ok {
				r.Values["number"] = str(prev, "number")
				rev, _ := prev.Values["revision"].(int64)
				r.Values["revision"] = rev + 1
				r.Values["previous_id"] = prev.ID
			} else {
				n, err := nextNumber(ctx, tx, p.WorkspaceID, "quote", "Q")
				if err != nil {
					return err
				}
				r.Values["number"] = n
				r.Values["revision"] = int64(1)
			}
			if str(r, "status") == "" {
				r.Values["status"] = QuoteDraft
			}
			if st := str(r, "status"); st != QuoteDraft && st != QuoteSent {
				return errs.Field("body.status", "a new quote is a draft or sent")
			}
			if str(r, "issued_on") == "" {
				r.Values["issued_on"] = s.today()
			}
			if str(r, "valid_until") == "" {
				r.Values["valid_until"] = s.Now().UTC().AddDate(0, 0, 30).Format("2006-01-02")
			}
			if err := s.docLanguage(ctx, tx, p, r); err != nil {
				return err
			}
			if err := s.checkBook(ctx, tx, p, r); err != nil {
				return err
			}
			zeroTotals(r, docTotalNames...)
			return nil
		},
		BeforeUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			upperCurrency(r)
			ost, st := str(old, "status"), str(r, "status")
			if ost == QuoteAccepted || ost == QuoteSuperseded {
				for _, f := range []string{"name", "account_id", "currency", "status", "valid_until", "terms", "price_book_id", "contact_id", "language"} {
					if str(old, f) != str(r, f) {
						return errs.Field("body."+f, "cannot change: the quote is "+ost)
					}
				}
			}
			if st == QuoteSuperseded && ost != QuoteSuperseded {
				return errs.Field("body.status", "a quote is superseded by making a new revision")
			}
			if str(old, "currency") != str(r, "currency") && hasLines(ctx, tx, p.WorkspaceID, "quote_id", r.ID) {
				return errs.Field("body.currency", "cannot change while the quote has lines")
			}
			if st == QuoteAccepted && ost != QuoteAccepted {
				if !hasLines(ctx, tx, p.WorkspaceID, "quote_id", r.ID) {
					return errs.Field("body.status", "a quote without lines cannot be accepted")
				}
				if vu := str(r, "valid_until"); vu != "" && vu < s.today() {
					return errs.Field("body.status", "the quote expired on "+vu+": make a new revision")
				}
			}
			if str(old, "price_book_id") != str(r, "price_book_id") {
				if err := s.checkBook(ctx, tx, p, r); err != nil {
					return err
				}
			}
			return nil
		},
		AfterUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			if str(r, "status") == QuoteAccepted && str(old, "status") != QuoteAccepted {
				if _, err := s.orderFromQuote(ctx, tx, p, r); err != nil {
					return err
				}
				// The deal it was made for is won; rejecting quotes does
				// nothing to a deal, which may get another.
				return s.winDeal(ctx, tx, p, r)
			}
			return nil
		},
	}
}

func hasLines(ctx context.Context, tx *db.Tx, ws, col, id string) bool {
	var n int
	_ = tx.QueryRow(ctx, "SELECT COUNT(*) FROM line_items WHERE workspace_id = ? AND "+col+" = ? AND deleted_at IS NULL", ws, id).Scan(&n)
	return n > 0
}

// docLanguage picks a document's language when none is given: the
// contact's, when it is one PDFs are made in, else the workspace's.
func (s *Service) docLanguage(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
	if str(r, "language") != "" {
		return nil
	}
	if cid := str(r, "contact_id"); cid != "" {
		var lang sql.NullString
		_ = tx.QueryRow(ctx, "SELECT language FROM contacts WHERE workspace_id = ? AND id = ?", p.WorkspaceID, cid).Scan(&lang)
		if lang.String == "en" || lang.String == "es" || lang.String == "zh" {
			r.Values["language"] = lang.String
			return nil
		}
	}
	lang, _ := s.workspaceDefaults(ctx, tx, p.WorkspaceID)
	r.Values["language"] = lang
	return nil
}

func (s *Service) checkBook(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
	id := str(r, "price_book_id")
	if id == "" {
		return nil
	}
	var cur string
	if err := tx.QueryRow(ctx, "SELECT currency FROM price_books WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id).Scan(&cur); err != nil {
		return errs.Field("body.price_book_id", "must be a price book of this workspace")
	}
	if cur != str(r, "currency") {
		return errs.Field("body.price_book_id", "must be a price book in the quote's currency, "+str(r, "currency"))
	}
	return nil
}

// copyLines copies a document's live lines to another document.
func (s *Service) copyLines(ctx context.Context, tx *db.Tx, p *auth.Principal, fromCol, fromID, toCol, toID string) error {
	o, _ := s.Records.Object("line_items")
	rows, err := tx.Query(ctx, "SELECT id FROM line_items WHERE workspace_id = ? AND "+fromCol+" = ? AND deleted_at IS NULL ORDER BY position, created_at", p.WorkspaceID, fromID)
	if err != nil {
		return fmt.Errorf("copy lines: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id any
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, db.IDText(id))
	}
	rows.Close()
	for _, id := range ids {
		l, err := s.Records.GetTx(ctx, tx, p, "line_items", id)
		if err != nil {
			return err
		}
		in := records.Input{toCol: toID}
		for _, f := range []string{"position", "product_id", "name", "description", "quantity", "unit", "unit_price", "discount_percent", "discount_amount", "tax_rate"} {
			if v, ok := l.Values[f]; ok {
				in[f] = v
			}
		}
		if _, err := s.Records.CreateTx(ctx, tx, p, o, in); err != nil {
			return fmt.Errorf("copy line: %w", err)
		}
	}
	return nil
}

// Revise makes the next revision of a quote: a draft with the same
// number and a copy of its lines; the quote it replaces is superseded.
func (s *Service) Revise(ctx context.Context, p *auth.Principal, id string) (*records.Record, error) {
	if !p.Can("quotes", auth.ActCreate) || !p.Can("quotes", auth.ActUpdate) {
		return nil, errs.E(errs.Forbidden, "You may not revise quotes.")
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	old, err := s.Records.GetTx(ctx, tx, p, "quotes", id)
	if err != nil {
		return nil, err
	}
	switch str(old, "status") {
	case QuoteAccepted, QuoteSuperseded:
		return nil, errs.E(errs.Conflict, "The quote is %s; only open quotes get new revisions.", str(old, "status"))
	}
	o, _ := s.Records.Object("quotes")
	in := records.Input{"owner_id": old.OwnerID}
	for _, f := range []string{"name", "account_id", "contact_id", "deal_id", "price_book_id", "currency", "language", "terms", "notes"} {
		if v, ok := old.Values[f]; ok {
			in[f] = v
		}
	}
	nr, err := s.Records.CreateTx(context.WithValue(ctx, reviseKey{}, old), tx, p, o, in)
	if err != nil {
		return nil, err
	}
	if err := s.copyLines(ctx, tx, p, "quote_id", old.ID, "quote_id", nr.ID); err != nil {
		return nil, err
	}
	if err := s.setStatus(ctx, tx, p, "quotes", old, QuoteSuperseded); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Records.Get(ctx, p, "quotes", nr.ID, records.GetOptions{})
}

// setStatus changes a status the system decides, with a history entry,
// bypassing the read-only rules clients are held to.
func (s *Service) setStatus(ctx context.Context, tx *db.Tx, p *auth.Principal, object string, r *records.Record, status string) error {
	if str(r, "status") == status {
		return nil
	}
	if _, err := tx.Exec(ctx, "UPDATE "+object+" SET status = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE workspace_id = ? AND id = ?",
		status, db.T(s.Now()), nullID(p.UserID), p.WorkspaceID, r.ID); err != nil {
		return fmt.Errorf("set %s status: %w", object, err)
	}
	return records.NoteChangeTx(ctx, tx, p.WorkspaceID, p.UserID, object, r.ID, "status", str(r, "status"), status, s.Now())
}

func nullID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

type fromQuoteKey struct{}

// Accept accepts a quote, which makes its order, and moves the deal the
// quote was made for to its won stage. It answers with the order and,
// for a quote of a deal, what became of the deal: a stage rule that
// refuses the move leaves the deal where it was without undoing the
// acceptance.
func (s *Service) Accept(ctx context.Context, p *auth.Principal, id, ifMatch string) (*records.Record, *DealOutcome, error) {
	cur, err := s.Records.Get(ctx, p, "quotes", id, records.GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	if st := str(cur, "status"); st != QuoteDraft && st != QuoteSent {
		return nil, nil, errs.E(errs.Conflict, "The quote is %s; only a draft or sent quote is accepted.", st)
	}
	var deal *DealOutcome
	q, err := s.Records.Update(context.WithValue(ctx, outcomeKey{}, &deal), p, "quotes", id, ifMatch, records.Input{"status": QuoteAccepted})
	if err != nil {
		return nil, nil, err
	}
	oid := str(q, "order_id")
	if oid == "" {
		var v any
		if err := s.DB.QueryRow(ctx, "SELECT order_id FROM quotes WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id).Scan(&v); err != nil {
			return nil, nil, err
		}
		oid = db.IDText(v)
	}
	ord, err := s.Records.Get(ctx, p, "orders", oid, records.GetOptions{})
	return ord, deal, err
}

// orderFromQuote makes the order of an accepted quote, with its lines.
func (s *Service) orderFromQuote(ctx context.Context, tx *db.Tx, p *auth.Principal, q *records.Record) (*records.Record, error) {
	o, _ := s.Records.Object("orders")
	in := records.Input{"account_id": str(q, "account_id"), "currency": str(q, "currency"), "name": str(q, "name"), "owner_id": q.OwnerID}
	ord, err := s.Records.CreateTx(context.WithValue(ctx, fromQuoteKey{}, q.ID), tx, p, o, in)
	if err != nil {
		return nil, fmt.Errorf("order from quote: %w", err)
	}
	if err := s.copyLines(ctx, tx, p, "quote_id", q.ID, "order_id", ord.ID); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, "UPDATE quotes SET order_id = ?, accepted_at = ? WHERE workspace_id = ? AND id = ?", ord.ID, db.T(s.Now()), p.WorkspaceID, q.ID); err != nil {
		return nil, fmt.Errorf("link order: %w", err)
	}
	return ord, nil
}

// --- orders and shipments ---

func (s *Service) orderHooks() records.Hooks {
	return records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			upperCurrency(r)
			if err := numbered("order", "SO")(ctx, tx, p, r); err != nil {
				return err
			}
			if qid, ok := ctx.Value(fromQuoteKey{}).(string); ok {
				r.Values["quote_id"] = qid
			}
			if str(r, "status") == "" {
				r.Values["status"] = OrderOpen
			}
			r.Values["fulfilment"] = Unfulfilled
			if str(r, "order_date") == "" {
				r.Values["order_date"] = s.today()
			}
			zeroTotals(r, docTotalNames...)
			return s.checkContract(ctx, tx, p, r)
		},
		BeforeUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			upperCurrency(r)
			if str(old, "currency") != str(r, "currency") && hasLines(ctx, tx, p.WorkspaceID, "order_id", r.ID) {
				return errs.Field("body.currency", "cannot change while the order has lines")
			}
			if str(old, "account_id") != str(r, "account_id") && str(old, "quote_id") != "" {
				return errs.Field("body.account_id", "comes from the accepted quote")
			}
			return s.checkContract(ctx, tx, p, r)
		},
	}
}

func (s *Service) checkContract(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
	cid := str(r, "contract_id")
	if cid == "" {
		return nil
	}
	var acc any
	if err := tx.QueryRow(ctx, "SELECT account_id FROM contracts WHERE workspace_id = ? AND id = ?", p.WorkspaceID, cid).Scan(&acc); err != nil || db.IDText(acc) != str(r, "account_id") {
		return errs.Field("body.contract_id", "must be a contract of the same account")
	}
	return nil
}

func shipmentStatus(r *records.Record) string {
	switch {
	case str(r, "delivered_on") != "":
		return Delivered
	case str(r, "shipped_on") != "":
		return Shipped
	}
	return ShipmentPending
}

func (s *Service) shipmentHooks() records.Hooks {
	before := func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
		if old != nil {
			if err := immutable(old, r, "order_id"); err != nil {
				return err
			}
		}
		ord, err := s.parent(ctx, tx, p, "orders", str(r, "order_id"), "body.order_id")
		if err != nil {
			return err
		}
		if old == nil && str(ord, "status") != OrderOpen {
			return errs.Field("body.order_id", "must be an open order")
		}
		r.OwnerID = ord.OwnerID
		if d, sh := str(r, "delivered_on"), str(r, "shipped_on"); d != "" && (sh == "" || d < sh) {
			return errs.Field("body.delivered_on", "must be on or after the shipping date")
		}
		r.Values["status"] = shipmentStatus(r)
		return nil
	}
	after := func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
		return s.recomputeFulfilment(ctx, tx, p.WorkspaceID, p.UserID, str(r, "order_id"))
	}
	return records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			if err := numbered("shipment", "SH")(ctx, tx, p, r); err != nil {
				return err
			}
			return before(ctx, tx, p, nil, r)
		},
		BeforeUpdate: before,
		AfterCreate:  after,
		AfterUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			return after(ctx, tx, p, r)
		},
		AfterDelete:  after,
		AfterRestore: after,
	}
}

func (s *Service) shipmentLineHooks() records.Hooks {
	before := func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
		if old != nil {
			if err := immutable(old, r, "shipment_id", "line_item_id"); err != nil {
				return err
			}
		}
		sh, err := s.parent(ctx, tx, p, "shipments", str(r, "shipment_id"), "body.shipment_id")
		if err != nil {
			return err
		}
		r.OwnerID = sh.OwnerID
		var orderID, name, qty sql.NullString
		var oid any
		err = tx.QueryRow(ctx, "SELECT order_id, name, quantity FROM line_items WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL", p.WorkspaceID, str(r, "line_item_id")).Scan(&oid, &name, &qty)
		orderID.String = db.IDText(oid)
		if err != nil || orderID.String != str(sh, "order_id") {
			return errs.Field("body.line_item_id", "must be a line of the shipment's order")
		}
		q, _ := parseAmount(str(r, "quantity"))
		if q.Sign() <= 0 {
			return errs.Field("body.quantity", "must be more than 0")
		}
		shipped, err := s.shippedQuantity(ctx, tx, p.WorkspaceID, str(r, "line_item_id"), r.ID)
		if err != nil {
			return err
		}
		ordered, _ := parseAmount(qty.String)
		if left := new(big.Rat).Sub(ordered, shipped); q.Cmp(left) > 0 {
			return errs.Field("body.quantity", "is more than is left to ship of this line ("+trimRat(left)+")")
		}
		r.Values["name"] = name.String
		return nil
	}
	after := func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
		var oid any
		if err := tx.QueryRow(ctx, "SELECT order_id FROM shipments WHERE workspace_id = ? AND id = ?", p.WorkspaceID, str(r, "shipment_id")).Scan(&oid); err != nil {
			return err
		}
		return s.recomputeFulfilment(ctx, tx, p.WorkspaceID, p.UserID, db.IDText(oid))
	}
	return records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			return before(ctx, tx, p, nil, r)
		},
		BeforeUpdate: before,
		AfterCreate:  after,
		AfterUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			return after(ctx, tx, p, r)
		},
		AfterDelete: after,
		AfterRestore: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			// Restoring must not ship more than was ordered.
			shipped, err := s.shippedQuantity(ctx, tx, p.WorkspaceID, str(r, "line_item_id"), "")
			if err != nil {
				return err
			}
			var qty sql.NullString
			if err := tx.QueryRow(ctx, "SELECT quantity FROM line_items WHERE workspace_id = ? AND id = ?", p.WorkspaceID, str(r, "line_item_id")).Scan(&qty); err != nil {
				return err
			}
			if ordered, _ := parseAmount(qty.String); shipped.Cmp(ordered) > 0 {
				return errs.E(errs.Conflict, "Restoring this would ship more than was ordered.")
			}
			return after(ctx, tx, p, r)
		},
	}
}

func trimRat(r *big.Rat) string {
	s := r.FloatString(10)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// shippedQuantity is how much of an order line live shipments carry,
// leaving out the shipment line except.
func (s *Service) shippedQuantity(ctx context.Context, tx *db.Tx, ws, lineID, except string) (*big.Rat, error) {
	rows, err := tx.Query(ctx, `SELECT sl.quantity FROM shipment_lines sl JOIN shipments sh ON sh.workspace_id = sl.workspace_id AND sh.id = sl.shipment_id
WHERE sl.workspace_id = ? AND sl.line_item_id = ? AND sl.deleted_at IS NULL AND sh.deleted_at IS NULL AND sl.id <> ?`, ws, lineID, nullSafe(except))
	if err != nil {
		return nil, fmt.Errorf("shipped quantity: %w", err)
	}
	defer rows.Close()
	total := new(big.Rat)
	for rows.Next() {
		var q sql.NullString
		if err := rows.Scan(&q); err != nil {
			return nil, err
		}
		if x, ok := parseAmount(q.String); ok {
			total.Add(total, x)
		}
	}
	return total, rows.Err()
}

// nullSafe turns an empty id into one no row has, for "id <> ?".
func nullSafe(id string) string {
	if id == "" {
		return "00000000-0000-0000-0000-000000000000"
	}
	return id
}

// recomputeFulfilment sets each order line's shipped quantity and the
// order's fulfilment from its live shipments.
func (s *Service) recomputeFulfilment(ctx context.Context, tx *db.Tx, ws, by, orderID string) error {
	rows, err := tx.Query(ctx, "SELECT id, quantity FROM line_items WHERE workspace_id = ? AND order_id = ? AND deleted_at IS NULL", ws, orderID)
	if err != nil {
		return fmt.Errorf("order lines: %w", err)
	}
	type line struct {
		id  string
		qty *big.Rat
	}
	var lines []line
	for rows.Next() {
		var id any
		var q sql.NullString
		if err := rows.Scan(&id, &q); err != nil {
			rows.Close()
			return err
		}
		x, _ := parseAmount(q.String)
		lines = append(lines, line{db.IDText(id), x})
	}
	rows.Close()
	anyShipped, allShipped := false, len(lines) > 0
	for _, l := range lines {
		shipped, err := s.shippedQuantity(ctx, tx, ws, l.id, "")
		if err != nil {
			return err
		}
		if shipped.Sign() > 0 {
			anyShipped = true
		}
		if shipped.Cmp(l.qty) < 0 {
			allShipped = false
		}
		if _, err := tx.Exec(ctx, "UPDATE line_items SET shipped_quantity = ? WHERE workspace_id = ? AND id = ?", trimRat(shipped), ws, l.id); err != nil {
			return fmt.Errorf("shipped quantity: %w", err)
		}
	}
	// Delivered when everything shipped and every shipment that carries
	// something has arrived.
	var undelivered int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM shipments WHERE workspace_id = ? AND order_id = ? AND deleted_at IS NULL AND delivered_on IS NULL
AND EXISTS (SELECT 1 FROM shipment_lines sl WHERE sl.workspace_id = shipments.workspace_id AND sl.shipment_id = shipments.id AND sl.deleted_at IS NULL)`, ws, orderID).Scan(&undelivered); err != nil {
		return fmt.Errorf("undelivered shipments: %w", err)
	}
	f := Unfulfilled
	switch {
	case allShipped && undelivered == 0:
		f = Delivered
	case allShipped:
		f = Shipped
	case anyShipped:
		f = Partial
	}
	var was string
	if err := tx.QueryRow(ctx, "SELECT fulfilment FROM orders WHERE workspace_id = ? AND id = ?", ws, orderID).Scan(&was); err != nil {
		return fmt.Errorf("order fulfilment: %w", err)
	}
	if was == f {
		return nil
	}
	if _, err := tx.Exec(ctx, "UPDATE orders SET fulfilment = ? WHERE workspace_id = ? AND id = ?", f, ws, orderID); err != nil {
		return fmt.Errorf("order fulfilment: %w", err)
	}
	return records.NoteChangeTx(ctx, tx, ws, by, "orders", orderID, "fulfilment", was, f, s.Now())
}

// ShipItem is one order line and how much of it a shipment carries.
type ShipItem struct {
	LineItemID string `json:"line_item_id"`
	Quantity   string `json:"quantity"`
}

// ShipInput is a shipment with its items, made in one step.
type ShipInput struct {
	Carrier        string     `json:"carrier,omitempty"`
	TrackingNumber string     `json:"tracking_number,omitempty"`
	ShippedOn      string     `json:"shipped_on,omitempty"`
	Items          []ShipItem `json:"items"`
}

// Ship makes a shipment of an order with its items in one transaction.
func (s *Service) Ship(ctx context.Context, p *auth.Principal, orderID string, in ShipInput) (*records.Record, error) {
	if !p.Can("shipments", auth.ActCreate) || !p.Can("shipment_lines", auth.ActCreate) {
		return nil, errs.E(errs.Forbidden, "You may not create shipments.")
	}
	if len(in.Items) == 0 {
		return nil, errs.Field("body.items", "must list at least one line and quantity")
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	so, _ := s.Records.Object("shipments")
	sin := records.Input{"order_id": orderID}
	if in.Carrier != "" {
		sin["carrier"] = in.Carrier
	}
	if in.TrackingNumber != "" {
		sin["tracking_number"] = in.TrackingNumber
	}
	if in.ShippedOn != "" {
		sin["shipped_on"] = in.ShippedOn
	}
	sh, err := s.Records.CreateTx(ctx, tx, p, so, sin)
	if err != nil {
		if e, ok := err.(*errs.Error); ok && len(e.Fields) > 0 && e.Fields[0].Location == "body.order_id" {
			return nil, errs.ErrNotFound
		}
		return nil, err
	}
	lo, _ := s.Records.Object("shipment_lines")
	n := 0
	for i, it := range in.Items {
		if strings.TrimSpace(it.Quantity) == "" || it.Quantity == "0" {
			continue
		}
		if _, err := s.Records.CreateTx(ctx, tx, p, lo, records.Input{"shipment_id": sh.ID, "line_item_id": it.LineItemID, "quantity": it.Quantity}); err != nil {
			return nil, relocate(err, fmt.Sprintf("body.items[%d]", i))
		}
		n++
	}
	if n == 0 {
		return nil, errs.Field("body.items", "must ship a quantity of at least one line")
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Records.Get(ctx, p, "shipments", sh.ID, records.GetOptions{})
}

// relocate moves field errors of a nested record under prefix.
func relocate(err error, prefix string) error {
	e, ok := err.(*errs.Error)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	fe := make([]errs.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		fe[i] = errs.FieldError{Location: prefix + "." + strings.TrimPrefix(f.Location, "body."), Message: f.Message}
	}
	return errs.Fields(fe)
}
