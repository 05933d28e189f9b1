-- +goose Up
-- Search moves from one B-tree row per term (search_terms: about 26 rows
-- per contact, each repeating the workspace and record ids) to one
-- document per record: search_docs holds the record's terms and their
-- weights (for ranking), and doc, the same terms as a tsvector under a
-- GIN index, finds the documents holding a term or a prefix. The terms
-- go in as they are (array_to_tsvector neither parses nor stems them).
CREATE TABLE search_docs (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id UUID NOT NULL,
  object TEXT NOT NULL,
  record_id UUID NOT NULL,
  words TEXT NOT NULL,   -- the terms, separated by one space
  weights TEXT NOT NULL, -- the weight of each term, in the same order
  doc TSVECTOR GENERATED ALWAYS AS (array_to_tsvector(string_to_array(words, ' '))) STORED
);
CREATE UNIQUE INDEX search_docs_record ON search_docs (workspace_id, object, record_id);
CREATE INDEX search_docs_doc ON search_docs USING gin (doc);

INSERT INTO search_docs (workspace_id, object, record_id, words, weights)
SELECT workspace_id, object, record_id, string_agg(term, ' ' ORDER BY term), string_agg(weight::text, ' ' ORDER BY term)
FROM search_terms
WHERE strpos(term, ' ') = 0 AND strpos(term, '"') = 0 AND octet_length(term) <= 200
GROUP BY workspace_id, object, record_id;

DROP TABLE search_terms;

-- +goose Down
SELECT 1;
