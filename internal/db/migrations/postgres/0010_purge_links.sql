-- +goose Up
-- Purging a deal or a quote from the trash. A quote is a customer
-- document with a number: it outlives the deal it was made for, which
-- it then no longer names. A quote's lines are part of it and go with
-- it; an order made from it stays, no longer naming it. The quote or
-- order changed gets a new version, so its ETag changes.
--
-- Triggers rather than ON DELETE SET NULL (deal_id), so both databases
-- do the same (the version bump included) and PostgreSQL before 15
-- runs it; they run before the foreign keys are checked.

-- +goose StatementBegin
CREATE FUNCTION deals_purge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE quotes SET deal_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND deal_id = OLD.id;
  RETURN OLD;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER deals_purge BEFORE DELETE ON deals FOR EACH ROW EXECUTE FUNCTION deals_purge();

-- +goose StatementBegin
CREATE FUNCTION quotes_purge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM line_items WHERE workspace_id = OLD.workspace_id AND quote_id = OLD.id;
  UPDATE orders SET quote_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND quote_id = OLD.id;
  RETURN OLD;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER quotes_purge BEFORE DELETE ON quotes FOR EACH ROW EXECUTE FUNCTION quotes_purge();

-- +goose Down
SELECT 1;
