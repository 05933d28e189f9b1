package orders

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// Products on deals. A deal's line items are line_items rows with
// deal_id set, under the same rules and totals as a quote's; they are in
// one currency, the deal's (its lines', else its amount's, else the
// workspace's); while the deal's amount_from_lines is on, its amount is
// the lines' grand total. A quote made from a deal starts as a copy of
// its lines.

// dealCurrency is the currency a deal's lines are in: that of its live
// lines other than except, else its amount's, else the workspace's.
func (s *Service) dealCurrency(ctx context.Context, q db.Querier, ws string, deal *records.Record, except string) (string, error) {
	var cur sql.NullString
	err := q.QueryRow(ctx, "SELECT unit_price_currency FROM line_items WHERE workspace_id = ? AND deal_id = ? AND deleted_at IS NULL AND id <> ? ORDER BY position LIMIT 1",
		ws, deal.ID, nullSafe(except)).Scan(&cur)
	if err != nil && err != sql.ErrNoRows && !errs.Is(db.MapError(err), errs.NotFound) {
		return "", fmt.Errorf("deal currency: %w", err)
	}
	if cur.String != "" {
		return cur.String, nil
	}
	if m := moneyOf(deal, "amount"); m.Currency != "" {
		return m.Currency, nil
	}
	_, wc := s.workspaceDefaults(ctx, q, ws)
	return wc, nil
}

// DealCurrency returns the currency of a deal's lines, for a page that
// offers to add one: a new line must be in it.
func (s *Service) DealCurrency(ctx context.Context, p *auth.Principal, deal *records.Record) (string, error) {
	return s.dealCurrency(ctx, s.DB, p.WorkspaceID, deal, "")
}

// lineTotals reads the totals of the live lines whose col is id.
func lineTotals(ctx context.Context, q db.Querier, ws, col, id string) ([]LineTotals, error) {
	rows, err := q.Query(ctx, "SELECT line_subtotal_amount, line_discount_amount, line_tax_amount, line_total_amount FROM line_items WHERE workspace_id = ? AND "+col+" = ? AND deleted_at IS NULL", ws, id)
	if err != nil {
		return nil, fmt.Errorf("lines: %w", err)
	}
	defer rows.Close()
	var lines []LineTotals
	for rows.Next() {
		var a, b, c, d sql.NullString
		if err := rows.Scan(&a, &b, &c, &d); err != nil {
			return nil, err
		}
		lines = append(lines, LineTotals{a.String, b.String, c.String, d.String})
	}
	return lines, rows.Err()
}

// DealTotals returns the sums of a deal's lines in their currency, and
// how many lines it has.
func (s *Service) DealTotals(ctx context.Context, p *auth.Principal, deal *records.Record) (DocTotals, int, error) {
	cur, err := s.dealCurrency(ctx, s.DB, p.WorkspaceID, deal, "")
	if err != nil {
		return DocTotals{}, 0, err
	}
	lines, err := lineTotals(ctx, s.DB, p.WorkspaceID, "deal_id", deal.ID)
	if err != nil {
		return DocTotals{}, 0, err
	}
	return Sum(cur, lines), len(lines), nil
}

// sameMoney reports whether a and b are the same amount of the same
// currency, however the amounts are written ("1200" and "1200.00").
func sameMoney(a, b records.MoneyValue) bool {
	if a.Currency != b.Currency {
		return false
	}
	x, okx := parseAmount(a.Amount)
	y, oky := parseAmount(b.Amount)
	if !okx || !oky {
		return a.Amount == b.Amount
	}
	return x.Cmp(y) == 0
}

func fromLines(r *records.Record) bool {
	on, _ := r.Values["amount_from_lines"].(bool)
	return on
}

// recomputeDeal sets the amount of a deal whose amount follows its lines
// to their grand total in cur (zero when it has none left), as a change
// the system makes: a history entry of origin system, a new version.
func (s *Service) recomputeDeal(ctx context.Context, tx *db.Tx, ws, by, dealID, cur string) error {
	var on sql.NullBool
	var amount, currency sql.NullString
	if err := tx.QueryRow(ctx, "SELECT amount_from_lines, amount_amount, amount_currency FROM deals WHERE workspace_id = ? AND id = ?", ws, dealID).
		Scan(&on, &amount, &currency); err != nil {
		return fmt.Errorf("deal amount: %w", err)
	}
	if !on.Bool {
		return nil
	}
	lines, err := lineTotals(ctx, tx, ws, "deal_id", dealID)
	if err != nil {
		return err
	}
	t := Sum(cur, lines)
	was := records.MoneyValue{Amount: amount.String, Currency: currency.String}
	now := records.MoneyValue{Amount: t.Total, Currency: cur}
	if sameMoney(was, now) {
		return nil
	}
	if _, err := tx.Exec(ctx, "UPDATE deals SET amount_amount = ?, amount_currency = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE workspace_id = ? AND id = ?",
		t.Total, cur, db.T(s.Now()), nullID(by), ws, dealID); err != nil {
		return fmt.Errorf("deal amount: %w", err)
	}
	var old any
	if amount.Valid {
		old = was
	}
	return records.NoteChangeTx(ctx, tx, ws, by, "deals", dealID, "amount", old, now, s.Now())
}

