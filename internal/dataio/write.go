package dataio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"
)

// RowWriter is what the exporter writes tabular files through; CSVWriter,
// XLSXWriter and JSONLWriter satisfy it. Call WriteHeader once, then
// WriteRow per record, then Close, which flushes and reports the first error.
type RowWriter interface {
	WriteHeader(cols []string) error
	WriteRow(values []string) error
	Close() error
}

var errClosed = errors.New("writer is closed")

// NeutraliseFormula defends a cell against formula injection (CSV
// injection): a value that begins with '=', '+', '-', '@', a tab or a
// carriage return, or their full-width forms, which spreadsheets may run
// as a formula, gets a leading single quote, which they show as text.
//
// This is OWASP's rule as written, so it also prefixes a negative number
// ("-12.5" becomes "'-12.5") and an international phone number ("+34 …"): a
// numeric exception is the kind of parsing attackers find a way around
// ("-1+cmd|…" is not a number, but "-1e3" is), and a quote in front of a
// number costs a reader less than a formula costs a victim. StripFormulaGuard
// undoes it on import.
func NeutraliseFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	if s[0] >= utf8.RuneSelf {
		r, _ := utf8.DecodeRuneInString(s)
		switch r {
		case '＝', '＋', '－', '＠':
			return "'" + s
		}
	}
	return s
}

// StripFormulaGuard undoes NeutraliseFormula: it removes a leading single
// quote when the next character is one NeutraliseFormula guards. Other
// values, including ones that merely start with a quote, are returned as
// they are.
func StripFormulaGuard(s string) string {
	if len(s) < 2 || s[0] != '\'' {
		return s
	}
	if NeutraliseFormula(s[1:]) != s[1:] {
		return s[1:]
	}
	return s
}

// CSVWriterOptions configures NewCSVWriter. The zero value writes
// comma-separated UTF-8 with CRLF line ends (RFC 4180) and no BOM.
type CSVWriterOptions struct {
	// BOM writes a UTF-8 byte order mark first, which Excel needs to read
	// the file as UTF-8 rather than the system code page.
	BOM bool
	// Delimiter is the field separator; 0 means ','.
	Delimiter rune
	// LF ends lines with "\n" instead of "\r\n".
	LF bool
}

// CSVWriter writes UTF-8 CSV with every cell neutralised (see
// NeutraliseFormula).
type CSVWriter struct {
	bw  *bufio.Writer
	cw  *csv.Writer
	bom bool
	rec []string
	err error
}

var _ RowWriter = (*CSVWriter)(nil)

// NewCSVWriter returns a CSV writer to w.
func NewCSVWriter(w io.Writer, opts CSVWriterOptions) *CSVWriter {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	if opts.Delimiter != 0 {
		cw.Comma = opts.Delimiter
	}
	cw.UseCRLF = !opts.LF
	return &CSVWriter{bw: bw, cw: cw, bom: opts.BOM}
}

// WriteHeader writes the header row.
func (c *CSVWriter) WriteHeader(cols []string) error {
	return c.WriteRow(cols)
}

// WriteRow writes one row.
func (c *CSVWriter) WriteRow(values []string) error {
	if c.err != nil {
		return c.err
	}
	if c.bom {
		c.bom = false
		if _, err := c.bw.Write(bomUTF8); err != nil {
			c.err = fmt.Errorf("write csv: %w", err)
			return c.err
		}
	}
	c.rec = c.rec[:0]
	for _, v := range values {
		c.rec = append(c.rec, NeutraliseFormula(v))
	}
	if err := c.cw.Write(c.rec); err != nil {
		c.err = fmt.Errorf("write csv: %w", err)
	}
	return c.err
}

// WriteCell writes one cell of a row written cell by cell — first says
// it is the row's first — exactly as WriteRow would write it in the row;
// EndRow ends the row. It saves the exporter a string per cell.
func (c *CSVWriter) WriteCell(cell []byte, first bool) error {
	if c.err != nil {
		return c.err
	}
	bw := c.bw
	if c.bom {
		c.bom = false
		bw.Write(bomUTF8)
	}
	comma := c.cw.Comma
	if !first {
		if comma < utf8.RuneSelf {
			bw.WriteByte(byte(comma))
		} else {
			bw.WriteRune(comma)
		}
	}
	guard := needsGuard(cell)
	if !c.needsQuotes(cell, guard) {
		if guard {
			bw.WriteByte('\'')
		}
		_, err := bw.Write(cell)
		return c.setErr(err)
	}
	bw.WriteByte('"')
	if guard {
		bw.WriteByte('\'')
	}
	for len(cell) > 0 {
		i := bytes.IndexAny(cell, "\"\r\n")
		if i < 0 {
			i = len(cell)
		}
		bw.Write(cell[:i])
		cell = cell[i:]
		if len(cell) > 0 {
			switch cell[0] {
			case '"':
				bw.WriteString(`""`)
			case '\r':
				if !c.cw.UseCRLF {
					bw.WriteByte('\r')
				}
			case '\n':
				if c.cw.UseCRLF {
					bw.WriteString("\r\n")
				} else {
					bw.WriteByte('\n')
				}
			}
			cell = cell[1:]
		}
	}
	return c.setErr(bw.WriteByte('"'))
}

// EndRow ends a row written by WriteCell.
func (c *CSVWriter) EndRow() error {
	if c.err != nil {
		return c.err
	}
	if c.cw.UseCRLF {
		_, err := c.bw.WriteString("\r\n")
		return c.setErr(err)
	}
	return c.setErr(c.bw.WriteByte('\n'))
}

