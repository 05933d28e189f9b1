package demo

import (
	"context"
	"encoding/json"
	"fmt"
	mathbig "math/big"
	"slices"
	"time"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/match"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// The sales objects, loaded after the customers: the workspace's sales
// settings (pipelines, the catalogue, exchange rates, quotas, document
// counters) in one transaction, then leads, deals with their quotes,
// contracts, and orders with their shipments, invoices and payments in
// chunks, with what the application writes beside each record: history,
// search terms (leads and deals), deal contacts and stage history, and
// document totals, fulfilment and balances that follow from the lines,
// shipments and payments.

// salesCtx is what the sales builders share: the workspace's language
// and the ids of the pipeline stages.
type salesCtx struct {
	ws    string
	lang  int // the workspace language's index (en, es, zh)
	base  string
	owner func(account int) string
}

func (sc *salesCtx) stageID(p, s int) string { return ID(sc.ws, "pipeline_stages", p*16+s) }

func mv(m Money) records.MoneyValue {
	return records.MoneyValue{Amount: m.Amount, Currency: m.Currency}
}

func ts(t int64) string { return db.T(time.Unix(t, 0)) }

func tsOrNil(t int64) any {
	if t == 0 {
		return nil
	}
	return ts(t)
}

// loadSalesSetup writes the pipelines and stages, products, price books
// and their entries, exchange rates, the owners' quotas and the document
// counters.
func loadSalesSetup(ctx context.Context, d *db.DB, g *Generator, opt LoadOptions, sc *salesCtx) (int, error) {
	c := g.Config()
	if c.Deals == 0 && c.Leads == 0 && c.Orders == 0 && c.Contracts == 0 {
		return 0, nil
	}
	ws, admin := opt.Workspace, opt.Owners[0]
	at := time.Unix(c.Now-activitySpan-30*daySec, 0)
	created := db.T(at)
	pipes := newTable("pipelines", "", "id", "workspace_id", "name", "position", "is_default", "created_at", "updated_at")
	stages := newTable("pipeline_stages", "", "id", "workspace_id", "pipeline_id", "name", "position", "probability", "is_won", "is_lost", "required_fields", "created_at")
	for p, def := range pipelineDefs {
		pid := ID(ws, "pipelines", p)
		pipes.add(pid, ws, def.names[sc.lang], p, p == 0, created, created)
		for s, st := range def.stages {
			req, _ := json.Marshal(append([]string{}, st.required...))
			stages.add(sc.stageID(p, s), ws, pid, st.names[sc.lang], s, st.probability, st.won, st.lost, string(req), created)
		}
	}
	hist := historyTable()
	prods := newTable("products", "", append(append([]string{}, recordCols...), "sku", "name", "description", "unit", "tax_rate", "list_price_amount", "list_price_currency", "active")...)
	for i := range c.Products {
		p := g.Product(i)
		id := ID(ws, "products", i)
		prods.add(id, ws, admin, created, admin, created, admin, 1, "{}", p.SKU, p.Name, p.Description, p.Unit, p.TaxRate, p.ListPrice.Amount, p.ListPrice.Currency, p.Active)
		addHistory(hist, ws, "products", id, admin, at, map[string]any{"sku": p.SKU, "name": p.Name, "unit": p.Unit, "tax_rate": p.TaxRate, "list_price": mv(p.ListPrice), "active": p.Active})
	}
	books := newTable("price_books", "", append(append([]string{}, recordCols...), "name", "currency", "segment", "active", "description")...)
	entries := newTable("price_book_entries", "", append(append([]string{}, recordCols...), "price_book_id", "product_id", "name", "unit_price_amount", "unit_price_currency")...)
	for _, b := range g.PriceBooks() {
		bid := ID(ws, "price_books", b.Index)
		books.add(bid, ws, admin, created, admin, created, admin, 1, "{}", b.Name, b.Currency, b.Segment, true, nz(b.Description))
		addHistory(hist, ws, "price_books", bid, admin, at, map[string]any{"name": b.Name, "currency": b.Currency, "segment": b.Segment, "active": true})
		for p := range c.Products {
			eid := ID(ws, "price_book_entries", b.Index*100000+p)
			price := g.PriceBookEntry(b.Index, p)
			name := b.Name + " · " + g.Product(p).Name
			entries.add(eid, ws, admin, created, admin, created, admin, 1, "{}", bid, ID(ws, "products", p), name, price.Amount, price.Currency)
			addHistory(hist, ws, "price_book_entries", eid, admin, at, map[string]any{"price_book_id": bid, "product_id": ID(ws, "products", p), "unit_price": mv(price)})
		}
	}
	rates := newTable("exchange_rates", "", "id", "workspace_id", "currency", "day", "rate", "created_at", "created_by")
	for k, r := range g.ExchangeRates(sc.base) {
		rates.add(ID(ws, "exchange_rates", k), ws, r.Currency, r.Day, r.Rate, created, admin)
	}
	// Quotas: about what each owner wins a month, from a year ago to a
	// year ahead, in the workspace currency.
	quotas := newTable("sales_quotas", "", "id", "workspace_id", "user_id", "month", "amount", "created_at")
	if c.Deals > 0 {
		perMonth := float64(c.Deals) / 36 * 0.35 * 12000 / float64(len(opt.Owners))
		if k := currencyIndex(sc.base); k >= 0 {
			perMonth /= currencyDefs[k].usdPer
		}
		amount := fmt.Sprintf("%d", max(1000, int64(perMonth/1000)*1000))
		now := time.Unix(c.Now, 0).UTC()
		first := time.Date(now.Year()-1, now.Month(), 1, 0, 0, 0, 0, time.UTC)
		for u, owner := range opt.Owners {
			for m := range 24 {
				quotas.add(ID(ws, "sales_quotas", u*100+m), ws, owner, first.AddDate(0, m, 0).Format("2006-01"), amount, created)
			}
		}
	}
	// Lead scoring rules, in the order they were entered.
	rules := newTable("lead_score_rules", "", "id", "workspace_id", "kind", "field", "operator", "value", "points", "position", "created_at")
	if c.Leads > 0 {
		for k, r := range g.ScoreRules() {
			rules.add(ID(ws, "lead_score_rules", k), ws, r.Kind, r.Field, r.Operator, r.Value, r.Points, r.Position, created)
		}
	}
	// The document numbers handed out next follow the loaded ones; the
	// contracts' invoices are numbered after the orders'.
	ctrInv := g.ContractInvoiceBase(c.Contracts)
	counters := newTable("sales_counters", "", "workspace_id", "kind", "last")
	for kind, last := range map[string]int{"quote": c.Deals, "order": c.Orders, "invoice": c.Orders + ctrInv, "shipment": 2 * c.Orders, "payment": 2*c.Orders + ctrInv, "contract": c.Contracts} {
		if last > 0 {
			counters.add(ws, kind, last)
		}
	}
	tx, err := d.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows := 0
	for _, t := range []*table{pipes, stages, prods, books, entries, rates, quotas, rules, counters, hist} {
		n, err := t.flush(ctx, tx)
		if err != nil {
			return 0, err
		}
		rows += n
	}
	return rows, tx.Commit()
}

func currencyIndex(code string) int {
	for k, c := range currencyDefs {
		if c.code == code {
			return k
		}
	}
	return -1
}

func buildLeads(g *Generator, opt LoadOptions, sc *salesCtx, lo, hi int) *chunk {
	ws := opt.Workspace
	leads := newTable("leads", "", append(append([]string{}, recordCols...), "given_name", "family_name", "name", "company", "job_title", "email", "phone", "website", "industry",
		"country", "city", "source", "campaign", "status", "disqualify_reason", "score", "score_reasons", "converted_at", "account_id", "contact_id", "deal_id", "description")...)
	hist := historyTable()
	ix := newIndexTables()
	rules := g.ScoreRules()
	for i := lo; i < hi; i++ {
		l := g.Lead(i)
		id := ID(ws, "leads", i)
		owner := opt.Owners[i%len(opt.Owners)]
		var acc, con, deal any
		if l.DealIndex >= 0 {
			acc, con, deal = ID(ws, "accounts", l.AccountIndex), ID(ws, "contacts", l.ContactIndex), ID(ws, "deals", l.DealIndex)
			owner = sc.owner(l.AccountIndex)
		}
		email := ""
		if e, err := match.NormalizeEmail(l.Email); err == nil {
			email = e
		}
		// Converted leads were last changed by their conversion.
		updated := l.At
		if l.ConvertedAt != 0 {
			updated = l.ConvertedAt
		}
		// Scored as the application scores the lead's stored values (the
		// demo's leads have no activities of their own).
		score, reasons := sales.ScoreLead(rules, map[string]any{"company": l.Company, "job_title": l.JobTitle, "email": email, "phone": l.Phone, "website": l.Website,
			"industry": l.Industry, "country": l.Country, "city": l.City, "source": l.Source, "campaign": l.Campaign, "status": l.Status}, nil)
		leads.add(id, ws, owner, ts(l.At), owner, ts(updated), owner, 1, "{}", nz(l.Given), nz(l.Family), l.Name, nz(l.Company), nz(l.JobTitle), nz(email), nz(l.Phone),
			nz(l.Website), nz(l.Industry), nz(l.Country), nz(l.City), nz(l.Source), nz(l.Campaign), l.Status, nz(l.DisqualifyReason), score, nz(reasons), tsOrNil(l.ConvertedAt), acc, con, deal, nz(l.Descr))
		r := &records.Record{ID: id, Values: map[string]any{"given_name": l.Given, "family_name": l.Family, "name": l.Name, "company": l.Company, "email": email,
			"city": l.City, "country": l.Country, "source": l.Source, "status": l.Status, "industry": l.Industry}}
		addHistory(hist, ws, "leads", id, owner, time.Unix(l.At, 0), r.Values)
		ix.add(ws, "leads", id, sales.LeadDoc(r), nil)
	}
	return &chunk{tables: append([]*table{leads, hist}, ix.all()...), n: hi - lo}
}

func lineTable() *table {
	return newTable("line_items", "", append(append([]string{}, recordCols...), "name", "quote_id", "order_id", "invoice_id", "position", "product_id", "quantity", "unit",
		"unit_price_amount", "unit_price_currency", "discount_percent", "tax_rate", "line_subtotal_amount", "line_subtotal_currency", "line_discount_amount", "line_discount_currency",
		"line_tax_amount", "line_tax_currency", "line_total_amount", "line_total_currency", "shipped_quantity")...)
}

// addLines writes a document's lines; parent is "quote_id", "order_id"
// or "invoice_id" and kind the id kind of its lines.
func addLines(t, hist *table, ws, owner, kind, parent, docID string, doc int, at int64, cur string, ls []LineItem, shipped []string) {
	for j, l := range ls {
		id := ID(ws, kind, doc*8+j)
		var q, o, inv, sq any
		switch parent {
		case "quote_id":
			q = docID
		case "order_id":
			o = docID
			if shipped != nil {
				sq = shipped[j]
			}
		default:
			inv = docID
		}
		pid := ID(ws, "products", l.Product)
		t.add(id, ws, owner, ts(at), owner, ts(at), owner, 1, "{}", l.Name, q, o, inv, j+1, pid, l.Quantity, nz(l.Unit), l.UnitPrice, cur, nz(l.DiscountPercent), l.TaxRate,
			l.Totals.Subtotal, cur, l.Totals.Discount, cur, l.Totals.Tax, cur, l.Totals.Total, cur, sq)
		addHistory(hist, ws, "line_items", id, owner, time.Unix(at, 0), map[string]any{parent: docID, "position": j + 1, "product_id": pid, "quantity": l.Quantity,
			"unit_price": records.MoneyValue{Amount: l.UnitPrice, Currency: cur}, "discount_percent": nilIfEmpty(l.DiscountPercent), "tax_rate": l.TaxRate,
			"line_total": records.MoneyValue{Amount: l.Totals.Total, Currency: cur}})
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var docTotalCols = []string{"subtotal_amount", "subtotal_currency", "discount_total_amount", "discount_total_currency", "tax_total_amount", "tax_total_currency", "grand_total_amount", "grand_total_currency"}

func buildDeals(g *Generator, opt LoadOptions, sc *salesCtx, lo, hi int) *chunk {
	ws := opt.Workspace
	deals := newTable("deals", "", append(append([]string{}, recordCols...), "name", "account_id", "amount_amount", "amount_currency", "close_date", "pipeline_id", "stage_id", "stage_name",
		"probability", "status", "forecast_category", "closed_at", "stage_entered_at", "loss_reason", "competitors", "next_step", "source", "lead_id", "description")...)
	contacts := newTable("deal_contacts", "", "workspace_id", "deal_id", "contact_id", "role")
	visits := newTable("deal_stage_history", "", "id", "workspace_id", "deal_id", "stage_id", "stage_name", "entered_at", "left_at", "entered_by")
	quotes := newTable("quotes", "", append(append(append([]string{}, recordCols...), "number", "revision", "name", "account_id", "contact_id", "price_book_id", "deal_id", "currency", "language",
		"status", "valid_until", "issued_on", "terms"), append(append([]string{}, docTotalCols...), "order_id", "accepted_at", "previous_id")...)...)
	lines := lineTable()
	acts, links := activityTables()
	actDeals := newTable("activity_deals", "", "workspace_id", "activity_id", "deal_id")
	hist := historyTable()
	ix := newIndexTables()
	nq, nl, na := 0, 0, 0
	for i := lo; i < hi; i++ {
		dl := g.Deal(i)
		id := ID(ws, "deals", i)
		owner := sc.owner(dl.AccountIndex)
		def := &pipelineDefs[dl.Pipeline]
		st := &def.stages[dl.Stage]
		acc := ID(ws, "accounts", dl.AccountIndex)
		var lead any
		if dl.LeadIndex >= 0 {
			lead = ID(ws, "leads", dl.LeadIndex)
		}
		entered := dl.Visits[len(dl.Visits)-1].At
		deals.add(id, ws, owner, ts(dl.At), owner, ts(entered), owner, 1, "{}", dl.Name, acc, dl.Amount.Amount, dl.Amount.Currency, dl.CloseDate, ID(ws, "pipelines", dl.Pipeline),
			sc.stageID(dl.Pipeline, dl.Stage), st.names[sc.lang], dl.Probability, dl.Status, dl.ForecastCategory, tsOrNil(dl.ClosedAt), ts(entered), nz(dl.LossReason),
			nz(dl.Competitors), nz(dl.NextStep), nz(dl.Source), lead, nz(dl.Description))
		contacts.add(ws, id, ID(ws, "contacts", dl.ContactIndex), dl.ContactRole)
		for j, v := range dl.Visits {
			var left any
			if j+1 < len(dl.Visits) {
				left = ts(dl.Visits[j+1].At)
			}
			visits.add(ID(ws, "deal_stage_history", i*8+j), ws, id, sc.stageID(dl.Pipeline, v.Stage), def.stages[v.Stage].names[sc.lang], ts(v.At), left, owner)
		}
		r := &records.Record{ID: id, Values: map[string]any{"name": dl.Name, "account_id": acc, "contact_ids": []string{ID(ws, "contacts", dl.ContactIndex)},
			"amount": mv(dl.Amount), "close_date": dl.CloseDate, "stage_id": sc.stageID(dl.Pipeline, dl.Stage), "status": dl.Status, "probability": dl.Probability,
			"competitors": dl.Competitors, "source": dl.Source}}
		addHistory(hist, ws, "deals", id, owner, time.Unix(dl.At, 0), r.Values)
		ix.add(ws, "deals", id, sales.DealDoc(r), nil)
		con := ID(ws, "contacts", dl.ContactIndex)
		for _, a := range g.DealActivities(&dl) {
			aid := ID(ws, "deal_activities", i*4+a.Index)
			at := time.Unix(a.At, 0)
			var dir, dur, outcome, start, end any
			switch a.Type {
			case actCall:
				dir, dur, outcome = a.Direction, a.DurationSec, a.Outcome
			case actMeeting:
				start, end = db.T(at), db.T(at.Add(time.Duration(a.DurationSec)*time.Second))
			}
			acts.add(aid, ws, owner, db.T(at), owner, db.T(at), owner, 1, "{}", string(a.Type), a.Subject, nz(a.Body), db.T(at), nil, nil, nil, nil, nil, dir, dur, outcome, start, end)
			links.add(ws, aid, acc, nil, db.T(at), nil)
			links.add(ws, aid, nil, con, db.T(at), nil)
			actDeals.add(ws, aid, id)
			addHistory(hist, ws, "activities", aid, owner, at, map[string]any{"type": string(a.Type), "subject": a.Subject, "occurred_at": at.UTC().Format(time.RFC3339),
				"account_ids": []string{acc}, "contact_ids": []string{con}, "deal_ids": []string{id}})
			na++
		}
		q, ok := g.Quote(i)
		if !ok {
			continue
		}
		qid := ID(ws, "quotes", i)
		var order any
		if q.OrderIndex >= 0 {
			order = ID(ws, "orders", q.OrderIndex)
		}
		cur := q.Currency
		t := q.Totals
		// A quote is made sent (or draft); accepting, rejecting or
		// expiring it is a change of its status.
		initial := q.Status
		var cs []change
		switch q.Status {
		case "accepted":
			initial, cs = "sent", []change{{"status", "sent", "accepted", q.AcceptedAt, false}}
		case "rejected":
			initial, cs = "sent", []change{{"status", "sent", "rejected", dl.ClosedAt, false}}
		case "expired":
			initial, cs = "sent", []change{{"status", "sent", "expired", min(dayStart(q.ValidUntil)+daySec, g.c.Now), true}}
		}
		updated := lastChange(q.At, cs)
		var prev any
		if first, ok := g.QuoteRevision(i); ok {
			// The first revision, superseded when the second was made.
			pid := ID(ws, "quotes", g.c.Deals+i)
			ft := first.Totals
			fcs := []change{{"status", "sent", first.Status, q.At, false}}
			quotes.add(pid, ws, owner, ts(first.At), owner, ts(q.At), owner, 1, "{}", first.Number, first.Revision, first.Name, acc, ID(ws, "contacts", first.ContactIndex),
				ID(ws, "price_books", first.PriceBook), id, cur, first.Language, first.Status, first.ValidUntil, first.IssuedOn, first.Terms,
				ft.Subtotal, cur, ft.Discount, cur, ft.Tax, cur, ft.Total, cur, nil, nil, nil)
			addHistory(hist, ws, "quotes", pid, owner, time.Unix(first.At, 0), map[string]any{"number": first.Number, "revision": first.Revision, "name": first.Name,
				"account_id": acc, "deal_id": id, "currency": cur, "status": "sent", "valid_until": first.ValidUntil, "grand_total": records.MoneyValue{Amount: ft.Total, Currency: cur}})
			addChanges(hist, ws, "quotes", pid, owner, fcs)
			addLines(lines, hist, ws, owner, "quote_lines", "quote_id", pid, g.c.Deals+i, first.At, cur, first.Lines, nil)
			nq++
			nl += len(first.Lines)
			prev = pid
		}
		quotes.add(qid, ws, owner, ts(q.At), owner, ts(updated), owner, 1, "{}", q.Number, q.Revision, q.Name, acc, ID(ws, "contacts", q.ContactIndex), ID(ws, "price_books", q.PriceBook), id,
			cur, q.Language, q.Status, q.ValidUntil, q.IssuedOn, q.Terms, t.Subtotal, cur, t.Discount, cur, t.Tax, cur, t.Total, cur, order, tsOrNil(q.AcceptedAt), prev)
		addHistory(hist, ws, "quotes", qid, owner, time.Unix(q.At, 0), map[string]any{"number": q.Number, "revision": q.Revision, "previous_id": prev, "name": q.Name,
			"account_id": acc, "deal_id": id, "currency": cur, "status": initial, "valid_until": q.ValidUntil, "grand_total": records.MoneyValue{Amount: t.Total, Currency: cur}})
		addChanges(hist, ws, "quotes", qid, owner, cs)
		addLines(lines, hist, ws, owner, "quote_lines", "quote_id", qid, i, q.At, cur, q.Lines, nil)
		nq++
		nl += len(q.Lines)
	}
	return &chunk{tables: []*table{deals, contacts, visits, acts, links, actDeals, quotes, lines, hist, ix.terms, ix.vocab, ix.keys, ix.sets}, n: hi - lo,
		counts: map[string]int{"quotes": nq, "line_items": nl, "deal_activities": na}}
}

func buildContracts(g *Generator, opt LoadOptions, sc *salesCtx, lo, hi int) *chunk {
	ws := opt.Workspace
	cts := newTable("contracts", "", append(append([]string{}, recordCols...), "number", "name", "account_id", "start_date", "end_date", "value_amount", "value_currency", "terms",
		"status", "renewal_date", "reminder_days")...)
	hist := historyTable()
	invs, lines, pays := invoiceTable(), lineTable(), paymentTable()
	counts := map[string]int{}
	base := g.ContractInvoiceBase(lo)
	for i := lo; i < hi; i++ {
		c := g.Contract(i)
		id := ID(ws, "contracts", i)
		owner := sc.owner(c.AccountIndex)
		acc := ID(ws, "accounts", c.AccountIndex)
		// A contract is entered as a draft, made active when it starts,
		// and expires after its end (the renewal job) or is terminated.
		var cs []change
		if c.Status != "draft" {
			start := min(dayStart(c.StartDate), g.c.Now)
			cs = append(cs, change{"status", "draft", "active", start, false})
			end := min(dayStart(c.EndDate)+daySec, g.c.Now)
			switch c.Status {
			case "expired":
				cs = append(cs, change{"status", "active", "expired", end, true})
			case "terminated":
				cs = append(cs, change{"status", "active", "terminated", start + (end-start)/2, false})
			}
		}
		updated := lastChange(c.At, cs)
		cts.add(id, ws, owner, ts(c.At), owner, ts(updated), owner, 1, "{}", c.Number, c.Name, acc, c.StartDate, c.EndDate, c.Value.Amount, c.Value.Currency, c.Terms,
			c.Status, c.EndDate, 30)
		addHistory(hist, ws, "contracts", id, owner, time.Unix(c.At, 0), map[string]any{"number": c.Number, "name": c.Name, "account_id": acc, "start_date": c.StartDate,
			"end_date": c.EndDate, "value": mv(c.Value), "status": "draft", "renewal_date": c.EndDate, "reminder_days": 30})
		addChanges(hist, ws, "contracts", id, owner, cs)
		// Its quarters' invoices, each with its line and payment.
		for _, inv := range g.ContractInvoices(i, base) {
			doc := g.c.Orders + inv.Seq
			iid := ID(ws, "invoices", doc)
			cur, t := c.Value.Currency, inv.Totals
			iat := min(dayStart(inv.IssueDate), g.c.Now)
			var ics []change
			for _, p := range inv.Payments {
				ics = append(ics, change{"status", "issued", "paid", min(max(dayStart(p.PaidOn), iat), g.c.Now), true})
			}
			invs.add(iid, ws, owner, ts(iat), owner, ts(lastChange(iat, ics)), owner, 1, "{}", inv.Number, acc, nil, id, inv.PeriodStart, inv.PeriodEnd, inv.IssueDate, inv.DueDate,
				cur, inv.Language, inv.Status, t.Subtotal, cur, t.Discount, cur, t.Tax, cur, t.Total, cur, inv.AmountPaid, cur, inv.Balance, cur)
			addHistory(hist, ws, "invoices", iid, owner, time.Unix(iat, 0), map[string]any{"number": inv.Number, "account_id": acc, "contract_id": id,
				"period_start": inv.PeriodStart, "period_end": inv.PeriodEnd, "issue_date": inv.IssueDate, "due_date": inv.DueDate, "currency": cur, "status": "issued",
				"grand_total": records.MoneyValue{Amount: t.Total, Currency: cur}})
			addChanges(hist, ws, "invoices", iid, owner, ics)
			l := inv.Line
			lid := ID(ws, "invoice_lines", doc*8)
			lines.add(lid, ws, owner, ts(iat), owner, ts(iat), owner, 1, "{}", l.Name, nil, nil, iid, 1, nil, l.Quantity, nil, l.UnitPrice, cur, nil, nil,
				l.Totals.Subtotal, cur, l.Totals.Discount, cur, l.Totals.Tax, cur, l.Totals.Total, cur, nil)
			addHistory(hist, ws, "line_items", lid, owner, time.Unix(iat, 0), map[string]any{"invoice_id": iid, "position": 1, "quantity": l.Quantity,
				"unit_price": records.MoneyValue{Amount: l.UnitPrice, Currency: cur}, "line_total": records.MoneyValue{Amount: l.Totals.Total, Currency: cur}})
			for _, p := range inv.Payments {
				pid := ID(ws, "payments", 2*g.c.Orders+inv.Seq)
				at := min(max(dayStart(p.PaidOn), iat), g.c.Now)
				pays.add(pid, ws, owner, ts(at), owner, ts(at), owner, 1, "{}", p.Number, iid, acc, p.Amount, cur, p.Method, p.PaidOn, nz(p.Reference))
				addHistory(hist, ws, "payments", pid, owner, time.Unix(at, 0), map[string]any{"number": p.Number, "invoice_id": iid, "account_id": acc,
					"amount": records.MoneyValue{Amount: p.Amount, Currency: cur}, "method": p.Method, "paid_on": p.PaidOn})
				counts["payments"]++
			}
			counts["contract_invoices"]++
			counts["line_items"]++
			base++
		}
	}
	return &chunk{tables: []*table{cts, invs, lines, pays, hist}, n: hi - lo, counts: counts}
}

// invoiceTable holds invoices, of orders or of contract periods.
func invoiceTable() *table {
	return newTable("invoices", "", append(append(append([]string{}, recordCols...), "number", "account_id", "order_id", "contract_id", "period_start", "period_end", "issue_date", "due_date",
		"currency", "language", "status"), append(append([]string{}, docTotalCols...), "amount_paid_amount", "amount_paid_currency", "balance_amount", "balance_currency")...)...)
}

func paymentTable() *table {
	return newTable("payments", "", append(append([]string{}, recordCols...), "number", "invoice_id", "account_id", "amount_amount", "amount_currency", "method", "paid_on", "reference")...)
}

func buildOrders(g *Generator, opt LoadOptions, sc *salesCtx, lo, hi int) *chunk {
	ws := opt.Workspace
	ords := newTable("orders", "", append(append(append([]string{}, recordCols...), "number", "name", "account_id", "quote_id", "contract_id", "currency", "order_date", "status", "fulfilment"), docTotalCols...)...)
	lines := lineTable()
	ships := newTable("shipments", "", append(append([]string{}, recordCols...), "number", "order_id", "carrier", "tracking_number", "status", "shipped_on", "delivered_on")...)
	shipLines := newTable("shipment_lines", "", append(append([]string{}, recordCols...), "name", "shipment_id", "line_item_id", "quantity")...)
	invs, pays := invoiceTable(), paymentTable()
	hist := historyTable()
	counts := map[string]int{}
	for i := lo; i < hi; i++ {
		o := g.Order(i)
		id := ID(ws, "orders", i)
		owner := sc.owner(o.AccountIndex)
		acc := ID(ws, "accounts", o.AccountIndex)
		cur := o.Currency
		var quote, contract any
		if o.QuoteIndex >= 0 {
			quote = ID(ws, "quotes", o.QuoteIndex)
		}
		if o.ContractIndex >= 0 {
			contract = ID(ws, "contracts", o.ContractIndex)
		}
		t := o.Totals
		cs := g.orderChanges(&o)
		ords.add(id, ws, owner, ts(o.At), owner, ts(lastChange(o.At, cs)), owner, 1, "{}", o.Number, nz(o.Name), acc, quote, contract, cur, o.OrderDate, o.Status, o.Fulfilment,
			t.Subtotal, cur, t.Discount, cur, t.Tax, cur, t.Total, cur)
		addHistory(hist, ws, "orders", id, owner, time.Unix(o.At, 0), map[string]any{"number": o.Number, "account_id": acc, "quote_id": quote, "contract_id": contract,
			"currency": cur, "order_date": o.OrderDate, "status": "open", "fulfilment": "unfulfilled", "grand_total": records.MoneyValue{Amount: t.Total, Currency: cur}})
		addChanges(hist, ws, "orders", id, owner, cs)
		addLines(lines, hist, ws, owner, "order_lines", "order_id", id, i, o.At, cur, o.Lines, o.Shipped)
		counts["line_items"] += len(o.Lines)
		for k, sh := range o.Shipments {
			sid := ID(ws, "shipments", 2*i+k)
			status := "shipped"
			if sh.DeliveredOn != "" {
				status = "delivered"
			}
			at := min(dayStart(sh.ShippedOn), g.c.Now)
			var scs []change
			if sh.DeliveredOn != "" {
				scs = []change{{"status", "shipped", "delivered", max(min(dayStart(sh.DeliveredOn), g.c.Now), at), false}}
			}
			ships.add(sid, ws, owner, ts(at), owner, ts(lastChange(at, scs)), owner, 1, "{}", sh.Number, id, sh.Carrier, sh.Tracking, status, sh.ShippedOn, nz(sh.DeliveredOn))
			addHistory(hist, ws, "shipments", sid, owner, time.Unix(at, 0), map[string]any{"number": sh.Number, "order_id": id, "carrier": sh.Carrier,
				"tracking_number": sh.Tracking, "shipped_on": sh.ShippedOn, "status": "shipped"})
			addChanges(hist, ws, "shipments", sid, owner, scs)
			for j, sl := range sh.Lines {
				lid := ID(ws, "shipment_lines", (2*i+k)*8+j)
				line := ID(ws, "order_lines", i*8+sl.Line)
				shipLines.add(lid, ws, owner, ts(at), owner, ts(at), owner, 1, "{}", o.Lines[sl.Line].Name, sid, line, sl.Quantity)
				addHistory(hist, ws, "shipment_lines", lid, owner, time.Unix(at, 0), map[string]any{"shipment_id": sid, "line_item_id": line, "quantity": sl.Quantity})
			}
			counts["shipments"]++
		}
		inv := o.Invoice
		iid := ID(ws, "invoices", i)
		iat := min(max(dayStart(inv.IssueDate), o.At), g.c.Now)
		ics, initial := g.invoiceChanges(&o, iat)
		invs.add(iid, ws, owner, ts(iat), owner, ts(lastChange(iat, ics)), owner, 1, "{}", inv.Number, acc, id, contract, nil, nil, inv.IssueDate, inv.DueDate, cur, inv.Language, inv.Status,
			t.Subtotal, cur, t.Discount, cur, t.Tax, cur, t.Total, cur, inv.AmountPaid, cur, inv.Balance, cur)
		addHistory(hist, ws, "invoices", iid, owner, time.Unix(iat, 0), map[string]any{"number": inv.Number, "account_id": acc, "order_id": id, "issue_date": inv.IssueDate,
			"due_date": inv.DueDate, "currency": cur, "status": initial, "grand_total": records.MoneyValue{Amount: t.Total, Currency: cur}})
		addChanges(hist, ws, "invoices", iid, owner, ics)
		addLines(lines, hist, ws, owner, "invoice_lines", "invoice_id", iid, i, iat, cur, o.Lines, nil)
		counts["line_items"] += len(o.Lines)
		for k, p := range inv.Payments {
			pid := ID(ws, "payments", 2*i+k)
			at := min(max(dayStart(p.PaidOn), iat), g.c.Now)
			pays.add(pid, ws, owner, ts(at), owner, ts(at), owner, 1, "{}", p.Number, iid, acc, p.Amount, cur, p.Method, p.PaidOn, nz(p.Reference))
			addHistory(hist, ws, "payments", pid, owner, time.Unix(at, 0), map[string]any{"number": p.Number, "invoice_id": iid, "account_id": acc,
				"amount": records.MoneyValue{Amount: p.Amount, Currency: cur}, "method": p.Method, "paid_on": p.PaidOn})
			counts["payments"]++
		}
	}
	return &chunk{tables: []*table{ords, invs, lines, ships, shipLines, pays, hist}, n: hi - lo, counts: counts}
}

// change is a change of a record's status after its creation, for its
// history: the timeline shows a document's status changes from there.
type change struct {
	field, old, new string
	at              int64
	system          bool // made by the application (fulfilment, paid, expired), not a user
}

// lastChange is when a record created at was last changed.
func lastChange(at int64, cs []change) int64 {
	for _, c := range cs {
		at = max(at, c.at)
	}
	return at
}

// addChanges writes the history rows of a record's changes, in order:
// their ids are the record's with a marker, as the creation's.
func addChanges(t *table, ws, object, id, owner string, cs []change) {
	if len(cs) > 9 {
		panic("demo: more than 9 changes of " + object + " " + id)
	}
	for k, c := range cs {
		hid := id[:24] + string(rune('1'+k)) + id[25:]
		var by any = owner
		if c.system {
			by = nil
		}
		ov, _ := json.Marshal(c.old)
		nv, _ := json.Marshal(c.new)
		t.add(hid, ws, object, id, hid, "update", c.field, string(ov), string(nv), ts(c.at), by, "demo")
	}
}

// orderChanges are an order's fulfilment and status changes, in time
// order: each shipment sent, the last one delivered, then completed or
// cancelled by its owner.
func (g *Generator) orderChanges(o *Order) []change {
	var cs []change
	if o.Status == "cancelled" {
		return []change{{"status", "open", "cancelled", min(o.At+3600, g.c.Now), false}}
	}
	sent := make([]int64, len(o.Shipments))
	var delivered int64
	for k, sh := range o.Shipments {
		sent[k] = min(dayStart(sh.ShippedOn), g.c.Now)
		if sh.DeliveredOn != "" {
			delivered = max(delivered, min(dayStart(sh.DeliveredOn), g.c.Now))
		}
	}
	slices.Sort(sent)
	f := "unfulfilled"
	for k, at := range sent {
		next := "partial"
		if k == len(sent)-1 && o.Fulfilment != "partial" {
			next = "shipped"
		}
		if next != f {
			cs = append(cs, change{"fulfilment", f, next, at, true})
			f = next
		}
	}
	if o.Fulfilment == "delivered" {
		delivered = max(delivered, sent[len(sent)-1])
		cs = append(cs, change{"fulfilment", f, "delivered", delivered, true})
	}
	if o.Status == "completed" {
		at := delivered
		for _, p := range o.Invoice.Payments {
			at = max(at, min(dayStart(p.PaidOn), g.c.Now))
		}
		cs = append(cs, change{"status", "open", "completed", at, false})
	}
	return cs
}

// invoiceChanges are an invoice's status changes, issued at: voided
// with its cancelled order, or partly paid and paid by its payments.
// initial is its status when made.
func (g *Generator) invoiceChanges(o *Order, at int64) (cs []change, initial string) {
	inv := &o.Invoice
	switch inv.Status {
	case "draft":
		return nil, "draft"
	case "void":
		return []change{{"status", "issued", "void", min(at+3600, g.c.Now), false}}, "issued"
	}
	total, _ := new(mathbig.Rat).SetString(o.Totals.Total)
	paid := new(mathbig.Rat)
	st := "issued"
	for _, p := range inv.Payments {
		a, _ := new(mathbig.Rat).SetString(p.Amount)
		paid.Add(paid, a)
		next := "partially_paid"
		if paid.Cmp(total) >= 0 {
			next = "paid"
		}
		if next != st {
			cs = append(cs, change{"status", st, next, min(max(dayStart(p.PaidOn), at), g.c.Now), true})
			st = next
		}
	}
	return cs, "issued"
}

// dayStart is 9:00 UTC of a day written 2006-01-02: when a dated thing
// was entered.
func dayStart(day string) int64 {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return 0
	}
	return t.Add(9 * time.Hour).Unix()
}

// loadSetup writes what the records refer to, before them: the tags and
// the sales teams the owners are spread over, named in the workspace
// language.
func loadSetup(ctx context.Context, d *db.DB, opt LoadOptions, now time.Time, lang int) (int, error) {
	ws, admin := opt.Workspace, opt.Owners[0]
	at := now.Add(-time.Duration(activitySpan+60*daySec) * time.Second)
	created := db.T(at)
	tags := newTable("tags", "", "id", "workspace_id", "owner_id", "created_at", "created_by", "updated_at", "updated_by", "version", "custom", "name", "color")
	hist := historyTable()
	for k, t := range tagDefs {
		id := ID(ws, "tags", k)
		tags.add(id, ws, admin, created, admin, created, admin, 1, "{}", t.names[lang], t.color)
		addHistory(hist, ws, "tags", id, admin, at, map[string]any{"name": t.names[lang], "color": t.color})
	}
	teams := newTable("teams", "", "id", "workspace_id", "name", "description", "created_at", "updated_at")
	members := newTable("team_members", "", "workspace_id", "team_id", "user_id")
	for k, names := range teamDefs {
		teams.add(ID(ws, "teams", k), ws, names[lang], "", created, created)
	}
	for u, owner := range opt.Owners {
		members.add(ws, ID(ws, "teams", u%len(teamDefs)), owner)
	}
	tx, err := d.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows := 0
	for _, t := range []*table{tags, teams, members, hist} {
		n, err := t.flush(ctx, tx)
		if err != nil {
			return 0, err
		}
		rows += n
	}
	return rows, tx.Commit()
}
