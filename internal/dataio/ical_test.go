package dataio

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Google Calendar export: VTIMEZONE, TZID times, an all-day event, a UTC
// one with RRULE, attendees with quoted CN and upper-case MAILTO.
const googleICS = `BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:Trabajo
X-WR-TIMEZONE:Europe/Madrid
BEGIN:VTIMEZONE
TZID:Europe/Madrid
X-LIC-LOCATION:Europe/Madrid
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
DTSTART;TZID=Europe/Madrid:20260315T100000
DTEND;TZID=Europe/Madrid:20260315T113000
DTSTAMP:20260301T120000Z
ORGANIZER;CN=Ana García:mailto:ana@example.es
UID:abc123@google.com
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN="Pérez, José";X-NUM-GUESTS=0:mailto:jose@example.es
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;CN=zhang
 @example.cn;X-NUM-GUESTS=0:MAILTO:zhang@example.cn
CREATED:20260301T115500Z
DESCRIPTION:Revisión del contrato\, fase 2\nTraer documentación\; firmar
LAST-MODIFIED:20260301T120000Z
LOCATION:Oficina Logroño\, Calle Mayor 5
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Reunión con Acme
TRANSP:OPAQUE
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:This is an event reminder
TRIGGER:-P0DT0H10M0S
END:VALARM
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20260401
DTEND;VALUE=DATE:20260403
DTSTAMP:20260301T120000Z
UID:allday@google.com
SUMMARY:Feria de Abril
END:VEVENT
BEGIN:VEVENT
DTSTART:20260410T080000Z
DTEND:20260410T090000Z
DTSTAMP:20260301T120000Z
UID:utc@google.com
SUMMARY:Llamada semanal 电话会议
RRULE:FREQ=WEEKLY;COUNT=4
END:VEVENT
BEGIN:VTODO
UID:todo@google.com
SUMMARY:Not an event
END:VTODO
END:VCALENDAR
`

// Outlook export: Windows zone names, quoted TZID.
const outlookICS = `BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
METHOD:PUBLISH
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
CLASS:PUBLIC
DTSTART;TZID="W. Europe Standard Time":20260702T140000
DTEND;TZID="W. Europe Standard Time":20260702T150000
DTSTAMP:20260601T101010Z
ORGANIZER;CN="Müller, Hans":mailto:hans@example.de
UID:040000008200E00074C5B7101A82E00800000000
SUMMARY;LANGUAGE=de-de:Besprechung
END:VEVENT
END:VCALENDAR
`

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone database lacks %s: %v", name, err)
	}
	return loc
}

func readEvents(t *testing.T, in string, opts ICalOptions) []Event {
	t.Helper()
	var events []Event
	if err := ReadEventsWith(strings.NewReader(in), opts, func(e Event) error {
		events = append(events, e)
		return nil
	}); err != nil {
		t.Fatalf("ReadEvents: %v", err)
	}
	return events
}

func sameEvent(t *testing.T, got, want Event) {
	t.Helper()
	if !got.Start.Equal(want.Start) || !got.End.Equal(want.End) {
		t.Errorf("%s: times %v – %v, want %v – %v", want.UID, got.Start, got.End, want.Start, want.End)
	}
	got.Start, got.End, want.Start, want.End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event\n got %+v\nwant %+v", got, want)
	}
}

func TestReadEvents(t *testing.T) {
	madrid := mustLoad(t, "Europe/Madrid")
	berlin := mustLoad(t, "Europe/Berlin")

	events := readEvents(t, crlf(googleICS), ICalOptions{})
	if len(events) != 3 {
		t.Fatalf("got %d events", len(events))
	}
	sameEvent(t, events[0], Event{
		UID: "abc123@google.com", Summary: "Reunión con Acme",
		Description: "Revisión del contrato, fase 2\nTraer documentación; firmar",
		Location:    "Oficina Logroño, Calle Mayor 5",
		Start:       time.Date(2026, 3, 15, 10, 0, 0, 0, madrid), End: time.Date(2026, 3, 15, 11, 30, 0, 0, madrid),
		Organizer: "ana@example.es", Attendees: []string{"jose@example.es", "zhang@example.cn"}, Status: "CONFIRMED",
	})
	if got := events[0].Start.UTC(); got != time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC) {
		t.Errorf("10:00 in Madrid in March is %v UTC, want 09:00", got)
	}
	sameEvent(t, events[1], Event{
		UID: "allday@google.com", Summary: "Feria de Abril", AllDay: true,
		Start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC),
	})
	sameEvent(t, events[2], Event{
		UID: "utc@google.com", Summary: "Llamada semanal 电话会议", Recurrence: "FREQ=WEEKLY;COUNT=4",
		Start: time.Date(2026, 4, 10, 8, 0, 0, 0, time.UTC), End: time.Date(2026, 4, 10, 9, 0, 0, 0, time.UTC),
	})

	outlook := readEvents(t, crlf(outlookICS), ICalOptions{})
	sameEvent(t, outlook[0], Event{
		UID: "040000008200E00074C5B7101A82E00800000000", Summary: "Besprechung", Organizer: "hans@example.de",
		Start: time.Date(2026, 7, 2, 14, 0, 0, 0, berlin), End: time.Date(2026, 7, 2, 15, 0, 0, 0, berlin),
	})
}

