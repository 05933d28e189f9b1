package match

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DisplayName builds a person's name for display. When given or family
// contains Han characters it is family+given with no space ("张"+"伟" ->
// "张伟"); middle is ignored unless it is also Han, then family+middle+given.
// Otherwise it is "given middle family" joined with single spaces, empty
// parts skipped. Each part is trimmed and its inner white space collapsed.
func DisplayName(given, middle, family string) string {
	given, middle, family = collapseSpace(given), collapseSpace(middle), collapseSpace(family)
	if HasHan(given) || HasHan(family) {
		if HasHan(middle) {
			return family + middle + given
		}
		return family + given
	}
	parts := [3]string{given, middle, family}
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}

// compoundSurnames are the common two-character Chinese surnames.
var compoundSurnames = map[string]bool{
	"欧阳": true, "司马": true, "诸葛": true, "上官": true, "东方": true,
	"皇甫": true, "尉迟": true, "公孙": true, "慕容": true, "令狐": true,
	"长孙": true, "宇文": true, "司徒": true, "夏侯": true, "端木": true,
}

// isNameDot reports whether r is a middle dot used between the parts of a
// transliterated name ("约翰·史密斯").
func isNameDot(r rune) bool {
	return r == '·' || r == '・' || r == '‧' || r == '•'
}

// SplitFullName splits a full name into given, middle and family names.
// The rules, in order:
//
//   - A Han name without spaces ("张伟"): family is the first character, or
//     the first two when they are a common compound surname ("欧阳娜娜" ->
//     "欧阳", "娜娜"); given is the rest. A transliterated name with middle
//     dots ("约翰·史密斯") is split at the dots, given first.
//   - "Last, First Middle" (with a comma): family is the text before the
//     first comma, given the next word, middle the remaining words.
//   - A name made only of space-separated Han words ("张 伟") is taken as
//     family-first: family the first word, given the last, middle between.
//   - Otherwise the first word is given, the last word family, anything
//     between middle; a single word is the given name.
//
// There is no special handling of particles ("van der Berg") or of Spanish
// double surnames ("María José García López" -> "María", "José García",
// "López"); Japanese kanji names follow the Chinese rule.
func SplitFullName(full string) (given, middle, family string) {
	full = strings.TrimSpace(full)
	if full == "" {
		return "", "", ""
	}
	if i := strings.IndexByte(full, ','); i >= 0 {
		family = collapseSpace(full[:i])
		rest := strings.Fields(strings.ReplaceAll(full[i+1:], ",", " "))
		if len(rest) > 0 {
			given = rest[0]
			middle = strings.Join(rest[1:], " ")
		}
		return given, middle, family
	}
	fields := strings.Fields(full)
	if len(fields) == 1 && allHanName(full) {
		return splitHanName(full)
	}
	if len(fields) > 1 && allHanFields(fields) {
		return fields[len(fields)-1], strings.Join(fields[1:len(fields)-1], " "), fields[0]
	}
	if len(fields) == 1 {
		return fields[0], "", ""
	}
	return fields[0], strings.Join(fields[1:len(fields)-1], " "), fields[len(fields)-1]
}

// allHanName reports whether s is made of Han characters and name dots only,
// with at least one Han character.
func allHanName(s string) bool {
	han := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			han = true
		case isNameDot(r):
		default:
			return false
		}
	}
	return han
}

func allHanFields(fields []string) bool {
	for _, f := range fields {
		for _, r := range f {
			if !unicode.Is(unicode.Han, r) {
				return false
			}
		}
	}
	return true
}

