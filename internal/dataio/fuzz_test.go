package dataio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzCSVReader checks that the reader never panics, that every row has
// exactly one value per header column and at most MaxColumns in all, that
// lines go up, and (the strong part) that it returns what encoding/csv
// returns for the same decoded text, including after the rows the column
// guard cut short.
func FuzzCSVReader(f *testing.F) {
	for _, seed := range []string{
		"a,b\n1,2\n",
		"a;b;c\r\n1;2;3\r\n\"x;\r\ny\";2;3\r\n",
		"a\tb\n1\t2\n",
		"sep=|\na|b\n1|2\n",
		"a,b\r1,2\r",
		"\ufeffa,b\n1\n1,2,3,4,5,6,7,8,9,10\n3,4\n",
		"a,b\n\"x\"y,\"\"\"z\n\"\n,\n",
		"h\n" + strings.Repeat("x,", 40) + "\n\"q\n\",1,2,3,4,5,6,7,8,9\nok\n",
		"a,b\n5\" screen,\"a \"q\" b\",c\n",
		"\xff\xfeh\x00,\x00i\x00\n\x001\x00,\x002\x00\n\x00",
	} {
		f.Add([]byte(seed), uint8(8))
	}
	f.Add(gb18030(f, chineseText), uint8(3))
	f.Add(cp1252(f, spanishText), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, maxCols uint8) {
		opts := CSVOptions{MaxColumns: int(maxCols%64) + 1, MaxRecordBytes: 1 << 16}
		r, err := NewCSVReader(bytes.NewReader(data), opts)
		if err != nil {
			return
		}
		header := r.Header()
		if len(header) == 0 || len(header) > opts.MaxColumns {
			t.Fatalf("header %q with limit %d", header, opts.MaxColumns)
		}
		seen := map[string]bool{}
		for _, h := range header {
			if h == "" || seen[strings.ToLower(h)] || !utf8.ValidString(h) {
				t.Fatalf("bad header %q", header)
			}
			seen[strings.ToLower(h)] = true
		}

		type rec struct {
			line    int
			values  []string
			columns int // > 0: the row was refused for having this many
		}
		var got []rec
		lastLine := 0
		for i := 0; ; i++ {
			if i > 1_000_000 {
				t.Fatal("no end")
			}
			row, err := r.Next()
			if err == io.EOF || errors.Is(err, ErrHeaderOnly) {
				break
			}
			var re *RowError
			if errors.Is(err, ErrTooManyColumns) && errors.As(err, &re) {
				var n, limit int
				if _, serr := fmt.Sscanf(re.Err.Error(), "too many columns: %d, the limit is %d", &n, &limit); serr != nil || n <= opts.MaxColumns {
					t.Fatalf("bad error %q", re.Err)
				}
				got = append(got, rec{line: re.Line, columns: n})
				continue
			}
			if err != nil {
				if _, again := r.Next(); again != err {
					t.Fatalf("error %v not sticky: %v", err, again)
				}
				return // limits hit; nothing more to compare
			}
			if len(row.Values) != len(header) || len(row.Values)+len(row.Extra) > opts.MaxColumns {
				t.Fatalf("row %+v for header %q", row, header)
			}
			if row.Line <= lastLine {
				t.Fatalf("line %d after %d", row.Line, lastLine)
			}
			lastLine = row.Line
			for _, v := range append(row.Values, row.Extra...) {
				if !utf8.ValidString(v) {
					t.Fatalf("invalid UTF-8 %q", v)
				}
			}
			got = append(got, rec{line: row.Line, values: append(row.Values, row.Extra...)})
		}

		// The reference: encoding/csv over the same decoded text.
		dec, _, err := NewDecoder(bytes.NewReader(data), "")
		if err != nil {
			t.Fatalf("NewDecoder fails after NewCSVReader did not: %v", err)
		}
		text, _ := io.ReadAll(dec)
		lineOff := 0
		if _, n := sepHint(text); n > 0 {
			text, lineOff = text[n:], 1
		}
		head := text[:min(len(text), SniffLen)]
		if bytes.IndexByte(head, '\r') >= 0 && bytes.IndexByte(head, '\n') < 0 {
			text = bytes.ReplaceAll(text, []byte("\r"), []byte("\n"))
		}
		cr := csv.NewReader(bytes.NewReader(text))
		cr.Comma, cr.LazyQuotes, cr.FieldsPerRecord = r.Delimiter(), true, -1
		var want []rec
		first := true
		for {
			fields, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return // the reference gives up; so do we
			}
			if blank(fields) {
				continue
			}
			if first {
				first = false
				continue
			}
			line, _ := cr.FieldPos(0)
			if len(fields) > opts.MaxColumns {
				want = append(want, rec{line: line + lineOff, columns: len(fields)})
				continue
			}
			v := make([]string, max(len(fields), len(header)))
			copy(v, fields)
			want = append(want, rec{line: line + lineOff, values: v})
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("reader and encoding/csv disagree\n got %+v\nwant %+v", got, want)
		}
	})
}

