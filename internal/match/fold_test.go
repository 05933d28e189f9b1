package match

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func TestFold(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"abc", "abc"},
		{"José Pérez", "jose perez"},
		{"Müller", "muller"},
		{"Straße", "strasse"},
		{"ß", "ss"},
		{"ẞ", "ss"},
		{"Ø", "o"},
		{"Søren Kierkegaard", "soren kierkegaard"},
		{"Ł", "l"},
		{"Łódź", "lodz"},
		{"Đorđe", "dorde"},
		{"Æsir Œuvre", "aesir oeuvre"},
		{"Þór", "thor"},
		{"İstanbul", "istanbul"},
		{"ＡＢＣ", "abc"},
		{"ＡＢＣ　１２３", "abc 123"},
		{"  Hello,   World!! ", "hello world"},
		{"O'Brien-Smith", "o brien smith"},
		{"a\t\n b", "a b"},
		{"ﬁne", "fine"},
		{"Ελληνικά Σς", "ελληνικα σσ"},
		{"Москва Ёлка", "москва елка"},
		{"张伟", "张伟"},
		{"張偉", "張偉"},           // no Traditional -> Simplified conversion
		{"北京，上海。", "北京 上海"},    // CJK punctuation separates
		{"ｶﾞｷﾞ", "ガギ"},         // half-width katakana widened and recomposed
		{"がぎ", "がぎ"},           // voicing marks kept
		{"한국어 이름", "한국어 이름"},   // Hangul stays composed
		{"\xff\xfeabc", "abc"}, // invalid UTF-8 is a separator
		{"a\u0301", "a"},       // decomposed accent
		{"\u0301a", "a"},       // orphan mark
		{"1½", "11 2"},         // NFKD: "1" "1⁄2"
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Fold(tt.want); got != tt.want {
			t.Errorf("Fold not idempotent on %q: got %q", tt.want, got)
		}
	}
}

func TestFoldNoAllocWhenFolded(t *testing.T) {
	s := "jose perez 42"
	if n := testing.AllocsPerRun(100, func() { _ = Fold(s) }); n != 0 {
		t.Errorf("Fold of folded ASCII allocates %v times", n)
	}
}

func TestHasHan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"Zhang Wei", false},
		{"张伟", true},
		{"Wei 张", true},
		{"ひらがな", false},
		{"カタカナ", false},
		{"한국", false},
		{"漢字かな", true},
		{"\xff", false},
	}
	for _, tt := range tests {
		if got := HasHan(tt.in); got != tt.want {
			t.Errorf("HasHan(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" ,. ", nil},
		{"José Pérez", []string{"jose", "perez"}},
		{"Jose Jose PEREZ", []string{"jose", "perez"}},
		{"张伟明", []string{"张", "伟", "明", "张伟", "伟明"}},
		{"张伟", []string{"张", "伟", "张伟"}},
		{"张", []string{"张"}},
		{"张伟 伟明", []string{"张", "伟", "张伟", "明", "伟明"}},
		{"abc张伟def", []string{"abc", "张", "伟", "张伟", "def"}},
		{"ひらがな", []string{"ひ", "ら", "が", "な", "ひら", "らが", "がな"}},
		{"김민수", []string{"김", "민", "수", "김민", "민수"}},
		{"Москва 2024", []string{"москва", "2024"}},
		{"Ana.Lopez@Example.com", []string{"ana", "lopez", "example", "com", "ana.lopez@example.com"}},
		{`"Ana" <ana@x.com>, call`, []string{"ana", "x", "com", "ana@x.com", "call"}},
		{"foo@bar", []string{"foo", "bar"}}, // not an address: no dot in domain
		{"a@@b.com", []string{"a", "b", "com"}},
		{"ＡＢＣ", []string{"abc"}},
		{"(415) 555-0100", []string{"415", "555", "0100"}},
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokensLong(t *testing.T) {
	t.Parallel()
	long := "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789"
	got := Tokens(long)
	if len(got) != 1 || got[0] != long[:64] {
		t.Errorf("Tokens(long) = %q", got)
	}
	// Cut at a rune boundary: byte 64 is inside a two-byte rune.
	cyr := "a" + strings.Repeat("ж", 40)
	got = Tokens(cyr)
	if len(got) != 1 || got[0] != cyr[:63] {
		t.Errorf("Tokens(cyrillic) = %q (%d bytes)", got, len(got[0]))
	}
	// Many distinct words exercise the map-based deduplication.
	var words []byte
	for i := range 100 {
		words = append(words, byte('a'+i%26), byte('a'+i/26), ' ')
	}
	words = append(words, words...)
	if got := Tokens(string(words)); len(got) != 100 {
		t.Errorf("Tokens(100 distinct words twice) returned %d terms", len(got))
	}
}

func TestQueryTerms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"张伟", []string{"张伟"}},
		{"张", []string{"张"}},
		{"张伟明", []string{"张伟", "伟明"}},
		{"张 伟", []string{"张", "伟"}},
		{"José", []string{"jose"}},
		{"wei 张伟", []string{"wei", "张伟"}},
		{"ana.lopez@example.com", []string{"ana", "lopez", "example", "com", "ana.lopez@example.com"}},
	}
	for _, tt := range tests {
		if got := QueryTerms(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("QueryTerms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Every query term must be an indexed term of the same text, otherwise a
// search for a stored value could miss it.
func TestQueryTermsSubsetOfTokens(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"张伟明", "欧阳娜娜 Ana", "ana@x.com 张", "北京华为技术有限公司", "がぎぐ", "Müller & Söhne"} {
		tokens := Tokens(s)
		for _, q := range QueryTerms(s) {
			if !slices.Contains(tokens, q) {
				t.Errorf("QueryTerms(%q) has %q, not in Tokens %q", s, q, tokens)
			}
		}
	}
}

// The rune-by-rune decomposition in Fold must agree with NFKD, and Fold must
// be idempotent for every single rune.
func TestFoldAllRunes(t *testing.T) {
	t.Parallel()
	step := rune(1)
	if testing.Short() {
		step = 7
	}
	for r := rune(0); r <= unicode.MaxRune; r += step {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		f := Fold(s)
		if g := Fold(f); g != f {
			t.Errorf("Fold(%U) = %q, Fold(%q) = %q", r, f, f, g)
		}
		if want := foldReference(s); f != want {
			t.Errorf("Fold(%U) = %q, reference %q", r, f, want)
		}
	}
}

// foldReference is Fold written naively with whole-string normalisation.
func foldReference(s string) string {
	var f folder
	for _, r := range norm.NFKD.String(s) {
		f.add(r)
	}
	return norm.NFC.String(f.b.String())
}
