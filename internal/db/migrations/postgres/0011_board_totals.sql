-- +goose Up
-- A board's counts and totals, read from the index alone: its open deals
-- in their own index (in the order the totals group them, so nothing is
-- sorted), and its closed deals by when they closed, so the won and lost
-- columns read the last 90 days instead of every deal ever closed. The
-- board's queries name the status as a literal so that both databases
-- can use these partial indexes. They replace deals_totals, which read
-- every deal of the pipeline.
CREATE INDEX deals_open_totals ON deals (workspace_id, pipeline_id, stage_id, amount_currency, close_date, probability, amount_amount, owner_id) WHERE deleted_at IS NULL AND status = 'open';
CREATE INDEX deals_closed_totals ON deals (workspace_id, pipeline_id, closed_at, stage_id, amount_currency, close_date, probability, amount_amount, owner_id) WHERE deleted_at IS NULL AND status <> 'open';
DROP INDEX deals_totals;

-- +goose Down
SELECT 1;
