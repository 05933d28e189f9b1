package records_test

import (
	"context"
	"testing"

	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/records"
)

// TestWriter: records a Writer stages and flushes together are the
// records Create makes (values, history with the writer's origin), a
// unique value staged twice is refused before the database sees it, and
// updates are marked with the origin too.
func TestWriter(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.custom(t, "rank", records.Integer)
	tx, err := f.d.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	w, err := f.e.NewWriter(ctx, f.d, f.admin, "tags", "import:test")
	if err != nil {
		t.Fatal(err)
	}
	a, err := w.Create(ctx, tx, records.Input{"name": "Alpha", "color": "#112233", "cf_rank": "3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Create(ctx, tx, records.Input{"name": "ALPHA"}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("a unique name staged twice: %v", err)
	}
	if _, err := w.Create(ctx, tx, records.Input{"name": "Beta", "color": "blue"}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("a bad colour: %v", err)
	}
	if _, err := w.Create(ctx, tx, records.Input{"name": "Gamma"}); err != nil {
		t.Fatal(err)
	}
	if w.Staged() != 2 {
		t.Fatalf("%d staged", w.Staged())
	}
	if err := w.Flush(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Update(ctx, tx, a.ID, records.Input{"description": "first"}); err != nil {
		t.Fatal(err)
	}
	if _, changed, err := w.Update(ctx, tx, a.ID, records.Input{"description": "first"}); err != nil || changed {
		t.Fatalf("an update that changes nothing: changed %v, %v", changed, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got, err := f.e.Get(ctx, f.admin, "tags", a.ID, records.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Values["name"] != "Alpha" || got.Values["color"] != "#112233" || got.Values["cf_rank"] != int64(3) || got.Values["description"] != "first" || got.Version != 2 {
		t.Fatalf("written record %+v", got)
	}
	h, err := f.e.History(ctx, f.admin, "tags", a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Action != "create" || h[0].Origin != "import:test" || h[1].Origin != "import:test" {
		t.Fatalf("history %+v", h)
	}
	// Undo of the origin's changes: the description goes back.
	tx, _ = f.d.Begin(ctx)
	o, _ := f.e.Object("tags")
	res, err := f.e.UndoOriginTx(ctx, tx, f.admin, o, a.ID, "import:test")
	if err != nil || len(res.Restored) != 1 || res.Restored[0] != "description" {
		t.Fatalf("undo %+v %v", res, err)
	}
	again, err := f.e.UndoOriginTx(ctx, tx, f.admin, o, a.ID, "import:test")
	if err != nil || len(again.Restored)+len(again.Kept) != 0 {
		t.Fatalf("a second undo %+v %v", again, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got, _ = f.e.Get(ctx, f.admin, "tags", a.ID, records.GetOptions{})
	if got.Values["description"] != nil {
		t.Fatalf("description after undo: %v", got.Values["description"])
	}
}
