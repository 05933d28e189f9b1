package match

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// companyNoise are folded words CompanyKey drops: legal forms and noise.
var companyNoise = map[string]bool{
	"inc": true, "incorporated": true, "ltd": true, "llc": true, "llp": true,
	"gmbh": true, "kg": true, "ag": true, "sa": true, "sl": true, "sas": true,
	"srl": true, "ltda": true, "sarl": true, "corp": true, "corporation": true,
	"co": true, "company": true, "limited": true, "plc": true, "bv": true,
	"nv": true, "pty": true, "the": true,
	"有限公司": true, "有限责任公司": true, "股份有限公司": true, "公司": true, "集团": true,
}

// hanCompanySuffixes are stripped from the end of a Han word, longest first
// ("北京华为技术有限公司" -> "北京华为技术").
var hanCompanySuffixes = []string{"股份有限公司", "有限责任公司", "有限公司", "公司", "集团"}

// CompanyKey folds a company name and removes legal-form suffixes and noise
// words (inc, ltd, llc, gmbh, s.a., sa, s.l., sl, sas, srl, corp,
// corporation, co, company, limited, plc, ag, bv, the, and also
// incorporated, llp, kg, ltda, sarl, nv, pty), and the Chinese forms
// 有限公司, 有限责任公司, 股份有限公司, 公司, 集团 whether standing alone or
// ending a word. It returns the remaining folded words joined by a space:
// "The ACME, Inc." -> "acme", "Grupo Pérez S.A." -> "grupo perez",
// "北京华为技术有限公司" -> "北京华为技术". Dotted abbreviations are joined
// before folding ("S.A." -> "sa", "L.L.C." -> "llc"). When nothing but noise
// remains ("The Company") the folded name is returned unfiltered, so the key
// is empty only for a name without letters or digits.
func CompanyKey(s string) string {
	var b strings.Builder
	for chunk := range strings.FieldsFuncSeq(s, isCompanySep) {
		if abbr, ok := joinAbbreviation(chunk); ok {
			chunk = abbr
		}
		for w := range strings.SplitSeq(Fold(chunk), " ") {
			w = stripHanSuffixes(w)
			if w == "" || companyNoise[w] {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
	}
	if b.Len() == 0 {
		return Fold(s)
	}
	return b.String()
}

func isCompanySep(r rune) bool { return r == ',' || unicode.IsSpace(r) }

// joinAbbreviation turns "S.A." or "s.r.l" (single letters separated by
// dots) into "SA" / "srl".
func joinAbbreviation(s string) (string, bool) {
	s = strings.TrimSuffix(s, ".")
	if strings.IndexByte(s, '.') < 0 {
		return "", false
	}
	var buf [16]byte
	out := buf[:0]
	for part := range strings.SplitSeq(s, ".") {
		r, n := utf8.DecodeRuneInString(part)
		if n == 0 || n != len(part) || !unicode.IsLetter(r) {
			return "", false
		}
		out = append(out, part...)
	}
	return string(out), true
}

func stripHanSuffixes(w string) string {
	for changed := true; changed && w != ""; {
		changed = false
		for _, suf := range hanCompanySuffixes {
			if strings.HasSuffix(w, suf) {
				w = w[:len(w)-len(suf)]
				changed = true
				break
			}
		}
	}
	return w
}

// Domain normalises a website or domain the user typed to its lowercased
// host name without "www." ("https://www.Example.com/about" ->
// "example.com", "WWW.example.co.uk" -> "example.co.uk"). A scheme, user
// info, port, path, query, fragment and trailing dot are removed; an e-mail
// address yields its domain. It returns "" when there is no plausible host:
// the host must have at least two non-empty labels of letters, digits and
// '-', and no spaces. Full-width input is folded first.
func Domain(s string) string {
	s = strings.TrimSpace(s)
	if hasNonASCII(s) {
		s = width.Fold.String(s)
	}
	s = strings.ToLower(s)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	} else {
		s = strings.TrimPrefix(s, "//")
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	if rest, ok := strings.CutPrefix(s, "www."); ok && strings.IndexByte(rest, '.') >= 0 {
		s = rest
	}
	if !validHost(s) {
		return ""
	}
	return s
}
