package orders

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/rapport-crm/rapport/internal/errs"
)

// CJKFontPaths are where the font for Chinese text is looked for when
// no path is configured: Debian's fonts-droid-fallback, a TrueType font
// (glyf outlines, which the PDF writer embeds as a subset) carrying the
// CJK ideographs as well as Latin.
var CJKFontPaths = []string{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
}

// ErrNoCJKFont is returned when a document needs Chinese glyphs and no
// font that carries them is installed.
var ErrNoCJKFont = errors.New("no CJK font: install the Debian package fonts-droid-fallback or set RAPPORT_PDF_CJK_FONT to a TrueType font with CJK glyphs")

// Fonts finds and keeps the fonts documents are set in: the Go fonts
// (embedded, Latin, Greek, Cyrillic) and a CJK TrueType font read once
// from disk.
//
// Without the CJK font a Chinese document cannot be made (Render answers
// unavailable, 503, naming the font); a document in another language
// that merely quotes some Chinese (a customer's name) is still made,
// those characters set as "?" in the Go font. The missing font is logged
// once, the first time a document needs it.
type Fonts struct {
	// CJKPath, when set, is the CJK font to use; otherwise CJKFontPaths
	// are tried in order.
	CJKPath string
	// Log, when set, hears once that the CJK font is missing.
	Log *slog.Logger

	once sync.Once
	cjk  []byte
	err  error
}

// paths are the places the CJK font is looked for.
func (f *Fonts) paths() []string {
	if f.CJKPath != "" {
		return []string{f.CJKPath}
	}
	return CJKFontPaths
}

// CJK returns the bytes of the CJK font, or ErrNoCJKFont.
func (f *Fonts) CJK() ([]byte, error) {
	f.once.Do(func() {
		var last error
		for _, p := range f.paths() {
			b, err := os.ReadFile(p)
			if err == nil {
				f.cjk = b
				return
			}
			last = err
		}
		f.err = fmt.Errorf("%w (%v)", ErrNoCJKFont, last)
		if f.Log != nil {
			f.Log.Error("the CJK font for PDFs is missing: Chinese quotes and invoices cannot be made; others set Chinese characters as ?",
				"paths", strings.Join(f.paths(), ", "), "err", last)
		}
	})
	return f.cjk, f.err
}

// CJKMissing returns where the CJK font was looked for when it is not
// there, and "" when it is.
func (f *Fonts) CJKMissing() string {
	if _, err := f.CJK(); err != nil {
		return strings.Join(f.paths(), ", ")
	}
	return ""
}

// needsCJK reports whether any text holds a character the Go fonts lack
// (CJK ideographs and punctuation, kana, hangul, full-width forms).
func needsCJK(texts ...string) bool {
	for _, t := range texts {
		for _, r := range t {
			if isCJK(r) {
				return true
			}
		}
	}
	return false
}

// DocLine is one line of a document as printed.
type DocLine struct {
	Name, Description, Quantity, UnitPrice, Discount, TaxRate, Amount string
}

// Doc is a quote or an invoice as its PDF shows it; every text is
// already in the document's language.
type Doc struct {
	Lang     string
	Title    string // "Quote Q-00001 · revision 2"
	Company  string
	To       []string    // account name, contact, address lines
	Facts    [][2]string // label, value: dates, status, reference
	Heads    [7]string   // column headings
	Lines    []DocLine
	Totals   [][2]string // label, formatted amount; the last is the grand total
	NotesHdr string
	Notes    string
	Footer   string
	Created  time.Time
}

func (d *Doc) texts() []string {
	out := []string{d.Title, d.Company, d.NotesHdr, d.Notes, d.Footer}
	out = append(out, d.To...)
	out = append(out, d.Heads[:]...)
	for _, f := range d.Facts {
		out = append(out, f[0], f[1])
	}
	for _, t := range d.Totals {
		out = append(out, t[0], t[1])
	}
	for _, l := range d.Lines {
		out = append(out, l.Name, l.Description, l.UnitPrice, l.Amount)
	}
	return out
}

// isCJK says whether the Go fonts lack r and the CJK font is to set it.
func isCJK(r rune) bool { return r >= 0x2E80 }

// textRun is a stretch of text set in one font.
type textRun struct {
	text string
	cjk  bool
}

