package orders

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// --- contracts ---

// DefaultReminderDays is how long before its renewal date a contract's
// owner gets a renewal task when the contract does not say.
const DefaultReminderDays = 30

func (s *Service) contractHooks() records.Hooks {
	before := func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
		if str(r, "status") == "" {
			r.Values["status"] = ContractDraft
		}
		st, en := str(r, "start_date"), str(r, "end_date")
		if en != "" && en < st {
			return errs.Field("body.end_date", "must not be before the start")
		}
		if str(r, "renewal_date") == "" && en != "" && (old == nil || str(old, "end_date") != en) {
			r.Values["renewal_date"] = en
		}
		if _, ok := r.Values["reminder_days"]; !ok {
			r.Values["reminder_days"] = int64(DefaultReminderDays)
		}
		if d, _ := r.Values["reminder_days"].(int64); d < 0 || d > 365 {
			return errs.Field("body.reminder_days", "must be between 0 and 365")
		}
		if v := moneyOf(r, "value"); v.Currency != "" {
			if a, _ := parseAmount(v.Amount); a.Sign() < 0 {
				return errs.Field("body.value", "must not be negative")
			}
		}
		return nil
	}
	return records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			if err := numbered("contract", "CT")(ctx, tx, p, r); err != nil {
				return err
			}
			return before(ctx, tx, p, nil, r)
		},
		BeforeUpdate: before,
		AfterUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			if str(old, "renewal_date") != str(r, "renewal_date") {
				// A new renewal date is reminded of again.
				if _, err := tx.Exec(ctx, "UPDATE contracts SET reminded_for = NULL WHERE workspace_id = ? AND id = ?", p.WorkspaceID, r.ID); err != nil {
					return fmt.Errorf("reset renewal reminder: %w", err)
				}
			}
			return nil
		},
	}
}

// RenewalResult says what one run of the renewal job did.
type RenewalResult struct {
	Reminded int // renewal tasks created
	Expired  int // active contracts past their end date marked expired
}

