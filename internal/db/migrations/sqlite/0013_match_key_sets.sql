-- +goose Up
-- A record's matching keys, all in one row: what SetKeys and Remove read
-- to replace or delete that record's rows of match_keys by their primary
-- key. They replace match_keys_record, a second index over every key (on
-- a million contacts, 12 million entries, 1.3 GB and 22 s of a demo load
-- to build) that served only to find a record's own keys.
-- keys is a JSON object: kind → its values, e.g.
-- {"email":["ana@example.com"],"phone":["+34612345678"]}.
CREATE TABLE match_key_sets (
  workspace_id TEXT NOT NULL,
  object TEXT NOT NULL,
  record_id TEXT NOT NULL,
  keys TEXT NOT NULL,
  PRIMARY KEY (workspace_id, object, record_id)
) WITHOUT ROWID;

INSERT INTO match_key_sets (workspace_id, object, record_id, keys)
SELECT workspace_id, object, record_id, json_group_object(kind, json(vals))
FROM (SELECT workspace_id, object, record_id, kind, json_group_array(key) AS vals
      FROM match_keys GROUP BY workspace_id, object, record_id, kind)
GROUP BY workspace_id, object, record_id;

DROP INDEX IF EXISTS match_keys_record;
DELETE FROM deferred_indexes WHERE name = 'match_keys_record';

-- +goose Down
SELECT 1;
