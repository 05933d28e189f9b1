package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/bench/bare"
)

func TestLoadCountsRequestsAndErrors(t *testing.T) {
	srv := httptest.NewServer(bare.Handler()) // 127.0.0.1
	defer srv.Close()
	c := NewClient(4)
	defer c.CloseIdleConnections()
	tests := []struct {
		name             string
		path             string
		wantOK, wantErrs int
	}{
		{"every request answered", "/json", 40, 0},
		{"an unexpected status is an error", "/nothing-here", 0, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := HTTPTarget{Method: "GET", Want: http.StatusOK, URL: func(int, int) string { return srv.URL + tt.path }}.Op(c)
			// The count bound ends the run long before the time bound.
			s := Load(context.Background(), LoadOptions{Concurrency: 4, Duration: time.Minute, MaxRequests: 40}, op)
			if s.OK != tt.wantOK || s.Errors != tt.wantErrs {
				t.Fatalf("OK=%d Errors=%d (%s), want %d, %d", s.OK, s.Errors, s.FirstError, tt.wantOK, tt.wantErrs)
			}
			if tt.wantErrs > 0 && !strings.Contains(s.FirstError, "status 404") {
				t.Errorf("FirstError = %q, want it to name the status", s.FirstError)
			}
			if tt.wantOK > 0 && (s.P50 <= 0 || s.P99 < s.P50 || s.Rate <= 0) {
				t.Errorf("P50=%v P99=%v Rate=%v, want positive and ordered", s.P50, s.P99, s.Rate)
			}
		})
	}
}

func TestClientDialsLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"192.0.2.1:80", "example.test:80", "[2001:db8::1]:443"} {
		if err := checkLoopback(addr); err == nil {
			t.Errorf("checkLoopback(%s) = nil, want a refusal", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "[::1]:8080"} {
		if err := checkLoopback(addr); err != nil {
			t.Errorf("checkLoopback(%s) = %v, want nil", addr, err)
		}
	}
	// Refused before any packet leaves: the dialer never runs.
	_, err := NewClient(1).Get("http://192.0.2.1/")
	if err == nil || !strings.Contains(err.Error(), "loopback addresses only") {
		t.Errorf("Get(192.0.2.1) = %v, want a loopback refusal", err)
	}
}
