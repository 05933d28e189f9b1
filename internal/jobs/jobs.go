// Package jobs is the background job queue, stored in the database so
// that every server process sharing it shares the work: a job runs once,
// on whichever process claims it first.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// Handler runs one job. A returned error retries the job later with
// backoff, up to its maximum attempts.
type Handler func(ctx context.Context, payload json.RawMessage) error

// Periodic is a job enqueued again every Every, at most once at a time.
type Periodic struct {
	Kind  string
	Every time.Duration
}

// Queue enqueues and runs jobs.
type Queue struct {
	DB       *db.DB
	Log      *slog.Logger
	Now      func() time.Time
	Poll     time.Duration
	LockFor  time.Duration
	worker   string
	mu       sync.RWMutex
	handlers map[string]Handler
	periodic []Periodic
	wake     chan struct{}
	metrics  *prometheus.CounterVec
}

// New returns a queue on d.
func New(d *db.DB, log *slog.Logger, now func() time.Time, reg prometheus.Registerer) *Queue {
	host, _ := os.Hostname()
	q := &Queue{DB: d, Log: log, Now: now, Poll: time.Second, LockFor: 5 * time.Minute,
		worker: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), uuid.NewString()[:8]), handlers: map[string]Handler{}, wake: make(chan struct{}, 1)}
	q.metrics = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rapport_jobs_total", Help: "Background jobs run, by kind and outcome."}, []string{"kind", "outcome"})
	pending := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rapport_jobs_pending", Help: "Jobs waiting to run (due or scheduled)."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM jobs WHERE status IN ('pending','running')").Scan(&n); err != nil {
			return -1
		}
		return float64(n)
	})
	if reg != nil {
		reg.MustRegister(q.metrics, pending)
	}
	return q
}

// Register sets the handler of a kind of job.
func (q *Queue) Register(kind string, h Handler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.handlers[kind] = h
	// Export every outcome from the start, so dashboards see zeros
	// rather than missing series.
	for _, o := range []string{"ok", "retry", "failed"} {
		q.metrics.WithLabelValues(kind, o)
	}
}

// Every makes kind run periodically; the first run is due at once.
func (q *Queue) Every(kind string, every time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.periodic = append(q.periodic, Periodic{Kind: kind, Every: every})
}

// EnqueueOptions tune one job.
type EnqueueOptions struct {
	RunAt       time.Time
	UniqueKey   string // when set, a second pending job with the key is not added
	MaxAttempts int
	WorkspaceID string
}

// Enqueue adds a job. With a UniqueKey already pending it does nothing.
func (q *Queue) Enqueue(ctx context.Context, x db.Querier, kind string, payload any, opts EnqueueOptions) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", kind, err)
	}
	if opts.RunAt.IsZero() {
		opts.RunAt = q.Now()
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 5
	}
	var uk, ws any
	if opts.UniqueKey != "" {
		uk = opts.UniqueKey
	}
	if opts.WorkspaceID != "" {
		ws = opts.WorkspaceID
	}
	_, err = x.Exec(ctx, "INSERT INTO jobs (id, kind, workspace_id, payload, unique_key, status, run_at, max_attempts, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
		uuid.Must(uuid.NewV7()).String(), kind, ws, string(b), uk, db.T(opts.RunAt), opts.MaxAttempts, db.T(q.Now()))
	if err != nil && errs.Is(err, errs.Conflict) && opts.UniqueKey != "" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", kind, err)
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

type claimed struct {
	id, kind, payload, uniqueKey string
	attempts, max                int
}

// claim takes the next due job, marking it running under this worker
// until LockFor passes (after which another worker may take it over, so
// a crashed process never strands a job).
func (q *Queue) claim(ctx context.Context) (*claimed, error) {
	now := q.Now()
	tx, err := q.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sel := "SELECT id, kind, payload, COALESCE(unique_key, ''), attempts, max_attempts FROM jobs WHERE (status = 'pending' AND run_at <= ?) OR (status = 'running' AND locked_until < ?) ORDER BY run_at LIMIT 1"
	if q.DB.Dialect == db.Postgres {
		sel += " FOR UPDATE SKIP LOCKED"
	}
	var c claimed
	err = tx.QueryRow(ctx, sel, db.T(now), db.T(now)).Scan(&c.id, &c.kind, &c.payload, &c.uniqueKey, &c.attempts, &c.max)
	if err != nil {
		if errs.Is(db.MapError(err), errs.NotFound) {
			return nil, nil
		}
		return nil, err
	}
	if _, err := tx.Exec(ctx, "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = ?, locked_until = ? WHERE id = ?", q.worker, db.T(now.Add(q.LockFor)), c.id); err != nil {
		return nil, err
	}
	c.attempts++
	return &c, tx.Commit()
}