// Renewals is the background job of contracts: it creates a task for
// the owner of each active contract whose renewal date is within its
// reminder days (once per renewal date), linked to the account, due on
// the renewal date; and marks active contracts past their end expired.
func (s *Service) Renewals(ctx context.Context) (RenewalResult, error) {
	var res RenewalResult
	now := s.Now().UTC()
	today := now.Format("2006-01-02")
	rows, err := s.DB.Query(ctx, `SELECT id, workspace_id, owner_id, name, number, account_id, renewal_date, reminder_days FROM contracts
WHERE deleted_at IS NULL AND status = ? AND renewal_date IS NOT NULL AND reminded_for IS NULL AND renewal_date >= ? ORDER BY renewal_date LIMIT 1000`, ContractActive, dateArg(s.DB, today))
	if err != nil {
		return res, fmt.Errorf("renewals: %w", err)
	}
	type due struct {
		id, ws, owner, name, number, account, renewal string
		days                                          int64
	}
	var list []due
	for rows.Next() {
		var d due
		var id, ws, owner, acc any
		var renewal sql.NullString
		var days sql.NullInt64
		if err := rows.Scan(&id, &ws, &owner, &d.name, &d.number, &acc, &renewal, &days); err != nil {
			rows.Close()
			return res, fmt.Errorf("renewals: %w", err)
		}
		d.id, d.ws, d.owner, d.account = db.IDText(id), db.IDText(ws), db.IDText(owner), db.IDText(acc)
		d.renewal = dateOf(renewal.String)
		d.days = DefaultReminderDays
		if days.Valid {
			d.days = days.Int64
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, err
	}
	ao, err := s.Records.Object("activities")
	if err != nil {
		return res, err
	}
	for _, d := range list {
		rd, err := time.Parse("2006-01-02", d.renewal)
		if err != nil || now.Before(rd.AddDate(0, 0, -int(d.days))) || d.owner == "" {
			continue
		}
		if err := s.remind(ctx, ao, d.id, d.ws, d.owner, d.name, d.number, d.account, d.renewal, &res); err != nil {
			return res, err
		}
	}
	n, err := s.expire(ctx, "contracts", "end_date", ContractActive, ContractExpired, dateArg(s.DB, today))
	res.Expired = n
	return res, err
}

func (s *Service) remind(ctx context.Context, ao *records.Object, id, ws, owner, name, number, account, renewal string, res *RenewalResult) error {
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Claim the contract first, so two servers never both remind.
	r, err := tx.Exec(ctx, "UPDATE contracts SET reminded_for = renewal_date WHERE id = ? AND reminded_for IS NULL", id)
	if err != nil {
		return fmt.Errorf("renewal claim: %w", err)
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return nil
	}
	// The job acts for the contract's owner: the task is theirs.
	p := &auth.Principal{WorkspaceID: ws, UserID: owner, IsAdmin: true}
	due, _ := time.Parse("2006-01-02", renewal)
	in := records.Input{"type": "task", "subject": fmt.Sprintf("Renewal: %s (%s) on %s", name, number, renewal), "occurred_at": s.Now().UTC().Format(time.RFC3339),
		"due_at": due.Add(9 * time.Hour).Format(time.RFC3339), "assignee_id": owner, "priority": "high", "remind_at": s.Now().UTC().Format(time.RFC3339)}
	if account != "" {
		in["account_ids"] = []any{account}
	}
	task, err := s.Records.CreateTxOrigin(ctx, tx, p, ao, in, "contract:"+id)
	if err != nil {
		return fmt.Errorf("renewal task: %w", err)
	}
	if _, err := tx.Exec(ctx, "UPDATE contracts SET renewal_task_id = ?, version = version + 1 WHERE id = ?", task.ID, id); err != nil {
		return fmt.Errorf("renewal task link: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	res.Reminded++
	return nil
}

// dateArg is a date as the dialect compares it with a date column.
func dateArg(d *db.DB, day string) any {
	return day
}

// dateOf keeps the date of a value a DATE column scanned into a string.
func dateOf(s string) string {
	if len(s) >= 10 {
		return s[:10]
	}
	return s
}

// --- invoices and payments ---

func (s *Service) invoiceHooks() records.Hooks {
	return records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			upperCurrency(r)
			if err := numbered("invoice", "INV")(ctx, tx, p, r); err != nil {
				return err
			}
			if str(r, "status") == "" {
				r.Values["status"] = InvoiceDraft
			}
			if st := str(r, "status"); st != InvoiceDraft && st != InvoiceIssued {
				return errs.Field("body.status", "a new invoice is a draft or issued")
			}
			if str(r, "issue_date") == "" {
				r.Values["issue_date"] = s.today()
			}
			if str(r, "due_date") == "" {
				d, _ := time.Parse("2006-01-02", str(r, "issue_date"))
				r.Values["due_date"] = d.AddDate(0, 0, defaultDueDays).Format("2006-01-02")
			}
			if str(r, "due_date") < str(r, "issue_date") {
				return errs.Field("body.due_date", "must not be before the issue date")
			}
			if err := s.docLanguage(ctx, tx, p, r); err != nil {
				return err
			}
			if err := s.checkInvoiceLinks(ctx, tx, p, r); err != nil {
				return err
			}
			zeroTotals(r, append(docTotalNames, "amount_paid", "balance")...)
			return nil
		},
		BeforeUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			upperCurrency(r)
			ost, st := str(old, "status"), str(r, "status")
			if st != ost {
				switch {
				case st == InvoicePaid || st == InvoicePartly:
					return errs.Field("body.status", "follows from the payments")
				case st == InvoiceDraft && ost != InvoiceDraft:
					return errs.Field("body.status", "an issued invoice cannot go back to draft")
				case ost == InvoiceVoid:
					return errs.Field("body.status", "a void invoice stays void")
				case st == InvoiceVoid:
					if paid := moneyOf(old, "amount_paid"); paid.Amount != "" {
						if a, _ := parseAmount(paid.Amount); a.Sign() != 0 {
							return errs.Field("body.status", "an invoice with payments cannot be voided")
						}
					}
				case st == InvoiceIssued && (ost == InvoicePaid || ost == InvoicePartly):
					return errs.Field("body.status", "follows from the payments")
				}
			}
			if ost != InvoiceDraft && st != InvoiceVoid {
				for _, f := range []string{"currency", "account_id", "order_id", "contract_id"} {
					if str(old, f) != str(r, f) {
						return errs.Field("body."+f, "cannot change once the invoice is issued")
					}
				}
			}
			if str(old, "currency") != str(r, "currency") && hasLines(ctx, tx, p.WorkspaceID, "invoice_id", r.ID) {
				return errs.Field("body.currency", "cannot change while the invoice has lines")
			}
			if str(r, "due_date") < str(r, "issue_date") {
				return errs.Field("body.due_date", "must not be before the issue date")
			}
			return s.checkInvoiceLinks(ctx, tx, p, r)
		},
		AfterUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			if str(old, "status") != str(r, "status") {
				return s.recomputePaid(ctx, tx, p.WorkspaceID, p.UserID, r.ID)
			}
			return nil
		},
		BeforeDelete: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			if str(r, "status") != InvoiceDraft && str(r, "status") != InvoiceVoid {
				return errs.E(errs.Conflict, "An issued invoice is not deleted: void it instead.")
			}
			return nil
		},
	}
}

