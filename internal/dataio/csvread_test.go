package dataio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestCSVReader(t *testing.T) {
	tests := []struct {
		name      string
		in        []byte
		opts      CSVOptions
		header    []string
		rows      [][]string
		lines     []int
		extra     map[int][]string // row index → Extra
		wantEnc   string
		wantDelim rune
	}{
		{
			name:   "plain LF",
			in:     []byte("name,email\nAda,ada@example.com\nGrace,grace@example.com\n"),
			header: []string{"name", "email"},
			rows:   [][]string{{"Ada", "ada@example.com"}, {"Grace", "grace@example.com"}},
			lines:  []int{2, 3}, wantEnc: EncodingUTF8, wantDelim: ',',
		},
		{
			name:   "CRLF and no final newline",
			in:     []byte("name,email\r\nAda,ada@example.com\r\nGrace,grace@example.com"),
			header: []string{"name", "email"},
			rows:   [][]string{{"Ada", "ada@example.com"}, {"Grace", "grace@example.com"}},
			lines:  []int{2, 3}, wantEnc: EncodingUTF8, wantDelim: ',',
		},
		{
			name:   "UTF-8 BOM trimmed from the first header",
			in:     withBOM("Nombre,Correo electrónico\r\nJosé,jose@example.es\r\n"),
			header: []string{"Nombre", "Correo electrónico"},
			rows:   [][]string{{"José", "jose@example.es"}},
			lines:  []int{2}, wantEnc: EncodingUTF8, wantDelim: ',',
		},
		{
			name:   "semicolons with decimal commas (European Excel)",
			in:     []byte("Nombre;Importe;Ciudad\nJosé;1.234,50;Logroño\nAna;99,90;\"Vitoria; Gasteiz\"\n"),
			header: []string{"Nombre", "Importe", "Ciudad"},
			rows:   [][]string{{"José", "1.234,50", "Logroño"}, {"Ana", "99,90", "Vitoria; Gasteiz"}},
			lines:  []int{2, 3}, wantEnc: EncodingUTF8, wantDelim: ';',
		},
		{
			name:   "tabs with commas in values",
			in:     []byte("Name\tAddress\tCity\nAda\t1 Main St, Apt 2\tLondon\nGrace\t3 High St, Floor 1\tNew York\n"),
			header: []string{"Name", "Address", "City"},
			rows:   [][]string{{"Ada", "1 Main St, Apt 2", "London"}, {"Grace", "3 High St, Floor 1", "New York"}},
			lines:  []int{2, 3}, wantEnc: EncodingUTF8, wantDelim: '\t',
		},
		{
			name:   "pipes",
			in:     []byte("a|b|c\n1|2|3\n"),
			header: []string{"a", "b", "c"},
			rows:   [][]string{{"1", "2", "3"}},
			lines:  []int{2}, wantEnc: EncodingUTF8, wantDelim: '|',
		},
		{
			name: "quoted multi-line fields keep their line numbers",
			in: []byte("name,note,city\r\n" +
				"Ada,\"first line\r\nsecond, with comma\r\nthird \"\"quoted\"\"\",London\r\n" +
				"Grace,plain,\"New\nYork\"\r\n" +
				"Linus,x,Helsinki\r\n"),
			header: []string{"name", "note", "city"},
			rows: [][]string{
				{"Ada", "first line\nsecond, with comma\nthird \"quoted\"", "London"},
				{"Grace", "plain", "New\nYork"},
				{"Linus", "x", "Helsinki"},
			},
			lines: []int{2, 5, 7}, wantEnc: EncodingUTF8, wantDelim: ',',
		},
		{
			name:   "lazy quotes",
			in:     []byte("product,size\nTV,55\" screen\n\"a \"quoted\" word\",x\n"),
			header: []string{"product", "size"},
			rows:   [][]string{{"TV", "55\" screen"}, {"a \"quoted\" word", "x"}},
			lines:  []int{2, 3}, wantEnc: EncodingUTF8, wantDelim: ',',
		},
		{
			name:   "missing columns are empty, extra ones reported",
			in:     []byte("a,b,c\n1\n1,2,3,4,5\n1,2\n"),
			header: []string{"a", "b", "c"},
			rows:   [][]string{{"1", "", ""}, {"1", "2", "3"}, {"1", "2", ""}},
			extra:  map[int][]string{1: {"4", "5"}},
			lines:  []int{2, 3, 4}, wantEnc: EncodingUTF8, wantDelim: ',',
		},
		{
			name:   "blank lines and all-empty rows are skipped",
			in:     []byte("\n\n  \na,b\n\n,,\n1,2\n , \n3,4\n,,,\n"),
			header: []string{"a", "b"},
			rows:   [][]string{{"1", "2"}, {"3", "4"}},
			lines:  []int{7, 9}, wantEnc: EncodingUTF8, wantDelim: ',',
		},
		{
			name:   "blank and duplicate headers",
			in:     []byte(" Email ,,email,Email (2),\nx,y,z,w,v\n"),
			header: []string{"Email", "column 2", "email (2)", "Email (2) (2)", "column 5"},
			rows:   [][]string{{"x", "y", "z", "w", "v"}},
			lines:  []int{2}, wantEnc: EncodingUTF8, wantDelim: ',',
		},
		{
			name:   "Excel sep= hint",
			in:     []byte("sep=;\r\na;b,c\r\n1;2,3\r\n"),
			header: []string{"a", "b,c"},
			rows:   [][]string{{"1", "2,3"}},
			lines:  []int{3}, wantEnc: EncodingUTF8, wantDelim: ';',
		},
		{
			name:   "classic Mac CR line ends",
			in:     []byte("a,b\r1,2\r3,4\r"),
			header: []string{"a", "b"},
			rows:   [][]string{{"1", "2"}, {"3", "4"}},
			lines:  []int{2, 3}, wantEnc: EncodingUTF8, wantDelim: ',',
		},
		{
			name:   "UTF-16LE with BOM, tab-separated (Excel Unicode text)",
			in:     utf16LE("Nombre\tCiudad\r\nJosé\tLogroño\r\n张伟\t北京\r\n", true),
			header: []string{"Nombre", "Ciudad"},
			rows:   [][]string{{"José", "Logroño"}, {"张伟", "北京"}},
			lines:  []int{2, 3}, wantEnc: EncodingUTF16LE, wantDelim: '\t',
		},
		{
			name:   "UTF-16BE with BOM",
			in:     utf16BE("a,b\n1,é\n", true),
			header: []string{"a", "b"},
			rows:   [][]string{{"1", "é"}},
			lines:  []int{2}, wantEnc: EncodingUTF16BE, wantDelim: ',',
		},
		{
			name:   "GB18030 Chinese",
			in:     gb18030(t, chineseText),
			header: []string{"姓名", "电子邮件", "公司"},
			rows:   [][]string{{"张伟", "zhang.wei@example.cn", "北京科技有限公司"}, {"李娜", "li.na@example.cn", "上海贸易公司"}},
			lines:  []int{2, 3}, wantEnc: EncodingGB18030, wantDelim: ',',
		},
		{
			name:   "Windows-1252 Spanish",
			in:     cp1252(t, "Nombre;Apellidos\r\nJosé;Pérez, Muñoz\r\n"),
			header: []string{"Nombre", "Apellidos"},
			rows:   [][]string{{"José", "Pérez, Muñoz"}},
			lines:  []int{2}, wantEnc: EncodingWindows1252, wantDelim: ';',
		},
		{
			name:   "explicit delimiter and encoding",
			in:     cp1252(t, "a:b\nñ:ü\n"),
			opts:   CSVOptions{Delimiter: ':', Encoding: "windows-1252"},
			header: []string{"a", "b"},
			rows:   [][]string{{"ñ", "ü"}},
			lines:  []int{2}, wantEnc: EncodingWindows1252, wantDelim: ':',
		},
		{
			name:   "single column",
			in:     []byte("email\nada@example.com\n"),
			header: []string{"email"},
			rows:   [][]string{{"ada@example.com"}},
			lines:  []int{2}, wantEnc: EncodingUTF8, wantDelim: ',',
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCSVReader(bytes.NewReader(tt.in), tt.opts)
			if err != nil {
				t.Fatalf("NewCSVReader: %v", err)
			}
			if got := r.Header(); !slices.Equal(got, tt.header) {
				t.Errorf("Header = %q, want %q", got, tt.header)
			}
			if r.Encoding() != tt.wantEnc {
				t.Errorf("Encoding = %q, want %q", r.Encoding(), tt.wantEnc)
			}
			if r.Delimiter() != tt.wantDelim {
				t.Errorf("Delimiter = %q, want %q", r.Delimiter(), tt.wantDelim)
			}
			rows := readAllRows(t, r)
			if len(rows) != len(tt.rows) {
				t.Fatalf("got %d rows %+v, want %d", len(rows), rows, len(tt.rows))
			}
			for i, row := range rows {
				if !slices.Equal(row.Values, tt.rows[i]) {
					t.Errorf("row %d = %q, want %q", i, row.Values, tt.rows[i])
				}
				if row.Line != tt.lines[i] {
					t.Errorf("row %d Line = %d, want %d", i, row.Line, tt.lines[i])
				}
				if !slices.Equal(row.Extra, tt.extra[i]) {
					t.Errorf("row %d Extra = %q, want %q", i, row.Extra, tt.extra[i])
				}
			}
			if _, err := r.Next(); err != io.EOF {
				t.Errorf("Next after the end = %v, want io.EOF", err)
			}
		})
	}
}

