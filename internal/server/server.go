// Package server wires Rapport together: it opens the database, builds
// the services, mounts the API and the web pages, runs the job queue and
// shuts everything down gracefully.
package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rapport-crm/rapport/internal/activities"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auditlog"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/exports"
	"github.com/rapport-crm/rapport/internal/files"
	"github.com/rapport-crm/rapport/internal/imports"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/money"
	"github.com/rapport-crm/rapport/internal/orders"
	"github.com/rapport-crm/rapport/internal/privacy"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/tags"
	"github.com/rapport-crm/rapport/internal/web"
)

// TrashRetention is how long deleted records stay restorable.
const TrashRetention = 30 * 24 * time.Hour

// ImportFileRetention is how long an uploaded import file is kept after
// its import last changed (a draft to map, a dry run to run for real, a
// stopped import to resume).
const ImportFileRetention = 7 * 24 * time.Hour

// Server is a running Rapport instance.
type Server struct {
	Cfg     config.Config
	DB      *db.DB
	Log     *slog.Logger
	Now     func() time.Time
	Auth    *auth.Service
	Records *records.Engine
	// Feature services.
	Customers  *customers.Service
	Activities *activities.Service
	Money      *money.Service
	Orders     *orders.Service
	Sales      *sales.Service
	Search     *search.Searcher
	Files      *files.Service
	Imports    *imports.Service
	Exports    *exports.Exporter
	Privacy    *privacy.Service
	Jobs       *jobs.Queue
	Audit      *auditlog.Log
	Sessions   *scs.SessionManager
	API        *api.API
	Registry   *prometheus.Registry
	Mux        *http.ServeMux
	handler    http.Handler
	tr         *web.Translator
	render     *web.Renderer
	proxies    auditlog.Proxies
}

// AuditRetention is how long audit log events are kept by default.
const AuditRetention = 400 * 24 * time.Hour

