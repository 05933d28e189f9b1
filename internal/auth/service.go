// Package auth holds workspaces, users, teams, roles and their
// permissions, sessions, API tokens, passwords and two-factor sign-in.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// Service manages identities and access. Every method that reads or
// changes workspace data is scoped by the caller's workspace.
type Service struct {
	DB     *db.DB
	Now    func() time.Time
	Log    *slog.Logger
	Argon2 Argon2Params
	// Objects lists the record objects a role may name, for validation.
	Objects func() []string
	// LoginLimit failed sign-ins per account and address in LoginWindow
	// trigger a 429.
	LoginLimit  int
	LoginWindow time.Duration
	// Events, when set, hears of sign-ins, failed sign-ins and API token
	// use, for the audit log. It is never given a secret.
	Events func(ctx context.Context, e Event)

	dummyOnce sync.Once
	dummy     string
}

// NewService returns a service with production defaults.
func NewService(d *db.DB, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{DB: d, Now: now, Log: log, Argon2: DefaultArgon2, LoginLimit: 10, LoginWindow: time.Minute,
		Objects: func() []string { return nil }}
}

// Event is a security event the service reports to Events: Kind is
// sign_in, sign_in_failed or token_used.
type Event struct {
	Kind        string
	WorkspaceID string
	UserID      string
	Email       string
	Detail      string
}

func (s *Service) emit(ctx context.Context, e Event) {
	if s.Events != nil {
		s.Events(ctx, e)
	}
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// Workspace is a tenant: all of its data is invisible to the others.
type Workspace struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Currency  string    `json:"currency"`
	Language  string    `json:"language"`
	Timezone  string    `json:"timezone"`
	CreatedAt time.Time `json:"created_at"`
}

// Languages the product speaks.
var Languages = []string{"en", "es", "zh"}

var currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)

