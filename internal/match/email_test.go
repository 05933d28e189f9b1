package match

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ana@example.com", "ana@example.com", true},
		{"  Ana.Lopez@Example.COM ", "ana.lopez@example.com", true},
		{"ana+crm@example.co.uk", "ana+crm@example.co.uk", true},
		{"o'brien@example.ie", "o'brien@example.ie", true},
		{"JOSÉ@Example.es", "josé@example.es", true},
		{"user@münchen.de", "user@münchen.de", true},
		{"", "", false},
		{"   ", "", false},
		{"ana", "", false},
		{"@example.com", "", false},
		{"ana@", "", false},
		{"ana@example", "", false},
		{"ana@@example.com", "", false},
		{"ana@b@example.com", "", false},
		{"ana lopez@example.com", "", false},
		{"ana@exa mple.com", "", false},
		{"ana@example..com", "", false},
		{"ana@.example.com", "", false},
		{"ana@example.com.", "", false},
		{"ana@exam_ple.com", "", false},
		{"<ana@example.com>", "", false},
		{"ana\x00@example.com", "", false},
		{"ana\xff@example.com", "", false},
		{strings.Repeat("a", 242) + "@example.com", strings.Repeat("a", 242) + "@example.com", true}, // 254 bytes
		{strings.Repeat("a", 243) + "@example.com", "", false},                                       // 255 bytes
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidEmail) || got != "" {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want ErrInvalidEmail", tt.in, got, err)
		}
	}
	if ErrInvalidEmail.Error() != "is not a valid e-mail address" {
		t.Errorf("message %q", ErrInvalidEmail)
	}
}

func TestEmailKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"ana@example.com", "ana@example.com"},
		{"ana.lopez@example.com", "ana.lopez@example.com"},
		{"ana+crm@example.com", "ana@example.com"},
		{"ana.lopez+news@gmail.com", "analopez@gmail.com"},
		{"a.n.a@googlemail.com", "ana@gmail.com"},
		{"ana@googlemail.com", "ana@gmail.com"},
		{"+tag@example.com", "+tag@example.com"}, // nothing left before "+"
		{"...@gmail.com", "...@gmail.com"},
		{"no-at-sign", "no-at-sign"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := EmailKey(tt.in); got != tt.want {
			t.Errorf("EmailKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEmailDomain(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"ana@example.com", "example.com"},
		{"Ana@Example.COM", "example.com"},
		{"odd@name@Example.org", "example.org"},
		{"ana@", ""},
		{"example.com", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := EmailDomain(tt.in); got != tt.want {
			t.Errorf("EmailDomain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
