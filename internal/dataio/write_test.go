package dataio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNeutraliseFormula(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=SUM(A1:A9)", "'=SUM(A1:A9)"},
		{"=HYPERLINK(\"http://evil\",\"click\")", "'=HYPERLINK(\"http://evil\",\"click\")"},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(1)", "'@SUM(1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"＝1+1", "'＝1+1"}, // full-width equals
		{"＋1", "'＋1"},
		{"－1", "'－1"},
		{"＠x", "'＠x"},
		// OWASP's rule has no numeric exception: a negative number and an
		// international phone number are prefixed too.
		{"-12.5", "'-12.5"},
		{"+34 600 123 456", "'+34 600 123 456"},
		// Left alone.
		{"12.5", "12.5"},
		{"a=b", "a=b"},
		{" =1", " =1"},
		{"José", "José"},
		{"'quoted", "'quoted"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NeutraliseFormula(tt.in); got != tt.want {
			t.Errorf("NeutraliseFormula(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := StripFormulaGuard(NeutraliseFormula(tt.in)); got != tt.in {
			t.Errorf("StripFormulaGuard(NeutraliseFormula(%q)) = %q", tt.in, got)
		}
	}
	if got := StripFormulaGuard("'hello"); got != "'hello" {
		t.Errorf("StripFormulaGuard removed a quote it did not add: %q", got)
	}
}

func TestCSVWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewCSVWriter(&buf, CSVWriterOptions{BOM: true})
	header := []string{"name", "note", "amount"}
	rows := [][]string{
		{"José Pérez, Muñoz", "line 1\nline \"2\"", "-12.5"},
		{"张伟", "=1+1", "100"},
		{"@evil", "", "+34 600"},
	}
	if err := w.WriteHeader(header); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	if !bytes.HasPrefix(out, []byte("\xef\xbb\xbfname,note,amount\r\n")) {
		t.Errorf("output starts %q, want BOM, header and CRLF", out[:min(len(out), 30)])
	}
	if !bytes.Contains(out, []byte(`"José Pérez, Muñoz","line 1`+"\r\n"+`line ""2""",'-12.5`+"\r\n")) {
		t.Errorf("row not quoted and neutralised as expected:\n%s", out)
	}

	// Our reader reads it back; StripFormulaGuard restores the values.
	r, err := NewCSVReader(bytes.NewReader(out), CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Header(), header) {
		t.Errorf("header read back %q", r.Header())
	}
	got := readAllRows(t, r)
	for i, row := range got {
		for j, v := range row.Values {
			if StripFormulaGuard(v) != rows[i][j] {
				t.Errorf("row %d col %d read back %q, want %q", i, j, v, rows[i][j])
			}
		}
	}
}

