-- The base register (一数一源): the element dictionary, the append-only
-- fact log, the current view, conflicts, merge candidates and imports.

-- Versioned dictionary. A change adds a version; reports keep the version
-- they were built on, so editing an element never breaks them.
CREATE TABLE elements (
    code         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    name         TEXT NOT NULL,
    aliases      TEXT NOT NULL DEFAULT '',
    entity       TEXT NOT NULL,
    value_type   TEXT NOT NULL,
    code_table   TEXT,
    unit         TEXT,
    sensitivity  TEXT NOT NULL,
    theme        TEXT NOT NULL,
    steward      TEXT,
    rule         TEXT,
    description  TEXT,
    is_current   INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users(id),
    PRIMARY KEY (code, version)
);
CREATE INDEX elements_current ON elements(is_current, code);

-- Aliases learned from mappings people confirmed.
CREATE TABLE learned_aliases (
    alias         TEXT PRIMARY KEY,
    element_code  TEXT NOT NULL,
    created_by    INTEGER REFERENCES users(id),
    created_at    INTEGER NOT NULL
);

CREATE TABLE houses (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES org_units(id),
    created_at  INTEGER NOT NULL
);
CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES org_units(id),
    created_at  INTEGER NOT NULL
);

CREATE TABLE imports (
    id             INTEGER PRIMARY KEY,
    file_name      TEXT NOT NULL,
    file_sha256    TEXT NOT NULL,
    unit_id        INTEGER NOT NULL REFERENCES org_units(id),
    source         TEXT NOT NULL,
    department_id  INTEGER REFERENCES org_units(id),
    author_id      INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL,
    rows_total     INTEGER NOT NULL DEFAULT 0,
    rows_written   INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    facts_written  INTEGER NOT NULL DEFAULT 0,
    conflicts      INTEGER NOT NULL DEFAULT 0
);

-- Every recorded fact, never updated or deleted (JSON kept as TEXT so one
-- query text serves both backends). One row holds the facts
-- recorded together about one entity: changes maps element code to the new
-- value (null retracts it).
CREATE TABLE fact_log (
    id             INTEGER PRIMARY KEY,
    entity_type    TEXT NOT NULL,
    entity_id      INTEGER NOT NULL,
    recorded_at    INTEGER NOT NULL,
    valid_from     TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('手工','导入','共享','派生')),
    department_id  INTEGER REFERENCES org_units(id),
    author_id      INTEGER REFERENCES users(id),
    import_id      INTEGER REFERENCES imports(id),
    changes        TEXT NOT NULL
);
CREATE INDEX fact_log_entity ON fact_log(entity_type, entity_id, id);

-- The current value of every element of every entity, with where it came
-- from: {"person.name": {"v": "张三", "s": "导入", "d": null, "t": 1700000000000, "f": 42}}.
CREATE TABLE entity_current (
    entity_type  TEXT NOT NULL,
    entity_id    INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (entity_type, entity_id)
);

-- A value from another source that disagrees with the current one waits
-- here for a person to decide; it is never written over silently.
CREATE TABLE conflicts (
    id               INTEGER PRIMARY KEY,
    entity_type      TEXT NOT NULL,
    entity_id        INTEGER NOT NULL,
    element          TEXT NOT NULL,
    current_value    TEXT,
    current_source   TEXT,
    proposed_value   TEXT NOT NULL,
    proposed_source  TEXT NOT NULL,
    department_id    INTEGER REFERENCES org_units(id),
    import_id        INTEGER REFERENCES imports(id),
    status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','accepted','rejected')),
    created_at       INTEGER NOT NULL,
    resolved_by      INTEGER REFERENCES users(id),
    resolved_at      INTEGER
);
CREATE INDEX conflicts_entity ON conflicts(entity_type, entity_id);
CREATE INDEX conflicts_status ON conflicts(status);

-- A second record carrying an ID number already registered elsewhere.
CREATE TABLE merge_candidates (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    unit_id      INTEGER NOT NULL REFERENCES org_units(id),
    payload      TEXT NOT NULL,
    source       TEXT NOT NULL,
    import_id    INTEGER REFERENCES imports(id),
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','merged','dismissed')),
    created_at   INTEGER NOT NULL
);
CREATE INDEX merge_candidates_person ON merge_candidates(person_id);

CREATE TRIGGER fact_log_no_update BEFORE UPDATE ON fact_log
BEGIN SELECT RAISE(ABORT, 'fact_log is append-only'); END;
CREATE TRIGGER fact_log_no_delete BEFORE DELETE ON fact_log
BEGIN SELECT RAISE(ABORT, 'fact_log is append-only'); END;
