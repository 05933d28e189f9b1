package web

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// nbsp keeps a number and its unit on one line ("1.234,50 €").
const nbsp = "\u00a0"

var (
	monthsEN = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	// CLDR's abbreviated Spanish months, lower case and without a dot.
	monthsES = [12]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"}
)

// FormatDate formats the calendar date of t in tz (nil means UTC) the way
// lang writes it: "Jan 2, 2006", "2 ene 2006", "2006年1月2日". The zero
// time formats as "", so an unset date shows as a blank cell.
func FormatDate(lang string, t time.Time, tz *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(orUTC(tz))
	y, m, d := t.Date()
	switch lang {
	case "es":
		return fmt.Sprintf("%d %s %d", d, monthsES[m-1], y)
	case "zh":
		return fmt.Sprintf("%d年%d月%d日", y, m, d)
	default:
		return fmt.Sprintf("%s %d, %d", monthsEN[m-1], d, y)
	}
}

// FormatDateTime formats t in tz (nil means UTC) as a date and a time of
// day to the minute: "Jan 2, 2006, 3:04 PM", "2 ene 2006, 15:04",
// "2006年1月2日 15:04". The zero time formats as "".
func FormatDateTime(lang string, t time.Time, tz *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(orUTC(tz))
	date := FormatDate(lang, t, nil)
	switch lang {
	case "es":
		return date + ", " + t.Format("15:04")
	case "zh":
		return date + " " + t.Format("15:04")
	default:
		return date + ", " + t.Format("3:04"+nbsp+"PM")
	}
}

func orUTC(tz *time.Location) *time.Location {
	if tz == nil {
		return time.UTC
	}
	return tz
}

// separators returns the grouping and decimal separators of lang.
func separators(lang string) (group, decimal string) {
	if lang == "es" {
		// CLDR leaves four-digit Spanish numbers ungrouped (1234,5); we
		// group them like every other size, as Spanish business software
		// does, so a column of amounts lines up.
		return ".", ","
	}
	return ",", "."
}

// decimal is a parsed decimal string: its sign and its digits on each
// side of the point, kept as text so no precision is lost.
type decimal struct {
	neg        bool
	intPart    string // at least one digit, no leading zeros unless "0"
	fracDigits string
}

