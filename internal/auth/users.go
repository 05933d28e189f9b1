package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// User is a person who signs in to a workspace.
type User struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"-"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	RoleID      string     `json:"role_id"`
	RoleName    string     `json:"role_name"`
	Language    string     `json:"language"`
	Timezone    string     `json:"timezone"`
	Active      bool       `json:"active"`
	TOTPEnabled bool       `json:"totp_enabled"`
	Invited     bool       `json:"invited"`
	TeamIDs     []string   `json:"team_ids"`
	LastLoginAt *time.Time `json:"last_login_at"`
	CreatedAt   time.Time  `json:"created_at"`

	passwordHash string
	totpSecret   string
}

// DisplayName is the user's name, or their e-mail when they have none.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

const userCols = "u.id, u.workspace_id, u.email, u.name, u.role_id, r.name, u.language, u.timezone, u.active, u.totp_enabled, u.invite_hash, u.last_login_at, u.created_at, u.password_hash, u.totp_secret"

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var invite string
	var last, created db.Time
	if err := row.Scan(&u.ID, &u.WorkspaceID, &u.Email, &u.Name, &u.RoleID, &u.RoleName, &u.Language, &u.Timezone, &u.Active, &u.TOTPEnabled, &invite, &last, &created, &u.passwordHash, &u.totpSecret); err != nil {
		return nil, db.MapError(err)
	}
	u.Invited = invite != ""
	if !last.IsZero() {
		t := last.Time
		u.LastLoginAt = &t
	}
	u.CreatedAt = created.Time
	u.TeamIDs = []string{}
	return &u, nil
}

func (s *Service) userByID(ctx context.Context, q db.Querier, ws, id string) (*User, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, errs.ErrNotFound
	}
	u, err := scanUser(q.QueryRow(ctx, "SELECT "+userCols+" FROM users u JOIN roles r ON r.id = u.role_id WHERE u.workspace_id = ? AND u.id = ?", ws, id))
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, "SELECT team_id FROM team_members WHERE workspace_id = ? AND user_id = ? ORDER BY team_id", ws, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		u.TeamIDs = append(u.TeamIDs, t)
	}
	return u, rows.Err()
}

