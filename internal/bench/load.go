package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// MaxRequestsPerRun bounds a load run by count as well as by time, so the
// latency record (8 bytes a request) stays small whatever the machine.
const MaxRequestsPerRun = 4_000_000

// LoadOptions says how hard and how long to push.
type LoadOptions struct {
	Concurrency int           // workers, each with its own keep-alive connection
	Duration    time.Duration // no request starts after this
	MaxRequests int           // across all workers; 0 means MaxRequestsPerRun
}

// Op performs one request. worker is the worker's index and n counts that
// worker's calls from 0, so an op can vary its target without sharing
// state. A non-nil error counts as a failed request.
type Op func(ctx context.Context, worker, n int) error

// Load runs op from o.Concurrency workers until o.Duration has passed or
// o.MaxRequests have been made, and records the latency of every
// successful call.
func Load(ctx context.Context, o LoadOptions, op Op) Summary {
	c := max(o.Concurrency, 1)
	limit := o.MaxRequests
	if limit <= 0 || limit > MaxRequestsPerRun {
		limit = MaxRequestsPerRun
	}
	perWorker := max(limit/c, 1)
	// Requests in flight at the deadline may finish, within a grace period.
	ctx, cancel := context.WithTimeout(ctx, o.Duration+30*time.Second)
	defer cancel()

	type result struct {
		lat      []time.Duration
		errors   int
		firstErr string
	}
	results := make([]result, c)
	start := time.Now()
	deadline := start.Add(o.Duration)
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			r := &results[w]
			r.lat = make([]time.Duration, 0, 4096)
			for n := 0; n < perWorker && ctx.Err() == nil; n++ {
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				err := op(ctx, w, n)
				d := time.Since(t0)
				if err != nil {
					if r.errors == 0 {
						r.firstErr = err.Error()
					}
					r.errors++
					continue
				}
				r.lat = append(r.lat, d)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	errors, firstErr := 0, ""
	for _, r := range results {
		all = append(all, r.lat...)
		if r.errors > 0 && firstErr == "" {
			firstErr = r.firstErr
		}
		errors += r.errors
	}
	return Summarize(all, errors, firstErr, elapsed)
}

// NewClient returns an HTTP client for conns concurrent keep-alive
// connections that dials loopback addresses only: the benchmark must never
// send traffic off the machine, whatever a URL says.
func NewClient(conns int) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				if err := checkLoopback(addr); err != nil {
					return nil, err
				}
				return d.DialContext(ctx, network, addr)
			},
			MaxIdleConns:        0, // no overall limit: several servers each keep conns
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     2 * time.Minute,
			DisableCompression:  true,
		},
	}
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to dial %s: the benchmark talks to loopback addresses only", addr)
	}
	return nil
}

// HTTPTarget is one kind of request a load run repeats.
type HTTPTarget struct {
	Method string
	URL    func(worker, n int) string
	Body   func(worker, n int) []byte // nil for no body
	Token  string                     // bearer token, if any
	Cookie string                     // Cookie header (a browser session), if any
	Want   int                        // the status that counts as success
}

// Op returns the load operation for t on client c. A call reads the whole
// response, so the connection is reused and the latency covers the body.
func (t HTTPTarget) Op(c *http.Client) Op {
	return func(ctx context.Context, worker, n int) error {
		var body io.Reader
		if t.Body != nil {
			body = bytes.NewReader(t.Body(worker, n))
		}
		req, err := http.NewRequestWithContext(ctx, t.Method, t.URL(worker, n), body)
		if err != nil {
			return err
		}
		if t.Token != "" {
			req.Header.Set("Authorization", "Bearer "+t.Token)
		}
		if t.Cookie != "" {
			req.Header.Set("Cookie", t.Cookie)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != t.Want {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
			return fmt.Errorf("%s %s: status %d, want %d: %s", t.Method, req.URL.Path, resp.StatusCode, t.Want, bytes.TrimSpace(b))
		}
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
}
