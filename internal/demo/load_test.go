package demo

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mathbig "math/big"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/orders"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestLoad loads a small workspace into an empty database (indexes built
// after the load, keys staged and copied sorted) and a second one next
// to it (indexes kept), and checks that both hold every row, that every
// index is back and that nothing of the staging is left.
func TestLoad(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	svc := auth.NewService(d, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	indexes, err := d.SecondaryIndexes(ctx, bulkTables...)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"First", "Second"} {
		ws, admin, err := svc.Setup(ctx, auth.SetupInput{Workspace: name, Email: "demo" + name + "@example.com", Name: "Demo", Password: "demo-password"})
		if err != nil {
			t.Fatal(err)
		}
		g := testSalesGen(int64(i + 1))
		var stages []string
		st, err := Load(ctx, d, g, LoadOptions{Workspace: ws.ID, Owners: []string{admin.ID}, Progress: func(stage string, done, total int) {
			if done == total && (len(stages) == 0 || stages[len(stages)-1] != stage) {
				stages = append(stages, stage)
			}
		}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if st.Accounts != 40 || st.Contacts != 300 || st.Activities != 900 {
			t.Fatalf("%s: stats %+v", name, st)
		}
		wantStages := "[accounts contacts activities catalogue leads deals contracts orders]"
		if i == 0 {
			wantStages = "[accounts contacts activities catalogue leads deals contracts orders keys indexes]" // an empty database
		}
		if got := fmt.Sprint(stages); got != wantStages {
			t.Errorf("%s: stages %s, want %s", name, got, wantStages)
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := d.QueryRow(ctx, q, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		if st.DealActivities == 0 {
			t.Errorf("%s: no activities on deals", name)
		}
		for table, want := range map[string]int{"accounts": 40, "contacts": 300, "activities": 900 + st.DealActivities, "account_contacts": 300,
			"activity_links": 2 * (900 + st.DealActivities), "activity_deals": st.DealActivities} {
			if n := count("SELECT COUNT(*) FROM "+table+" WHERE workspace_id = ?", ws.ID); n != want {
				t.Errorf("%s: %d rows in %s, want %d", name, n, table, want)
			}
		}
		// Every contact can be found and matched.
		if n := count("SELECT COUNT(DISTINCT record_id) FROM search_docs WHERE workspace_id = ? AND object = 'contacts'", ws.ID); n != 300 {
			t.Errorf("%s: %d contacts have search terms, want 300", name, n)
		}
		if n := count("SELECT COUNT(DISTINCT record_id) FROM match_keys WHERE workspace_id = ? AND object = 'contacts'", ws.ID); n < 290 {
			t.Errorf("%s: %d contacts have matching keys", name, n)
		}
		// The key sets hold exactly the keys of match_keys, record by record.
		if rows, sets := keyRows(t, d, ws.ID), keySets(t, d, ws.ID); !slices.Equal(rows, sets) || len(rows) < 290 {
			t.Errorf("%s: %d rows of match_keys, %d keys in match_key_sets; they differ or are too few", name, len(rows), len(sets))
		}
		c := g.Contact(7)
		if n := count("SELECT length(words) - length(replace(words, ' ', '')) + 1 FROM search_docs WHERE workspace_id = ? AND record_id = ?", ws.ID, ID(ws.ID, "contacts", 7)); n < 3 {
			t.Errorf("%s: contact %s has %d terms", name, c.Family, n)
		}
		if n := count("SELECT COUNT(*) FROM search_vocab WHERE workspace_id = ?", ws.ID); n == 0 {
			t.Errorf("%s: no vocabulary", name)
		}
		// Tags, account relationships and teams.
		accTags, conTags, rels := 0, 0, 0
		for i := range g.Config().Accounts {
			accTags += len(g.AccountTags(i))
			a := g.Account(i)
			if _, to, ok := g.accountRelationship(i, &a); ok {
				if to >= i {
					t.Errorf("account %d relates to %d", i, to)
				}
				rels++
			}
		}
		for i := range g.Config().Contacts {
			c := g.Contact(i)
			conTags += len(g.contactTags(i, &c))
		}
		for table, want := range map[string]int{"tags": len(tagDefs), "teams": len(teamDefs), "team_members": 1, "account_tags": accTags, "contact_tags": conTags, "account_relationships": rels} {
			if n := count("SELECT COUNT(*) FROM "+table+" WHERE workspace_id = ?", ws.ID); n != want || want == 0 {
				t.Errorf("%s: %d rows in %s, want %d", name, n, table, want)
			}
		}
		checkSales(t, d, ws.ID, g, st)
	}
	after, err := d.SecondaryIndexes(ctx, bulkTables...)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(after) != fmt.Sprint(indexes) {
		t.Errorf("indexes after the loads differ:\n got %v\nwant %v", after, indexes)
	}
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM deferred_indexes").Scan(&n); err != nil || n != 0 {
		t.Errorf("deferred_indexes holds %d rows (%v)", n, err)
	}
	stagingLeft := "SELECT COUNT(*) FROM sqlite_temp_master WHERE name LIKE 'demo_stage_%'"
	if d.Dialect == db.Postgres {
		stagingLeft = "SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE 'demo_stage_%'"
	}
	// On SQLite the staging tables are the writer connection's own.
	if err := d.W.QueryRowContext(ctx, stagingLeft).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d staging tables left (%v)", n, err)
	}
}

// testSalesGen is a small workspace with every sales object.
func testSalesGen(seed int64) *Generator {
	return New(Config{Seed: seed, Accounts: 40, Contacts: 300, Activities: 900, Leads: 60, Deals: 400, Products: 30, Contracts: 8, Orders: 500, TagsAndTeams: true, Now: testNow})
}

// checkSales checks the loaded sales objects of workspace ws against the
// generator and against the rules the application keeps: documents'
// totals are the sums of their lines, an invoice's balance is its total
// less its payments, an order line's shipped quantity is what its
// shipments carry, a deal is in a stage of its pipeline with the
// stage's status and one open stage-history row.
func checkSales(t *testing.T, d *db.DB, ws string, g *Generator, st Stats) {
	t.Helper()
	ctx := context.Background()
	c := g.Config()
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := d.QueryRow(ctx, q, append([]any{ws}, args...)...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if st.Leads != c.Leads || st.Deals != c.Deals || st.Orders != c.Orders || st.Invoices != c.Orders+g.ContractInvoiceBase(c.Contracts) || st.Invoices == c.Orders || st.Contracts != c.Contracts ||
		st.Quotes == 0 || st.LineItems == 0 || st.Payments == 0 || st.Shipments == 0 {
		t.Fatalf("sales stats %+v", st)
	}
	for table, want := range map[string]int{"leads": c.Leads, "deals": c.Deals, "quotes": st.Quotes, "orders": c.Orders, "invoices": st.Invoices,
		"payments": st.Payments, "shipments": st.Shipments, "line_items": st.LineItems, "contracts": c.Contracts, "products": c.Products,
		"deal_contacts": c.Deals, "pipelines": len(pipelineDefs), "price_books": len(g.PriceBooks()), "price_book_entries": len(g.PriceBooks()) * c.Products,
		"lead_score_rules": len(g.ScoreRules())} {
		if n := count("SELECT COUNT(*) FROM " + table + " WHERE workspace_id = ?"); n != want {
			t.Errorf("%d rows in %s, want %d", n, table, want)
		}
	}
	// Leads and deals are found by the search box: TestLoadedSalesInTheApp
	// asks it, whatever the index is stored as.
	// Every record has its creation in the history.
	if n := count("SELECT COUNT(*) FROM record_changes WHERE workspace_id = ? AND action = 'create' AND object IN ('leads', 'deals', 'quotes', 'orders', 'invoices', 'payments', 'shipments', 'line_items', 'contracts')"); n != c.Leads+c.Deals+st.Quotes+c.Orders+st.Invoices+st.Payments+st.Shipments+st.LineItems+c.Contracts {
		t.Errorf("%d history rows of sales records", n)
	}
	if n := count("SELECT COUNT(*) FROM pipelines WHERE workspace_id = ? AND is_default = ?", true); n != 1 {
		t.Errorf("%d default pipelines", n)
	}
	// Deals: in a stage of their pipeline, with its name and status, the
	// fields it requires, and their stage history ending there.
	if n := count(`SELECT COUNT(*) FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id WHERE d.workspace_id = ? AND s.pipeline_id = d.pipeline_id AND s.name = d.stage_name
		AND d.status = CASE WHEN s.is_won = ? THEN 'won' WHEN s.is_lost = ? THEN 'lost' ELSE 'open' END AND d.amount_amount IS NOT NULL AND d.close_date IS NOT NULL
		AND (d.status <> 'lost' OR d.loss_reason IS NOT NULL) AND (d.status = 'open') = (d.closed_at IS NULL)`, true, true); n != c.Deals {
		t.Errorf("%d of %d deals are consistent with their stage", n, c.Deals)
	}
	if n := count(`SELECT COUNT(*) FROM deals d JOIN deal_stage_history h ON h.workspace_id = d.workspace_id AND h.deal_id = d.id AND h.left_at IS NULL
		WHERE d.workspace_id = ? AND h.stage_id = d.stage_id AND h.entered_at = d.stage_entered_at`); n != c.Deals {
		t.Errorf("%d of %d deals have one open stage-history row in their stage", n, c.Deals)
	}
	if n := count(`SELECT COUNT(*) FROM deals d JOIN leads l ON l.workspace_id = d.workspace_id AND l.id = d.lead_id WHERE d.workspace_id = ? AND l.status = 'converted' AND l.deal_id = d.id`); n != min(c.Leads, (c.Deals+9)/10) {
		t.Errorf("%d deals name the lead they were converted from", n)
	}
	if n := count(`SELECT COUNT(*) FROM quotes q JOIN orders o ON o.workspace_id = q.workspace_id AND o.id = q.order_id WHERE q.workspace_id = ? AND q.status = 'accepted' AND o.quote_id = q.id`); n == 0 ||
		n != count("SELECT COUNT(*) FROM quotes WHERE workspace_id = ? AND status = 'accepted'") {
		t.Errorf("%d accepted quotes with their orders", n)
	}
	// Documents add up: totals are the sums of the lines.
	lineSums := map[string][4]*mathbig.Rat{}
	rows, err := d.Query(ctx, "SELECT quote_id, order_id, invoice_id, line_subtotal_amount, line_discount_amount, line_tax_amount, line_total_amount, quantity, unit_price_amount, discount_percent, tax_rate, unit_price_currency FROM line_items WHERE workspace_id = ?", ws)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var q, o, inv any
		var a [4]string
		var qty, price, cur string
		var pct, tax sql.NullString
		if err := rows.Scan(&q, &o, &inv, &a[0], &a[1], &a[2], &a[3], &qty, &price, &pct, &tax, &cur); err != nil {
			t.Fatal(err)
		}
		// The stored line totals are what the application computes.
		lt, err := orders.Line{Quantity: qty, UnitPrice: price, DiscountPercent: pct.String, TaxRate: tax.String, Currency: cur}.Compute()
		if err != nil || !sameAmount(lt.Total, a[3]) || !sameAmount(lt.Tax, a[2]) || !sameAmount(lt.Discount, a[1]) {
			t.Errorf("line %s × %s %s (-%s%%, tax %s%%) totals %v, the application computes %+v (%v)", qty, price, cur, pct.String, tax.String, a, lt, err)
		}
		doc := db.IDText(q) + db.IDText(o) + db.IDText(inv)
		s := lineSums[doc]
		for k := range s {
			if s[k] == nil {
				s[k] = new(mathbig.Rat)
			}
			s[k].Add(s[k], rat(t, a[k]))
		}
		lineSums[doc] = s
	}
	rows.Close()
	docs := 0
	for _, table := range []string{"quotes", "orders", "invoices"} {
		rows, err := d.Query(ctx, "SELECT id, subtotal_amount, discount_total_amount, tax_total_amount, grand_total_amount FROM "+table+" WHERE workspace_id = ?", ws)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id any
			var a [4]string
			if err := rows.Scan(&id, &a[0], &a[1], &a[2], &a[3]); err != nil {
				t.Fatal(err)
			}
			s := lineSums[db.IDText(id)]
			for k := range a {
				if s[k] == nil || rat(t, a[k]).Cmp(s[k]) != 0 {
					t.Errorf("%s %s: total %d is %s, its lines add up to %v", table, db.IDText(id), k, a[k], s[k])
				}
			}
			docs++
		}
		rows.Close()
	}
	if docs != st.Quotes+c.Orders+st.Invoices {
		t.Errorf("%d documents checked", docs)
	}
	// Invoices: paid is the sum of the payments, the balance the rest,
	// the status follows; void invoices owe nothing.
	paid := map[string]*mathbig.Rat{}
	rows, err = d.Query(ctx, "SELECT invoice_id, amount_amount FROM payments WHERE workspace_id = ?", ws)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id any
		var a string
		if err := rows.Scan(&id, &a); err != nil {
			t.Fatal(err)
		}
		if paid[db.IDText(id)] == nil {
			paid[db.IDText(id)] = new(mathbig.Rat)
		}
		paid[db.IDText(id)].Add(paid[db.IDText(id)], rat(t, a))
	}
	rows.Close()
	statuses := map[string]int{}
	rows, err = d.Query(ctx, "SELECT id, status, grand_total_amount, amount_paid_amount, balance_amount, issue_date, due_date FROM invoices WHERE workspace_id = ?", ws)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, issue, due any
		var status, total, pd, bal string
		if err := rows.Scan(&id, &status, &total, &pd, &bal, &issue, &due); err != nil {
			t.Fatal(err)
		}
		p := paid[db.IDText(id)]
		if p == nil {
			p = new(mathbig.Rat)
		}
		want := new(mathbig.Rat).Sub(rat(t, total), p)
		wantStatus := status
		switch status {
		case "void":
			want = new(mathbig.Rat)
		case "issued", "partially_paid", "paid":
			wantStatus = map[bool]string{true: "paid", false: "partially_paid"}[want.Sign() <= 0]
			if p.Sign() == 0 {
				wantStatus = "issued"
			}
		}
		if rat(t, pd).Cmp(p) != 0 || rat(t, bal).Cmp(want) != 0 || want.Sign() < 0 || status != wantStatus || db.DayText(due) < db.DayText(issue) {
			t.Errorf("invoice %s: %s, total %s, paid %s (payments %v), balance %s, issued %v due %v", db.IDText(id), status, total, pd, p, bal, issue, due)
		}
		statuses[status]++
	}
	rows.Close()
	for _, s := range []string{"issued", "partially_paid", "paid", "void"} {
		if statuses[s] == 0 {
			t.Errorf("no %s invoice among %v", s, statuses)
		}
	}
	// Order lines: shipped is what the shipments carry, never more than
	// ordered; the order's fulfilment follows.
	rows, err = d.Query(ctx, `SELECT o.id, o.fulfilment, l.quantity, l.shipped_quantity, (SELECT SUM(CAST(sl.quantity AS INTEGER)) FROM shipment_lines sl WHERE sl.workspace_id = l.workspace_id AND sl.line_item_id = l.id)
		FROM line_items l JOIN orders o ON o.workspace_id = l.workspace_id AND o.id = l.order_id WHERE l.workspace_id = ?`, ws)
	if err != nil {
		t.Fatal(err)
	}
	type ful struct{ any, all bool }
	fulfil, fulfilment := map[string]*ful{}, map[string]string{}
	for rows.Next() {
		var id any
		var f, qty string
		var shipped sql.NullString
		var carried sql.NullInt64
		if err := rows.Scan(&id, &f, &qty, &shipped, &carried); err != nil {
			t.Fatal(err)
		}
		o := db.IDText(id)
		if fulfil[o] == nil {
			fulfil[o] = &ful{all: true}
		}
		fulfilment[o] = f
		q, _ := strconv.Atoi(qty)
		s, _ := strconv.Atoi(shipped.String)
		if shipped.Valid != (f != "unfulfilled") || int64(s) != carried.Int64 || s > q {
			t.Errorf("order %s (%s): line of %s, shipped %v, its shipments carry %v", o, f, qty, shipped, carried)
		}
		fulfil[o].any = fulfil[o].any || s > 0
		fulfil[o].all = fulfil[o].all && s == q
	}
	rows.Close()
	for o, fl := range fulfil {
		want := "unfulfilled"
		switch {
		case fl.all:
			want = "shipped|delivered"
		case fl.any:
			want = "partial"
		}
		if !strings.Contains(want, fulfilment[o]) {
			t.Errorf("order %s is %s, its lines say %s", o, fulfilment[o], want)
		}
	}
	checkStatusHistory(t, d, ws, g.Config().Now)
	checkRevisions(t, d, ws, g)
	checkContractInvoices(t, d, ws, g)
	checkLeadScores(t, d, ws, g)
	// Document numbers are unique, and the next ones follow them.
	for _, sv := range []struct{ table, kind string }{{"invoices", "invoice"}, {"payments", "payment"}, {"orders", "order"}} {
		if n, m := count("SELECT COUNT(DISTINCT number) FROM "+sv.table+" WHERE workspace_id = ?"), count("SELECT COUNT(*) FROM "+sv.table+" WHERE workspace_id = ?"); n != m {
			t.Errorf("%s: %d numbers for %d records", sv.table, n, m)
		}
		var last string
		if err := d.QueryRow(ctx, "SELECT MAX(number) FROM "+sv.table+" WHERE workspace_id = ?", ws).Scan(&last); err != nil {
			t.Fatal(err)
		}
		if n := count("SELECT last FROM sales_counters WHERE workspace_id = ? AND kind = ?", sv.kind); !strings.HasSuffix(last, fmt.Sprintf("-%05d", n)) {
			t.Errorf("the %s counter is at %d, the last number is %s", sv.kind, n, last)
		}
	}
	if n := count("SELECT COUNT(DISTINCT currency) FROM orders WHERE workspace_id = ?"); n < 3 {
		t.Errorf("orders in %d currencies", n)
	}
	// Every currency but the workspace's has rates.
	if n := count("SELECT COUNT(DISTINCT o.currency) FROM orders o JOIN workspaces w ON w.id = o.workspace_id WHERE o.workspace_id = ? AND o.currency <> w.currency AND NOT EXISTS (SELECT 1 FROM exchange_rates r WHERE r.workspace_id = o.workspace_id AND r.currency = o.currency)"); n != 0 {
		t.Errorf("%d currencies without rates", n)
	}
}

