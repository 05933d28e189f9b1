package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/server/servertest"
)

// TestETags: GET and writes send an ETag that changes with every write;
// If-None-Match answers 304; a stale If-Match answers 412 and writes
// nothing at all; a current one (also weak, also "*") goes through.
func TestETags(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	created := c.Must(t, 201, "POST", "/api/v1/tags", map[string]any{"name": "Alpha", "color": "#112233"})
	rec := created.Record(t)
	id, etag := rec.ID(), created.Header.Get("ETag")
	if etag == "" || !strings.HasPrefix(etag, `"`) || created.Header.Get("Location") != "/api/v1/tags/"+id {
		t.Fatalf("create: ETag %q, Location %q", etag, created.Header.Get("Location"))
	}
	if got := c.Must(t, 200, "GET", "/api/v1/tags/"+id, nil).Header.Get("ETag"); got != etag {
		t.Fatalf("GET ETag %s, POST said %s", got, etag)
	}

	t.Run("If-None-Match", func(t *testing.T) {
		for _, inm := range []string{etag, "W/" + etag, `"nope", ` + etag, "*"} {
			r := c.Must(t, 304, "GET", "/api/v1/tags/"+id, nil, "If-None-Match", inm)
			if len(r.Body) != 0 || r.Header.Get("ETag") != etag {
				t.Fatalf("304 for %q with body %q and ETag %q", inm, r.Body, r.Header.Get("ETag"))
			}
		}
		if r := c.Must(t, 200, "GET", "/api/v1/tags/"+id, nil, "If-None-Match", `"stale.1"`); !bytes.Contains(r.Body, []byte("Alpha")) {
			t.Fatal("If-None-Match with another ETag did not answer the record")
		}
	})

	// A correct If-Match goes through and moves the ETag.
	upd := c.Must(t, 200, "PATCH", "/api/v1/tags/"+id, map[string]any{"name": "Beta"}, "If-Match", etag)
	fresh := upd.Header.Get("ETag")
	if fresh == "" || fresh == etag || upd.Record(t).Version() != 2 {
		t.Fatalf("after a write: ETag %q (was %q), version %d", fresh, etag, upd.Record(t).Version())
	}
	if got := c.Must(t, 200, "GET", "/api/v1/tags/"+id, nil).Header.Get("ETag"); got != fresh {
		t.Fatalf("GET ETag %s after the write, PATCH said %s", got, fresh)
	}
	c.Must(t, 200, "GET", "/api/v1/tags/"+id, nil, "If-None-Match", etag) // the old one no longer matches

	before := c.History(t, "tags", id)
	e.Run(t, []servertest.Scenario{
		{Name: "stale PATCH", Method: "PATCH", Path: "/api/v1/tags/" + id, Body: map[string]any{"name": "Gamma", "color": "#000000"}, Headers: []string{"If-Match", etag}, Status: 412, Code: "precondition_failed"},
		{Name: "stale weak PATCH", Method: "PATCH", Path: "/api/v1/tags/" + id, Body: map[string]any{"name": "Gamma"}, Headers: []string{"If-Match", "W/" + etag}, Status: 412},
		{Name: "garbage If-Match", Method: "PATCH", Path: "/api/v1/tags/" + id, Body: map[string]any{"name": "Gamma"}, Headers: []string{"If-Match", "garbage"}, Status: 412},
		{Name: "stale DELETE", Method: "DELETE", Path: "/api/v1/tags/" + id, Headers: []string{"If-Match", etag}, Status: 412, Code: "precondition_failed"},
		{Name: "stale PATCH with a bad value still 412", Method: "PATCH", Path: "/api/v1/tags/" + id, Body: map[string]any{"color": "red"}, Headers: []string{"If-Match", etag}, Status: 412},
	})
	after := c.Get(t, "tags", id)
	if after["name"] != "Beta" || after["color"] != "#112233" || after.Version() != 2 {
		t.Fatalf("a stale write changed the record: %v", after)
	}
	if h := c.History(t, "tags", id); len(h) != len(before) {
		t.Fatalf("a stale write added history: %d rows, was %d", len(h), len(before))
	}
	if len(c.List(t, "/api/v1/tags/trash").Data) != 0 {
		t.Fatal("a stale DELETE moved the record to the trash")
	}

	// Weak and list forms of a current ETag match, and so does *.
	r := c.Must(t, 200, "PATCH", "/api/v1/tags/"+id, map[string]any{"description": "d1"}, "If-Match", `"other", W/`+fresh)
	r = c.Must(t, 200, "PATCH", "/api/v1/tags/"+id, map[string]any{"description": "d2"}, "If-Match", "*")
	if r.Record(t).Version() != 4 {
		t.Fatalf("version %d after two more writes", r.Record(t).Version())
	}
	// A write that changes nothing keeps the version and the ETag.
	same := c.Must(t, 200, "PATCH", "/api/v1/tags/"+id, map[string]any{"description": "d2"}, "If-Match", r.Header.Get("ETag"))
	if same.Header.Get("ETag") != r.Header.Get("ETag") || same.Record(t).Version() != 4 {
		t.Fatalf("a no-op write moved the ETag to %s", same.Header.Get("ETag"))
	}
	c.Must(t, 204, "DELETE", "/api/v1/tags/"+id, nil, "If-Match", same.Header.Get("ETag"))
}

