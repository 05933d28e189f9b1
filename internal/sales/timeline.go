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
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("deal timeline: %w", err)
	}
	defer rows.Close()
	users, err := s.userNames(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
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
		ev.DealID, ev.By = idString(dealID), users[idString(by)]
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
