-- +goose Up
-- The security audit log: sign-ins, failed sign-ins, sign-outs, API
-- token use (first use per token per day) and permission denials, with
-- who, from where and when. user_id has no foreign key: the log outlives
-- a deleted user, and email keeps who it was.
CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  event TEXT NOT NULL,
  user_id TEXT,
  email TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (workspace_id, created_at, id);
CREATE INDEX audit_events_event ON audit_events (workspace_id, event, created_at);

-- +goose Down
DROP TABLE audit_events;
