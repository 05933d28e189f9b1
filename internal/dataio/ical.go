package dataio

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"
)

// Event is a calendar event (VEVENT) in neutral form.
type Event struct {
	UID         string
	Summary     string
	Description string
	Location    string
	// Start and End are instants. An all-day event has them at 00:00 UTC
	// of its first day and of the day after its last (End is exclusive, as
	// in iCalendar). A missing DTEND is DTSTART plus DURATION, else plus one
	// day for an all-day event, else equal to Start. A DTSTART that cannot
	// be read leaves both zero, with a warning.
	Start  time.Time
	End    time.Time
	AllDay bool
	// Organizer and Attendees are e-mail addresses (mailto: removed).
	Organizer string
	Attendees []string
	// Status is STATUS as given (CONFIRMED, TENTATIVE, CANCELLED) or "".
	Status string
	// Recurrence is the RRULE as given, not expanded; "" when none.
	Recurrence string
	// Warnings says what could not be read exactly, such as a TZID that
	// names no known zone (the time is then read in the calendar's
	// X-WR-TIMEZONE, else ICalOptions.Floating).
	Warnings []string
}

// ICalOptions configures ReadEventsWith.
type ICalOptions struct {
	// Encoding is passed to NewDecoder: "" detects it (iCalendar is UTF-8,
	// but exports from old tools are not always).
	Encoding string
	// Floating is the zone of times with neither "Z" nor TZID, when the
	// calendar has no X-WR-TIMEZONE; nil means UTC.
	Floating *time.Location
	// MaxEventBytes is the most bytes one event (or other top-level
	// component) may take (default 1 MiB).
	MaxEventBytes int
}

// ReadEvents reads the VEVENTs of an iCalendar stream one at a time and
// calls fn with each, stopping at fn's first error, which it returns as is.
// Other components (VTODO, VTIMEZONE, …) are read and dropped. Input with no
// event returns ErrEmpty; an event larger than the limit, an error wrapping
// ErrRecordTooLarge.
//
// Times: "Z" is UTC; TZID is loaded with time.LoadLocation, after trying the
// X-LIC-LOCATION of the calendar's VTIMEZONE of that id, a Mozilla-style
// "/…/Europe/Madrid" prefix and the common Windows zone names Outlook
// writes ("W. Europe Standard Time"); a DATE value makes an all-day event.
func ReadEvents(r io.Reader, fn func(Event) error) error {
	return ReadEventsWith(r, ICalOptions{}, fn)
}

// ReadEventsWith is ReadEvents with options.
func ReadEventsWith(r io.Reader, opts ICalOptions, fn func(Event) error) error {
	dec, _, err := NewDecoder(r, opts.Encoding)
	if err != nil {
		return err
	}
	max := opts.MaxEventBytes
	if max <= 0 {
		max = DefaultMaxRecordBytes
	}
	lim := &componentLimiter{r: dec, max: int64(max) + limiterSlack}
	cs := ics.NewCalendarStream(lim)
	z := &zones{floating: opts.Floating, cache: map[string]*time.Location{}, alias: map[string]string{}}
	if z.floating == nil {
		z.floating = time.UTC
	}
	events := 0
	for {
		lim.reset()
		l, err := cs.ReadLine()
		if err != nil && err != io.EOF {
			return readEventsError(events, err, max)
		}
		if l != nil && len(*l) > 0 {
			prop, perr := ics.ParseProperty(*l)
			if perr == nil && prop != nil {
				switch strings.ToUpper(prop.IANAToken) {
				case "BEGIN":
					if strings.EqualFold(prop.Value, "VEVENT") {
						events++
						var ev *ics.VEvent
						err := guard("event", func() error {
							var err error
							ev, err = ics.ParseVEventWithError(cs, prop)
							return err
						})
						if err != nil {
							return readEventsError(events, err, max)
						}
						if err := fn(eventFrom(ev, z)); err != nil {
							return err
						}
					} else if !strings.EqualFold(prop.Value, "VCALENDAR") {
						var comp ics.Component
						err := guard("calendar", func() error {
							var err error
							comp, err = ics.GeneralParseComponent(cs, prop)
							return err
						})
						if err != nil {
							return fmt.Errorf("calendar component %s after event %d: %w", prop.Value, events, errTooLarge(err, max))
						}
						if tz, ok := comp.(*ics.VTimezone); ok {
							z.addVTimezone(tz)
						}
					}
				case "X-WR-TIMEZONE":
					if loc, ok := z.load(prop.Value); ok {
						z.floating = loc
					}
				}
			}
		}
		if err == io.EOF {
			break
		}
	}
	if events == 0 {
		return fmt.Errorf("%w: no event found", ErrEmpty)
	}
	return nil
}

