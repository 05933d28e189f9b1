package orders

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// AccountFacts are an account's money facts: what it has been invoiced
// to date and what it still owes, per currency (never added across
// currencies), with the open and overdue invoices' counts.
type AccountFacts struct {
	Revenue      []Amount `json:"revenue"`
	Paid         []Amount `json:"paid"`
	OpenBalance  []Amount `json:"open_balance"`
	Overdue      []Amount `json:"overdue"`
	OpenInvoices int      `json:"open_invoices"`
	OverdueCount int      `json:"overdue_invoices"`
	OpenOrders   int      `json:"open_orders"`
	OpenQuotes   int      `json:"open_quotes"`
}

// AccountFacts returns an account's revenue to date (issued invoices,
// void ones left out) and open balance, counting only the invoices the
// caller's scope reaches.
func (s *Service) AccountFacts(ctx context.Context, p *auth.Principal, accountID string) (*AccountFacts, error) {
	if _, err := s.Records.Get(ctx, p, "accounts", accountID, records.GetOptions{}); err != nil {
		return nil, err
	}
	f := &AccountFacts{Revenue: []Amount{}, Paid: []Amount{}, OpenBalance: []Amount{}, Overdue: []Amount{}}
	if !p.Can("invoices", auth.ActRead) {
		return f, nil
	}
	scope, args := records.ScopeSQL(p, "invoices")
	q := "SELECT grand_total_amount, amount_paid_amount, balance_amount, currency, due_date FROM invoices WHERE workspace_id = ? AND account_id = ? AND deleted_at IS NULL AND status IN (?, ?, ?)"
	all := []any{p.WorkspaceID, accountID, InvoiceIssued, InvoicePartly, InvoicePaid}
	if scope != "" {
		q += " AND " + scope
		all = append(all, args...)
	}
	rows, err := s.DB.Query(ctx, q, all...)
	if err != nil {
		return nil, fmt.Errorf("account facts: %w", err)
	}
	defer rows.Close()
	rev, paid, open, overdue := Sums{}, Sums{}, Sums{}, Sums{}
	today := s.today()
	for rows.Next() {
		var tot, pd, bal, cur, due sql.NullString
		if err := rows.Scan(&tot, &pd, &bal, &cur, &due); err != nil {
			return nil, fmt.Errorf("account facts: %w", err)
		}
		rev.Add(tot.String, cur.String)
		paid.Add(pd.String, cur.String)
		if b, _ := parseAmount(bal.String); b.Sign() > 0 {
			open.Add(bal.String, cur.String)
			f.OpenInvoices++
			if dateOf(due.String) < today {
				overdue.Add(bal.String, cur.String)
				f.OverdueCount++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	f.Revenue, f.Paid, f.OpenBalance, f.Overdue = rev.List(), paid.List(), open.List(), overdue.List()
	count := func(object, cond string, cargs ...any) int {
		if !p.Can(object, auth.ActRead) {
			return 0
		}
		sc, sargs := records.ScopeSQL(p, object)
		q := "SELECT COUNT(*) FROM " + object + " WHERE workspace_id = ? AND account_id = ? AND deleted_at IS NULL AND " + cond
		a := append([]any{p.WorkspaceID, accountID}, cargs...)
		if sc != "" {
			q += " AND " + sc
			a = append(a, sargs...)
		}
		var n int
		_ = s.DB.QueryRow(ctx, q, a...).Scan(&n)
		return n
	}
	f.OpenOrders = count("orders", "status = ?", OrderOpen)
	f.OpenQuotes = count("quotes", "status IN (?, ?)", QuoteDraft, QuoteSent)
	return f, nil
}

// Overdue lists the issued invoices past their due date with a balance
// left, oldest due first, within the caller's scope.
func (s *Service) Overdue(ctx context.Context, p *auth.Principal, limit int) ([]*records.Record, error) {
	if !p.Can("invoices", auth.ActRead) {
		return nil, errs.E(errs.Forbidden, "You may not read invoices.")
	}
	if limit <= 0 || limit > records.MaxLimit {
		limit = records.MaxLimit
	}
	page, err := s.Records.List(ctx, p, "invoices", records.ListQuery{Filters: []records.Filter{
		{Field: "status", Op: records.OpIn, Value: InvoiceIssued + "," + InvoicePartly},
		{Field: "due_date", Op: records.OpLt, Value: s.today()},
	}, Sort: "due_date", Limit: limit})
	if err != nil {
		return nil, err
	}
	return page.Records, nil
}

// Event is a sales record on an account's timeline.
type Event struct {
	At     time.Time
	Object string
	Record *records.Record
}

// Events returns an account's sales records newest first, at most limit
// of each kind the caller may read: quotes, orders, shipments of those
// orders, contracts, invoices and payments.
func (s *Service) Events(ctx context.Context, p *auth.Principal, accountID string, limit int) ([]Event, error) {
	var out []Event
	var orderIDs []string
	for _, object := range []string{"quotes", "orders", "contracts", "invoices", "payments"} {
		if !p.Can(object, auth.ActRead) {
			continue
		}
		page, err := s.Records.List(ctx, p, object, records.ListQuery{Filters: []records.Filter{{Field: "account_id", Op: records.OpEq, Value: accountID}}, Sort: "-created_at", Limit: limit})
		if err != nil {
			return nil, err
		}
		for _, r := range page.Records {
			out = append(out, Event{At: r.CreatedAt, Object: object, Record: r})
			if object == "orders" {
				orderIDs = append(orderIDs, r.ID)
			}
		}
	}
	if len(orderIDs) > 0 && p.Can("shipments", auth.ActRead) {
		page, err := s.Records.List(ctx, p, "shipments", records.ListQuery{Filters: []records.Filter{{Field: "order_id", Op: records.OpIn, Value: strings.Join(orderIDs, ",")}}, Sort: "-created_at", Limit: limit})
		if err != nil {
			return nil, err
		}
		for _, r := range page.Records {
			out = append(out, Event{At: r.CreatedAt, Object: "shipments", Record: r})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, nil
}
