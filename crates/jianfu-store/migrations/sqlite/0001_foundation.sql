-- Foundation: org tree, accounts, sessions, append-only audit log, residents.
-- Times are unix milliseconds (UTC) in both backends so the same queries work.

CREATE TABLE org_units (
    id          INTEGER PRIMARY KEY,
    code        TEXT UNIQUE,
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('province','city','county','township','community','grid','department')),
    parent_id   INTEGER REFERENCES org_units(id),
    path        TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX org_units_parent ON org_units(parent_id);
CREATE INDEX org_units_path ON org_units(path);
CREATE INDEX org_units_kind ON org_units(kind);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin','jianfuban','department','township','community','grid')),
    unit_id        INTEGER NOT NULL REFERENCES org_units(id),
    scope_id       INTEGER NOT NULL REFERENCES org_units(id),
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    user_id   INTEGER,
    username  TEXT,
    action    TEXT NOT NULL,
    target    TEXT,
    outcome   TEXT NOT NULL,
    detail    TEXT,
    ip        TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_action ON audit_log(action);
CREATE INDEX audit_log_username ON audit_log(username);

-- The audit log is append-only: nothing, not even the application, may
-- rewrite history.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Entities of the base register. Their facts live in fact_log and
-- entity_current (0002); these tables hold identity and placement only.
CREATE TABLE households (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES org_units(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX households_unit ON households(unit_id);

-- Persons are keyed by ID number. name and name_initials are a search index
-- kept in step with the person.name fact.
CREATE TABLE persons (
    id             INTEGER PRIMARY KEY,
    id_number      TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    name_initials  TEXT NOT NULL DEFAULT '',
    household_id   INTEGER REFERENCES households(id),
    unit_id        INTEGER NOT NULL REFERENCES org_units(id),
    created_at     INTEGER NOT NULL
);
CREATE INDEX persons_unit ON persons(unit_id);
CREATE INDEX persons_household ON persons(household_id);
CREATE INDEX persons_name ON persons(name);
CREATE INDEX persons_initials ON persons(name_initials);