func TestCSVReaderEmpty(t *testing.T) {
	for _, in := range [][]byte{
		nil,
		[]byte("   \n\n\r\n"),
		withBOM(""),
		withBOM("\r\n"),
		utf16LE("", true),
		[]byte(",,,\n,\n"),
	} {
		_, err := NewCSVReader(bytes.NewReader(in), CSVOptions{})
		if !errors.Is(err, ErrEmpty) {
			t.Errorf("NewCSVReader(%q) err = %v, want ErrEmpty", in, err)
		}
	}
}

func TestCSVReaderHeaderOnly(t *testing.T) {
	for _, in := range []string{"name,email\n", "name,email", "name;email\r\n\r\n;\r\n"} {
		r, err := NewCSVReader(strings.NewReader(in), CSVOptions{})
		if err != nil {
			t.Fatalf("NewCSVReader(%q): %v", in, err)
		}
		if _, err := r.Next(); !errors.Is(err, ErrHeaderOnly) {
			t.Errorf("%q: first Next = %v, want ErrHeaderOnly", in, err)
		}
		if _, err := r.Next(); err != io.EOF {
			t.Errorf("%q: second Next = %v, want io.EOF", in, err)
		}
	}
}

func TestCSVReaderBinary(t *testing.T) {
	for name, in := range map[string][]byte{
		"png":  pngBytes,
		"zip":  zipBytes(t, "xl/workbook.xml"),
		"NULs": []byte("a,b\n\x00\x00\x00\x00\x01,2\n"),
	} {
		if _, err := NewCSVReader(bytes.NewReader(in), CSVOptions{}); !errors.Is(err, ErrBinary) {
			t.Errorf("%s: err = %v, want ErrBinary", name, err)
		}
	}
}

