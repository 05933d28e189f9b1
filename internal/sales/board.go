package sales

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/money"
	"github.com/rapport-crm/rapport/internal/records"
)

// CardsPerColumn is how many cards a board column shows; the column's
// count and total cover all its deals.
const CardsPerColumn = 50

// ClosedWindow is how far back the won and lost columns of a board
// reach: a board is for work in progress, not the archive.
const ClosedWindow = 90 * 24 * time.Hour

// BoardFilter narrows the deals of a board (and of its totals).
type BoardFilter struct {
	OwnerID   string // a user id
	AccountID string
	Q         string // words of the deal name
	CloseFrom string // expected close on or after, 2006-01-02
	CloseTo   string // expected close on or before
	Limit     int    // cards per column, default CardsPerColumn
}

// Validate checks the filter; locations are query parameters.
func (f *BoardFilter) Validate() error {
	var fe []errs.FieldError
	for name, v := range map[string]string{"owner_id": f.OwnerID, "account_id": f.AccountID} {
		if v != "" {
			if _, err := uuid.Parse(v); err != nil {
				fe = append(fe, errs.FieldError{Location: "query." + name, Message: "must be an id"})
			}
		}
	}
	for name, v := range map[string]*string{"close_from": &f.CloseFrom, "close_to": &f.CloseTo} {
		if *v != "" {
			if _, err := time.Parse("2006-01-02", *v); err != nil {
				fe = append(fe, errs.FieldError{Location: "query." + name, Message: "must be a date like 2026-01-31"})
			}
		}
	}
	f.Q = strings.TrimSpace(f.Q)
	if len(f.Q) > 200 || strings.ContainsRune(f.Q, 0) {
		fe = append(fe, errs.FieldError{Location: "query.q", Message: "must be at most 200 characters of text"})
	}
	if f.Limit < 0 || f.Limit > 500 {
		fe = append(fe, errs.FieldError{Location: "query.limit", Message: "must be between 1 and 500"})
	}
	if f.Limit == 0 {
		f.Limit = CardsPerColumn
	}
	if len(fe) > 0 {
		return errs.Fields(fe)
	}
	return nil
}

// Card is a deal as a board shows it.
type Card struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	AccountID   string              `json:"account_id,omitempty"`
	AccountName string              `json:"account_name,omitempty"`
	Amount      *records.MoneyValue `json:"amount,omitempty"`
	CloseDate   string              `json:"close_date,omitempty"`
	Probability *int64              `json:"probability,omitempty"`
	OwnerID     string              `json:"owner_id,omitempty"`
	OwnerName   string              `json:"owner_name,omitempty"`
	NextStep    string              `json:"next_step,omitempty"`
	ETag        string              `json:"etag"`
	Overdue     bool                `json:"overdue"`
}

// Column is one stage of a board.
type Column struct {
	Stage *Stage `json:"stage"`
	Count int    `json:"count"`
	// Total is the sum of the column's amounts converted into the
	// workspace currency, each with the rate of its expected close date.
	Total string `json:"total"`
	// Weighted is Total with each amount times its probability.
	Weighted string `json:"weighted"`
	// Unconverted are the amounts left out for want of a rate, per
	// currency.
	Unconverted map[string]string `json:"unconverted,omitempty"`
	Cards       []Card            `json:"cards"`
	More        bool              `json:"more"`
}

// Board is a pipeline's deals by stage.
type Board struct {
	Pipeline *Pipeline `json:"pipeline"`
	Currency string    `json:"currency"`
	Columns  []*Column `json:"columns"`
	Total    string    `json:"total"`
	Weighted string    `json:"weighted"`
	Count    int       `json:"count"`
}

// boardWhere returns the conditions and arguments of a pipeline's
// deals in the caller's scope, filtered; a board shows those open and
// those closed since boardSince.
func (s *Service) boardWhere(p *auth.Principal, pipelineID string, f BoardFilter) (string, []any) {
	conds := []string{"workspace_id = ?", "pipeline_id = ?", "deleted_at IS NULL"}
	args := []any{p.WorkspaceID, pipelineID}
	if scope, sargs := records.ScopeSQL(p, "deals"); scope != "" {
		conds = append(conds, scope)
		args = append(args, sargs...)
	}
	if f.OwnerID != "" {
		conds, args = append(conds, "owner_id = ?"), append(args, f.OwnerID)
	}
	if f.AccountID != "" {
		conds, args = append(conds, "account_id = ?"), append(args, f.AccountID)
	}
	if f.CloseFrom != "" {
		conds, args = append(conds, "close_date >= ?"), append(args, f.CloseFrom)
	}
	if f.CloseTo != "" {
		conds, args = append(conds, "close_date <= ?"), append(args, f.CloseTo)
	}
	for _, w := range strings.Fields(strings.ToLower(f.Q)) {
		conds, args = append(conds, "lower(name) LIKE ? ESCAPE '\\'"), append(args, "%"+likeEscape(w)+"%")
	}
	return strings.Join(conds, " AND "), args
}

