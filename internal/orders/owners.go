package orders

import (
	"context"
	"fmt"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/db"
	"github.com/rapport-crm/rapport/internal/records"
)

// ownedParts lists, per object, the statements that give the records
// which are part of one of its records (a document's lines, an order's
// shipments, an invoice's payments) that record's owner. The parts take
// their owner from the parent when written (the line, shipment and
// payment hooks); these keep them with it when it changes hands, so a
// user who sees records by owner sees a document with its parts, and one
// who lost it loses them too. Parts in the trash follow as well, so a
// restore brings them back under the right owner. Each statement takes
// the owner, the workspace and the parent's id.
var ownedParts = map[string][]string{
	"deals":  {"UPDATE line_items SET owner_id = ?, version = version + 1 WHERE workspace_id = ? AND deal_id = ?"},
	"quotes": {"UPDATE line_items SET owner_id = ?, version = version + 1 WHERE workspace_id = ? AND quote_id = ?"},
	"orders": {
		"UPDATE line_items SET owner_id = ?, version = version + 1 WHERE workspace_id = ? AND order_id = ?",
		"UPDATE shipments SET owner_id = ?, version = version + 1 WHERE workspace_id = ? AND order_id = ?",
		"UPDATE shipment_lines SET owner_id = ?, version = version + 1 WHERE workspace_id = ? AND shipment_id IN (SELECT id FROM shipments WHERE workspace_id = shipment_lines.workspace_id AND order_id = ?)",
	},
	"invoices": {
		"UPDATE line_items SET owner_id = ?, version = version + 1 WHERE workspace_id = ? AND invoice_id = ?",
		"UPDATE payments SET owner_id = ?, version = version + 1 WHERE workspace_id = ? AND invoice_id = ?",
	},
	"shipments":   {"UPDATE shipment_lines SET owner_id = ?, version = version + 1 WHERE workspace_id = ? AND shipment_id = ?"},
	"price_books": {"UPDATE price_book_entries SET owner_id = ?, version = version + 1 WHERE workspace_id = ? AND price_book_id = ?"},
}

// partsFollowOwner returns h with an AfterUpdate that, when a record of
// object changes owner, gives its parts the new owner too.
func partsFollowOwner(object string, h records.Hooks) records.Hooks {
	stmts := ownedParts[object]
	if len(stmts) == 0 {
		return h
	}
	prev := h.AfterUpdate
	h.AfterUpdate = func(ctx context.Context, tx *db.Tx, p *auth.Principal, old, r *records.Record) error {
		if prev != nil {
			if err := prev(ctx, tx, p, old, r); err != nil {
				return err
			}
		}
		if old.OwnerID == r.OwnerID {
			return nil
		}
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q, nullID(r.OwnerID), p.WorkspaceID, r.ID); err != nil {
				return fmt.Errorf("%s parts' owner: %w", object, err)
			}
		}
		return nil
	}
	return h
}
