// Package errs defines the one application error type that every layer
// returns and that the API and web edges map to an HTTP status.
package errs

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies an application error.
type Code string

// Error codes. Each maps to one HTTP status in Status.
const (
	Invalid            Code = "invalid"
	BadRequest         Code = "bad_request"
	NotFound           Code = "not_found"
	Conflict           Code = "conflict"
	Forbidden          Code = "forbidden"
	Unauthorized       Code = "unauthorized"
	PreconditionFailed Code = "precondition_failed"
	PreconditionNeeded Code = "precondition_required"
	TooManyRequests    Code = "too_many_requests"
	TooLarge           Code = "too_large"
	Unsupported        Code = "unsupported_media_type"
	MethodNotAllowed   Code = "method_not_allowed"
	// Unavailable is a request the server cannot serve as it is set up
	// (a file it needs is missing): 503, not the client's fault, not a bug.
	Unavailable Code = "unavailable"
	Internal    Code = "internal"
)

// FieldError names one bad field and why it is bad. Location is a
// dotted path such as "body.name" or "query.filter[name][eq]".
type FieldError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
	Value    any    `json:"value,omitempty"`
}

// Error is the application error: a code, a message safe to show to the
// client, and optional field errors. Internal detail stays in Err.
type Error struct {
	Code       Code
	Message    string
	Fields     []FieldError
	RetryAfter int // seconds, for TooManyRequests
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the wrapped internal error.
func (e *Error) Unwrap() error { return e.Err }

// E builds an Error with a formatted public message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field builds an Invalid error for a single field.
func Field(location, message string) *Error {
	return &Error{Code: Invalid, Message: "The request has invalid fields.", Fields: []FieldError{{Location: location, Message: message}}}
}

// Fields builds an Invalid error from several field errors.
func Fields(fe []FieldError) *Error {
	return &Error{Code: Invalid, Message: "The request has invalid fields.", Fields: fe}
}

// ErrNotFound is the shared not-found error; a record of another
// workspace or outside the caller's scope answers with it too.
var ErrNotFound = &Error{Code: NotFound, Message: "The resource was not found."}

// CodeOf returns the code of err, or Internal when err is not an *Error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns err as *Error when it is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// Status maps a code to its HTTP status.
func Status(c Code) int {
	switch c {
	case Invalid:
		return http.StatusUnprocessableEntity
	case BadRequest:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Forbidden:
		return http.StatusForbidden
	case Unauthorized:
		return http.StatusUnauthorized
	case PreconditionFailed:
		return http.StatusPreconditionFailed
	case PreconditionNeeded:
		return http.StatusPreconditionRequired
	case TooManyRequests:
		return http.StatusTooManyRequests
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case Unsupported:
		return http.StatusUnsupportedMediaType
	case MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
