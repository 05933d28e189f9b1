package db_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/errs"
)

// TestDeferredIndexes: a bulk load drops the secondary indexes of its
// tables and builds them again; constraint indexes stay throughout, and
// an interrupted load's indexes come back at the next build.
func TestDeferredIndexes(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	tables := []string{"contacts", "match_keys", "record_changes"}
	before, err := d.SecondaryIndexes(ctx, tables...)
	if err != nil {
		t.Fatal(err)
	}
	names := func(ixs []db.Index) map[string]bool {
		m := map[string]bool{}
		for _, ix := range ixs {
			m[ix.Name] = true
		}
		return m
	}
	want := names(before)
	for _, n := range []string{"contacts_by_name", "contacts_by_email", "record_changes_record"} {
		if !want[n] {
			t.Fatalf("secondary indexes %v lack %s", want, n)
		}
	}
	if want["contacts_pkey"] || want["match_keys_pkey"] {
		t.Fatalf("a primary key counted as a secondary index: %v", want)
	}
	if err := d.DeferIndexes(ctx, tables...); err != nil {
		t.Fatal(err)
	}
	if now, err := d.SecondaryIndexes(ctx, tables...); err != nil || len(now) != 0 {
		t.Fatalf("after DeferIndexes: %v, %v", now, err)
	}
	// The primary key still holds while the indexes are away.
	ws, err := insertWorkspace(t, d, "Bulk")
	if err != nil {
		t.Fatal(err)
	}
	ins := "INSERT INTO match_keys (workspace_id, object, kind, key, record_id) VALUES (?, 'contacts', 'email', 'a@b.example', '01a20000-0000-7000-8000-000000000001')"
	if _, err := d.Exec(ctx, ins, ws); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, ins, ws); !errs.Is(err, errs.Conflict) {
		t.Fatalf("a duplicate primary key while indexes are deferred: %v", err)
	}
	// Interrupted after the first index, then finished: every index comes
	// back exactly once.
	cctx, cancel := context.WithCancel(ctx)
	err = d.BuildDeferredIndexes(cctx, func(done, total int) {
		if total != len(before) {
			t.Errorf("progress total %d, want %d", total, len(before))
		}
		if done == 1 {
			cancel()
		}
	})
	cancel()
	if err == nil {
		t.Fatal("a cancelled build reported success")
	}
	var left int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM deferred_indexes").Scan(&left); err != nil || left != len(before)-1 {
		t.Fatalf("after an interrupted build %d indexes wait (%v), want %d", left, err, len(before)-1)
	}
	if err := d.BuildDeferredIndexes(ctx, nil); err != nil {
		t.Fatalf("finishing the build: %v", err)
	}
	after, err := d.SecondaryIndexes(ctx, tables...)
	if err != nil {
		t.Fatal(err)
	}
	got := names(after)
	if len(got) != len(want) {
		t.Fatalf("after the build %v, want %v", got, want)
	}
	for n := range want {
		if !got[n] {
			t.Errorf("index %s not rebuilt", n)
		}
	}
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM deferred_indexes").Scan(&left); err != nil || left != 0 {
		t.Errorf("deferred_indexes keeps %d rows (%v)", left, err)
	}
}

// TestMatchKeySetsMigration: upgrading a database that has matching keys
// (migration 0013) writes each record's keys into match_key_sets, as a
// JSON object of kind → values, and drops the index of match_keys by
// record, also when a bulk load had deferred it.
func TestMatchKeySetsMigration(t *testing.T) {
	ctx := context.Background()
	var opts db.Options
	if dbtest.Dialect() == db.Postgres {
		opts.URL = dbtest.URL(t)
	} else {
		opts.DataDir = t.TempDir()
	}
	d, err := db.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.MigrateTo(ctx, 12); err != nil {
		t.Fatal(err)
	}
	ws, err := insertWorkspace(t, d, "Keys")
	if err != nil {
		t.Fatal(err)
	}
	a, b := "01a20000-0000-7000-8000-000000000001", "01a20000-0000-7000-8000-000000000002"
	keys := [][3]string{{a, "email", "ana@example.com"}, {a, "block", "ana|ga"}, {a, "block", "ga|an"}, {a, "block", "garcia|an"}, {b, "phone", "+34612345678"}}
	for _, k := range keys {
		if _, err := d.Exec(ctx, "INSERT INTO match_keys (workspace_id, object, kind, key, record_id) VALUES (?, 'contacts', ?, ?, ?)", ws, k[1], k[2], k[0]); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.DeferIndexes(ctx, "match_keys"); err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string][]string{}
	rows, err := d.Query(ctx, "SELECT record_id, keys FROM match_key_sets WHERE workspace_id = ? AND object = 'contacts'", ws)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, s string
		if err := rows.Scan(&id, &s); err != nil {
			t.Fatal(err)
		}
		var m map[string][]string
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("keys of %s: %q: %v", id, s, err)
		}
		for _, vs := range m {
			slices.Sort(vs)
		}
		got[id] = m
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	want := map[string]map[string][]string{
		a: {"email": {"ana@example.com"}, "block": {"ana|ga", "garcia|an", "ga|an"}},
		b: {"phone": {"+34612345678"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("match_key_sets after the upgrade: %v, want %v", got, want)
	}
	var left int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM deferred_indexes WHERE name = 'match_keys_record'").Scan(&left); err != nil || left != 0 {
		t.Fatalf("match_keys_record still deferred: %d, %v", left, err)
	}
	if err := d.BuildDeferredIndexes(ctx, nil); err != nil {
		t.Fatal(err)
	}
	ixs, err := d.SecondaryIndexes(ctx, "match_keys")
	if err != nil || len(ixs) != 0 {
		t.Fatalf("match_keys keeps secondary indexes %v (%v)", ixs, err)
	}
}
