-- Search by name is `name LIKE '%…%'` and by initials a case-insensitive
-- prefix, scoped by unit: the planner always goes through persons_unit and
-- never used these two indexes, while every import paid two random B-tree
-- inserts per person for them.
DROP INDEX IF EXISTS persons_name;
DROP INDEX IF EXISTS persons_initials;

-- The current view is only ever read by its key; WITHOUT ROWID stores the
-- rows in that key's B-tree instead of a table plus a separate index.
CREATE TABLE entity_current_new (
    entity_type  TEXT NOT NULL,
    entity_id    INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (entity_type, entity_id)
) WITHOUT ROWID;
INSERT INTO entity_current_new SELECT entity_type, entity_id, doc, updated_at FROM entity_current;
DROP TABLE entity_current;
ALTER TABLE entity_current_new RENAME TO entity_current;
