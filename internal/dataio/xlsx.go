package dataio

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// XLSX limits of the format itself.
const (
	xlsxMaxRows = 1_048_576
	xlsxMaxCols = 16_384
)

// Defaults of the XLSX reader limits.
const (
	// DefaultMaxXLSXBytes is how large a workbook NewXLSXReader buffers in
	// memory.
	DefaultMaxXLSXBytes = 64 << 20
	// DefaultMaxUnzippedBytes is how large a workbook may be unzipped, a
	// defence against zip bombs (excelize's own default is 16 GB).
	DefaultMaxUnzippedBytes = 1 << 30
)

// XLSXOptions configures OpenXLSX and NewXLSXReader.
type XLSXOptions struct {
	// Sheet is the sheet to read; "" means the first visible one. A name
	// that matches no sheet, even ignoring case, is an error wrapping
	// ErrUnknownSheet.
	Sheet string
	// MaxColumns is the most columns a row may have (default 1000).
	MaxColumns int
	// MaxBytes caps the workbook NewXLSXReader reads into memory (default
	// 64 MiB); OpenXLSX reads the file in place and ignores it.
	MaxBytes int64
	// MaxUnzippedBytes caps the workbook's total unzipped size (default
	// 1 GiB).
	MaxUnzippedBytes int64
	// TmpDir is where excelize spills worksheets and shared strings larger
	// than 16 MiB unzipped; "" is the system default.
	TmpDir string
}

// XLSXReader streams the rows of one sheet of a workbook. Cell values are
// the formatted text Excel shows (a date as the cell's number format writes
// it), so a sheet reads like the CSV Excel would save.
type XLSXReader struct {
	f       *excelize.File
	rows    *excelize.Rows
	sheets  []string
	sheet   string
	header  []string
	maxCols int
	rowNum  int // spreadsheet row number of the last row read
	dataRow int
	gotData bool
	err     error
}

var _ RowReader = (*XLSXReader)(nil)

