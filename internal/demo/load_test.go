package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
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
		g := testGen(int64(i+1), 40, 300, 900)
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
		wantStages := "[accounts contacts activities]"
		if i == 0 {
			wantStages = "[accounts contacts activities keys indexes]" // an empty database
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
		for table, want := range map[string]int{"accounts": 40, "contacts": 300, "activities": 900, "account_contacts": 300, "activity_links": 1800} {
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
		c := g.Contact(7)
		if n := count("SELECT length(words) - length(replace(words, ' ', '')) + 1 FROM search_docs WHERE workspace_id = ? AND record_id = ?", ws.ID, ID(ws.ID, "contacts", 7)); n < 3 {
			t.Errorf("%s: contact %s has %d terms", name, c.Family, n)
		}
		if n := count("SELECT COUNT(*) FROM search_vocab WHERE workspace_id = ?", ws.ID); n == 0 {
			t.Errorf("%s: no vocabulary", name)
		}
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
