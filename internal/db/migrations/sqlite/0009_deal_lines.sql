-- +goose Up
-- Products on deals: a deal carries line items like a quote does, and
-- its amount may follow their total (amount_from_lines, on unless the
-- deal's owner turns it off).
--
-- SQLite cannot add a table constraint to an existing table, and
-- rebuilding line_items (which shipment_lines refer to) in a migration
-- transaction would need foreign keys off; the column's own REFERENCES
-- clause is a real foreign key to deals(id), and the line hooks keep a
-- line inside its deal's workspace (PostgreSQL also enforces that with
-- the composite key). Purging a deal from the trash takes its lines.
ALTER TABLE line_items ADD COLUMN deal_id TEXT REFERENCES deals (id) ON DELETE CASCADE;
CREATE INDEX line_items_deal ON line_items (workspace_id, deal_id, position) WHERE deal_id IS NOT NULL;

ALTER TABLE deals ADD COLUMN amount_from_lines INTEGER DEFAULT 1;

-- +goose Down
SELECT 1;