// FuzzReadVCards checks that reading never panics, that what it returns is
// valid UTF-8, and that writing a card and reading it back gives the same
// card, in vCard 4.0 and 3.0.
func FuzzReadVCards(f *testing.F) {
	for _, seed := range []string{googleVCard, appleVCard, v4VCard, androidVCard, outlookVCard,
		"BEGIN:VCARD\nN:a\\;b;c\\,d;;;\nEMAIL;TYPE=\"x;y\":mailto:MAILTO:z\nitem1.TEL:1\nitem1.X-ABLABEL:pref\nEND:VCARD\n",
		"BEGIN:VCARD\nNOTE;ENCODING=QUOTED-PRINTABLE:a=\n=0D=0Ab=\nEND:VCARD\n",
		"BEGIN:VCARD\nBEGIN:VCARD\nEND:VCARD\nEND:VCARD\nBEGIN:VCARD\n",
	} {
		f.Add([]byte(crlf(seed)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var cards []Card
		_ = ReadVCardsWith(bytes.NewReader(data), VCardOptions{MaxCardBytes: 1 << 16}, func(c Card) error {
			cards = append(cards, c)
			return nil
		})
		for _, c := range cards {
			checkUTF8(t, c)
			for _, version := range []string{"4.0", "3.0"} {
				var buf bytes.Buffer
				if err := WriteVCardVersion(&buf, c, version); err != nil {
					t.Fatal(err)
				}
				var back []Card
				if err := ReadVCards(bytes.NewReader(buf.Bytes()), func(c Card) error { back = append(back, c); return nil }); err != nil {
					t.Fatalf("reading back %q: %v", buf.String(), err)
				}
				want := c
				want.Line = 1
				want.FullName = formattedName(c)
				if version == "3.0" {
					want.Language = ""
				}
				if len(back) != 1 || !reflect.DeepEqual(back[0], want) {
					t.Fatalf("%s round trip\n got %#v\nwant %#v\n%s", version, back, want, buf.String())
				}
			}
		}
	})
}

// FuzzReadEvents checks that reading never panics, that text is valid
// UTF-8, and that writing what was read and reading it again is stable.
func FuzzReadEvents(f *testing.F) {
	for _, seed := range []string{googleICS, outlookICS,
		"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nDTEND:20260102T100000Z\nEND:VEVENT\nEND:VCALENDAR\n",
		"BEGIN:VCALENDAR\nX-WR-TIMEZONE:Asia/Tokyo\nBEGIN:VEVENT\nDTSTART;TZID=Nowhere:20260101T100000\nDURATION:-P1W\nATTENDEE;EMAIL=a@b.c:urn:x\nEND:VEVENT\nEND:VCALENDAR\n",
		"BEGIN:VEVENT\nSUMMARY:no calendar\nEND:VEVENT\n",
	} {
		f.Add([]byte(crlf(seed)))
	}
	stamp := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	roundTrip := func(t *testing.T, events []Event) []Event {
		t.Helper()
		var buf bytes.Buffer
		w, err := NewICalWriter(&buf, ICalWriterOptions{Now: stamp})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if err := w.Write(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		var back []Event
		if err := ReadEvents(bytes.NewReader(buf.Bytes()), func(e Event) error { back = append(back, e); return nil }); err != nil {
			t.Fatalf("reading back %q: %v", buf.String(), err)
		}
		return back
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var events []Event
		_ = ReadEventsWith(bytes.NewReader(data), ICalOptions{MaxEventBytes: 1 << 16}, func(e Event) error {
			events = append(events, e)
			return nil
		})
		if len(events) == 0 {
			return
		}
		for _, e := range events {
			checkUTF8(t, e)
		}
		second := roundTrip(t, events)
		third := roundTrip(t, second)
		if len(second) != len(events) || len(third) != len(second) {
			t.Fatalf("event counts %d, %d, %d", len(events), len(second), len(third))
		}
		for i := range second {
			a, b := second[i], third[i]
			if !a.Start.Equal(b.Start) || !a.End.Equal(b.End) {
				t.Fatalf("times drift: %v–%v then %v–%v", a.Start, a.End, b.Start, b.End)
			}
			a.Start, a.End, b.Start, b.End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("not stable\n%#v\n%#v", a, b)
			}
		}
	})
}