func runsOf(s string) []textRun {
	var out []textRun
	for _, r := range s {
		c := isCJK(r)
		if n := len(out); n > 0 && out[n-1].cjk == c {
			out[n-1].text += string(r)
			continue
		}
		out = append(out, textRun{string(r), c})
	}
	return out
}

// writer sets text in the Go fonts, switching to the CJK font for the
// characters they lack.
type writer struct {
	pdf  *gopdf.GoPdf
	cjk  bool // the CJK font is loaded; without it CJK runs print as "?"
	bold bool
	size float64
}

// shown is the text of a run as it is set: without the CJK font, one
// "?" per character the Go fonts lack, so the reader sees something is
// missing rather than a blank.
func (w *writer) shown(r textRun) string {
	if r.cjk && !w.cjk {
		return strings.Repeat("?", utf8.RuneCountInString(r.text))
	}
	return r.text
}

func (w *writer) font(bold bool, size float64) { w.bold, w.size = bold, size }

func (w *writer) use(cjk bool) {
	family := "go"
	switch {
	case cjk && w.cjk:
		family = "cjk"
	case w.bold:
		family = "go-bold"
	}
	_ = w.pdf.SetFont(family, "", w.size)
}

func (w *writer) width(s string) float64 {
	total := 0.0
	for _, r := range runsOf(s) {
		w.use(r.cjk)
		wd, _ := w.pdf.MeasureTextWidth(w.shown(r))
		total += wd
	}
	return total
}

func (w *writer) text(x, y float64, s string) {
	for _, r := range runsOf(s) {
		w.use(r.cjk)
		w.pdf.SetXY(x, y)
		t := w.shown(r)
		_ = w.pdf.Text(t)
		wd, _ := w.pdf.MeasureTextWidth(t)
		x += wd
	}
}

func (w *writer) textRight(xr, y float64, s string) { w.text(xr-w.width(s), y, s) }

// wrap breaks s into lines no wider than width: between words, and
// between any two CJK characters.
func (w *writer) wrap(s string, width float64) []string {
	var tokens []string
	cur := ""
	for _, r := range s {
		switch {
		case isCJK(r):
			if cur != "" {
				tokens = append(tokens, cur)
			}
			tokens, cur = append(tokens, string(r)), ""
		case r == ' ':
			tokens, cur = append(tokens, cur+" "), ""
		default:
			cur += string(r)
		}
	}
	if cur != "" {
		tokens = append(tokens, cur)
	}
	var lines []string
	line := ""
	for _, t := range tokens {
		if line != "" && w.width(strings.TrimRight(line+t, " ")) > width {
			lines = append(lines, strings.TrimRight(line, " "))
			line = ""
		}
		line += t
	}
	if strings.TrimSpace(line) != "" || len(lines) == 0 {
		lines = append(lines, strings.TrimRight(line, " "))
	}
	return lines
}

