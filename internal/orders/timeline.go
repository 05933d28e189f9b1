package orders

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rapport-crm/rapport/internal/activities"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/records"
)

// TimelineKind is the kind of the sales entries on a timeline.
const TimelineKind = "sales"

// Event actions.
const (
	EventCreated = "created"
	EventChanged = "changed"
)

// Event is a sales document on the timeline of its account (and of the
// contact it was made for): made, or its status (an order's fulfilment)
// changed — by a person or because of other records (a shipment
// delivered, a payment received, the validity passed).
type Event struct {
	Object string `json:"object"` // quotes, orders, shipments, invoices, payments, contracts
	ID     string `json:"id"`
	Number string `json:"number"`
	Name   string `json:"name,omitempty"`
	Action string `json:"action"`          // created or changed
	Field  string `json:"field,omitempty"` // status or fulfilment
	// Value is the status (or fulfilment) the document had then: at its
	// creation, or the one it changed to.
	Value  string              `json:"value,omitempty"`
	Amount *records.MoneyValue `json:"amount,omitempty"`
	By     string              `json:"by,omitempty"` // the user's id; empty for the system's own changes
}

// eventSource is how one object's events are read.
type eventSource struct {
	object string
	fields []string // the fields whose changes are events
	name   string   // the column shown beside the number
	amount string   // the money field shown
	// account and contact select the documents of an account or a
	// contact, on the alias t, with as many ? as they take pairs of
	// (workspace, id).
	account, contact string
}

const (
	contactQuotes = "SELECT id FROM quotes WHERE workspace_id = ? AND contact_id = ?"
	contactOrders = "SELECT id FROM orders WHERE workspace_id = ? AND quote_id IN (" + contactQuotes + ")"
)

var eventSources = []eventSource{
	{object: "quotes", fields: []string{"status"}, name: "name", amount: "grand_total",
		account: "t.account_id = ?", contact: "t.contact_id = ?"},
	{object: "orders", fields: []string{"status", "fulfilment"}, name: "name", amount: "grand_total",
		account: "t.account_id = ?", contact: "t.quote_id IN (" + contactQuotes + ")"},
	{object: "shipments", fields: []string{"status"}, name: "tracking_number",
		account: "t.order_id IN (SELECT id FROM orders WHERE workspace_id = ? AND account_id = ?)", contact: "t.order_id IN (" + contactOrders + ")"},
	{object: "invoices", fields: []string{"status"}, amount: "grand_total",
		account: "t.account_id = ?", contact: "t.order_id IN (" + contactOrders + ")"},
	{object: "payments", amount: "amount",
		account: "t.account_id = ?", contact: "t.invoice_id IN (SELECT id FROM invoices WHERE workspace_id = ? AND order_id IN (" + contactOrders + "))"},
	{object: "contracts", fields: []string{"status"}, name: "name", amount: "value",
		account: "t.account_id = ?"},
}

// TimelineSource puts the sales documents of an account (and of a
// contact, through the quotes made for them and what followed) on its
// timeline: each document when it was made and each change of its
// status, read from the documents' history.
func (s *Service) TimelineSource() activities.TimelineSource {
	return activities.TimelineSource{Kind: TimelineKind, Entries: s.timelineEntries}
}

func (s *Service) timelineEntries(ctx context.Context, p *auth.Principal, object, id string, before time.Time, limit int) ([]activities.Entry, error) {
	if object != "accounts" && object != "contacts" {
		return nil, nil
	}
	var out []activities.Entry
	for _, src := range eventSources {
		if !p.Can(src.object, auth.ActRead) {
			continue
		}
		link := src.account
		if object == "contacts" {
			link = src.contact
		}
		if link == "" {
			continue
		}
		more, err := s.events(ctx, p, src, link, id, before, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// events reads one object's events for a record's timeline, newest first.
func (s *Service) events(ctx context.Context, p *auth.Principal, src eventSource, link, id string, before time.Time, limit int) ([]activities.Entry, error) {
	o, err := s.Records.Object(src.object)
	if err != nil {
		return nil, err
	}
	cols := "t.number, " + orNull(src.name) + ", " + orNull(moneyCol(src.amount, "amount")) + ", " + orNull(moneyCol(src.amount, "currency"))
	q := "SELECT rc.record_id, rc.action, rc.field, rc.new_value, rc.changed_at, rc.changed_by, " + cols +
		" FROM record_changes rc JOIN " + o.Table + " t ON t.workspace_id = rc.workspace_id AND t.id = rc.record_id" +
		" WHERE rc.workspace_id = ? AND rc.object = ? AND t.deleted_at IS NULL AND " + link + " AND (rc.action = 'create'"
	args := []any{p.WorkspaceID, src.object}
	// The link's sub-selects each take the workspace before the id.
	for range countPlaceholders(link) - 1 {
		args = append(args, p.WorkspaceID)
	}
	args = append(args, id)
	if len(src.fields) > 0 {
		q += " OR (rc.action = 'update' AND rc.field IN (" + placeholders(len(src.fields)) + "))"
		for _, f := range src.fields {
			args = append(args, f)
		}
	}
	q += ")"
	if scope, sargs := records.ScopeSQL(p, src.object); scope != "" {
		q += " AND t." + scope
		args = append(args, sargs...)
	}
	if !before.IsZero() {
		q += " AND rc.changed_at < ?"
		args = append(args, db.T(before))
	}
	q += " ORDER BY rc.changed_at DESC, rc.id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s timeline: %w", src.object, err)
	}
	defer rows.Close()
	var out []activities.Entry
	for rows.Next() {
		var rid, by any
		var action, field string
		var val []byte
		var at db.Time
		var number, name, amount, cur sql.NullString
		if err := rows.Scan(&rid, &action, &field, &val, &at, &by, &number, &name, &amount, &cur); err != nil {
			return nil, fmt.Errorf("%s timeline: %w", src.object, err)
		}
		ev := &Event{Object: src.object, ID: db.IDText(rid), Number: number.String, Name: name.String, By: db.IDText(by)}
		if action == "create" {
			ev.Action = EventCreated
			var snap map[string]any
			if json.Unmarshal(val, &snap) == nil {
				ev.Value, _ = snap["status"].(string)
			}
		} else {
			ev.Action, ev.Field = EventChanged, field
			_ = json.Unmarshal(val, &ev.Value)
		}
		if amount.Valid && cur.Valid {
			a := amount.String
			if r, ok := parseAmount(a); ok {
				a = formatAmount(r, cur.String)
			}
			ev.Amount = &records.MoneyValue{Amount: a, Currency: cur.String}
		}
		out = append(out, activities.Entry{Kind: TimelineKind, At: at.Time, Event: ev})
	}
	return out, rows.Err()
}

func moneyCol(field, part string) string {
	if field == "" {
		return ""
	}
	return field + "_" + part
}

func orNull(col string) string {
	if col == "" {
		return "NULL"
	}
	return "t." + col
}

func countPlaceholders(s string) int {
	n := 0
	for _, r := range s {
		if r == '?' {
			n++
		}
	}
	return n
}

func placeholders(n int) string {
	out := make([]byte, 0, 2*n)
	for i := range n {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '?')
	}
	return string(out)
}
