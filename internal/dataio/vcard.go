package dataio

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/quotedprintable"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
	"golang.org/x/text/encoding/htmlindex"
)

// Typed is an e-mail address or phone number with its label.
type Typed struct {
	Value string
	// Type is the lowercased TYPE list without the generic values "pref",
	// "internet", "voice" and "x400", comma-joined ("work", "cell",
	// "work,fax"); when that is empty, an Apple X-ABLabel of the same group
	// ("mobile", "iphone", a custom label) stands in.
	Type string
	// Pref is true for the preferred value: TYPE=pref (vCard 2.1, 3.0) or
	// PREF=1 (4.0).
	Pref bool
}

// Card is a contact read from, or to be written to, a vCard, in neutral
// form. Only what a CRM contact keeps is carried; photos, keys and sounds are
// skipped without being held in memory.
type Card struct {
	UID        string
	FullName   string // FN; when absent, composed from N
	GivenName  string
	FamilyName string
	MiddleName string // N's additional names
	Emails     []Typed
	Phones     []Typed
	Org        string // ORG's first component, the organisation name
	Title      string
	// The address is the preferred ADR, else the work one, else the first.
	// Street includes the extended address ("Apt 2") after a comma.
	Street     string
	City       string
	Region     string
	PostalCode string
	Country    string
	// Birthday is "YYYY-MM-DD", or "--MM-DD" when the year is unknown
	// (vCard 4.0 "--0412", Apple's year 1604), or "" when absent or not a
	// date.
	Birthday   string
	Note       string
	Categories []string
	Language   string // LANG, e.g. "es" or "zh-CN"
	TimeZone   string // TZ as given: an IANA name or a UTC offset
	URL        string

	// Line is where the card starts in the input (BEGIN:VCARD), for
	// messages; WriteVCard ignores it.
	Line int
}

// VCardOptions configures ReadVCardsWith.
type VCardOptions struct {
	// Encoding is passed to NewDecoder: "" detects it. vCard 2.1 values
	// with CHARSET and QUOTED-PRINTABLE are decoded whatever it is.
	Encoding string
	// MaxCardBytes is the most bytes one card may take, not counting the
	// skipped PHOTO, LOGO, SOUND and KEY properties (default 1 MiB).
	MaxCardBytes int
}

// ReadVCards reads the vCards of r one at a time and calls fn with each,
// stopping at fn's first error, which it returns as is. It reads vCard 2.1
// (including QUOTED-PRINTABLE and CHARSET, and bare TYPE values as Android
// and Outlook write them), 3.0 and 4.0; text outside BEGIN:VCARD …
// END:VCARD is ignored. Input with no card returns ErrEmpty; a card larger
// than the limit, an error wrapping ErrRecordTooLarge that names its line.
func ReadVCards(r io.Reader, fn func(Card) error) error {
	return ReadVCardsWith(r, VCardOptions{}, fn)
}

// ReadVCardsWith is ReadVCards with options.
func ReadVCardsWith(r io.Reader, opts VCardOptions, fn func(Card) error) error {
	dec, enc, err := NewDecoder(r, opts.Encoding)
	if err != nil {
		return err
	}
	max := opts.MaxCardBytes
	if max <= 0 {
		max = DefaultMaxRecordBytes
	}
	s := &vcardScanner{br: bufio.NewReaderSize(dec, 64<<10), max: max, enc: enc}
	cards := 0
	for {
		body, line, err := s.nextCard()
		if err == io.EOF {
			if cards == 0 {
				return fmt.Errorf("%w: no vCard found", ErrEmpty)
			}
			return nil
		}
		cards++
		if err != nil {
			return fmt.Errorf("vcard %d (line %d): %w", cards, line, err)
		}
		var vc vcard.Card
		err = guard("vcard", func() error {
			var err error
			vc, err = vcard.NewDecoder(bytes.NewReader(body)).Decode()
			return err
		})
		if err != nil {
			return fmt.Errorf("vcard %d (line %d): %w", cards, line, err)
		}
		c := cardFrom(vc)
		c.Line = line
		if err := fn(c); err != nil {
			return err
		}
	}
}