func (s *Service) checkInvoiceLinks(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
	for _, l := range []struct{ field, table string }{{"order_id", "orders"}, {"contract_id", "contracts"}} {
		id := str(r, l.field)
		if id == "" {
			continue
		}
		var acc any
		if err := tx.QueryRow(ctx, "SELECT account_id FROM "+l.table+" WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id).Scan(&acc); err != nil || db.IDText(acc) != str(r, "account_id") {
			return errs.Field("body."+l.field, "must belong to the invoice's account")
		}
	}
	return nil
}

// recomputePaid sets an invoice's amount paid, balance and status from
// its live payments.
func (s *Service) recomputePaid(ctx context.Context, tx *db.Tx, ws, by, id string) error {
	var cur, status string
	var total sql.NullString
	if err := tx.QueryRow(ctx, "SELECT currency, status, grand_total_amount FROM invoices WHERE workspace_id = ? AND id = ?", ws, id).Scan(&cur, &status, &total); err != nil {
		return fmt.Errorf("invoice: %w", err)
	}
	was := status
	rows, err := tx.Query(ctx, "SELECT amount_amount FROM payments WHERE workspace_id = ? AND invoice_id = ? AND deleted_at IS NULL", ws, id)
	if err != nil {
		return fmt.Errorf("invoice payments: %w", err)
	}
	paid := new(big.Rat)
	for rows.Next() {
		var a sql.NullString
		if err := rows.Scan(&a); err != nil {
			rows.Close()
			return err
		}
		if x, ok := parseAmount(a.String); ok {
			paid.Add(paid, x)
		}
	}
	rows.Close()
	tot, _ := parseAmount(total.String)
	balance := new(big.Rat).Sub(tot, paid)
	if status == InvoiceVoid {
		balance = new(big.Rat)
	}
	switch status {
	case InvoiceIssued, InvoicePartly, InvoicePaid:
		switch {
		case paid.Sign() > 0 && balance.Sign() <= 0:
			status = InvoicePaid
		case paid.Sign() > 0:
			status = InvoicePartly
		default:
			status = InvoiceIssued
		}
	}
	if _, err := tx.Exec(ctx, "UPDATE invoices SET amount_paid_amount = ?, amount_paid_currency = ?, balance_amount = ?, balance_currency = ?, status = ? WHERE workspace_id = ? AND id = ?",
		formatAmount(paid, cur), cur, formatAmount(balance, cur), cur, status, ws, id); err != nil {
		return fmt.Errorf("invoice balance: %w", err)
	}
	// The status a payment brought (paid, partly paid) is history the
	// invoice's timeline shows.
	return records.NoteChangeTx(ctx, tx, ws, by, "invoices", id, "status", was, status, s.Now())
}

