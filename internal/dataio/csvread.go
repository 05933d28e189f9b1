package dataio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Defaults of the reader limits.
const (
	DefaultMaxColumns     = 1000
	DefaultMaxRecordBytes = 1 << 20
)

// Row is one data row of a tabular file.
type Row struct {
	// Line is where the record starts: the 1-based physical line of a CSV
	// file (a quoted field may span several), or the spreadsheet row number
	// of an XLSX sheet.
	Line int
	// Values has exactly one value per header column; columns missing from a
	// short row are "".
	Values []string
	// Extra holds the values beyond the last header column, nil when none.
	Extra []string
}

// RowReader is what the importer reads tabular files through; CSVReader and
// XLSXReader satisfy it.
type RowReader interface {
	// Header returns the column names: trimmed, a blank name replaced by
	// "column N", a repeated one suffixed " (2)", " (3)", ….
	Header() []string
	// Next returns the next data row, skipping rows whose values are all
	// blank. At the end it returns io.EOF, except that a file with a header
	// and no data rows first returns ErrHeaderOnly. Errors are *RowError
	// values that name the row and line; after one wrapping
	// ErrTooManyColumns the caller may call Next again, after any other
	// error Next keeps returning it.
	Next() (Row, error)
	// Close releases what the reader holds (temporary files for XLSX).
	Close() error
}

// CSVOptions configures NewCSVReader. The zero value detects everything and
// applies the default limits.
type CSVOptions struct {
	// Encoding is passed to NewDecoder: "" detects it.
	Encoding string
	// Delimiter separates fields; 0 detects one of ',', ';', '\t', '|' from
	// the first lines, counting only delimiters outside quotes. A first line
	// "sep=;" (Excel's hint) sets it as well.
	Delimiter rune
	// MaxColumns is the most columns a row may have (default 1000). A longer
	// row is an error that names it; it is never padded into memory.
	MaxColumns int
	// MaxRecordBytes is the most bytes one record may take, quoted line
	// breaks included (default 1 MiB).
	MaxRecordBytes int
}

// CSVReader streams the rows of a delimited text file. It holds the current
// record and fixed-size buffers, so memory does not grow with the file.
type CSVReader struct {
	cr       *csv.Reader
	lim      *recordLimiter
	header   []string
	encoding string
	delim    rune
	maxCols  int
	maxBytes int
	lineOff  int // lines consumed before the csv.Reader started (a "sep=" line)

	rows     int   // data rows seen, the blank ones skipped
	prevOff  int64 // input offset at the end of the previous record
	nextLine int   // physical line after the previous record
	gotData  bool
	err      error // sticky
}

var _ RowReader = (*CSVReader)(nil)

// limiterSlack is the read-ahead of the csv.Reader's bufio.Reader, which the
// record limiter must let through on top of the record itself.
const limiterSlack = 4096

// NewCSVReader detects the encoding and delimiter of r, reads the header row
// and returns a reader positioned at the first data row. A file with no
// non-blank row returns ErrEmpty; a binary one ErrBinary.
func NewCSVReader(r io.Reader, opts CSVOptions) (*CSVReader, error) {
	dec, enc, err := NewDecoder(r, opts.Encoding)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(dec, SniffLen)
	head, err := br.Peek(SniffLen)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read: %w", err)
	}
	complete := err == io.EOF // head is the whole file

	c := &CSVReader{
		encoding: enc,
		delim:    opts.Delimiter,
		maxCols:  opts.MaxColumns,
		maxBytes: opts.MaxRecordBytes,
		nextLine: 1,
	}
	if c.maxCols <= 0 {
		c.maxCols = DefaultMaxColumns
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxRecordBytes
	}

	var src io.Reader = br
	if sep, n := sepHint(head); sep != 0 {
		if _, err := br.Discard(n); err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		head = head[n:]
		c.lineOff = 1
		if c.delim == 0 {
			c.delim = sep
		}
	}
	if c.delim == 0 {
		c.delim = DetectDelimiter(head, complete)
	}
	// Classic Mac files end lines with a lone CR, which encoding/csv does
	// not treat as a line break.
	if bytes.IndexByte(head, '\r') >= 0 && bytes.IndexByte(head, '\n') < 0 {
		src = crToLF{src}
	}
	if !validDelim(c.delim) {
		return nil, fmt.Errorf("invalid delimiter %q", c.delim)
	}
	c.lim = &recordLimiter{r: src, max: int64(c.maxBytes) + limiterSlack, maxCols: c.maxCols}
	if c.delim < utf8.RuneSelf {
		c.lim.delim = byte(c.delim)
	}
	c.cr = csv.NewReader(c.lim)
	c.cr.Comma = c.delim
	c.cr.LazyQuotes = true
	c.cr.FieldsPerRecord = -1
	c.cr.ReuseRecord = true

	for {
		rec, line, err := c.read()
		if err == io.EOF {
			return nil, ErrEmpty
		}
		if err != nil {
			return nil, &RowError{Row: 0, Line: line, Err: err}
		}
		tooMany, skip := c.check(rec)
		if skip {
			continue
		}
		if tooMany > 0 {
			return nil, &RowError{Row: 0, Line: line, Err: c.tooManyColumns(tooMany)}
		}
		c.header = CleanHeader(rec)
		return c, nil
	}
}

