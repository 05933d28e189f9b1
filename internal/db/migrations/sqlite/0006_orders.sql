-- +goose Up
-- Sales documents and the chain contract → order → shipment → invoice →
-- payment: products and price books, line items shared by quotes, orders
-- and invoices, numbered per workspace. Amounts are exact decimals
-- (NUMERIC on PostgreSQL, decimal text on SQLite) beside their currency.

CREATE TABLE sales_counters (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, kind)
);

CREATE TABLE products (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  sku TEXT,
  name TEXT NOT NULL,
  description TEXT,
  unit TEXT,
  tax_rate TEXT,
  list_price_amount TEXT,
  list_price_currency TEXT,
  active INTEGER,
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
  FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX products_by_created ON products (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX products_by_updated ON products (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX products_by_owner ON products (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX products_deleted ON products (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX products_sku ON products (workspace_id, lower(sku));

CREATE TABLE price_books (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  currency TEXT NOT NULL,
  segment TEXT,
  active INTEGER,
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
  FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX price_books_by_created ON price_books (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX price_books_by_updated ON price_books (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX price_books_by_owner ON price_books (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX price_books_deleted ON price_books (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE price_book_entries (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  price_book_id TEXT,
  product_id TEXT,
  name TEXT,
  unit_price_amount TEXT,
  unit_price_currency TEXT,
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
  FOREIGN KEY (workspace_id, price_book_id) REFERENCES price_books (workspace_id, id),
  FOREIGN KEY (workspace_id, product_id) REFERENCES products (workspace_id, id)
);
CREATE INDEX price_book_entries_by_created ON price_book_entries (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX price_book_entries_by_updated ON price_book_entries (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX price_book_entries_by_owner ON price_book_entries (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX price_book_entries_deleted ON price_book_entries (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX price_book_entries_book ON price_book_entries (workspace_id, price_book_id, product_id);

CREATE TABLE quotes (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  revision INTEGER NOT NULL,
  name TEXT NOT NULL,
  account_id TEXT,
  contact_id TEXT,
  price_book_id TEXT,
  deal_id TEXT,
  currency TEXT NOT NULL,
  language TEXT,
  status TEXT NOT NULL,
  valid_until TEXT,
  issued_on TEXT,
  terms TEXT,
  notes TEXT,
  subtotal_amount TEXT,
  subtotal_currency TEXT,
  discount_total_amount TEXT,
  discount_total_currency TEXT,
  tax_total_amount TEXT,
  tax_total_currency TEXT,
  grand_total_amount TEXT,
  grand_total_currency TEXT,
  order_id TEXT,
  previous_id TEXT,
  accepted_at TEXT,
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
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id),
  FOREIGN KEY (workspace_id, price_book_id) REFERENCES price_books (workspace_id, id),
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id)
);
CREATE INDEX quotes_by_created ON quotes (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX quotes_by_updated ON quotes (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX quotes_by_owner ON quotes (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX quotes_deleted ON quotes (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX quotes_account ON quotes (workspace_id, account_id);
CREATE INDEX quotes_deal ON quotes (workspace_id, deal_id) WHERE deal_id IS NOT NULL;
CREATE INDEX quotes_number ON quotes (workspace_id, number, revision);

CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  name TEXT,
  account_id TEXT,
  quote_id TEXT,
  contract_id TEXT,
  currency TEXT NOT NULL,
  order_date TEXT,
  status TEXT NOT NULL,
  fulfilment TEXT NOT NULL,
  notes TEXT,
  subtotal_amount TEXT,
  subtotal_currency TEXT,
  discount_total_amount TEXT,
  discount_total_currency TEXT,
  tax_total_amount TEXT,
  tax_total_currency TEXT,
  grand_total_amount TEXT,
  grand_total_currency TEXT,
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
  FOREIGN KEY (workspace_id, quote_id) REFERENCES quotes (workspace_id, id)
);
CREATE INDEX orders_by_created ON orders (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_updated ON orders (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_owner ON orders (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_deleted ON orders (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX orders_account ON orders (workspace_id, account_id);
CREATE INDEX orders_number ON orders (workspace_id, number);
CREATE INDEX orders_quote ON orders (workspace_id, quote_id);
CREATE INDEX orders_contract ON orders (workspace_id, contract_id);

CREATE TABLE contracts (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  name TEXT NOT NULL,
  account_id TEXT,
  start_date TEXT,
  end_date TEXT,
  value_amount TEXT,
  value_currency TEXT,
  terms TEXT,
  status TEXT NOT NULL,
  renewal_date TEXT,
  reminder_days INTEGER,
  renewal_task_id TEXT,
  reminded_for TEXT,
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
  FOREIGN KEY (workspace_id, renewal_task_id) REFERENCES activities (workspace_id, id)
);
CREATE INDEX contracts_by_created ON contracts (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contracts_by_updated ON contracts (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contracts_by_owner ON contracts (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX contracts_deleted ON contracts (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX contracts_account ON contracts (workspace_id, account_id);
CREATE INDEX contracts_number ON contracts (workspace_id, number);

CREATE TABLE invoices (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  account_id TEXT,
  order_id TEXT,
  contract_id TEXT,
  period_start TEXT,
  period_end TEXT,
  issue_date TEXT,
  due_date TEXT,
  currency TEXT NOT NULL,
  language TEXT,
  status TEXT NOT NULL,
  notes TEXT,
  subtotal_amount TEXT,
  subtotal_currency TEXT,
  discount_total_amount TEXT,
  discount_total_currency TEXT,
  tax_total_amount TEXT,
  tax_total_currency TEXT,
  grand_total_amount TEXT,
  grand_total_currency TEXT,
  amount_paid_amount TEXT,
  amount_paid_currency TEXT,
  balance_amount TEXT,
  balance_currency TEXT,
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
  FOREIGN KEY (workspace_id, order_id) REFERENCES orders (workspace_id, id),
  FOREIGN KEY (workspace_id, contract_id) REFERENCES contracts (workspace_id, id)
);
CREATE INDEX invoices_by_created ON invoices (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX invoices_by_updated ON invoices (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX invoices_by_owner ON invoices (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX invoices_deleted ON invoices (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX invoices_account ON invoices (workspace_id, account_id);
CREATE INDEX invoices_number ON invoices (workspace_id, number);
CREATE INDEX invoices_order ON invoices (workspace_id, order_id);
CREATE INDEX invoices_due ON invoices (workspace_id, due_date);

CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  invoice_id TEXT,
  account_id TEXT,
  amount_amount TEXT,
  amount_currency TEXT,
  method TEXT,
  paid_on TEXT,
  reference TEXT,
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
  FOREIGN KEY (workspace_id, invoice_id) REFERENCES invoices (workspace_id, id),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id)
);
CREATE INDEX payments_by_created ON payments (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX payments_by_updated ON payments (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX payments_by_owner ON payments (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX payments_deleted ON payments (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX payments_invoice ON payments (workspace_id, invoice_id);
CREATE INDEX payments_account ON payments (workspace_id, account_id);

CREATE TABLE line_items (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  quote_id TEXT,
  order_id TEXT,
  invoice_id TEXT,
  position INTEGER,
  product_id TEXT,
  description TEXT,
  quantity TEXT,
  unit TEXT,
  unit_price_amount TEXT,
  unit_price_currency TEXT,
  discount_percent TEXT,
  discount_amount_amount TEXT,
  discount_amount_currency TEXT,
  tax_rate TEXT,
  line_subtotal_amount TEXT,
  line_subtotal_currency TEXT,
  line_discount_amount TEXT,
  line_discount_currency TEXT,
  line_tax_amount TEXT,
  line_tax_currency TEXT,
  line_total_amount TEXT,
  line_total_currency TEXT,
  shipped_quantity TEXT,
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
  FOREIGN KEY (workspace_id, quote_id) REFERENCES quotes (workspace_id, id),
  FOREIGN KEY (workspace_id, order_id) REFERENCES orders (workspace_id, id),
  FOREIGN KEY (workspace_id, invoice_id) REFERENCES invoices (workspace_id, id),
  FOREIGN KEY (workspace_id, product_id) REFERENCES products (workspace_id, id)
);
CREATE INDEX line_items_by_created ON line_items (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX line_items_by_updated ON line_items (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX line_items_by_owner ON line_items (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX line_items_deleted ON line_items (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX line_items_quote ON line_items (workspace_id, quote_id, position);
CREATE INDEX line_items_order ON line_items (workspace_id, order_id, position);
CREATE INDEX line_items_invoice ON line_items (workspace_id, invoice_id, position);

CREATE TABLE shipments (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  order_id TEXT,
  carrier TEXT,
  tracking_number TEXT,
  status TEXT NOT NULL,
  shipped_on TEXT,
  delivered_on TEXT,
  notes TEXT,
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
  FOREIGN KEY (workspace_id, order_id) REFERENCES orders (workspace_id, id)
);
CREATE INDEX shipments_by_created ON shipments (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX shipments_by_updated ON shipments (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX shipments_by_owner ON shipments (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX shipments_deleted ON shipments (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX shipments_order ON shipments (workspace_id, order_id);
CREATE INDEX shipments_number ON shipments (workspace_id, number);

CREATE TABLE shipment_lines (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT,
  shipment_id TEXT,
  line_item_id TEXT,
  quantity TEXT,
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
  FOREIGN KEY (workspace_id, shipment_id) REFERENCES shipments (workspace_id, id),
  FOREIGN KEY (workspace_id, line_item_id) REFERENCES line_items (workspace_id, id)
);
CREATE INDEX shipment_lines_by_created ON shipment_lines (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX shipment_lines_by_updated ON shipment_lines (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX shipment_lines_by_owner ON shipment_lines (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX shipment_lines_deleted ON shipment_lines (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX shipment_lines_shipment ON shipment_lines (workspace_id, shipment_id);
CREATE INDEX shipment_lines_line ON shipment_lines (workspace_id, line_item_id);

CREATE UNIQUE INDEX products_sku_unique ON products (workspace_id, lower(sku)) WHERE deleted_at IS NULL AND sku IS NOT NULL;

-- +goose Down
SELECT 1;
