package bench

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db/dbtest"
	"github.com/rapport-crm/rapport/internal/demo"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestSalesFloor runs the board's and the forecast's floor queries on a
// demo workspace, on the database under test, and checks that the
// board's counts every deal a board shows: the open ones and those
// closed in its window.
func TestSalesFloor(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	svc := auth.NewService(d, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ws, u, err := svc.Setup(ctx, auth.SetupInput{Workspace: Workspace, Email: Email, Password: Password, Currency: "USD", Language: "en", Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	g := demo.New(demo.Config{Seed: 1, Accounts: 30, Contacts: 200, Deals: 400, Orders: 20, Products: 10, Now: now.Unix()})
	if _, err := demo.Load(ctx, d, g, demo.LoadOptions{Workspace: ws.ID, Owners: []string{u.ID}}); err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := range g.Config().Deals {
		if dl := g.Deal(i); dl.Pipeline == 0 && (dl.Status == "open" || time.Unix(dl.ClosedAt, 0).After(now.Add(-boardWindow))) {
			want++
		}
	}
	f, err := openSalesFloor(ctx, d.Path, d.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.workspaceID != ws.ID {
		t.Fatalf("floor found workspace %s, want %s", f.workspaceID, ws.ID)
	}
	totals, cards := f.boardSQL()
	n, err := f.board(ctx, totals, cards, demo.ID(ws.ID, "pipelines", 0), f.timeArg(now.Add(-boardWindow)))
	if err != nil || n != want || want == 0 {
		t.Errorf("board floor counted %d deals (%v), want %d", n, err, want)
	}
	if err := f.boardOp(demo.ID(ws.ID, "pipelines", 0), now)(ctx, 0, 0); err != nil {
		t.Errorf("board floor: %v", err)
	}
	if err := f.forecastOp(now)(ctx, 0, 0); err != nil {
		t.Errorf("forecast floor: %v", err)
	}
}