func readEventsError(n int, err error, max int) error {
	return fmt.Errorf("event %d: %w", n, errTooLarge(err, max))
}

// errTooLarge adds the limit to a limiter error.
func errTooLarge(err error, max int) error {
	if errors.Is(err, ErrRecordTooLarge) {
		return fmt.Errorf("%w: more than %d bytes", ErrRecordTooLarge, max)
	}
	return err
}

// componentLimiter caps the bytes read since the last reset, which the
// reader does before each top-level line, so one component cannot take
// more memory than the limit.
type componentLimiter struct {
	r         io.Reader
	max       int64
	start     int64
	delivered int64
}

func (l *componentLimiter) reset() { l.start = l.delivered }

func (l *componentLimiter) Read(p []byte) (int, error) {
	allowed := l.start + l.max - l.delivered
	if allowed <= 0 {
		return 0, ErrRecordTooLarge
	}
	if int64(len(p)) > allowed {
		p = p[:allowed]
	}
	n, err := l.r.Read(p)
	l.delivered += int64(n)
	return n, err
}

func eventFrom(ev *ics.VEvent, z *zones) Event {
	var e Event
	var start, end, dur *ics.IANAProperty
	for i := range ev.Properties {
		p := &ev.Properties[i]
		switch strings.ToUpper(p.IANAToken) {
		case "UID":
			e.UID = cleanText(p.Value)
		case "SUMMARY":
			e.Summary = cleanText(p.Value)
		case "DESCRIPTION":
			e.Description = cleanText(p.Value)
		case "LOCATION":
			e.Location = cleanText(p.Value)
		case "STATUS":
			e.Status = strings.ToUpper(cleanText(p.Value))
		case "RRULE":
			e.Recurrence = cleanText(p.Value)
		case "DTSTART":
			start = p
		case "DTEND":
			end = p
		case "DURATION":
			dur = p
		case "ORGANIZER":
			e.Organizer = calAddress(p)
		case "ATTENDEE":
			if a := calAddress(p); a != "" {
				e.Attendees = append(e.Attendees, a)
			}
		}
	}
	if start != nil {
		t, allDay, err := z.parseTime(start)
		if err != nil {
			e.Warnings = append(e.Warnings, fmt.Sprintf("DTSTART: %v", err))
		}
		e.Start, e.AllDay = t, allDay
	}
	switch {
	case end != nil:
		t, _, err := z.parseTime(end)
		if err != nil {
			e.Warnings = append(e.Warnings, fmt.Sprintf("DTEND: %v", err))
		}
		e.End = t
	case dur != nil && !e.Start.IsZero():
		d, err := parseICalDuration(dur.Value)
		if err != nil {
			e.Warnings = append(e.Warnings, fmt.Sprintf("DURATION: %v", err))
		}
		e.End = e.Start.Add(d)
	case e.Start.IsZero():
	case e.AllDay:
		e.End = e.Start.AddDate(0, 0, 1)
	default:
		e.End = e.Start
	}
	e.Warnings = append(e.Warnings, z.takeWarnings()...)
	return e
}

// calAddress returns the e-mail of an ORGANIZER or ATTENDEE: the mailto:
// value, else the EMAIL parameter (RFC 7986).
func calAddress(p *ics.IANAProperty) string {
	v := icalAddress(p.Value)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		return v[7:]
	}
	for k, vs := range p.ICalParameters {
		if strings.EqualFold(k, "EMAIL") && len(vs) > 0 {
			return icalAddress(vs[0])
		}
	}
	if strings.Contains(v, "@") && !strings.Contains(v, ":") {
		return v
	}
	return ""
}

