package match

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text, region, want string
	}{
		{"(415) 555-0100", "US", "+14155550100"},
		{"415.555.0100 ext 12", "US", "+14155550100"},
		{"415-555-0100 x12", "us", "+14155550100"},
		{"+1 415 555 0100", "", "+14155550100"},
		{"+34 612 34 56 78", "", "+34612345678"},
		{"+34 612 34 56 78", "US", "+34612345678"},
		{"612 34 56 78", "ES", "+34612345678"},
		{"0086 138 0013 8000", "", "+8613800138000"},
		{"0086 138 0013 8000", "CN", "+8613800138000"},
		{"0086 138 0013 8000", "US", "+8613800138000"}, // 00 accepted though the US prefix is 011
		{"011 86 138 0013 8000", "US", "+8613800138000"},
		{"138-0013-8000", "CN", "+8613800138000"},
		{"１３８００１３８０００", "CN", "+8613800138000"}, // full-width digits
		{"020 7946 0958", "GB", "+442079460958"},
		{"06 1234 5678", "IT", "+390612345678"}, // Italian leading zero kept
		{"+800 1234 5678", "", "+80012345678"},  // non-geographic
		{"  +14155550100  ", "XX", "+14155550100"},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.text, tt.region)
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", tt.text, tt.region, got, err, tt.want)
		}
	}
}

func TestNormalizePhoneInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, region string }{
		{"", "US"},
		{"   ", "US"},
		{"(415) 555-0100", ""},   // no region and no international prefix
		{"(415) 555-0100", "XX"}, // unknown region
		{"555-0100", "US"},       // local only: no area code
		{"12", "US"},
		{"hello", "US"},
		{"+999 1234 5678", ""}, // unassigned country code
		{"+1 415 555 0100 0100 0100", ""},
		{"+" + strings.Repeat("1", 64), ""}, // longer than 64 bytes
		{"\xff\xfe", "US"},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.text, tt.region)
		if !errors.Is(err, ErrInvalidPhone) || got != "" {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want ErrInvalidPhone", tt.text, tt.region, got, err)
		}
	}
}

func TestPhoneKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"+", nil},
		{"+14155550100", []string{"14155550100", "4155550100"}},
		{"+34612345678", []string{"34612345678", "612345678"}},
		{"+8613800138000", []string{"8613800138000", "13800138000"}},
		{"+442079460958", []string{"442079460958", "2079460958"}},
		{"+390612345678", []string{"390612345678", "0612345678"}},
		{"+35312345678", []string{"35312345678", "12345678"}}, // 3-digit code
		{"+9991234567", []string{"9991234567"}},               // unknown code
	}
	for _, tt := range tests {
		if got := PhoneKeys(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("PhoneKeys(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPhoneQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q, region string
		want      []string
	}{
		{"(415) 555-0100", "US", []string{"14155550100", "4155550100"}},
		{"+34 612 34 56 78", "US", []string{"34612345678"}},
		{"0086 138 0013 8000", "", []string{"8613800138000"}},
		{"138-0013-8000", "CN", []string{"8613800138000", "13800138000"}},
		{"020 7946 0958", "GB", []string{"442079460958", "2079460958"}},
		{"5550100", "US", []string{"5550100"}}, // does not normalise: raw digits
		{"0100", "US", nil},                    // fewer than 5 digits
		{"12345", "", []string{"12345"}},
		{"０１２３４５", "", []string{"12345"}}, // full-width
		{"415 555 0100 ext 1", "US", nil},
		{"ana@example.com", "US", nil},
		{"Zhang Wei", "CN", nil},
		{"", "US", nil},
	}
	for _, tt := range tests {
		if got := PhoneQuery(tt.q, tt.region); !slices.Equal(got, tt.want) {
			t.Errorf("PhoneQuery(%q, %q) = %q, want %q", tt.q, tt.region, got, tt.want)
		}
	}
}