// TestConcurrentWritesWithOneETag: of several writers holding the same
// ETag exactly one wins; the others get 412 and write nothing.
func TestConcurrentWritesWithOneETag(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	created := c.Must(t, 201, "POST", "/api/v1/tags", map[string]any{"name": "Contended"})
	id, etag := created.Record(t).ID(), created.Header.Get("ETag")
	const n = 8
	statuses := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Send("PATCH", "/api/v1/tags/"+id, map[string]any{"description": fmt.Sprintf("writer %d", i)}, "If-Match", etag)
			if err != nil {
				errs[i] = err
				return
			}
			statuses[i] = r.Status
		}()
	}
	wg.Wait()
	won := -1
	for i, st := range statuses {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		switch st {
		case 200:
			if won >= 0 {
				t.Fatalf("writers %d and %d both won", won, i)
			}
			won = i
		case 412:
		default:
			t.Fatalf("writer %d: %d", i, st)
		}
	}
	if won < 0 {
		t.Fatalf("no writer won: %v", statuses)
	}
	r := c.Get(t, "tags", id)
	if r["description"] != fmt.Sprintf("writer %d", won) || r.Version() != 2 {
		t.Fatalf("record %v after the race won by %d", r, won)
	}
	if h := c.History(t, "tags", id); len(h) != 2 {
		t.Fatalf("%d history rows, want create + one update", len(h))
	}
}

// TestConcurrentCreatesOfOneName: a unique name is given once even when
// requests race; the others are told why.
func TestConcurrentCreatesOfOneName(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	const n = 6
	statuses := make([]int, n)
	bodies := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := c.Send("POST", "/api/v1/tags", map[string]any{"name": "Unique"}); err == nil {
				statuses[i], bodies[i] = r.Status, r.Body
			}
		}()
	}
	wg.Wait()
	created := 0
	for i, st := range statuses {
		switch st {
		case 201:
			created++
		case 409, 422:
			if !bytes.Contains(bodies[i], []byte(`"body.name"`)) {
				t.Fatalf("a refused duplicate does not name body.name: %s", bodies[i])
			}
		default:
			t.Fatalf("request %d: %d %s", i, st, bodies[i])
		}
	}
	if created != 1 || len(c.List(t, "/api/v1/tags").Data) != 1 {
		t.Fatalf("%d creates succeeded: %v", created, statuses)
	}
}

