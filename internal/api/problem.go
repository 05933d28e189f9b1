// Package api is the REST plumbing: operations registered once with
// their OpenAPI description, authentication, problem+json errors, JSON
// decoding with limits, ETags, idempotency keys and request metrics.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/errs"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Code      errs.Code         `json:"code"`
	Errors    []errs.FieldError `json:"errors,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// WriteError maps err to a status and writes it as problem+json. Unknown
// errors are 500: logged once here with the request id, and shown to the
// client only as a generic message.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e, ok := errs.As(err)
	if !ok {
		if errors.Is(err, context.Canceled) {
			e = &errs.Error{Code: errs.Internal, Message: "The request was cancelled."}
		} else {
			e = &errs.Error{Code: errs.Internal, Message: "Something went wrong on our side; the request id identifies it in the logs."}
		}
		log.ErrorContext(r.Context(), "request failed", "err", err, "request_id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path)
	}
	status := errs.Status(e.Code)
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: e.Message, Code: e.Code, Errors: e.Fields, RequestID: RequestID(r.Context())}
	if e.Code == errs.Invalid && len(e.Fields) == 0 {
		p.Errors = []errs.FieldError{{Location: "body", Message: e.Message}}
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
