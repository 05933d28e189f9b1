package db_test

import (
	"context"
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
	tables := []string{"contacts", "match_keys"}
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
	for _, n := range []string{"contacts_by_name", "contacts_by_email", "match_keys_record"} {
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