// TestIdempotencyKeys: a retried POST with the same key answers the
// first response and writes nothing twice; the same key with another
// body is refused naming the header; keys are per user.
func TestIdempotencyKeys(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	body := map[string]any{"name": "Once", "color": "#aabbcc"}
	first := c.Must(t, 201, "POST", "/api/v1/tags", body, "Idempotency-Key", "key-1")
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatal("the first request is marked as a replay")
	}
	for i := 0; i < 3; i++ {
		again := c.Must(t, 201, "POST", "/api/v1/tags", body, "Idempotency-Key", "key-1")
		if !bytes.Equal(again.Body, first.Body) {
			t.Fatalf("replay body differs:\n%s\n%s", first.Body, again.Body)
		}
		if again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatal("replay lacks Idempotent-Replayed: true")
		}
		for _, h := range []string{"ETag", "Location", "Content-Type"} {
			if again.Header.Get(h) != first.Header.Get(h) || first.Header.Get(h) == "" {
				t.Fatalf("replay %s %q, first %q", h, again.Header.Get(h), first.Header.Get(h))
			}
		}
	}
	if got := c.List(t, "/api/v1/tags").Data; len(got) != 1 {
		t.Fatalf("%d tags after retries, want 1", len(got))
	}
	id := first.Record(t).ID()
	if h := c.History(t, "tags", id); len(h) != 1 {
		t.Fatalf("%d history rows after retries", len(h))
	}

	e.Run(t, []servertest.Scenario{
		{Name: "same key, other body", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "Twice"}, Headers: []string{"Idempotency-Key", "key-1"}, Status: 422, ErrorAt: []string{"header.Idempotency-Key"}},
		{Name: "same key, same body, other path", Method: "POST", Path: "/api/v1/teams", Body: body, Headers: []string{"Idempotency-Key", "key-1"}, Status: 422, ErrorAt: []string{"header.Idempotency-Key"}},
		{Name: "key too long", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "Long"}, Headers: []string{"Idempotency-Key", strings.Repeat("k", 256)}, Status: 422, ErrorAt: []string{"header.Idempotency-Key"}},
		{Name: "key not ASCII", Method: "POST", Path: "/api/v1/tags", Body: map[string]any{"name": "Bytes"}, Headers: []string{"Idempotency-Key", "k\xff\xfe"}, Status: 422, ErrorAt: []string{"header.Idempotency-Key"}},
	})
	if got := c.List(t, "/api/v1/tags").Data; len(got) != 1 {
		t.Fatalf("refused keys wrote: %d tags", len(got))
	}

	t.Run("failures are remembered", func(t *testing.T) {
		bad := map[string]any{"name": "Bad", "color": "red"}
		r1 := c.Must(t, 422, "POST", "/api/v1/tags", bad, "Idempotency-Key", "key-2")
		r2 := c.Must(t, 422, "POST", "/api/v1/tags", bad, "Idempotency-Key", "key-2")
		if r2.Header.Get("Idempotent-Replayed") != "true" || r2.Problem(t).Code != r1.Problem(t).Code {
			t.Fatal("a failed request's retry was not answered from the store")
		}
	})

	t.Run("keys are per user", func(t *testing.T) {
		mgr := e.WS.User(t, "manager")
		r := mgr.Must(t, 201, "POST", "/api/v1/tags", map[string]any{"name": "Manager's"}, "Idempotency-Key", "key-1")
		if r.Header.Get("Idempotent-Replayed") != "" || bytes.Equal(r.Body, first.Body) {
			t.Fatal("another user's key answered with the admin's response")
		}
		other := e.AddWorkspace("Other")
		r = other.Admin.Must(t, 201, "POST", "/api/v1/tags", body, "Idempotency-Key", "key-1")
		if r.Header.Get("Idempotent-Replayed") != "" || bytes.Contains(r.Body, []byte(id)) {
			t.Fatal("another workspace's key answered with Acme's response")
		}
	})

	t.Run("racing retries", func(t *testing.T) {
		const n = 6
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r, err := c.Send("POST", "/api/v1/tags", map[string]any{"name": "Raced"}, "Idempotency-Key", "key-race"); err == nil {
					statuses[i] = r.Status
				}
			}()
		}
		wg.Wait()
		for i, st := range statuses {
			if st != 201 && st != 409 {
				t.Fatalf("retry %d: %d (want 201, or 409 while the first runs)", i, st)
			}
		}
		if n := len(c.List(t, "/api/v1/tags?filter[name][eq]=Raced").Data); n != 1 {
			t.Fatalf("%d tags from racing retries", n)
		}
		// Once the first finished, a retry is a replay.
		r := c.Must(t, 201, "POST", "/api/v1/tags", map[string]any{"name": "Raced"}, "Idempotency-Key", "key-race")
		if r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatal("a retry after the race was not a replay")
		}
	})
}