// vcardScanner splits the input into cards, unfolding lines and turning each
// into the plain form go-vcard parses (see normaliseLine).
type vcardScanner struct {
	br   *bufio.Reader
	max  int
	enc  string // encoding of the stream, the default CHARSET
	line int    // physical lines consumed
	card bytes.Buffer
}

// skippedProps are binary properties a CRM contact does not keep; they are
// the big ones, so they are dropped while reading rather than buffered.
var skippedProps = map[string]bool{"PHOTO": true, "LOGO": true, "SOUND": true, "KEY": true}

// nextCard returns the next card, BEGIN and END lines included, in the
// normalised form, and the line it starts on.
func (s *vcardScanner) nextCard() ([]byte, int, error) {
	depth, start := 0, 0
	for {
		l, skipped, err := s.logicalLine()
		if err == io.EOF {
			if depth > 0 {
				return nil, start, fmt.Errorf("missing END:VCARD")
			}
			return nil, 0, io.EOF
		}
		if err != nil {
			if depth == 0 {
				start = s.line // a line too long outside any card
			}
			return nil, start, err
		}
		l = bytes.TrimSpace(l)
		if skipped || len(l) == 0 {
			continue
		}
		var t string
		if len(l) <= len("BEGIN:VCARD") {
			t = strings.ToUpper(string(l))
		}
		switch {
		case t == "BEGIN:VCARD":
			depth++
			if depth == 1 {
				start = s.line
				s.card.Reset()
				s.card.WriteString("BEGIN:VCARD\r\n")
			}
			continue
		case t == "END:VCARD" && depth > 0:
			depth--
			if depth == 0 {
				s.card.WriteString("END:VCARD\r\n")
				return s.card.Bytes(), start, nil
			}
			continue
		}
		if depth != 1 { // outside a card, or inside a nested AGENT card
			continue
		}
		if n := propName(l); n == "BEGIN" || n == "END" {
			continue // a stray component line would make go-vcard give up
		}
		s.card.WriteString(normaliseLine(string(l), s.enc))
		s.card.WriteString("\r\n")
		if s.card.Len() > s.max {
			return nil, start, fmt.Errorf("%w: more than %d bytes", ErrRecordTooLarge, s.max)
		}
	}
}

// logicalLine reads one unfolded line: continuation lines (starting with a
// space or tab) are joined, and so are vCard 2.1 quoted-printable soft line
// breaks ("=" at the end). A line of a skipped property is consumed without
// being kept and reported with skipped set.
func (s *vcardScanner) logicalLine() (line []byte, skipped bool, err error) {
	first, err := s.physical(nil, s.max+1)
	if err != nil && len(first) == 0 {
		return nil, false, err
	}
	skipped = skippedProps[propName(first)]
	if skipped {
		first = nil
	}
	line = first
	for {
		if !skipped && len(line) > 0 && line[len(line)-1] == '=' && isQuotedPrintable(line) {
			line = line[:len(line)-1]
			if line, err = s.physical(line, s.max+1); err != nil {
				return line, false, nil
			}
			if len(line) > s.max {
				return nil, false, fmt.Errorf("%w: more than %d bytes", ErrRecordTooLarge, s.max)
			}
			continue
		}
		next, perr := s.br.Peek(1)
		if perr != nil || (next[0] != ' ' && next[0] != '\t') {
			return line, skipped, nil
		}
		_, _ = s.br.Discard(1)
		if skipped {
			if _, err := s.physical(nil, 0); err != nil {
				return nil, true, nil
			}
			continue
		}
		if line, err = s.physical(line, s.max+1); err != nil {
			return line, false, nil
		}
		if len(line) > s.max {
			return nil, false, fmt.Errorf("%w: more than %d bytes", ErrRecordTooLarge, s.max)
		}
	}
}