// Open opens the database named by cfg and migrates it.
func Open(ctx context.Context, cfg config.Config) (*db.DB, error) {
	d, err := db.Open(ctx, db.Options{URL: cfg.DBURL, DataDir: cfg.DataDir, MmapReads: cfg.MmapReads})
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	// Indexes a bulk load dropped and could not rebuild (it was killed).
	if err := d.BuildDeferredIndexes(ctx, nil); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// New builds a server on an open, migrated database.
func New(cfg config.Config, d *db.DB, log *slog.Logger, now func() time.Time) (*Server, error) {
	if now == nil {
		now = time.Now
	}
	s := &Server{Cfg: cfg, DB: d, Log: log, Now: now, Registry: prometheus.NewRegistry(), Mux: http.NewServeMux()}
	proxies, err := auditlog.ParseProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("--trusted-proxies: %w", err)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together: give both or neither")
	}
	s.proxies = proxies
	s.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(d.W, "writer"))
	if d.R != d.W {
		s.Registry.MustRegister(collectors.NewDBStatsCollector(d.R, "reader"))
	}
	s.Records = records.New(d, now)
	s.Customers = &customers.Service{DB: d, Records: s.Records, Now: now}
	s.Activities = &activities.Service{DB: d, Records: s.Records, Now: now}
	s.Money = &money.Service{DB: d, Now: now}
	s.Orders = &orders.Service{DB: d, Records: s.Records, Now: now, Fonts: &orders.Fonts{CJKPath: cfg.PDFCJKFont, Log: log}, Money: s.Money}
	s.Sales = &sales.Service{DB: d, Records: s.Records, Money: s.Money, Customers: s.Customers, Now: now}
	s.Orders.WinDeal = s.Sales.WinDealTx
	s.Search = &search.Searcher{DB: d, Sources: append(append([]search.Source{}, SearchSources...), sales.SearchSources...)}
	filesDir := cfg.FilesDir
	if filesDir == "" {
		filesDir = filepath.Join(cfg.DataDir, "files")
	}
	s.Files = &files.Service{DB: d, Records: s.Records, Dir: filesDir, MaxSize: cfg.MaxUpload, Now: now}
	s.RegisterObjects()
	s.Privacy = &privacy.Service{DB: d, Records: s.Records, Customers: s.Customers, Activities: s.Activities, Files: s.Files, Log: log, Now: now}
	s.Auth = auth.NewService(d, now, log)
	s.Audit = &auditlog.Log{DB: d, Now: now, Log: log}
	s.Auth.Events = s.Audit.FromAuth
	s.Records.OnPurge = func(ctx context.Context, p *auth.Principal, object, id string) {
		s.Audit.Record(ctx, auditlog.Entry{WorkspaceID: p.WorkspaceID, Event: auditlog.RecordPurged, UserID: p.UserID, Email: p.Email, Detail: object + " " + id})
	}
	s.Auth.Objects = func() []string {
		var out []string
		for _, o := range s.Records.Objects() {
			out = append(out, o.Name)
		}
		return out
	}
	s.Imports = &imports.Service{DB: d, Records: s.Records, Customers: s.Customers, Principal: s.Auth.Principal, Log: log, Now: now,
		// Beside the attachments: on the same (possibly shared) storage,
		// so another server can resume an upload's import.
		Dir: filepath.Join(filesDir, "imports"), MaxSize: cfg.MaxImport,
		Labels: func(lang, key string, args ...any) string {
			if s.tr == nil {
				return ""
			}
			return s.tr.T(lang, key, args...)
		}}
	s.Exports = &exports.Exporter{Records: s.Records, Now: now, Users: func(ctx context.Context, p *auth.Principal) (map[string]string, error) {
		us, err := s.Auth.ListUsers(ctx, p)
		if err != nil {
			return nil, err
		}
		out := make(map[string]string, len(us))
		for _, u := range us {
			out[u.ID] = u.Email
		}
		return out, nil
	}}
	s.Jobs = jobs.New(d, log, now, s.Registry)
	store := &auth.SessionStore{DB: d, Now: now}
	s.Sessions = scs.New()
	s.Sessions.Store = store
	s.Sessions.Lifetime = 30 * 24 * time.Hour
	s.Sessions.IdleTimeout = cfg.SessionLifetime
	s.Sessions.Cookie.Name = "rapport_session"
	s.Sessions.Cookie.HttpOnly = true
	s.Sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.Sessions.Cookie.Secure = cfg.SecureCookies || cfg.TLSCert != ""
	s.Sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		api.WriteError(w, r, log, fmt.Errorf("session: %w", err))
	}
	s.registerJobs(store)

	s.API = api.New(s.Mux, log, d, s.Authenticate)
	s.API.Now = now
	s.Records.RegisterAPI(s.API)
	s.Customers.RegisterAPI(s.API)
	s.Activities.RegisterAPI(s.API)
	s.Money.RegisterAPI(s.API)
	s.Orders.RegisterAPI(s.API, func() orders.Translate { return s.tr.T })
	s.Sales.RegisterAPI(s.API)
	s.Search.RegisterAPI(s.API)
	s.Files.RegisterAPI(s.API, []string{"accounts", "contacts", "activities"})
	s.Imports.RegisterAPI(s.API)
	s.Exports.RegisterAPI(s.API)
	s.Privacy.RegisterAPI(s.API)
	s.registerAccountAPI()
	s.registerSettingsAPI()
	s.registerArchiveAPI()
	s.registerAuditAPI()
	s.registerOps()
	if s.tr, err = web.NewTranslator(); err != nil {
		return nil, err
	}
	if !cfg.NoPages {
		if err := s.registerPages(); err != nil {
			return nil, err
		}
	}
	metrics := api.NewMetrics(s.Registry)
	h := api.RecordRoute(s.Mux)
	h = s.Sessions.LoadAndSave(h)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// API clients get the refusal as problem+json like every other
		// error; pages keep the plain answer.
		if strings.HasPrefix(r.URL.Path, "/api/") {
			api.WriteError(w, r, log, errs.E(errs.Forbidden, "Cross-site request refused: send it from this site's own pages, or use an API token without browser cookies."))
			return
		}
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
	}))
	h = cop.Handler(h)
	h = s.secure(h)
	h = api.Observe(h, log, metrics)
	s.handler = h
	return s, nil
}

