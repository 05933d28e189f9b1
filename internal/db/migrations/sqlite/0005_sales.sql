-- +goose Up
-- Sales: exchange rates per date (every total converts each amount with
-- the rate of its own date into the workspace currency).

CREATE TABLE exchange_rates (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  currency TEXT NOT NULL,
  day TEXT NOT NULL,
  rate TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT,
  UNIQUE (workspace_id, currency, day)
);

-- +goose Down
SELECT 1;