// physical appends the next physical line, without its line break, to dst.
// It keeps at most limit bytes of it (0: keep none) and discards the rest,
// so a line too long fails in the caller rather than filling memory.
func (s *vcardScanner) physical(dst []byte, limit int) ([]byte, error) {
	kept := 0
	for {
		chunk, err := s.br.ReadSlice('\n')
		if n := min(len(chunk), limit-kept); n > 0 {
			dst = append(dst, chunk[:n]...)
			kept += n
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(chunk) > 0 {
			s.line++
		}
		dst = bytes.TrimRight(dst, "\r\n")
		if err == io.EOF && len(chunk) > 0 {
			err = nil
		}
		return dst, err
	}
}

// propName returns the upper-case property name of a content line, without
// its group.
func propName(l []byte) string {
	end := bytes.IndexAny(l, ";:")
	if end < 0 {
		end = len(l)
	}
	name := l[:end]
	if i := bytes.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return strings.ToUpper(string(bytes.TrimSpace(name)))
}

func isQuotedPrintable(l []byte) bool {
	colon := bytes.IndexByte(l, ':')
	if colon < 0 {
		return false
	}
	return bytes.Contains(bytes.ToUpper(l[:colon]), []byte("QUOTED-PRINTABLE"))
}

// Placeholders for escaped separators. go-vcard unescapes "\," to ","
// before a caller can split CATEGORIES on commas, and leaves "\;" for N and
// ADR to be split wrongly, so normaliseLine swaps them for private-use
// characters that cardFrom turns back after splitting.
const (
	escSemicolon = '\uE000'
	escComma     = '\uE001'
)

// normaliseLine rewrites one unfolded content line into the form go-vcard
// parses correctly: vCard 2.1 bare parameters become TYPE=…, QUOTED-PRINTABLE,
// BASE64 and CHARSET values are decoded to UTF-8 and the parameters dropped,
// and escaped separators become placeholders. Decoded bytes without a
// CHARSET are in streamEnc, the encoding of the file.
func normaliseLine(l, streamEnc string) string {
	colon := indexUnquoted(l, ':')
	if colon < 0 {
		return l // not a property; go-vcard skips it
	}
	head, value := l[:colon], l[colon+1:]
	parts := splitUnquoted(head, ';')
	var b strings.Builder
	b.Grow(len(l) + 8)
	b.WriteString(parts[0])
	var encodingName, charset string
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, hasEq := strings.Cut(p, "=")
		if !hasEq {
			switch u := strings.ToUpper(p); u {
			case "QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT":
				encodingName = u
			default:
				b.WriteString(";TYPE=")
				b.WriteString(p)
			}
			continue
		}
		switch strings.ToUpper(k) {
		case "ENCODING":
			encodingName = strings.ToUpper(strings.Trim(v, `"`))
			continue
		case "CHARSET":
			charset = strings.Trim(v, `"`)
			continue
		}
		b.WriteByte(';')
		b.WriteString(p)
	}
	b.WriteByte(':')

	decoded := false
	switch encodingName {
	case "QUOTED-PRINTABLE":
		if v, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(value))); err == nil {
			value, decoded = string(v), true
		}
	case "BASE64", "B":
		if v, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(value), "")); err == nil {
			value, decoded = string(v), true
		}
	}
	// CHARSET matters only for bytes just decoded: the rest of the stream
	// is UTF-8 already (see NewDecoder).
	if charset == "" && (streamEnc == EncodingWindows1252 || streamEnc == EncodingGB18030) {
		charset = streamEnc
	}
	if decoded && charset != "" && !strings.EqualFold(charset, "utf-8") {
		if enc, err := htmlindex.Get(charset); err == nil {
			if v, err := enc.NewDecoder().String(value); err == nil {
				value, decoded = v, true
			}
		}
	}
	if decoded {
		// A decoded value holds raw line breaks, which would end the line.
		value = strings.ToValidUTF8(value, "\uFFFD")
		value = strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(value)
	}
	writeEscaped(&b, value)
	return b.String()
}