// RegisterObjects registers every standard object on the engine.
func (s *Server) RegisterObjects() {
	s.Records.Register(tags.Object)
	s.Customers.Register(s.Records)
	s.Activities.Register(s.Records)
	s.Orders.Register(s.Records)
	s.Sales.Register(s.Records)
	// Deals come from sales; the rules their lines bring come from orders.
	s.Orders.ChainDealHooks(s.Records)
	s.Activities.Sources = append(s.Activities.Sources, s.Sales.TimelineSource(), s.Orders.TimelineSource())
}

// SearchSources are the objects the search box finds.
var SearchSources = []search.Source{
	{Object: "accounts", Table: "accounts", Title: "name", Subtitle: "domain"},
	{Object: "contacts", Table: "contacts", Title: "name", Subtitle: "email"},
}

func (s *Server) registerJobs(store *auth.SessionStore) {
	purged := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rapport_trash_purge_records_total",
		Help: "Records the trash purge deleted for good (purged), left because others still name them (kept) or failed to delete (failed)."}, []string{"outcome"})
	s.Registry.MustRegister(purged)
	s.Jobs.Register("purge_trash", func(ctx context.Context, _ json.RawMessage) error {
		res, err := s.Records.PurgeTrash(ctx, s.Now().Add(-TrashRetention))
		purged.WithLabelValues("purged").Add(float64(res.Purged))
		purged.WithLabelValues("kept").Add(float64(res.Kept))
		purged.WithLabelValues("failed").Add(float64(res.Failed))
		// Ids and the database's error only: no field values. A failed
		// record stays in the trash and is tried again at the next run;
		// the job itself is done, so it is not retried at once.
		for _, f := range res.Failures {
			s.Log.Error("purge from the trash failed", "object", f.Object, "workspace", f.WorkspaceID, "id", f.ID, "err", f.Err)
		}
		if res.Purged > 0 || res.Kept > 0 || res.Failed > 0 {
			s.Log.Info("purged trash", "records", res.Purged, "kept", res.Kept, "failed", res.Failed)
		}
		return err
	})
	s.Jobs.Register("purge_expired", func(ctx context.Context, _ json.RawMessage) error {
		if _, err := store.PurgeExpired(ctx); err != nil {
			return err
		}
		if _, err := s.DB.Exec(ctx, "DELETE FROM idempotency_keys WHERE created_at < ?", db.T(s.Now().Add(-24*time.Hour))); err != nil {
			return err
		}
		return s.Jobs.PruneDone(ctx, 7*24*time.Hour)
	})
	s.Jobs.Register("fire_reminders", func(ctx context.Context, _ json.RawMessage) error {
		n, err := s.Activities.FireReminders(ctx)
		if n > 0 {
			s.Log.Info("reminders fired", "count", n)
		}
		return err
	})
	s.Jobs.Register("optimize_db", func(ctx context.Context, _ json.RawMessage) error {
		return s.DB.Optimize(ctx, false)
	})
	s.Jobs.Register("purge_import_files", func(ctx context.Context, _ json.RawMessage) error {
		n, err := s.Imports.PurgeFiles(ctx, ImportFileRetention)
		if n > 0 {
			s.Log.Info("purged import files", "files", n)
		}
		return err
	})
	s.Jobs.Register("prune_audit", func(ctx context.Context, _ json.RawMessage) error {
		keep := s.Cfg.AuditRetention
		if keep <= 0 {
			keep = AuditRetention
		}
		n, err := s.Audit.Prune(ctx, s.Now().Add(-keep))
		if n > 0 {
			s.Log.Info("pruned the audit log", "events", n)
		}
		return err
	})
	s.Jobs.Every("prune_audit", 24*time.Hour)
	s.Jobs.Register("contract_renewals", func(ctx context.Context, _ json.RawMessage) error {
		res, err := s.Orders.Renewals(ctx)
		if res.Reminded > 0 || res.Expired > 0 {
			s.Log.Info("contract renewals", "reminded", res.Reminded, "expired", res.Expired)
		}
		return err
	})
	s.Jobs.Register("expire_quotes", func(ctx context.Context, _ json.RawMessage) error {
		n, err := s.Orders.ExpireQuotes(ctx)
		if n > 0 {
			s.Log.Info("quotes expired", "count", n)
		}
		return err
	})
	s.Jobs.Every("contract_renewals", time.Hour)
	s.Jobs.Every("expire_quotes", time.Hour)
	s.Jobs.Every("purge_import_files", time.Hour)
	s.Jobs.Every("fire_reminders", time.Minute)
	s.Jobs.Every("optimize_db", time.Hour)
	s.Jobs.Every("purge_trash", time.Hour)
	s.Jobs.Every("purge_expired", time.Hour)
}

