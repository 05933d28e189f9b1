package server_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestHistory: every change writes history rows — one create row with
// the starting values, one update row per changed field with old and new
// values and who changed it — and a write that changes nothing or fails
// writes none.
func TestHistory(t *testing.T) {
	e := servertest.New(t)
	w := e.WS
	c := w.Admin
	w.CustomField(t, "tags", "price", "money", nil)
	mkt := w.User(t, "marketing")
	rec := c.CreateTag(t, "Alpha", map[string]any{"color": "#112233", "cf_price": map[string]any{"amount": "5", "currency": "eur"}})
	id := rec.ID()

	h := c.History(t, "tags", id)
	if len(h) != 1 || h[0].Action != "create" || h[0].Field != "" || h[0].ChangedBy != c.UserID || h[0].OldValue != nil {
		t.Fatalf("after create: %+v", h)
	}
	snap, _ := h[0].NewValue.(map[string]any)
	if snap["name"] != "Alpha" || snap["color"] != "#112233" || !reflect.DeepEqual(snap["cf_price"], map[string]any{"amount": "5", "currency": "EUR"}) || snap["owner_id"] != c.UserID {
		t.Fatalf("the create row holds %v", h[0].NewValue)
	}

	// Two fields changed by another user: two rows in one change set.
	mkt.Must(t, 200, "PATCH", "/api/v1/tags/"+id, map[string]any{"name": "Beta", "cf_price": map[string]any{"amount": "7.50", "currency": "EUR"}, "color": "#112233"})
	h = c.History(t, "tags", id)
	if len(h) != 3 {
		t.Fatalf("after a two-field change: %d rows, want 3: %+v", len(h), h)
	}
	byField := map[string]servertest.Change{}
	for _, ch := range h[1:] {
		if ch.Action != "update" || ch.ChangedBy != mkt.UserID || ch.ChangeSet != h[1].ChangeSet || ch.ChangeSet == h[0].ChangeSet {
			t.Fatalf("update row %+v", ch)
		}
		byField[ch.Field] = ch
	}
	if n := byField["name"]; n.OldValue != "Alpha" || n.NewValue != "Beta" {
		t.Fatalf("name change recorded as %+v", n)
	}
	if p := byField["cf_price"]; !reflect.DeepEqual(p.OldValue, map[string]any{"amount": "5", "currency": "EUR"}) || !reflect.DeepEqual(p.NewValue, map[string]any{"amount": "7.50", "currency": "EUR"}) {
		t.Fatalf("price change recorded as %+v", p)
	}
	cur := c.Get(t, "tags", id)
	if cur.Version() != 2 || cur["updated_by"] != mkt.UserID || cur["created_by"] != c.UserID {
		t.Fatalf("after the change: %v", cur)
	}

	// The same values again: nothing written, nothing moves.
	r := c.Must(t, 200, "PATCH", "/api/v1/tags/"+id, map[string]any{"name": "Beta", "color": "#112233", "cf_price": "7.50 eur"})
	if r.Record(t).Version() != 2 || r.Record(t)["updated_by"] != mkt.UserID {
		t.Fatalf("a no-op write moved the record: %v", r.Record(t))
	}
	e.Clock.Advance(time.Hour)
	if got := c.Get(t, "tags", id); got["updated_at"] != cur["updated_at"] {
		t.Fatalf("a no-op write touched updated_at: %v → %v", cur["updated_at"], got["updated_at"])
	}

	// Failing writes: validation (even with one good field beside the bad
	// one), a duplicate name, an unknown field, a read-only field.
	c.CreateTag(t, "Gamma")
	for _, body := range []map[string]any{
		{"name": "Delta", "color": "red"},
		{"name": "gamma"},
		{"description": "x", "colour": "#000000"},
		{"description": "x", "version": 9},
		{"description": "x", "created_at": "2020-01-01T00:00:00Z"},
		{"description": "x", "cf_price": map[string]any{"amount": "1"}},
	} {
		r := c.Do(t, "PATCH", "/api/v1/tags/"+id, body)
		if r.Status != 422 && r.Status != 409 {
			t.Fatalf("PATCH %v: %d, want a refusal", body, r.Status)
		}
	}
	if after := c.Get(t, "tags", id); !reflect.DeepEqual(after, cur) {
		t.Fatalf("refused writes changed the record:\n%v\n%v", cur, after)
	}
	if n := len(c.History(t, "tags", id)); n != 3 {
		t.Fatalf("refused and no-op writes added history: %d rows", n)
	}

	// Clearing a field is a change; delete and restore are recorded.
	c.Must(t, 200, "PATCH", "/api/v1/tags/"+id, map[string]any{"color": nil})
	c.Must(t, 204, "DELETE", "/api/v1/tags/"+id, nil)
	c.Must(t, 200, "POST", "/api/v1/tags/"+id+"/restore", nil)
	h = c.History(t, "tags", id)
	var actions []string
	for _, ch := range h {
		actions = append(actions, ch.Action+":"+ch.Field)
	}
	if want := []string{"create:", "update:cf_price", "update:name", "update:color", "delete:", "restore:"}; !slices.Equal(sorted(actions[:3]), sorted(want[:3])) || !slices.Equal(actions[3:], want[3:]) {
		t.Fatalf("history %v, want %v", actions, want)
	}
	if h[3].OldValue != "#112233" || h[3].NewValue != nil {
		t.Fatalf("clearing recorded as %+v", h[3])
	}
	// History is readable by whoever reads the record.
	if n := len(mkt.History(t, "tags", id)); n != len(h) {
		t.Fatalf("marketing sees %d history rows, admin %d", n, len(h))
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// TestTrash: a deleted record leaves the lists and answers 404, waits in
// the trash, comes back with restore, and is purged for good once it has
// been in the trash longer than the retention.
func TestTrash(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	a := c.CreateTag(t, "Alpha", map[string]any{"description": "keep me"})
	b := c.CreateTag(t, "Beta")
	id := a.ID()

	c.Must(t, 204, "DELETE", "/api/v1/tags/"+id, nil)
	e.Run(t, []servertest.Scenario{
		{Name: "gone", Method: "GET", Path: "/api/v1/tags/" + id, Status: 404},
		{Name: "not listed", Method: "GET", Path: "/api/v1/tags", Status: 200, NotContains: []string{id}, Contains: []string{b.ID()}},
		{Name: "not found by filter", Method: "GET", Path: "/api/v1/tags?filter[name][eq]=Alpha", Status: 200, NotContains: []string{id}},
		{Name: "not changed", Method: "PATCH", Path: "/api/v1/tags/" + id, Body: map[string]any{"name": "Zombie"}, Status: 404},
		{Name: "not deleted twice", Method: "DELETE", Path: "/api/v1/tags/" + id, Status: 404},
		{Name: "in the trash", Method: "GET", Path: "/api/v1/tags/trash", Status: 200, Contains: []string{id, "keep me", `"deleted_at":"`}, NotContains: []string{b.ID()}},
		{Name: "history stays readable", Method: "GET", Path: "/api/v1/tags/" + id + "/history", Status: 200, Contains: []string{`"action":"delete"`}},
		{Name: "a live record is not restored", Method: "POST", Path: "/api/v1/tags/" + b.ID() + "/restore", Status: 404},
	})
	// The name is free while the record is in the trash; restoring it
	// then is a conflict naming the field, not a server error.
	dup := c.CreateTag(t, "alpha")
	e.Run(t, []servertest.Scenario{
		{Name: "restore onto a taken name", Method: "POST", Path: "/api/v1/tags/" + id + "/restore", Status: 409, ErrorAt: []string{"body.name"}},
	})
	c.Must(t, 204, "DELETE", "/api/v1/tags/"+dup.ID(), nil)
	back := c.Must(t, 200, "POST", "/api/v1/tags/"+id+"/restore", nil).Record(t)
	if back["name"] != "Alpha" || back["description"] != "keep me" || back["deleted_at"] != nil {
		t.Fatalf("restored as %v", back)
	}
	if ids := c.List(t, "/api/v1/tags?sort=name").IDs(); !slices.Equal(ids, []string{id, b.ID()}) {
		t.Fatalf("after restore the list is %v", ids)
	}
	if tr := c.List(t, "/api/v1/tags/trash").IDs(); !slices.Equal(tr, []string{dup.ID()}) {
		t.Fatalf("after restore the trash holds %v", tr)
	}

	// Purge: trash older than the retention goes for good, younger stays.
	c.Must(t, 204, "DELETE", "/api/v1/tags/"+id, nil) // deleted now; dup a moment earlier
	e.Clock.Advance(20 * 24 * time.Hour)
	c.Must(t, 204, "DELETE", "/api/v1/tags/"+b.ID(), nil) // deleted 20 days later
	e.Clock.Advance(11 * 24 * time.Hour)                  // id and dup: 31 days in the trash; b: 11
	e.RunJob(t, "purge_trash")
	if tr := c.List(t, "/api/v1/tags/trash").IDs(); !slices.Equal(tr, []string{b.ID()}) {
		t.Fatalf("after the purge the trash holds %v, want only Beta", tr)
	}
	for _, gone := range []string{id, dup.ID()} {
		c.Must(t, 404, "POST", "/api/v1/tags/"+gone+"/restore", nil)
		c.Must(t, 404, "GET", "/api/v1/tags/"+gone+"/history", nil)
	}
	c.Must(t, 200, "POST", "/api/v1/tags/"+b.ID()+"/restore", nil)

	// PurgeTrash itself takes a cutoff and purges in every workspace.
	other := e.AddWorkspace("Other")
	o := other.Admin.CreateTag(t, "Theirs")
	other.Admin.Must(t, 204, "DELETE", "/api/v1/tags/"+o.ID(), nil)
	c.Must(t, 204, "DELETE", "/api/v1/tags/"+b.ID(), nil)
	if res, err := e.Server.Records.PurgeTrash(context.Background(), e.Clock.Now().Add(-time.Second)); err != nil || res.Purged != 0 {
		t.Fatalf("a cutoff before the deletions purged %+v, %v", res, err)
	}
	if res, err := e.Server.Records.PurgeTrash(context.Background(), e.Clock.Now().Add(time.Second)); err != nil || res.Purged != 2 {
		t.Fatalf("a cutoff after the deletions purged %+v, %v; want 2", res, err)
	}
	if len(other.Admin.List(t, "/api/v1/tags/trash").Data)+len(c.List(t, "/api/v1/tags/trash").Data) != 0 {
		t.Fatal("trash left after the purge")
	}
}
