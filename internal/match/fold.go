package match

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxTokenBytes is the longest search term Tokens and QueryTerms return.
const maxTokenBytes = 64

// Fold lowercases s, removes accents/diacritics (NFKD then drop marks:
// "José Pérez" -> "jose perez", "Müller" -> "muller", "ß" -> "ss",
// "Ø" -> "o", "Ł" -> "l"), folds full-width forms to ASCII ("ＡＢＣ" -> "abc").
// Runs of whitespace, punctuation and symbols (anything that is not a letter,
// digit or a mark attached to one) collapse to a single space and the result
// is trimmed. Han characters are kept as they are (converting Traditional to
// Simplified is not attempted; compatibility ideographs and Kangxi radicals
// become their unified ideographs under NFKD). The result is in NFC, so kana
// voicing marks are recomposed ("ｶﾞ" -> "ガ").
//
// Only the diacritical mark blocks (Latin, Hebrew points, Arabic harakat) are
// dropped, so Japanese voicing marks and the vowel signs of Indic and Thai
// scripts survive. Fold is idempotent, returns s itself without allocating
// when s is already folded ASCII, and maps invalid UTF-8 to separators.
func Fold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return foldUnicode(s)
		}
	}
	if isFoldedASCII(s) {
		return s
	}
	return foldASCII(s)
}

// isFoldedASCII reports whether the ASCII string s is already Fold output:
// [a-z0-9] words separated by single spaces.
func isFoldedASCII(s string) bool {
	space := true // a leading space is not allowed
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if space {
				return false
			}
			space = true
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			space = false
		default:
			return false
		}
	}
	return !space || s == ""
}

func foldASCII(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		default:
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteByte(c)
	}
	return b.String()
}

// folder accumulates Fold output, inserting one space between words.
type folder struct {
	b        strings.Builder
	space    bool // a separator was seen since the last word rune
	nonASCII bool
}

func (f *folder) sep() { f.space = true }

func (f *folder) word(r rune) {
	if f.space && f.b.Len() > 0 {
		f.b.WriteByte(' ')
	}
	f.space = false
	if r < utf8.RuneSelf {
		f.b.WriteByte(byte(r))
		return
	}
	f.nonASCII = true
	f.b.WriteRune(r)
}

func foldUnicode(s string) string {
	var f folder
	f.b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			f.add(rune(c))
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			f.sep() // invalid UTF-8
			i++
			continue
		}
		// NFKD rune by rune: the table holds full decompositions, so no
		// recursion is needed, and the final NFC pass restores the
		// canonical order of any marks that are kept. Hangul syllables have
		// no table entry and stay composed.
		if d := norm.NFKD.PropertiesString(s[i:]).Decomposition(); d != nil {
			for len(d) > 0 {
				x, m := utf8.DecodeRune(d)
				f.add(x)
				d = d[m:]
			}
		} else {
			f.add(r)
		}
		i += n
	}
	out := f.b.String()
	if f.nonASCII {
		// Recompose kana voicing marks (and any other kept marks).
		out = norm.NFC.String(out)
	}
	return out
}

// add folds one rune of a decomposed string.
func (f *folder) add(r rune) {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			f.word(r)
		case 'A' <= r && r <= 'Z':
			f.word(r + 'a' - 'A')
		default:
			f.sep()
		}
		return
	}
	if isDiacritic(r) {
		return
	}
	r = unicode.ToLower(r)
	if rep := foldSpecial(r); rep != "" {
		for _, x := range rep {
			f.word(x)
		}
		return
	}
	switch {
	case unicode.IsLetter(r) || unicode.IsNumber(r):
		f.word(r)
	case unicode.IsMark(r):
		// Keep marks attached to a word; drop orphans.
		if !f.space && f.b.Len() > 0 {
			f.word(r)
		}
	default:
		f.sep()
	}
}

// isDiacritic reports whether r is a combining mark that Fold removes:
// the combining diacritical mark blocks, Hebrew points and Arabic harakat.
func isDiacritic(r rune) bool {
	switch {
	case r < 0x0300:
		return false
	case r <= 0x036F, // Combining Diacritical Marks (includes CGJ)
		0x1AB0 <= r && r <= 0x1AFF, // Combining Diacritical Marks Extended
		0x1DC0 <= r && r <= 0x1DFF, // Combining Diacritical Marks Supplement
		0x20D0 <= r && r <= 0x20FF, // Combining Diacritical Marks for Symbols
		0xFE20 <= r && r <= 0xFE2F: // Combining Half Marks
		return true
	case 0x0591 <= r && r <= 0x05C7, // Hebrew points and cantillation
		0x064B <= r && r <= 0x065F, 0x0670 == r: // Arabic harakat
		return unicode.Is(unicode.Mn, r)
	}
	return false
}

// foldSpecial maps lowercase letters that carry a "diacritic" without a
// canonical decomposition to their ASCII spelling; "" means no mapping.
func foldSpecial(r rune) string {
	switch r {
	case 'ß':
		return "ss"
	case 'ø':
		return "o"
	case 'ł':
		return "l"
	case 'đ', 'ð':
		return "d"
	case 'þ':
		return "th"
	case 'æ':
		return "ae"
	case 'œ':
		return "oe"
	case 'ı':
		return "i"
	case 'ħ':
		return "h"
	case 'ŧ':
		return "t"
	case 'ς': // Greek final sigma
		return "σ"
	}
	return ""
}

