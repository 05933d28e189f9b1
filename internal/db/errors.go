package db

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rapport-crm/rapport/internal/errs"
)

// MapError turns driver errors of both dialects into application errors:
// unique violations become conflict, foreign-key and check violations
// invalid, sql.ErrNoRows not_found. Other errors pass through unchanged.
func MapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &errs.Error{Code: errs.Conflict, Message: "A record with the same unique value already exists.", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &errs.Error{Code: errs.Invalid, Message: "A referenced record does not exist or is still referenced.", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return &errs.Error{Code: errs.Invalid, Message: "A value breaks a rule of the database.", Err: err}
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &errs.Error{Code: errs.Conflict, Message: "A record with the same unique value already exists.", Err: err}
		case "23503":
			return &errs.Error{Code: errs.Invalid, Message: "A referenced record does not exist or is still referenced.", Err: err}
		case "23502", "23514":
			return &errs.Error{Code: errs.Invalid, Message: "A value breaks a rule of the database.", Err: err}
		case "22P02", "22007", "22008", "22003", "22001":
			return &errs.Error{Code: errs.Invalid, Message: "A value has the wrong form.", Err: err}
		}
	}
	return err
}

// IsBusy reports whether err is a transient lock error worth a retry.
func IsBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}
