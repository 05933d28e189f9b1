package dataio

import (
	"bytes"
	"io"
	"unicode"
	"unicode/utf8"
)

// recordLimiter sits between the input and the csv.Reader and keeps one
// record from taking unbounded memory, in two ways.
//
// Bytes: it lets the csv.Reader read at most max bytes past the end of the
// last record it returned (the caller moves start there after each record),
// then fails with ErrRecordTooLarge.
//
// Columns: encoding/csv splits a whole record before returning it, so a
// megabyte of "x,x,x,…" would cost tens of megabytes of field slices. The
// limiter follows the record with the same state machine encoding/csv uses
// with LazyQuotes, and at the delimiter that would start column maxCols+1 it
// stops passing the record on: it reads the rest of it (still counting, and
// still within max bytes) without keeping it, then hands over line breaks in
// its place, one per line swallowed, so the csv.Reader's line numbers stay
// right. The csv.Reader sees a record of maxCols+1 columns; trips remembers
// the real count for the error message. With a multi-byte delimiter (delim
// 0) only the byte limit applies.
type recordLimiter struct {
	r       io.Reader
	max     int64
	maxCols int
	delim   byte

	start     int64 // input offset (as the csv.Reader counts it) of the current record
	delivered int64 // bytes handed to the csv.Reader

	st      scanState
	delims  int // delimiters seen outside quotes in the current record
	breaks  int // line breaks inside quotes swallowed of the current record
	pending []byte
	srcErr  error // an error of r held back until pending is used up
	skip    bool  // swallowing the rest of a record
	skipped int64 // bytes swallowed of the current record
	blank   bool  // what was swallowed of it is all white space
	rb      [utf8.UTFMax]byte
	rn      int // bytes of a multi-byte rune in rb
	tail    int // line breaks still to hand over
	trips   []trip
	err     error
	scratch []byte
}

// trip is a record cut short: its real column count, whether the part
// swallowed was blank, and the offset at which the csv.Reader's copy of it
// ends.
type trip struct {
	end     int64
	columns int
	blank   bool
}

type scanState uint8

const (
	fieldStart scanState = iota // at the start of a field
	unquoted                    // inside an unquoted field
	quoted                      // inside a quoted field
	quoteSeen                   // a quote inside a quoted field: end, escape or (lazily) literal
)

// step advances the state machine by one byte and reports whether the byte
// ended the record and whether it is a delimiter outside quotes.
func (l *recordLimiter) step(b byte) (end, delim bool) {
	switch l.st {
	case fieldStart, unquoted:
		switch b {
		case l.delim:
			l.st = fieldStart
			return false, true
		case '\n':
			l.st = fieldStart
			return true, false
		case '"':
			if l.st == fieldStart {
				l.st = quoted
			}
		default:
			l.st = unquoted
		}
	case quoted:
		switch b {
		case '"':
			l.st = quoteSeen
		case '\n':
			l.breaks++
		}
	case quoteSeen:
		switch b {
		case '"':
			l.st = quoted // escaped quote
		case l.delim:
			l.st = fieldStart
			return false, true
		case '\n':
			l.st = fieldStart
			return true, false
		case '\r': // "\r\n" is a line end to encoding/csv; wait for the '\n'
		default:
			l.st = quoted // a lazy quote, kept as text
		}
	}
	return false, false
}

func (l *recordLimiter) endRecord() {
	l.delims, l.breaks, l.skipped = 0, 0, 0
	l.st = fieldStart
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if l.err != nil {
		return 0, l.err
	}
	if l.skip {
		if err := l.swallow(); err != nil {
			l.err = err
			return 0, err
		}
	}
	if l.tail > 0 {
		n := min(len(p), l.tail)
		for i := range p[:n] {
			p[i] = '\n'
		}
		l.tail -= n
		l.delivered += int64(n)
		return n, nil
	}
	allowed := l.start + l.max - l.delivered
	if allowed <= 0 {
		l.err = ErrRecordTooLarge
		return 0, l.err
	}
	if int64(len(p)) > allowed {
		p = p[:allowed]
	}
	var n int
	var err error
	switch {
	case len(l.pending) > 0:
		n = copy(p, l.pending)
		l.pending = l.pending[n:]
	case l.srcErr != nil:
		return 0, l.srcErr
	default:
		n, err = l.r.Read(p)
	}
	if l.delim == 0 {
		l.delivered += int64(n)
		return n, err
	}
	if cut, tripped := l.scan(p[:n]); tripped {
		// Column maxCols+1 starts after p[cut-1]: pass the record on up
		// to there and swallow the rest.
		rest := p[cut:n]
		l.pending = append(append(make([]byte, 0, len(rest)+len(l.pending)), rest...), l.pending...)
		if err != nil {
			l.srcErr, err = err, nil
		}
		n = cut
		l.skip = true
		l.blank, l.rn = true, 0
		l.breaks = 0 // the ones so far reached the csv.Reader
		l.skipped = l.delivered + int64(n) - l.start
	}
	l.delivered += int64(n)
	return n, err
}