func TestCSVReaderTooManyColumns(t *testing.T) {
	wide := strings.Repeat("x,", 9999) + "x"
	in := "a,b\n1,2\n" + wide + "\n3,4\n"
	r, err := NewCSVReader(strings.NewReader(in), CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if row, err := r.Next(); err != nil || row.Values[0] != "1" {
		t.Fatalf("first row: %v %v", row, err)
	}
	_, err = r.Next()
	var re *RowError
	if !errors.As(err, &re) || !errors.Is(err, ErrTooManyColumns) {
		t.Fatalf("err = %v, want a RowError wrapping ErrTooManyColumns", err)
	}
	if re.Row != 2 || re.Line != 3 {
		t.Errorf("RowError at row %d line %d, want row 2 line 3", re.Row, re.Line)
	}
	if msg := err.Error(); !strings.Contains(msg, "10000") || !strings.Contains(msg, "1000") || !strings.Contains(msg, "row 2 (line 3)") {
		t.Errorf("message %q should name the row, line, count and limit", msg)
	}
	// The bad row is skipped; reading goes on.
	if row, err := r.Next(); err != nil || row.Values[0] != "3" || row.Line != 4 {
		t.Fatalf("row after the wide one: %v %v", row, err)
	}

	t.Run("header", func(t *testing.T) {
		_, err := NewCSVReader(strings.NewReader(wide+"\n1\n"), CSVOptions{MaxColumns: 50})
		var re *RowError
		if !errors.As(err, &re) || !errors.Is(err, ErrTooManyColumns) || re.Row != 0 || re.Line != 1 {
			t.Fatalf("err = %v, want header RowError wrapping ErrTooManyColumns", err)
		}
		if !strings.Contains(err.Error(), "header (line 1)") {
			t.Errorf("message %q should name the header", err)
		}
	})
}

// TestCSVReaderColumnGuard checks rows far wider than MaxColumns: the
// count in the error is the real one, the memory is not proportional to it,
// and the rows after them are read with the right line numbers.
func TestCSVReaderColumnGuard(t *testing.T) {
	var in strings.Builder
	in.WriteString("a,b,c\n")
	in.WriteString("1,2,3\n")                                                // line 2
	in.WriteString(strings.Repeat("x,", 1_999_999) + "x\n")                  // line 3: 2,000,000 columns
	in.WriteString("4,5,6\n")                                                // line 4
	in.WriteString("\"q\nq\"," + strings.Repeat("\"a,\nb\",", 1500) + "z\n") // lines 5-1506: 1502 columns
	in.WriteString("7,8,9\n")                                                // line 1507
	in.WriteString(strings.Repeat("w,", 1200) + "\"\"\"end\"")               // line 1508, 1201 columns, no final newline

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := NewCSVReader(strings.NewReader(in.String()), CSVOptions{MaxRecordBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		line    int
		first   string
		columns int // in the error; 0 for a good row
	}
	var got []result
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *RowError
		switch {
		case errors.As(err, &re) && errors.Is(err, ErrTooManyColumns):
			var n, limit int
			if _, serr := fmt.Sscanf(re.Err.Error(), "too many columns: %d, the limit is %d", &n, &limit); serr != nil {
				t.Fatalf("unexpected message %q: %v", re.Err, serr)
			}
			got = append(got, result{line: re.Line, columns: n})
		case err != nil:
			t.Fatalf("Next: %v", err)
		default:
			got = append(got, result{line: row.Line, first: row.Values[0]})
		}
	}
	runtime.ReadMemStats(&after)
	want := []result{
		{line: 2, first: "1"},
		{line: 3, columns: 2_000_000},
		{line: 4, first: "4"},
		{line: 5, columns: 1502},
		{line: 1507, first: "7"},
		{line: 1508, columns: 1201},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	// Without the guard, encoding/csv's split of a 1 MiB row of "x," took
	// about 78 MiB when this was written; the 4 MB row here would take
	// several times that. With it, a few hundred KiB.
	t.Logf("allocated %d KiB", (after.TotalAlloc-before.TotalAlloc)>>10)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
}

func TestCSVReaderRecordTooLarge(t *testing.T) {
	big := strings.Repeat("y", 2<<20)
	in := "a,b\n1,2\n3," + big + "\n5,6\n"
	r, err := NewCSVReader(strings.NewReader(in), CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, err = r.Next()
	var re *RowError
	if !errors.As(err, &re) || !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("err = %v, want RowError wrapping ErrRecordTooLarge", err)
	}
	if re.Row != 2 || re.Line != 3 {
		t.Errorf("RowError at row %d line %d, want row 2 line 3", re.Row, re.Line)
	}
	if _, err2 := r.Next(); err2 != err {
		t.Errorf("error is not sticky: %v", err2)
	}

	t.Run("just over the limit is caught exactly", func(t *testing.T) {
		in := "a\n" + strings.Repeat("z", 1000) + "\n"
		r, err := NewCSVReader(strings.NewReader(in), CSVOptions{MaxRecordBytes: 999})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); !errors.Is(err, ErrRecordTooLarge) {
			t.Fatalf("err = %v, want ErrRecordTooLarge", err)
		}
	})
	t.Run("limit counts quoted line breaks", func(t *testing.T) {
		in := "a\n\"" + strings.Repeat("line\n", 1000) + "\"\n"
		r, err := NewCSVReader(strings.NewReader(in), CSVOptions{MaxRecordBytes: 1024})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); !errors.Is(err, ErrRecordTooLarge) {
			t.Fatalf("err = %v, want ErrRecordTooLarge", err)
		}
	})
}