// writeEscaped copies a raw vCard value, replacing the escapes go-vcard
// handles wrongly or not at all: "\;" and "\," become placeholders, "\N"
// becomes "\n", "\:" becomes ":"; "\\" and "\n" pass through for go-vcard.
func writeEscaped(b *strings.Builder, v string) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && i+1 < len(v):
			i++
			switch v[i] {
			case ';':
				b.WriteRune(escSemicolon)
			case ',':
				b.WriteRune(escComma)
			case 'n', 'N':
				b.WriteString(`\n`)
			case '\\':
				b.WriteString(`\\`)
			default:
				b.WriteByte(v[i])
			}
		case c == 0xEE && strings.HasPrefix(v[i:], "\uE000"), c == 0xEE && strings.HasPrefix(v[i:], "\uE001"):
			b.WriteRune(utf8.RuneError) // keep the placeholders unambiguous
			i += 2
		default:
			b.WriteByte(c)
		}
	}
}

// indexUnquoted returns the index of the first sep outside double quotes.
func indexUnquoted(s string, sep byte) int {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case sep:
			if !quoted {
				return i
			}
		}
	}
	return -1
}

// splitUnquoted splits s at every sep outside double quotes.
func splitUnquoted(s string, sep byte) []string {
	var parts []string
	for {
		i := indexUnquoted(s, sep)
		if i < 0 {
			return append(parts, s)
		}
		parts = append(parts, s[:i])
		s = s[i+1:]
	}
}

var placeholderRestorer = strings.NewReplacer(string(escSemicolon), ";", string(escComma), ",")

// vtext cleans a parsed value: placeholders back to separators, and
// surrounding white space trimmed.
func vtext(s string) string {
	s = placeholderRestorer.Replace(s)
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	return strings.TrimSpace(stripControls(s))
}

// stripControls drops the C0 control characters other than tab, line feed
// and carriage return (which the callers turn into line feeds), and DEL: they have no place in contact data, and a NUL (which a
// quoted-printable "=00" can produce) would make the file look binary.
func stripControls(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return strings.Map(func(r rune) rune {
				if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
					return -1
				}
				return r
			}, s)
		}
	}
	return s
}

// components splits a structured value (N, ADR, ORG) at its unescaped
// semicolons and returns n parts, the missing ones "".
func components(s string, n int) []string {
	parts := strings.Split(s, ";")
	out := make([]string, n)
	for i := range out {
		if i < len(parts) {
			out[i] = vtext(parts[i])
		}
	}
	return out
}

func cardFrom(vc vcard.Card) Card {
	var c Card
	first := func(k string) *vcard.Field {
		if fs := vc[k]; len(fs) > 0 {
			return fs[0]
		}
		return nil
	}
	if f := first(vcard.FieldUID); f != nil {
		c.UID = vtext(f.Value)
	}
	if f := first(vcard.FieldFormattedName); f != nil {
		c.FullName = vtext(f.Value)
	}
	if f := first(vcard.FieldName); f != nil {
		n := components(f.Value, 3)
		c.FamilyName, c.GivenName, c.MiddleName = n[0], n[1], n[2]
	}
	if c.FullName == "" {
		c.FullName = composeName(c.GivenName, c.MiddleName, c.FamilyName)
	}

	labels := map[string]string{} // Apple: group → X-ABLabel
	for _, f := range vc["X-ABLABEL"] {
		if f.Group != "" {
			labels[strings.ToLower(f.Group)] = appleLabel(vtext(f.Value))
		}
	}
	for _, f := range vc[vcard.FieldEmail] {
		if v := trimScheme(vtext(f.Value), "mailto:"); v != "" {
			c.Emails = append(c.Emails, typed(v, f, labels))
		}
	}
	for _, f := range vc[vcard.FieldTelephone] {
		if v := trimScheme(vtext(f.Value), "tel:"); v != "" {
			c.Phones = append(c.Phones, typed(v, f, labels))
		}
	}
	if f := first(vcard.FieldOrganization); f != nil {
		c.Org = components(f.Value, 1)[0]
	}
	if f := first(vcard.FieldTitle); f != nil {
		c.Title = vtext(f.Value)
	}
	if f := pickAddress(vc[vcard.FieldAddress]); f != nil {
		a := components(f.Value, 7) // PO box; extended; street; locality; region; code; country
		c.Street = a[2]
		if a[1] != "" {
			c.Street = strings.TrimPrefix(c.Street+", "+a[1], ", ")
		}
		c.City, c.Region, c.PostalCode, c.Country = a[3], a[4], a[5], a[6]
	}
	if f := first(vcard.FieldBirthday); f != nil {
		c.Birthday = normaliseBirthday(f.Value, f.Params.Get("X-APPLE-OMIT-YEAR"))
	}
	var notes []string
	for _, f := range vc[vcard.FieldNote] {
		if v := vtext(f.Value); v != "" {
			notes = append(notes, v)
		}
	}
	c.Note = strings.Join(notes, "\n\n")
	for _, f := range vc[vcard.FieldCategories] {
		for _, cat := range strings.Split(f.Value, ",") {
			if cat = vtext(cat); cat != "" && !slices.Contains(c.Categories, cat) {
				c.Categories = append(c.Categories, cat)
			}
		}
	}
	if f := first(vcard.FieldLanguage); f != nil {
		c.Language = vtext(f.Value)
	}
	if f := first(vcard.FieldTimezone); f != nil {
		c.TimeZone = vtext(f.Value)
	}
	if f := first(vcard.FieldURL); f != nil {
		c.URL = vtext(f.Value)
	}
	return c
}

