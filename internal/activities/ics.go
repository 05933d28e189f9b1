package activities

import (
	"fmt"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/records"
)

// ICS returns a meeting as an iCalendar invitation (RFC 5545) that
// calendar programs import; organizer is the owner's address.
func ICS(r *records.Record, organizer, organizerName string, now time.Time) []byte {
	var b strings.Builder
	line := func(s string) {
		// Fold lines longer than 75 octets, never inside a UTF-8 sequence.
		for len(s) > 75 {
			cut := 75
			for cut > 0 && s[cut]&0xC0 == 0x80 {
				cut--
			}
			b.WriteString(s[:cut] + "\r\n")
			s = " " + s[cut:]
		}
		b.WriteString(s + "\r\n")
	}
	stamp := func(v string) string {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return ""
		}
		return t.UTC().Format("20060102T150405Z")
	}
	start := stamp(str(r, "starts_at"))
	end := stamp(str(r, "ends_at"))
	if end == "" {
		if t, err := time.Parse(time.RFC3339, str(r, "starts_at")); err == nil {
			end = t.Add(time.Hour).UTC().Format("20060102T150405Z")
		}
	}
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Rapport CRM//EN")
	line("METHOD:REQUEST")
	line("CALSCALE:GREGORIAN")
	line("BEGIN:VEVENT")
	line("UID:" + r.ID + "@rapport")
	line("SEQUENCE:" + fmt.Sprint(r.Version-1))
	line("DTSTAMP:" + now.UTC().Format("20060102T150405Z"))
	line("DTSTART:" + start)
	line("DTEND:" + end)
	line("SUMMARY:" + icsText(str(r, "subject")))
	if d := str(r, "body"); d != "" {
		line("DESCRIPTION:" + icsText(d))
	}
	if l := str(r, "location"); l != "" {
		line("LOCATION:" + icsText(l))
	}
	if organizer != "" {
		line("ORGANIZER;CN=" + icsParam(organizerName) + ":mailto:" + organizer)
	}
	attendees, _ := r.Values["attendees"].([]records.EmailItem)
	for _, a := range attendees {
		line("ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + a.Address)
	}
	line("STATUS:CONFIRMED")
	line("END:VEVENT")
	line("END:VCALENDAR")
	return []byte(b.String())
}

// icsText escapes a TEXT value.
func icsText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// icsParam quotes a parameter value (no quotes allowed inside).
func icsParam(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return `"` + s + `"`
}