func rat(t *testing.T, s string) *mathbig.Rat {
	t.Helper()
	r, ok := new(mathbig.Rat).SetString(s)
	if !ok {
		t.Fatalf("amount %q", s)
	}
	return r
}

func sameAmount(a, b string) bool {
	x, ok1 := new(mathbig.Rat).SetString(a)
	y, ok2 := new(mathbig.Rat).SetString(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}

// checkStatusHistory replays the history of the documents' statuses
// (and orders' fulfilment) — the creation's snapshot, then each change —
// and checks that it ends at the record's value, that each change starts
// from the value before it, and that it runs forward in time, from the
// record's creation to no later than now.
func checkStatusHistory(t *testing.T, d *db.DB, ws string, now int64) {
	t.Helper()
	ctx := context.Background()
	type step struct {
		action, field, value, old string
		at                        time.Time
		id                        string
	}
	changed := 0
	for _, sv := range []struct{ table, fields string }{{"quotes", "status"}, {"orders", "status fulfilment"}, {"invoices", "status"}, {"shipments", "status"}, {"contracts", "status"}} {
		steps := map[string][]step{}
		rows, err := d.Query(ctx, "SELECT record_id, id, action, field, old_value, new_value, changed_at FROM record_changes WHERE workspace_id = ? AND object = ?", ws, sv.table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var rid, id any
			var action string
			var field, oldV, newV sql.NullString
			var at db.Time
			if err := rows.Scan(&rid, &id, &action, &field, &oldV, &newV, &at); err != nil {
				t.Fatal(err)
			}
			steps[db.IDText(rid)] = append(steps[db.IDText(rid)], step{action, field.String, newV.String, oldV.String, at.Time, db.IDText(id)})
		}
		rows.Close()
		rows, err = d.Query(ctx, "SELECT id, created_at, updated_at, status, "+map[bool]string{true: "fulfilment", false: "status"}[sv.table == "orders"]+" FROM "+sv.table+" WHERE workspace_id = ?", ws)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var id any
			var created, updated db.Time
			var status, fulfilment string
			if err := rows.Scan(&id, &created, &updated, &status, &fulfilment); err != nil {
				t.Fatal(err)
			}
			n++
			ss := steps[db.IDText(id)]
			slices.SortStableFunc(ss, func(a, b step) int {
				if c := a.at.Compare(b.at); c != 0 {
					return c
				}
				return strings.Compare(map[bool]string{true: "0", false: "1"}[a.action == "create"]+a.id, map[bool]string{true: "0", false: "1"}[b.action == "create"]+b.id)
			})
			if len(ss) == 0 || ss[0].action != "create" || !ss[0].at.Equal(created.Time) {
				t.Fatalf("%s %s: history %+v, created %v", sv.table, db.IDText(id), ss, created.Time)
			}
			var snap map[string]any
			if err := json.Unmarshal([]byte(ss[0].value), &snap); err != nil {
				t.Fatal(err)
			}
			cur := map[string]string{}
			for _, f := range strings.Fields(sv.fields) {
				cur[f], _ = snap[f].(string)
			}
			last := ss[0].at
			for _, s := range ss[1:] {
				var oldV, newV string
				json.Unmarshal([]byte(s.old), &oldV)
				json.Unmarshal([]byte(s.value), &newV)
				if s.action != "update" || oldV != cur[s.field] || s.at.Before(last) || s.at.Unix() > now {
					t.Fatalf("%s %s: change %+v after %v (%v)", sv.table, db.IDText(id), s, cur, last)
				}
				cur[s.field], last = newV, s.at
				changed++
			}
			want := map[string]string{"status": status}
			if sv.table == "orders" {
				want["fulfilment"] = fulfilment
			}
			for f, v := range want {
				if cur[f] != v {
					t.Fatalf("%s %s: %s is %s, its history ends at %s", sv.table, db.IDText(id), f, v, cur[f])
				}
			}
			if !last.Equal(updated.Time) {
				t.Errorf("%s %s: updated %v, last changed %v", sv.table, db.IDText(id), updated.Time, last)
			}
		}
		rows.Close()
		if n == 0 {
			t.Errorf("no %s", sv.table)
		}
	}
	if changed == 0 {
		t.Error("no status changes in the history")
	}
}