func (c *CSVWriter) setErr(err error) error {
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("write csv: %w", err)
	}
	return c.err
}

// needsGuard reports whether NeutraliseFormula would prefix cell.
func needsGuard(cell []byte) bool {
	if len(cell) == 0 {
		return false
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	if cell[0] >= utf8.RuneSelf {
		r, _ := utf8.DecodeRune(cell)
		switch r {
		case '＝', '＋', '－', '＠':
			return true
		}
	}
	return false
}

// needsQuotes is encoding/csv's rule for quoting a field (the cell with a
// leading quote when guard).
func (c *CSVWriter) needsQuotes(cell []byte, guard bool) bool {
	if len(cell) == 0 {
		return false
	}
	if !guard && string(cell) == `\.` {
		return true
	}
	comma := c.cw.Comma
	if guard && comma == '\'' {
		return true
	}
	if comma < utf8.RuneSelf {
		if hasSpecial(cell, byte(comma)) {
			return true
		}
	} else if bytes.ContainsRune(cell, comma) || bytes.ContainsAny(cell, "\"\r\n") {
		return true
	}
	if guard {
		return false
	}
	r, _ := utf8.DecodeRune(cell)
	return unicode.IsSpace(r)
}

// hasSpecial reports whether cell holds a line feed, a carriage return, a
// double quote or the byte comma. It looks at eight bytes at a time: a
// word has a byte equal to c when the word XOR c repeated has a zero
// byte, which (w - 0x01…01) &^ w & 0x80…80 detects exactly.
func hasSpecial(cell []byte, comma byte) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	lf, cr, quote, sep := lo*uint64('\n'), lo*uint64('\r'), lo*uint64('"'), lo*uint64(comma)
	i := 0
	for ; i+8 <= len(cell); i += 8 {
		w := binary.LittleEndian.Uint64(cell[i:])
		a, b, c, d := w^lf, w^cr, w^quote, w^sep
		if ((a-lo)&^a|(b-lo)&^b|(c-lo)&^c|(d-lo)&^d)&hi != 0 {
			return true
		}
	}
	for _, b := range cell[i:] {
		if b == '\n' || b == '\r' || b == '"' || b == comma {
			return true
		}
	}
	return false
}

// Flush writes buffered rows to the underlying writer.
func (c *CSVWriter) Flush() error {
	if c.err != nil {
		return c.err
	}
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		c.err = fmt.Errorf("write csv: %w", err)
		return c.err
	}
	if err := c.bw.Flush(); err != nil {
		c.err = fmt.Errorf("write csv: %w", err)
	}
	return c.err
}

// Close flushes and reports the first error. It does not close the
// underlying writer.
func (c *CSVWriter) Close() error {
	if c.err == errClosed {
		return c.err
	}
	if err := c.Flush(); err != nil {
		return err
	}
	c.err = errClosed
	return nil
}

// JSONLWriter writes JSON Lines: one JSON object per line, UTF-8, "\n"
// ended. Values are not neutralised; JSON is not opened by spreadsheets.
type JSONLWriter struct {
	bw   *bufio.Writer
	enc  *json.Encoder
	buf  bytes.Buffer
	cols []string
	err  error
}

var _ RowWriter = (*JSONLWriter)(nil)

// NewJSONLWriter returns a JSON Lines writer to w.
func NewJSONLWriter(w io.Writer) *JSONLWriter {
	j := &JSONLWriter{bw: bufio.NewWriterSize(w, 64<<10)}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	return j
}

// Write writes obj as one line; encoding/json sorts its keys.
func (j *JSONLWriter) Write(obj map[string]any) error {
	if j.err != nil {
		return j.err
	}
	j.buf.Reset()
	if err := j.enc.Encode(obj); err != nil { // Encode appends the "\n"
		return fmt.Errorf("encode json line: %w", err)
	}
	return j.flushLine()
}

// WriteHeader sets the keys WriteRow uses; it writes nothing.
func (j *JSONLWriter) WriteHeader(cols []string) error {
	j.cols = append([]string(nil), cols...)
	return j.err
}

// WriteRow writes an object with the header's keys in header order, each
// with its value ("" when the row is short; extra values are an error).
func (j *JSONLWriter) WriteRow(values []string) error {
	if j.err != nil {
		return j.err
	}
	if len(values) > len(j.cols) {
		return fmt.Errorf("json line: %d values for %d columns", len(values), len(j.cols))
	}
	j.buf.Reset()
	j.buf.WriteByte('{')
	for i, k := range j.cols {
		if i > 0 {
			j.buf.WriteByte(',')
		}
		v := ""
		if i < len(values) {
			v = values[i]
		}
		// Encode never fails on strings; it appends a newline we drop.
		_ = j.enc.Encode(k)
		j.buf.Truncate(j.buf.Len() - 1)
		j.buf.WriteByte(':')
		_ = j.enc.Encode(v)
		j.buf.Truncate(j.buf.Len() - 1)
	}
	j.buf.WriteString("}\n")
	return j.flushLine()
}

func (j *JSONLWriter) flushLine() error {
	if _, err := j.bw.Write(j.buf.Bytes()); err != nil {
		j.err = fmt.Errorf("write json lines: %w", err)
	}
	return j.err
}

// Close flushes and reports the first error. It does not close the
// underlying writer.
func (j *JSONLWriter) Close() error {
	if j.err == errClosed {
		return j.err
	}
	if j.err != nil {
		return j.err
	}
	if err := j.bw.Flush(); err != nil {
		j.err = fmt.Errorf("write json lines: %w", err)
		return j.err
	}
	j.err = errClosed
	return nil
}