// parseDecimal accepts an optional sign, digits, and an optional
// fraction: "-1234.5", "+0.25", ".5", "12.".
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "-"):
		d.neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return d, false
	}
	if !allDigits(intPart) || !allDigits(frac) {
		return d, false
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	d.intPart, d.fracDigits = intPart, frac
	if d.isZero() {
		d.neg = false
	}
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (d decimal) isZero() bool {
	return strings.Trim(d.intPart, "0") == "" && strings.Trim(d.fracDigits, "0") == ""
}

// round returns d with exactly scale fraction digits, rounding half away
// from zero (what people expect on an invoice, and what browsers' Intl
// does by default).
func (d decimal) round(scale int) decimal {
	if len(d.fracDigits) <= scale {
		d.fracDigits += strings.Repeat("0", scale-len(d.fracDigits))
		return d
	}
	roundUp := d.fracDigits[scale] >= '5'
	digits := []byte(d.intPart + d.fracDigits[:scale])
	if roundUp {
		i := len(digits) - 1
		for ; i >= 0; i-- {
			if digits[i] == '9' {
				digits[i] = '0'
				continue
			}
			digits[i]++
			break
		}
		if i < 0 {
			digits = append([]byte{'1'}, digits...)
		}
	}
	n := len(digits) - scale
	d.intPart, d.fracDigits = string(digits[:n]), string(digits[n:])
	if d.isZero() {
		d.neg = false
	}
	return d
}

// format writes d with lang's separators, grouping the integer part by
// thousands.
func (d decimal) format(lang string) string {
	group, point := separators(lang)
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	for i, c := range d.intPart {
		if i > 0 && (len(d.intPart)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	if d.fracDigits != "" {
		b.WriteString(point)
		b.WriteString(d.fracDigits)
	}
	return b.String()
}

// FormatNumber formats a decimal string ("-1234.5") with lang's
// separators, keeping every digit it was given: en and zh "1,234.5", es
// "1.234,5". It works on the text, never through float64, so it is exact
// for money and large numbers. Input that is not a plain decimal is
// returned unchanged.
func FormatNumber(lang, dec string) string {
	d, ok := parseDecimal(dec)
	if !ok {
		return dec
	}
	return d.format(lang)
}

// langTags are the language tags FormatMoney asks x/text for currency
// symbols in.
var langTags = map[string]language.Tag{
	"en": language.English,
	"es": language.Spanish,
	"zh": language.SimplifiedChinese,
}

// FormatMoney formats a decimal amount in an ISO 4217 currency, rounded
// to the currency's minor units, with lang's symbol and pattern:
// en "$1,234.50", es "1.234,50 €" (no-break space), zh "¥1,234.50" and
// "US$1,234.50". The amount is handled as text, never as float64. An
// unknown currency code is written after the number; an amount that is
// not a decimal is returned unchanged.
func FormatMoney(lang, amount, cur string) string {
	d, ok := parseDecimal(amount)
	if !ok {
		return amount
	}
	cur = strings.ToUpper(strings.TrimSpace(cur))
	unit, err := currency.ParseISO(cur)
	if err != nil {
		if cur == "" {
			return d.format(lang)
		}
		return d.format(lang) + nbsp + cur
	}
	scale, _ := currency.Standard.Rounding(unit)
	d = d.round(scale)
	sign := ""
	if d.neg {
		sign, d.neg = "-", false
	}
	num := d.format(lang)
	sym := currencySymbol(lang, unit)
	if lang == "es" {
		return sign + num + nbsp + sym
	}
	if r, _ := utf8.DecodeLastRuneInString(sym); unicode.IsLetter(r) {
		// CLDR's currency spacing: a code-like symbol keeps a space from
		// the digits ("KWD 1.235"), a sign like "$" does not.
		sym += nbsp
	}
	return sign + sym + num
}

// symbolCache memoizes currencySymbol: a table of money cells would
// otherwise build a message.Printer per cell. The answers never change.
var symbolCache sync.Map // lang + " " + ISO code → symbol

// currencySymbol returns the symbol CLDR gives unit in lang ("$", "US$",
// "€", "CNY").
func currencySymbol(lang string, unit currency.Unit) string {
	tag, ok := langTags[lang]
	if !ok {
		lang, tag = DefaultLang, language.English
	}
	k := lang + " " + unit.String()
	if s, ok := symbolCache.Load(k); ok {
		return s.(string)
	}
	sym := message.NewPrinter(tag).Sprint(currency.Symbol(unit))
	if sym == "￥" {
		// x/text's zh data has the full-width yen sign for CNY; current
		// CLDR and Chinese products use the ordinary ¥.
		sym = "¥"
	}
	symbolCache.Store(k, sym)
	return sym
}

// relUnit is one step of FormatRelative: the unit's size and its name in
// each language (singular, plural).
type relUnit struct {
	size time.Duration
	en   [2]string
	es   [2]string
	zh   string
}

var relUnits = []relUnit{
	{24 * time.Hour * 365, [2]string{"year", "years"}, [2]string{"año", "años"}, "年"},
	{24 * time.Hour * 30, [2]string{"month", "months"}, [2]string{"mes", "meses"}, "个月"},
	{24 * time.Hour * 7, [2]string{"week", "weeks"}, [2]string{"semana", "semanas"}, "周"},
	{24 * time.Hour, [2]string{"day", "days"}, [2]string{"día", "días"}, "天"},
	{time.Hour, [2]string{"hour", "hours"}, [2]string{"hora", "horas"}, "小时"},
	{time.Minute, [2]string{"minute", "minutes"}, [2]string{"minuto", "minutos"}, "分钟"},
}

// FormatRelative says how long ago (or how far ahead) t is from now, in
// the largest whole unit: "3 hours ago", "hace 3 horas", "3小时前",
// "in 2 days". Under a minute it is "just now" / "ahora mismo" / "刚刚".
// Pass now explicitly so tests control the clock.
func FormatRelative(lang string, t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	if d < time.Minute {
		switch lang {
		case "es":
			return "ahora mismo"
		case "zh":
			return "刚刚"
		}
		return "just now"
	}
	u := relUnits[len(relUnits)-1]
	for _, c := range relUnits {
		if d >= c.size {
			u = c
			break
		}
	}
	n := int64(d / u.size)
	plural := 1
	if n == 1 {
		plural = 0
	}
	count := strconv.FormatInt(n, 10)
	switch lang {
	case "es":
		if future {
			return "dentro de " + count + " " + u.es[plural]
		}
		return "hace " + count + " " + u.es[plural]
	case "zh":
		if future {
			return count + u.zh + "后"
		}
		return count + u.zh + "前"
	}
	if future {
		return "in " + count + " " + u.en[plural]
	}
	return count + " " + u.en[plural] + " ago"
}

// FormatBytes formats a file size for people: 980 B, 12.5 KB, 3.1 MB.
func FormatBytes(lang string, n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return FormatNumber(lang, strconv.FormatInt(n, 10)) + " " + units[0]
	}
	return FormatNumber(lang, strconv.FormatFloat(f, 'f', 1, 64)) + " " + units[i]
}