// Handler returns the whole HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Authenticate finds the caller: an API token in Authorization, or a
// signed-in browser session that has passed two-factor sign-in.
func (s *Server) Authenticate(r *http.Request) (*auth.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, errs.E(errs.Unauthorized, "Use Authorization: Bearer <token>.")
		}
		p, err := s.Auth.AuthenticateToken(r.Context(), strings.TrimSpace(tok))
		if err == nil {
			noteCaller(r.Context(), p)
		}
		return p, err
	}
	return s.sessionPrincipal(r)
}

func (s *Server) registerOps() {
	s.Mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	s.Mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.DB.Ping(ctx); err != nil {
			s.Log.Error("readiness: database unreachable", "err", err, "request_id", api.RequestID(r.Context()))
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ready\n"))
	})
	s.Mux.Handle("GET /metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
	s.Mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		api.WriteJSON(w, http.StatusOK, s.API.OpenAPI(s.Cfg.Version))
	})
	s.Mux.Handle("GET /api/docs", api.DocsHandler())
	// Anything else under /api/ answers like the API does, in
	// problem+json: 405 with Allow when the path exists for other
	// methods, 404 otherwise.
	s.Mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := s.Mux.Handler(probe); pattern != "/api/" && pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			api.WriteError(w, r, s.Log, errs.E(errs.MethodNotAllowed, "%s is not allowed here; use %s.", r.Method, strings.Join(allow, ", ")))
			return
		}
		api.WriteError(w, r, s.Log, errs.E(errs.NotFound, "No such API route: %s.", r.URL.Path))
	})
}

// Run serves on cfg.Addr until ctx ends, then stops taking requests, lets
// in-flight requests and the running job finish, and returns. ready, if
// not nil, receives the bound address once listening.
func (s *Server) Run(ctx context.Context, ready chan<- string) error {
	ln, err := net.Listen("tcp", s.Cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.Cfg.Addr, err)
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn)}
	jobCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		// Imports run beside the job queue; at start they take up what was
		// running when the last process stopped or died.
		done := make(chan struct{})
		go func() { defer close(done); s.Imports.Work(jobCtx) }()
		s.Jobs.Run(jobCtx)
		<-done
	}()
	serveErr := make(chan error, 1)
	scheme := "http://"
	if s.Cfg.TLSCert != "" {
		scheme = "https://"
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		go func() { serveErr <- srv.ServeTLS(ln, s.Cfg.TLSCert, s.Cfg.TLSKey) }()
	} else {
		go func() { serveErr <- srv.Serve(ln) }()
	}
	s.Log.Info("rapport listening", "addr", scheme+ln.Addr().String(), "database", s.DB.Redacted(), "version", s.Cfg.Version)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-serveErr:
		stopJobs()
		<-jobsDone
		return err
	case <-ctx.Done():
	}
	s.Log.Info("shutting down: finishing in-flight requests and jobs")
	sctx, cancel := context.WithTimeout(context.Background(), s.Cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	stopJobs()
	<-jobsDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	s.Log.Info("stopped")
	return err
}
