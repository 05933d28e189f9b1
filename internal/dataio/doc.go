// Package dataio is the file-format layer of import and export: it reads
// CSV, XLSX, vCard and iCalendar files into neutral rows, cards and events,
// and writes CSV, XLSX, JSON Lines, vCard and iCalendar.
//
// Everything streams. Readers hold one record (a CSV row, an XLSX row, one
// vCard, one VEVENT) plus a fixed-size buffer, and each has a per-record size
// limit, so a multi-gigabyte upload does not grow memory and a hostile file
// fails with an error that names the line instead of exhausting the process.
// (XLSX is the exception that proves the rule: the format is a zip, so
// excelize needs random access; OpenXLSX reads from a file and spills large
// worksheets to temporary files.)
//
// The package knows nothing about the database or the records engine. The
// importer (internal/cli, internal/records) turns rows into records with
// MapHeaders and Card.Row; the exporter feeds records to a RowWriter.
package dataio

import (
	"errors"
	"fmt"
)

// Sentinel errors. Readers wrap them, so test with errors.Is.
var (
	// ErrEmpty means the input has no content: zero bytes, only
	// whitespace, only a byte order mark, or (for vCard and iCalendar) no
	// card or event at all.
	ErrEmpty = errors.New("file is empty")

	// ErrHeaderOnly is returned by the first call to Next of a reader whose
	// file has a header row and no data rows. Later calls return io.EOF.
	ErrHeaderOnly = errors.New("file has a header row but no data rows")

	// ErrBinary means the input is not text: it has NUL bytes that are not
	// UTF-16, or it starts like a zip, PDF, image or executable.
	ErrBinary = errors.New("file is binary, not text")

	// ErrUnknownEncoding is returned for an encoding name NewDecoder does not
	// know; the error names it.
	ErrUnknownEncoding = errors.New("unknown encoding")

	// ErrTooManyColumns means a row has more columns than the reader's
	// MaxColumns. The row is skipped: the caller may call Next again.
	ErrTooManyColumns = errors.New("too many columns")

	// ErrRecordTooLarge means one record (a CSV row, a vCard, a VEVENT) is
	// larger than the reader's byte limit. Reading cannot continue.
	ErrRecordTooLarge = errors.New("record too large")

	// ErrUnknownSheet means the XLSX workbook has no sheet of that name.
	ErrUnknownSheet = errors.New("unknown sheet")

	// ErrTooManyRows means an XLSX export passed the format's limit of
	// 1,048,576 rows.
	ErrTooManyRows = errors.New("too many rows")
)

// RowError locates an error in the input. Row is the 1-based data row
// (0 for the header); Line is the 1-based physical line (for CSV) or the
// spreadsheet row number (for XLSX) where the record starts; Column is the
// 1-based column, or 0 when the error is about the whole row.
type RowError struct {
	Row    int
	Line   int
	Column int
	Err    error
}

// Error formats the place and the cause: "row 3 (line 7), column 2: …",
// or "header (line 1): …".
func (e *RowError) Error() string {
	where := fmt.Sprintf("row %d (line %d)", e.Row, e.Line)
	if e.Row == 0 {
		where = fmt.Sprintf("header (line %d)", e.Line)
	}
	if e.Column > 0 {
		where += fmt.Sprintf(", column %d", e.Column)
	}
	return where + ": " + e.Err.Error()
}

// Unwrap returns the underlying error, so errors.Is finds the sentinel.
func (e *RowError) Unwrap() error { return e.Err }