// Principal loads the principal of an active user. It answers
// unauthorized when the user no longer exists or was deactivated, so a
// deactivated user's sessions and tokens stop working at once.
func (s *Service) Principal(ctx context.Context, ws, userID string) (*Principal, error) {
	if _, err := uuid.Parse(userID); err != nil {
		return nil, errs.E(errs.Unauthorized, "Sign in again.")
	}
	var p Principal
	var perms string
	var active bool
	var permsRaw any
	err := s.DB.QueryRow(ctx, `SELECT u.id, u.workspace_id, u.email, u.name, u.active, u.language, u.timezone, r.id, r.name, r.is_admin, r.permissions
FROM users u JOIN roles r ON r.id = u.role_id WHERE u.workspace_id = ? AND u.id = ?`, ws, userID).
		Scan(&p.UserID, &p.WorkspaceID, &p.Email, &p.Name, &active, &p.Lang, &p.TZ, &p.RoleID, &p.RoleName, &p.IsAdmin, &permsRaw)
	if err != nil || !active {
		if err != nil && !errs.Is(db.MapError(err), errs.NotFound) {
			return nil, fmt.Errorf("load principal: %w", err)
		}
		return nil, errs.E(errs.Unauthorized, "Sign in again.")
	}
	switch x := permsRaw.(type) {
	case string:
		perms = x
	case []byte:
		perms = string(x)
	}
	if err := json.Unmarshal([]byte(perms), &p.Perms); err != nil {
		return nil, fmt.Errorf("role permissions: %w", err)
	}
	needTeam := false
	for _, op := range p.Perms {
		needTeam = needTeam || op.Scope == ScopeTeam
	}
	if needTeam && !p.IsAdmin {
		rows, err := s.DB.Query(ctx, `SELECT DISTINCT m2.user_id FROM team_members m1 JOIN team_members m2 ON m2.team_id = m1.team_id
WHERE m1.workspace_id = ? AND m1.user_id = ?`, ws, userID)
		if err != nil {
			return nil, fmt.Errorf("load team: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			p.TeamUserIDs = append(p.TeamUserIDs, id)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(p.TeamUserIDs) == 0 {
			p.TeamUserIDs = []string{userID}
		}
	}
	return &p, nil
}

// UserInput creates or changes a user; nil fields stay unchanged.
type UserInput struct {
	Email    *string   `json:"email"`
	Name     *string   `json:"name"`
	Password *string   `json:"password"`
	RoleID   *string   `json:"role_id"`
	Language *string   `json:"language"`
	Timezone *string   `json:"timezone"`
	Active   *bool     `json:"active"`
	TeamIDs  *[]string `json:"team_ids"`
}

func (in *UserInput) validate(create bool) []errs.FieldError {
	var fe []errs.FieldError
	add := func(f, m string) { fe = append(fe, errs.FieldError{Location: "body." + f, Message: m}) }
	if in.Email != nil || create {
		e := ""
		if in.Email != nil {
			e = *in.Email
		}
		if n, msg := normEmail(e); msg != "" {
			add("email", msg)
		} else {
			in.Email = &n
		}
	}
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if utf8.RuneCountInString(n) > 100 || !utf8.ValidString(n) {
			add("name", "must be at most 100 characters")
		}
		in.Name = &n
	}
	if in.Password != nil {
		if msg := CheckPassword(*in.Password); msg != "" {
			add("password", msg)
		}
	}
	if in.RoleID == nil && create {
		add("role_id", "is required")
	}
	if in.Language != nil && *in.Language != "" && !validLang(*in.Language) {
		add("language", "must be en, es or zh, or empty for the workspace default")
	}
	if in.Timezone != nil && *in.Timezone != "" {
		if _, err := time.LoadLocation(*in.Timezone); err != nil || len(*in.Timezone) > 64 {
			add("timezone", "must be an IANA time zone like Europe/Madrid, or empty")
		}
	}
	return fe
}

// ListUsers returns the workspace's users. Every signed-in user may list
// them (owners and assignees are picked from this list).
func (s *Service) ListUsers(ctx context.Context, p *Principal) ([]*User, error) {
	rows, err := s.DB.Query(ctx, "SELECT "+userCols+" FROM users u JOIN roles r ON r.id = u.role_id WHERE u.workspace_id = ? ORDER BY lower(u.name), lower(u.email)", p.WorkspaceID)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	out := []*User{}
	byID := map[string]*User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
		byID[u.ID] = u
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows2, err := s.DB.Query(ctx, "SELECT user_id, team_id FROM team_members WHERE workspace_id = ? ORDER BY team_id", p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows2.Close()
	for rows2.Next() {
		var uid, tid string
		if err := rows2.Scan(&uid, &tid); err != nil {
			return nil, err
		}
		if u := byID[uid]; u != nil {
			u.TeamIDs = append(u.TeamIDs, tid)
		}
	}
	return out, rows2.Err()
}

// GetUser returns one user of the caller's workspace.
func (s *Service) GetUser(ctx context.Context, p *Principal, id string) (*User, error) {
	return s.userByID(ctx, s.DB, p.WorkspaceID, id)
}

// CreateUser adds a user; admins only. Without a password the user is
// invited: the returned invite token (shown once) lets them choose one.
func (s *Service) CreateUser(ctx context.Context, p *Principal, in UserInput) (*User, string, error) {
	if !p.IsAdmin {
		return nil, "", errs.E(errs.Forbidden, "Only admins may manage users.")
	}
	if fe := in.validate(true); len(fe) > 0 {
		return nil, "", errs.Fields(fe)
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	if err := s.checkRole(ctx, tx, p.WorkspaceID, *in.RoleID); err != nil {
		return nil, "", err
	}
	hash, invite, inviteHash := "", "", ""
	if in.Password != nil {
		if hash, err = HashPassword(*in.Password, s.Argon2); err != nil {
			return nil, "", err
		}
	} else {
		invite = "inv_" + randomToken(24)
		inviteHash = HashToken(invite)
	}
	now := s.Now().UTC()
	id := newID()
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	active := in.Active == nil || *in.Active
	_, err = tx.Exec(ctx, "INSERT INTO users (id, workspace_id, email, name, password_hash, role_id, language, timezone, active, invite_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		id, p.WorkspaceID, *in.Email, str(in.Name), hash, *in.RoleID, str(in.Language), str(in.Timezone), active, inviteHash, db.T(now), db.T(now))
	if err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil, "", &errs.Error{Code: errs.Conflict, Message: "A user with that e-mail exists.", Fields: []errs.FieldError{{Location: "body.email", Message: "is already used by a user of this workspace"}}}
		}
		return nil, "", fmt.Errorf("create user: %w", err)
	}
	if in.TeamIDs != nil {
		if err := s.setTeams(ctx, tx, p.WorkspaceID, id, *in.TeamIDs); err != nil {
			return nil, "", err
		}
	}
	u, err := s.userByID(ctx, tx, p.WorkspaceID, id)
	if err != nil {
		return nil, "", err
	}
	return u, invite, tx.Commit()
}

func (s *Service) checkRole(ctx context.Context, q db.Querier, ws, roleID string) error {
	if _, err := uuid.Parse(roleID); err != nil {
		return errs.Field("body.role_id", "names no role of this workspace")
	}
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM roles WHERE workspace_id = ? AND id = ?", ws, roleID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errs.Field("body.role_id", "names no role of this workspace")
	}
	return nil
}

