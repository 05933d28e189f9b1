package sales

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/money"
	"github.com/rapport-crm/rapport/internal/records"
)

// ForecastQuery asks for a forecast.
type ForecastQuery struct {
	Period     string // month (default) or quarter
	From       string // first period: 2026-01 or 2026-Q1; default the current one
	Periods    int    // how many periods, 1–12 (default 3)
	GroupBy    string // owner (default) or team
	PipelineID string // only this pipeline
}

// Validate checks the query and fills defaults from now.
func (q *ForecastQuery) Validate(now time.Time) error {
	var fe []errs.FieldError
	add := func(f, m string) { fe = append(fe, errs.FieldError{Location: "query." + f, Message: m}) }
	if q.Period == "" {
		q.Period = "month"
	}
	if q.Period != "month" && q.Period != "quarter" {
		add("period", "must be month or quarter")
	}
	if q.GroupBy == "" {
		q.GroupBy = "owner"
	}
	if q.GroupBy != "owner" && q.GroupBy != "team" {
		add("group_by", "must be owner or team")
	}
	if q.Periods == 0 {
		q.Periods = 3
	}
	if q.Periods < 1 || q.Periods > 12 {
		add("periods", "must be between 1 and 12")
	}
	if q.PipelineID != "" {
		if _, err := uuid.Parse(q.PipelineID); err != nil {
			add("pipeline_id", "names no pipeline")
		}
	}
	if q.From == "" {
		q.From = now.Format("2006-01")
		if q.Period == "quarter" {
			q.From = fmt.Sprintf("%d-Q%d", now.Year(), (int(now.Month())-1)/3+1)
		}
	} else if _, err := periodStart(q.Period, q.From); err != nil {
		add("from", "must be a month like 2026-01 (or with period=quarter a quarter like 2026-Q1)")
	}
	if len(fe) > 0 {
		return errs.Fields(fe)
	}
	return nil
}

