-- +goose Up
-- Customers: accounts, contacts, their links and relationships, activities
-- linked to records through rows with real foreign keys, attachments,
-- in-app notifications, and the search and duplicate-matching keys.

ALTER TABLE workspaces ADD COLUMN region TEXT NOT NULL DEFAULT 'US';
ALTER TABLE record_changes ADD COLUMN origin TEXT NOT NULL DEFAULT '';

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  domain TEXT,
  industry TEXT,
  size TEXT,
  relationship TEXT,
  status TEXT,
  parent_id TEXT,
  phones TEXT,
  phone TEXT,
  website TEXT,
  description TEXT,
  billing_street TEXT,
  billing_city TEXT,
  billing_region TEXT,
  billing_postal_code TEXT,
  billing_country TEXT,
  shipping_street TEXT,
  shipping_city TEXT,
  shipping_region TEXT,
  shipping_postal_code TEXT,
  shipping_country TEXT,
  owner_id TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT,
  updated_at TEXT NOT NULL,
  updated_by TEXT,
  deleted_at TEXT,
  deleted_by TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  custom TEXT NOT NULL DEFAULT '{}',
  merged_into TEXT,
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id),
  FOREIGN KEY (workspace_id, parent_id) REFERENCES accounts (workspace_id, id)
);
CREATE INDEX accounts_by_created ON accounts (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX accounts_by_updated ON accounts (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX accounts_by_owner ON accounts (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX accounts_deleted ON accounts (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE INDEX accounts_by_name ON accounts (workspace_id, lower(name), id) WHERE deleted_at IS NULL;
CREATE INDEX accounts_by_domain ON accounts (workspace_id, domain) WHERE deleted_at IS NULL;
CREATE INDEX accounts_by_parent ON accounts (workspace_id, parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE contacts (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  given_name TEXT,
  middle_name TEXT,
  family_name TEXT,
  name TEXT NOT NULL,
  emails TEXT,
  email TEXT,
  phones TEXT,
  phone TEXT,
  job_title TEXT,
  account_id TEXT,
  street TEXT,
  city TEXT,
  region TEXT,
  postal_code TEXT,
  country TEXT,
  language TEXT,
  time_zone TEXT,
  birthday TEXT,
  email_consent TEXT,
  email_consent_at TEXT,
  email_consent_source TEXT,
  phone_consent TEXT,
  phone_consent_at TEXT,
  phone_consent_source TEXT,
  description TEXT,
  owner_id TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT,
  updated_at TEXT NOT NULL,
  updated_by TEXT,
  deleted_at TEXT,
  deleted_by TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  custom TEXT NOT NULL DEFAULT '{}',
  merged_into TEXT,
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id)
);
CREATE INDEX contacts_by_created ON contacts (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_updated ON contacts (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_owner ON contacts (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_deleted ON contacts (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE INDEX contacts_by_name ON contacts (workspace_id, lower(name), id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_email ON contacts (workspace_id, lower(email), id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_account ON contacts (workspace_id, account_id) WHERE account_id IS NOT NULL;

CREATE TABLE account_contacts (
  workspace_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT '',
  is_primary INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  PRIMARY KEY (workspace_id, contact_id, account_id),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX account_contacts_account ON account_contacts (workspace_id, account_id, is_primary, created_at);

CREATE TABLE account_relationships (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  from_id TEXT NOT NULL,
  to_id TEXT NOT NULL,
  type TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  created_by TEXT,
  CHECK (from_id <> to_id),
  FOREIGN KEY (workspace_id, from_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, to_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX account_relationships_pair ON account_relationships (workspace_id, from_id, to_id, type);
CREATE INDEX account_relationships_to ON account_relationships (workspace_id, to_id);

CREATE TABLE contact_relationships (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  from_id TEXT NOT NULL,
  to_id TEXT NOT NULL,
  type TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  created_by TEXT,
  CHECK (from_id <> to_id),
  FOREIGN KEY (workspace_id, from_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, to_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX contact_relationships_pair ON contact_relationships (workspace_id, from_id, to_id, type);
CREATE INDEX contact_relationships_to ON contact_relationships (workspace_id, to_id);

CREATE TABLE activities (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT,
  occurred_at TEXT NOT NULL,
  due_at TEXT,
  priority TEXT,
  assignee_id TEXT,
  remind_at TEXT,
  reminded_at TEXT,
  done INTEGER,
  done_at TEXT,
  direction TEXT,
  duration_seconds INTEGER,
  outcome TEXT,
  starts_at TEXT,
  ends_at TEXT,
  location TEXT,
  attendees TEXT,
  email_from TEXT,
  email_to TEXT,
  sent_at TEXT,
  owner_id TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT,
  updated_at TEXT NOT NULL,
  updated_by TEXT,
  deleted_at TEXT,
  deleted_by TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  custom TEXT NOT NULL DEFAULT '{}',
  merged_into TEXT,
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id),
  FOREIGN KEY (workspace_id, assignee_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX activities_by_created ON activities (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_by_updated ON activities (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_by_owner ON activities (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_deleted ON activities (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE INDEX activities_by_occurred ON activities (workspace_id, occurred_at, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_open_tasks ON activities (workspace_id, assignee_id, due_at) WHERE deleted_at IS NULL AND type = 'task' AND done = 0;
CREATE INDEX activities_reminders ON activities (remind_at) WHERE deleted_at IS NULL AND remind_at IS NOT NULL AND reminded_at IS NULL;

CREATE TABLE activity_links (
  workspace_id TEXT NOT NULL,
  activity_id TEXT NOT NULL,
  account_id TEXT,
  contact_id TEXT,
  -- the activity's time, copied here so that a timeline reads its newest
  -- entries straight from an index, however many activities a record has
  occurred_at TEXT,
  -- 1 while the activity is an open task (not done, not in the trash)
  open_task INTEGER,
  CHECK ((account_id IS NULL) <> (contact_id IS NULL)),
  FOREIGN KEY (workspace_id, activity_id) REFERENCES activities (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX activity_links_account ON activity_links (workspace_id, account_id, activity_id) WHERE account_id IS NOT NULL;
CREATE UNIQUE INDEX activity_links_contact ON activity_links (workspace_id, contact_id, activity_id) WHERE contact_id IS NOT NULL;
CREATE INDEX activity_links_activity ON activity_links (workspace_id, activity_id);
CREATE INDEX activity_links_account_time ON activity_links (workspace_id, account_id, occurred_at, activity_id) WHERE account_id IS NOT NULL;
CREATE INDEX activity_links_contact_time ON activity_links (workspace_id, contact_id, occurred_at, activity_id) WHERE contact_id IS NOT NULL;
CREATE INDEX activity_links_account_open ON activity_links (workspace_id, account_id) WHERE open_task IS NOT NULL AND account_id IS NOT NULL;
CREATE INDEX activity_links_contact_open ON activity_links (workspace_id, contact_id) WHERE open_task IS NOT NULL AND contact_id IS NOT NULL;

CREATE UNIQUE INDEX tags_workspace_id ON tags (workspace_id, id);
CREATE TABLE account_tags (
  workspace_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  tag_id TEXT NOT NULL,
  PRIMARY KEY (workspace_id, account_id, tag_id),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, tag_id) REFERENCES tags (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX account_tags_tag ON account_tags (workspace_id, tag_id);

CREATE TABLE contact_tags (
  workspace_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  tag_id TEXT NOT NULL,
  PRIMARY KEY (workspace_id, contact_id, tag_id),
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, tag_id) REFERENCES tags (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_tags_tag ON contact_tags (workspace_id, tag_id);

CREATE TABLE attachments (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  object TEXT NOT NULL,
  record_id TEXT NOT NULL,
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT,
  deleted_at TEXT
);
CREATE INDEX attachments_record ON attachments (workspace_id, object, record_id);

CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  object TEXT NOT NULL DEFAULT '',
  record_id TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL,
  created_at TEXT NOT NULL,
  read_at TEXT,
  FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX notifications_user ON notifications (workspace_id, user_id, created_at);

-- Search terms (folded words, CJK characters and pairs, phone digits) and
-- duplicate-matching keys of every searchable record, written in the same
-- transaction as the record.
CREATE TABLE search_terms (
  workspace_id TEXT NOT NULL,
  term TEXT NOT NULL,
  object TEXT NOT NULL,
  record_id TEXT NOT NULL,
  weight INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (workspace_id, term, object, record_id)
) WITHOUT ROWID;
CREATE INDEX search_terms_record ON search_terms (workspace_id, object, record_id);

CREATE TABLE match_keys (
  workspace_id TEXT NOT NULL,
  object TEXT NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  record_id TEXT NOT NULL,
  PRIMARY KEY (workspace_id, object, kind, key, record_id)
) WITHOUT ROWID;
CREATE INDEX match_keys_record ON match_keys (workspace_id, object, record_id);

-- The distinct words of names, to correct a typo in a search.
CREATE TABLE search_vocab (
  workspace_id TEXT NOT NULL,
  term TEXT NOT NULL,
  PRIMARY KEY (workspace_id, term)
) WITHOUT ROWID;

-- +goose Down
SELECT 1;
