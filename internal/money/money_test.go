package money_test

import (
	"context"
	"database/sql"
	"errors"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/money"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func setup(t *testing.T) (*db.DB, *money.Service, *auth.Principal) {
	t.Helper()
	d := dbtest.Open(t)
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	as := auth.NewService(d, now, nil)
	ws, u, err := as.Setup(ctx, auth.SetupInput{Workspace: "Acme", Currency: "EUR", Email: "admin@acme.test", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := as.Principal(ctx, ws.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d, &money.Service{DB: d, Now: now}, p
}

func TestRound(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{{"1.005", 2, "1.01"}, {"-1.005", 2, "-1.01"}, {"1.004", 2, "1.00"}, {"0.5", 0, "1"}, {"-0.4", 0, "0"}, {"0.0004", 3, "0.000"}, {"12", 2, "12.00"}, {"0.05", 1, "0.1"}} {
		r, _ := new(big.Rat).SetString(c.in)
		if got := money.Round(r, c.n); got != c.want {
			t.Errorf("Round(%s, %d) = %s, want %s", c.in, c.n, got, c.want)
		}
	}
	if money.Decimals("JPY") != 0 || money.Decimals("KWD") != 3 || money.Decimals("EUR") != 2 {
		t.Error("minor units")
	}
}

// TestConvertWithDatedRates: two currencies, two dates each; an amount
// uses the latest rate on or before its own date.
func TestConvertWithDatedRates(t *testing.T) {
	d, s, p := setup(t)
	ctx := context.Background()
	if _, err := s.SetRates(ctx, p, []money.RateInput{
		{Currency: "USD", Date: "2026-01-01", Rate: "0.9"},
		{Currency: "USD", Date: "2026-02-01", Rate: "0.8"},
		{Currency: "jpy", Date: "2026-01-01", Rate: "0.0062"},
		{Currency: "JPY", Date: "2026-02-15", Rate: "0.0060"},
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ amount, cur, date, want string }{
		{"100", "USD", "2026-01-15", "90.00"},
		{"100", "USD", "2026-02-01", "80.00"},
		{"100", "USD", "2026-12-31T23:00:00Z", "80.00"},
		{"1000", "JPY", "2026-02-14", "6.20"},
		{"1000", "JPY", "2026-02-15", "6.00"},
		{"10.005", "EUR", "2020-01-01", "10.01"},
	} {
		got, err := s.Convert(ctx, d, p.WorkspaceID, c.amount, c.cur, c.date)
		if err != nil || got != c.want {
			t.Errorf("Convert(%s %s on %s) = %q, %v; want %s", c.amount, c.cur, c.date, got, err, c.want)
		}
	}
	_, err := s.Convert(ctx, d, p.WorkspaceID, "1", "USD", "2025-12-31")
	if !errors.Is(err, money.ErrNoRate) || !errs.Is(err, errs.Invalid) {
		t.Errorf("before the first rate: %v", err)
	}
	// A second rate for the same currency and day replaces the first.
	if _, err := s.SetRate(ctx, p, money.RateInput{Currency: "USD", Date: "2026-02-01", Rate: "0.75"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Convert(ctx, d, p.WorkspaceID, "100", "USD", "2026-02-02"); got != "75.00" {
		t.Errorf("after replacing: %s", got)
	}
	rates, err := s.ListRates(ctx, p, money.RateFilter{Currency: "USD"})
	if err != nil || len(rates) != 2 || rates[0].Date != "2026-02-01" || rates[0].Rate != "0.75" {
		t.Errorf("rates %+v %v", rates, err)
	}
}

// TestSumSQL: the SQL sum of converted amounts is exact on both
// databases (0.1 + 0.2 is 0.3, and large amounts keep every cent),
// groups by the rate of each row's date, and keeps apart the amounts
// whose currency has no rate.
func TestSumSQL(t *testing.T) {
	d, s, p := setup(t)
	ctx := context.Background()
	if _, err := s.SetRates(ctx, p, []money.RateInput{
		{Currency: "USD", Date: "2026-01-01", Rate: "0.9"},
		{Currency: "USD", Date: "2026-02-01", Rate: "0.8"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, "CREATE TABLE amounts_t (workspace_id TEXT, amount TEXT, currency TEXT, day TEXT)"); err != nil {
		t.Fatal(err)
	}
	rows := [][3]string{
		{"0.1", "EUR", "2026-01-05"}, {"0.2", "EUR", "2026-01-05"}, {"-0.05", "EUR", "2026-01-05"},
		{"123456789012345.67", "EUR", "2026-01-05"},
		{"100.10", "USD", "2026-01-10"}, {"0.01", "USD", "2026-01-31"}, // 0.9
		{"50", "USD", "2026-02-10"}, // 0.8
		{"7", "GBP", "2026-02-10"},  // no rate
	}
	for _, r := range rows {
		if _, err := d.Exec(ctx, "INSERT INTO amounts_t VALUES (?, ?, ?, ?)", p.WorkspaceID, r[0], r[1], r[2]); err != nil {
			t.Fatal(err)
		}
	}
	q := "SELECT currency, " + money.RateSQL(d.Dialect, "CAST(a.workspace_id AS TEXT)", "a.currency", "a.day") + ", " + money.SumSQL(d.Dialect, "a.amount") +
		" FROM amounts_t a WHERE a.workspace_id = ? GROUP BY 1, 2"
	if d.Dialect == db.Postgres {
		q = "SELECT currency, " + money.RateSQL(d.Dialect, "CAST(a.workspace_id AS UUID)", "a.currency", "a.day") + ", " + money.SumSQL(d.Dialect, "a.amount") +
			" FROM amounts_t a WHERE a.workspace_id = ? GROUP BY 1, 2"
	}
	rs, err := d.Query(ctx, q, p.WorkspaceID)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	total := money.NewTotal("EUR")
	groups := 0
	for rs.Next() {
		var cur, sum string
		var rate sql.NullString
		if err := rs.Scan(&cur, &rate, &sum); err != nil {
			t.Fatal(err)
		}
		groups++
		if err := total.Add(sum, cur, rate); err != nil {
			t.Fatal(err)
		}
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	// 0.1+0.2-0.05 + 123456789012345.67 + (100.10+0.01)*0.9 + 50*0.8
	want := "123456789012476.019"
	if got := total.Rat().FloatString(3); got != want || groups != 4 {
		t.Errorf("total %s in %d groups, want %s in 4", got, groups, want)
	}
	if total.String() != "123456789012476.02" {
		t.Errorf("rounded %s", total.String())
	}
	if m := total.Missing(); len(m) != 1 || m["GBP"] != "7.00" {
		t.Errorf("missing %v", m)
	}
	// The same total through the rates table joined in one pass.
	jq := "SELECT a.currency, er_.rate, " + money.SumSQL(d.Dialect, "a.amount") + " FROM amounts_t a LEFT JOIN " + money.RatesTableSQL(d.Dialect) +
		" er_ ON " + money.RateJoinSQL(d.Dialect, "er_", "a.currency", "a.day") + " WHERE a.workspace_id = ? GROUP BY 1, 2"
	jr, err := d.Query(ctx, jq, p.WorkspaceID, p.WorkspaceID, p.WorkspaceID)
	if err != nil {
		t.Fatal(err)
	}
	defer jr.Close()
	joined := money.NewTotal("EUR")
	for jr.Next() {
		var cur, sum string
		var rate sql.NullString
		if err := jr.Scan(&cur, &rate, &sum); err != nil {
			t.Fatal(err)
		}
		if err := joined.Add(sum, cur, rate); err != nil {
			t.Fatal(err)
		}
	}
	if joined.Rat().Cmp(total.Rat()) != 0 || joined.Missing()["GBP"] != "7.00" {
		t.Errorf("joined total %s (missing %v), want %s", joined.Rat().FloatString(3), joined.Missing(), total.Rat().FloatString(3))
	}
}

func TestRateInput(t *testing.T) {
	_, s, p := setup(t)
	ctx := context.Background()
	for _, in := range []money.RateInput{
		{Currency: "EUR", Date: "2026-01-01", Rate: "1"},
		{Currency: "US", Date: "2026-01-01", Rate: "1"},
		{Currency: "USD", Date: "2026-13-01", Rate: "1"},
		{Currency: "USD", Date: "2026-01-01", Rate: "0"},
		{Currency: "USD", Date: "2026-01-01", Rate: "1e3"},
		{Currency: "USD", Date: "2026-01-01", Rate: "-1"},
	} {
		if _, err := s.SetRate(ctx, p, in); !errs.Is(err, errs.Invalid) {
			t.Errorf("%+v: %v", in, err)
		}
	}
	// An import is all or nothing.
	if _, err := s.SetRates(ctx, p, []money.RateInput{{Currency: "USD", Date: "2026-01-01", Rate: "1.1"}, {Currency: "USD", Date: "x", Rate: "1"}}); err == nil {
		t.Fatal("bad import accepted")
	} else if e, _ := errs.As(err); len(e.Fields) != 1 || e.Fields[0].Location != "body.rates[1].date" {
		t.Errorf("import error %+v", e)
	}
	if rs, _ := s.ListRates(ctx, p, money.RateFilter{}); len(rs) != 0 {
		t.Errorf("a refused import wrote %d rates", len(rs))
	}
	np := *p
	np.IsAdmin = false
	if _, err := s.SetRate(ctx, &np, money.RateInput{Currency: "USD", Date: "2026-01-01", Rate: "1"}); !errs.Is(err, errs.Forbidden) {
		t.Errorf("non-admin: %v", err)
	}
}

// setupRates sets rates of USD (two) and JPY (one, from mid-February
// 2026) in a EUR workspace and reads its rate table.
func setupRates(t *testing.T) (*db.DB, *money.Service, *auth.Principal, *money.RateTable) {
	t.Helper()
	d, s, p := setup(t)
	ctx := context.Background()
	if _, err := s.SetRates(ctx, p, []money.RateInput{
		{Currency: "USD", Date: "2026-01-01", Rate: "0.9"},
		{Currency: "USD", Date: "2026-02-01", Rate: "0.8"},
		{Currency: "JPY", Date: "2026-02-15", Rate: "0.0060"},
	}); err != nil {
		t.Fatal(err)
	}
	rt, err := s.RateTable(ctx, d, d.Dialect, p.WorkspaceID)
	if err != nil {
		t.Fatal(err)
	}
	return d, s, p, rt
}

// TestRateTable: the rates read once and looked up in Go are those the
// SQL join finds for every currency and day — before the first rate,
// on a rate's day, between rates, after the last — on both databases.
func TestRateTable(t *testing.T) {
	d, s, p, rt := setupRates(t)
	ctx := context.Background()
	base, err := s.BaseCurrency(ctx, d, p.WorkspaceID)
	if err != nil {
		t.Fatal(err)
	}
	day := "CAST(? AS TEXT)"
	if d.Dialect == db.Postgres {
		day = "CAST(? AS DATE)"
	}
	for _, cur := range []string{"USD", "JPY", "GBP", base} {
		for _, dt := range []string{"2025-12-31", "2026-01-01", "2026-01-31", "2026-02-01", "2026-02-14", "2026-02-15", "2027-06-30"} {
			var want sql.NullString
			err := d.QueryRow(ctx, "SELECT er_.rate FROM (SELECT 1) x LEFT JOIN "+money.RatesTableSQL(d.Dialect)+" er_ ON "+money.RateJoinSQL(d.Dialect, "er_", "?", day),
				p.WorkspaceID, p.WorkspaceID, cur, dt, dt).Scan(&want)
			if err != nil {
				t.Fatal(err)
			}
			if got := rt.On(cur, dt); got != want {
				t.Errorf("%s on %s: table %v, SQL %v", cur, dt, got, want)
			}
		}
	}
	if got := rt.On("USD", "2026-01-15"); got.String != "0.9" {
		t.Errorf("USD on 2026-01-15: %v", got)
	}
}

// TestGroups checks that adding up groups per rate before converting
// gives the totals of converting each group on its own, exactly, and
// converts each key, currency and rate once.
func TestGroups(t *testing.T) {
	_, _, _, rt := setupRates(t)

	g := money.NewGroups[string](rt)
	for _, r := range []struct{ cur, day, sum string }{
		{"USD", "2026-01-05", "10"}, {"USD", "2026-01-20", "5.5"}, {"USD", "2026-02-03", "1:500000000000"},
	} {
		if err := g.Add("a", r.cur, r.day, r.sum, 1); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	g.Each(func(k, cur string, n int, amount *big.Rat, rate sql.NullString) error {
		got = append(got, k+" "+cur+" "+amount.FloatString(2)+" @"+rate.String+" n="+big.NewInt(int64(n)).String())
		return nil
	})
	if want := "[a USD 15.50 @0.9 n=2 a USD 1.50 @0.8 n=1]"; fmtList(got) != want {
		t.Errorf("groups: %v, want %s", got, want)
	}

	// Many groups, in every form a sum comes in, against converting each
	// on its own.
	curs := []string{"EUR", "USD", "JPY", "GBP", ""}
	sums := []string{"12.34", "-0.5", "1:250000000000", "-3:-750000000000", "0.000000000001", "92233720368547758070.25",
		"9223372036854775807:0", "1e3", "7"}
	g = money.NewGroups[string](rt)
	each := map[string]*money.Total{}
	counts := map[string]int{}
	for i := 0; i < 400; i++ {
		key := []string{"open", "won"}[i%2]
		cur := curs[(i/2)%len(curs)]
		day := time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*7)%90).Format("2006-01-02")
		sum := sums[(i/3)%len(sums)]
		if cur == "" {
			sum = ""
		}
		if err := g.Add(key, cur, day, sum, 2); err != nil {
			t.Fatal(err)
		}
		if each[key] == nil {
			each[key] = money.NewTotal("EUR")
		}
		if err := each[key].Add(sum, cur, rt.On(cur, day)); err != nil {
			t.Fatal(err)
		}
		counts[key] += 2
	}
	grouped, n, calls := map[string]*money.Total{}, map[string]int{}, 0
	err := g.Each(func(k, cur string, c int, amount *big.Rat, rate sql.NullString) error {
		calls++
		n[k] += c
		if grouped[k] == nil {
			grouped[k] = money.NewTotal("EUR")
		}
		if cur == "" {
			return nil
		}
		return grouped[k].AddRat(amount, cur, rate)
	})
	if err != nil {
		t.Fatal(err)
	}
	// 2 keys × (EUR 1 rate, USD 2 rates + none before 2026, JPY 1 + none
	// before 15 February, GBP none, no currency).
	if calls != 2*(1+3+2+1+1) {
		t.Errorf("%d conversions, want %d", calls, 2*8)
	}
	for _, k := range []string{"open", "won"} {
		if a, b := grouped[k].Rat(), each[k].Rat(); a.Cmp(b) != 0 {
			t.Errorf("%s: grouped %s, each on its own %s", k, a.FloatString(12), b.FloatString(12))
		}
		if a, b := fmtMap(grouped[k].Missing()), fmtMap(each[k].Missing()); a != b {
			t.Errorf("%s: grouped leaves out %s, each on its own %s", k, a, b)
		}
		if n[k] != counts[k] {
			t.Errorf("%s: %d rows, want %d", k, n[k], counts[k])
		}
	}
	if err := g.Add("x", "USD", "2026-01-05", "12,5", 1); err == nil {
		t.Error("a bad sum was added")
	}
}

func fmtList(l []string) string { return "[" + strings.Join(l, " ") + "]" }

func fmtMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + m[k] + ";")
	}
	return b.String()
}