// HasHan reports whether s contains a Han character.
func HasHan(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.Is(unicode.Han, r) {
			return true
		}
		i += n
	}
	return false
}

// isCJK reports whether r belongs to a script written without spaces between
// words that Tokens splits into characters: Han, Hiragana, Katakana, Hangul.
func isCJK(r rune) bool {
	if r < 0x1100 {
		return false
	}
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r) ||
		r == 0x30FC // ー prolonged sound mark (script Common)
}

// Tokens returns the search terms of s: Fold(s) split into words on anything
// that is not a letter or digit. Runs of Han, Hiragana/Katakana or Hangul
// characters yield every single character and then every adjacent pair
// ("张伟明" -> "张", "伟", "明", "张伟", "伟明"); other words (Latin, Cyrillic,
// digits, ...) are returned whole. A whitespace-separated word containing '@'
// that is a valid e-mail address additionally yields the whole lowercased
// address, after its parts. Duplicates are removed keeping the order of first
// appearance; terms longer than 64 bytes are cut at a rune boundary.
// Terms are mostly substrings of one folded string, so Tokens allocates little.
func Tokens(s string) []string { return terms(s, false) }

// QueryTerms is Tokens for a search box query: the same rules, except that a
// Han (CJK) run of two or more characters yields only its adjacent pairs
// ("张伟" -> ["张伟"]) and a single character yields the character. Every
// query term is a term Tokens produces for the same text.
func QueryTerms(s string) []string { return terms(s, true) }

func terms(s string, query bool) []string {
	var ts termSet
	if strings.IndexByte(s, '@') < 0 {
		ts.addWords(Fold(s), query)
		return ts.terms
	}
	for _, chunk := range strings.FieldsFunc(s, isAddressSep) {
		ts.addWords(Fold(chunk), query)
		if strings.IndexByte(chunk, '@') >= 0 {
			if e, err := NormalizeEmail(strings.Trim(chunk, ".:;!?'")); err == nil {
				ts.add(e)
			}
		}
	}
	return ts.terms
}

// isAddressSep separates e-mail candidates in free text such as
// `"Ana" <ana@example.com>, bob@example.com`.
func isAddressSep(r rune) bool {
	switch r {
	case '<', '>', ',', ';', '(', ')', '[', ']', '{', '}', '"':
		return true
	}
	return unicode.IsSpace(r)
}

// linearDedupMax is the number of terms up to which termSet deduplicates by
// linear scan; beyond it a map is built.
const linearDedupMax = 32

type termSet struct {
	terms []string
	seen  map[string]struct{}
}

func (ts *termSet) add(t string) {
	t = truncate(t, maxTokenBytes)
	if t == "" {
		return
	}
	if ts.seen != nil {
		if _, ok := ts.seen[t]; ok {
			return
		}
		ts.seen[t] = struct{}{}
		ts.terms = append(ts.terms, t)
		return
	}
	for _, x := range ts.terms {
		if x == t {
			return
		}
	}
	if ts.terms == nil {
		ts.terms = make([]string, 0, 8)
	}
	ts.terms = append(ts.terms, t)
	if len(ts.terms) > linearDedupMax {
		ts.seen = make(map[string]struct{}, 2*len(ts.terms))
		for _, x := range ts.terms {
			ts.seen[x] = struct{}{}
		}
	}
}

// addWords adds the terms of f, a Fold result (words separated by one space).
func (ts *termSet) addWords(f string, query bool) {
	for f != "" {
		w := f
		if i := strings.IndexByte(f, ' '); i >= 0 {
			w, f = f[:i], f[i+1:]
		} else {
			f = ""
		}
		ts.addWord(w, query)
	}
}

// addWord splits a folded word into CJK runs and other runs.
func (ts *termSet) addWord(w string, query bool) {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		ts.add(w)
		return
	}
	start, cjk := 0, false
	for i, r := range w {
		if unicode.IsMark(r) {
			continue // a mark belongs to the run of its base character
		}
		c := isCJK(r)
		if i > start && c != cjk {
			ts.addRun(w[start:i], cjk, query)
			start = i
		}
		cjk = c
	}
	ts.addRun(w[start:], cjk, query)
}

func (ts *termSet) addRun(run string, cjk, query bool) {
	if !cjk {
		ts.add(run)
		return
	}
	first := nextUnit(run, 0)
	if !query || first == len(run) {
		for i := 0; i < len(run); {
			j := nextUnit(run, i)
			ts.add(run[i:j])
			i = j
		}
	}
	for i, j := 0, first; j < len(run); {
		k := nextUnit(run, j)
		ts.add(run[i:k])
		i, j = j, k
	}
}

// nextUnit returns the end of the character starting at s[i]: the rune and
// any combining marks that follow it.
func nextUnit(s string, i int) int {
	_, n := utf8.DecodeRuneInString(s[i:])
	i += n
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsMark(r) {
			break
		}
		i += n
	}
	return i
}

// truncate cuts s to at most max bytes at a rune boundary.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// collapseSpace trims s and replaces runs of white space with one ASCII
// space, returning s itself when nothing changes.
func collapseSpace(s string) string {
	clean := true
	prevSpace := true
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if sp && (prevSpace || r != ' ') {
			clean = false
			break
		}
		prevSpace = sp
	}
	if clean && !prevSpace {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