// RunOnce claims and runs due jobs until none is left; it returns how
// many it ran. Tests call it to run jobs deterministically.
func (q *Queue) RunOnce(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		c, err := q.claim(ctx)
		if err != nil {
			return n, fmt.Errorf("claim job: %w", err)
		}
		if c == nil {
			return n, nil
		}
		n++
		// The job in hand finishes even when shutdown begins.
		q.run(context.WithoutCancel(ctx), c)
	}
	return n, ctx.Err()
}

func (q *Queue) run(ctx context.Context, c *claimed) {
	q.mu.RLock()
	h := q.handlers[c.kind]
	q.mu.RUnlock()
	var err error
	if h == nil {
		err = fmt.Errorf("no handler for job kind %q", c.kind)
	} else {
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("job panicked: %v", r)
				}
			}()
			err = h(ctx, json.RawMessage(c.payload))
		}()
	}
	now := q.Now()
	if err == nil {
		q.metrics.WithLabelValues(c.kind, "ok").Inc()
		// A finished job frees its unique key so the next run can be queued.
		_, derr := q.DB.Exec(context.WithoutCancel(ctx), "UPDATE jobs SET status = 'done', unique_key = NULL, finished_at = ?, locked_by = '', last_error = '' WHERE id = ?", db.T(now), c.id)
		if derr != nil {
			q.Log.Error("finish job", "kind", c.kind, "err", derr)
		}
		return
	}
	q.Log.Warn("job failed", "kind", c.kind, "id", c.id, "attempt", c.attempts, "err", err)
	status, runAt := "pending", now.Add(time.Duration(c.attempts*c.attempts)*10*time.Second)
	var uk any = c.uniqueKey
	if c.uniqueKey == "" {
		uk = nil
	}
	if c.attempts >= c.max || errors.Is(err, context.Canceled) && ctx.Err() != nil {
		if c.attempts >= c.max {
			status, uk = "failed", nil
			q.metrics.WithLabelValues(c.kind, "failed").Inc()
		}
	} else {
		q.metrics.WithLabelValues(c.kind, "retry").Inc()
	}
	msg := err.Error()
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	if _, derr := q.DB.Exec(context.WithoutCancel(ctx), "UPDATE jobs SET status = ?, unique_key = ?, run_at = ?, last_error = ?, locked_by = '' WHERE id = ?", status, uk, db.T(runAt), msg, c.id); derr != nil {
		q.Log.Error("reschedule job", "kind", c.kind, "err", derr)
	}
}

// schedule enqueues each periodic job unless one is pending or running.
func (q *Queue) schedule(ctx context.Context) {
	q.mu.RLock()
	ps := append([]Periodic(nil), q.periodic...)
	q.mu.RUnlock()
	for _, p := range ps {
		var last db.Time
		var raw any
		_ = q.DB.QueryRow(ctx, "SELECT MAX(finished_at) FROM jobs WHERE kind = ? AND status = 'done'", p.Kind).Scan(&raw)
		_ = last.Scan(raw)
		runAt := q.Now()
		if !last.IsZero() {
			runAt = last.Add(p.Every)
		}
		if err := q.Enqueue(ctx, q.DB, p.Kind, struct{}{}, EnqueueOptions{RunAt: runAt, UniqueKey: "periodic:" + p.Kind}); err != nil {
			q.Log.Error("schedule periodic job", "kind", p.Kind, "err", err)
		}
	}
}

// Run works the queue until ctx ends, then returns after the job in hand
// (if any) has finished: graceful shutdown never cuts a job in half.
func (q *Queue) Run(ctx context.Context) {
	t := time.NewTicker(q.Poll)
	defer t.Stop()
	lastSchedule := time.Time{}
	for {
		if time.Since(lastSchedule) > time.Minute {
			q.schedule(ctx)
			lastSchedule = time.Now()
		}
		if _, err := q.RunOnce(ctx); err != nil && ctx.Err() == nil {
			q.Log.Error("run jobs", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-q.wake:
		}
	}
}

// PruneDone deletes finished jobs older than age.
func (q *Queue) PruneDone(ctx context.Context, age time.Duration) error {
	_, err := q.DB.Exec(ctx, "DELETE FROM jobs WHERE status IN ('done','failed') AND finished_at < ?", db.T(q.Now().Add(-age)))
	return err
}