// periodStart returns the first day of a period key.
func periodStart(period, key string) (time.Time, error) {
	if period == "quarter" {
		y, qs, ok := strings.Cut(key, "-Q")
		n, err := strconv.Atoi(qs)
		yr, err2 := strconv.Atoi(y)
		if !ok || err != nil || err2 != nil || n < 1 || n > 4 || yr < 1900 || yr > 9999 {
			return time.Time{}, fmt.Errorf("bad quarter %q", key)
		}
		return time.Date(yr, time.Month(3*(n-1)+1), 1, 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse("2006-01", key)
	if err != nil || t.Year() < 1900 {
		return time.Time{}, fmt.Errorf("bad month %q", key)
	}
	return t, nil
}

// periodKey returns the key of the period holding month ("2026-05").
func periodKey(period, month string) string {
	if period != "quarter" {
		return month
	}
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
}

// Figures are the forecast numbers of one group in one period, in the
// workspace currency.
type Figures struct {
	Period    string `json:"period"`
	ClosedWon string `json:"closed_won"`
	Commit    string `json:"commit"`
	BestCase  string `json:"best_case"`
	Pipeline  string `json:"pipeline"`
	Weighted  string `json:"weighted"`
	Quota     string `json:"quota,omitempty"`
	// Attainment is closed won over quota, in percent with one decimal.
	Attainment string `json:"attainment,omitempty"`
	OpenDeals  int    `json:"open_deals"`
	WonDeals   int    `json:"won_deals"`

	won, commit, best, pipe, weighted, quota *money.Total
}

// ForecastRow is one owner or team.
type ForecastRow struct {
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	Periods []*Figures `json:"periods"`
}

// Forecast is the answer to a ForecastQuery.
type Forecast struct {
	Currency string         `json:"currency"`
	Period   string         `json:"period"`
	GroupBy  string         `json:"group_by"`
	Periods  []string       `json:"periods"`
	Rows     []*ForecastRow `json:"rows"`
	Totals   []*Figures     `json:"totals"`
	// Unconverted are the amounts left out for want of a rate.
	Unconverted map[string]string `json:"unconverted,omitempty"`
}

// Forecast computes, per period and per owner or team: closed won; the
// weighted pipeline (each open amount times its probability); commit
// (closed won plus open deals in commit); best case (commit plus open
// deals in best case); the quota and its attainment. Every amount is
// converted with the rate of its deal's expected close date. Deals
// outside the caller's scope are left out.
func (s *Service) Forecast(ctx context.Context, p *auth.Principal, q ForecastQuery) (*Forecast, error) {
	if !p.Can("deals", auth.ActRead) {
		return nil, errs.E(errs.Forbidden, "You may not read deals.")
	}
	if err := q.Validate(s.Now()); err != nil {
		return nil, err
	}
	base, err := s.Money.BaseCurrency(ctx, s.DB, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	start, _ := periodStart(q.Period, q.From)
	step := 1
	if q.Period == "quarter" {
		step = 3
	}
	end := start.AddDate(0, step*q.Periods, 0)
	f := &Forecast{Currency: base, Period: q.Period, GroupBy: q.GroupBy}
	for i := 0; i < q.Periods; i++ {
		f.Periods = append(f.Periods, periodKey(q.Period, start.AddDate(0, step*i, 0).Format("2006-01")))
	}
	users, err := s.userNames(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	groupsOf := func(owner string) []string { return []string{owner} }
	teamNames := map[string]string{}
	if q.GroupBy == "team" {
		memberOf, names, err := s.teams(ctx, p.WorkspaceID)
		if err != nil {
			return nil, err
		}
		teamNames = names
		groupsOf = func(owner string) []string {
			if ts := memberOf[owner]; len(ts) > 0 {
				return ts
			}
			return []string{""}
		}
	}
	rows := map[string]*ForecastRow{}
	newFigs := func(period string) *Figures {
		return &Figures{Period: period, won: money.NewTotal(base), commit: money.NewTotal(base), best: money.NewTotal(base), pipe: money.NewTotal(base), weighted: money.NewTotal(base), quota: money.NewTotal(base)}
	}
	row := func(id string) *ForecastRow {
		r := rows[id]
		if r == nil {
			name := users[id]
			if q.GroupBy == "team" {
				name = teamNames[id]
			}
			r = &ForecastRow{ID: id, Name: name}
			for _, per := range f.Periods {
				r.Periods = append(r.Periods, newFigs(per))
			}
			rows[id] = r
		}
		return r
	}
	index := map[string]int{}
	for i, per := range f.Periods {
		index[per] = i
	}
	for _, t := range f.Periods {
		f.Totals = append(f.Totals, newFigs(t))
	}
	unconverted := money.NewTotal(base)

	conds := []string{"workspace_id = ?", "deleted_at IS NULL", "close_date >= ?", "close_date < ?", "status <> ?"}
	args := []any{p.WorkspaceID, start.Format("2006-01-02"), end.Format("2006-01-02"), DealLost}
	if scope, sargs := records.ScopeSQL(p, "deals"); scope != "" {
		conds, args = append(conds, scope), append(args, sargs...)
	}
	if q.PipelineID != "" {
		conds, args = append(conds, "pipeline_id = ?"), append(args, q.PipelineID)
	}
	d := s.DB.Dialect
	// Summed per owner, day, status, category, probability and currency
	// in SQL; each group converted here with the rate of its day (a rate
	// joined to every deal in SQL was most of the page's time).
	rates, err := s.Money.RateTable(ctx, s.DB, d, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	sqlq := "SELECT owner_id, close_date, status, COALESCE(forecast_category, 'pipeline'), COALESCE(probability, 0), amount_currency, " +
		money.SumSQL(d, "amount_amount") + ", COUNT(*) FROM deals WHERE " + strings.Join(conds, " AND ") + " GROUP BY 1, 2, 3, 4, 5, 6"
	rs, err := s.DB.Query(ctx, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	defer rs.Close()
	// The groups are added up per rate before converting: the query
	// returns a group per day, a rate spans a month or more.
	type figKey struct {
		owner, status, cat string
		prob               int64
		period             int
	}
	groups := money.NewGroups[figKey](rates)
	for rs.Next() {
		var owner, closeDate any
		var status, cat string
		var prob int64
		var cur, sum sql.NullString
		var n int
		if err := rs.Scan(&owner, &closeDate, &status, &cat, &prob, &cur, &sum, &n); err != nil {
			return nil, fmt.Errorf("forecast: %w", err)
		}
		day := db.DayText(closeDate)
		i, ok := index[periodKey(q.Period, day[:min(len(day), 7)])]
		if !ok {
			continue
		}
		if !cur.Valid || !sum.Valid {
			cur.String, sum.String = "", ""
		}
		if err := groups.Add(figKey{db.IDText(owner), status, cat, prob, i}, cur.String, day, sum.String, n); err != nil {
			return nil, err
		}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	err = groups.Each(func(k figKey, cur string, n int, amount *big.Rat, rate sql.NullString) error {
		t := money.NewTotal(base)
		if cur != "" {
			if err := t.AddRat(amount, cur, rate); err != nil {
				return err
			}
			unconverted.AddTotal(onlyMissing(t))
		}
		for gi, g := range groupsOf(k.owner) {
			fgs := []*Figures{row(g).Periods[k.period]}
			if gi == 0 {
				// A deal counts once in the totals even when its owner
				// is in several teams.
				fgs = append(fgs, f.Totals[k.period])
			}
			for _, fg := range fgs {
				fg.add(k.status, k.cat, k.prob, n, t)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.addQuotas(ctx, p, q, f, start, end, row, groupsOf, index); err != nil {
		return nil, err
	}
	for _, r := range rows {
		f.Rows = append(f.Rows, r)
	}
	sort.Slice(f.Rows, func(i, j int) bool {
		if f.Rows[i].Name != f.Rows[j].Name {
			return f.Rows[i].Name < f.Rows[j].Name
		}
		return f.Rows[i].ID < f.Rows[j].ID
	})
	for _, r := range f.Rows {
		for _, fg := range r.Periods {
			fg.finish()
		}
	}
	for _, fg := range f.Totals {
		fg.finish()
	}
	if m := unconverted.Missing(); len(m) > 0 {
		f.Unconverted = m
	}
	return f, nil
}

func onlyMissing(t *money.Total) *money.Total {
	m := money.NewTotal(t.Currency)
	m.AddTotal(t)
	m.AddScaled(t, -1, 1)
	return m
}

// add adds a group of deals of one status, category and probability.
func (fg *Figures) add(status, cat string, prob int64, n int, t *money.Total) {
	if status == DealWon {
		fg.WonDeals += n
		fg.won.AddTotal(t)
		fg.commit.AddTotal(t)
		fg.best.AddTotal(t)
		return
	}
	fg.OpenDeals += n
	if cat == CatOmitted {
		return
	}
	fg.pipe.AddTotal(t)
	fg.weighted.AddScaled(t, prob, 100)
	switch cat {
	case CatCommit:
		fg.commit.AddTotal(t)
		fg.best.AddTotal(t)
	case CatBestCase:
		fg.best.AddTotal(t)
	}
}

func (fg *Figures) finish() {
	fg.ClosedWon, fg.Commit, fg.BestCase = fg.won.String(), fg.commit.String(), fg.best.String()
	fg.Pipeline, fg.Weighted = fg.pipe.String(), fg.weighted.String()
	if q := fg.quota.Rat(); q.Sign() > 0 {
		fg.Quota = fg.quota.String()
		a := new(big.Rat).Quo(fg.won.Rat(), q)
		fg.Attainment = money.Round(a.Mul(a, big.NewRat(100, 1)), 1)
	}
}

// addQuotas adds the quotas of the users in reach to their rows (and to
// their teams' rows).
func (s *Service) addQuotas(ctx context.Context, p *auth.Principal, q ForecastQuery, f *Forecast, start, end time.Time,
	row func(string) *ForecastRow, groupsOf func(string) []string, index map[string]int) error {
	conds := []string{"workspace_id = ?", "month >= ?", "month < ?"}
	args := []any{p.WorkspaceID, start.Format("2006-01"), end.Format("2006-01")}
	if scope, sargs := records.ScopeSQL(p, "deals"); scope != "" {
		conds, args = append(conds, strings.Replace(scope, "owner_id", "user_id", 1)), append(args, sargs...)
	}
	rows, err := s.DB.Query(ctx, "SELECT user_id, month, CAST(amount AS TEXT) FROM sales_quotas WHERE "+strings.Join(conds, " AND "), args...)
	if err != nil {
		return fmt.Errorf("quotas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uid any
		var month, amount string
		if err := rows.Scan(&uid, &month, &amount); err != nil {
			return err
		}
		i, ok := index[periodKey(q.Period, month)]
		if !ok {
			continue
		}
		gs := groupsOf(db.IDText(uid))
		for gi, g := range gs {
			fgs := []*Figures{row(g).Periods[i]}
			if gi == 0 {
				fgs = append(fgs, f.Totals[i])
			}
			for _, fg := range fgs {
				if err := fg.quota.Add(amount, f.Currency, sql.NullString{}); err != nil {
					return err
				}
			}
		}
	}
	return rows.Err()
}

// teams maps users to the teams they belong to, and team ids to names.
func (s *Service) teams(ctx context.Context, ws string) (map[string][]string, map[string]string, error) {
	names := map[string]string{}
	rows, err := s.DB.Query(ctx, "SELECT id, name FROM teams WHERE workspace_id = ?", ws)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var id any
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, nil, err
		}
		names[db.IDText(id)] = name
	}
	rows.Close()
	memberOf := map[string][]string{}
	rows, err = s.DB.Query(ctx, "SELECT team_id, user_id FROM team_members WHERE workspace_id = ? ORDER BY team_id", ws)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t, u any
		if err := rows.Scan(&t, &u); err != nil {
			return nil, nil, err
		}
		memberOf[db.IDText(u)] = append(memberOf[db.IDText(u)], db.IDText(t))
	}
	return memberOf, names, rows.Err()
}

// Quota is a user's sales target for a month, in the workspace currency.
type Quota struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	Month  string `json:"month"`
	Amount string `json:"amount"`
}

// QuotaInput sets a user's quota for a month.
type QuotaInput struct {
	UserID string `json:"user_id"`
	Month  string `json:"month"`
	Amount string `json:"amount"`
}

// Quotas lists the quotas of the users in the caller's reach for a year
// ("2026"), or all years.
func (s *Service) Quotas(ctx context.Context, p *auth.Principal, year string) ([]Quota, error) {
	if !p.Can("deals", auth.ActRead) {
		return nil, errs.E(errs.Forbidden, "You may not read deals.")
	}
	conds := []string{"workspace_id = ?"}
	args := []any{p.WorkspaceID}
	if year != "" {
		conds, args = append(conds, "month LIKE ?"), append(args, year+"-%")
	}
	if scope, sargs := records.ScopeSQL(p, "deals"); scope != "" {
		conds, args = append(conds, strings.Replace(scope, "owner_id", "user_id", 1)), append(args, sargs...)
	}
	rows, err := s.DB.Query(ctx, "SELECT id, user_id, month, CAST(amount AS TEXT) FROM sales_quotas WHERE "+strings.Join(conds, " AND ")+" ORDER BY month, user_id", args...)
	if err != nil {
		return nil, fmt.Errorf("quotas: %w", err)
	}
	defer rows.Close()
	out := []Quota{}
	for rows.Next() {
		var qt Quota
		var id, uid any
		if err := rows.Scan(&id, &uid, &qt.Month, &qt.Amount); err != nil {
			return nil, err
		}
		qt.ID, qt.UserID = db.IDText(id), db.IDText(uid)
		if r, ok := money.ParseDecimal(qt.Amount); ok {
			qt.Amount = r.FloatString(2)
		}
		out = append(out, qt)
	}
	return out, rows.Err()
}

// SetQuota sets (or with amount 0 removes) a user's quota for a month
// (admins).
func (s *Service) SetQuota(ctx context.Context, p *auth.Principal, in QuotaInput) (*Quota, error) {
	if !p.IsAdmin {
		return nil, errs.E(errs.Forbidden, "Only admins may set quotas.")
	}
	var fe []errs.FieldError
	add := func(f, m string) { fe = append(fe, errs.FieldError{Location: "body." + f, Message: m}) }
	var n int
	if _, err := uuid.Parse(in.UserID); err != nil || s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE workspace_id = ? AND id = ?", p.WorkspaceID, in.UserID).Scan(&n) != nil || n == 0 {
		add("user_id", "names no user of this workspace")
	}
	if t, err := time.Parse("2006-01", in.Month); err != nil || t.Year() < 1900 {
		add("month", "must be a month like 2026-01")
	}
	amt, ok := money.ParseDecimal(in.Amount)
	if !ok || amt.Sign() < 0 {
		add("amount", "must be a decimal number of at least 0, like 50000")
	}
	if len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	if amt.Sign() == 0 {
		if _, err := s.DB.Exec(ctx, "DELETE FROM sales_quotas WHERE workspace_id = ? AND user_id = ? AND month = ?", p.WorkspaceID, in.UserID, in.Month); err != nil {
			return nil, err
		}
		return &Quota{UserID: in.UserID, Month: in.Month, Amount: "0.00"}, nil
	}
	id := records.NewID()
	if _, err := s.DB.Exec(ctx, `INSERT INTO sales_quotas (id, workspace_id, user_id, month, amount, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, user_id, month) DO UPDATE SET amount = excluded.amount`, id, p.WorkspaceID, in.UserID, in.Month, amt.FloatString(2), db.T(s.Now())); err != nil {
		return nil, fmt.Errorf("set quota: %w", db.MapError(err))
	}
	var qid any
	if err := s.DB.QueryRow(ctx, "SELECT id FROM sales_quotas WHERE workspace_id = ? AND user_id = ? AND month = ?", p.WorkspaceID, in.UserID, in.Month).Scan(&qid); err != nil {
		return nil, err
	}
	return &Quota{ID: db.IDText(qid), UserID: in.UserID, Month: in.Month, Amount: amt.FloatString(2)}, nil
}