// Header returns the cleaned column names (see RowReader).
func (c *CSVReader) Header() []string { return c.header }

// Encoding returns the name of the encoding being decoded.
func (c *CSVReader) Encoding() string { return c.encoding }

// Delimiter returns the field delimiter in use.
func (c *CSVReader) Delimiter() rune { return c.delim }

// Close does nothing; it is there to satisfy RowReader.
func (c *CSVReader) Close() error { return nil }

// Next returns the next data row (see RowReader). Row.Values is a new slice
// the caller may keep.
func (c *CSVReader) Next() (Row, error) {
	if c.err != nil {
		return Row{}, c.err
	}
	for {
		rec, line, err := c.read()
		if err == io.EOF {
			c.err = io.EOF
			if !c.gotData {
				c.gotData = true
				return Row{}, ErrHeaderOnly
			}
			return Row{}, io.EOF
		}
		if err != nil {
			c.err = &RowError{Row: c.rows + 1, Line: line, Err: err}
			return Row{}, c.err
		}
		tooMany, skip := c.check(rec)
		if skip {
			continue
		}
		c.rows++
		c.gotData = true
		if tooMany > 0 {
			return Row{}, &RowError{Row: c.rows, Line: line, Err: c.tooManyColumns(tooMany)}
		}
		row := Row{Line: line, Values: make([]string, len(c.header))}
		copy(row.Values, rec)
		if len(rec) > len(c.header) {
			row.Extra = append([]string(nil), rec[len(c.header):]...)
		}
		return row, nil
	}
}

// read returns the next record and the line it starts on. Errors are
// returned without position; the caller wraps them in a RowError.
func (c *CSVReader) read() ([]string, int, error) {
	rec, err := c.cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && !errors.Is(err, ErrRecordTooLarge) {
			return nil, pe.StartLine + c.lineOff, pe.Err
		}
		if errors.Is(err, ErrRecordTooLarge) {
			return nil, c.nextLine, fmt.Errorf("%w: more than %d bytes", ErrRecordTooLarge, c.maxBytes)
		}
		return nil, c.nextLine, fmt.Errorf("read: %w", err)
	}
	off := c.cr.InputOffset()
	size := off - c.prevOff
	c.prevOff = off
	c.lim.start = off
	line, _ := c.cr.FieldPos(0)
	line += c.lineOff
	if size > int64(c.maxBytes) {
		return nil, line, fmt.Errorf("%w: %d bytes, the limit is %d", ErrRecordTooLarge, size, c.maxBytes)
	}
	// The line after this record, for errors about the next one, which the
	// csv.Reader cannot place. A quoted field may span lines.
	last := len(rec) - 1
	lastLine, _ := c.cr.FieldPos(last)
	c.nextLine = lastLine + c.lineOff + strings.Count(rec[last], "\n") + 1
	return rec, line, nil
}

// check looks at the record just read: skip says it is blank, tooMany > 0
// that it has that many columns, more than the limit. A record the limiter
// cut short is blank only if the part it swallowed was blank too.
func (c *CSVReader) check(rec []string) (tooMany int, skip bool) {
	if len(rec) <= c.maxCols {
		return 0, blank(rec)
	}
	n, blankRest, cut := c.lim.cut(c.cr.InputOffset())
	if !cut {
		n, blankRest = len(rec), true
	}
	return n, blankRest && blank(rec)
}