// ChainDealHooks adds the rules deals have because of their lines to the
// deals object (registered by internal/sales, after this package's
// objects): while a deal has lines its amount stays in their currency
// and, with amount_from_lines on, is their total; turning
// amount_from_lines on sets it at once; the lines follow the deal's
// owner (partsFollowOwner).
func (s *Service) ChainDealHooks(e *records.Engine) {
	o, err := e.Object("deals")
	if err != nil {
		return
	}
	h := &o.Hooks
	prevBefore := h.BeforeUpdate
	h.BeforeUpdate = func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
		if prevBefore != nil {
			if err := prevBefore(ctx, tx, p, old, r); err != nil {
				return err
			}
		}
		lines, err := lineTotals(ctx, tx, p.WorkspaceID, "deal_id", r.ID)
		if err != nil || len(lines) == 0 {
			return err
		}
		cur, err := s.dealCurrency(ctx, tx, p.WorkspaceID, old, "")
		if err != nil {
			return err
		}
		amt, set := r.Values["amount"].(records.MoneyValue)
		if set && amt.Currency != cur {
			return errs.Field("body.amount", "must be in "+cur+", the currency of the deal's line items")
		}
		if !fromLines(r) {
			return nil
		}
		if fromLines(old) && set && !sameMoney(amt, moneyOf(old, "amount")) {
			return errs.Field("body.amount", "follows the deal's line items: set amount_from_lines to false to enter it by hand")
		}
		r.Values["amount"] = records.MoneyValue{Amount: Sum(cur, lines).Total, Currency: cur}
		return nil
	}
	// A line is part of its deal: whoever may see the deal's lines by
	// owner sees them with the deal.
	*h = partsFollowOwner("deals", *h)
}

// QuoteFromDealInput is what a quote made from a deal may set; every
// field is optional.
type QuoteFromDealInput struct {
	// Name is the quote's subject; the deal's name by default.
	Name *string `json:"name,omitempty"`
	// AccountID is the customer; the deal's account by default, and
	// required when the deal has none.
	AccountID *string `json:"account_id,omitempty"`
	// ContactID is who the quote is for; by default the deal's contact
	// when it has exactly one.
	ContactID   *string `json:"contact_id,omitempty"`
	PriceBookID *string `json:"price_book_id,omitempty"`
	ValidUntil  *string `json:"valid_until,omitempty"`
	Language    *string `json:"language,omitempty"`
}

// QuoteFromDeal makes a draft quote for a deal, in the currency of the
// deal's lines, for its account, with a copy of its lines: the quote's
// totals are the lines' totals. It returns not_found for a deal the
// caller cannot reach, forbidden when the caller may not make quotes,
// and invalid (naming the field) when the deal has no account and none
// is given.
func (s *Service) QuoteFromDeal(ctx context.Context, p *auth.Principal, dealID string, in QuoteFromDealInput) (*records.Record, error) {
	if !p.Can("quotes", auth.ActCreate) || !p.Can("line_items", auth.ActCreate) {
		return nil, errs.E(errs.Forbidden, "You may not create quotes.")
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	deal, err := s.Records.GetTx(ctx, tx, p, "deals", dealID)
	if err != nil {
		return nil, err
	}
	cur, err := s.dealCurrency(ctx, tx, p.WorkspaceID, deal, "")
	if err != nil {
		return nil, err
	}
	qin := records.Input{"deal_id": deal.ID, "currency": cur, "name": str(deal, "name"), "status": QuoteDraft}
	if acc := str(deal, "account_id"); acc != "" {
		qin["account_id"] = acc
	}
	if ids, _ := deal.Values["contact_ids"].([]string); len(ids) == 1 {
		qin["contact_id"] = ids[0]
	}
	if p.Reaches("quotes", deal.OwnerID) {
		qin["owner_id"] = deal.OwnerID
	}
	for k, v := range map[string]*string{"name": in.Name, "account_id": in.AccountID, "contact_id": in.ContactID,
		"price_book_id": in.PriceBookID, "valid_until": in.ValidUntil, "language": in.Language} {
		if v != nil {
			qin[k] = *v
		}
	}
	if _, ok := qin["account_id"]; !ok {
		return nil, errs.Field("body.account_id", "is required: the deal has no account")
	}
	o, err := s.Records.Object("quotes")
	if err != nil {
		return nil, err
	}
	q, err := s.Records.CreateTx(ctx, tx, p, o, qin)
	if err != nil {
		return nil, err
	}
	if err := s.copyLines(ctx, tx, p, "deal_id", deal.ID, "quote_id", q.ID); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Records.Get(ctx, p, "quotes", q.ID, records.GetOptions{})
}
