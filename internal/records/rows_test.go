package records

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestRowsCellsMatchRecords: for stored values of every form — as Rapport
// writes them, as PostgreSQL's jsonb gives them back, and odd ones the
// quick paths must hand to the engine's decoding — Rows writes the cell and
// the JSON that CellText and writeJSON write for the decoded value.
func TestRowsCellsMatchRecords(t *testing.T) {
	emails := Field{Name: "emails", Type: EmailList, Column: "emails"}
	phones := Field{Name: "phones", Type: PhoneList, Column: "phones"}
	when := Field{Name: "at", Type: DateTime, Column: "at"}
	day := Field{Name: "day", Type: Date, Column: "day"}
	text := Field{Name: "t", Type: Text, Column: "t"}
	tests := []struct {
		f   Field
		raw any
	}{
		{emails, `[{"address":"ana@x.example","primary":true}]`},
		{emails, `[{"address":"ana@x.example","label":"work","primary":false},{"address":"b@y.example","primary":true}]`},
		{emails, `[{"label": "home", "address": "ana@x.example", "primary": true}]`},
		{emails, `[]`},
		{emails, `[ ]`},
		{emails, `null`},
		{emails, `[{"address":"a\u003cb@x.example","primary":true}]`},
		{emails, `[{"address":"a<b>&c@x.example","label":"","primary":true}]`},
		{emails, `[{"Address":"case@x.example","primary":true}]`},
		{emails, `[{"address":"x@x.example","extra":1,"primary":true}]`},
		{emails, `[{"address":"dup@x.example","address":"last@x.example","primary":false}]`},
		{emails, "[{\"address\":\"sep\u2028@x.example\",\"primary\":true}]"},
		{emails, "[{\"address\":\"bad\xff@x.example\",\"primary\":true}]"},
		{emails, []byte(`[{"address":"bytes@x.example","primary":true}]`)},
		{phones, `[{"number":"+34612345678","text":"+34 612 34 56 78","label":"mobile","primary":true}]`},
		{phones, `[{"text": "+1 415 555 0100", "label": "work", "number": "+14155550100", "primary": false}]`},
		{phones, `[{"number":"+86101234","text":"010 \"1234\"","primary":true}]`},
		{when, "2026-11-23T10:11:12.123456Z"},
		{when, "2026-02-29T10:11:12.000000Z"},
		{when, "2024-02-29T23:59:59.999999Z"},
		{when, "2026-11-23 10:11:12"},
		{when, "2026-11-23T10:11:12Z"},
		{when, time.Date(2026, 11, 23, 10, 11, 12, 123456000, time.FixedZone("x", 3600))},
		{day, "2026-11-23"},
		{day, "2026-11-23T00:00:00Z"},
		{day, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{text, "=1+1 <b>&</b> \u2028 \"q\" \\ \t\n"},
		{text, []byte("bytes")},
	}
	for _, tc := range tests {
		v, verr := scanValue(&tc.f, tc.raw)
		check := func(how string, r *Rows) {
			cell, err := r.AppendCell(nil, 0, 0)
			if (err != nil) != (verr != nil) {
				t.Errorf("%s %s %q: error %v, the engine's %v", how, tc.f.Name, tc.raw, err, verr)
				return
			}
			if verr != nil {
				return
			}
			if want := CellText(v); string(cell) != want {
				t.Errorf("%s %s %q: cell %q, want %q", how, tc.f.Name, tc.raw, cell, want)
			}
			var want bytes.Buffer
			writeJSON(&want, v)
			got := want.Bytes()
			if out, ok := r.appendQuick(nil, &tc.f, 0, rowFirstField, true); ok {
				got = out
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s %s %q: JSON %s, want %s", how, tc.f.Name, tc.raw, got, want.Bytes())
			}
		}
		r := &Rows{Fields: []Field{tc.f}, col: []int{rowFirstField}, vals: [][]any{make([]any, rowFirstField+1)}, n: 1, cvRow: -1}
		r.vals[0][rowFirstField] = tc.raw
		check("column", r)
		// The same text as a packed row gives it (SQLite).
		if s, ok := tc.raw.(string); ok {
			r.texts = [][]string{make([]string, rowFirstField+1)}
			r.texts[0][rowFirstField] = s
			r.vals[0][rowFirstField] = packedText{}
			check("packed", r)
		}
	}
}

// TestUnpack: a packed row cuts into its cells — values, empty text and
// NULLs — and a row whose values hold a mark is refused, however the
// marks fall, so that it is read again column by column.
func TestUnpack(t *testing.T) {
	const v, n = "\x1f", "\x1e"
	tests := []struct {
		packed string
		want   []any // by packed column; nil is NULL
		ok     bool
	}{
		{"7" + v + "a" + v + "" + n + v + "中文, \"q\"", []any{"a", "", nil, "中文, \"q\""}, true},
		{"12" + n + n + n + n, []any{nil, nil, nil, nil}, true},
		{"3" + v + v + v + v, []any{"", "", "", ""}, true},
		{"3" + v + "a" + v + "b" + v + "c" + v + "d" + v + "e", nil, false}, // one value held a value mark
		{"3" + v + "a" + n + "b" + v + "c" + v + "d", nil, false},           // one held a NULL mark
		{"3" + v + "a" + v + "b" + v + "c", nil, false},                     // too few
		{"3" + v + n + n + n + n, nil, false},                               // a value that is only a NULL mark
	}
	for _, tc := range tests {
		cols := []int{1, 2, 4, 5}
		r := &Rows{vals: [][]any{make([]any, 6)}, texts: [][]string{make([]string, 6)}, packed: []string{tc.packed}}
		rowid, ok := r.unpack(0, cols)
		if ok != tc.ok || rowid != tc.packed[:strings.IndexAny(tc.packed, v+n)] {
			t.Errorf("%q: rowid %q, ok %v; want ok %v", tc.packed, rowid, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		for k, c := range cols {
			got := r.raw(0, c)
			if got != tc.want[k] {
				t.Errorf("%q: column %d is %#v, want %#v", tc.packed, c, got, tc.want[k])
			}
			if s, isText := r.text(0, c); isText != (tc.want[k] != nil) || (isText && s != tc.want[k]) {
				t.Errorf("%q: text of column %d is %q, %v", tc.packed, c, s, isText)
			}
		}
	}
}
