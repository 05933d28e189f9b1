package imports

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/dataio"
	"github.com/rapport-crm/rapport/internal/errs"
)

// row is one data row of a file: its 1-based number among the data rows,
// the line (or spreadsheet row) it starts on, and a value per header
// column.
type row struct {
	Num    int64
	Line   int64
	Values []string
	Extra  []string
	// Err is set for a row that could not be read (too many columns);
	// the file can be read on past it.
	Err error
}

// source reads the rows of an import file, whatever its format.
type source interface {
	Header() []string
	// Next returns the next row, io.EOF at the end, or an error after
	// which the file cannot be read further.
	Next() (row, error)
	Close() error
}

// sourceInfo is what opening a file found out about it.
type sourceInfo struct {
	Format    string
	Encoding  string
	Delimiter string
	Sheet     string
	Sheets    []string
}

// sniff tells the format of the file at path from its first bytes and
// its name.
func sniff(path, name string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open import file: %w", err)
	}
	defer f.Close()
	head := make([]byte, dataio.SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", fmt.Errorf("read import file: %w", err)
	}
	if n == 0 {
		return "", fileError(dataio.ErrEmpty)
	}
	switch dataio.SniffKind(head[:n], name) {
	case dataio.KindCSV:
		return FormatCSV, nil
	case dataio.KindXLSX:
		return FormatXLSX, nil
	case dataio.KindVCard:
		return FormatVCard, nil
	case dataio.KindICal:
		return FormatICal, nil
	case dataio.KindBinary:
		return "", fileError(dataio.ErrBinary)
	}
	if !utf8.Valid(head[:n]) && dataio.DetectEncoding(head[:n]) == dataio.EncodingBinary {
		return "", fileError(dataio.ErrBinary)
	}
	// One column of text without a delimiter is still a CSV file.
	return FormatCSV, nil
}

// errFileGone says an import's file is not kept any more.
var errFileGone = &errs.Error{Code: errs.Conflict, Message: "The file of this import is no longer kept (it is deleted when the import is done, or after a week); upload it again."}