// boardSince is when the oldest deal of the won and lost columns closed.
func (s *Service) boardSince() string { return db.T(s.Now().Add(-ClosedWindow)) }

// The statuses of a board's deals, as literals: SQLite uses a partial
// index only when the query names its condition's values.
const (
	openDeals   = "status = '" + DealOpen + "'"
	closedDeals = "status <> '" + DealOpen + "'"
)

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Board returns a pipeline's columns: per stage the count and the
// converted totals of all its deals (computed in SQL, grouped by
// currency and rate) and the first cards by expected close date.
func (s *Service) Board(ctx context.Context, p *auth.Principal, pipelineID string, f BoardFilter) (*Board, error) {
	return s.board(ctx, p, pipelineID, f, true)
}

// BoardHeads is Board without the cards: the counts and totals the
// board's script reads again after a move. A column's More says whether
// it holds more deals than the board shows, as Board's does.
func (s *Service) BoardHeads(ctx context.Context, p *auth.Principal, pipelineID string, f BoardFilter) (*Board, error) {
	return s.board(ctx, p, pipelineID, f, false)
}

func (s *Service) board(ctx context.Context, p *auth.Principal, pipelineID string, f BoardFilter, cards bool) (*Board, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	pl, err := s.Pipeline(ctx, p, pipelineID)
	if err != nil {
		return nil, err
	}
	base, err := s.Money.BaseCurrency(ctx, s.DB, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	b := &Board{Pipeline: pl, Currency: base}
	cols := map[string]*Column{}
	totals := map[string]*money.Total{}
	weighted := map[string]*money.Total{}
	for _, st := range pl.Stages {
		c := &Column{Stage: st, Cards: []Card{}}
		cols[st.ID] = c
		b.Columns = append(b.Columns, c)
		totals[st.ID], weighted[st.ID] = money.NewTotal(base), money.NewTotal(base)
	}
	where, args := s.boardWhere(p, pl.ID, f)
	d := s.DB.Dialect
	// The deals are summed per stage, currency, date and probability in
	// SQL, in the order of the deals_open_totals index (no sort); the
	// groups are added up here per rate and converted once each.
	// (Joining the rates to every deal in SQL cost 190 ms at 18,700
	// deals on the board; converting each day's group, 25 ms.)
	rates, err := s.Money.RateTable(ctx, s.DB, d, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	created := "substr(created_at, 1, 10)"
	if d == db.Postgres {
		created = "CAST(created_at AS DATE)"
	}
	// Four parts: open and recently closed deals (each along its own
	// index), with an expected close date and without (those convert
	// with the rate of their creation day).
	var parts []string
	var qargs []any
	for _, closed := range []bool{false, true} {
		status := openDeals
		if closed {
			status = closedDeals + " AND closed_at >= ?"
		}
		for _, day := range [][2]string{{"close_date", "close_date IS NOT NULL"}, {created, "close_date IS NULL"}} {
			parts = append(parts, "SELECT stage_id, amount_currency, probability, "+day[0]+", "+money.SumSQL(d, "amount_amount")+", COUNT(*) FROM deals WHERE "+
				where+" AND "+status+" AND "+day[1]+" GROUP BY stage_id, amount_currency, "+day[0]+", probability")
			qargs = append(qargs, args...)
			if closed {
				qargs = append(qargs, s.boardSince())
			}
		}
	}
	q := strings.Join(parts, " UNION ALL ")
	rows, err := s.DB.Query(ctx, q, qargs...)
	if err != nil {
		return nil, fmt.Errorf("board totals: %w", err)
	}
	type stageProb struct {
		stage string
		prob  int64
	}
	groups := money.NewGroups[stageProb](rates)
	for rows.Next() {
		var stage, day any
		var cur, sum sql.NullString
		var prob sql.NullInt64
		var n int
		if err := rows.Scan(&stage, &cur, &prob, &day, &sum, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("board totals: %w", err)
		}
		if !cur.Valid || !sum.Valid {
			cur.String, sum.String = "", ""
		}
		if err := groups.Add(stageProb{db.IDText(stage), prob.Int64}, cur.String, db.DayText(day), sum.String, n); err != nil {
			rows.Close()
			return nil, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("board totals: %w", err)
	}
	err = groups.Each(func(k stageProb, cur string, n int, amount *big.Rat, rate sql.NullString) error {
		c := cols[k.stage]
		if c == nil {
			return nil
		}
		c.Count += n
		if cur == "" {
			return nil
		}
		if err := totals[k.stage].AddRat(amount, cur, rate); err != nil {
			return err
		}
		w := money.NewTotal(base)
		if err := w.AddRat(amount, cur, rate); err != nil {
			return err
		}
		weighted[k.stage].AddScaled(w, k.prob, 100)
		return nil
	})
	if err != nil {
		return nil, err
	}
	all, allW := money.NewTotal(base), money.NewTotal(base)
	for _, c := range b.Columns {
		t := totals[c.Stage.ID]
		c.Total, c.Weighted = t.String(), weighted[c.Stage.ID].String()
		if m := t.Missing(); len(m) > 0 {
			c.Unconverted = m
		}
		b.Count += c.Count
		if !c.Stage.IsLost {
			all.AddTotal(t)
			allW.AddTotal(weighted[c.Stage.ID])
		}
	}
	b.Total, b.Weighted = all.String(), allW.String()
	if !cards {
		// The cards are the column's deals up to the limit, the very
		// deals counted above.
		for _, c := range b.Columns {
			c.More = c.Count > f.Limit
		}
		return b, nil
	}
	if err := s.fillCards(ctx, p, b, pl.ID, f); err != nil {
		return nil, err
	}
	return b, nil
}

// fillCards reads the first cards of each column: one indexed query per
// stage, bounded by the limit.
func (s *Service) fillCards(ctx context.Context, p *auth.Principal, b *Board, pipelineID string, f BoardFilter) error {
	where, args := s.boardWhere(p, pipelineID, f)
	where += " AND (" + openDeals + " OR closed_at >= ?)"
	args = append(args, s.boardSince())
	today := s.Now().UTC().Format("2006-01-02")
	var accountIDs, ownerIDs []string
	for _, c := range b.Columns {
		if c.Count == 0 {
			continue
		}
		// Cards by expected close date along the deals_board index (the
		// read stops after the limit), then those without a date. Won and
		// lost columns show the latest first: they hold only the deals
		// closed lately, and oldest first would walk years of closed
		// deals to find them.
		order := "close_date, id"
		if c.Stage.IsWon || c.Stage.IsLost {
			order = "close_date DESC, id DESC"
		}
		cols := "SELECT id, name, account_id, amount_amount, amount_currency, close_date, probability, owner_id, next_step, version FROM deals WHERE " + where + " AND stage_id = ?"
		a := append(append([]any{}, args...), c.Stage.ID, f.Limit+1)
		rows, err := s.DB.Query(ctx, "SELECT * FROM ("+cols+" AND close_date IS NOT NULL ORDER BY "+order+" LIMIT ?) AS dated UNION ALL SELECT * FROM ("+cols+" AND close_date IS NULL ORDER BY id LIMIT ?) AS undated",
			append(a, a...)...)
		if err != nil {
			return fmt.Errorf("board cards: %w", err)
		}
		for rows.Next() {
			var id, account, owner, closeDate any
			var card Card
			var amount, cur, next sql.NullString
			var prob sql.NullInt64
			var version int64
			if err := rows.Scan(&id, &card.Name, &account, &amount, &cur, &closeDate, &prob, &owner, &next, &version); err != nil {
				rows.Close()
				return fmt.Errorf("board cards: %w", err)
			}
			card.ID, card.AccountID, card.OwnerID, card.NextStep = db.IDText(id), db.IDText(account), db.IDText(owner), next.String
			card.CloseDate = db.DayText(closeDate)
			if amount.Valid && cur.Valid {
				a := amount.String
				if r, ok := money.ParseDecimal(a); ok {
					a = money.Round(r, money.Decimals(cur.String))
				}
				card.Amount = &records.MoneyValue{Amount: a, Currency: cur.String}
			}
			if prob.Valid {
				card.Probability = &prob.Int64
			}
			card.ETag = (&records.Record{ID: card.ID, Version: version}).ETag()
			card.Overdue = !c.Stage.IsWon && !c.Stage.IsLost && card.CloseDate != "" && card.CloseDate < today
			if len(c.Cards) == f.Limit {
				c.More = true
				break
			}
			c.Cards = append(c.Cards, card)
			if card.AccountID != "" {
				accountIDs = append(accountIDs, card.AccountID)
			}
			if card.OwnerID != "" {
				ownerIDs = append(ownerIDs, card.OwnerID)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("board cards: %w", err)
		}
	}
	names, err := s.Records.Titles(ctx, p, "accounts", accountIDs)
	if err != nil {
		return err
	}
	users, err := s.userNames(ctx, p.WorkspaceID)
	if err != nil {
		return err
	}
	for _, c := range b.Columns {
		for i := range c.Cards {
			c.Cards[i].AccountName = names[c.Cards[i].AccountID]
			c.Cards[i].OwnerName = users[c.Cards[i].OwnerID]
		}
	}
	return nil
}

// userNames maps the workspace's user ids to display names.
func (s *Service) userNames(ctx context.Context, ws string) (map[string]string, error) {
	rows, err := s.DB.Query(ctx, "SELECT id, name, email FROM users WHERE workspace_id = ?", ws)
	if err != nil {
		return nil, fmt.Errorf("user names: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id any
		var name, email string
		if err := rows.Scan(&id, &name, &email); err != nil {
			return nil, err
		}
		if name == "" {
			name = email
		}
		out[db.IDText(id)] = name
	}
	return out, rows.Err()
}
