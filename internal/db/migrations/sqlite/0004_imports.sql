-- +goose Up
-- Imports. Every import is a batch: its file, options, status, counters
-- and checkpoint (the last data row whose chunk committed, written in the
-- same transaction as the chunk's records). import_records says what each
-- row created or updated, so that undo knows what to trash and what to
-- restore; import_issues holds the error report (and duplicates and
-- warnings). import_templates are saved column mappings. Accounts,
-- contacts and activities gain an external id, the key a re-import of
-- another system's export matches on.

ALTER TABLE accounts ADD COLUMN external_id TEXT;
ALTER TABLE contacts ADD COLUMN external_id TEXT;
ALTER TABLE activities ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX accounts_external_id ON accounts (workspace_id, lower(external_id)) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX contacts_external_id ON contacts (workspace_id, lower(external_id)) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX activities_external_id ON activities (workspace_id, lower(external_id)) WHERE deleted_at IS NULL;

CREATE TABLE imports (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  owner_id TEXT NOT NULL,
  object TEXT NOT NULL,
  file_name TEXT NOT NULL,
  file_path TEXT NOT NULL,
  file_size INTEGER NOT NULL DEFAULT 0,
  uploaded INTEGER NOT NULL DEFAULT 0,
  format TEXT NOT NULL,
  encoding TEXT NOT NULL DEFAULT '',
  delimiter TEXT NOT NULL DEFAULT '',
  sheet TEXT NOT NULL DEFAULT '',
  mapping TEXT NOT NULL DEFAULT '[]',
  mode TEXT NOT NULL DEFAULT 'create',
  key_field TEXT NOT NULL DEFAULT '',
  dup_policy TEXT NOT NULL DEFAULT 'create',
  create_accounts INTEGER NOT NULL DEFAULT 0,
  dry_run INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  rows_total INTEGER NOT NULL DEFAULT 0,
  rows_done INTEGER NOT NULL DEFAULT 0,
  rows_created INTEGER NOT NULL DEFAULT 0,
  rows_updated INTEGER NOT NULL DEFAULT 0,
  rows_unchanged INTEGER NOT NULL DEFAULT 0,
  rows_skipped INTEGER NOT NULL DEFAULT 0,
  rows_rejected INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  accounts_created INTEGER NOT NULL DEFAULT 0,
  tags_created INTEGER NOT NULL DEFAULT 0,
  checkpoint INTEGER NOT NULL DEFAULT 0,
  undo_checkpoint INTEGER NOT NULL DEFAULT 0,
  undo_by TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  locked_by TEXT NOT NULL DEFAULT '',
  locked_until TEXT,
  run_started_at TEXT,
  run_rows_start INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  updated_at TEXT NOT NULL,
  FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX imports_by_workspace ON imports (workspace_id, created_at);
CREATE INDEX imports_active ON imports (status) WHERE status IN ('queued', 'running', 'undoing');

CREATE TABLE import_records (
  import_id TEXT NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
  row_num INTEGER NOT NULL,
  object TEXT NOT NULL,
  record_id TEXT NOT NULL,
  action TEXT NOT NULL,
  PRIMARY KEY (import_id, row_num, object, record_id)
) WITHOUT ROWID;

CREATE TABLE import_issues (
  id INTEGER PRIMARY KEY,
  import_id TEXT NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
  row_num INTEGER NOT NULL,
  line INTEGER NOT NULL DEFAULT 0,
  kind TEXT NOT NULL,
  column_name TEXT NOT NULL DEFAULT '',
  value TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL,
  record_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX import_issues_by_import ON import_issues (import_id, row_num);

CREATE TABLE import_templates (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  object TEXT NOT NULL,
  name TEXT NOT NULL,
  mapping TEXT NOT NULL DEFAULT '[]',
  mode TEXT NOT NULL DEFAULT '',
  key_field TEXT NOT NULL DEFAULT '',
  dup_policy TEXT NOT NULL DEFAULT '',
  create_accounts INTEGER NOT NULL DEFAULT 0,
  created_by TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX import_templates_name ON import_templates (workspace_id, object, lower(name));

-- +goose Down
SELECT 1;