// OpenXLSX opens the workbook at path and positions the reader after the
// header row of the chosen sheet. The zip is read in place; the sheet XML
// streams from it or from a temporary file.
func OpenXLSX(path string, opts XLSXOptions) (*XLSXReader, error) {
	var f *excelize.File
	err := guard("workbook", func() error {
		var err error
		f, err = excelize.OpenFile(path, excelizeOptions(opts))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open workbook: %w", err)
	}
	return newXLSXReader(f, opts)
}

// NewXLSXReader reads a workbook from r, which it buffers in memory up to
// opts.MaxBytes (a zip needs random access; use OpenXLSX for large files),
// and positions the reader after the header row of the chosen sheet.
func NewXLSXReader(r io.Reader, opts XLSXOptions) (*XLSXReader, error) {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxXLSXBytes
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: workbook larger than %d bytes", ErrRecordTooLarge, limit)
	}
	if len(b) == 0 {
		return nil, ErrEmpty
	}
	var f *excelize.File
	err = guard("workbook", func() error {
		var err error
		f, err = excelize.OpenReader(bytes.NewReader(b), excelizeOptions(opts))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open workbook: %w", err)
	}
	return newXLSXReader(f, opts)
}

func excelizeOptions(opts XLSXOptions) excelize.Options {
	limit := opts.MaxUnzippedBytes
	if limit <= 0 {
		limit = DefaultMaxUnzippedBytes
	}
	return excelize.Options{TmpDir: opts.TmpDir, UnzipSizeLimit: limit, UnzipXMLSizeLimit: min(limit, excelize.StreamChunkSize)}
}

func newXLSXReader(f *excelize.File, opts XLSXOptions) (*XLSXReader, error) {
	x := &XLSXReader{f: f, maxCols: opts.MaxColumns}
	if x.maxCols <= 0 {
		x.maxCols = DefaultMaxColumns
	}
	fail := func(err error) (*XLSXReader, error) {
		_ = f.Close()
		return nil, err
	}
	x.sheets = f.GetSheetList()
	if len(x.sheets) == 0 {
		return fail(ErrEmpty)
	}
	x.sheet = opts.Sheet
	if x.sheet == "" {
		x.sheet = x.sheets[0]
		for _, s := range x.sheets {
			if visible, err := f.GetSheetVisible(s); err == nil && visible {
				x.sheet = s
				break
			}
		}
	} else {
		found := ""
		for _, s := range x.sheets {
			if s == x.sheet {
				found = s
				break
			}
			if found == "" && strings.EqualFold(s, x.sheet) {
				found = s
			}
		}
		if found == "" {
			return fail(fmt.Errorf("%w %q (the workbook has %s)", ErrUnknownSheet, opts.Sheet, quoteList(x.sheets)))
		}
		x.sheet = found
	}
	if err := guard("workbook", func() error {
		var err error
		x.rows, err = f.Rows(x.sheet)
		return err
	}); err != nil {
		return fail(fmt.Errorf("read sheet %q: %w", x.sheet, err))
	}
	for {
		rec, err := x.readRow()
		if err == io.EOF {
			return fail(ErrEmpty)
		}
		if err != nil {
			return fail(&RowError{Row: 0, Line: x.rowNum, Err: err})
		}
		if blank(rec) {
			continue
		}
		if len(rec) > x.maxCols {
			return fail(&RowError{Row: 0, Line: x.rowNum, Err: fmt.Errorf("%w: %d, the limit is %d", ErrTooManyColumns, len(rec), x.maxCols)})
		}
		x.header = CleanHeader(rec)
		return x, nil
	}
}

// Sheets returns the names of the workbook's sheets in order.
func (x *XLSXReader) Sheets() []string { return x.sheets }

// Sheet returns the name of the sheet being read.
func (x *XLSXReader) Sheet() string { return x.sheet }

// Header returns the cleaned column names (see RowReader).
func (x *XLSXReader) Header() []string { return x.header }

// Next returns the next data row (see RowReader); Row.Line is the
// spreadsheet row number.
func (x *XLSXReader) Next() (Row, error) {
	if x.err != nil {
		return Row{}, x.err
	}
	for {
		rec, err := x.readRow()
		if err == io.EOF {
			x.err = io.EOF
			if !x.gotData {
				x.gotData = true
				return Row{}, ErrHeaderOnly
			}
			return Row{}, io.EOF
		}
		if err != nil {
			x.err = &RowError{Row: x.dataRow + 1, Line: x.rowNum, Err: err}
			return Row{}, x.err
		}
		if blank(rec) {
			continue
		}
		x.dataRow++
		x.gotData = true
		if len(rec) > x.maxCols {
			return Row{}, &RowError{Row: x.dataRow, Line: x.rowNum, Err: fmt.Errorf("%w: %d, the limit is %d", ErrTooManyColumns, len(rec), x.maxCols)}
		}
		row := Row{Line: x.rowNum, Values: make([]string, len(x.header))}
		copy(row.Values, rec)
		if len(rec) > len(x.header) {
			row.Extra = append([]string(nil), rec[len(x.header):]...)
		}
		return row, nil
	}
}

// readRow returns the cells of the next spreadsheet row; excelize reports
// every row number, the ones missing from the XML as empty.
func (x *XLSXReader) readRow() ([]string, error) {
	var rec []string
	err := guard("workbook", func() error {
		if !x.rows.Next() {
			if err := x.rows.Error(); err != nil {
				return err
			}
			return io.EOF
		}
		x.rowNum++
		var err error
		rec, err = x.rows.Columns()
		return err
	})
	if err != nil && err != io.EOF {
		err = fmt.Errorf("read sheet %q: %w", x.sheet, err)
	}
	return rec, err
}

// Close closes the sheet and the workbook and removes temporary files.
func (x *XLSXReader) Close() error {
	var err error
	if x.rows != nil {
		err = x.rows.Close()
	}
	if cerr := x.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// guard runs fn and turns a panic into an error. The libraries behind the
// readers (excelize, go-vcard, golang-ical) parse untrusted uploads; a
// malformed one must fail the import, not the server.
func guard(what string, fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed %s: %v", what, p)
		}
	}()
	return fn()
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// XLSXWriter writes one sheet of a workbook row by row with excelize's
// stream writer, which keeps rows in a temporary file rather than memory.
// Every cell is a string cell, neutralised like CSVWriter's (see
// NeutraliseFormula), and a cell longer than Excel's 32,767 characters is cut
// there by excelize. Nothing reaches w until Close.
type XLSXWriter struct {
	w      io.Writer
	f      *excelize.File
	sw     *excelize.StreamWriter
	row    int
	cells  []any
	err    error
	closed bool
}

var _ RowWriter = (*XLSXWriter)(nil)

// NewXLSXWriter starts a workbook with one sheet named sheet ("" is
// "Sheet1") that Close writes to w.
func NewXLSXWriter(w io.Writer, sheet string) (*XLSXWriter, error) {
	f := excelize.NewFile()
	if sheet != "" && sheet != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("name sheet: %w", err)
		}
	} else {
		sheet = "Sheet1"
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("start sheet: %w", err)
	}
	return &XLSXWriter{w: w, f: f, sw: sw}, nil
}