// trimScheme removes a URI scheme (any case, repeated) from an e-mail or
// phone value.
func trimScheme(v, scheme string) string {
	for len(v) >= len(scheme) && strings.EqualFold(v[:len(scheme)], scheme) {
		v = strings.TrimSpace(v[len(scheme):])
	}
	return v
}

// composeName joins name parts with spaces, or without when they are all
// Chinese, Japanese or Korean (张 + 伟 is 张伟, family name first).
func composeName(given, middle, family string) string {
	if family != "" && given != "" && middle == "" && allHan(family+given) {
		return family + given
	}
	var parts []string
	for _, p := range []string{given, middle, family} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

func allHan(s string) bool {
	for _, r := range s {
		if !unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana) {
			return false
		}
	}
	return s != ""
}

// genericTypes are TYPE values that say nothing a person would call a label.
var genericTypes = map[string]bool{"pref": true, "internet": true, "voice": true, "x400": true}

func typed(v string, f *vcard.Field, labels map[string]string) Typed {
	t := Typed{Value: v}
	var types []string
	for _, ty := range f.Params[vcard.ParamType] {
		for _, ty := range strings.Split(ty, ",") {
			ty = cleanType(vtext(ty))
			switch {
			case ty == "pref":
				t.Pref = true
			case ty == "" || genericTypes[ty] || slices.Contains(types, ty):
			default:
				types = append(types, ty)
			}
		}
	}
	if p := strings.TrimSpace(f.Params.Get(vcard.ParamPreferred)); p == "1" {
		t.Pref = true
	}
	t.Type = strings.Join(types, ",")
	if l := labels[strings.ToLower(f.Group)]; t.Type == "" && f.Group != "" && !genericTypes[l] {
		t.Type = l
	}
	return t
}

// cleanType makes one TYPE value or label something a parameter can hold
// unquoted: lowercase, with separators, quotes, backslashes and control
// characters turned into spaces, runs of spaces collapsed. Reader and
// writer both apply it, so a type survives a round trip.
func cleanType(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == ';', r == ':', r == ',', r == '"', r == '\\', r < 0x20, r == 0x7f:
			return ' '
		}
		return r
	}, s)
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// appleLabel turns "_$!<Mobile>!$_" into "mobile"; a custom label is
// lowercased.
func appleLabel(s string) string {
	s = strings.TrimPrefix(s, "_$!<")
	s = strings.TrimSuffix(s, ">!$_")
	return cleanType(s)
}

func pickAddress(fs []*vcard.Field) *vcard.Field {
	if len(fs) == 0 {
		return nil
	}
	for _, f := range fs {
		if f.Params.HasType("pref") || f.Params.Get(vcard.ParamPreferred) == "1" {
			return f
		}
	}
	for _, f := range fs {
		if f.Params.HasType("work") {
			return f
		}
	}
	return fs[0]
}

