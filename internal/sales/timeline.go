package sales

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/rapport-crm/rapport/internal/activities"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/money"
	"github.com/rapport-crm/rapport/internal/records"
)

// DealEvent is a deal entering a stage, as the timelines of its account
// and contacts show it.
type DealEvent struct {
	DealID    string              `json:"deal_id"`
	DealName  string              `json:"deal_name"`
	StageName string              `json:"stage_name"`
	Status    string              `json:"status"` // the stage's: open, won or lost
	First     bool                `json:"first"`  // the deal was created in this stage
	Amount    *records.MoneyValue `json:"amount,omitempty"`
	By        string              `json:"by,omitempty"`
}

// TimelineSource puts the stages the deals of an account (or of a
// contact) went through on its timeline.
func (s *Service) TimelineSource() activities.TimelineSource {
	return activities.TimelineSource{Kind: "deal", Entries: s.dealEntries}
}

func (s *Service) dealEntries(ctx context.Context, p *auth.Principal, object, id string, before time.Time, limit int) ([]activities.Entry, error) {
	if !p.Can("deals", auth.ActRead) {
		return nil, nil
	}
	var link string
	switch object {
	case "accounts":
		link = "d.account_id = ?"
	case "contacts":
		link = "d.id IN (SELECT deal_id FROM deal_contacts WHERE workspace_id = ? AND contact_id = ?)"
	default:
		return nil, nil
	}
	args := []any{p.WorkspaceID}
	if object == "contacts" {
		args = append(args, p.WorkspaceID)
	}
	args = append(args, id)
	q := "SELECT h.deal_id, d.name, h.stage_name, st.is_won, st.is_lost, h.entered_at, h.entered_by, d.amount_amount, d.amount_currency," +
		" (SELECT MIN(h2.entered_at) FROM deal_stage_history h2 WHERE h2.workspace_id = h.workspace_id AND h2.deal_id = h.deal_id)" +
		" FROM deal_stage_history h JOIN deals d ON d.workspace_id = h.workspace_id AND d.id = h.deal_id" +
		" LEFT JOIN pipeline_stages st ON st.workspace_id = h.workspace_id AND st.id = h.stage_id" +
		" WHERE d.workspace_id = ? AND " + link + " AND d.deleted_at IS NULL"
	if scope, sargs := records.ScopeSQL(p, "deals"); scope != "" {
		q += " AND d." + scope
		args = append(args, sargs...)
	}
	if !before.IsZero() {
		q += " AND h.entered_at < ?"
		args = append(args, db.T(before))
	}
	q += " ORDER BY h.entered_at DESC LIMIT ?"
	args = append(args, limit)
	// The names first: a query while rows hold a connection takes a
	// second one, and requests doing that at once can take the whole
	// pool and wait for each other.
	users, err := s.userNames(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("deal timeline: %w", err)
	}
	defer rows.Close()
	var out []activities.Entry
	for rows.Next() {
		var dealID, by any
		var ev DealEvent
		var won, lost sql.NullBool
		var at, first db.Time
		var amount, cur sql.NullString
		if err := rows.Scan(&dealID, &ev.DealName, &ev.StageName, &won, &lost, &at, &by, &amount, &cur, &first); err != nil {
			return nil, fmt.Errorf("deal timeline: %w", err)
		}
		ev.DealID, ev.By = db.IDText(dealID), users[db.IDText(by)]
		ev.Status = DealOpen
		if won.Bool {
			ev.Status = DealWon
		} else if lost.Bool {
			ev.Status = DealLost
		}
		ev.First = at.Time.Equal(first.Time)
		if amount.Valid && cur.Valid {
			a := amount.String
			if r, ok := money.ParseDecimal(a); ok {
				a = money.Round(r, money.Decimals(cur.String))
			}
			ev.Amount = &records.MoneyValue{Amount: a, Currency: cur.String}
		}
		e := ev
		out = append(out, activities.Entry{Kind: "deal", At: at.Time, Event: &e})
	}
	return out, rows.Err()
}

// AccountDeals is what an account's page shows of its deals: the open
// ones first, and the converted totals of the open and the won.
type AccountDeals struct {
	Currency string        `json:"currency"`
	Open     string        `json:"open"`
	Won      string        `json:"won"`
	Count    int           `json:"count"`
	Deals    []AccountDeal `json:"deals"`
}

// AccountDeal is one deal in an account's list.
type AccountDeal struct {
	ID        string              `json:"id"`
	Name      string              `json:"name"`
	StageName string              `json:"stage_name"`
	Status    string              `json:"status"`
	Amount    *records.MoneyValue `json:"amount,omitempty"`
	CloseDate string              `json:"close_date,omitempty"`
}

// DealsOfAccount returns an account's deals in the caller's scope: up to
// limit of them, open ones first by expected close date, and the
// totals of all, each converted with the rate of its own date.
func (s *Service) DealsOfAccount(ctx context.Context, p *auth.Principal, accountID string, limit int) (*AccountDeals, error) {
	if !p.Can("deals", auth.ActRead) {
		return nil, nil
	}
	base, err := s.Money.BaseCurrency(ctx, s.DB, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	out := &AccountDeals{Currency: base, Deals: []AccountDeal{}}
	where := "workspace_id = ? AND account_id = ? AND deleted_at IS NULL"
	args := []any{p.WorkspaceID, accountID}
	if scope, sargs := records.ScopeSQL(p, "deals"); scope != "" {
		where += " AND " + scope
		args = append(args, sargs...)
	}
	d := s.DB.Dialect
	rows, err := s.DB.Query(ctx, "SELECT status, amount_currency, er_.rate, "+money.SumSQL(d, "amount_amount")+", COUNT(*) FROM deals LEFT JOIN "+money.RatesTableSQL(d)+
		" er_ ON "+money.RateJoinSQL(d, "er_", "amount_currency", "COALESCE(close_date, created_at)")+" WHERE "+where+" GROUP BY 1, 2, 3", append([]any{p.WorkspaceID, p.WorkspaceID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("account deals: %w", err)
	}
	open, won := money.NewTotal(base), money.NewTotal(base)
	for rows.Next() {
		var status string
		var cur, rate, sum sql.NullString
		var n int
		if err := rows.Scan(&status, &cur, &rate, &sum, &n); err != nil {
			rows.Close()
			return nil, err
		}
		out.Count += n
		if !cur.Valid || !sum.Valid {
			continue
		}
		t := map[string]*money.Total{DealOpen: open, DealWon: won}[status]
		if t != nil {
			if err := t.Add(sum.String, cur.String, rate); err != nil {
				rows.Close()
				return nil, err
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out.Open, out.Won = open.String(), won.String()
	rows, err = s.DB.Query(ctx, "SELECT id, name, stage_name, status, amount_amount, amount_currency, close_date FROM deals WHERE "+where+
		" ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, close_date, id LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("account deals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, closeDate any
		var c AccountDeal
		var amount, cur sql.NullString
		if err := rows.Scan(&id, &c.Name, &c.StageName, &c.Status, &amount, &cur, &closeDate); err != nil {
			return nil, err
		}
		c.ID, c.CloseDate = db.IDText(id), db.DayText(closeDate)
		if amount.Valid && cur.Valid {
			a := amount.String
			if r, ok := money.ParseDecimal(a); ok {
				a = money.Round(r, money.Decimals(cur.String))
			}
			c.Amount = &records.MoneyValue{Amount: a, Currency: cur.String}
		}
		out.Deals = append(out.Deals, c)
	}
	return out, rows.Err()
}
