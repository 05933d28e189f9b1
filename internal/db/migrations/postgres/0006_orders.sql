-- +goose Up
-- Sales documents and the chain contract → order → shipment → invoice →
-- payment: products and price books, line items shared by quotes, orders
-- and invoices, numbered per workspace. Amounts are exact decimals
-- (NUMERIC on PostgreSQL, decimal text on SQLite) beside their currency.

CREATE TABLE sales_counters (
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  last BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, kind)
);

CREATE TABLE products (
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  sku TEXT,
  name TEXT NOT NULL,
  description TEXT,
  unit TEXT,
  tax_rate NUMERIC,
  list_price_amount NUMERIC,
  list_price_currency TEXT,
  active BOOLEAN,
  owner_id UUID,
  created_at TIMESTAMPTZ NOT NULL,
  created_by UUID,
  updated_at TIMESTAMPTZ NOT NULL,
  updated_by UUID,
  deleted_at TIMESTAMPTZ,
  deleted_by UUID,
  version BIGINT NOT NULL DEFAULT 1,
  custom JSONB NOT NULL DEFAULT '{}',
  merged_into UUID,
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX products_by_created ON products (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX products_by_updated ON products (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX products_by_owner ON products (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX products_deleted ON products (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX products_sku ON products (workspace_id, lower(sku));

CREATE TABLE price_books (
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  currency TEXT NOT NULL,
  segment TEXT,
  active BOOLEAN,
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
  merged_into UUID,
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX price_books_by_created ON price_books (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX price_books_by_updated ON price_books (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX price_books_by_owner ON price_books (workspace_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX price_books_deleted ON price_books (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE price_book_entries (
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  price_book_id UUID,
  product_id UUID,
  name TEXT,
  unit_price_amount NUMERIC,
  unit_price_currency TEXT,
  owner_id UUID,
  created_at TIMESTAMPTZ NOT NULL,
  created_by UUID,
  updated_at TIMESTAMPTZ NOT NULL,
  updated_by UUID,
  deleted_at TIMESTAMPTZ,
  deleted_by UUID,
  version BIGINT NOT NULL DEFAULT 1,
  custom JSONB NOT NULL DEFAULT '{}',
  merged_into UUID,
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
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  revision BIGINT NOT NULL,
  name TEXT NOT NULL,
  account_id UUID,
  contact_id UUID,
  price_book_id UUID,
  deal_id UUID,
  currency TEXT NOT NULL,
  language TEXT,
  status TEXT NOT NULL,
  valid_until DATE,
  issued_on DATE,
  terms TEXT,
  notes TEXT,
  subtotal_amount NUMERIC,
  subtotal_currency TEXT,
  discount_total_amount NUMERIC,
  discount_total_currency TEXT,
  tax_total_amount NUMERIC,
  tax_total_currency TEXT,
  grand_total_amount NUMERIC,
  grand_total_currency TEXT,
  order_id UUID,
  previous_id UUID,
  accepted_at TIMESTAMPTZ,
  owner_id UUID,
  created_at TIMESTAMPTZ NOT NULL,
  created_by UUID,
  updated_at TIMESTAMPTZ NOT NULL,
  updated_by UUID,
  deleted_at TIMESTAMPTZ,
  deleted_by UUID,
  version BIGINT NOT NULL DEFAULT 1,
  custom JSONB NOT NULL DEFAULT '{}',
  merged_into UUID,
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
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  name TEXT,
  account_id UUID,
  quote_id UUID,
  contract_id UUID,
  currency TEXT NOT NULL,
  order_date DATE,
  status TEXT NOT NULL,
  fulfilment TEXT NOT NULL,
  notes TEXT,
  subtotal_amount NUMERIC,
  subtotal_currency TEXT,
  discount_total_amount NUMERIC,
  discount_total_currency TEXT,
  tax_total_amount NUMERIC,
  tax_total_currency TEXT,
  grand_total_amount NUMERIC,
  grand_total_currency TEXT,
  owner_id UUID,
  created_at TIMESTAMPTZ NOT NULL,
  created_by UUID,
  updated_at TIMESTAMPTZ NOT NULL,
  updated_by UUID,
  deleted_at TIMESTAMPTZ,
  deleted_by UUID,
  version BIGINT NOT NULL DEFAULT 1,
  custom JSONB NOT NULL DEFAULT '{}',
  merged_into UUID,
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
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  name TEXT NOT NULL,
  account_id UUID,
  start_date DATE,
  end_date DATE,
  value_amount NUMERIC,
  value_currency TEXT,
  terms TEXT,
  status TEXT NOT NULL,
  renewal_date DATE,
  reminder_days BIGINT,
  renewal_task_id UUID,
  reminded_for DATE,
  owner_id UUID,
  created_at TIMESTAMPTZ NOT NULL,
  created_by UUID,
  updated_at TIMESTAMPTZ NOT NULL,
  updated_by UUID,
  deleted_at TIMESTAMPTZ,
  deleted_by UUID,
  version BIGINT NOT NULL DEFAULT 1,
  custom JSONB NOT NULL DEFAULT '{}',
  merged_into UUID,
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
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  account_id UUID,
  order_id UUID,
  contract_id UUID,
  period_start DATE,
  period_end DATE,
  issue_date DATE,
  due_date DATE,
  currency TEXT NOT NULL,
  language TEXT,
  status TEXT NOT NULL,
  notes TEXT,
  subtotal_amount NUMERIC,
  subtotal_currency TEXT,
  discount_total_amount NUMERIC,
  discount_total_currency TEXT,
  tax_total_amount NUMERIC,
  tax_total_currency TEXT,
  grand_total_amount NUMERIC,
  grand_total_currency TEXT,
  amount_paid_amount NUMERIC,
  amount_paid_currency TEXT,
  balance_amount NUMERIC,
  balance_currency TEXT,
  owner_id UUID,
  created_at TIMESTAMPTZ NOT NULL,
  created_by UUID,
  updated_at TIMESTAMPTZ NOT NULL,
  updated_by UUID,
  deleted_at TIMESTAMPTZ,
  deleted_by UUID,
  version BIGINT NOT NULL DEFAULT 1,
  custom JSONB NOT NULL DEFAULT '{}',
  merged_into UUID,
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
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  invoice_id UUID,
  account_id UUID,
  amount_amount NUMERIC,
  amount_currency TEXT,
  method TEXT,
  paid_on DATE,
  reference TEXT,
  owner_id UUID,
  created_at TIMESTAMPTZ NOT NULL,
  created_by UUID,
  updated_at TIMESTAMPTZ NOT NULL,
  updated_by UUID,
  deleted_at TIMESTAMPTZ,
  deleted_by UUID,
  version BIGINT NOT NULL DEFAULT 1,
  custom JSONB NOT NULL DEFAULT '{}',
  merged_into UUID,
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
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  quote_id UUID,
  order_id UUID,
  invoice_id UUID,
  position BIGINT,
  product_id UUID,
  description TEXT,
  quantity NUMERIC,
  unit TEXT,
  unit_price_amount NUMERIC,
  unit_price_currency TEXT,
  discount_percent NUMERIC,
  discount_amount_amount NUMERIC,
  discount_amount_currency TEXT,
  tax_rate NUMERIC,
  line_subtotal_amount NUMERIC,
  line_subtotal_currency TEXT,
  line_discount_amount NUMERIC,
  line_discount_currency TEXT,
  line_tax_amount NUMERIC,
  line_tax_currency TEXT,
  line_total_amount NUMERIC,
  line_total_currency TEXT,
  shipped_quantity NUMERIC,
  owner_id UUID,
  created_at TIMESTAMPTZ NOT NULL,
  created_by UUID,
  updated_at TIMESTAMPTZ NOT NULL,
  updated_by UUID,
  deleted_at TIMESTAMPTZ,
  deleted_by UUID,
  version BIGINT NOT NULL DEFAULT 1,
  custom JSONB NOT NULL DEFAULT '{}',
  merged_into UUID,
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
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  order_id UUID,
  carrier TEXT,
  tracking_number TEXT,
  status TEXT NOT NULL,
  shipped_on DATE,
  delivered_on DATE,
  notes TEXT,
  owner_id UUID,
  created_at TIMESTAMPTZ NOT NULL,
  created_by UUID,
  updated_at TIMESTAMPTZ NOT NULL,
  updated_by UUID,
  deleted_at TIMESTAMPTZ,
  deleted_by UUID,
  version BIGINT NOT NULL DEFAULT 1,
  custom JSONB NOT NULL DEFAULT '{}',
  merged_into UUID,
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
  id UUID PRIMARY KEY,
  workspace_id UUID NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT,
  shipment_id UUID,
  line_item_id UUID,
  quantity NUMERIC,
  owner_id UUID,
  created_at TIMESTAMPTZ NOT NULL,
  created_by UUID,
  updated_at TIMESTAMPTZ NOT NULL,
  updated_by UUID,
  deleted_at TIMESTAMPTZ,
  deleted_by UUID,
  version BIGINT NOT NULL DEFAULT 1,
  custom JSONB NOT NULL DEFAULT '{}',
  merged_into UUID,
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
