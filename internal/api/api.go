package api

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// HandlerFunc is an operation's handler. It returns an error instead of
// writing one, so one writer maps every error to its status.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error

// Param documents a path or query parameter.
type Param struct {
	Name        string
	In          string // "path" or "query"
	Description string
	Required    bool
	Schema      Schema
}

// Schema is a JSON Schema object.
type Schema = map[string]any

// Op is one REST operation: its route, its description for the OpenAPI
// document and its handler.
type Op struct {
	Method      string
	Path        string // e.g. /api/v1/tags/{id}
	ID          string // operationId
	Summary     string
	Description string
	Tag         string
	Public      bool // callable without authentication
	Params      []Param
	Body        Schema // request body schema, nil for none
	// BodyOptional says the operation also takes no body at all.
	BodyOptional bool
	Status       int    // success status, 200 when zero
	Response     Schema // success body schema, nil for no content
	ETag         bool   // the operation honours If-Match / returns an ETag
	// Upload is the multipart/form-data body of a file upload: its parts,
	// the file part named "file". An upload is streamed, never buffered,
	// so Idempotency-Key does not apply to it.
	Upload Schema
	// Produces lists the media types of a file the operation answers with
	// instead of JSON (an export, a report).
	Produces []string
	// Problems are further problem answers the operation may give, by
	// status, for the OpenAPI document (503 when a PDF font is missing).
	Problems map[int]string
	Handler  HandlerFunc
}

// Authenticator finds the caller of a request: a bearer token or a
// browser session. It returns unauthorized when there is none.
type Authenticator func(r *http.Request) (*auth.Principal, error)

// API holds the registered operations and serves them.
type API struct {
	Mux   *http.ServeMux
	Log   *slog.Logger
	Auth  Authenticator
	DB    *db.DB
	Now   func() time.Time
	ops   []Op
	title string
}

// New returns an empty API that registers its routes on mux.
func New(mux *http.ServeMux, log *slog.Logger, d *db.DB, authn Authenticator) *API {
	return &API{Mux: mux, Log: log, Auth: authn, DB: d, title: "Rapport REST API"}
}

// Handle registers an operation. Every route of the REST API goes
// through here, so the OpenAPI document cannot miss one.
func (a *API) Handle(op Op) {
	if op.Status == 0 {
		op.Status = http.StatusOK
	}
	a.ops = append(a.ops, op)
	a.Mux.Handle(op.Method+" "+op.Path, a.wrap(op))
}

// Ops returns the registered operations.
func (a *API) Ops() []Op {
	out := append([]Op(nil), a.ops...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

type principalKey struct{}

// PrincipalFrom returns the authenticated caller stored in ctx.
func PrincipalFrom(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(principalKey{}).(*auth.Principal)
	return p
}

// WithPrincipal stores p in ctx.
func WithPrincipal(ctx context.Context, p *auth.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func (a *API) wrap(op Op) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p *auth.Principal
		if !op.Public {
			var err error
			p, err = a.Auth(r)
			if err != nil {
				if errs.Is(err, errs.Unauthorized) {
					w.Header().Set("WWW-Authenticate", `Bearer realm="rapport"`)
				}
				WriteError(w, r, a.Log, err)
				return
			}
			r = r.WithContext(WithPrincipal(r.Context(), p))
		}
		if op.Upload != nil && r.Header.Get("Idempotency-Key") != "" {
			WriteError(w, r, a.Log, errs.Field("header.Idempotency-Key", "is not supported on file uploads, which are streamed; the answer's id tells a retry whether the upload arrived"))
			return
		}
		if op.Method == http.MethodPost && p != nil && r.Header.Get("Idempotency-Key") != "" {
			a.idempotent(w, r, p, op)
			return
		}
		if err := op.Handler(w, r, p); err != nil {
			WriteError(w, r, a.Log, err)
		}
	})
}

// PathID returns a path value, trimmed.
func PathID(r *http.Request, name string) string { return strings.TrimSpace(r.PathValue(name)) }

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