// checkRevisions: a quote's second revision names the first, which has
// its number, deal and currency and is superseded; some quotes have two.
func checkRevisions(t *testing.T, d *db.DB, ws string, g *Generator) {
	t.Helper()
	ctx := context.Background()
	var twos, ones, good int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM quotes WHERE workspace_id = ? AND revision = 2", ws).Scan(&twos); err != nil {
		t.Fatal(err)
	}
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM quotes WHERE workspace_id = ? AND revision = 1 AND status = 'superseded'", ws).Scan(&ones); err != nil {
		t.Fatal(err)
	}
	err := d.QueryRow(ctx, `SELECT COUNT(*) FROM quotes q JOIN quotes p ON p.workspace_id = q.workspace_id AND p.id = q.previous_id
		WHERE q.workspace_id = ? AND q.revision = 2 AND p.revision = 1 AND p.status = 'superseded' AND p.number = q.number AND p.deal_id = q.deal_id
		AND p.currency = q.currency AND p.created_at < q.created_at AND p.updated_at = q.created_at AND p.order_id IS NULL`, ws).Scan(&good)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := range g.Config().Deals {
		if _, ok := g.QuoteRevision(i); ok {
			want++
		}
	}
	if twos == 0 || twos != want || ones != want || good != want {
		t.Errorf("quote revisions: %d second, %d superseded first, %d consistent; the generator has %d", twos, ones, good, want)
	}
}