// WriteHeader writes the header row, in bold and frozen at the top.
func (x *XLSXWriter) WriteHeader(cols []string) error {
	if x.err != nil {
		return x.err
	}
	if x.closed {
		return errClosed
	}
	style, err := x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return x.fail(fmt.Errorf("header style: %w", err))
	}
	if x.row == 0 {
		if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return x.fail(fmt.Errorf("freeze header: %w", err))
		}
	}
	return x.write(cols, excelize.RowOpts{StyleID: style})
}

// WriteRow writes one data row.
func (x *XLSXWriter) WriteRow(values []string) error {
	if x.err != nil {
		return x.err
	}
	return x.write(values, excelize.RowOpts{})
}

func (x *XLSXWriter) write(values []string, opts excelize.RowOpts) error {
	if x.closed {
		return errClosed
	}
	if x.row >= xlsxMaxRows {
		return x.fail(fmt.Errorf("%w: an XLSX sheet holds at most %d", ErrTooManyRows, xlsxMaxRows))
	}
	if len(values) > xlsxMaxCols {
		return x.fail(&RowError{Row: x.row, Line: x.row + 1, Err: fmt.Errorf("%w: %d, an XLSX sheet holds at most %d", ErrTooManyColumns, len(values), xlsxMaxCols)})
	}
	x.row++
	x.cells = x.cells[:0]
	for _, v := range values {
		x.cells = append(x.cells, NeutraliseFormula(v))
	}
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err == nil {
		err = x.sw.SetRow(cell, x.cells, opts)
	}
	if err != nil {
		return x.fail(fmt.Errorf("write row %d: %w", x.row, err))
	}
	return nil
}

func (x *XLSXWriter) fail(err error) error {
	x.err = err
	return err
}

// Close finishes the sheet, writes the workbook to w and removes the
// temporary files. It must be called, also after an error, which it
// returns again.
func (x *XLSXWriter) Close() error {
	if x.closed {
		if x.err != nil {
			return x.err
		}
		return errClosed
	}
	x.closed = true
	if x.err == nil {
		if err := x.sw.Flush(); err != nil {
			x.err = fmt.Errorf("flush sheet: %w", err)
		} else if err := x.f.Write(x.w); err != nil {
			x.err = fmt.Errorf("write workbook: %w", err)
		}
	}
	if err := x.f.Close(); err != nil && x.err == nil {
		x.err = fmt.Errorf("close workbook: %w", err)
	}
	return x.err
}
