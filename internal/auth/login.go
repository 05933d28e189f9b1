package auth

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/errs"
)

// LoginInput is a sign-in attempt. Workspace is needed only when the
// same e-mail belongs to users of several workspaces.
type LoginInput struct {
	Email     string `json:"email"`
	Password  string `json:"password"`
	Workspace string `json:"workspace"`
	Addr      string `json:"-"` // client address, for the rate limit
}

// ErrBadLogin is the one answer to a wrong e-mail, a wrong password or
// a deactivated account, so sign-in reveals nothing about accounts.
var ErrBadLogin = errs.E(errs.Unauthorized, "Wrong e-mail or password.")

func loginKey(email, addr string) string {
	return strings.ToLower(strings.TrimSpace(email)) + "|" + addr
}

// checkRate answers too_many_requests with Retry-After when the account
// and address have failed LoginLimit times within LoginWindow. Failures
// are counted in the database so every server process sees them.
func (s *Service) checkRate(ctx context.Context, key string) error {
	now := s.Now().UTC()
	var n int
	var oldest db.Time
	var oldestRaw any
	err := s.DB.QueryRow(ctx, "SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = ? AND at > ?", key, db.T(now.Add(-s.LoginWindow))).Scan(&n, &oldestRaw)
	if err != nil {
		return fmt.Errorf("login rate: %w", err)
	}
	if n < s.LoginLimit {
		return nil
	}
	_ = oldest.Scan(oldestRaw)
	wait := int(math.Ceil(oldest.Add(s.LoginWindow).Sub(now).Seconds()))
	if wait < 1 {
		wait = 1
	}
	return &errs.Error{Code: errs.TooManyRequests, Message: fmt.Sprintf("Too many failed sign-ins; try again in %d seconds.", wait), RetryAfter: wait}
}

func (s *Service) recordFailure(ctx context.Context, key string) {
	now := s.Now().UTC()
	if _, err := s.DB.Exec(ctx, "INSERT INTO login_failures (key, at) VALUES (?, ?)", key, db.T(now)); err != nil {
		s.Log.Error("record login failure", "err", err)
	}
	// Keep the table small: drop what no window can count any more.
	if _, err := s.DB.Exec(ctx, "DELETE FROM login_failures WHERE at < ?", db.T(now.Add(-10*s.LoginWindow))); err != nil {
		s.Log.Error("prune login failures", "err", err)
	}
}

// Login checks an e-mail and password. It returns the user; when the
// user has two-factor sign-in on, the caller must then call VerifyTOTP
// before treating them as signed in.
func (s *Service) Login(ctx context.Context, in LoginInput) (*User, error) {
	key := loginKey(in.Email, in.Addr)
	if err := s.checkRate(ctx, key); err != nil {
		return nil, err
	}
	email := strings.TrimSpace(in.Email)
	if email == "" || in.Password == "" || len(in.Password) > 4*MaxPassword || len(email) > 254 {
		s.recordFailure(ctx, key)
		return nil, ErrBadLogin
	}
	query := "SELECT " + userCols + " FROM users u JOIN roles r ON r.id = u.role_id JOIN workspaces w ON w.id = u.workspace_id WHERE lower(u.email) = lower(?)"
	args := []any{email}
	if ws := strings.TrimSpace(in.Workspace); ws != "" {
		query += " AND lower(w.name) = lower(?)"
		args = append(args, ws)
	}
	rows, err := s.DB.Query(ctx, query+" ORDER BY u.created_at", args...)
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	var matches []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		matches = append(matches, u)
	}
	rows.Close()
	var ok []*User
	for _, u := range matches {
		if u.Active && u.passwordHash != "" && VerifyPassword(in.Password, u.passwordHash) {
			ok = append(ok, u)
		}
	}
	if len(matches) == 0 {
		// Spend the same time as a real check, so timing does not tell
		// which e-mails have accounts.
		VerifyPassword(in.Password, dummyHash(s))
	}
	switch len(ok) {
	case 0:
		s.recordFailure(ctx, key)
		for _, u := range matches {
			reason := "wrong password"
			if !u.Active {
				reason = "account deactivated"
			} else if u.passwordHash == "" {
				reason = "invitation not accepted"
			}
			s.emit(ctx, Event{Kind: "sign_in_failed", WorkspaceID: u.WorkspaceID, UserID: u.ID, Email: u.Email, Detail: reason})
		}
		if len(matches) == 0 && s.Log != nil {
			// No workspace to file it under: the server log keeps it.
			s.Log.Info("sign-in failed for an unknown e-mail", "addr", in.Addr)
		}
		return nil, ErrBadLogin
	case 1:
	default:
		return nil, errs.Field("body.workspace", "this e-mail signs in to several workspaces: name the workspace")
	}
	u := ok[0]
	if !u.TOTPEnabled {
		s.touchLogin(ctx, u, "password")
	}
	return u, nil
}