// TestCSVReaderBoundedMemory feeds rows far beyond the limits, generated on
// the fly, and checks that the reader fails without allocating anything
// like their size.
func TestCSVReaderBoundedMemory(t *testing.T) {
	const size = 256 << 20
	for _, tc := range []struct {
		name    string
		start   string
		pattern string
		want    error
	}{
		{"one endless line of columns", "", "x,", ErrRecordTooLarge},
		{"one endless line of long columns", "", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx,", ErrRecordTooLarge},
		{"one endless quoted field", "\"", "abc,\n", ErrRecordTooLarge},
		{"one endless unquoted field", "", "y", ErrRecordTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := io.MultiReader(strings.NewReader("a,b\n"+tc.start), &repeatReader{pattern: []byte(tc.pattern), n: size})
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			r, err := NewCSVReader(src, CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.Next()
			runtime.ReadMemStats(&after)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			t.Logf("allocated %d KiB", (after.TotalAlloc-before.TotalAlloc)>>10)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
				t.Errorf("allocated %d MiB for a %d MiB record; the limit is 1 MiB", alloc>>20, size>>20)
			}
		})
	}
}

// TestCSVReaderStreams reads a generated file of a million rows (~40 MB)
// that never exists in memory, checking counts and that the heap stays small.
func TestCSVReaderStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const rows = 1_000_000
	line := "Ada,Lovelace,ada@example.com,+44 20 7946 0000\n"
	src := io.MultiReader(strings.NewReader("first,last,email,phone\n"), &repeatReader{pattern: []byte(line), n: int64(rows * len(line))})
	r, err := NewCSVReader(src, CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var peak uint64
	var ms runtime.MemStats
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if row.Line != n+1 {
			t.Fatalf("row %d at line %d", n, row.Line)
		}
		if n%250_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if n != rows {
		t.Fatalf("read %d rows, want %d", n, rows)
	}
	if peak > 64<<20 {
		t.Errorf("live heap reached %d MiB while streaming", peak>>20)
	}
}