func splitHanName(s string) (given, middle, family string) {
	if strings.IndexFunc(s, isNameDot) >= 0 {
		parts := strings.FieldsFunc(s, isNameDot)
		switch len(parts) {
		case 0:
			return "", "", ""
		case 1:
			return parts[0], "", ""
		}
		return parts[0], strings.Join(parts[1:len(parts)-1], "·"), parts[len(parts)-1]
	}
	_, n1 := utf8.DecodeRuneInString(s)
	if n1 == len(s) {
		return "", "", s
	}
	_, n2 := utf8.DecodeRuneInString(s[n1:])
	if compoundSurnames[s[:n1+n2]] {
		return s[n1+n2:], "", s[:n1+n2]
	}
	return s[n1:], "", s[:n1]
}

// NameKey is a blocking key for duplicate detection of person names: the
// words of Fold(s) sorted and joined by one space ("Wei Zhang" and
// "zhang wei" -> "wei zhang"). Han, kana and Hangul characters, which are
// written without reliable spaces, are gathered into one word whose
// characters are sorted ("张伟" and "伟 张" give the same key). Repeated
// words are kept.
func NameKey(s string) string {
	f := Fold(s)
	if f == "" || strings.IndexByte(f, ' ') < 0 && !hasNonASCII(f) {
		return f
	}
	words := make([]string, 0, 4)
	var cjk []rune
	for w := range strings.SplitSeq(f, " ") {
		start, prevCJK := -1, false // start of the current non-CJK run
		for i, r := range w {
			switch {
			case isCJK(r), prevCJK && unicode.IsMark(r):
				if start >= 0 {
					words = append(words, w[start:i])
					start = -1
				}
				cjk = append(cjk, r)
				prevCJK = true
				continue
			case start < 0:
				start = i
			}
			prevCJK = false
		}
		if start >= 0 {
			words = append(words, w[start:])
		}
	}
	if len(cjk) > 0 {
		slices.Sort(cjk)
		words = append(words, string(cjk))
	}
	slices.Sort(words)
	return strings.Join(words, " ")
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// Limits of NameSimilarity: names are compared on at most maxNameTokens
// words and maxNameRunes runes each; the rest is ignored. Real names are far
// below both, and the limits keep the comparison allocation-free.
const (
	maxNameTokens = 16
	maxNameRunes  = 256
)

// nameTok is a token of a name: runes[start:end] of its name's rune buffer.
type nameTok struct {
	start, end int
	cjk        bool
}

// NameSimilarity scores two person or company names from 0 (nothing in
// common) to 1 (equal after Fold). An empty name scores 0 against anything.
//
// Words are compared with Jaro-Winkler (a one-letter initial against a word
// starting with it scores 0.9) and paired greedily, best pair first, so word
// order does not matter ("Zhang Wei" vs "Wei Zhang" = 1). The score is the
// average of the pair scores weighted by word length. A word without a
// partner counts as a zero-score word: in full when it is the first or last
// word of the longer name ("John" vs "John Smith" ≈ 0.6), at 30% when it
// lies between paired words, so a missing middle name costs little
// ("Ana María López" vs "Ana López" ≈ 0.91).
//
// Han, kana and Hangul characters are joined into one word and compared by
// character overlap (Dice coefficient) blended with Jaro-Winkler for order:
// 张伟 vs 伟张 = 0.95, 张伟 vs 张玮 = 0.6. Such a word never matches a Latin
// one (there is no transliteration). NameSimilarity is symmetric.
func NameSimilarity(a, b string) float64 {
	return FoldedNameSimilarity(Fold(a), Fold(b))
}

// FoldedNameSimilarity is NameSimilarity of names already passed through
// Fold, for callers that compare one name with many.
func FoldedNameSimilarity(fa, fb string) float64 {
	if fa == "" || fb == "" {
		return 0
	}
	if fa == fb {
		return 1
	}
	if fa > fb { // canonical order keeps the greedy pairing symmetric
		fa, fb = fb, fa
	}
	var ra, rb [maxNameRunes]rune
	var ta, tb [maxNameTokens]nameTok
	na := splitName(fa, &ra, &ta)
	nb := splitName(fb, &rb, &tb)
	if na == 0 || nb == 0 {
		return 0
	}
	// Let a be the name with fewer tokens; unpaired tokens are then in b.
	short, long := ta[:na], tb[:nb]
	rs, rl := ra[:], rb[:]
	if na > nb {
		short, long, rs, rl = long, short, rl, rs
	}
	var sim [maxNameTokens][maxNameTokens]float64
	for i, x := range short {
		for j, y := range long {
			sim[i][j] = tokenSimilarity(rs[x.start:x.end], rl[y.start:y.end], x.cjk, y.cjk)
		}
	}
	var usedS, usedL uint32
	var num, den float64
	for range short {
		bi, bj, best := -1, -1, -1.0
		for i := range short {
			if usedS&(1<<i) != 0 {
				continue
			}
			for j := range long {
				if usedL&(1<<j) == 0 && sim[i][j] > best {
					bi, bj, best = i, j, sim[i][j]
				}
			}
		}
		usedS |= 1 << bi
		usedL |= 1 << bj
		w := float64(short[bi].end - short[bi].start + long[bj].end - long[bj].start)
		num += best * w
		den += w
	}
	first, last := -1, -1
	for j := range long {
		if usedL&(1<<j) != 0 {
			if first < 0 {
				first = j
			}
			last = j
		}
	}
	for j, y := range long {
		if usedL&(1<<j) != 0 {
			continue
		}
		w := float64(y.end - y.start)
		if j > first && j < last {
			w *= 0.3
		}
		den += w
	}
	if den == 0 {
		return 0
	}
	return min(1, num/den)
}

// splitName decodes the folded name f into runes and tokens: one token per
// non-CJK run, then one token holding all CJK characters in order. It
// returns the number of tokens.
func splitName(f string, runes *[maxNameRunes]rune, toks *[maxNameTokens]nameTok) int {
	n, nt := 0, 0
	cjkRunes := false
	start := -1 // start of the current non-CJK token in runes, -1 if none
	flush := func() {
		if start >= 0 && n > start && nt < maxNameTokens {
			toks[nt] = nameTok{start: start, end: n}
			nt++
		}
		start = -1
	}
	for _, r := range f {
		if n == maxNameRunes {
			break
		}
		switch {
		case r == ' ':
			flush()
		case isCJK(r):
			cjkRunes = true
			flush()
		default:
			if start < 0 {
				start = n
			}
			runes[n] = r
			n++
		}
	}
	flush()
	if cjkRunes && nt < maxNameTokens {
		start := n
		for _, r := range f {
			if n == maxNameRunes {
				break
			}
			if isCJK(r) {
				runes[n] = r
				n++
			}
		}
		if n > start {
			toks[nt] = nameTok{start: start, end: n, cjk: true}
			nt++
		}
	}
	return nt
}

// tokenSimilarity compares two name tokens.
func tokenSimilarity(a, b []rune, aCJK, bCJK bool) float64 {
	if aCJK != bCJK {
		return 0
	}
	if slices.Equal(a, b) {
		return 1
	}
	if aCJK {
		return cjkSimilarity(a, b)
	}
	// An initial matches a word starting with it: "J" vs "John".
	if len(a) == 1 && len(b) > 1 && a[0] == b[0] || len(b) == 1 && len(a) > 1 && a[0] == b[0] {
		return 0.9
	}
	return jaroWinkler(a, b)
}

// cjkSimilarity blends the Dice coefficient of the character multisets
// (order-insensitive) with Jaro-Winkler (order-sensitive).
func cjkSimilarity(a, b []rune) float64 {
	var used [maxNameRunes]bool
	common := 0
	for _, r := range a {
		for j, s := range b {
			if !used[j] && s == r {
				used[j] = true
				common++
				break
			}
		}
	}
	dice := 2 * float64(common) / float64(len(a)+len(b))
	return max(0.95*dice, (dice+jaroWinkler(a, b))/2)
}
