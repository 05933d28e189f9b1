package sales

import "testing"

// TestPhoneMatches: a lead's free-text number matches a person's by its
// digits, written with or without the country code, never on a short
// fragment.
func TestPhoneMatches(t *testing.T) {
	person := []string{digits("+34 612 345 678")}
	for _, c := range []struct {
		lead string
		want bool
	}{
		{"+34 612 345 678", true},
		{"0034-612-345-678", true},
		{"612 34 56 78", true},
		{"(612) 345678", true},
		{"+34 612 345 679", false},
		{"345 678", false},
		{"", false},
	} {
		if got := phoneMatches(digits(c.lead), person); got != c.want {
			t.Errorf("%q: %v, want %v", c.lead, got, c.want)
		}
	}
}