// checkContractInvoices: a contract's invoices bill its quarters, each
// what the application bills for the period (orders.PeriodAmount), in
// the contract's currency, within its term and no later than now.
func checkContractInvoices(t *testing.T, d *db.DB, ws string, g *Generator) {
	t.Helper()
	ctx := context.Background()
	rows, err := d.Query(ctx, `SELECT i.number, i.period_start, i.period_end, i.issue_date, i.grand_total_amount, i.currency, c.value_amount, c.value_currency, c.start_date, c.end_date, c.status
		FROM invoices i JOIN contracts c ON c.workspace_id = i.workspace_id AND c.id = i.contract_id WHERE i.workspace_id = ? AND i.order_id IS NULL`, ws)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	now := time.Unix(g.Config().Now, 0).UTC().Format("2006-01-02")
	for rows.Next() {
		var number, total, cur, value, vcur, status string
		var ps, pe, issue, cs, ce any
		if err := rows.Scan(&number, &ps, &pe, &issue, &total, &cur, &value, &vcur, &cs, &ce, &status); err != nil {
			t.Fatal(err)
		}
		want := orders.PeriodAmount(records.MoneyValue{Amount: value, Currency: vcur}, db.DayText(cs), db.DayText(ce), db.DayText(ps), db.DayText(pe))
		if !sameAmount(total, want) || cur != vcur || db.DayText(ps) < db.DayText(cs) || db.DayText(pe) > db.DayText(ce) || db.DayText(pe) < db.DayText(ps) ||
			db.DayText(issue) > now || status == "draft" {
			t.Errorf("contract invoice %s: %s %s for %v – %v, issued %v, the contract (%s) %s %s from %v to %v bills %s", number, total, cur, ps, pe, issue, status, value, vcur, cs, ce, want)
		}
		n++
	}
	if n == 0 || n != g.ContractInvoiceBase(g.Config().Contracts) {
		t.Errorf("%d contract invoices, the generator has %d", n, g.ContractInvoiceBase(g.Config().Contracts))
	}
}