func TestReadEventsTimes(t *testing.T) {
	baires := mustLoad(t, "America/Argentina/Buenos_Aires")
	mexico := mustLoad(t, "America/Mexico_City")
	tokyo := mustLoad(t, "Asia/Tokyo")
	cal := func(header, event string) string {
		return crlf("BEGIN:VCALENDAR\nVERSION:2.0\n" + header + "BEGIN:VEVENT\nUID:x\n" + event + "END:VEVENT\nEND:VCALENDAR\n")
	}
	tests := []struct {
		name       string
		in         string
		opts       ICalOptions
		start, end time.Time
		allDay     bool
		warnings   int
	}{
		{"mozilla TZID prefix and DURATION",
			cal("", "DTSTART;TZID=/mozilla.org/20050126_1/America/Argentina/Buenos_Aires:20260105T090000\nDURATION:PT1H45M\n"), ICalOptions{},
			time.Date(2026, 1, 5, 9, 0, 0, 0, baires), time.Date(2026, 1, 5, 10, 45, 0, 0, baires), false, 0},
		{"VTIMEZONE alias by X-LIC-LOCATION",
			cal("BEGIN:VTIMEZONE\nTZID:Tokio (custom)\nX-LIC-LOCATION:Asia/Tokyo\nEND:VTIMEZONE\n", "DTSTART;TZID=Tokio (custom):20260105T090000\n"), ICalOptions{},
			time.Date(2026, 1, 5, 9, 0, 0, 0, tokyo), time.Date(2026, 1, 5, 9, 0, 0, 0, tokyo), false, 0},
		{"floating time in the calendar's X-WR-TIMEZONE",
			cal("X-WR-TIMEZONE:America/Mexico_City\n", "DTSTART:20260105T090000\nDTEND:20260105T100000\n"), ICalOptions{},
			time.Date(2026, 1, 5, 9, 0, 0, 0, mexico), time.Date(2026, 1, 5, 10, 0, 0, 0, mexico), false, 0},
		{"floating time in the option's zone",
			cal("", "DTSTART:20260105T090000\n"), ICalOptions{Floating: tokyo},
			time.Date(2026, 1, 5, 9, 0, 0, 0, tokyo), time.Date(2026, 1, 5, 9, 0, 0, 0, tokyo), false, 0},
		{"unknown TZID warns and falls back to UTC",
			cal("", "DTSTART;TZID=Mars/Olympus_Mons:20260105T090000\n"), ICalOptions{},
			time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), false, 1},
		{"TZID Local is not the server's zone",
			cal("", "DTSTART;TZID=Local:20260105T090000\n"), ICalOptions{},
			time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), false, 1},
		{"all-day without DTEND lasts a day",
			cal("", "DTSTART;VALUE=DATE:20261231\n"), ICalOptions{},
			time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), true, 0},
		{"bare 8-digit date is all-day",
			cal("", "DTSTART:20260105\n"), ICalOptions{},
			time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC), true, 0},
		{"bad DTSTART warns",
			cal("", "DTSTART:tomorrow\n"), ICalOptions{},
			time.Time{}, time.Time{}, false, 1},
		{"week duration",
			cal("", "DTSTART:20260105T090000Z\nDURATION:P1W\n"), ICalOptions{},
			time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := readEvents(t, tt.in, tt.opts)
			e := events[0]
			if !e.Start.Equal(tt.start) || !e.End.Equal(tt.end) || e.AllDay != tt.allDay {
				t.Errorf("got %v – %v all-day %v, want %v – %v all-day %v", e.Start, e.End, e.AllDay, tt.start, tt.end, tt.allDay)
			}
			if len(e.Warnings) != tt.warnings {
				t.Errorf("warnings %q, want %d", e.Warnings, tt.warnings)
			}
		})
	}
}