// SetupInput creates a workspace and its first admin.
type SetupInput struct {
	Workspace string `json:"workspace"`
	Currency  string `json:"currency"`
	Language  string `json:"language"`
	Timezone  string `json:"timezone"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Password  string `json:"password"`
}

// Validate checks the input and fills defaults.
func (in *SetupInput) Validate() error {
	var fe []errs.FieldError
	add := func(f, m string) { fe = append(fe, errs.FieldError{Location: "body." + f, Message: m}) }
	in.Workspace = strings.TrimSpace(in.Workspace)
	if in.Workspace == "" || utf8.RuneCountInString(in.Workspace) > 100 || !utf8.ValidString(in.Workspace) {
		add("workspace", "is required and must be at most 100 characters")
	}
	if in.Currency == "" {
		in.Currency = "USD"
	}
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if !currencyRe.MatchString(in.Currency) {
		add("currency", "must be an ISO 4217 code like EUR")
	}
	if in.Language == "" {
		in.Language = "en"
	}
	if !validLang(in.Language) {
		add("language", "must be en, es or zh")
	}
	if in.Timezone == "" {
		in.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(in.Timezone); err != nil || len(in.Timezone) > 64 {
		add("timezone", "must be an IANA time zone like Europe/Madrid")
	}
	if e, msg := normEmail(in.Email); msg != "" {
		add("email", msg)
	} else {
		in.Email = e
	}
	if msg := CheckPassword(in.Password); msg != "" {
		add("password", msg)
	}
	in.Name = strings.TrimSpace(in.Name)
	if utf8.RuneCountInString(in.Name) > 100 {
		add("name", "must be at most 100 characters")
	}
	if len(fe) > 0 {
		return errs.Fields(fe)
	}
	return nil
}

func validLang(l string) bool {
	for _, x := range Languages {
		if x == l {
			return true
		}
	}
	return false
}

func normEmail(s string) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "is required"
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "", "must be an e-mail address like name@example.com"
	}
	return strings.ToLower(s), ""
}

// HasWorkspace reports whether any workspace exists (first-run setup is
// offered only when none does).
func (s *Service) HasWorkspace(ctx context.Context) (bool, error) {
	var n int
	if err := s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM workspaces").Scan(&n); err != nil {
		return false, fmt.Errorf("count workspaces: %w", err)
	}
	return n > 0, nil
}

// Workspaces returns every workspace, by name (for the command line,
// which acts on one of them).
func (s *Service) Workspaces(ctx context.Context) ([]*Workspace, error) {
	rows, err := s.DB.Query(ctx, "SELECT id, name, currency, language, timezone, created_at FROM workspaces ORDER BY lower(name)")
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	defer rows.Close()
	var out []*Workspace
	for rows.Next() {
		w, err := s.scanWorkspace(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, db.MapError(rows.Err())
}

// ActiveAdmins returns the ids of a workspace's active admins, oldest
// first.
func (s *Service) ActiveAdmins(ctx context.Context, ws string) ([]string, error) {
	rows, err := s.DB.Query(ctx, "SELECT u.id FROM users u JOIN roles r ON r.id = u.role_id WHERE u.workspace_id = ? AND r.is_admin = ? AND u.active = ? ORDER BY u.created_at", ws, true, true)
	if err != nil {
		return nil, fmt.Errorf("list admins: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id any
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		switch x := id.(type) {
		case string:
			out = append(out, x)
		case []byte:
			out = append(out, string(x))
		case [16]byte:
			out = append(out, uuid.UUID(x).String())
		}
	}
	return out, db.MapError(rows.Err())
}

// Setup creates a workspace with the built-in roles and its first admin.
func (s *Service) Setup(ctx context.Context, in SetupInput) (*Workspace, *User, error) {
	if err := in.Validate(); err != nil {
		return nil, nil, err
	}
	hash, err := HashPassword(in.Password, s.Argon2)
	if err != nil {
		return nil, nil, err
	}
	now := s.Now().UTC()
	ws := &Workspace{ID: newID(), Name: in.Workspace, Currency: in.Currency, Language: in.Language, Timezone: in.Timezone, CreatedAt: now}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	_, err = tx.Exec(ctx, "INSERT INTO workspaces (id, name, currency, language, timezone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		ws.ID, ws.Name, ws.Currency, ws.Language, ws.Timezone, db.T(now), db.T(now))
	if err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil, nil, &errs.Error{Code: errs.Conflict, Message: "A workspace with that name exists.", Fields: []errs.FieldError{{Location: "body.workspace", Message: "is already the name of a workspace"}}}
		}
		return nil, nil, fmt.Errorf("create workspace: %w", err)
	}
	var adminRole string
	for _, br := range BuiltinRoles {
		id := newID()
		if br.Key == RoleAdmin {
			adminRole = id
		}
		pj, _ := json.Marshal(br.Perms)
		if _, err := tx.Exec(ctx, "INSERT INTO roles (id, workspace_id, name, builtin, is_admin, permissions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			id, ws.ID, br.Name, br.Key, br.IsAdmin, string(pj), db.T(now), db.T(now)); err != nil {
			return nil, nil, fmt.Errorf("create role %s: %w", br.Key, err)
		}
	}
	u := &User{ID: newID(), WorkspaceID: ws.ID, Email: in.Email, Name: in.Name, RoleID: adminRole, Active: true, CreatedAt: now}
	if _, err := tx.Exec(ctx, "INSERT INTO users (id, workspace_id, email, name, password_hash, role_id, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		u.ID, ws.ID, u.Email, u.Name, hash, adminRole, true, db.T(now), db.T(now)); err != nil {
		return nil, nil, fmt.Errorf("create admin: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, err
	}
	return ws, u, nil
}

// WorkspaceByName finds a workspace by name, case-insensitively.
func (s *Service) WorkspaceByName(ctx context.Context, name string) (*Workspace, error) {
	return s.scanWorkspace(s.DB.QueryRow(ctx, "SELECT id, name, currency, language, timezone, created_at FROM workspaces WHERE lower(name) = lower(?)", strings.TrimSpace(name)))
}

// GetWorkspace returns the caller's workspace.
func (s *Service) GetWorkspace(ctx context.Context, id string) (*Workspace, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, errs.ErrNotFound
	}
	return s.scanWorkspace(s.DB.QueryRow(ctx, "SELECT id, name, currency, language, timezone, created_at FROM workspaces WHERE id = ?", id))
}

func (s *Service) scanWorkspace(row interface{ Scan(...any) error }) (*Workspace, error) {
	var w Workspace
	var at db.Time
	if err := row.Scan(&w.ID, &w.Name, &w.Currency, &w.Language, &w.Timezone, &at); err != nil {
		return nil, db.MapError(err)
	}
	w.CreatedAt = at.Time
	return &w, nil
}

// WorkspaceInput changes workspace settings; nil fields stay.
type WorkspaceInput struct {
	Name     *string `json:"name"`
	Currency *string `json:"currency"`
	Language *string `json:"language"`
	Timezone *string `json:"timezone"`
}

// UpdateWorkspace changes the caller's workspace settings; admins only.
func (s *Service) UpdateWorkspace(ctx context.Context, p *Principal, in WorkspaceInput) (*Workspace, error) {
	if !p.IsAdmin {
		return nil, errs.E(errs.Forbidden, "Only admins may change the workspace.")
	}
	w, err := s.GetWorkspace(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	si := SetupInput{Workspace: w.Name, Currency: w.Currency, Language: w.Language, Timezone: w.Timezone, Email: "a@b.co", Password: "xxxxxxxx"}
	if in.Name != nil {
		si.Workspace = *in.Name
	}
	if in.Currency != nil {
		si.Currency = *in.Currency
		if si.Currency == "" {
			si.Currency = "-"
		}
	}
	if in.Language != nil {
		si.Language = *in.Language
		if si.Language == "" {
			si.Language = "-"
		}
	}
	if in.Timezone != nil {
		si.Timezone = *in.Timezone
		if si.Timezone == "" {
			si.Timezone = "-"
		}
	}
	if err := si.Validate(); err != nil {
		return nil, err
	}
	_, err = s.DB.Exec(ctx, "UPDATE workspaces SET name = ?, currency = ?, language = ?, timezone = ?, updated_at = ? WHERE id = ?",
		si.Workspace, si.Currency, si.Language, si.Timezone, db.T(s.Now()), p.WorkspaceID)
	if err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil, &errs.Error{Code: errs.Conflict, Message: "A workspace with that name exists.", Fields: []errs.FieldError{{Location: "body.name", Message: "is already the name of a workspace"}}}
		}
		return nil, fmt.Errorf("update workspace: %w", err)
	}
	return s.GetWorkspace(ctx, p.WorkspaceID)
}

// HashToken returns the stored form of a secret token.
func HashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}