// dummyHash is a hash with the service's parameters to check unknown
// e-mails against. It is made once, under a sync.Once: concurrent
// sign-ins used to race on a package variable.
func dummyHash(s *Service) string {
	s.dummyOnce.Do(func() { s.dummy, _ = HashPassword("not-a-real-password", s.Argon2) })
	return s.dummy
}

// touchLogin marks a completed sign-in.
func (s *Service) touchLogin(ctx context.Context, u *User, how string) {
	s.emit(ctx, Event{Kind: "sign_in", WorkspaceID: u.WorkspaceID, UserID: u.ID, Email: u.Email, Detail: how})
	if _, err := s.DB.Exec(ctx, "UPDATE users SET last_login_at = ? WHERE id = ?", db.T(s.Now()), u.ID); err != nil {
		s.Log.Error("record last login", "err", err)
	}
}

// VerifyTOTP checks the second factor of a user who passed Login. Wrong
// codes count toward the same rate limit as wrong passwords.
func (s *Service) VerifyTOTP(ctx context.Context, ws, userID, code, addr string) error {
	u, err := s.userByID(ctx, s.DB, ws, userID)
	if err != nil {
		return ErrBadLogin
	}
	key := loginKey(u.Email, addr)
	if err := s.checkRate(ctx, key); err != nil {
		return err
	}
	if !u.Active || !u.TOTPEnabled || !validTOTP(strings.TrimSpace(code), u.totpSecret, s.Now()) {
		s.recordFailure(ctx, key)
		s.emit(ctx, Event{Kind: "sign_in_failed", WorkspaceID: u.WorkspaceID, UserID: u.ID, Email: u.Email, Detail: "wrong second-factor code"})
		return errs.Field("body.code", "is not the current code of your authenticator app")
	}
	s.touchLogin(ctx, u, "password and second factor")
	return nil
}

func validTOTP(code, secret string, now time.Time) bool {
	if len(code) != 6 || secret == "" {
		return false
	}
	ok, err := totp.ValidateCustom(code, secret, now.UTC(), totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return err == nil && ok
}

// TOTPSetup is a new, not yet confirmed, two-factor secret.
type TOTPSetup struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauth_url"`
}

// BeginTOTP creates a new secret for the caller. It takes effect only
// after EnableTOTP confirms a code from it.
func (s *Service) BeginTOTP(ctx context.Context, p *Principal) (*TOTPSetup, error) {
	u, err := s.userByID(ctx, s.DB, p.WorkspaceID, p.UserID)
	if err != nil {
		return nil, err
	}
	if u.TOTPEnabled {
		return nil, errs.E(errs.Conflict, "Two-factor sign-in is already on.")
	}
	w, err := s.GetWorkspace(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Rapport (" + w.Name + ")", AccountName: u.Email})
	if err != nil {
		return nil, fmt.Errorf("totp: %w", err)
	}
	if _, err := s.DB.Exec(ctx, "UPDATE users SET totp_secret = ? WHERE workspace_id = ? AND id = ?", key.Secret(), p.WorkspaceID, p.UserID); err != nil {
		return nil, err
	}
	return &TOTPSetup{Secret: key.Secret(), URL: key.URL()}, nil
}

// EnableTOTP turns two-factor sign-in on once code matches the secret
// from BeginTOTP.
func (s *Service) EnableTOTP(ctx context.Context, p *Principal, code string) error {
	u, err := s.userByID(ctx, s.DB, p.WorkspaceID, p.UserID)
	if err != nil {
		return err
	}
	if u.totpSecret == "" {
		return errs.E(errs.Conflict, "Start two-factor setup first.")
	}
	if !validTOTP(strings.TrimSpace(code), u.totpSecret, s.Now()) {
		return errs.Field("body.code", "is not the current code of your authenticator app")
	}
	_, err = s.DB.Exec(ctx, "UPDATE users SET totp_enabled = ? WHERE workspace_id = ? AND id = ?", true, p.WorkspaceID, p.UserID)
	return err
}

// DisableTOTP turns two-factor sign-in off: the user with their password,
// or an admin for another user (a lost phone).
func (s *Service) DisableTOTP(ctx context.Context, p *Principal, userID, password string) error {
	if userID != p.UserID && !p.IsAdmin {
		return errs.E(errs.Forbidden, "Only admins may turn off another user's two-factor sign-in.")
	}
	u, err := s.userByID(ctx, s.DB, p.WorkspaceID, userID)
	if err != nil {
		return err
	}
	if userID == p.UserID && !VerifyPassword(password, u.passwordHash) {
		return errs.Field("body.password", "is not your current password")
	}
	_, err = s.DB.Exec(ctx, "UPDATE users SET totp_enabled = ?, totp_secret = '' WHERE workspace_id = ? AND id = ?", false, p.WorkspaceID, userID)
	return err
}
