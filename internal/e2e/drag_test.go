package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/money"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// seedOpenDeals writes n open deals spread over the default pipeline's
// open stages, in four currencies (with rates) and close dates over two
// years, straight into the table, as the board benchmark
// (internal/server/board_bench_test.go) does: the test measures the
// board, not the writes. It returns the pipeline's open stages.
func (e *env) seedOpenDeals(p *auth.Principal, n int) []*sales.Stage {
	e.t.Helper()
	ctx := context.Background()
	pls, err := e.srv.Sales.Pipelines(ctx, p)
	if err != nil {
		e.t.Fatal(err)
	}
	pl := pls[0]
	var open []*sales.Stage
	for _, s := range pl.Stages {
		if !s.IsWon && !s.IsLost {
			open = append(open, s)
		}
	}
	for _, r := range []money.RateInput{{Currency: "EUR", Date: "2025-01-01", Rate: "1.08"}, {Currency: "EUR", Date: "2026-01-01", Rate: "1.12"}, {Currency: "GBP", Date: "2025-01-01", Rate: "1.25"}, {Currency: "JPY", Date: "2025-01-01", Rate: "0.0067"}} {
		if _, err := e.srv.Money.SetRate(ctx, p, r); err != nil {
			e.t.Fatal(err)
		}
	}
	tx, err := e.srv.DB.Begin(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer tx.Rollback()
	now := db.T(time.Now())
	curs := []string{"USD", "EUR", "GBP", "JPY"}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const cols = "id, workspace_id, name, amount_amount, amount_currency, close_date, pipeline_id, stage_id, stage_name, probability, status, forecast_category, stage_entered_at, owner_id, created_at, created_by, updated_at, updated_by"
	const row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 'pipeline', ?, ?, ?, ?, ?, ?)"
	// Multi-row INSERTs of 500 (16 parameters each): one statement per
	// row takes 20 s under -race on SQLite.
	const batch = 500
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		args := make([]any, 0, (hi-lo)*16)
		for i := lo; i < hi; i++ {
			st := open[i%len(open)]
			cur := curs[i%len(curs)]
			amt := fmt.Sprintf("%d.%02d", 1000+(i*37)%90000, i%100)
			if cur == "JPY" {
				amt = fmt.Sprintf("%d", 100000+(i*371)%9000000)
			}
			args = append(args, records.NewID(), p.WorkspaceID, fmt.Sprintf("Deal %05d", i), amt, cur, start.AddDate(0, 0, i%730).Format("2006-01-02"),
				pl.ID, st.ID, st.Name, st.Probability, now, p.UserID, now, p.UserID, now, p.UserID)
		}
		q := "INSERT INTO deals (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+",", hi-lo), ",")
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
	if err := e.srv.DB.Optimize(ctx, true); err != nil {
		e.t.Fatal(err)
	}
	return open
}