func (s *Service) paymentHooks() records.Hooks {
	before := func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
		if old != nil {
			if err := immutable(old, r, "invoice_id"); err != nil {
				return err
			}
		}
		inv, err := s.parent(ctx, tx, p, "invoices", str(r, "invoice_id"), "body.invoice_id")
		if err != nil {
			return err
		}
		switch str(inv, "status") {
		case InvoiceDraft:
			return errs.Field("body.invoice_id", "the invoice is a draft: issue it first")
		case InvoiceVoid:
			return errs.Field("body.invoice_id", "the invoice is void")
		}
		r.OwnerID = inv.OwnerID
		r.Values["account_id"] = str(inv, "account_id")
		amt := moneyOf(r, "amount")
		cur := str(inv, "currency")
		if amt.Currency != cur {
			return errs.Field("body.amount", "must be in the invoice's currency, "+cur)
		}
		a, _ := parseAmount(amt.Amount)
		if a.Sign() <= 0 {
			return errs.Field("body.amount", "must be more than 0")
		}
		if r2, _ := Round(amt.Amount, cur); r2 != "" {
			if x, _ := parseAmount(r2); x.Cmp(a) != 0 {
				return errs.Field("body.amount", fmt.Sprintf("has more decimals than %s has (%d)", cur, MinorUnits(cur)))
			}
		}
		bal, _ := parseAmount(moneyOf(inv, "balance").Amount)
		if old != nil && str(old, "invoice_id") == str(r, "invoice_id") {
			prev, _ := parseAmount(moneyOf(old, "amount").Amount)
			bal.Add(bal, prev)
		}
		if a.Cmp(bal) > 0 {
			return errs.Field("body.amount", "is more than the invoice's open balance ("+formatAmount(bal, cur)+" "+cur+")")
		}
		if str(r, "paid_on") == "" {
			r.Values["paid_on"] = s.today()
		}
		return nil
	}
	after := func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
		return s.recomputePaid(ctx, tx, p.WorkspaceID, p.UserID, str(r, "invoice_id"))
	}
	return records.Hooks{
		BeforeCreate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			if err := numbered("payment", "PAY")(ctx, tx, p, r); err != nil {
				return err
			}
			return before(ctx, tx, p, nil, r)
		},
		BeforeUpdate: before,
		AfterCreate:  after,
		AfterUpdate: func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
			return after(ctx, tx, p, r)
		},
		AfterDelete: after,
		AfterRestore: func(ctx context.Context, tx *db.Tx, p *auth.Principal, r *records.Record) error {
			if err := after(ctx, tx, p, r); err != nil {
				return err
			}
			var bal sql.NullString
			if err := tx.QueryRow(ctx, "SELECT balance_amount FROM invoices WHERE workspace_id = ? AND id = ?", p.WorkspaceID, str(r, "invoice_id")).Scan(&bal); err != nil {
				return err
			}
			if b, _ := parseAmount(bal.String); b.Sign() < 0 {
				return errs.E(errs.Conflict, "Restoring this payment would pay more than the invoice's total.")
			}
			return nil
		},
	}
}

