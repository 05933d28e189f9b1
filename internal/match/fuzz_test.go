package match

import (
	"regexp"
	"testing"
	"unicode/utf8"
)

var e164RE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func FuzzNormalizePhone(f *testing.F) {
	seeds := []struct{ text, region string }{
		{"(415) 555-0100", "US"},
		{"+34 612 34 56 78", ""},
		{"0086 138 0013 8000", ""},
		{"138-0013-8000", "CN"},
		{"415.555.0100 ext 12", "US"},
		{"06 1234 5678", "IT"},
		{"+800 1234 5678", ""},
		{"１３８００１３８０００", "CN"},
		{"tel:+1-415-555-0100", ""},
		{"1-800-FLOWERS", "US"},
		{"00", ""},
		{"+", "ZZ"},
		{"\xff", "US"},
	}
	for _, s := range seeds {
		f.Add(s.text, s.region)
	}
	f.Fuzz(func(t *testing.T, text, region string) {
		out, err := NormalizePhone(text, region)
		if err != nil {
			if out != "" {
				t.Fatalf("NormalizePhone(%q, %q) = %q with error %v", text, region, out, err)
			}
			return
		}
		if !e164RE.MatchString(out) {
			t.Fatalf("NormalizePhone(%q, %q) = %q, not E.164", text, region, out)
		}
		for _, r := range []string{region, "", "US"} {
			again, err := NormalizePhone(out, r)
			if err != nil || again != out {
				t.Fatalf("NormalizePhone(%q, %q) = %q, but NormalizePhone(%q, %q) = %q, %v", text, region, out, out, r, again, err)
			}
		}
		keys := PhoneKeys(out)
		if len(keys) == 0 || keys[0] != out[1:] {
			t.Fatalf("PhoneKeys(%q) = %q", out, keys)
		}
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"ana@example.com", " Ana.Lopez@Example.COM ", "ana+tag@gmail.com",
		"JOSÉ@Example.es", "a@b", "@", "a@@b.c", "ȺȺȺ@example.com", "KK@example.com",
		"user@münchen.de", "\xff@x.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeEmail(s)
		if err != nil {
			if out != "" {
				t.Fatalf("NormalizeEmail(%q) = %q with error %v", s, out, err)
			}
			return
		}
		if len(out) > 254 || !utf8.ValidString(out) {
			t.Fatalf("NormalizeEmail(%q) = %q", s, out)
		}
		again, err := NormalizeEmail(out)
		if err != nil || again != out {
			t.Fatalf("NormalizeEmail(%q) = %q, but NormalizeEmail(%q) = %q, %v", s, out, out, again, err)
		}
		_ = EmailKey(out)
		if EmailDomain(out) == "" {
			t.Fatalf("EmailDomain(%q) is empty", out)
		}
	})
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{
		"José Pérez", "张伟明", "Ana.Lopez@Example.com", "ＡＢＣ", "ｶﾞｷﾞ", "한국어",
		"a\u0301\u0302\u0303", "\u0301张\u3099", "北京华为技术有限公司", "\xff\xfe", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(name string, terms []string) {
			for _, tok := range terms {
				if tok == "" || len(tok) > maxTokenBytes || !utf8.ValidString(tok) {
					t.Fatalf("%s(%q) returned bad term %q", name, s, tok)
				}
			}
		}
		check("Tokens", Tokens(s))
		check("QueryTerms", QueryTerms(s))
		folded := Fold(s)
		if !utf8.ValidString(folded) {
			t.Fatalf("Fold(%q) = %q, invalid UTF-8", s, folded)
		}
		if again := Fold(folded); again != folded {
			t.Fatalf("Fold not idempotent: Fold(%q) = %q, Fold of that = %q", s, folded, again)
		}
		if sim := NameSimilarity(s, s); folded != "" && sim != 1 {
			t.Fatalf("NameSimilarity(%q, itself) = %v", s, sim)
		}
		_ = NameKey(s)
		_ = CompanyKey(s)
		_ = Domain(s)
		_, _, _ = SplitFullName(s)
	})
}
