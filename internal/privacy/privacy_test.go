package privacy

import (
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
)

// TestScrubber: an erased address goes wherever it is — whole recipients
// with their display names, any case, inside text, in attendee lists
// (merged into one placeholder) and in history's decoded JSON — and
// nothing else changes.
func TestScrubber(t *testing.T) {
	scrub := scrubber([]string{"ana@x.example", "a@x.example"})
	cases := []struct {
		name string
		in   any
		want any
	}{
		{"email_to", "Ana <ANA@x.example>; bob@y.example", ErasedEmail + ", bob@y.example"},
		{"email_to", "bob@y.example, carl@z.example", "bob@y.example, carl@z.example"},
		{"email_to", "ana@x.example, Ana López <ana@x.example>", ErasedEmail},
		{"email_from", "Ana@X.example", ErasedEmail},
		{"body", "Write to ana@x.example or a@x.example.", "Write to " + ErasedEmail + " or " + ErasedEmail + "."},
		{"subject", "Quarterly review", "Quarterly review"},
		{"duration_seconds", int64(60), int64(60)},
		{"attendees", []records.EmailItem{{Address: "bob@y.example", Primary: true}, {Address: "ana@x.example", Label: "home"}, {Address: "a@x.example"}},
			[]records.EmailItem{{Address: "bob@y.example", Primary: true}, {Address: ErasedEmail}}},
		{"attendees", []any{map[string]any{"address": "ana@x.example", "primary": true}}, []any{map[string]any{"address": ErasedEmail, "primary": true}}},
	}
	for _, c := range cases {
		if got := scrub(c.name, nil, c.in); !records.Equal(got, c.want) {
			t.Errorf("%s %v: %v, want %v", c.name, c.in, got, c.want)
		}
	}
	// A create entry of history: a snapshot by field name.
	snap := map[string]any{"email_to": "Ana <ana@x.example>", "subject": "Hi"}
	if got := scrub("", nil, snap); !records.Equal(got, map[string]any{"email_to": ErasedEmail, "subject": "Hi"}) {
		t.Errorf("snapshot: %v", got)
	}
}

// TestPersonal: which fields of a contact an erasure clears.
func TestPersonal(t *testing.T) {
	for _, c := range []struct {
		f    *records.Field
		want bool
	}{
		{nil, true},
		{&records.Field{Name: "given_name", Personal: true}, true},
		{&records.Field{Name: "language", Type: records.Select}, false},
		{&records.Field{Name: "cf_nick", Type: records.Text, Custom: true}, true},
		{&records.Field{Name: "cf_anniversary", Type: records.Date, Custom: true}, true},
		{&records.Field{Name: "cf_tier", Type: records.Select, Custom: true}, false},
		{&records.Field{Name: "cf_score", Type: records.Integer, Custom: true}, false},
	} {
		if got := Personal(c.f); got != c.want {
			t.Errorf("Personal(%+v) = %v", c.f, got)
		}
	}
}

// TestErasedEmailIsValid: an activity holding the placeholder can still
// be saved from its form.
func TestErasedEmailIsValid(t *testing.T) {
	f := records.Field{Name: "email_from", Type: records.Email}
	if v, msg := f.Normalize(ErasedEmail); msg != "" || v != ErasedEmail {
		t.Fatalf("%q: %v %q", ErasedEmail, v, msg)
	}
}
