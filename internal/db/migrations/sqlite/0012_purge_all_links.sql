-- +goose Up
-- Purging any record from the trash, whatever names it (0010 did deals
-- and quotes). Per link, what a CRM keeps:
--
--   parts go with their record: a quote's, order's or invoice's lines,
--   a shipment's lines, a price book's entries, and a product's price
--   book entries (an entry is a price of that product);
--
--   a record that only mentions the purged one survives, no longer
--   naming it, with a new version (so a new ETag): sub-accounts, contacts,
--   converted leads, deals and quotes of a purged account, contact,
--   lead or deal; documents made from a purged deal, quote, order,
--   contract or price book (an invoice keeps its own lines and numbers);
--   line items of a purged product (they carry its name and price);
--   a contract whose renewal task was purged; a revision whose previous
--   revision was purged; leads.deal_id, quotes.order_id,
--   quotes.previous_id and orders.contract_id, which have no foreign key;
--
--   a record that documents still need is not purged: an account named
--   by quotes, orders, contracts, invoices or payments (a document names
--   its customer), an invoice with payments, an order with shipments, an
--   order line that was shipped. The application refuses those with the
--   reason before it deletes; the foreign keys stay as the backstop.
--
-- Triggers, as in 0010: SQLite cannot change the existing composite keys
-- in a migration, and SET NULL on them would null workspace_id too.
-- Each UPDATE and DELETE below has an index on (workspace_id, column);
-- those that were missing are added here, partial where most rows have
-- no link.

CREATE INDEX leads_account ON leads (workspace_id, account_id) WHERE account_id IS NOT NULL;
CREATE INDEX leads_contact ON leads (workspace_id, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX leads_deal ON leads (workspace_id, deal_id) WHERE deal_id IS NOT NULL;
CREATE INDEX deals_lead ON deals (workspace_id, lead_id) WHERE lead_id IS NOT NULL;
CREATE INDEX quotes_contact ON quotes (workspace_id, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX quotes_price_book ON quotes (workspace_id, price_book_id) WHERE price_book_id IS NOT NULL;
CREATE INDEX quotes_order ON quotes (workspace_id, order_id) WHERE order_id IS NOT NULL;
CREATE INDEX quotes_previous ON quotes (workspace_id, previous_id) WHERE previous_id IS NOT NULL;
CREATE INDEX contracts_renewal_task ON contracts (workspace_id, renewal_task_id) WHERE renewal_task_id IS NOT NULL;
CREATE INDEX invoices_contract ON invoices (workspace_id, contract_id) WHERE contract_id IS NOT NULL;
CREATE INDEX line_items_product ON line_items (workspace_id, product_id) WHERE product_id IS NOT NULL;
CREATE INDEX price_book_entries_product ON price_book_entries (workspace_id, product_id);

DROP TRIGGER deals_purge;
DROP TRIGGER quotes_purge;

-- +goose StatementBegin
CREATE TRIGGER accounts_purge BEFORE DELETE ON accounts BEGIN
  UPDATE accounts SET parent_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND parent_id = OLD.id;
  UPDATE contacts SET account_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND account_id = OLD.id;
  UPDATE leads SET account_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND account_id = OLD.id;
  UPDATE deals SET account_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND account_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER contacts_purge BEFORE DELETE ON contacts BEGIN
  UPDATE leads SET contact_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND contact_id = OLD.id;
  UPDATE quotes SET contact_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND contact_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER activities_purge BEFORE DELETE ON activities BEGIN
  UPDATE contracts SET renewal_task_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND renewal_task_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER leads_purge BEFORE DELETE ON leads BEGIN
  UPDATE deals SET lead_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND lead_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER deals_purge BEFORE DELETE ON deals BEGIN
  UPDATE quotes SET deal_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND deal_id = OLD.id;
  UPDATE leads SET deal_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND deal_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER products_purge BEFORE DELETE ON products BEGIN
  DELETE FROM price_book_entries WHERE workspace_id = OLD.workspace_id AND product_id = OLD.id;
  UPDATE line_items SET product_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND product_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER price_books_purge BEFORE DELETE ON price_books BEGIN
  DELETE FROM price_book_entries WHERE workspace_id = OLD.workspace_id AND price_book_id = OLD.id;
  UPDATE quotes SET price_book_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND price_book_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER quotes_purge BEFORE DELETE ON quotes BEGIN
  DELETE FROM line_items WHERE workspace_id = OLD.workspace_id AND quote_id = OLD.id;
  UPDATE orders SET quote_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND quote_id = OLD.id;
  UPDATE quotes SET previous_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND previous_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER orders_purge BEFORE DELETE ON orders BEGIN
  DELETE FROM line_items WHERE workspace_id = OLD.workspace_id AND order_id = OLD.id;
  UPDATE invoices SET order_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND order_id = OLD.id;
  UPDATE quotes SET order_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND order_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER contracts_purge BEFORE DELETE ON contracts BEGIN
  UPDATE invoices SET contract_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND contract_id = OLD.id;
  UPDATE orders SET contract_id = NULL, version = version + 1
   WHERE workspace_id = OLD.workspace_id AND contract_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER invoices_purge BEFORE DELETE ON invoices BEGIN
  DELETE FROM line_items WHERE workspace_id = OLD.workspace_id AND invoice_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER shipments_purge BEFORE DELETE ON shipments BEGIN
  DELETE FROM shipment_lines WHERE workspace_id = OLD.workspace_id AND shipment_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose Down
SELECT 1;