func TestCSVWriterOptions(t *testing.T) {
	var buf bytes.Buffer
	w := NewCSVWriter(&buf, CSVWriterOptions{Delimiter: ';', LF: true})
	_ = w.WriteHeader([]string{"a", "b"})
	_ = w.WriteRow([]string{"1;2", "3"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "a;b\n\"1;2\";3\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if err := w.Close(); err == nil {
		t.Error("second Close returned nil")
	}
}

func TestWritersReportErrors(t *testing.T) {
	big := strings.Repeat("x", 128<<10) // more than the writers buffer
	for name, w := range map[string]RowWriter{
		"csv":   NewCSVWriter(errWriter{}, CSVWriterOptions{}),
		"jsonl": NewJSONLWriter(errWriter{}),
	} {
		_ = w.WriteHeader([]string{"a"})
		_ = w.WriteRow([]string{big})
		if err := w.Close(); !errors.Is(err, errWrite) {
			t.Errorf("%s: Close = %v, want the write error", name, err)
		}
	}
	xw, err := NewXLSXWriter(errWriter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	_ = xw.WriteHeader([]string{"a"})
	if err := xw.Close(); !errors.Is(err, errWrite) {
		t.Errorf("xlsx: Close = %v, want the write error", err)
	}
}

func TestJSONLWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewJSONLWriter(&buf)
	if err := w.Write(map[string]any{"name": "José <b>", "n": 3, "tags": []string{"vip"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteHeader([]string{"z", "a", "note"}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow([]string{"张伟", "=1", "two\nlines"}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow([]string{"short"}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow([]string{"1", "2", "3", "4"}); err == nil {
		t.Error("a row longer than the header was accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := `{"n":3,"name":"José <b>","tags":["vip"]}` + "\n" +
		`{"z":"张伟","a":"=1","note":"two\nlines"}` + "\n" +
		`{"z":"short","a":"","note":""}` + "\n"
	if buf.String() != want {
		t.Errorf("output\n%s\nwant\n%s", buf.String(), want)
	}
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("line %q is not JSON: %v", sc.Text(), err)
		}
	}
}

// TestCSVWriterCells: a row written cell by cell is, byte for byte, the
// row WriteRow writes — neutralised, quoted and line-ended alike — for
// every delimiter and line end.
func TestCSVWriterCells(t *testing.T) {
	cells := []string{"", "plain", `\.`, `\.x`, " leading", "\u00a0nbsp", "\u3000ideographic", "\tTab", "\rCR", "a\r\nb", "a\nb", "a\rb",
		`say "hi"`, "a,b", "a;b", "a\tb", "=1+1", "+34 612", "-2", "@x", "＝FULL", "＋x", "'quoted", "'", "中文, 逗号", "Peña", "\xff\xfe", "=\"x\"\n", "-\r",
		// longer than a word, the special byte at every place in a word
		"abcdefgh,", "abcdefghijklmno\"", "0123456\n89abcdef", "01234567\r9abcdef", "a;bcdefghijklmnopq", "abcdefgh\tijklmnopq", "abcdefghijkl|mnop",
		"abcdefghijklmnopqrstuvwxyz0123456789", "名前と住所の一覧表です"}
	for _, opts := range []CSVWriterOptions{{}, {LF: true}, {Delimiter: ';'}, {Delimiter: '\t'}, {Delimiter: '|', LF: true, BOM: true}, {Delimiter: '\''}, {Delimiter: '，'}} {
		for start := range cells {
			row := make([]string, 0, 4)
			for k := range 4 {
				row = append(row, cells[(start+k*7)%len(cells)])
			}
			var a, b bytes.Buffer
			wa, wb := NewCSVWriter(&a, opts), NewCSVWriter(&b, opts)
			for range 2 {
				if err := wa.WriteRow(row); err != nil {
					t.Fatal(err)
				}
				for k, c := range row {
					if err := wb.WriteCell([]byte(c), k == 0); err != nil {
						t.Fatal(err)
					}
				}
				if err := wb.EndRow(); err != nil {
					t.Fatal(err)
				}
			}
			if err := errors.Join(wa.Close(), wb.Close()); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("%+v %q: WriteCell wrote %q, WriteRow %q", opts, row, b.Bytes(), a.Bytes())
			}
		}
	}
}

// TestHasSpecial: the word-at-a-time search agrees with a byte loop for
// every length up to three words, every special byte at every place, and
// bytes next to the specials (which a wrong borrow would mistake).
func TestHasSpecial(t *testing.T) {
	for _, comma := range []byte{',', ';', '\t', '|', '\''} {
		for n := range 25 {
			for pos := range n {
				for _, b := range []byte{'\n', '\r', '"', comma, comma + 1, comma - 1, 0, 0x80, 0xff, '\n' + 1, '"' - 1} {
					cell := bytes.Repeat([]byte{'x'}, n)
					cell[pos] = b
					want := b == '\n' || b == '\r' || b == '"' || b == comma
					if got := hasSpecial(cell, comma); got != want {
						t.Errorf("comma %q, %q: %v, want %v", comma, cell, got, want)
					}
				}
			}
		}
	}
}
