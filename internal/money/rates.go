package money

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// ErrNoRate is wrapped by the error Convert returns when no rate of the
// currency is known on or before the date.
var ErrNoRate = errors.New("no exchange rate")

// Querier is what the converter reads through: a *db.DB or a *db.Tx.
type Querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// Rate says that on Date (and until the next rate of the currency) one
// unit of Currency is worth Rate units of the workspace currency.
type Rate struct {
	ID        string    `json:"id"`
	Currency  string    `json:"currency"`
	Date      string    `json:"date"`
	Rate      string    `json:"rate"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
}

// RateInput enters a rate; a second rate of the same currency and date
// replaces the first.
type RateInput struct {
	Currency string `json:"currency"`
	Date     string `json:"date"`
	Rate     string `json:"rate"`
}

// Validate checks the input against the workspace currency and
// canonicalises it.
func (in *RateInput) Validate(base string) error {
	var fe []errs.FieldError
	add := func(f, m string) { fe = append(fe, errs.FieldError{Location: "body." + f, Message: m}) }
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	switch {
	case !ValidCurrency(in.Currency):
		add("currency", "must be an ISO 4217 code like EUR")
	case in.Currency == base:
		add("currency", "is the workspace currency, whose rate is always 1")
	}
	if d, err := time.Parse("2006-01-02", strings.TrimSpace(in.Date)); err != nil || d.Year() < 1900 || d.Year() > 9999 {
		add("date", "must be a date like 2026-01-31")
	} else {
		in.Date = d.Format("2006-01-02")
	}
	if r, ok := ParseDecimal(in.Rate); !ok || r.Sign() <= 0 {
		add("rate", "must be a positive decimal number like 1.0825 (at most 12 decimals)")
	} else {
		in.Rate = canonical(r)
	}
	if len(fe) > 0 {
		return errs.Fields(fe)
	}
	return nil
}

// RateFilter narrows a list of rates.
type RateFilter struct {
	Currency string // only this currency
	Limit    int    // at most this many, newest first (default 500)
}

// Service keeps a workspace's exchange rates and converts amounts with
// them.
type Service struct {
	DB  *db.DB
	Now func() time.Time
}

// BaseCurrency returns the workspace currency.
func (s *Service) BaseCurrency(ctx context.Context, q Querier, workspaceID string) (string, error) {
	var c string
	if err := q.QueryRow(ctx, "SELECT currency FROM workspaces WHERE id = ?", workspaceID).Scan(&c); err != nil {
		return "", fmt.Errorf("workspace currency: %w", db.MapError(err))
	}
	return c, nil
}

// ListRates returns the workspace's rates, newest date first. Every
// signed-in user may read them: the totals they see depend on them.
func (s *Service) ListRates(ctx context.Context, p *auth.Principal, f RateFilter) ([]Rate, error) {
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 500
	}
	q := "SELECT id, currency, day, rate, created_at, created_by FROM exchange_rates WHERE workspace_id = ?"
	args := []any{p.WorkspaceID}
	if f.Currency != "" {
		q += " AND currency = ?"
		args = append(args, strings.ToUpper(f.Currency))
	}
	q += " ORDER BY day DESC, currency LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list exchange rates: %w", err)
	}
	defer rows.Close()
	out := []Rate{}
	for rows.Next() {
		r, err := scanRate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanRate(sc scanner) (*Rate, error) {
	var r Rate
	var id, day, by any
	var created db.Time
	if err := sc.Scan(&id, &r.Currency, &day, &r.Rate, &created, &by); err != nil {
		return nil, db.MapError(err)
	}
	r.ID, r.Date = db.IDText(id), db.DayText(day)
	r.CreatedAt, r.CreatedBy = created.Time, db.IDText(by)
	if x, ok := ParseDecimal(r.Rate); ok {
		r.Rate = canonical(x)
	}
	return &r, nil
}

// GetRate returns one rate.
func (s *Service) GetRate(ctx context.Context, p *auth.Principal, id string) (*Rate, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, errs.ErrNotFound
	}
	return scanRate(s.DB.QueryRow(ctx, "SELECT id, currency, day, rate, created_at, created_by FROM exchange_rates WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id))
}

// SetRate enters a rate (admins), replacing the rate of the same
// currency and date if there is one.
func (s *Service) SetRate(ctx context.Context, p *auth.Principal, in RateInput) (*Rate, error) {
	if !p.IsAdmin {
		return nil, errs.E(errs.Forbidden, "Only admins may change exchange rates.")
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := s.setRate(ctx, tx, p, in)
	if err != nil {
		return nil, err
	}
	return r, tx.Commit()
}

// SetRates enters several rates in one transaction (an import): all of
// them or, when one is invalid, none.
func (s *Service) SetRates(ctx context.Context, p *auth.Principal, in []RateInput) ([]Rate, error) {
	if !p.IsAdmin {
		return nil, errs.E(errs.Forbidden, "Only admins may change exchange rates.")
	}
	if len(in) == 0 || len(in) > 5000 {
		return nil, errs.Field("body.rates", "must hold between 1 and 5000 rates")
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := make([]Rate, 0, len(in))
	for i, x := range in {
		r, err := s.setRate(ctx, tx, p, x)
		if err != nil {
			if e, ok := errs.As(err); ok {
				for j := range e.Fields {
					e.Fields[j].Location = strings.Replace(e.Fields[j].Location, "body.", fmt.Sprintf("body.rates[%d].", i), 1)
				}
			}
			return nil, err
		}
		out = append(out, *r)
	}
	return out, tx.Commit()
}

func (s *Service) setRate(ctx context.Context, tx *db.Tx, p *auth.Principal, in RateInput) (*Rate, error) {
	base, err := s.BaseCurrency(ctx, tx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(base); err != nil {
		return nil, err
	}
	now := s.Now()
	id := uuid.Must(uuid.NewV7()).String()
	if _, err := tx.Exec(ctx, `INSERT INTO exchange_rates (id, workspace_id, currency, day, rate, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, currency, day) DO UPDATE SET rate = excluded.rate, created_at = excluded.created_at, created_by = excluded.created_by`,
		id, p.WorkspaceID, in.Currency, in.Date, in.Rate, db.T(now), p.UserID); err != nil {
		return nil, fmt.Errorf("set exchange rate: %w", db.MapError(err))
	}
	return scanRate(tx.QueryRow(ctx, "SELECT id, currency, day, rate, created_at, created_by FROM exchange_rates WHERE workspace_id = ? AND currency = ? AND day = ?", p.WorkspaceID, in.Currency, in.Date))
}

// DeleteRate removes a rate (admins).
func (s *Service) DeleteRate(ctx context.Context, p *auth.Principal, id string) error {
	if !p.IsAdmin {
		return errs.E(errs.Forbidden, "Only admins may change exchange rates.")
	}
	if _, err := uuid.Parse(id); err != nil {
		return errs.ErrNotFound
	}
	res, err := s.DB.Exec(ctx, "DELETE FROM exchange_rates WHERE workspace_id = ? AND id = ?", p.WorkspaceID, id)
	if err != nil {
		return fmt.Errorf("delete exchange rate: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.ErrNotFound
	}
	return nil
}

// RateOn returns the rate that converts currency into the workspace
// currency on date ("2006-01-02"): 1 for the workspace currency, else
// the latest rate on or before the date. Without one it returns an
// invalid error wrapping ErrNoRate.
func (s *Service) RateOn(ctx context.Context, q Querier, workspaceID, currency, date string) (*big.Rat, error) {
	base, err := s.BaseCurrency(ctx, q, workspaceID)
	if err != nil {
		return nil, err
	}
	if currency == base {
		return big.NewRat(1, 1), nil
	}
	var rate string
	err = q.QueryRow(ctx, "SELECT rate FROM exchange_rates WHERE workspace_id = ? AND currency = ? AND day <= ? ORDER BY day DESC LIMIT 1",
		workspaceID, currency, date).Scan(&rate)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("No exchange rate from %s to %s on or before %s: enter one under Settings → Exchange rates.", currency, base, date), Err: ErrNoRate}
	}
	if err != nil {
		return nil, fmt.Errorf("exchange rate %s on %s: %w", currency, date, err)
	}
	r, ok := ParseDecimal(rate)
	if !ok {
		return nil, fmt.Errorf("exchange rate %s on %s: bad stored rate %q", currency, date, rate)
	}
	return r, nil
}

// Convert converts amount (an exact decimal) in currency into the
// workspace currency with the rate of date ("2006-01-02", or an RFC 3339
// time whose UTC day is used), rounded to the workspace currency's
// decimals. See RateOn for the errors.
func (s *Service) Convert(ctx context.Context, q Querier, workspaceID, amount, currency, date string) (string, error) {
	a, ok := ParseDecimal(amount)
	if !ok {
		return "", errs.E(errs.Invalid, "%q is not a decimal amount.", amount)
	}
	date = dayOf(date)
	r, err := s.RateOn(ctx, q, workspaceID, currency, date)
	if err != nil {
		return "", err
	}
	base, err := s.BaseCurrency(ctx, q, workspaceID)
	if err != nil {
		return "", err
	}
	return Format(new(big.Rat).Mul(a, r), base), nil
}

func dayOf(date string) string {
	if t, err := time.Parse(time.RFC3339Nano, date); err == nil {
		return t.UTC().Format("2006-01-02")
	}
	return date[:min(len(date), 10)]
}

// RateSQL returns an SQL expression, without placeholders, for the rate
// that converts the currency in currencyExpr on the date in dateExpr (a
// date, a time or "2006-01-02…" text) into the currency of the workspace
// whose id is in workspaceExpr: '1' for that currency itself, the latest
// rate on or before the date otherwise, NULL when none is known. The
// value is text; give it to Total.Add.
func RateSQL(d db.Dialect, workspaceExpr, currencyExpr, dateExpr string) string {
	day := "substr(" + dateExpr + ", 1, 10)"
	if d == db.Postgres {
		day = "CAST(" + dateExpr + " AS DATE)"
	}
	return "CAST(CASE WHEN " + currencyExpr + " = (SELECT ws_.currency FROM workspaces ws_ WHERE ws_.id = " + workspaceExpr + ") THEN 1 ELSE " +
		"(SELECT er_.rate FROM exchange_rates er_ WHERE er_.workspace_id = " + workspaceExpr + " AND er_.currency = " + currencyExpr +
		" AND er_.day <= " + day + " ORDER BY er_.day DESC LIMIT 1) END AS TEXT)"
}

// SumSQL returns an SQL aggregate expression that adds the exact decimal
// amounts in amountExpr without floating point: numeric on PostgreSQL;
// on SQLite the whole and the fraction parts as separate integer sums,
// read back by Total.Add. Group the rows by currency and by RateSQL so
// that each group has one rate.
func SumSQL(d db.Dialect, amountExpr string) string {
	if d == db.Postgres {
		return "CAST(SUM(CAST(" + amountExpr + " AS NUMERIC)) AS TEXT)"
	}
	// amountExpr holds canonical decimal text on SQLite ("-12.5"): the
	// whole part is its integer cast, the fraction the 12 digits after
	// the point, with the amount's sign.
	a := amountExpr
	whole := "CAST(" + a + " AS INTEGER)"
	frac := "(CASE WHEN substr(" + a + ", 1, 1) = '-' THEN -1 ELSE 1 END) * CAST(substr(" + a + " || '000000000000', instr(" + a + " || '.', '.') + 1, 12) AS INTEGER)"
	return "(CAST(SUM(" + whole + ") AS TEXT) || ':' || CAST(SUM(" + frac + ") AS TEXT))"
}

var fracScale = new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(12), nil))

// parseSum reads what SumSQL yields.
func parseSum(s string) (*big.Rat, bool) {
	whole, frac, split := strings.Cut(s, ":")
	if !split {
		r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
		return r, ok
	}
	w, ok := new(big.Int).SetString(whole, 10)
	if !ok {
		return nil, false
	}
	f, ok := new(big.Int).SetString(frac, 10)
	if !ok {
		return nil, false
	}
	r := new(big.Rat).SetFrac(f, big.NewInt(1))
	r.Quo(r, fracScale)
	return r.Add(r, new(big.Rat).SetInt(w)), true
}

// Total adds amounts converted into one currency exactly, rounding only
// when it is shown. Amounts whose currency has no rate are kept apart,
// per currency, so a page can say what the total leaves out.
type Total struct {
	Currency string
	sum      big.Rat
	missing  map[string]*big.Rat
}

// NewTotal returns an empty total in currency.
func NewTotal(currency string) *Total { return &Total{Currency: currency} }

// Add adds a sum of amounts in currency (as SumSQL yields it, or a plain
// decimal) at rate (as RateSQL yields it; invalid when no rate is known).
func (t *Total) Add(sum string, currency string, rate sql.NullString) error {
	if sum == "" {
		return nil
	}
	a, ok := parseSum(sum)
	if !ok {
		return fmt.Errorf("money total: bad sum %q", sum)
	}
	return t.AddRat(a, currency, rate)
}

// AddRat adds an exact amount in currency at rate (invalid when no rate
// is known).
func (t *Total) AddRat(a *big.Rat, currency string, rate sql.NullString) error {
	if currency == t.Currency {
		t.sum.Add(&t.sum, a)
		return nil
	}
	if !rate.Valid {
		if t.missing == nil {
			t.missing = map[string]*big.Rat{}
		}
		m := t.missing[currency]
		if m == nil {
			m = new(big.Rat)
			t.missing[currency] = m
		}
		m.Add(m, a)
		return nil
	}
	r, ok := new(big.Rat).SetString(strings.TrimSpace(rate.String))
	if !ok {
		return fmt.Errorf("money total: bad rate %q", rate.String)
	}
	t.sum.Add(&t.sum, r.Mul(r, a))
	return nil
}

// AddTotal adds another total in the same currency.
func (t *Total) AddTotal(o *Total) {
	t.sum.Add(&t.sum, &o.sum)
	for c, m := range o.missing {
		if t.missing == nil {
			t.missing = map[string]*big.Rat{}
		}
		if t.missing[c] == nil {
			t.missing[c] = new(big.Rat)
		}
		t.missing[c].Add(t.missing[c], m)
	}
}

// Rat returns the exact total.
func (t *Total) Rat() *big.Rat { return new(big.Rat).Set(&t.sum) }

// String returns the total rounded to the currency's decimals.
func (t *Total) String() string { return Format(&t.sum, t.Currency) }

// Missing returns the amounts left out for want of a rate, per
// currency, rounded to that currency's decimals.
func (t *Total) Missing() map[string]string {
	out := make(map[string]string, len(t.missing))
	for c, m := range t.missing {
		out[c] = Format(m, c)
	}
	return out
}

// AddScaled adds another total in the same currency times num/den (a
// total weighted by a probability in percent: num the percent, den 100).
func (t *Total) AddScaled(o *Total, num, den int64) {
	f := big.NewRat(num, den)
	t.sum.Add(&t.sum, new(big.Rat).Mul(&o.sum, f))
}

// RatesTableSQL returns a derived table of the workspace's rates as
// intervals — columns currency, day, until (the currency's next rate day,
// NULL for the latest) and rate (text) — with the workspace currency at
// rate 1 for all time. It holds two ? placeholders, both the workspace
// id. Joined with RateJoinSQL it gives every row the rate of its date in
// one pass, without a look-up per row: the fast way to total a large
// table.
func RatesTableSQL(d db.Dialect) string {
	since := "'0001-01-01'"
	if d == db.Postgres {
		since = "DATE '0001-01-01'"
	}
	return "(SELECT x_.currency, x_.day, LEAD(x_.day) OVER (PARTITION BY x_.currency ORDER BY x_.day) AS until, CAST(x_.rate AS TEXT) AS rate" +
		" FROM exchange_rates x_ JOIN workspaces w_ ON w_.id = x_.workspace_id WHERE x_.workspace_id = ? AND x_.currency <> w_.currency" +
		" UNION ALL SELECT w_.currency, " + since + ", NULL, '1' FROM workspaces w_ WHERE w_.id = ?)"
}

// RateTable holds a workspace's rates, to convert many sums of known
// currency and date in Go: one look-up per group of a query's rows,
// where RateJoinSQL joins every row to the rates (a range join per row).
type RateTable struct {
	spans map[string][]rateSpan // by currency, in date order
}

type rateSpan struct{ from, until, rate string }

// RateTable reads the workspace's rates.
func (s *Service) RateTable(ctx context.Context, q Querier, d db.Dialect, workspaceID string) (*RateTable, error) {
	rows, err := q.Query(ctx, "SELECT r.currency, r.day, r.until, r.rate FROM "+RatesTableSQL(d)+" r", workspaceID, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("rates: %w", err)
	}
	defer rows.Close()
	t := &RateTable{spans: map[string][]rateSpan{}}
	for rows.Next() {
		var cur, rate string
		var from, until any
		if err := rows.Scan(&cur, &from, &until, &rate); err != nil {
			return nil, fmt.Errorf("rates: %w", err)
		}
		t.spans[cur] = append(t.spans[cur], rateSpan{db.DayText(from), db.DayText(until), rate})
	}
	for _, sp := range t.spans {
		sort.Slice(sp, func(i, j int) bool { return sp[i].from < sp[j].from })
	}
	return t, rows.Err()
}

// On returns the rate of currency on day (YYYY-MM-DD), as RateJoinSQL
// finds it: invalid when none is known.
func (t *RateTable) On(currency, day string) sql.NullString {
	i := t.span(currency, day)
	if i < 0 {
		return sql.NullString{}
	}
	return sql.NullString{String: t.spans[currency][i].rate, Valid: true}
}

// RateJoinSQL returns the condition that joins the rates table (as
// alias) to a row's currency and date: LEFT JOIN RatesTableSQL(d) AS
// alias ON RateJoinSQL(d, alias, currencyExpr, dateExpr). alias.rate is
// then the rate of the row's date, NULL when none is known.
func RateJoinSQL(d db.Dialect, alias, currencyExpr, dateExpr string) string {
	day := "substr(" + dateExpr + ", 1, 10)"
	if d == db.Postgres {
		day = "CAST(" + dateExpr + " AS DATE)"
	}
	return alias + ".currency = " + currencyExpr + " AND " + alias + ".day <= " + day + " AND (" + alias + ".until IS NULL OR " + day + " < " + alias + ".until)"
}
