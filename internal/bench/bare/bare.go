// Package bare is the floor the benchmark measures Rapport against: a
// net/http server that does nothing but answer. It imports only the
// standard library, so a binary built from it is as small and as light
// as a Go web server gets.
package bare

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// jsonBody is about the size of a small API response.
var jsonBody = []byte(`{"id":"0192b1c4-7e5a-7f3e-9c1d-2b8f6a4e1d30","name":"tag-0001","color":"#3b82f6","version":1}` + "\n")

// Handler answers GET /healthz with 200 "ok" and GET /json with a small
// JSON body; everything else is 404.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jsonBody)
	})
	return mux
}

// Serve listens on addr, which must be a loopback address, until ctx
// ends, then shuts down gracefully.
func Serve(ctx context.Context, addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("bare server: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("bare server: %s is not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("bare server: %w", err)
	}
	srv := &http.Server{Handler: Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("bare server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("bare server: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("bare server: %w", err)
	}
	return nil
}