func TestDetectDelimiter(t *testing.T) {
	tests := []struct {
		head     string
		complete bool
		want     rune
	}{
		{"a,b,c\n1,2,3\n", true, ','},
		{"a;b;c\n1,5;2,5;3\n", true, ';'},
		{"a\tb\n1,2\t3\n", true, '\t'},
		{"a|b\n1|2\n", true, '|'},
		{"\"x;y\",b\n\"1;2\",3\n", true, ','},           // delimiters in quotes do not count
		{"\"multi\nline;;;\",b\n\"1\",2\n", true, ','},  // nor in quoted line breaks
		{"email\nada@example.com\n", true, ','},         // one column
		{"a;b;c\n1;2;3\n4,5,6,7,8,9,10,11", false, ';'}, // the cut last line is ignored
		{"", true, ','},
	}
	for _, tt := range tests {
		if got := DetectDelimiter([]byte(tt.head), tt.complete); got != tt.want {
			t.Errorf("DetectDelimiter(%q) = %q, want %q", tt.head, got, tt.want)
		}
	}
}

func TestCleanHeader(t *testing.T) {
	got := CleanHeader([]string{"\ufeffName", " ", "name", "NAME", "E-mail", "", "column 2"})
	want := []string{"Name", "column 2", "name (2)", "NAME (3)", "E-mail", "column 6", "column 2 (2)"}
	if !slices.Equal(got, want) {
		t.Errorf("CleanHeader = %q, want %q", got, want)
	}
}

func TestRowErrorMessage(t *testing.T) {
	err := &RowError{Row: 3, Line: 7, Column: 2, Err: fmt.Errorf("bad value")}
	if got, want := err.Error(), "row 3 (line 7), column 2: bad value"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
