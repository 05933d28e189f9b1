package records

import (
	"net/url"
	"testing"

	"github.com/rapport-crm/rapport/internal/errs"
)

// FuzzParseListQuery feeds arbitrary query strings to the list parser:
// it must never panic, and every error it returns must be a 4xx
// application error naming a query parameter.
func FuzzParseListQuery(f *testing.F) {
	for _, s := range []string{"filter[name][eq]=a", "sort=-name&limit=5", "limit=0", "filter[x]=1&filter[y][zz]=2", "cursor=abc", "fields=a,b,,c", "filter[%5B][eq]=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseListQuery(v)
		if err != nil {
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || len(e.Fields) == 0 {
				t.Fatalf("ParseListQuery(%q) = %v, want invalid with field errors", raw, err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > MaxLimit {
			t.Fatalf("limit %d out of range for %q", q.Limit, raw)
		}
	})
}

// FuzzNormalize runs every field type's validation on arbitrary text: no
// panic, and an accepted value normalises to itself (idempotence).
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"12.50", "-0.0", "1e3", "2026-01-31", "2026-01-31T09:30:00+02:00", "a@B.co", "+34 912 345 678", "example.com", "true", "x,y", "10 eur"} {
		f.Add(s)
	}
	opts := []Option{{Value: "x"}, {Value: "y"}}
	f.Fuzz(func(t *testing.T, s string) {
		for _, typ := range FieldTypes {
			fld := &Field{Name: "f", Type: typ, Options: opts}
			v, msg := fld.Normalize(s)
			if msg != "" || v == nil {
				continue
			}
			again, msg2 := fld.Normalize(v)
			if msg2 != "" || !Equal(v, again) {
				t.Fatalf("%s: %q normalised to %#v, which normalises to %#v (%s)", typ, s, v, again, msg2)
			}
		}
	})
}