func (s *Service) setTeams(ctx context.Context, tx *db.Tx, ws, userID string, teams []string) error {
	if _, err := tx.Exec(ctx, "DELETE FROM team_members WHERE workspace_id = ? AND user_id = ?", ws, userID); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, t := range teams {
		if seen[t] {
			continue
		}
		seen[t] = true
		var n int
		if _, err := uuid.Parse(t); err == nil {
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM teams WHERE workspace_id = ? AND id = ?", ws, t).Scan(&n); err != nil {
				return err
			}
		}
		if n == 0 {
			return errs.Field(fmt.Sprintf("body.team_ids[%d]", i), "names no team of this workspace")
		}
		if _, err := tx.Exec(ctx, "INSERT INTO team_members (workspace_id, team_id, user_id) VALUES (?, ?, ?)", ws, t, userID); err != nil {
			return err
		}
	}
	return nil
}

// UpdateUser changes a user. Admins may change anyone; a user may change
// their own name, language, time zone and password only. An admin cannot
// deactivate themselves or take away their own admin role, so a
// workspace never loses its last way in.
func (s *Service) UpdateUser(ctx context.Context, p *Principal, id string, in UserInput) (*User, error) {
	self := id == p.UserID
	if !p.IsAdmin {
		if !self {
			return nil, errs.E(errs.Forbidden, "Only admins may manage users.")
		}
		if in.Email != nil || in.RoleID != nil || in.Active != nil || in.TeamIDs != nil {
			return nil, errs.E(errs.Forbidden, "Only admins may change e-mail, role, teams or status.")
		}
	}
	if fe := in.validate(false); len(fe) > 0 {
		return nil, errs.Fields(fe)
	}
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	u, err := s.userByID(ctx, tx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if self && in.Active != nil && !*in.Active {
		return nil, errs.Field("body.active", "you cannot deactivate yourself")
	}
	if in.RoleID != nil {
		if err := s.checkRole(ctx, tx, p.WorkspaceID, *in.RoleID); err != nil {
			return nil, err
		}
		if self {
			var admin bool
			if err := tx.QueryRow(ctx, "SELECT is_admin FROM roles WHERE id = ?", *in.RoleID).Scan(&admin); err != nil {
				return nil, err
			}
			if !admin {
				return nil, errs.Field("body.role_id", "you cannot take away your own admin role")
			}
		}
	}
	set := func(col string, v any) error {
		_, err := tx.Exec(ctx, "UPDATE users SET "+col+" = ?, updated_at = ? WHERE workspace_id = ? AND id = ?", v, db.T(s.Now()), p.WorkspaceID, id)
		if errs.Is(err, errs.Conflict) {
			return &errs.Error{Code: errs.Conflict, Message: "A user with that e-mail exists.", Fields: []errs.FieldError{{Location: "body.email", Message: "is already used by a user of this workspace"}}}
		}
		return err
	}
	steps := []struct {
		ok  bool
		col string
		v   func() any
	}{
		{in.Email != nil, "email", func() any { return *in.Email }},
		{in.Name != nil, "name", func() any { return *in.Name }},
		{in.RoleID != nil, "role_id", func() any { return *in.RoleID }},
		{in.Language != nil, "language", func() any { return *in.Language }},
		{in.Timezone != nil, "timezone", func() any { return *in.Timezone }},
		{in.Active != nil, "active", func() any { return *in.Active }},
	}
	for _, st := range steps {
		if st.ok {
			if err := set(st.col, st.v()); err != nil {
				return nil, err
			}
		}
	}
	if in.Password != nil {
		hash, err := HashPassword(*in.Password, s.Argon2)
		if err != nil {
			return nil, err
		}
		if err := set("password_hash", hash); err != nil {
			return nil, err
		}
		if err := set("invite_hash", ""); err != nil {
			return nil, err
		}
	}
	if in.TeamIDs != nil {
		if err := s.setTeams(ctx, tx, p.WorkspaceID, id, *in.TeamIDs); err != nil {
			return nil, err
		}
	}
	u, err = s.userByID(ctx, tx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

// ChangeOwnPassword changes the caller's password after checking the
// current one.
func (s *Service) ChangeOwnPassword(ctx context.Context, p *Principal, current, next string) error {
	u, err := s.userByID(ctx, s.DB, p.WorkspaceID, p.UserID)
	if err != nil {
		return err
	}
	if !VerifyPassword(current, u.passwordHash) {
		return errs.Field("body.current_password", "is not your current password")
	}
	if msg := CheckPassword(next); msg != "" {
		return errs.Field("body.new_password", msg)
	}
	_, err = s.UpdateUser(ctx, p, p.UserID, UserInput{Password: &next})
	return err
}

// AcceptInvite sets the password of an invited user.
func (s *Service) AcceptInvite(ctx context.Context, token, password string) (*User, error) {
	if msg := CheckPassword(password); msg != "" {
		return nil, errs.Field("body.password", msg)
	}
	if !strings.HasPrefix(token, "inv_") {
		return nil, errs.ErrNotFound
	}
	var ws, id string
	err := s.DB.QueryRow(ctx, "SELECT workspace_id, id FROM users WHERE invite_hash = ? AND active", HashToken(token)).Scan(&ws, &id)
	if err != nil {
		return nil, errs.ErrNotFound
	}
	hash, err := HashPassword(password, s.Argon2)
	if err != nil {
		return nil, err
	}
	if _, err := s.DB.Exec(ctx, "UPDATE users SET password_hash = ?, invite_hash = '', updated_at = ? WHERE id = ?", hash, db.T(s.Now()), id); err != nil {
		return nil, err
	}
	return s.userByID(ctx, s.DB, ws, id)
}

// FindUserByEmail returns the user with email in the named workspace.
func (s *Service) FindUserByEmail(ctx context.Context, workspace, email string) (*User, error) {
	w, err := s.WorkspaceByName(ctx, workspace)
	if err != nil {
		return nil, err
	}
	u, err := scanUser(s.DB.QueryRow(ctx, "SELECT "+userCols+" FROM users u JOIN roles r ON r.id = u.role_id WHERE u.workspace_id = ? AND lower(u.email) = lower(?)", w.ID, strings.TrimSpace(email)))
	if err != nil {
		return nil, err
	}
	return u, nil
}