// icalAddress cleans an e-mail address: no white space or control
// characters, which an address cannot hold and a content line cannot carry.
func icalAddress(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// zones resolves TZIDs for one calendar, remembering what it found.
type zones struct {
	floating *time.Location
	cache    map[string]*time.Location
	alias    map[string]string // TZID → X-LIC-LOCATION of its VTIMEZONE
	warnings []string
}

func (z *zones) takeWarnings() []string {
	w := z.warnings
	z.warnings = nil
	return w
}

func (z *zones) addVTimezone(tz *ics.VTimezone) {
	var id, loc string
	for _, p := range tz.Properties {
		switch strings.ToUpper(p.IANAToken) {
		case "TZID":
			id = strings.TrimSpace(p.Value)
		case "X-LIC-LOCATION":
			loc = strings.TrimSpace(p.Value)
		}
	}
	if id != "" && loc != "" {
		z.alias[id] = loc
	}
}

// load resolves a TZID (see ReadEvents).
func (z *zones) load(tzid string) (*time.Location, bool) {
	tzid = strings.Trim(strings.TrimSpace(tzid), `"`)
	if loc, ok := z.cache[tzid]; ok {
		return loc, loc != nil
	}
	var found *time.Location
	try := func(name string) bool {
		// "Local" would be the server's zone, which means nothing here.
		if name == "" || name == "Local" {
			return false
		}
		if loc, err := time.LoadLocation(name); err == nil {
			found = loc
			return true
		}
		return false
	}
	switch {
	case try(z.alias[tzid]), try(tzid), try(windowsZones[tzid]):
	default:
		// "/mozilla.org/20050126_1/America/Argentina/Buenos_Aires": try the
		// last three, then the last two path segments.
		segs := strings.Split(strings.Trim(tzid, "/"), "/")
		for n := 3; n >= 2 && found == nil; n-- {
			if len(segs) > n {
				try(strings.Join(segs[len(segs)-n:], "/"))
			}
		}
	}
	if len(z.cache) < 1000 {
		z.cache[tzid] = found
	}
	return found, found != nil
}

// parseTime reads a DATE or DATE-TIME property value.
func (z *zones) parseTime(p *ics.IANAProperty) (t time.Time, allDay bool, err error) {
	v := strings.TrimSpace(p.Value)
	isDate := len(v) == 8 && strings.Trim(v, "0123456789") == ""
	var tzid string
	for k, vs := range p.ICalParameters {
		switch {
		case strings.EqualFold(k, "VALUE") && len(vs) > 0 && strings.EqualFold(vs[0], "DATE"):
			isDate = true
		case strings.EqualFold(k, "TZID") && len(vs) > 0:
			tzid = vs[0]
		}
	}
	if isDate {
		if len(v) > 8 {
			v = v[:8]
		}
		t, err := time.ParseInLocation("20060102", v, time.UTC)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("%q is not a date", p.Value)
		}
		return t, true, nil
	}
	if strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z") {
		t, err := time.Parse("20060102T150405", v[:len(v)-1])
		if err != nil {
			return time.Time{}, false, fmt.Errorf("%q is not a date-time", p.Value)
		}
		return t.UTC(), false, nil
	}
	loc := z.floating
	if tzid != "" {
		if l, ok := z.load(tzid); ok {
			loc = l
		} else {
			z.warnings = append(z.warnings, fmt.Sprintf("unknown time zone %q, read as %s", tzid, z.floating))
		}
	}
	t, err = time.ParseInLocation("20060102T150405", v, loc)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%q is not a date-time", p.Value)
	}
	return t, false, nil
}