// fileError turns a reader's error about the whole file into an
// application error that says what is wrong in words a user follows.
func fileError(err error) error {
	var re *dataio.RowError
	where := ""
	if errors.As(err, &re) {
		if re.Row == 0 {
			where = fmt.Sprintf(" (header, line %d)", re.Line)
		} else {
			where = fmt.Sprintf(" (row %d, line %d)", re.Row, re.Line)
		}
	}
	switch {
	case errors.Is(err, dataio.ErrEmpty):
		return &errs.Error{Code: errs.Invalid, Message: "The file is empty.", Fields: []errs.FieldError{{Location: "body.file", Message: "is empty: it has no rows"}}, Err: err}
	case errors.Is(err, dataio.ErrHeaderOnly):
		return &errs.Error{Code: errs.Invalid, Message: "The file has a header row but no data rows.", Fields: []errs.FieldError{{Location: "body.file", Message: "has a header row but no data rows"}}, Err: err}
	case errors.Is(err, dataio.ErrBinary):
		return &errs.Error{Code: errs.Invalid, Message: "The file is not text: send a CSV, XLSX, vCard (.vcf) or iCalendar (.ics) file.", Fields: []errs.FieldError{{Location: "body.file", Message: "is a binary file, not CSV, XLSX, vCard or iCalendar"}}, Err: err}
	case errors.Is(err, dataio.ErrTooManyColumns):
		return &errs.Error{Code: errs.Invalid, Message: "The file has too many columns" + where + ".", Fields: []errs.FieldError{{Location: "body.file", Message: fmt.Sprintf("has a row with more than %d columns%s", dataio.DefaultMaxColumns, where)}}, Err: err}
	case errors.Is(err, dataio.ErrRecordTooLarge):
		return &errs.Error{Code: errs.Invalid, Message: "A row of the file is too large" + where + ".", Fields: []errs.FieldError{{Location: "body.file", Message: fmt.Sprintf("has a row larger than %d bytes%s (an unclosed quote?)", dataio.DefaultMaxRecordBytes, where)}}, Err: err}
	case errors.Is(err, dataio.ErrUnknownEncoding):
		return &errs.Error{Code: errs.Invalid, Message: "Unknown encoding.", Fields: []errs.FieldError{{Location: "body.encoding", Message: "must be utf-8, utf-16, utf-16le, utf-16be, gb18030 or windows-1252 (or empty to detect it)"}}, Err: err}
	case errors.Is(err, dataio.ErrUnknownSheet):
		return &errs.Error{Code: errs.Invalid, Message: "The workbook has no such sheet.", Fields: []errs.FieldError{{Location: "body.sheet", Message: strings.TrimPrefix(err.Error(), "open workbook: ")}}, Err: err}
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return &errs.Error{Code: errs.Invalid, Message: "The file could not be read.", Fields: []errs.FieldError{{Location: "body.file", Message: "could not be read: " + msg}}, Err: err}
}

// openSource opens the batch's file as its format says, with its
// encoding, delimiter and sheet (empty ones detected), and returns what
// it found.
func openSource(b *Batch, tmpDir string) (source, sourceInfo, error) {
	info := sourceInfo{Format: b.Format}
	if _, err := os.Stat(b.path); b.path == "" || errors.Is(err, os.ErrNotExist) {
		return nil, info, errFileGone
	}
	switch b.Format {
	case FormatXLSX:
		x, err := dataio.OpenXLSX(b.path, dataio.XLSXOptions{Sheet: b.Sheet, TmpDir: tmpDir})
		if err != nil {
			return nil, info, fileError(err)
		}
		info.Sheet, info.Sheets = x.Sheet(), x.Sheets()
		return &tabular{r: x}, info, nil
	case FormatVCard:
		f, err := os.Open(b.path)
		if err != nil {
			return nil, info, fmt.Errorf("open import file: %w", err)
		}
		s := newPushSource(vcardHeader, f, func(r io.Reader, emit func([]string, int) error) error {
			return dataio.ReadVCardsWith(r, dataio.VCardOptions{Encoding: b.Encoding}, func(c dataio.Card) error {
				m := c.Row()
				vals := make([]string, len(vcardHeader))
				for i, h := range vcardHeader {
					vals[i] = m[h]
				}
				return emit(vals, c.Line)
			})
		})
		info.Encoding = b.Encoding
		return s, info, nil
	case FormatICal:
		f, err := os.Open(b.path)
		if err != nil {
			return nil, info, fmt.Errorf("open import file: %w", err)
		}
		s := newPushSource(icalHeader, f, func(r io.Reader, emit func([]string, int) error) error {
			return dataio.ReadEventsWith(r, dataio.ICalOptions{Encoding: b.Encoding}, func(e dataio.Event) error {
				return emit(eventValues(e), 0)
			})
		})
		info.Encoding = b.Encoding
		return s, info, nil
	}
	f, err := os.Open(b.path)
	if err != nil {
		return nil, info, fmt.Errorf("open import file: %w", err)
	}
	var delim rune
	if b.Delimiter != "" {
		delim, _ = utf8.DecodeRuneInString(b.Delimiter)
	}
	c, err := dataio.NewCSVReader(f, dataio.CSVOptions{Encoding: b.Encoding, Delimiter: delim})
	if err != nil {
		f.Close()
		return nil, info, fileError(err)
	}
	info.Encoding, info.Delimiter = c.Encoding(), string(c.Delimiter())
	return &tabular{r: c, closer: f}, info, nil
}

// tabular adapts a CSV or XLSX reader.
type tabular struct {
	r      dataio.RowReader
	closer io.Closer
	n      int64
}

func (t *tabular) Header() []string { return t.r.Header() }

func (t *tabular) Next() (row, error) {
	r, err := t.r.Next()
	if err != nil {
		var re *dataio.RowError
		if errors.As(err, &re) && errors.Is(err, dataio.ErrTooManyColumns) {
			t.n = int64(re.Row)
			return row{Num: t.n, Line: int64(re.Line), Err: re.Err}, nil
		}
		if err == io.EOF {
			return row{}, io.EOF
		}
		return row{}, fileError(err)
	}
	t.n++
	return row{Num: t.n, Line: int64(r.Line), Values: r.Values, Extra: r.Extra}, nil
}

func (t *tabular) Close() error {
	err := t.r.Close()
	if t.closer != nil {
		if cerr := t.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// The columns of a vCard (the canonical contact fields Card.Row fills)
// and of an iCalendar event.
var (
	vcardHeader = []string{"given_name", "middle_name", "family_name", "full_name", "emails", "phones", "job_title", "account",
		"street", "city", "region", "postal_code", "country", "language", "time_zone", "birthday", "tags", "description", "external_id"}
	icalHeader = []string{"uid", "summary", "description", "location", "start", "end", "organizer", "attendees", "status", "recurrence"}
)

func eventValues(e dataio.Event) []string {
	t := func(v time.Time) string {
		if v.IsZero() {
			return ""
		}
		return v.UTC().Format(time.RFC3339)
	}
	return []string{e.UID, e.Summary, e.Description, e.Location, t(e.Start), t(e.End), e.Organizer, strings.Join(e.Attendees, ", "), e.Status, e.Recurrence}
}

// pushSource turns a reader that calls back with each record (vCard,
// iCalendar) into one that is pulled, with a goroutine between them.
type pushSource struct {
	header []string
	rows   chan row
	errc   chan error
	done   chan struct{}
	closer io.Closer
	n      int64
	err    error
}

func newPushSource(header []string, f io.ReadCloser, read func(io.Reader, func([]string, int) error) error) *pushSource {
	s := &pushSource{header: header, rows: make(chan row, 64), errc: make(chan error, 1), done: make(chan struct{}), closer: f}
	go func() {
		var n int64
		err := read(f, func(vals []string, line int) error {
			n++
			select {
			case s.rows <- row{Num: n, Line: int64(line), Values: vals}:
				return nil
			case <-s.done:
				return errStopped
			}
		})
		close(s.rows)
		s.errc <- err
	}()
	return s
}

var errStopped = errors.New("stopped")

func (s *pushSource) Header() []string { return s.header }

func (s *pushSource) Next() (row, error) {
	if s.err != nil {
		return row{}, s.err
	}
	r, ok := <-s.rows
	if ok {
		return r, nil
	}
	if err := <-s.errc; err != nil {
		s.err = fileError(err)
	} else {
		s.err = io.EOF
	}
	return row{}, s.err
}

func (s *pushSource) Close() error {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	// Drain so the reading goroutine ends.
	for range s.rows {
	}
	return s.closer.Close()
}