func (c *CSVReader) tooManyColumns(n int) error {
	return fmt.Errorf("%w: %d, the limit is %d", ErrTooManyColumns, n, c.maxCols)
}

// blank reports whether every value is empty or white space.
func blank(rec []string) bool {
	for _, v := range rec {
		if v != "" && strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// CleanHeader returns header names made usable as keys: a leading BOM and
// surrounding white space removed, a blank name replaced by "column N"
// (1-based), and a name repeated (case-insensitively) suffixed " (2)",
// " (3)", … so every name is unique.
func CleanHeader(rec []string) []string {
	h := make([]string, len(rec))
	used := make(map[string]bool, len(rec))
	for i, v := range rec {
		if i == 0 {
			v = strings.TrimPrefix(v, "\ufeff")
		}
		v = strings.TrimSpace(v)
		if v == "" {
			v = fmt.Sprintf("column %d", i+1)
		}
		if used[strings.ToLower(v)] {
			for n := 2; ; n++ {
				cand := fmt.Sprintf("%s (%d)", v, n)
				if !used[strings.ToLower(cand)] {
					v = cand
					break
				}
			}
		}
		used[strings.ToLower(v)] = true
		h[i] = v
	}
	return h
}

// sepHint recognises Excel's "sep=X" first line and returns X and the length
// of the line with its line break.
func sepHint(head []byte) (rune, int) {
	if len(head) < 5 || !bytes.EqualFold(head[:4], []byte("sep=")) {
		return 0, 0
	}
	r, size := utf8.DecodeRune(head[4:])
	rest := head[4+size:]
	switch {
	case bytes.HasPrefix(rest, []byte("\r\n")):
		return r, 4 + size + 2
	case bytes.HasPrefix(rest, []byte("\n")), bytes.HasPrefix(rest, []byte("\r")):
		return r, 4 + size + 1
	}
	return 0, 0
}

// delimiterCandidates in order of preference when the counts tie.
var delimiterCandidates = []byte{',', ';', '\t', '|'}

// DetectDelimiter picks the delimiter of the delimited text head from ',',
// ';', '\t' and '|': the one that occurs, outside double quotes, the same
// number of times on the most of the first 50 records, preferring more
// occurrences and then the order above. complete says head is the whole
// file; otherwise its last, possibly cut, line is ignored. Text with none of
// them (a single column) gives ','.
func DetectDelimiter(head []byte, complete bool) rune {
	const maxLines = 50
	type lineCounts [4]int
	var lines []lineCounts
	var cur lineCounts
	inQuote, empty := false, true
	for i := 0; i < len(head) && len(lines) < maxLines; i++ {
		b := head[i]
		switch {
		case b == '"':
			inQuote = !inQuote
			empty = false
		case (b == '\n' || b == '\r') && !inQuote:
			if !empty {
				lines = append(lines, cur)
			}
			cur, empty = lineCounts{}, true
		default:
			if b != ' ' {
				empty = false
			}
			if !inQuote {
				for k, d := range delimiterCandidates {
					if b == d {
						cur[k]++
					}
				}
			}
		}
	}
	if !empty && complete && len(lines) < maxLines {
		lines = append(lines, cur)
	}
	if len(lines) == 0 && !empty { // one long cut line
		lines = append(lines, cur)
	}
	best, bestAgree, bestCount := rune(','), 0, 0
	for k, d := range delimiterCandidates {
		// The most common non-zero count of d per line, and on how many lines.
		freq := map[int]int{}
		for _, l := range lines {
			if l[k] > 0 {
				freq[l[k]]++
			}
		}
		mode, agree := 0, 0
		for count, n := range freq {
			if n > agree || (n == agree && count > mode) {
				mode, agree = count, n
			}
		}
		if agree > bestAgree || (agree == bestAgree && agree > 0 && mode > bestCount) {
			best, bestAgree, bestCount = rune(d), agree, mode
		}
	}
	return best
}

func validDelim(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

// crToLF turns every CR into LF, for files whose lines end in a lone CR.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
