-- +goose Up
-- Sales: exchange rates per date (every total converts each amount with
-- the rate of its own date into the workspace currency).

CREATE TABLE exchange_rates (
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  currency TEXT NOT NULL,
  day DATE NOT NULL,
  rate NUMERIC NOT NULL CHECK (rate > 0),
  created_at TIMESTAMPTZ NOT NULL,
  created_by UUID,
  UNIQUE (workspace_id, currency, day)
);

-- +goose Down
SELECT 1;
