package dataio

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// workbook builds an XLSX with excelize's ordinary API: a hidden first
// sheet, a contacts sheet with sparse, blank, short and long rows, a number
// and a date, and a header-only and an empty sheet.
func workbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "Hidden"))
	must(f.SetCellValue("Hidden", "A1", "secret"))
	for _, s := range []string{"Contactos", "Solo cabecera", "Vacía"} {
		_, err := f.NewSheet(s)
		must(err)
	}
	f.SetActiveSheet(1) // the active sheet cannot be hidden
	must(f.SetSheetVisible("Hidden", false))
	must(f.SetSheetRow("Contactos", "A2", &[]any{"Nombre", "Correo electrónico", "", "Nombre"})) // header on row 2, blank and duplicate names
	must(f.SetSheetRow("Contactos", "A3", &[]any{"José Pérez", "jose@example.es", "x", "y"}))
	must(f.SetSheetRow("Contactos", "A5", &[]any{"张伟", "zhang@example.cn"})) // row 4 missing, short row
	must(f.SetSheetRow("Contactos", "A6", &[]any{"", ""}))
	must(f.SetSheetRow("Contactos", "A7", &[]any{"Ada", 42, "", "", "extra", "more"}))
	must(f.SetCellFormula("Contactos", "B8", "=1+1"))
	must(f.SetCellValue("Contactos", "A8", "formula"))
	must(f.SetSheetRow("Solo cabecera", "A1", &[]any{"a", "b"}))
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

