package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/errs"
)

// MaxBody is the largest JSON body an operation accepts.
const MaxBody = 1 << 20

// maxDepth bounds JSON nesting, so a deeply nested body is refused
// before it costs anything.
const maxDepth = 20

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, errs.E(errs.Unsupported, "Send the body as application/json.")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errs.E(errs.TooLarge, "The body is larger than %d bytes.", MaxBody)
		}
		return nil, errs.E(errs.BadRequest, "The body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &errs.Error{Code: errs.BadRequest, Message: "The body is empty; send a JSON object.", Fields: []errs.FieldError{{Location: "body", Message: "is required"}}}
	}
	if !utf8.Valid(body) {
		return nil, &errs.Error{Code: errs.BadRequest, Message: "The body is not valid UTF-8.", Fields: []errs.FieldError{{Location: "body", Message: "must be valid UTF-8"}}}
	}
	if err := checkDepth(body); err != nil {
		return nil, err
	}
	return body, nil
}

func checkDepth(b []byte) error {
	depth, inStr, esc := 0, false, false
	for _, c := range b {
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			depth++
			if depth > maxDepth {
				return &errs.Error{Code: errs.BadRequest, Message: "The body is nested too deeply.", Fields: []errs.FieldError{{Location: "body", Message: fmt.Sprintf("must nest at most %d levels", maxDepth)}}}
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

func syntaxError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &errs.Error{Code: errs.BadRequest, Message: "The body is not valid JSON.", Fields: []errs.FieldError{{Location: "body", Message: fmt.Sprintf("has a JSON syntax error at byte %d", se.Offset)}}}
	case errors.As(err, &te):
		loc := "body"
		if te.Field != "" {
			loc = "body." + te.Field
		}
		return &errs.Error{Code: errs.Invalid, Message: "The request has invalid fields.", Fields: []errs.FieldError{{Location: loc, Message: "must be of type " + jsonType(te.Type.Kind().String())}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &errs.Error{Code: errs.Invalid, Message: "The request has invalid fields.", Fields: []errs.FieldError{{Location: "body." + f, Message: "is not a known field"}}}
	}
	return &errs.Error{Code: errs.BadRequest, Message: "The body is not valid JSON.", Fields: []errs.FieldError{{Location: "body", Message: "must be a JSON object"}}}
}

func jsonType(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	}
	return "number"
}

// Decode reads a JSON object body into dst, rejecting unknown fields,
// trailing data, bodies over MaxBody and deep nesting.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if bytes.TrimSpace(body)[0] != '{' {
		return &errs.Error{Code: errs.BadRequest, Message: "The body must be a JSON object.", Fields: []errs.FieldError{{Location: "body", Message: "must be a JSON object"}}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return syntaxError(err)
	}
	if dec.More() {
		return &errs.Error{Code: errs.BadRequest, Message: "The body has data after the JSON object.", Fields: []errs.FieldError{{Location: "body", Message: "must hold one JSON object"}}}
	}
	return nil
}

// DecodeObject reads a JSON object body into a map, keeping numbers
// exact (json.Number) for the record engine to validate per field.
func DecodeObject(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	if bytes.TrimSpace(body)[0] != '{' {
		return nil, &errs.Error{Code: errs.BadRequest, Message: "The body must be a JSON object.", Fields: []errs.FieldError{{Location: "body", Message: "must be a JSON object"}}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		if err == nil {
			err = errors.New("null")
		}
		return nil, syntaxError(err)
	}
	if dec.More() {
		return nil, &errs.Error{Code: errs.BadRequest, Message: "The body has data after the JSON object.", Fields: []errs.FieldError{{Location: "body", Message: "must hold one JSON object"}}}
	}
	return m, nil
}

// Query parses the URL query strictly: a malformed query string is an
// error naming it, where url.URL.Query would silently drop the pair.
func Query(r *http.Request) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &errs.Error{Code: errs.BadRequest, Message: "The query string is malformed.", Fields: []errs.FieldError{{Location: "query", Message: "must be a valid URL query string (percent-encode % as %25)"}}}
	}
	return v, nil
}
