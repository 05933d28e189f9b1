-- +goose Up
-- Search moves from one B-tree row per term (search_terms: about 26 rows
-- per contact, each repeating the workspace and record ids) to one
-- document per record: search_docs holds the record's terms and their
-- weights (for ranking), and the full-text index search_fts finds the
-- documents holding a term or a prefix. search_fts is contentless and
-- detail=none: it keeps only the compressed list of documents per term,
-- and prefix indexes of two and three characters. Its tokenizer splits
-- only on ASCII white space and control characters, so the terms the
-- search package makes (e-mail addresses, phone digits, CJK pairs) are
-- stored as they are. Triggers keep search_fts in step with search_docs.
CREATE TABLE search_docs (
  id INTEGER PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  object TEXT NOT NULL,
  record_id TEXT NOT NULL,
  words TEXT NOT NULL,   -- the terms, separated by one space
  weights TEXT NOT NULL  -- the weight of each term, in the same order
);
CREATE UNIQUE INDEX search_docs_record ON search_docs (workspace_id, object, record_id);

CREATE VIRTUAL TABLE search_fts USING fts5(
  words,
  content = '',
  contentless_delete = 1,
  detail = none,
  prefix = '2 3',
  tokenize = "ascii tokenchars '!#$%&''()*+,-./:;<=>?@[\]^_`{|}~'"
);

-- +goose StatementBegin
CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN
  INSERT INTO search_fts (rowid, words) VALUES (new.id, new.words);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_docs_update AFTER UPDATE OF words ON search_docs BEGIN
  DELETE FROM search_fts WHERE rowid = old.id;
  INSERT INTO search_fts (rowid, words) VALUES (new.id, new.words);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
  DELETE FROM search_fts WHERE rowid = old.id;
END;
-- +goose StatementEnd

INSERT INTO search_docs (workspace_id, object, record_id, words, weights)
SELECT workspace_id, object, record_id, group_concat(term, ' ' ORDER BY term), group_concat(weight, ' ' ORDER BY term)
FROM search_terms
WHERE instr(term, ' ') = 0 AND instr(term, '"') = 0
GROUP BY workspace_id, object, record_id;

DROP TABLE search_terms;

-- +goose Down
SELECT 1;
