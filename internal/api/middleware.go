package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type requestIDKey struct{}

// RequestID returns the id of the request being served.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Metrics are the HTTP metrics exported on /metrics.
type Metrics struct {
	Requests *prometheus.CounterVec
	Latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rapport_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rapport_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"route"}),
	}
	reg.MustRegister(m.Requests, m.Latency)
	return m
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Observe wraps the whole server: it gives every request an id (sent
// back as X-Request-Id and put on every log line about it), logs one
// line per request and records metrics by route pattern.
func Observe(next http.Handler, log *slog.Logger, m *Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		route := new(string)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		r = r.WithContext(context.WithValue(ctx, routeKey{}, route))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		if *route == "" {
			*route = "unmatched"
		}
		if m != nil {
			m.Requests.WithLabelValues(*route, strconv.Itoa(sw.status)).Inc()
			m.Latency.WithLabelValues(*route).Observe(d.Seconds())
		}
		lvl := slog.LevelInfo
		switch {
		case sw.status == http.StatusServiceUnavailable:
			// Unavailable is the setup's doing (a missing font, the
			// database down), logged once where it is found, not on every
			// request that runs into it.
			lvl = slog.LevelWarn
		case sw.status >= 500:
			lvl = slog.LevelError
		}
		log.LogAttrs(r.Context(), lvl, "request", slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("route", *route), slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes), slog.Duration("duration", d))
	})
}

type routeKey struct{}

// RecordRoute wraps the ServeMux itself: after it has routed a request
// it hands the matched pattern to Observe, which sits outside handlers
// that copy the request (sessions, cross-origin checks) and so cannot
// see r.Pattern directly.
func RecordRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if p, ok := r.Context().Value(routeKey{}).(*string); ok {
			*p = r.Pattern
		}
	})
}
