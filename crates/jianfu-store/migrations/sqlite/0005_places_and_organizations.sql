-- Houses (房屋) and organizations (单位、企业、社会组织) of a community.
-- Like persons, each has a natural key its rosters carry: a house its
-- address, an organization its 统一社会信用代码 (or, without one, its
-- name). Their facts live in fact_log and entity_current under entity
-- type 'house' / 'organization'; name is kept for lists and search.
CREATE TABLE register_entities (
    id           INTEGER PRIMARY KEY,
    entity_type  TEXT NOT NULL CHECK (entity_type IN ('house', 'organization')),
    unit_id      INTEGER NOT NULL REFERENCES org_units(id),
    natural_key  TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (entity_type, unit_id, natural_key)
);
CREATE INDEX register_entities_unit ON register_entities(unit_id, entity_type);
