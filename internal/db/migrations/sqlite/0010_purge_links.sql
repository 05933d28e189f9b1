-- +goose Up
-- Purging a deal or a quote from the trash. A quote is a customer
-- document with a number: it outlives the deal it was made for, which
-- it then no longer names. A quote's lines are part of it and go with
-- it; an order made from it stays, no longer naming it. The quote or
-- order changed gets a new version, so its ETag changes.
--
-- SQLite cannot change the composite foreign keys of 0006 without
-- rebuilding quotes, orders and line_items (which needs foreign keys
-- off, impossible inside a migration's transaction), and ON DELETE SET
-- NULL on a composite key would null workspace_id too; triggers do what
-- the keys cannot, before the keys are checked.

-- +goose StatementBegin
CREATE TRIGGER deals_purge BEFORE DELETE ON deals BEGIN
  UPDATE quotes SET deal_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND deal_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER quotes_purge BEFORE DELETE ON quotes BEGIN
  DELETE FROM line_items WHERE workspace_id = OLD.workspace_id AND quote_id = OLD.id;
  UPDATE orders SET quote_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND quote_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose Down
SELECT 1;