// parseICalDuration reads an RFC 5545 duration: [+-]P[nW] or
// [+-]P[nD][T[nH][nM][nS]].
func parseICalDuration(s string) (time.Duration, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	var d time.Duration
	inTime := false
	num := ""
	for _, c := range s[1:] {
		switch {
		case c >= '0' && c <= '9':
			num += string(c)
			continue
		case c == 'T':
			inTime = true
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil || n > 1_000_000 {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		num = ""
		unit := map[rune]time.Duration{'W': 7 * 24 * time.Hour, 'D': 24 * time.Hour}
		if inTime {
			unit = map[rune]time.Duration{'H': time.Hour, 'M': time.Minute, 'S': time.Second}
		}
		u, ok := unit[c]
		if !ok {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		d += time.Duration(n) * u
	}
	if num != "" {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	if neg {
		d = -d
	}
	return d, nil
}

// windowsZones maps the Windows zone names Outlook and Exchange put in
// TZID to IANA names (from CLDR's windowsZones.xml, the common ones).
var windowsZones = map[string]string{
	"Dateline Standard Time":          "Etc/GMT+12",
	"Hawaiian Standard Time":          "Pacific/Honolulu",
	"Alaskan Standard Time":           "America/Anchorage",
	"Pacific Standard Time":           "America/Los_Angeles",
	"US Mountain Standard Time":       "America/Phoenix",
	"Mountain Standard Time":          "America/Denver",
	"Central America Standard Time":   "America/Guatemala",
	"Central Standard Time":           "America/Chicago",
	"Central Standard Time (Mexico)":  "America/Mexico_City",
	"Canada Central Standard Time":    "America/Regina",
	"SA Pacific Standard Time":        "America/Bogota",
	"Eastern Standard Time":           "America/New_York",
	"Venezuela Standard Time":         "America/Caracas",
	"Atlantic Standard Time":          "America/Halifax",
	"Pacific SA Standard Time":        "America/Santiago",
	"Newfoundland Standard Time":      "America/St_Johns",
	"E. South America Standard Time":  "America/Sao_Paulo",
	"Argentina Standard Time":         "America/Argentina/Buenos_Aires",
	"UTC":                             "UTC",
	"Coordinated Universal Time":      "UTC",
	"GMT Standard Time":               "Europe/London",
	"Greenwich Standard Time":         "Atlantic/Reykjavik",
	"Morocco Standard Time":           "Africa/Casablanca",
	"W. Europe Standard Time":         "Europe/Berlin",
	"Central Europe Standard Time":    "Europe/Budapest",
	"Romance Standard Time":           "Europe/Paris",
	"Central European Standard Time":  "Europe/Warsaw",
	"W. Central Africa Standard Time": "Africa/Lagos",
	"GTB Standard Time":               "Europe/Bucharest",
	"E. Europe Standard Time":         "Europe/Chisinau",
	"FLE Standard Time":               "Europe/Kiev",
	"Israel Standard Time":            "Asia/Jerusalem",
	"Egypt Standard Time":             "Africa/Cairo",
	"South Africa Standard Time":      "Africa/Johannesburg",
	"Turkey Standard Time":            "Europe/Istanbul",
	"Russian Standard Time":           "Europe/Moscow",
	"Arabian Standard Time":           "Asia/Dubai",
	"Iran Standard Time":              "Asia/Tehran",
	"Pakistan Standard Time":          "Asia/Karachi",
	"India Standard Time":             "Asia/Kolkata",
	"SE Asia Standard Time":           "Asia/Bangkok",
	"China Standard Time":             "Asia/Shanghai",
	"Singapore Standard Time":         "Asia/Singapore",
	"Taipei Standard Time":            "Asia/Taipei",
	"W. Australia Standard Time":      "Australia/Perth",
	"Tokyo Standard Time":             "Asia/Tokyo",
	"Korea Standard Time":             "Asia/Seoul",
	"E. Australia Standard Time":      "Australia/Brisbane",
	"AUS Eastern Standard Time":       "Australia/Sydney",
	"New Zealand Standard Time":       "Pacific/Auckland",
}

// ICalWriterOptions configures NewICalWriter.
type ICalWriterOptions struct {
	// ProdID is the PRODID; "" is "-//Rapport CRM//dataio//EN".
	ProdID string
	// Name is the calendar's display name (X-WR-CALNAME); "" omits it.
	Name string
	// Now gives DTSTAMP; nil means time.Now. Tests pass a fixed clock.
	Now func() time.Time
}

// ICalWriter writes an iCalendar stream one event at a time: CRLF line
// ends, text escaped and lines folded at 75 octets by golang-ical. Times are
// written in UTC ("Z"), which needs no VTIMEZONE; all-day events as DATE
// values.
type ICalWriter struct {
	bw  *bufio.Writer
	cfg *ics.SerializationConfiguration
	now func() time.Time
	err error
}

// NewICalWriter writes the calendar header to w and returns the writer.
func NewICalWriter(w io.Writer, opts ICalWriterOptions) (*ICalWriter, error) {
	iw := &ICalWriter{
		bw:  bufio.NewWriterSize(w, 64<<10),
		cfg: &ics.SerializationConfiguration{MaxLength: 75, PropertyMaxLength: 75, NewLine: "\r\n"},
		now: opts.Now,
	}
	if iw.now == nil {
		iw.now = time.Now
	}
	prodID := opts.ProdID
	if prodID == "" {
		prodID = "-//Rapport CRM//dataio//EN"
	}
	props := []ics.CalendarProperty{
		{BaseProperty: ics.BaseProperty{IANAToken: "VERSION", Value: "2.0"}},
		{BaseProperty: ics.BaseProperty{IANAToken: "PRODID", Value: prodID}},
		{BaseProperty: ics.BaseProperty{IANAToken: "CALSCALE", Value: "GREGORIAN"}},
	}
	if opts.Name != "" {
		props = append(props, ics.CalendarProperty{BaseProperty: ics.BaseProperty{IANAToken: "X-WR-CALNAME", Value: opts.Name}})
	}
	if _, err := iw.bw.WriteString("BEGIN:VCALENDAR\r\n"); err != nil {
		return nil, fmt.Errorf("write calendar: %w", err)
	}
	for _, p := range props {
		if err := p.SerializeTo(iw.bw, iw.cfg); err != nil {
			return nil, fmt.Errorf("write calendar: %w", err)
		}
	}
	return iw, nil
}

var icalTextCleaner = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// icalText normalises line breaks and drops the control characters
// iCalendar text cannot hold.
func icalText(s string) string {
	s = icalTextCleaner.Replace(s)
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// cleanText is icalText and trimmed, for values read: what the writer
// would write is what the reader returns.
func cleanText(s string) string { return strings.TrimSpace(icalText(s)) }

// Write writes one event. An event without a UID gets one derived from its
// start and summary, so writing the same event twice gives the same UID.
func (iw *ICalWriter) Write(e Event) error {
	if iw.err != nil {
		return iw.err
	}
	uid := icalText(e.UID)
	if uid == "" {
		sum := sha256.Sum256([]byte(e.Start.UTC().Format(time.RFC3339) + "\x00" + e.Summary))
		uid = hex.EncodeToString(sum[:16]) + "@rapport"
	}
	ev := ics.NewEvent(uid)
	ev.SetDtStampTime(iw.now())
	if e.AllDay {
		ev.SetAllDayStartAt(e.Start)
		if !e.End.IsZero() {
			ev.SetAllDayEndAt(e.End)
		}
	} else {
		ev.SetStartAt(e.Start)
		if !e.End.IsZero() {
			ev.SetEndAt(e.End)
		}
	}
	if e.Summary != "" {
		ev.SetSummary(icalText(e.Summary))
	}
	if e.Description != "" {
		ev.SetDescription(icalText(e.Description))
	}
	if e.Location != "" {
		ev.SetLocation(icalText(e.Location))
	}
	if e.Status != "" {
		ev.SetStatus(ics.ObjectStatus(icalText(e.Status)))
	}
	if e.Recurrence != "" {
		// RRULE is not text: golang-ical writes it unescaped, so it must
		// not hold a line break.
		ev.AddRrule(strings.ReplaceAll(icalText(e.Recurrence), "\n", " "))
	}
	if org := icalAddress(e.Organizer); org != "" {
		ev.SetOrganizer("mailto:" + org)
	}
	for _, a := range e.Attendees {
		if a = icalAddress(a); a != "" {
			ev.AddAttendee("mailto:" + a)
		}
	}
	if err := ev.SerializeTo(iw.bw, iw.cfg); err != nil {
		iw.err = fmt.Errorf("write event %q: %w", uid, err)
	}
	return iw.err
}

// Close writes the calendar footer and flushes. It does not close the
// underlying writer.
func (iw *ICalWriter) Close() error {
	if iw.err != nil {
		return iw.err
	}
	if _, err := iw.bw.WriteString("END:VCALENDAR\r\n"); err != nil {
		iw.err = fmt.Errorf("write calendar: %w", err)
		return iw.err
	}
	if err := iw.bw.Flush(); err != nil {
		iw.err = fmt.Errorf("write calendar: %w", err)
		return iw.err
	}
	iw.err = errClosed
	return nil
}

// WriteCalendar writes events as one calendar with DTSTAMP from the clock.
func WriteCalendar(w io.Writer, events []Event) error {
	iw, err := NewICalWriter(w, ICalWriterOptions{})
	if err != nil {
		return err
	}
	for _, e := range events {
		if err := iw.Write(e); err != nil {
			return err
		}
	}
	return iw.Close()
}