// scan runs p through the state machine. If a record reaches maxCols
// delimiters it stops and returns the length of p up to and including
// that delimiter.
//
// Most lines have no quotes, and for those it counts delimiters with
// bytes.Count, which is several times faster than stepping byte by byte.
func (l *recordLimiter) scan(p []byte) (cut int, tripped bool) {
	i := 0
	for i < len(p) {
		if l.st == fieldStart || l.st == unquoted {
			line := p[i:]
			nl := bytes.IndexByte(line, '\n')
			if nl >= 0 {
				line = line[:nl]
			}
			if bytes.IndexByte(line, '"') < 0 {
				if c := bytes.Count(line, []byte{l.delim}); l.delims+c < l.maxCols {
					l.delims += c
					if len(line) > 0 {
						l.st = unquoted
						if line[len(line)-1] == l.delim {
							l.st = fieldStart
						}
					}
					i += len(line)
					if nl >= 0 {
						l.endRecord()
						i++
					}
					continue
				}
			}
		}
		// Step through the rest of this record, or of p.
		for ; i < len(p); i++ {
			end, delim := l.step(p[i])
			if end {
				l.endRecord()
				i++
				break
			}
			if delim {
				l.delims++
				if l.delims >= l.maxCols {
					return i + 1, true
				}
			}
		}
	}
	return len(p), false
}

// swallow reads the rest of a record cut short, keeping count of its
// columns and line breaks but not its bytes, and queues the line breaks
// that stand in for it.
func (l *recordLimiter) swallow() error {
	for {
		if len(l.pending) == 0 {
			if l.srcErr != nil {
				break // the record ends with the input
			}
			if l.scratch == nil {
				l.scratch = make([]byte, 32<<10)
			}
			n, err := l.r.Read(l.scratch)
			l.pending = l.scratch[:n]
			if err != nil {
				l.srcErr = err
			}
			if n == 0 {
				continue
			}
		}
		for i, b := range l.pending {
			prev := l.st
			end, delim := l.step(b)
			if l.blank && !end && !delim {
				l.noteContent(prev, b)
			}
			if delim {
				l.delims++
			}
			if end {
				l.pending = l.pending[i+1:]
				l.finishSkip()
				return nil
			}
		}
		l.skipped += int64(len(l.pending))
		l.pending = l.pending[:0]
		if l.skipped > l.max {
			return ErrRecordTooLarge
		}
	}
	l.finishSkip()
	return nil
}

func (l *recordLimiter) finishSkip() {
	l.tail = 1 + l.breaks
	// The csv.Reader's copy ends with the first of the tail line breaks.
	l.trips = append(l.trips, trip{end: l.delivered + 1, columns: l.delims + 1, blank: l.blank})
	l.skip = false
	l.endRecord()
}

// noteContent clears blank if byte b, read in state prev, is part of a
// field's value (not a delimiter, line end or enclosing quote) and not
// white space as strings.TrimSpace sees it.
func (l *recordLimiter) noteContent(prev scanState, b byte) {
	switch prev {
	case fieldStart, quoted:
		if b == '"' { // an opening quote, or maybe a closing one
			return
		}
	case quoteSeen:
		if b != '\r' { // an escaped quote, or a lazy one kept as text
			l.blank = false
		}
		return
	}
	if b < utf8.RuneSelf {
		l.rn = 0
		if !unicode.IsSpace(rune(b)) {
			l.blank = false
		}
		return
	}
	l.rb[l.rn] = b
	l.rn++
	if utf8.FullRune(l.rb[:l.rn]) {
		if r, _ := utf8.DecodeRune(l.rb[:l.rn]); !unicode.IsSpace(r) {
			l.blank = false
		}
		l.rn = 0
	} else if l.rn == len(l.rb) {
		l.rn = 0
	}
}

// cut returns the real column count of the record cut short that ends at
// offset end, and whether the part of it the csv.Reader never saw was
// blank; ok is false if the limiter did not cut that record.
func (l *recordLimiter) cut(end int64) (columns int, blank, ok bool) {
	for len(l.trips) > 0 && l.trips[0].end < end {
		l.trips = l.trips[1:]
	}
	if len(l.trips) > 0 && l.trips[0].end == end {
		t := l.trips[0]
		l.trips = l.trips[1:]
		return t.columns, t.blank, true
	}
	return 0, false, false
}
