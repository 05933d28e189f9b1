package records

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteCSV writes records as CSV: a header of field names, then one row
// per record. Lists are joined with "; " (e-mail addresses, E.164
// numbers, ids). Cells that a spreadsheet would run as a formula are
// neutralised (see NeutraliseCell).
func WriteCSV(w io.Writer, fields []Field, recs []*Record) error {
	cw := csv.NewWriter(w)
	header := []string{"id"}
	for _, f := range fields {
		if f.Name != "id" {
			header = append(header, f.Name)
		}
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	row := make([]string, len(header))
	for _, r := range recs {
		row[0] = r.ID
		for i, name := range header[1:] {
			row[i+1] = NeutraliseCell(CellText(r.Values[name]))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CellText is a value as one spreadsheet cell: lists joined with "; "
// (addresses, E.164 numbers, ids), money as "amount currency", anything
// else as its JSON.
func CellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case []string:
		return strings.Join(x, "; ")
	case []EmailItem:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = e.Address
		}
		return strings.Join(out, "; ")
	case []PhoneItem:
		out := make([]string, len(x))
		for i, p := range x {
			out[i] = p.Number
		}
		return strings.Join(out, "; ")
	case json.Number:
		return x.String()
	case MoneyValue:
		if x.Amount == "" {
			return ""
		}
		return strings.TrimSpace(x.Amount + " " + x.Currency)
	case int, int64, float64:
		return fmt.Sprint(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// NeutraliseCell prefixes a cell that begins with =, +, -, @, a tab or a
// carriage return with a single quote, so that a spreadsheet opening the
// file shows the text instead of running it as a formula (OWASP's CSV
// injection advice).
func NeutraliseCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
