-- +goose Up
-- Secondary indexes dropped for a bulk load into empty tables, with the
-- statement that creates each again; rebuilt at the end of the load, or
-- at the next start when the load was interrupted.
CREATE TABLE deferred_indexes (
  name TEXT PRIMARY KEY,
  table_name TEXT NOT NULL,
  definition TEXT NOT NULL
);

-- +goose Down
SELECT 1;