// checkLeadScores: every lead's score and reasons are what the loaded
// rules give its loaded values (sales.ScoreLead, as the application
// scores), and some leads score.
func checkLeadScores(t *testing.T, d *db.DB, ws string, g *Generator) {
	t.Helper()
	ctx := context.Background()
	var rules []sales.ScoreRule
	rows, err := d.Query(ctx, "SELECT kind, field, operator, value, points FROM lead_score_rules WHERE workspace_id = ? ORDER BY position", ws)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r sales.ScoreRule
		if err := rows.Scan(&r.Kind, &r.Field, &r.Operator, &r.Value, &r.Points); err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	rows.Close()
	rows, err = d.Query(ctx, "SELECT company, job_title, email, phone, website, industry, country, city, source, campaign, status, score, score_reasons FROM leads WHERE workspace_id = ?", ws)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	scored, langs := 0, map[string]bool{}
	for rows.Next() {
		var v [11]sql.NullString
		var score int
		var reasons sql.NullString
		dest := []any{}
		for k := range v {
			dest = append(dest, &v[k])
		}
		if err := rows.Scan(append(dest, &score, &reasons)...); err != nil {
			t.Fatal(err)
		}
		vals := map[string]any{}
		for k, f := range []string{"company", "job_title", "email", "phone", "website", "industry", "country", "city", "source", "campaign", "status"} {
			vals[f] = v[k].String
		}
		ws, wr := sales.ScoreLead(rules, vals, nil)
		if score != ws || reasons.String != wr {
			t.Errorf("lead %v scores %d (%q), the rules give %d (%q)", vals, score, reasons.String, ws, wr)
		}
		if score != 0 {
			scored++
		}
		for _, w := range []string{"Director", "Gerente", "经理"} {
			if strings.Contains(wr, w) {
				langs[w] = true
			}
		}
	}
	if scored == 0 || len(langs) != 3 {
		t.Errorf("%d leads scored; job-title rules in %d languages hit", scored, len(langs))
	}
}