// normaliseBirthday reads the date forms of vCard 2.1 to 4.0 and returns
// "YYYY-MM-DD", "--MM-DD" or "" (see Card.Birthday).
func normaliseBirthday(v, omitYear string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, 'T'); i >= 0 {
		v = v[:i]
	}
	if strings.HasPrefix(v, "--") { // --MMDD or --MM-DD
		md := strings.ReplaceAll(v[2:], "-", "")
		if _, err := time.Parse("0102", md); err == nil && len(md) == 4 {
			return "--" + md[:2] + "-" + md[2:]
		}
		return ""
	}
	compact := strings.ReplaceAll(v, "-", "")
	if len(compact) != 8 {
		return ""
	}
	t, err := time.Parse("20060102", compact)
	if err != nil {
		return ""
	}
	if omitYear != "" && compact[:4] == omitYear {
		return t.Format("--01-02")
	}
	return t.Format("2006-01-02")
}

// Row returns the card as a row keyed by the canonical contact field names
// MatchHeader uses, so the importer can treat a vCard like a CSV row. Only
// non-empty fields are present. Lists (emails, phones, tags) are joined with
// ", ", the preferred e-mail and phone first; SplitList splits them again.
// The UID is the external_id; ORG is the account.
func (c Card) Row() map[string]string {
	m := make(map[string]string, 16)
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set("given_name", c.GivenName)
	set("middle_name", c.MiddleName)
	set("family_name", c.FamilyName)
	set("full_name", c.FullName)
	set("emails", joinTyped(c.Emails))
	set("phones", joinTyped(c.Phones))
	set("job_title", c.Title)
	set("account", c.Org)
	set("street", c.Street)
	set("city", c.City)
	set("region", c.Region)
	set("postal_code", c.PostalCode)
	set("country", c.Country)
	set("language", c.Language)
	set("time_zone", c.TimeZone)
	set("birthday", c.Birthday)
	set("tags", strings.Join(c.Categories, ", "))
	set("description", c.Note)
	set("external_id", c.UID)
	return m
}

func joinTyped(ts []Typed) string {
	vals := make([]string, 0, len(ts))
	for _, t := range ts {
		if t.Pref {
			vals = append(vals, t.Value)
		}
	}
	for _, t := range ts {
		if !t.Pref {
			vals = append(vals, t.Value)
		}
	}
	return strings.Join(vals, ", ")
}

// SplitList splits a cell that holds several values (e-mails, phones, tags)
// at commas, semicolons and line breaks, trims them and drops empty ones.
func SplitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '\n' || r == '\r'
	})
	out := f[:0]
	for _, v := range f {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// WriteVCard writes c as a vCard 4.0 (RFC 6350).
func WriteVCard(w io.Writer, c Card) error {
	return WriteVCardVersion(w, c, "4.0")
}

// WriteVCardVersion writes c as a vCard of version "4.0" or "3.0": CRLF line
// ends, text escaped, lines folded at 75 octets without splitting a UTF-8
// sequence. FN is always written (composed from the name parts, else the
// organisation, else the first e-mail, as FN is required); N is always
// written too, which 3.0 requires. Version 3.0 has no LANG, so Language is
// not written there.
func WriteVCardVersion(w io.Writer, c Card, version string) error {
	if version != "4.0" && version != "3.0" {
		return fmt.Errorf("vcard version %q: want 4.0 or 3.0", version)
	}
	v4 := version == "4.0"
	var b bytes.Buffer
	line := func(name, params, value string) {
		writeFolded(&b, name+params+":"+value)
	}
	b.WriteString("BEGIN:VCARD\r\nVERSION:" + version + "\r\n")
	if c.UID != "" {
		line("UID", "", escapeURI(c.UID))
	}
	line("FN", "", escapeText(formattedName(c)))
	line("N", "", escapeText(c.FamilyName)+";"+escapeText(c.GivenName)+";"+escapeText(c.MiddleName)+";;")
	for _, e := range c.Emails {
		line("EMAIL", typeParams(e, v4), escapeText(e.Value))
	}
	for _, p := range c.Phones {
		line("TEL", typeParams(p, v4), escapeText(p.Value))
	}
	if c.Org != "" {
		line("ORG", "", escapeText(c.Org))
	}
	if c.Title != "" {
		line("TITLE", "", escapeText(c.Title))
	}
	if c.Street != "" || c.City != "" || c.Region != "" || c.PostalCode != "" || c.Country != "" {
		line("ADR", "", ";;"+strings.Join([]string{
			escapeText(c.Street), escapeText(c.City), escapeText(c.Region),
			escapeText(c.PostalCode), escapeText(c.Country),
		}, ";"))
	}
	if bd := formatBirthday(c.Birthday, v4); bd != "" {
		line("BDAY", "", bd)
	}
	if c.Note != "" {
		line("NOTE", "", escapeText(c.Note))
	}
	if len(c.Categories) > 0 {
		cats := make([]string, len(c.Categories))
		for i, cat := range c.Categories {
			cats[i] = escapeText(cat)
		}
		line("CATEGORIES", "", strings.Join(cats, ","))
	}
	if c.Language != "" && v4 {
		line("LANG", "", escapeText(c.Language))
	}
	if c.TimeZone != "" {
		params := ""
		if !v4 {
			params = ";VALUE=text" // 3.0's default TZ type is a UTC offset
		}
		line("TZ", params, escapeText(c.TimeZone))
	}
	if c.URL != "" {
		line("URL", "", escapeURI(c.URL))
	}
	b.WriteString("END:VCARD\r\n")
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write vcard: %w", err)
	}
	return nil
}