func TestXLSXReader(t *testing.T) {
	data := workbook(t)
	path := filepath.Join(t.TempDir(), "contacts.xlsx")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	open := map[string]func(XLSXOptions) (*XLSXReader, error){
		"reader": func(o XLSXOptions) (*XLSXReader, error) { return NewXLSXReader(bytes.NewReader(data), o) },
		"file":   func(o XLSXOptions) (*XLSXReader, error) { return OpenXLSX(path, o) },
	}
	for name, openFn := range open {
		t.Run(name, func(t *testing.T) {
			x, err := openFn(XLSXOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			if want := []string{"Hidden", "Contactos", "Solo cabecera", "Vacía"}; !slices.Equal(x.Sheets(), want) {
				t.Errorf("Sheets = %q, want %q", x.Sheets(), want)
			}
			if x.Sheet() != "Contactos" {
				t.Errorf("default sheet %q, want the first visible one", x.Sheet())
			}
			if want := []string{"Nombre", "Correo electrónico", "column 3", "Nombre (2)"}; !slices.Equal(x.Header(), want) {
				t.Errorf("Header = %q, want %q", x.Header(), want)
			}
			rows := readAllRows(t, x)
			want := []Row{
				{Line: 3, Values: []string{"José Pérez", "jose@example.es", "x", "y"}},
				{Line: 5, Values: []string{"张伟", "zhang@example.cn", "", ""}},
				{Line: 7, Values: []string{"Ada", "42", "", ""}, Extra: []string{"extra", "more"}},
				{Line: 8, Values: []string{"formula", "", "", ""}}, // a formula with no cached value reads as ""
			}
			if len(rows) != len(want) {
				t.Fatalf("rows %+v, want %+v", rows, want)
			}
			for i := range want {
				if rows[i].Line != want[i].Line || !slices.Equal(rows[i].Values, want[i].Values) || !slices.Equal(rows[i].Extra, want[i].Extra) {
					t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
				}
			}
		})
	}

	t.Run("chosen sheet, header only", func(t *testing.T) {
		x, err := NewXLSXReader(bytes.NewReader(data), XLSXOptions{Sheet: "solo CABECERA"})
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if x.Sheet() != "Solo cabecera" {
			t.Errorf("Sheet = %q", x.Sheet())
		}
		if _, err := x.Next(); !errors.Is(err, ErrHeaderOnly) {
			t.Errorf("Next = %v, want ErrHeaderOnly", err)
		}
		if _, err := x.Next(); err != io.EOF {
			t.Errorf("second Next = %v, want io.EOF", err)
		}
	})
	t.Run("empty sheet", func(t *testing.T) {
		if _, err := NewXLSXReader(bytes.NewReader(data), XLSXOptions{Sheet: "Vacía"}); !errors.Is(err, ErrEmpty) {
			t.Errorf("err = %v, want ErrEmpty", err)
		}
	})
	t.Run("unknown sheet is named", func(t *testing.T) {
		_, err := NewXLSXReader(bytes.NewReader(data), XLSXOptions{Sheet: "Leads"})
		if !errors.Is(err, ErrUnknownSheet) || !strings.Contains(err.Error(), `"Leads"`) || !strings.Contains(err.Error(), `"Contactos"`) {
			t.Errorf("err = %v, want ErrUnknownSheet naming Leads and the sheets there are", err)
		}
	})
	t.Run("too many columns", func(t *testing.T) {
		x, err := NewXLSXReader(bytes.NewReader(data), XLSXOptions{MaxColumns: 5})
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		var tooMany *RowError
		for {
			_, err := x.Next()
			if err == io.EOF {
				break
			}
			if errors.As(err, &tooMany) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if tooMany == nil || !errors.Is(tooMany, ErrTooManyColumns) || tooMany.Line != 7 {
			t.Errorf("got %v, want ErrTooManyColumns at row 7", tooMany)
		}
	})
	t.Run("size limits", func(t *testing.T) {
		if _, err := NewXLSXReader(bytes.NewReader(data), XLSXOptions{MaxBytes: 100}); !errors.Is(err, ErrRecordTooLarge) {
			t.Errorf("err = %v, want ErrRecordTooLarge", err)
		}
		// A zip bomb is refused by its declared unzipped size.
		_, err := OpenXLSX(path, XLSXOptions{MaxUnzippedBytes: 2000})
		if err == nil || !strings.Contains(err.Error(), "unzip size") {
			t.Errorf("err = %v, want the unzip size limit", err)
		}
	})
	t.Run("not a workbook", func(t *testing.T) {
		for name, in := range map[string][]byte{
			"empty":     nil,
			"text":      []byte("a,b\n1,2\n"),
			"other zip": zipBytes(t, "word/document.xml"),
			"truncated": data[:len(data)/2],
		} {
			x, err := NewXLSXReader(bytes.NewReader(in), XLSXOptions{})
			if err == nil {
				x.Close()
				t.Errorf("%s: no error", name)
			}
		}
	})
}

func TestXLSXWriter(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewXLSXWriter(&buf, "Contactos")
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"Nombre", "Nota", "Importe"}
	rows := [][]string{
		{"José Pérez, Muñoz", "=HYPERLINK(\"http://evil\")", "-12.5"},
		{"张伟", "line 1\nline 2", "100"},
		{"ctrl\x01char", "@x", ""},
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

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Contactos"}) {
		t.Errorf("sheets %q", got)
	}
	for _, cell := range []string{"B2", "C2", "C3"} {
		if formula, _ := f.GetCellFormula("Contactos", cell); formula != "" {
			t.Errorf("%s holds formula %q", cell, formula)
		}
		if typ, _ := f.GetCellType("Contactos", cell); typ != excelize.CellTypeInlineString {
			t.Errorf("%s has type %v, want an inline string", cell, typ)
		}
	}

	x, err := NewXLSXReader(bytes.NewReader(buf.Bytes()), XLSXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if !slices.Equal(x.Header(), header) {
		t.Errorf("header %q", x.Header())
	}
	want := [][]string{
		{"José Pérez, Muñoz", "'=HYPERLINK(\"http://evil\")", "'-12.5"},
		{"张伟", "line 1\nline 2", "100"},
		{"ctrl\uFFFDchar", "'@x", ""}, // XML cannot hold U+0001
	}
	for i, row := range readAllRows(t, x) {
		if !slices.Equal(row.Values, want[i]) {
			t.Errorf("row %d = %q, want %q", i, row.Values, want[i])
		}
	}
}

func TestXLSXWriterLimits(t *testing.T) {
	w, err := NewXLSXWriter(io.Discard, "")
	if err != nil {
		t.Fatal(err)
	}
	err = w.WriteRow(make([]string, 16_385))
	if !errors.Is(err, ErrTooManyColumns) {
		t.Errorf("err = %v, want ErrTooManyColumns", err)
	}
	if cerr := w.Close(); !errors.Is(cerr, ErrTooManyColumns) {
		t.Errorf("Close = %v, want the first error", cerr)
	}
}