// dragProbe is put into the board page to measure a drag from inside
// it: the requestAnimationFrame times (a frame the page could not make
// in time shows as a long interval), the long tasks and long animation
// frames Chromium reports, for each pointermove the time until its
// handlers have run and until the next frame, and for the drag under
// way (window.__perf.x, set by the test) when the ghost card first
// followed the pointer, when the dropped card showed in its new column
// and when the drop was confirmed: the card in the new column, both
// columns' counts and totals changed and no move in flight.
const dragProbe = `(function(){
if (window.__perf) return true;
var P = window.__perf = {frames: [], tasks: [], loafs: [], handler: [], toFrame: [], pending: [], x: null};
try { new PerformanceObserver(function(l){ l.getEntries().forEach(function(e){ P.tasks.push([e.startTime, e.duration]); }); }).observe({type: "longtask"}); P.longtask = true; } catch (e) {}
// A long animation frame says where its time went: scripts (and the
// style and layout they forced), then style and layout, then rendering.
try { new PerformanceObserver(function(l){ l.getEntries().forEach(function(e){
  var end = e.startTime + e.duration, sc = 0, forced = 0, top = null;
  (e.scripts || []).forEach(function(x){ sc += x.duration; forced += x.forcedStyleAndLayoutDuration || 0; if (!top || x.duration > top.duration) top = x; });
  P.loafs.push({Start: e.startTime, Dur: e.duration, Script: sc, Forced: forced, Style: e.styleAndLayoutStart ? end - e.styleAndLayoutStart : 0,
    Render: e.renderStart ? end - e.renderStart : 0, Top: top ? top.invoker + " " + Math.round(top.duration) + " ms" : ""});
}); }).observe({type: "long-animation-frame"}); P.loaf = true; } catch (e) {}
window.addEventListener("pointerdown", function(ev){ if (P.x && !P.x.down) P.x.down = ev.timeStamp; }, true);
// Bubbling at window, after the board's own listener on document.
window.addEventListener("pointermove", function(ev){
  var x = P.x;
  if (!x || !x.down || x.up) return;
  P.handler.push(performance.now() - ev.timeStamp);
  P.pending.push(ev.timeStamp);
  if (!x.ghostMove && document.querySelector(".deal-ghost")) x.ghostMove = ev.timeStamp;
});
window.addEventListener("pointerup", function(ev){ if (P.x && P.x.down && !P.x.up) P.x.up = ev.timeStamp; }, true);
function col(stage) { return document.querySelector('.board-col[data-stage="' + stage + '"]'); }
function head(c) { return c ? c.querySelector(".board-count").textContent.trim() + "|" + c.querySelector(".board-total").textContent.trim() : ""; }
function frame(t) {
  var now = performance.now(), x = P.x;
  P.frames.push(t);
  for (var i = 0; i < P.pending.length; i++) P.toFrame.push(now - P.pending[i]);
  P.pending.length = 0;
  if (x && x.ghostMove && x.ghostFrame === undefined) x.ghostFrame = now - x.ghostMove;
  if (x && x.up && x.confirmed === undefined) {
    var to = col(x.to), from = col(x.from);
    var card = to && to.querySelector('.deal-card[data-id="' + x.id + '"]');
    if (card && x.shown === undefined) x.shown = now - x.up;
    if (card && !document.getElementById("board").hasAttribute("data-busy") &&
        to.querySelector(".board-count").textContent.trim() === x.toCount && from.querySelector(".board-count").textContent.trim() === x.fromCount &&
        head(to) !== x.toHead && head(from) !== x.fromHead) x.confirmed = now - x.up;
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
P.col = col; P.head = head;
return true;
})()`

// dragPrepare picks the first card of column from, records what a
// confirmed drop into column to must show, resets the probe, and returns
// where to press (the card's meta line, not its link) and where to drop
// (inside the target column's list).
const dragPrepare = `(function(from, to){
var P = window.__perf, f = P.col(from), t = P.col(to);
var card = f.querySelector(".deal-card");
card.scrollIntoView({block: "nearest", inline: "nearest"});
t.scrollIntoView({block: "nearest", inline: "nearest"});
var n = function(c){ return Number(c.querySelector(".board-count").textContent.replace(/[^0-9]/g, "")); };
P.frames = []; P.tasks = []; P.loafs = []; P.handler = []; P.toFrame = []; P.pending = [];
P.x = {id: card.getAttribute("data-id"), from: from, to: to, fromCount: String(n(f) - 1), toCount: String(n(t) + 1), fromHead: P.head(f), toHead: P.head(t)};
var a = card.querySelector(".deal-card-meta").getBoundingClientRect(), b = t.querySelector(".board-cards").getBoundingClientRect();
return [a.left + a.width / 2, a.top + a.height / 2, b.left + b.width / 2, b.top + Math.min(b.height / 2, 120)];
})`

// loaf is a long animation frame: its duration and, of it, the time in
// scripts (and the style and layout they forced), in style and layout
// after them, and rendering (which includes style and layout), with the
// longest script.
type loaf struct {
	Start, Dur, Script, Forced, Style, Render float64
	Top                                       string
}

