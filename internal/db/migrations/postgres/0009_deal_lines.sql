-- +goose Up
-- Products on deals: a deal carries line items like a quote does, and
-- its amount may follow their total (amount_from_lines, on unless the
-- deal's owner turns it off). Purging a deal from the trash takes its
-- lines.
ALTER TABLE line_items ADD COLUMN deal_id UUID;
ALTER TABLE line_items ADD CONSTRAINT line_items_deal_fk
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE;
CREATE INDEX line_items_deal ON line_items (workspace_id, deal_id, position) WHERE deal_id IS NOT NULL;

ALTER TABLE deals ADD COLUMN amount_from_lines BOOLEAN DEFAULT true;

-- +goose Down
SELECT 1;
