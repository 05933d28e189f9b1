package sales

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/rapport-crm/rapport/internal/db"
)

// PersonLeads returns the leads of a workspace, in the trash or not, that
// hold a person's data: the lead converted into the contact, and every
// lead whose e-mail address or phone number is one of the person's, now
// or at any time in its history (an update's old value keeps what the
// lead held before). Addresses compare without regard to case; phone
// numbers by their digits, the shorter (written without the country
// code) matching the end of the longer when it has at least seven.
//
// It reads across scopes on purpose: an erasure must be complete, and the
// caller decides who may start one.
func PersonLeads(ctx context.Context, q db.Querier, ws, contactID string, emails, phones []string) ([]string, error) {
	emailSet := map[string]bool{}
	for _, e := range emails {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
			emailSet[e] = true
		}
	}
	var phoneDigits []string
	for _, p := range phones {
		if d := digits(p); len(d) >= 7 {
			phoneDigits = append(phoneDigits, d)
		}
	}
	matches := func(field, v string) bool {
		switch field {
		case "email":
			return emailSet[strings.ToLower(strings.TrimSpace(v))]
		case "phone":
			return phoneMatches(digits(v), phoneDigits)
		}
		return false
	}
	found := map[string]bool{}
	var out []string
	add := func(id string) {
		if id != "" && !found[id] {
			found[id] = true
			out = append(out, id)
		}
	}
	// Their current values: every lead with an address or a number, as
	// numbers are free text no index can match by digits.
	rows, err := q.Query(ctx, "SELECT id, contact_id, email, phone FROM leads WHERE workspace_id = ? AND (contact_id = ? OR email IS NOT NULL OR phone IS NOT NULL) ORDER BY id",
		ws, nullable(contactID))
	if err != nil {
		return nil, fmt.Errorf("person's leads: %w", err)
	}
	for rows.Next() {
		var id, contact any
		var email, phone sql.NullString
		if err := rows.Scan(&id, &contact, &email, &phone); err != nil {
			rows.Close()
			return nil, fmt.Errorf("person's leads: %w", err)
		}
		if (contactID != "" && db.IDText(contact) == contactID) || matches("email", email.String) || matches("phone", phone.String) {
			add(db.IDText(id))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("person's leads: %w", err)
	}
	// Their past values.
	rows, err = q.Query(ctx, "SELECT record_id, field, old_value, new_value FROM record_changes WHERE workspace_id = ? AND object = 'leads' AND field IN ('email', 'phone') ORDER BY record_id", ws)
	if err != nil {
		return nil, fmt.Errorf("person's leads in history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id any
		var field string
		var oldV, newV []byte
		if err := rows.Scan(&id, &field, &oldV, &newV); err != nil {
			return nil, fmt.Errorf("person's leads in history: %w", err)
		}
		for _, raw := range [][]byte{oldV, newV} {
			var s string
			if len(raw) > 0 && json.Unmarshal(raw, &s) == nil && matches(field, s) {
				add(db.IDText(id))
			}
		}
	}
	return out, rows.Err()
}

func nullable(id string) any {
	if id == "" {
		return nil
	}
	return id
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsDigit(r) && r < unicode.MaxASCII {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func phoneMatches(d string, of []string) bool {
	if len(d) < 7 {
		return false
	}
	for _, p := range of {
		if p == d || (len(d) < len(p) && strings.HasSuffix(p, d)) || (len(p) < len(d) && strings.HasSuffix(d, p)) {
			return true
		}
	}
	return false
}

// LeadActivityIDs returns the activities linked to a lead.
func LeadActivityIDs(ctx context.Context, q db.Querier, ws, leadID string) ([]string, error) {
	rows, err := q.Query(ctx, "SELECT activity_id FROM activity_leads WHERE workspace_id = ? AND lead_id = ? ORDER BY activity_id", ws, leadID)
	if err != nil {
		return nil, fmt.Errorf("lead activities: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("lead activities: %w", err)
		}
		ids = append(ids, db.IDText(v))
	}
	return ids, rows.Err()
}