// work is the time the page itself spent in the frame: scripts and
// rendering. The rest of a long frame is the main thread waiting, which
// on a loaded shared machine is mostly the CPU taken by others.
func (l loaf) work() float64 { return l.Script + l.Render }

func (l loaf) String() string {
	return fmt.Sprintf("of %.0f ms: scripts %.0f (forced style/layout %.0f), rendering %.0f (style/layout %.0f)%s", l.Dur, l.Script, l.Forced, l.Render, l.Style,
		map[bool]string{true: ", longest script " + l.Top, false: ""}[l.Top != ""])
}

// fetchTiming is a request the board made after the drop (Resource
// Timing): the whole request and the wait for its first byte.
type fetchTiming struct {
	Name           string
	Dur, FirstByte float64
}

// dragResult is what the probe saw of one drag, times in ms.
type dragResult struct {
	Down, Up   float64
	GhostFrame *float64 // from the move that made the ghost to the next frame
	Shown      *float64 // from pointerup to the card in the new column
	Confirmed  *float64 // from pointerup to the counts and totals updated
	Frames     []float64
	Tasks      [][2]float64
	Loafs      []loaf
	Fetches    []fetchTiming
	Handler    []float64
	ToFrame    []float64
	LongTask   bool
	Loaf       bool
}

const dragCollect = `JSON.stringify((function(){
var P = window.__perf, x = P.x;
return {Down: x.down, Up: x.up, GhostFrame: x.ghostFrame, Shown: x.shown, Confirmed: x.confirmed, Frames: P.frames, Tasks: P.tasks, Loafs: P.loafs,
  Handler: P.handler, ToFrame: P.toFrame, LongTask: !!P.longtask, Loaf: !!P.loaf,
  Fetches: performance.getEntriesByType("resource").filter(function(r){ return r.startTime >= x.down && r.initiatorType === "fetch"; }).map(function(r){
    return {Name: r.name.replace(location.origin, "").replace(/[0-9a-f-]{36}/g, "{id}").replace(/\?.*part=heads.*/, "?part=heads"), Dur: r.duration, FirstByte: r.responseStart - r.requestStart}; })};
})())`

