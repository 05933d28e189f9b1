-- +goose Up
CREATE TABLE workspaces (
  id UUID PRIMARY KEY,
  name TEXT NOT NULL,
  currency TEXT NOT NULL DEFAULT 'USD',
  language TEXT NOT NULL DEFAULT 'en',
  timezone TEXT NOT NULL DEFAULT 'UTC',
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX workspaces_name ON workspaces (lower(name));

CREATE TABLE roles (
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  builtin TEXT NOT NULL DEFAULT '',
  is_admin BOOLEAN NOT NULL DEFAULT FALSE,
  permissions JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  UNIQUE (workspace_id, id)
);
CREATE UNIQUE INDEX roles_name ON roles (workspace_id, lower(name));

CREATE TABLE users (
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL DEFAULT '',
  role_id UUID NOT NULL,
  language TEXT NOT NULL DEFAULT '',
  timezone TEXT NOT NULL DEFAULT '',
  active BOOLEAN NOT NULL DEFAULT TRUE,
  totp_secret TEXT NOT NULL DEFAULT '',
  totp_enabled BOOLEAN NOT NULL DEFAULT FALSE,
  invite_hash TEXT NOT NULL DEFAULT '',
  last_login_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, role_id) REFERENCES roles (workspace_id, id)
);
CREATE UNIQUE INDEX users_email ON users (workspace_id, lower(email));
CREATE INDEX users_email_any ON users (lower(email));

CREATE TABLE teams (
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  UNIQUE (workspace_id, id)
);
CREATE UNIQUE INDEX teams_name ON teams (workspace_id, lower(name));

CREATE TABLE team_members (
  workspace_id UUID NOT NULL,
  team_id UUID NOT NULL,
  user_id UUID NOT NULL,
  PRIMARY KEY (team_id, user_id),
  FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE sessions (
  token TEXT PRIMARY KEY,
  data BYTEA NOT NULL,
  expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

CREATE TABLE api_tokens (
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL,
  user_id UUID NOT NULL,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  last_used_at TIMESTAMPTZ,
  revoked_at TIMESTAMPTZ,
  FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX api_tokens_user ON api_tokens (workspace_id, user_id);

CREATE TABLE login_failures (
  key TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);

CREATE TABLE idempotency_keys (
  workspace_id UUID NOT NULL,
  user_id UUID NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL DEFAULT 0,
  content_type TEXT NOT NULL DEFAULT '',
  etag TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  body BYTEA,
  created_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (workspace_id, user_id, key)
);
CREATE INDEX idempotency_created ON idempotency_keys (created_at);

CREATE TABLE custom_fields (
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  object TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  label_en TEXT NOT NULL DEFAULT '',
  label_es TEXT NOT NULL DEFAULT '',
  label_zh TEXT NOT NULL DEFAULT '',
  required BOOLEAN NOT NULL DEFAULT FALSE,
  options JSONB NOT NULL DEFAULT '[]',
  target TEXT NOT NULL DEFAULT '',
  position INTEGER NOT NULL DEFAULT 0,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX custom_fields_name ON custom_fields (workspace_id, object, name);

CREATE TABLE record_changes (
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  object TEXT NOT NULL,
  record_id UUID NOT NULL,
  change_set UUID NOT NULL,
  action TEXT NOT NULL,
  field TEXT NOT NULL DEFAULT '',
  old_value JSONB,
  new_value JSONB,
  changed_at TIMESTAMPTZ NOT NULL,
  changed_by UUID
);
CREATE INDEX record_changes_record ON record_changes (workspace_id, object, record_id, changed_at);

CREATE TABLE saved_views (
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL,
  user_id UUID NOT NULL,
  object TEXT NOT NULL,
  name TEXT NOT NULL,
  query TEXT NOT NULL DEFAULT '',
  columns TEXT NOT NULL DEFAULT '',
  shared BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TIMESTAMPTZ NOT NULL,
  FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX saved_views_user ON saved_views (workspace_id, object, user_id);

CREATE TABLE jobs (
  id UUID PRIMARY KEY,
  kind TEXT NOT NULL,
  workspace_id UUID,
  payload TEXT NOT NULL DEFAULT '{}',
  unique_key TEXT UNIQUE,
  status TEXT NOT NULL DEFAULT 'pending',
  run_at TIMESTAMPTZ NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 5,
  locked_by TEXT NOT NULL DEFAULT '',
  locked_until TIMESTAMPTZ,
  last_error TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ
);
CREATE INDEX jobs_due ON jobs (status, run_at);

CREATE TABLE tags (
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  color TEXT,
  description TEXT,
  owner_id UUID,
  created_at TIMESTAMPTZ NOT NULL,
  created_by UUID,
  updated_at TIMESTAMPTZ NOT NULL,
  updated_by UUID,
  deleted_at TIMESTAMPTZ,
  deleted_by UUID,
  version BIGINT NOT NULL DEFAULT 1,
  custom JSONB NOT NULL DEFAULT '{}',
  FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)
);
CREATE UNIQUE INDEX tags_name ON tags (workspace_id, lower(name)) WHERE deleted_at IS NULL;
CREATE INDEX tags_by_name ON tags (workspace_id, lower(name), id) WHERE deleted_at IS NULL;
CREATE INDEX tags_by_created ON tags (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tags_by_updated ON tags (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tags_deleted ON tags (deleted_at) WHERE deleted_at IS NOT NULL;

-- +goose Down
SELECT 1;