// TestRestoreIfMatch: restoring from the trash honours If-Match like the
// other writes: a stale ETag (the one the record had before it was
// deleted, or one from before another change in the trash) answers 412
// and leaves the record in the trash; the ETag the trash lists restores
// it. The page's restore button sends that ETag too and is refused the
// same way when it is stale.
func TestRestoreIfMatch(t *testing.T) {
	e := servertest.New(t)
	c := e.WS.Admin
	created := c.Must(t, 201, "POST", "/api/v1/accounts", map[string]any{"name": "Restorable SA"})
	id, live := created.Record(t).ID(), created.Header.Get("ETag")
	c.Must(t, 204, "DELETE", "/api/v1/accounts/"+id, nil, "If-Match", live)
	trash := c.List(t, "/api/v1/accounts/trash")
	if len(trash.Data) != 1 || trash.Data[0].ID() != id {
		t.Fatalf("trash: %v", trash.Data)
	}
	etagOf := func(r servertest.Record) string {
		return `"` + r.ID()[len(r.ID())-12:] + "." + strconv.FormatInt(r.Version(), 10) + `"`
	}
	trashed := etagOf(trash.Data[0])
	if trashed == live {
		t.Fatalf("deleting did not move the ETag: %s", live)
	}
	e.Run(t, []servertest.Scenario{
		{Name: "restore with the ETag from before the delete", Method: "POST", Path: "/api/v1/accounts/" + id + "/restore", Headers: []string{"If-Match", live}, Status: 412, Code: "precondition_failed"},
		{Name: "restore with a garbage ETag", Method: "POST", Path: "/api/v1/accounts/" + id + "/restore", Headers: []string{"If-Match", `"nope.9"`}, Status: 412, Code: "precondition_failed"},
	})
	if len(c.List(t, "/api/v1/accounts/trash").Data) != 1 {
		t.Fatal("a stale restore took the record out of the trash")
	}
	if h := c.History(t, "accounts", id); h[len(h)-1].Action != "delete" {
		t.Fatalf("a stale restore wrote history: %+v", h[len(h)-1])
	}
	r := c.Must(t, 200, "POST", "/api/v1/accounts/"+id+"/restore", nil, "If-Match", trashed)
	if r.Record(t)["name"] != "Restorable SA" || r.Header.Get("ETag") == trashed {
		t.Fatalf("restored: %v, ETag %s", r.Record(t), r.Header.Get("ETag"))
	}

	// The page: a restore button that carries a stale ETag is refused.
	fresh := r.Header.Get("ETag")
	c.Must(t, 204, "DELETE", "/api/v1/accounts/"+id, nil, "If-Match", fresh)
	b := e.Browser()
	b.SignIn(t, c.Email, servertest.Password)
	page := string(b.Must(t, 200, "GET", "/o/accounts/"+id, nil).Body)
	inTrash := etagOf(c.List(t, "/api/v1/accounts/trash").Data[0])
	want := `name="_etag" value="` + html.EscapeString(inTrash) + `"`
	if !strings.Contains(page, want) {
		t.Fatalf("the trashed record's page has no restore form with %s", want)
	}
	form := func(etag string) string { return url.Values{"_etag": {etag}}.Encode() }
	b.Must(t, 412, "POST", "/o/accounts/"+id+"/restore", form(fresh), "Content-Type", "application/x-www-form-urlencoded")
	if len(c.List(t, "/api/v1/accounts/trash").Data) != 1 {
		t.Fatal("a stale restore from the page took the record out of the trash")
	}
	list := string(b.Must(t, 200, "GET", "/o/accounts/trash", nil).Body)
	if !strings.Contains(list, want) {
		t.Fatalf("the trash list has no restore form with %s", want)
	}
	b.Must(t, 303, "POST", "/o/accounts/"+id+"/restore", form(inTrash), "Content-Type", "application/x-www-form-urlencoded")
	if len(c.List(t, "/api/v1/accounts/trash").Data) != 0 {
		t.Fatal("the page's restore with the current ETag did not restore")
	}
}