// formattedName is the FN written for c: FullName, else the name parts,
// else the organisation, else the first e-mail.
func formattedName(c Card) string {
	fn := c.FullName
	if fn == "" {
		fn = composeName(c.GivenName, c.MiddleName, c.FamilyName)
	}
	if fn == "" {
		fn = c.Org
	}
	if fn == "" && len(c.Emails) > 0 {
		fn = c.Emails[0].Value
	}
	return fn
}

var textEscaper = strings.NewReplacer(`\`, `\\`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`, ",", `\,`, ";", `\;`)

// escapeText escapes a text value or one component of a structured value.
func escapeText(s string) string { return textEscaper.Replace(stripControls(s)) }

var uriEscaper = strings.NewReplacer(`\`, `\\`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// escapeURI escapes a URI value (UID, URL), in which commas and semicolons
// are data, not separators: only backslashes and line breaks.
func escapeURI(s string) string { return uriEscaper.Replace(stripControls(s)) }

// typeParams returns ";TYPE=…" and, for the preferred value, ";PREF=1"
// (4.0) or the type "pref" (3.0). Each type goes through cleanType.
func typeParams(t Typed, v4 bool) string {
	var types []string
	for _, ty := range strings.Split(t.Type, ",") {
		if ty = cleanType(ty); ty != "" {
			types = append(types, ty)
		}
	}
	if t.Pref && !v4 {
		types = append(types, "pref")
	}
	var p string
	if len(types) > 0 {
		p = ";TYPE=" + strings.Join(types, ",")
	}
	if t.Pref && v4 {
		p += ";PREF=1"
	}
	return p
}

// formatBirthday writes Card.Birthday in the version's date form; "" for an
// empty or malformed value.
func formatBirthday(bd string, v4 bool) string {
	if md, ok := strings.CutPrefix(bd, "--"); ok {
		if _, err := time.Parse("01-02", md); err != nil {
			return ""
		}
		if v4 {
			return "--" + strings.ReplaceAll(md, "-", "")
		}
		return bd
	}
	t, err := time.Parse("2006-01-02", bd)
	if err != nil {
		return ""
	}
	if v4 {
		return t.Format("20060102")
	}
	return t.Format("2006-01-02")
}

// writeFolded writes a content line folded at 75 octets (RFC 6350 3.2,
// RFC 5545 3.1): each continuation line starts with a space, and a UTF-8
// sequence is never split.
func writeFolded(b *bytes.Buffer, l string) {
	const limit = 75
	width := limit
	for len(l) > width {
		cut := width
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		if cut == 0 { // not UTF-8; cut anywhere rather than loop
			cut = width
		}
		b.WriteString(l[:cut])
		b.WriteString("\r\n ")
		l = l[cut:]
		width = limit - 1
	}
	b.WriteString(l)
	b.WriteString("\r\n")
}