// loadAverage returns the machine's load averages (1, 5, 15 min), to
// print beside the figures: the browser shares the CPUs with everything
// else.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// pct returns the q-th quantile (0..1) of xs, nearest rank.
func pct(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// TestBoardDrag measures dragging on a pipeline board at desktop width:
// real pointer drags made of many small moves at about 60 a second,
// measured inside the page (frame intervals, long tasks, the time from
// a move to the next frame, the time for the ghost card to follow the
// pointer) and the drop's round trip (from pointerup to the card in its
// new column and the columns' counts and totals updated). In make test
// it makes 3 drags on 2,000 open deals (seeding and loading 10,000
// under -race take 30-50 s here); RAPPORT_BENCH_DRAG=1 (make bench-drag)
// makes 20 on the 10,000 (one pipeline, four open columns of
// 2,500, 50 cards shown in each) and prints each drag.
func TestBoardDrag(t *testing.T) {
	long := os.Getenv("RAPPORT_BENCH_DRAG") != ""
	deals, drags, moves, limit := 2000, 3, 40, 90*time.Second
	if long {
		deals, drags, moves, limit = 10000, 20, 60, 10*time.Minute
	}
	loadBefore := loadAverage()
	e := newEnvFor(t, 1440, 900, limit)
	e.setupWorkspace()
	p := e.admin()
	t0 := time.Now()
	open := e.seedOpenDeals(p, deals)
	seeded := time.Since(t0)

	t0 = time.Now()
	e.loads(chromedp.Navigate(e.url + "/deals"))
	loaded := time.Since(t0)
	nav, err := chromedp.Run(e.ctx, chromedp.Evaluate[[]float64](`(function(){var n=performance.getEntriesByType("navigation")[0];return [n.responseStart-n.requestStart,n.responseEnd-n.startTime,n.domContentLoadedEventEnd-n.startTime,n.loadEventEnd-n.startTime,document.querySelectorAll("*").length]})()`))
	if err != nil || len(nav) != 5 {
		t.Fatalf("navigation timing: %v", err)
	}
	if sum, want := e.text("#board-summary"), fmt.Sprintf("%d,%03d", deals/1000, deals%1000); !strings.Contains(sum, want) {
		t.Fatalf("the board's summary says %q, want %s deals", sum, want)
	}
	if _, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](dragProbe)); err != nil {
		t.Fatal(err)
	}
	e.screenshot("deals-board-10k")

	var all []dragResult
	var dispatch []float64 // Go side: each move's DispatchMouseEvent round trip
	const pace = 16 * time.Millisecond
	for i := range drags {
		from, to := open[i%len(open)], open[(i+1)%len(open)]
		if i%4 == 3 { // every fourth drag crosses the board
			to = open[(i+3)%len(open)]
		}
		xy, err := chromedp.Run(e.ctx, chromedp.Evaluate[[]float64](dragPrepare+`("`+from.ID+`","`+to.ID+`")`))
		if err != nil || len(xy) != 4 {
			t.Fatalf("drag %d: preparing: %v", i, err)
		}
		x0, y0, x1, y1 := xy[0], xy[1], xy[2], xy[3]
		send := func(typ input.DispatchMouseEventType, x, y float64, opts ...chromedp.MouseOption) {
			t.Helper()
			s := time.Now()
			if _, err := chromedp.Run(e.ctx, chromedp.MouseEvent(typ, x, y, opts...)); err != nil {
				t.Fatalf("drag %d: %v", i, err)
			}
			dispatch = append(dispatch, float64(time.Since(s).Microseconds())/1000)
		}
		send(input.DispatchMouseEventTypeMouseMoved, x0, y0)
		send(input.DispatchMouseEventTypeMousePressed, x0, y0, chromedp.ButtonLeft, chromedp.ClickCount(1))
		// A person's path: a slight arc to the target, then a wobble
		// while aiming, each move about one frame after the last.
		next := time.Now()
		for j := 1; j <= moves+10; j++ {
			f := min(float64(j)/float64(moves), 1)
			x, y := x0+(x1-x0)*f, y0+(y1-y0)*f-40*f*(1-f)*4
			if j > moves {
				x += float64((j%3)-1) * 3
				y += float64((j%2)*2-1) * 3
			}
			next = next.Add(pace)
			time.Sleep(time.Until(next))
			send(input.DispatchMouseEventTypeMouseMoved, x, y, chromedp.ButtonLeft)
		}
		time.Sleep(pace)
		send(input.DispatchMouseEventTypeMouseReleased, x1, y1, chromedp.ButtonLeft, chromedp.ClickCount(1))
		if _, err := chromedp.Run(e.ctx, chromedp.Poll[bool](`window.__perf.x.confirmed !== undefined`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			s, _ := chromedp.Run(e.ctx, chromedp.Evaluate[string](`JSON.stringify(window.__perf.x)+" "+document.getElementById("board-status").textContent`))
			t.Fatalf("drag %d (%s → %s): the drop was not confirmed within 15 s: %v; %s", i, from.Name, to.Name, err, s)
		}
		// Long tasks are reported after they end; give the ones of the
		// drop's last frames time to arrive.
		time.Sleep(300 * time.Millisecond)
		js, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](dragCollect))
		if err != nil {
			t.Fatal(err)
		}
		var r dragResult
		if err := json.Unmarshal([]byte(js), &r); err != nil {
			t.Fatal(err)
		}
		if r.GhostFrame == nil || r.Shown == nil || r.Confirmed == nil {
			t.Fatalf("drag %d: the probe missed the ghost or the drop: %s", i, js)
		}
		all = append(all, r)
	}

	// During the drags: frame intervals between pointerdown and
	// pointerup, long tasks and long animation frames that started then;
	// after the drops: the same until the drop was confirmed.
	var intervals, handler, toFrame, ghost, shown, confirmed []float64
	var taskDrag, taskDrop float64
	var loafDrag, loafDrop, workDrag, workDrop loaf
	fetches := map[string][]float64{}
	firstByte := map[string][]float64{}
	for i, r := range all {
		var prev float64
		var in []float64
		for _, f := range r.Frames {
			if f >= r.Down && f <= r.Up && prev > 0 {
				in = append(in, f-prev)
			}
			prev = f
		}
		intervals = append(intervals, in...)
		handler = append(handler, r.Handler...)
		toFrame = append(toFrame, r.ToFrame...)
		ghost, shown, confirmed = append(ghost, *r.GhostFrame), append(shown, *r.Shown), append(confirmed, *r.Confirmed)
		var td, tp float64
		var ld, lp, wd, wp loaf
		for _, tk := range r.Tasks {
			if tk[0] >= r.Down && tk[0] < r.Up {
				td = max(td, tk[1])
			} else if tk[0] >= r.Up && tk[0] <= r.Up+*r.Confirmed {
				tp = max(tp, tk[1])
			}
		}
		for _, lf := range r.Loafs {
			switch {
			case lf.Start >= r.Down && lf.Start < r.Up:
				if lf.Dur > ld.Dur {
					ld = lf
				}
				if lf.work() > wd.work() {
					wd = lf
				}
			case lf.Start >= r.Up && lf.Start <= r.Up+*r.Confirmed:
				if lf.Dur > lp.Dur {
					lp = lf
				}
				if lf.work() > wp.work() {
					wp = lf
				}
			}
		}
		for _, f := range r.Fetches {
			fetches[f.Name] = append(fetches[f.Name], f.Dur)
			firstByte[f.Name] = append(firstByte[f.Name], f.FirstByte)
		}
		taskDrag, taskDrop = max(taskDrag, td), max(taskDrop, tp)
		if ld.Dur > loafDrag.Dur {
			loafDrag = ld
		}
		if lp.Dur > loafDrop.Dur {
			loafDrop = lp
		}
		if wd.work() > workDrag.work() {
			workDrag = wd
		}
		if wp.work() > workDrop.work() {
			workDrop = wp
		}
		if long || testing.Verbose() {
			t.Logf("drag %2d: %3d frames, interval p95 %5.1f max %5.1f ms; longest task %5.1f ms, frame %5.1f ms; ghost %4.1f ms; drop: card shown %5.1f ms, confirmed %6.1f ms, longest task %5.1f ms, frame %5.1f ms",
				i, len(in), pct(in, .95), pct(in, 1), td, ld.Dur, *r.GhostFrame, *r.Shown, *r.Confirmed, tp, lp.Dur)
		}
	}
	first := all[0]
	t.Logf("board of %d open deals (%s, -race %v): seeded in %v; page loaded in %v (first byte %.0f ms, DOMContentLoaded %.0f ms, load %.0f ms, %.0f elements)",
		deals, e.srv.DB.Dialect, raceDetector, seeded.Round(time.Millisecond), loaded.Round(time.Millisecond), nav[0], nav[2], nav[3], nav[4])
	t.Logf("load average %s before, %s after", loadBefore, loadAverage())
	t.Logf("%d drags of %d moves at %v (longtask observer %v, long-animation-frame %v):", drags, moves+10, pace, first.LongTask, first.Loaf)
	t.Logf("  frame interval during drags: p50 %.1f, p95 %.1f, max %.1f ms (%d intervals)", pct(intervals, .5), pct(intervals, .95), pct(intervals, 1), len(intervals))
	t.Logf("  longest task during drags %.1f ms; longest animation frame %s; most work in a frame %s", taskDrag, loafDrag, workDrag)
	t.Logf("  pointermove handled: p50 %.1f, p95 %.1f ms; move to next frame: p50 %.1f, p95 %.1f, max %.1f ms; DispatchMouseEvent round trip p95 %.1f ms",
		pct(handler, .5), pct(handler, .95), pct(toFrame, .5), pct(toFrame, .95), pct(toFrame, 1), pct(dispatch, .95))
	t.Logf("  ghost card following the pointer: max %.1f ms after the move that started the drag", pct(ghost, 1))
	t.Logf("  drop → card in its new column: p50 %.1f, max %.1f ms; → counts and totals confirmed: p50 %.0f, p95 %.0f, max %.0f ms",
		pct(shown, .5), pct(shown, 1), pct(confirmed, .5), pct(confirmed, .95), pct(confirmed, 1))
	t.Logf("  longest task between drop and confirmation %.1f ms; longest animation frame %s; most work in a frame %s", taskDrop, loafDrop, workDrop)
	names := slices.Sorted(maps.Keys(fetches))
	for _, n := range names {
		t.Logf("  after the drop, %s: p50 %.0f, max %.0f ms (first byte p50 %.0f ms)", n, pct(fetches[n], .5), pct(fetches[n], 1), pct(firstByte[n], .5))
	}

	// Generous thresholds for headless Chromium on a shared two-core
	// machine (load averages of 5-9 while this was written), where the
	// longest frames and tasks are often the renderer waiting for a CPU:
	// medians and p95s, and of the long frames only the time the page
	// itself spent in scripts and rendering. The board's code before
	// this test failed four of them on 10,000 deals without -race: a
	// forced restyle of 208-341 ms starting each drag (the ghost followed
	// the pointer after 61 ms, median, on SQLite) and 244-420 ms of
	// script and rendering redrawing the board after each drop (the card
	// showed in its column after 91 ms, median).
	if first.Loaf {
		if v := workDrag.work(); v > 100 {
			t.Errorf("a frame during a drag spent %.0f ms in scripts and rendering (want ≤ 100 ms): %s", v, workDrag)
		}
		if v := workDrop.work(); v > 150 {
			t.Errorf("a frame after a drop spent %.0f ms in scripts and rendering (want ≤ 150 ms): %s", v, workDrop)
		}
	} else if taskDrag > 100 {
		t.Errorf("a task of %.0f ms during a drag (want none over 100 ms)", taskDrag)
	}
	// Frames come every 16.7 ms; 51 and 67 ms are 3 and 4 of them.
	if v := pct(intervals, .95); v > 51 {
		t.Errorf("p95 frame interval during drags %.1f ms (want ≤ 51 ms)", v)
	}
	if v := pct(toFrame, .95); v > 67 {
		t.Errorf("p95 time from a pointermove to the next frame %.1f ms (want ≤ 67 ms)", v)
	}
	if v := pct(ghost, .5); v > 50 {
		t.Errorf("the ghost card followed the pointer %.0f ms after the move, median (want ≤ 50 ms)", v)
	}
	if v := pct(shown, .5); v > 50 {
		t.Errorf("a dropped card showed in its new column after %.0f ms, median (want ≤ 50 ms)", v)
	}
	// The confirmation waits for two requests to the server, which -race
	// slows several times (1.3-1.9 s seen on 10,000 deals, 0.5 s on
	// 2,000).
	confirmLimit := 1000.0
	if raceDetector {
		confirmLimit = 5000
	}
	if v := pct(confirmed, .95); v > confirmLimit {
		t.Errorf("p95 time from a drop to its confirmation (counts and totals) %.0f ms (want ≤ %.0f ms)", v, confirmLimit)
	}
	// The moves reached the database.
	var moved int
	if err := e.srv.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM deals WHERE workspace_id = ? AND version > 1", p.WorkspaceID).Scan(&moved); err != nil {
		t.Fatal(err)
	}
	if moved == 0 {
		t.Errorf("no deal was updated by %d drags", drags)
	}
}