// TestLostUpdates is issue 6's concurrency check: 16 clients increment
// a counter on the same 10 records for a while, each reading the record
// and writing the counter plus one with the ETag it read. A write that
// lost the race must answer 412 and change nothing, so at the end every
// counter equals the increments the server acknowledged (200) for it:
// no update is lost, none is counted twice, and nothing answers 5xx.
// It runs 3 s under make test; RAPPORT_CONCURRENCY_DURATION=60s runs the
// issue's full minute. It logs the throughput and the counts (go test -v).
func TestLostUpdates(t *testing.T) {
	const clients, records = 16, 10
	dur := 3 * time.Second
	if v := os.Getenv("RAPPORT_CONCURRENCY_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("RAPPORT_CONCURRENCY_DURATION=%q: want a positive duration such as 60s", v)
		}
		dur = d
	}
	e := servertest.New(t)
	c := e.WS.Admin
	field := e.WS.CustomField(t, "tags", "counter", "integer", nil)
	ids := make([]string, records)
	for i := range ids {
		ids[i] = c.Must(t, 201, "POST", "/api/v1/tags", map[string]any{"name": fmt.Sprintf("Counter %d", i), field: 0}).Record(t).ID()
	}
	type tally struct {
		acked               [records]int64 // acknowledged increments per record
		reads, writes       int64          // 200 GETs, PATCHes sent
		stale, serverErrors int64          // 412s, 5xx answers
		firstProblem        string         // the first unexpected answer
	}
	tallies := make([]tally, clients)
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tl := &tallies[w]
			problem := func(format string, args ...any) {
				if tl.firstProblem == "" {
					tl.firstProblem = fmt.Sprintf(format, args...)
				}
			}
			for n := 0; time.Now().Before(deadline); n++ {
				k := (w + n) % records
				got, err := c.Send("GET", "/api/v1/tags/"+ids[k], nil)
				if err != nil || got.Status != 200 {
					if got != nil && got.Status >= 500 {
						tl.serverErrors++
					}
					problem("GET: %v %v", err, got)
					continue
				}
				tl.reads++
				var rec map[string]any
				if err := json.Unmarshal(got.Body, &rec); err != nil {
					problem("GET body: %v", err)
					continue
				}
				// The API writes integers as strings (int64 does not fit a
				// JSON number), and accepts both.
				v, err := strconv.ParseInt(fmt.Sprint(rec[field]), 10, 64)
				if err != nil {
					problem("GET %s: %v", field, err)
					continue
				}
				put, err := c.Send("PATCH", "/api/v1/tags/"+ids[k], map[string]any{field: v + 1}, "If-Match", got.Header.Get("ETag"))
				tl.writes++
				switch {
				case err != nil:
					problem("PATCH: %v", err) // not acknowledged: the server may or may not have written it
				case put.Status == 200:
					tl.acked[k]++
				case put.Status == 412:
					tl.stale++
				case put.Status >= 500:
					tl.serverErrors++
					problem("PATCH: %d %.300s", put.Status, put.Body)
				default:
					problem("PATCH: %d %.300s", put.Status, put.Body)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	var sum tally
	for _, tl := range tallies {
		for k := range records {
			sum.acked[k] += tl.acked[k]
		}
		sum.reads += tl.reads
		sum.writes += tl.writes
		sum.stale += tl.stale
		sum.serverErrors += tl.serverErrors
		if sum.firstProblem == "" {
			sum.firstProblem = tl.firstProblem
		}
	}
	var acked int64
	for k, id := range ids {
		acked += sum.acked[k]
		r := c.Get(t, "tags", id)
		v, err := strconv.ParseInt(fmt.Sprint(r[field]), 10, 64)
		if err != nil || v != sum.acked[k] {
			t.Errorf("record %d: counter %v, but %d increments were acknowledged", k, r[field], sum.acked[k])
		}
		if r.Version() != sum.acked[k]+1 {
			t.Errorf("record %d: version %d after %d acknowledged writes", k, r.Version(), sum.acked[k])
		}
	}
	t.Logf("%d clients on %d records for %v: %d PATCHes with If-Match (%.1f/s), %d acknowledged increments (%.1f/s), %d answered 412, %d answered 5xx; %d reads",
		clients, records, took.Round(time.Millisecond), sum.writes, float64(sum.writes)/took.Seconds(), acked, float64(acked)/took.Seconds(), sum.stale, sum.serverErrors, sum.reads)
	if sum.firstProblem != "" {
		t.Errorf("unexpected answer (5xx: %d): %s", sum.serverErrors, sum.firstProblem)
	}
	if acked == 0 || sum.stale == 0 {
		t.Errorf("%d acknowledged, %d stale: the clients did not contend", acked, sum.stale)
	}
}