// Render writes the document as a PDF with its fonts embedded as
// subsets: the Go fonts for Latin text and, when the document has any,
// the CJK font for Chinese. A Chinese document without the CJK font is
// unavailable (503, naming the font); a document in another language
// falls back to the Go fonts (see Fonts).
func (f *Fonts) Render(out io.Writer, d *Doc) error {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	pdf.SetInfo(gopdf.PdfInfo{Title: d.Title, Creator: "Rapport CRM", Producer: "Rapport CRM", CreationDate: d.Created})
	if err := pdf.AddTTFFontData("go", goregular.TTF); err != nil {
		return fmt.Errorf("pdf font: %w", err)
	}
	if err := pdf.AddTTFFontData("go-bold", gobold.TTF); err != nil {
		return fmt.Errorf("pdf font: %w", err)
	}
	w := &writer{pdf: pdf, size: 10}
	if needsCJK(d.texts()...) {
		b, err := f.CJK()
		switch {
		case err != nil && d.Lang == "zh":
			return &errs.Error{Code: errs.Unavailable, Err: err,
				Message: "The PDF is in Chinese and the font for Chinese characters is missing: " + strings.Join(f.paths(), ", ") +
					". Install the Debian package fonts-droid-fallback or set RAPPORT_PDF_CJK_FONT to a TrueType font with CJK glyphs, then restart Rapport."}
		case err != nil:
			// Set in the Go fonts, the Chinese characters as "?".
		default:
			if err := pdf.AddTTFFontData("cjk", b); err != nil {
				return fmt.Errorf("pdf font: %w", err)
			}
			w.cjk = true
		}
	}
	const (
		left   = 50.0
		right  = 545.0
		bottom = 780.0
	)
	font := func(bold bool, size float64) { w.font(bold, size) }
	text, textRight := w.text, w.textRight
	const regular, bold = false, true
	pdf.AddPage()
	y := 60.0
	font(bold, 18)
	text(left, y, d.Title)
	font(regular, 10)
	pdf.SetTextColor(90, 90, 90)
	textRight(right, y, d.Company)
	pdf.SetTextColor(0, 0, 0)
	y += 30
	top := y
	for _, l := range d.To {
		text(left, y, l)
		y += 14
	}
	fy := top
	for _, fct := range d.Facts {
		pdf.SetTextColor(90, 90, 90)
		text(330, fy, fct[0])
		pdf.SetTextColor(0, 0, 0)
		textRight(right, fy, fct[1])
		fy += 14
	}
	y = max(y, fy) + 16
	// Columns: item, quantity, unit price, discount, tax, amount.
	cols := []struct {
		x     float64
		right bool
	}{{left, false}, {left + 22, false}, {330, true}, {395, true}, {445, true}, {485, true}, {right, true}}
	header := func() {
		font(bold, 9)
		pdf.SetFillColor(238, 240, 244)
		pdf.RectFromUpperLeftWithStyle(left-4, y-11, right-left+8, 16, "F")
		for i, h := range d.Heads {
			if cols[i].right {
				textRight(cols[i].x, y, h)
			} else {
				text(cols[i].x, y, h)
			}
		}
		font(regular, 9)
		y += 18
	}
	header()
	for i, l := range d.Lines {
		name := w.wrap(l.Name, 330-left-22-50)
		desc := []string{}
		if l.Description != "" {
			desc = w.wrap(l.Description, 330-left-22-50)
		}
		need := float64(len(name)+len(desc))*12 + 6
		if y+need > bottom {
			pdf.AddPage()
			y = 60
			header()
		}
		text(cols[0].x, y, fmt.Sprint(i+1))
		textRight(cols[2].x, y, l.Quantity)
		textRight(cols[3].x, y, l.UnitPrice)
		textRight(cols[4].x, y, l.Discount)
		textRight(cols[5].x, y, l.TaxRate)
		textRight(cols[6].x, y, l.Amount)
		for _, n := range name {
			text(cols[1].x, y, n)
			y += 12
		}
		pdf.SetTextColor(100, 100, 100)
		for _, n := range desc {
			text(cols[1].x, y, n)
			y += 12
		}
		pdf.SetTextColor(0, 0, 0)
		pdf.SetStrokeColor(220, 220, 220)
		pdf.SetLineWidth(0.5)
		pdf.Line(left-4, y-6, right+4, y-6)
		y += 6
	}
	if y+float64(len(d.Totals))*16+20 > bottom {
		pdf.AddPage()
		y = 60
	}
	y += 8
	for i, t := range d.Totals {
		if i == len(d.Totals)-1 {
			font(bold, 11)
			pdf.SetStrokeColor(0, 0, 0)
			pdf.Line(330, y-12, right+4, y-12)
		}
		text(330, y, t[0])
		textRight(right, y, t[1])
		y += 16
	}
	font(regular, 9)
	if strings.TrimSpace(d.Notes) != "" {
		y += 14
		font(bold, 10)
		text(left, y, d.NotesHdr)
		font(regular, 9)
		y += 14
		for _, para := range strings.Split(d.Notes, "\n") {
			lines := w.wrap(para, right-left)
			for _, l := range lines {
				if y > bottom {
					pdf.AddPage()
					y = 60
				}
				text(left, y, l)
				y += 12
			}
		}
	}
	if d.Footer != "" {
		pdf.SetTextColor(120, 120, 120)
		font(regular, 8)
		text(left, 815, d.Footer)
	}
	var buf bytes.Buffer
	if _, err := pdf.WriteTo(&buf); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	_, err := out.Write(buf.Bytes())
	return err
}

// Translate is the translator documents are worded with.
type Translate func(lang, key string, args ...any) string
