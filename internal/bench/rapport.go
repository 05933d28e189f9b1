package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The workspaces and users the benchmark creates. Reads go to the first
// workspace, which holds exactly TagCount tags; creates go to the second,
// so the list being measured stays the first page of TagCount tags
// however many creates run.
const (
	Workspace      = "Bench"
	Email          = "bench@example.test"
	Password       = "benchpass1"
	WriteWorkspace = "Bench Writes"
	WriteEmail     = "writer@example.test"
	TagCount       = 1000
)

// instance is a Rapport database prepared for load: its workspaces,
// tokens and tags. The server process comes and goes.
type instance struct {
	label      string   // SQLite or PostgreSQL
	dataDir    string   // --data
	dbURL      string   // --db, empty on SQLite
	token      string   // bearer token in Workspace
	writeToken string   // bearer token in WriteWorkspace
	tagIDs     []string // the TagCount tags of Workspace
}

// db names the instance's database in figure keys: sqlite or postgres.
func (in *instance) db() string {
	if in.dbURL != "" {
		return "postgres"
	}
	return "sqlite"
}

// args returns the global flags that select the instance's database.
func (in *instance) args() []string {
	a := []string{"--data", in.dataDir}
	if in.dbURL != "" {
		a = append(a, "--db", in.dbURL)
	}
	return a
}

// serveArgs returns the arguments of `rapport serve` on addr.
func (in *instance) serveArgs(addr string) []string {
	return append([]string{"serve", "--addr", addr}, in.args()...)
}

// prepare runs `rapport setup` and `rapport token create` for both
// workspaces.
func (in *instance) prepare(ctx context.Context, bin string) error {
	for _, w := range []struct {
		ws, email string
		tok       *string
	}{{Workspace, Email, &in.token}, {WriteWorkspace, WriteEmail, &in.writeToken}} {
		setup := append([]string{"setup"}, in.args()...)
		setup = append(setup, "--workspace", w.ws, "--email", w.email, "--password", Password)
		if _, err := runCommand(ctx, 5*time.Minute, nil, bin, setup...); err != nil {
			return fmt.Errorf("%s: %w", in.label, err)
		}
		tok := append([]string{"token", "create"}, in.args()...)
		tok = append(tok, "--workspace", w.ws, "--email", w.email, "--name", "bench")
		out, err := runCommand(ctx, 2*time.Minute, nil, bin, tok...)
		if err != nil {
			return fmt.Errorf("%s: %w", in.label, err)
		}
		*w.tok = strings.TrimSpace(out)
		if *w.tok == "" || strings.ContainsAny(*w.tok, " \n") {
			return fmt.Errorf("%s: token create printed %q, want one token", in.label, out)
		}
	}
	return nil
}

// createTags creates TagCount tags through the API, eight at a time, and
// keeps their ids.
func (in *instance) createTags(ctx context.Context, c *http.Client, base string) error {
	ids := make([]string, TagCount)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				body := fmt.Sprintf(`{"name":"tag-%04d","color":"#3b82f6","description":"Tag %d, created by rapport-bench."}`, i, i)
				var rec struct {
					ID string `json:"id"`
				}
				err := postJSON(ctx, c, base+"/api/v1/tags", in.token, body, http.StatusCreated, &rec)
				if err == nil && rec.ID == "" {
					err = fmt.Errorf("create tag %d: no id in the answer", i)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				ids[i] = rec.ID
				mu.Unlock()
			}
		})
	}
	for i := 0; i < TagCount && ctx.Err() == nil; i++ {
		next <- i
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("%s: %w", in.label, firstErr)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	in.tagIDs = ids
	return nil
}

// warm sends n requests, alternating a tag read and the first list page,
// so a server has touched its code paths before its memory is measured.
func (in *instance) warm(ctx context.Context, c *http.Client, base string, n int) error {
	for i := range n {
		url := base + "/api/v1/tags?limit=50"
		if i%2 == 0 {
			url = base + "/api/v1/tags/" + in.tagIDs[i%len(in.tagIDs)]
		}
		t := HTTPTarget{Method: "GET", URL: func(int, int) string { return url }, Token: in.token, Want: http.StatusOK}
		if err := t.Op(c)(ctx, 0, i); err != nil {
			return fmt.Errorf("%s warm-up: %w", in.label, err)
		}
	}
	return nil
}

// targets returns the three measured requests on the server at base.
// Created tags are named by round, worker and count, so they never clash.
func (in *instance) targets(base string, round *int) []namedTarget {
	ids := in.tagIDs
	return []namedTarget{
		{key: "get", label: "GET /api/v1/tags/{id}", t: HTTPTarget{Method: "GET", Token: in.token, Want: http.StatusOK,
			URL: func(w, n int) string { return base + "/api/v1/tags/" + ids[(w*61+n)%len(ids)] }}},
		{key: "list", label: "GET /api/v1/tags?limit=50", t: HTTPTarget{Method: "GET", Token: in.token, Want: http.StatusOK,
			URL: func(int, int) string { return base + "/api/v1/tags?limit=50" }}},
		{key: "create", label: "POST /api/v1/tags", t: HTTPTarget{Method: "POST", Token: in.writeToken, Want: http.StatusCreated,
			URL: func(int, int) string { return base + "/api/v1/tags" },
			Body: func(w, n int) []byte {
				return fmt.Appendf(nil, `{"name":"bench-r%d-w%d-%d","color":"#10b981"}`, *round, w, n)
			}}},
	}
}

type namedTarget struct {
	key, label string
	t          HTTPTarget
}

func postJSON(ctx context.Context, c *http.Client, url, token, body string, want int, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s: status %d, want %d: %s", req.URL.Path, resp.StatusCode, want, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, out)
}