func TestReadEventsErrors(t *testing.T) {
	t.Run("no events", func(t *testing.T) {
		for _, in := range []string{"", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "hello\r\n"} {
			if err := ReadEvents(strings.NewReader(in), func(Event) error { return nil }); !errors.Is(err, ErrEmpty) {
				t.Errorf("%q: err = %v, want ErrEmpty", in, err)
			}
		}
	})
	t.Run("binary", func(t *testing.T) {
		if err := ReadEvents(bytes.NewReader(pngBytes), func(Event) error { return nil }); !errors.Is(err, ErrBinary) {
			t.Errorf("err = %v, want ErrBinary", err)
		}
	})
	t.Run("callback error", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := ReadEvents(strings.NewReader(crlf(googleICS)), func(Event) error { n++; return stop })
		if err != stop || n != 1 {
			t.Errorf("err = %v after %d events", err, n)
		}
	})
	t.Run("event too large", func(t *testing.T) {
		in := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:ok\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:big\r\n" +
			strings.Repeat("DESCRIPTION:"+strings.Repeat("z", 1000)+"\r\n", 2000) + "END:VEVENT\r\nEND:VCALENDAR\r\n"
		n := 0
		err := ReadEvents(strings.NewReader(in), func(Event) error { n++; return nil })
		if !errors.Is(err, ErrRecordTooLarge) || !strings.Contains(err.Error(), "event 2") || n != 1 {
			t.Errorf("err = %v after %d events, want ErrRecordTooLarge naming event 2", err, n)
		}
	})
	t.Run("unterminated event", func(t *testing.T) {
		err := ReadEvents(strings.NewReader("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n"), func(Event) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "event 1") {
			t.Errorf("err = %v, want an error naming event 1", err)
		}
	})
}

func TestICalRoundTrip(t *testing.T) {
	madrid := mustLoad(t, "Europe/Madrid")
	events := []Event{
		{
			UID: "r1@rapport", Summary: "Reunión con José Pérez, Muñoz; y 张伟",
			Description: strings.TrimSpace(strings.Repeat("Descripción larga con acentos y 中文字符, comas; puntos y comas \\ barras.\n", 5)),
			Location:    "Calle Mayor, 5; Logroño",
			Start:       time.Date(2026, 3, 15, 10, 0, 0, 0, madrid), End: time.Date(2026, 3, 15, 11, 30, 0, 0, madrid),
			Organizer: "ana@example.es", Attendees: []string{"jose@example.es", "zhang@example.cn"},
			Status: "TENTATIVE", Recurrence: "FREQ=WEEKLY;COUNT=3",
		},
		{
			UID: "r2@rapport", Summary: "Vacaciones", AllDay: true,
			Start: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC),
		},
	}
	var buf bytes.Buffer
	stamp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	w, err := NewICalWriter(&buf, ICalWriterOptions{Name: "Rapport", Now: func() time.Time { return stamp }})
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
	out := buf.String()
	if !strings.HasPrefix(out, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(out, "END:VCALENDAR\r\n") {
		t.Errorf("not a calendar:\n%s", out)
	}
	if !strings.Contains(out, "DTSTAMP:20260102T030405Z\r\n") || !strings.Contains(out, "DTSTART;VALUE=DATE:20260801\r\n") {
		t.Errorf("DTSTAMP or all-day DTSTART missing:\n%s", out)
	}
	for i, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(l), l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare line break", i+1)
		}
	}

	got := readEvents(t, out, ICalOptions{})
	if len(got) != len(events) {
		t.Fatalf("read %d events back", len(got))
	}
	for i := range events {
		sameEvent(t, got[i], events[i])
	}

	t.Run("WriteCalendar", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteCalendar(&buf, []Event{{Summary: "sin UID", Start: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}}); err != nil {
			t.Fatal(err)
		}
		got := readEvents(t, buf.String(), ICalOptions{})
		if len(got) != 1 || got[0].UID == "" || got[0].Summary != "sin UID" {
			t.Errorf("got %+v", got)
		}
		var again bytes.Buffer
		_ = WriteCalendar(&again, []Event{{Summary: "sin UID", Start: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}})
		if g2 := readEvents(t, again.String(), ICalOptions{}); g2[0].UID != got[0].UID {
			t.Errorf("derived UID not stable: %q vs %q", g2[0].UID, got[0].UID)
		}
	})
	t.Run("write error", func(t *testing.T) {
		w, err := NewICalWriter(errWriter{}, ICalWriterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_ = w.Write(events[0])
		if err := w.Close(); !errors.Is(err, errWrite) {
			t.Errorf("Close = %v, want the write error", err)
		}
	})
}

func TestParseICalDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"PT1H":        time.Hour,
		"PT1H30M":     90 * time.Minute,
		"P1D":         24 * time.Hour,
		"P1DT2H":      26 * time.Hour,
		"P2W":         14 * 24 * time.Hour,
		"-PT15M":      -15 * time.Minute,
		"+PT10S":      10 * time.Second,
		"P0DT0H10M0S": 10 * time.Minute,
	} {
		got, err := parseICalDuration(in)
		if err != nil || got != want {
			t.Errorf("parseICalDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "P", "1H", "PT", "PTXH", "P1Y", "PT1", "P99999999D"} {
		if _, err := parseICalDuration(in); err == nil {
			t.Errorf("parseICalDuration(%q) accepted", in)
		}
	}
}
