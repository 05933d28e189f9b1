package orders

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	"github.com/rapport-crm/rapport/internal/errs"
)

func sampleDoc(lang string, lines int) *Doc {
	d := &Doc{Lang: lang, Company: "Acme Ibérica", Created: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Heads: [7]string{"#", "Item", "Quantity", "Unit price", "Discount", "Tax", "Amount"}}
	switch lang {
	case "zh":
		d.Title, d.To = "报价单 Q-00042", []string{"上海精密仪器有限公司", "收件人：王伟", "200120 上海"}
		d.Heads = [7]string{"#", "项目", "数量", "单价", "折扣", "税率", "金额"}
		d.Totals = [][2]string{{"小计", "¥12,000.00"}, {"税额", "¥1,560.00"}, {"总计", "¥13,560.00"}}
		d.NotesHdr, d.Notes = "条款", "付款期限：收到发票后 30 天内。报价有效期为 30 天。"
	case "es":
		d.Title, d.To = "Presupuesto Q-00042", []string{"Cervecería Norte", "48001 Bilbao"}
		d.Heads = [7]string{"#", "Concepto", "Cantidad", "Precio unitario", "Dto.", "IVA", "Importe"}
		d.Totals = [][2]string{{"Subtotal", "12.000,00 €"}, {"Impuestos", "2.520,00 €"}, {"Total", "14.520,00 €"}}
		d.NotesHdr, d.Notes = "Condiciones", "Pago a 30 días."
	default:
		d.Title, d.To = "Quote Q-00042", []string{"Northwind Ltd"}
		d.Totals = [][2]string{{"Subtotal", "$12,000.00"}, {"Tax", "$960.00"}, {"Total", "$12,960.00"}}
	}
	for i := range lines {
		name := fmt.Sprintf("Item %d", i+1)
		if lang == "zh" {
			name = fmt.Sprintf("精密天平 %d 型", i+1)
		}
		d.Lines = append(d.Lines, DocLine{Name: name, Description: "", Quantity: "2", UnitPrice: "600.00", TaxRate: "13%", Amount: "1,200.00"})
	}
	return d
}

func extract(t *testing.T, b []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		rows, err := r.Page(i).GetTextByRow()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			for _, w := range row.Content {
				out.WriteString(w.S)
			}
			out.WriteString("\n")
		}
	}
	return out.String()
}

// TestPDFLanguages: each document's text is extractable in its
// language; Chinese comes out as Chinese (the CJK font is embedded with
// its Unicode map), mixed with Latin from the Go fonts; a long document
// runs over several pages.
func TestPDFLanguages(t *testing.T) {
	f := &Fonts{}
	for _, tc := range []struct {
		lang  string
		lines int
		want  []string
		fonts []string
	}{
		{"zh", 10, []string{"报价单 Q-00042", "上海精密仪器有限公司", "收件人：王伟", "精密天平 3 型", "小计", "¥13,560.00", "付款期限"}, []string{"cjk", "go"}},
		{"es", 3, []string{"Presupuesto Q-00042", "Cervecería Norte", "Precio unitario", "14.520,00 €", "Pago a 30 días."}, []string{"go"}},
		{"en", 80, []string{"Quote Q-00042", "Item 80", "$12,960.00"}, []string{"go"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			var b bytes.Buffer
			if err := f.Render(&b, sampleDoc(tc.lang, tc.lines)); err != nil {
				t.Fatal(err)
			}
			text := extract(t, b.Bytes())
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q in:\n%s", w, text)
				}
			}
			if tc.lang == "zh" && !bytes.Contains(b.Bytes(), []byte("FontFile2")) {
				t.Error("the CJK font is not embedded")
			}
			if tc.lang != "zh" && needsCJK(text) {
				t.Error("a Latin document carries CJK text")
			}
		})
	}
	var b bytes.Buffer
	if err := f.Render(&b, sampleDoc("en", 80)); err != nil {
		t.Fatal(err)
	}
	r, _ := pdf.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if r.NumPage() < 2 {
		t.Fatalf("80 lines on %d page", r.NumPage())
	}
}

// TestNoCJKFont: with the CJK font path pointed at a missing file, a
// Chinese document is unavailable (503) with a message naming the font;
// a Spanish or English document that quotes Chinese is still made in the
// Go fonts, the Chinese characters as "?"; the missing font is logged
// once however many documents ask for it.
func TestNoCJKFont(t *testing.T) {
	var logs bytes.Buffer
	missing := filepath.Join(t.TempDir(), "missing.ttf")
	f := &Fonts{CJKPath: missing, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	for range 2 {
		var b bytes.Buffer
		err := f.Render(&b, sampleDoc("zh", 1))
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Unavailable || errs.Status(e.Code) != 503 {
			t.Fatalf("a Chinese document without the font: %v", err)
		}
		if !strings.Contains(e.Message, missing) || !strings.Contains(e.Message, "fonts-droid-fallback") {
			t.Fatalf("the message does not name the font: %q", e.Message)
		}
		if b.Len() != 0 {
			t.Fatalf("%d bytes written for a refused PDF", b.Len())
		}
	}
	if f.CJKMissing() != missing {
		t.Fatalf("CJKMissing %q", f.CJKMissing())
	}
	for _, lang := range []string{"es", "en"} {
		d := sampleDoc(lang, 2)
		d.To = append([]string{"上海精密仪器有限公司"}, d.To...)
		var b bytes.Buffer
		if err := f.Render(&b, d); err != nil {
			t.Fatalf("%s document quoting Chinese: %v", lang, err)
		}
		text := extract(t, b.Bytes())
		if !strings.Contains(text, "??????????") || !strings.Contains(text, d.Title) || needsCJK(text) {
			t.Fatalf("%s document quoting Chinese without the font:\n%s", lang, text)
		}
	}
	if n := strings.Count(logs.String(), "CJK font for PDFs is missing"); n != 1 || !strings.Contains(logs.String(), missing) {
		t.Fatalf("the missing font logged %d times: %s", n, logs.String())
	}
}

// BenchmarkQuotePDF measures rendering a 20-line quote: in Chinese (Go
// fonts + the CJK font, subset) and in Spanish (Go fonts only).
func BenchmarkQuotePDF(b *testing.B) {
	f := &Fonts{}
	for _, lang := range []string{"zh", "es"} {
		b.Run(lang, func(b *testing.B) {
			d := sampleDoc(lang, 20)
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := f.Render(&buf, d); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len())/1024, "KiB/pdf")
		})
	}
}