// keyRows lists the matching keys of a workspace as "object record kind
// key", sorted.
func keyRows(t *testing.T, d *db.DB, ws string) []string {
	t.Helper()
	rows, err := d.Query(t.Context(), "SELECT object, record_id, kind, key FROM match_keys WHERE workspace_id = ?", ws)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o, id, k, v string
		if err := rows.Scan(&o, &id, &k, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, o+" "+id+" "+k+" "+v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// keySets lists the keys that match_key_sets holds, as keyRows does.
func keySets(t *testing.T, d *db.DB, ws string) []string {
	t.Helper()
	rows, err := d.Query(t.Context(), "SELECT object, record_id, keys FROM match_key_sets WHERE workspace_id = ?", ws)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o, id, js string
		if err := rows.Scan(&o, &id, &js); err != nil {
			t.Fatal(err)
		}
		var m map[string][]string
		if err := json.Unmarshal([]byte(js), &m); err != nil {
			t.Fatal(err)
		}
		for k, vs := range m {
			for _, v := range vs {
				out = append(out, o+" "+id+" "+k+" "+v)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestSharedText: a text column equal in every row is bound once and
// named by number in each row; other columns, and texts that differ or
// are not text in every row, keep an argument per row.
func TestSharedText(t *testing.T) {
	rows := []any{
		"ws", "contacts", "a", 1, nil,
		"ws", "contacts", "b", 1, nil,
		"ws", "accounts", "c", 1, nil,
	}
	q, args := sharedText("INSERT INTO t (w, o, k, n, x) VALUES ", "", 5, 3, rows)
	want := "INSERT INTO t (w, o, k, n, x) VALUES (?1,?2,?3,?4,?5),(?1,?,?,?,?),(?1,?,?,?,?) "
	if q != want {
		t.Fatalf("statement\n %s\nwant\n %s", q, want)
	}
	wantArgs := []any{"ws", "contacts", "a", 1, nil, "contacts", "b", 1, nil, "accounts", "c", 1, nil}
	if fmt.Sprint(args) != fmt.Sprint(wantArgs) {
		t.Fatalf("arguments %v, want %v", args, wantArgs)
	}
	// One row: nothing to share.
	if q, args := sharedText("INSERT INTO t (w) VALUES ", "", 1, 1, []any{"ws"}); q != "INSERT INTO t (w) VALUES (?) " || len(args) != 1 {
		t.Fatalf("one row: %q %v", q, args)
	}
}
