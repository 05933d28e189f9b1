package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/money"
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
	// The same figures in the workspace currency, each invoice converted
	// with the rate of its issue date; amounts in currencies without a
	// rate are left out of these and listed in Unconverted.
	Currency         string   `json:"currency"`
	RevenueTotal     string   `json:"revenue_total"`
	OpenBalanceTotal string   `json:"open_balance_total"`
	OverdueTotal     string   `json:"overdue_total"`
	Unconverted      []string `json:"unconverted_currencies"`
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
	q := "SELECT grand_total_amount, amount_paid_amount, balance_amount, currency, due_date, issue_date FROM invoices WHERE workspace_id = ? AND account_id = ? AND deleted_at IS NULL AND status IN (?, ?, ?)"
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
	var list []factRow
	for rows.Next() {
		var tot, pd, bal, cur, due, issued sql.NullString
		if err := rows.Scan(&tot, &pd, &bal, &cur, &due, &issued); err != nil {
			return nil, fmt.Errorf("account facts: %w", err)
		}
		rev.Add(tot.String, cur.String)
		paid.Add(pd.String, cur.String)
		fr := factRow{total: tot.String, currency: cur.String, issued: dateOf(issued.String)}
		if b, _ := parseAmount(bal.String); b.Sign() > 0 {
			open.Add(bal.String, cur.String)
			fr.balance = bal.String
			f.OpenInvoices++
			if dateOf(due.String) < today {
				overdue.Add(bal.String, cur.String)
				fr.overdue = true
				f.OverdueCount++
			}
		}
		list = append(list, fr)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if s.Money != nil {
		if err := s.convertFacts(ctx, p.WorkspaceID, f, list); err != nil {
			return nil, err
		}
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

// factRow is one invoice as the account facts read it.
type factRow struct {
	total, balance, currency, issued string
	overdue                          bool
}

// convertFacts fills the workspace-currency totals of f, each invoice at
// the rate of its issue date.
func (s *Service) convertFacts(ctx context.Context, ws string, f *AccountFacts, list []factRow) error {
	base, err := s.Money.BaseCurrency(ctx, s.DB, ws)
	if err != nil {
		return err
	}
	f.Currency = base
	rev, open, over := money.NewTotal(base), money.NewTotal(base), money.NewTotal(base)
	rates := map[string]sql.NullString{}
	missing := map[string]bool{}
	for _, r := range list {
		k := r.currency + " " + r.issued
		rate, ok := rates[k]
		if !ok {
			x, err := s.Money.RateOn(ctx, s.DB, ws, r.currency, r.issued)
			switch {
			case err == nil:
				rate = sql.NullString{String: x.RatString(), Valid: true}
			case errors.Is(err, money.ErrNoRate):
				missing[r.currency] = true
			default:
				return err
			}
			rates[k] = rate
		}
		if err := rev.Add(r.total, r.currency, rate); err != nil {
			return err
		}
		if r.balance != "" {
			if err := open.Add(r.balance, r.currency, rate); err != nil {
				return err
			}
			if r.overdue {
				if err := over.Add(r.balance, r.currency, rate); err != nil {
					return err
				}
			}
		}
	}
	f.RevenueTotal, f.OpenBalanceTotal, f.OverdueTotal = rev.String(), open.String(), over.String()
	for c := range missing {
		f.Unconverted = append(f.Unconverted, c)
	}
	sort.Strings(f.Unconverted)
	return nil
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
