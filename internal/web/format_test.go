package web

import (
	"testing"
	"time"
)

func TestFormatDate(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	// 2006-01-02 20:30 UTC is already 3 January in Shanghai.
	ts := time.Date(2006, 1, 2, 20, 30, 0, 0, time.UTC)
	tests := []struct {
		lang string
		tz   *time.Location
		want string
	}{
		{"en", nil, "Jan 2, 2006"},
		{"es", nil, "2 ene 2006"},
		{"zh", nil, "2006年1月2日"},
		{"zh", shanghai, "2006年1月3日"},
		{"en", shanghai, "Jan 3, 2006"},
		{"xx", nil, "Jan 2, 2006"},
	}
	for _, tc := range tests {
		if got := FormatDate(tc.lang, ts, tc.tz); got != tc.want {
			t.Errorf("FormatDate(%s, %v) = %q, want %q", tc.lang, tc.tz, got, tc.want)
		}
	}
	if got := FormatDate("es", time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC), nil); got != "30 sept 2024" {
		t.Errorf("September in es = %q", got)
	}
	if got := FormatDate("en", time.Time{}, nil); got != "" {
		t.Errorf("zero time = %q, want empty", got)
	}
}

func TestFormatDateTime(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	ts := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		lang string
		tz   *time.Location
		want string
	}{
		{"en", nil, "Jan 2, 2006, 3:04\u00a0PM"},
		{"es", nil, "2 ene 2006, 15:04"},
		{"zh", nil, "2006年1月2日 15:04"},
		{"es", madrid, "2 ene 2006, 16:04"},
		{"en", madrid, "Jan 2, 2006, 4:04\u00a0PM"},
	}
	for _, tc := range tests {
		if got := FormatDateTime(tc.lang, ts, tc.tz); got != tc.want {
			t.Errorf("FormatDateTime(%s, %v) = %q, want %q", tc.lang, tc.tz, got, tc.want)
		}
	}
	midnight := time.Date(2024, 3, 1, 0, 5, 0, 0, time.UTC)
	if got := FormatDateTime("en", midnight, nil); got != "Mar 1, 2024, 12:05\u00a0AM" {
		t.Errorf("midnight in en = %q", got)
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		lang, in, want string
	}{
		{"en", "1234.5", "1,234.5"},
		{"es", "1234.5", "1.234,5"},
		{"zh", "1234.5", "1,234.5"},
		{"en", "0", "0"},
		{"en", "-1234567.891", "-1,234,567.891"},
		{"es", "-1234567.891", "-1.234.567,891"},
		{"en", "999", "999"},
		{"en", "1000", "1,000"},
		{"en", "+0012.50", "12.50"}, // trailing zeros are kept: the text is exact
		{"en", ".5", "0.5"},
		{"en", "-0", "0"},
		// Beyond float64's 15–17 significant digits.
		{"en", "12345678901234567890.123456789", "12,345,678,901,234,567,890.123456789"},
		{"en", "12abc", "12abc"},
		{"en", "", ""},
		{"en", "1e5", "1e5"},
		{"en", "-", "-"},
	}
	for _, tc := range tests {
		if got := FormatNumber(tc.lang, tc.in); got != tc.want {
			t.Errorf("FormatNumber(%s, %q) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}

func TestFormatMoney(t *testing.T) {
	tests := []struct {
		lang, amount, cur, want string
	}{
		{"en", "1234.5", "USD", "$1,234.50"},
		{"es", "1234.5", "EUR", "1.234,50\u00a0€"},
		{"zh", "1234.5", "CNY", "¥1,234.50"},
		{"zh", "1234.5", "USD", "US$1,234.50"},
		{"es", "1234.5", "USD", "1.234,50\u00a0US$"},
		{"en", "1234.5", "EUR", "€1,234.50"},
		{"en", "-1234.5", "USD", "-$1,234.50"},
		{"es", "-1234.5", "EUR", "-1.234,50\u00a0€"},
		{"en", "1234.5", "JPY", "¥1,235"},         // no minor units; half rounds up
		{"en", "1.2345", "KWD", "KWD\u00a01.235"}, // three minor units; a code keeps a space
		{"en", "0.005", "USD", "$0.01"},           // half away from zero
		{"en", "-0.005", "USD", "-$0.01"},         // likewise below zero
		{"en", "-0.004", "USD", "$0.00"},          // no negative zero
		{"en", "999.995", "USD", "$1,000.00"},     // carry through the point
		{"en", "99999999999999999.99", "USD", "$99,999,999,999,999,999.99"},
		{"en", "12", "usd", "$12.00"},
		{"en", "12", "XYZ", "12\u00a0XYZ"},
		{"es", "12", "CNY", "12,00\u00a0CNY"},
		{"en", "12", "CNY", "CN¥12.00"},
		{"en", "12", "", "12"},
		{"en", "abc", "USD", "abc"},
	}
	for _, tc := range tests {
		if got := FormatMoney(tc.lang, tc.amount, tc.cur); got != tc.want {
			t.Errorf("FormatMoney(%s, %q, %s) = %q, want %q", tc.lang, tc.amount, tc.cur, got, tc.want)
		}
	}
}

func TestFormatRelative(t *testing.T) {
	now := time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		lang string
		ago  time.Duration
		want string
	}{
		{"en", 10 * time.Second, "just now"},
		{"es", 10 * time.Second, "ahora mismo"},
		{"zh", 10 * time.Second, "刚刚"},
		{"en", time.Minute, "1 minute ago"},
		{"en", 3 * time.Hour, "3 hours ago"},
		{"es", 3 * time.Hour, "hace 3 horas"},
		{"es", 24 * time.Hour, "hace 1 día"},
		{"zh", 3 * time.Hour, "3小时前"},
		{"en", 40 * 24 * time.Hour, "1 month ago"},
		{"en", 800 * 24 * time.Hour, "2 years ago"},
		{"en", -2 * 24 * time.Hour, "in 2 days"},
		{"es", -2 * 24 * time.Hour, "dentro de 2 días"},
		{"zh", -2 * 24 * time.Hour, "2天后"},
	}
	for _, tc := range tests {
		if got := FormatRelative(tc.lang, now.Add(-tc.ago), now); got != tc.want {
			t.Errorf("FormatRelative(%s, -%v) = %q, want %q", tc.lang, tc.ago, got, tc.want)
		}
	}
}

func BenchmarkFormatMoney(b *testing.B) {
	for b.Loop() {
		FormatMoney("es", "1234567.891", "EUR")
	}
}
