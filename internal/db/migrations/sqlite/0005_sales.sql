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

-- Pipelines and their ordered stages are workspace settings that admins
-- edit; deals are records.

CREATE TABLE pipelines (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0,
  is_default INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (workspace_id, id)
);
CREATE UNIQUE INDEX pipelines_name ON pipelines (workspace_id, lower(name));

CREATE TABLE pipeline_stages (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  pipeline_id TEXT NOT NULL,
  name TEXT NOT NULL,
  position INTEGER NOT NULL,
  probability INTEGER NOT NULL DEFAULT 0 CHECK (probability BETWEEN 0 AND 100),
  is_won INTEGER NOT NULL DEFAULT 0,
  is_lost INTEGER NOT NULL DEFAULT 0,
  -- JSON array of the deal fields that must hold a value to enter
  required_fields TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, pipeline_id) REFERENCES pipelines (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX pipeline_stages_pipeline ON pipeline_stages (workspace_id, pipeline_id, position);

CREATE TABLE leads (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  given_name TEXT,
  family_name TEXT,
  name TEXT NOT NULL,
  company TEXT,
  job_title TEXT,
  email TEXT,
  phone TEXT,
  website TEXT,
  industry TEXT,
  country TEXT,
  city TEXT,
  source TEXT,
  campaign TEXT,
  status TEXT NOT NULL DEFAULT 'new',
  disqualify_reason TEXT,
  score INTEGER NOT NULL DEFAULT 0,
  score_reasons TEXT,
  converted_at TEXT,
  account_id TEXT,
  contact_id TEXT,
  deal_id TEXT,
  description TEXT,
  external_id TEXT,
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
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id),
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id)
);
CREATE INDEX leads_by_created ON leads (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_by_updated ON leads (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_by_owner ON leads (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_deleted ON leads (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX leads_by_name ON leads (workspace_id, lower(name), id) WHERE deleted_at IS NULL;
CREATE INDEX leads_by_email ON leads (workspace_id, lower(email), id) WHERE deleted_at IS NULL;
CREATE INDEX leads_by_status ON leads (workspace_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_by_score ON leads (workspace_id, score, id) WHERE deleted_at IS NULL;

CREATE TABLE deals (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  account_id TEXT,
  amount_amount TEXT,
  amount_currency TEXT,
  close_date TEXT,
  pipeline_id TEXT NOT NULL,
  stage_id TEXT NOT NULL,
  stage_name TEXT NOT NULL,
  probability INTEGER,
  status TEXT NOT NULL DEFAULT 'open',
  forecast_category TEXT,
  closed_at TEXT,
  stage_entered_at TEXT NOT NULL,
  loss_reason TEXT,
  competitors TEXT,
  next_step TEXT,
  source TEXT,
  lead_id TEXT,
  description TEXT,
  external_id TEXT,
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
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id),
  FOREIGN KEY (workspace_id, pipeline_id) REFERENCES pipelines (workspace_id, id),
  FOREIGN KEY (workspace_id, stage_id) REFERENCES pipeline_stages (workspace_id, id),
  FOREIGN KEY (workspace_id, lead_id) REFERENCES leads (workspace_id, id)
);
CREATE INDEX deals_by_created ON deals (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_updated ON deals (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_owner ON deals (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_deleted ON deals (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX deals_by_name ON deals (workspace_id, lower(name), id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_account ON deals (workspace_id, account_id) WHERE account_id IS NOT NULL;
-- a board column: its open deals by expected close date
CREATE INDEX deals_board ON deals (workspace_id, stage_id, close_date, id) WHERE deleted_at IS NULL;
-- a board's counts and totals, read from the index alone
CREATE INDEX deals_totals ON deals (workspace_id, pipeline_id, stage_id, amount_currency, close_date, probability, amount_amount, status, closed_at, owner_id) WHERE deleted_at IS NULL;
-- the forecast's months, read from the index alone
CREATE INDEX deals_by_close ON deals (workspace_id, close_date, status, owner_id, forecast_category, probability, amount_currency, amount_amount, pipeline_id) WHERE deleted_at IS NULL;

CREATE TABLE deal_contacts (
  workspace_id TEXT NOT NULL,
  deal_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (workspace_id, deal_id, contact_id),
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX deal_contacts_contact ON deal_contacts (workspace_id, contact_id);

-- When each deal entered each stage and when it left.
CREATE TABLE deal_stage_history (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  deal_id TEXT NOT NULL,
  stage_id TEXT,
  stage_name TEXT NOT NULL,
  entered_at TEXT NOT NULL,
  left_at TEXT,
  entered_by TEXT,
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX deal_stage_history_deal ON deal_stage_history (workspace_id, deal_id, entered_at);

-- Activities on leads and deals, beside their accounts and contacts.
CREATE TABLE activity_leads (
  workspace_id TEXT NOT NULL,
  activity_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  PRIMARY KEY (workspace_id, activity_id, lead_id),
  FOREIGN KEY (workspace_id, activity_id) REFERENCES activities (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, lead_id) REFERENCES leads (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX activity_leads_lead ON activity_leads (workspace_id, lead_id);
CREATE TABLE activity_deals (
  workspace_id TEXT NOT NULL,
  activity_id TEXT NOT NULL,
  deal_id TEXT NOT NULL,
  PRIMARY KEY (workspace_id, activity_id, deal_id),
  FOREIGN KEY (workspace_id, activity_id) REFERENCES activities (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX activity_deals_deal ON activity_deals (workspace_id, deal_id);

-- Lead scoring rules: fit points from a lead's fields, engagement points
-- from its activities.
CREATE TABLE lead_score_rules (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  field TEXT NOT NULL DEFAULT '',
  operator TEXT NOT NULL DEFAULT '',
  value TEXT NOT NULL DEFAULT '',
  points INTEGER NOT NULL,
  position INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE INDEX lead_score_rules_ws ON lead_score_rules (workspace_id, position);

-- Lead assignment rules, first match wins: to a user, or round-robin
-- among a team's active members.
CREATE TABLE lead_assignment_rules (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  field TEXT NOT NULL DEFAULT '',
  value TEXT NOT NULL DEFAULT '',
  user_id TEXT,
  team_id TEXT,
  position INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX lead_assignment_rules_ws ON lead_assignment_rules (workspace_id, position);

-- The member of a team who got the last round-robin lead.
CREATE TABLE lead_round_robin (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  team_id TEXT NOT NULL,
  last_user_id TEXT,
  PRIMARY KEY (workspace_id, team_id)
);

-- Sales quotas per user and month, in the workspace currency.
CREATE TABLE sales_quotas (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  month TEXT NOT NULL,
  amount TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (workspace_id, user_id, month),
  FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);

-- +goose Down
SELECT 1;
