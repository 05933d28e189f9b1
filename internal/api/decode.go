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
	// No text anywhere holds a NUL: PostgreSQL cannot store one (a 500)
	// where SQLite would keep it, so it is refused here, for every body,
	// naming the member. The cheap test first; a match may still be an
	// escaped backslash followed by "u0000", which locate tells apart.
	if bytes.Contains(body, []byte(`\u0000`)) {
		if loc, ok := locate(body, func(tok json.Token, _ int64) bool {
			s, ok := tok.(string)
			return ok && strings.ContainsRune(s, 0)
		}); ok {
			return nil, errs.Field(loc, "must not contain NUL characters")
		}
	}
	return body, nil
}

// locate walks a JSON document and returns the location, such as
// body.options[1].value, of the first token for which hit is true; hit
// gets the token and the offset just past it. Object keys are reported
// at the member they name.
func locate(body []byte, hit func(tok json.Token, end int64) bool) (string, bool) {
	type frame struct {
		object  bool
		keyNext bool
		key     string
		index   int
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		b.WriteString("body")
		for _, f := range stack {
			switch {
			case f.object && !f.keyNext:
				b.WriteString(".")
				b.WriteString(strings.ReplaceAll(f.key, "\x00", `\u0000`))
			case !f.object:
				fmt.Fprintf(&b, "[%d]", f.index)
			}
		}
		return b.String()
	}
	afterValue := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].keyNext = true
			} else {
				stack[n-1].index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		end := dec.InputOffset()
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].keyNext {
			if tok == json.Delim('}') {
				stack = stack[:n-1]
				afterValue()
				continue
			}
			key, _ := tok.(string)
			stack[n-1].key, stack[n-1].keyNext = key, false
			if hit(tok, end) {
				return path(), true
			}
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if hit(tok, end) {
				return path(), true
			}
			stack = append(stack, frame{object: tok == json.Delim('{'), keyNext: tok == json.Delim('{')})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			afterValue()
		default:
			if hit(tok, end) {
				return path(), true
			}
			afterValue()
		}
	}
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

func syntaxError(err error, body []byte) error {
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
		// te.Field leaves out map keys (permissions.read for
		// permissions.tags.read); the offset finds the value itself.
		if l, ok := locate(body, func(_ json.Token, end int64) bool { return end >= te.Offset }); ok && te.Offset > 0 {
			loc = l
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
		return syntaxError(err, body)
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
		return nil, syntaxError(err, body)
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
	// As for bodies: text is UTF-8 without NUL, which PostgreSQL would
	// refuse with a 500 when the value reaches a query.
	for k, vals := range v {
		loc := "query." + strings.ReplaceAll(strings.ToValidUTF8(k, "\uFFFD"), "\x00", `\u0000`)
		for _, s := range append([]string{k}, vals...) {
			if !utf8.ValidString(s) {
				return nil, &errs.Error{Code: errs.BadRequest, Message: "The query string is not valid UTF-8.", Fields: []errs.FieldError{{Location: loc, Message: "must be valid UTF-8 text"}}}
			}
			if strings.ContainsRune(s, 0) {
				return nil, errs.Field(loc, "must not contain NUL characters")
			}
		}
	}
	return v, nil
}
