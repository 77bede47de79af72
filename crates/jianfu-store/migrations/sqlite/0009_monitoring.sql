-- 监测: the burden ledger, monitoring points with their monthly
-- confirmations, and rebound warnings as cases.
--
-- The ledger is derived: each row is computed from an admission, a report
-- task, a flag or a confirmation (source_kind, source_id) and replaced
-- whenever its source changes. It is keyed by the community it reached
-- (unit_id, with township_id beside it), so it can be distributed by
-- community or county (Citus) without a cross-shard join.
CREATE TABLE ledger_entries (
    unit_id          INTEGER NOT NULL REFERENCES org_units(id),
    township_id      INTEGER,
    month            INTEGER NOT NULL,          -- yyyymm
    department_id    INTEGER REFERENCES org_units(id),
    kind             TEXT NOT NULL,
    items            INTEGER NOT NULL DEFAULT 0,
    minutes          REAL NOT NULL DEFAULT 0,
    provenance       TEXT NOT NULL CHECK (provenance IN ('measured','estimated','reported')),
    source_kind      TEXT NOT NULL,
    source_id        INTEGER NOT NULL,
    source_label     TEXT NOT NULL,
    admitted         INTEGER NOT NULL DEFAULT 0,
    in_plan          INTEGER,
    lead_hours       INTEGER,
    day              TEXT,
    cells_prefilled  INTEGER NOT NULL DEFAULT 0,
    cells_typed      INTEGER NOT NULL DEFAULT 0,
    working          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ledger_by_month_unit ON ledger_entries (month, unit_id);
CREATE INDEX ledger_by_department ON ledger_entries (department_id, month);
CREATE INDEX ledger_by_source ON ledger_entries (source_kind, source_id);

-- 减负监测点: communities and townships the 减负办 designated.
CREATE TABLE monitoring_points (
    unit_id        INTEGER PRIMARY KEY REFERENCES org_units(id),
    contact        TEXT NOT NULL,
    contact_phone  TEXT NOT NULL DEFAULT '',
    active         INTEGER NOT NULL DEFAULT 1,
    designated_by  INTEGER REFERENCES users(id),
    designated_at  INTEGER NOT NULL,
    -- The one reminder a missing confirmation may get, per month (yyyymm).
    reminded_month INTEGER
);

-- A point's monthly confirmation: what only it knows. A second
-- confirmation of the same month replaces the first; the first is kept in
-- point_confirmation_history.
CREATE TABLE point_confirmations (
    unit_id                 INTEGER NOT NULL REFERENCES org_units(id),
    month                   INTEGER NOT NULL,
    unannounced_meetings    INTEGER NOT NULL DEFAULT 0,
    unannounced_inspections INTEGER NOT NULL DEFAULT 0,
    wechat_demands          INTEGER NOT NULL DEFAULT 0,
    photo_requests          INTEGER NOT NULL DEFAULT 0,
    hidden_minutes          REAL NOT NULL DEFAULT 0,
    estimate_hours          REAL NOT NULL DEFAULT 0,
    note                    TEXT NOT NULL DEFAULT '',
    ledger_minutes          REAL NOT NULL DEFAULT 0,
    active_ms               INTEGER NOT NULL DEFAULT 0,
    confirmed_by            INTEGER REFERENCES users(id),
    confirmed_at            INTEGER NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (unit_id, month)
);
CREATE TABLE point_confirmation_history (
    unit_id      INTEGER NOT NULL,
    month        INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    snapshot     TEXT NOT NULL,
    replaced_at  INTEGER NOT NULL
);
CREATE INDEX point_history_by_month ON point_confirmation_history (unit_id, month);

-- 反弹预警 as cases: 识别 (open) → 整治 (assigned) → 反馈 (answered) → 优化 (closed).
CREATE TABLE burden_warnings (
    id             INTEGER PRIMARY KEY,
    key            TEXT NOT NULL UNIQUE,
    rule           TEXT NOT NULL,
    title          TEXT NOT NULL,
    department_id  INTEGER REFERENCES org_units(id),
    unit_id        INTEGER REFERENCES org_units(id),
    month          INTEGER NOT NULL,
    message        TEXT NOT NULL,
    source         TEXT NOT NULL,
    evidence       TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','assigned','answered','closed')),
    due            TEXT,
    assign_note    TEXT,
    answer         TEXT,
    feedback       TEXT,
    improvement    TEXT,
    created_at     INTEGER NOT NULL,
    assigned_at    INTEGER,
    answered_at    INTEGER,
    closed_at      INTEGER
);
CREATE INDEX warnings_by_department ON burden_warnings (department_id, status);