// checkUTF8 fails if any string reachable in v is invalid UTF-8.
func checkUTF8(t *testing.T, v any) {
	t.Helper()
	var walk func(reflect.Value)
	walk = func(rv reflect.Value) {
		switch rv.Kind() {
		case reflect.String:
			if !utf8.ValidString(rv.String()) {
				t.Fatalf("invalid UTF-8 %q in %+v", rv.String(), v)
			}
		case reflect.Struct:
			for i := range rv.NumField() {
				if rv.Type().Field(i).IsExported() {
					walk(rv.Field(i))
				}
			}
		case reflect.Slice:
			for i := range rv.Len() {
				walk(rv.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(v))
}

// FuzzDecoder checks that NewDecoder fails only with ErrBinary, that its
// output is always valid UTF-8, that valid UTF-8 without a BOM passes
// through unchanged, and that detection agrees with DetectEncoding.
func FuzzDecoder(f *testing.F) {
	encs := []string{"", "utf-8", "utf-16le", "utf-16be", "utf-16", "gb18030", "gbk", "windows-1252", "latin1"}
	f.Add([]byte(spanishText), uint8(0))
	f.Add(withBOM(chineseText), uint8(1))
	f.Add(utf16LE(spanishText, false), uint8(0))
	f.Add(utf16BE(chineseText, true), uint8(4))
	f.Add(gb18030(f, chineseText), uint8(0))
	f.Add(cp1252(f, spanishText), uint8(7))
	f.Add(pngBytes, uint8(0))
	f.Add([]byte("\xed\xa0\x80 surrogate \xf4\x90\x80\x80 too big"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		enc := encs[int(which)%len(encs)]
		r, name, err := NewDecoder(bytes.NewReader(data), enc)
		if err != nil {
			if !errors.Is(err, ErrBinary) {
				t.Fatalf("NewDecoder(%q): %v", enc, err)
			}
			return
		}
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if !utf8.Valid(out) {
			t.Fatalf("output is not UTF-8: %q", out)
		}
		if enc == "" {
			if d := DetectEncoding(data); d != name {
				t.Fatalf("NewDecoder chose %q, DetectEncoding says %q", name, d)
			}
			if name == EncodingUTF8 && utf8.Valid(data) && !bytes.HasPrefix(data, bomUTF8) && !bytes.Equal(out, data) {
				t.Fatalf("valid UTF-8 changed: %q → %q", data, out)
			}
		}
	})
}