// InvoiceOrder makes a draft invoice of an order, with its lines.
func (s *Service) InvoiceOrder(ctx context.Context, p *auth.Principal, orderID string) (*records.Record, error) {
	if !p.Can("invoices", auth.ActCreate) {
		return nil, errs.E(errs.Forbidden, "You may not create invoices.")
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ord, err := s.Records.GetTx(ctx, tx, p, "orders", orderID)
	if err != nil {
		return nil, err
	}
	if str(ord, "status") == OrderCancelled {
		return nil, errs.E(errs.Conflict, "The order is cancelled.")
	}
	if !hasLines(ctx, tx, p.WorkspaceID, "order_id", ord.ID) {
		return nil, errs.E(errs.Conflict, "The order has no lines to invoice.")
	}
	io, _ := s.Records.Object("invoices")
	in := records.Input{"account_id": str(ord, "account_id"), "order_id": ord.ID, "currency": str(ord, "currency"), "owner_id": ord.OwnerID}
	if c := str(ord, "contract_id"); c != "" {
		in["contract_id"] = c
	}
	var lang sql.NullString
	if q := str(ord, "quote_id"); q != "" {
		_ = tx.QueryRow(ctx, "SELECT language FROM quotes WHERE workspace_id = ? AND id = ?", p.WorkspaceID, q).Scan(&lang)
		if lang.String != "" {
			in["language"] = lang.String
		}
	}
	inv, err := s.Records.CreateTx(ctx, tx, p, io, in)
	if err != nil {
		return nil, err
	}
	if err := s.copyLines(ctx, tx, p, "order_id", ord.ID, "invoice_id", inv.ID); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Records.Get(ctx, p, "invoices", inv.ID, records.GetOptions{})
}

// PeriodInput names the period of a contract an invoice bills.
type PeriodInput struct {
	Start string `json:"period_start"`
	End   string `json:"period_end"`
}

// PeriodAmount is what the period from start to end (dates, both
// included) of a contract of value running from contractStart to
// contractEnd costs: the value prorated by days over the term, rounded
// to the currency's minor units; the whole value when the contract has
// no end. The dates are checked by the caller. The demo loader bills its
// contracts with it.
func PeriodAmount(value records.MoneyValue, contractStart, contractEnd, start, end string) string {
	amount, _ := parseAmount(value.Amount)
	if contractEnd != "" {
		cs, _ := time.Parse("2006-01-02", contractStart)
		ce, _ := time.Parse("2006-01-02", contractEnd)
		ps, _ := time.Parse("2006-01-02", start)
		pe, _ := time.Parse("2006-01-02", end)
		term := int64(ce.Sub(cs).Hours()/24) + 1
		days := int64(pe.Sub(ps).Hours()/24) + 1
		amount = new(big.Rat).Quo(new(big.Rat).Mul(amount, big.NewRat(days, 1)), big.NewRat(term, 1))
	}
	return formatAmount(amount, value.Currency)
}

// InvoiceContract makes a draft invoice of one period of a contract: one
// line, the contract's value prorated by days over its term (the whole
// value when the contract has no end).
func (s *Service) InvoiceContract(ctx context.Context, p *auth.Principal, contractID string, in PeriodInput) (*records.Record, error) {
	if !p.Can("invoices", auth.ActCreate) {
		return nil, errs.E(errs.Forbidden, "You may not create invoices.")
	}
	ps, err1 := time.Parse("2006-01-02", in.Start)
	pe, err2 := time.Parse("2006-01-02", in.End)
	switch {
	case err1 != nil:
		return nil, errs.Field("body.period_start", "must be a date like 2026-01-31")
	case err2 != nil:
		return nil, errs.Field("body.period_end", "must be a date like 2026-01-31")
	case pe.Before(ps):
		return nil, errs.Field("body.period_end", "must not be before the start")
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, err := s.Records.GetTx(ctx, tx, p, "contracts", contractID)
	if err != nil {
		return nil, err
	}
	val := moneyOf(c, "value")
	if val.Currency == "" {
		return nil, errs.E(errs.Conflict, "The contract has no value to invoice.")
	}
	if str(c, "status") == ContractDraft || str(c, "status") == ContractTerminated {
		return nil, errs.E(errs.Conflict, "Only an active or expired contract is invoiced.")
	}
	cs, _ := time.Parse("2006-01-02", str(c, "start_date"))
	if ps.Before(cs) {
		return nil, errs.Field("body.period_start", "must not be before the contract's start, "+str(c, "start_date"))
	}
	if e := str(c, "end_date"); e != "" {
		if ce, _ := time.Parse("2006-01-02", e); pe.After(ce) {
			return nil, errs.Field("body.period_end", "must not be after the contract's end, "+e)
		}
	}
	amount := PeriodAmount(val, str(c, "start_date"), str(c, "end_date"), in.Start, in.End)
	io, _ := s.Records.Object("invoices")
	inv, err := s.Records.CreateTx(ctx, tx, p, io, records.Input{"account_id": str(c, "account_id"), "contract_id": c.ID, "currency": val.Currency,
		"period_start": in.Start, "period_end": in.End, "owner_id": c.OwnerID})
	if err != nil {
		return nil, err
	}
	lo, _ := s.Records.Object("line_items")
	if _, err := s.Records.CreateTx(ctx, tx, p, lo, records.Input{"invoice_id": inv.ID, "name": fmt.Sprintf("%s (%s – %s)", str(c, "name"), in.Start, in.End),
		"quantity": "1", "unit_price": records.MoneyValue{Amount: amount, Currency: val.Currency}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Records.Get(ctx, p, "invoices", inv.ID, records.GetOptions{})
}

// ExpireQuotes marks sent quotes whose validity has passed expired; it
// returns how many. Drafts keep their date until they are sent.
func (s *Service) ExpireQuotes(ctx context.Context) (int, error) {
	return s.expire(ctx, "quotes", "valid_until", QuoteSent, QuoteExpired, s.today())
}

// expire moves the live records of object in status from whose date
// column is before day to status to, in every workspace, with a history
// entry each; it returns how many.
func (s *Service) expire(ctx context.Context, object, dateCol, from, to string, day any) (int, error) {
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := s.Now()
	rows, err := tx.Query(ctx, "UPDATE "+object+" SET status = ?, version = version + 1, updated_at = ? WHERE deleted_at IS NULL AND status = ? AND "+dateCol+" IS NOT NULL AND "+dateCol+" < ? RETURNING workspace_id, id",
		to, db.T(now), from, day)
	if err != nil {
		return 0, fmt.Errorf("expire %s: %w", object, err)
	}
	type hit struct{ ws, id string }
	var hits []hit
	for rows.Next() {
		var ws, id any
		if err := rows.Scan(&ws, &id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("expire %s: %w", object, err)
		}
		hits = append(hits, hit{db.IDText(ws), db.IDText(id)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("expire %s: %w", object, err)
	}
	for _, h := range hits {
		if err := records.NoteChangeTx(ctx, tx, h.ws, "", object, h.id, "status", from, to, now); err != nil {
			return 0, err
		}
	}
	return len(hits), tx.Commit()
}
