package search

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	testWS = "01a20000-0000-7000-8000-0000000000aa"
	recA   = "01a20000-0000-7000-8000-000000000001"
	recB   = "01a20000-0000-7000-8000-000000000002"
	recC   = "01a20000-0000-7000-8000-000000000003"
)

// keyRows lists the match_keys rows of one record as "kind=value".
func keyRows(t *testing.T, d *db.DB, id string) []string {
	t.Helper()
	rows, err := d.Query(context.Background(), "SELECT kind, key FROM match_keys WHERE workspace_id = ? AND object = 'contacts' AND record_id = ? ORDER BY kind, key", testWS, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, k+"="+v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// keySetOf reads the match_key_sets row of one record, decoded, as
// "kind=value" in order; ok is false when there is none.
func keySetOf(t *testing.T, d *db.DB, id string) (out []string, ok bool) {
	t.Helper()
	var s string
	err := d.QueryRow(context.Background(), "SELECT keys FROM match_key_sets WHERE workspace_id = ? AND object = 'contacts' AND record_id = ?", testWS, id).Scan(&s)
	if err != nil {
		return nil, false
	}
	var m map[string][]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("match_key_sets of %s: %q: %v", id, s, err)
	}
	for k, vs := range m {
		for _, v := range vs {
			out = append(out, k+"="+v)
		}
	}
	slices.Sort(out)
	return out, true
}

func inTx(t *testing.T, d *db.DB, f func(tx *db.Tx) error) {
	t.Helper()
	ctx := context.Background()
	tx, err := d.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestMatchKeys: a record's matching keys are written as rows of
// match_keys and as one row of match_key_sets; replacing them deletes
// exactly the keys the record no longer has and adds the new ones,
// leaving other records' rows of the same key alone; removing a record
// deletes its rows and its set. Sets written by the migration (values in
// any order, other spacing) are read as well.
func TestMatchKeys(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	long := string(make([]byte, maxKeyLen+1))
	inTx(t, d, func(tx *db.Tx) error {
		return IndexNew(ctx, tx, testWS, "contacts", []Entry{
			{ID: recA, Doc: &Doc{}, Keys: []Key{{"email", "ana@example.com"}, {"phone", "+34612345678"}, {"block", "ana|ga"}, {"email", "ana@example.com"}, {"name", ""}, {"name", long}}},
			{ID: recB, Doc: &Doc{}},
			{ID: recC, Doc: &Doc{}, Keys: []Key{{"email", "ana@example.com"}}},
		})
	})
	want := []string{"block=ana|ga", "email=ana@example.com", "phone=+34612345678"}
	if got := keyRows(t, d, recA); !slices.Equal(got, want) {
		t.Fatalf("keys of A after IndexNew: %v, want %v", got, want)
	}
	if got, ok := keySetOf(t, d, recA); !ok || !slices.Equal(got, want) {
		t.Fatalf("key set of A after IndexNew: %v (%v), want %v", got, ok, want)
	}
	if _, ok := keySetOf(t, d, recB); ok {
		t.Fatal("a record without keys has a key set")
	}

	// The phone goes, a name comes, the e-mail stays (and C keeps its).
	inTx(t, d, func(tx *db.Tx) error {
		return SetKeys(ctx, tx, testWS, "contacts", recA, []Key{{"email", "ana@example.com"}, {"block", "ana|ga"}, {"name", "ana garcia"}})
	})
	want = []string{"block=ana|ga", "email=ana@example.com", "name=ana garcia"}
	if got := keyRows(t, d, recA); !slices.Equal(got, want) {
		t.Fatalf("keys of A after SetKeys: %v, want %v", got, want)
	}
	if got, _ := keySetOf(t, d, recA); !slices.Equal(got, want) {
		t.Fatalf("key set of A after SetKeys: %v, want %v", got, want)
	}
	if got := keyRows(t, d, recC); !slices.Equal(got, []string{"email=ana@example.com"}) {
		t.Fatalf("keys of C after A's change: %v", got)
	}

	// B gets keys by SetKeys; then a set as the PostgreSQL migration
	// writes it, values out of order.
	inTx(t, d, func(tx *db.Tx) error {
		return SetKeys(ctx, tx, testWS, "contacts", recB, []Key{{"block", "zoe|li"}, {"block", "li|zo"}})
	})
	if _, err := d.Exec(ctx, `UPDATE match_key_sets SET keys = '{ "block" : ["zoe|li", "li|zo"] }' WHERE record_id = ?`, recB); err != nil {
		t.Fatal(err)
	}
	inTx(t, d, func(tx *db.Tx) error {
		return SetKeys(ctx, tx, testWS, "contacts", recB, []Key{{"block", "li|zo"}})
	})
	if got := keyRows(t, d, recB); !slices.Equal(got, []string{"block=li|zo"}) {
		t.Fatalf("keys of B after SetKeys on a migrated set: %v", got)
	}

	// No keys left: no rows, no set.
	inTx(t, d, func(tx *db.Tx) error { return SetKeys(ctx, tx, testWS, "contacts", recB, nil) })
	if got := keyRows(t, d, recB); len(got) != 0 {
		t.Fatalf("keys of B after SetKeys with none: %v", got)
	}
	if _, ok := keySetOf(t, d, recB); ok {
		t.Fatal("B has a key set after SetKeys with none")
	}

	// Removing a record that has no keys (as leads and deals have none).
	if err := Remove(ctx, d, testWS, "contacts", recB); err != nil {
		t.Fatalf("Remove of a record without keys: %v", err)
	}
	if err := Remove(ctx, d, testWS, "contacts", recA); err != nil {
		t.Fatal(err)
	}
	if got := keyRows(t, d, recA); len(got) != 0 {
		t.Fatalf("keys of A after Remove: %v", got)
	}
	if _, ok := keySetOf(t, d, recA); ok {
		t.Fatal("A has a key set after Remove")
	}
	if got := keyRows(t, d, recC); !slices.Equal(got, []string{"email=ana@example.com"}) {
		t.Fatalf("keys of C after A's removal: %v", got)
	}
}

// TestKeySetEncode: a key set is written as encoding/json writes it.
func TestKeySetEncode(t *testing.T) {
	for _, keys := range [][]Key{
		{{"email", "ana@example.com"}, {"block", "ana|ga"}, {"block", "a\"b\\c"}, {"name", "<x> & y"}},
		{{"name", "王小明"}, {"name", "tab\there\nline\u2028"}, {"phone", "bad\xffutf8"}},
	} {
		s := newKeySet(keys)
		want, err := json.Marshal(map[string][]string(s))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.encode(); got != string(want) {
			t.Errorf("encode %v:\n got %s\nwant %s", keys, got, want)
		}
	}
}
