-- 监测: the burden ledger, monitoring points with their monthly
-- confirmations, and rebound warnings as cases.
--
-- The ledger is derived: each row is computed from an admission, a report
-- task, a flag or a confirmation (source_kind, source_id) and replaced
-- whenever its source changes. It is keyed by the community it reached
-- (unit_id, with township_id beside it), so it can be distributed by
-- community or county (Citus) without a cross-shard join.
CREATE TABLE ledger_entries (
    unit_id          BIGINT NOT NULL REFERENCES org_units(id),
    township_id      BIGINT,
    month            BIGINT NOT NULL,          -- yyyymm
    department_id    BIGINT REFERENCES org_units(id),
    kind             TEXT NOT NULL,
    items            BIGINT NOT NULL DEFAULT 0,
    minutes          DOUBLE PRECISION NOT NULL DEFAULT 0,
    provenance       TEXT NOT NULL CHECK (provenance IN ('measured','estimated','reported')),
    source_kind      TEXT NOT NULL,
    source_id        BIGINT NOT NULL,
    source_label     TEXT NOT NULL,
    admitted         BIGINT NOT NULL DEFAULT 0,
    in_plan          BIGINT,
    lead_hours       BIGINT,
    day              TEXT,
    cells_prefilled  BIGINT NOT NULL DEFAULT 0,
    cells_typed      BIGINT NOT NULL DEFAULT 0,
    working          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ledger_by_month_unit ON ledger_entries (month, unit_id);
CREATE INDEX ledger_by_department ON ledger_entries (department_id, month);
CREATE INDEX ledger_by_source ON ledger_entries (source_kind, source_id);

-- 减负监测点: communities and townships the 减负办 designated.
CREATE TABLE monitoring_points (
    unit_id        BIGINT PRIMARY KEY REFERENCES org_units(id),
    contact        TEXT NOT NULL,
    contact_phone  TEXT NOT NULL DEFAULT '',
    active         BIGINT NOT NULL DEFAULT 1,
    designated_by  BIGINT REFERENCES users(id),
    designated_at  BIGINT NOT NULL,
    -- The one reminder a missing confirmation may get, per month (yyyymm).
    reminded_month BIGINT
);

-- A point's monthly confirmation: what only it knows. A second
-- confirmation of the same month replaces the first; the first is kept in
-- point_confirmation_history.
CREATE TABLE point_confirmations (
    unit_id                 BIGINT NOT NULL REFERENCES org_units(id),
    month                   BIGINT NOT NULL,
    unannounced_meetings    BIGINT NOT NULL DEFAULT 0,
    unannounced_inspections BIGINT NOT NULL DEFAULT 0,
    wechat_demands          BIGINT NOT NULL DEFAULT 0,
    photo_requests          BIGINT NOT NULL DEFAULT 0,
    hidden_minutes          DOUBLE PRECISION NOT NULL DEFAULT 0,
    estimate_hours          DOUBLE PRECISION NOT NULL DEFAULT 0,
    note                    TEXT NOT NULL DEFAULT '',
    ledger_minutes          DOUBLE PRECISION NOT NULL DEFAULT 0,
    active_ms               BIGINT NOT NULL DEFAULT 0,
    confirmed_by            BIGINT REFERENCES users(id),
    confirmed_at            BIGINT NOT NULL,
    version                 BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (unit_id, month)
);
CREATE TABLE point_confirmation_history (
    unit_id      BIGINT NOT NULL,
    month        BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    snapshot     TEXT NOT NULL,
    replaced_at  BIGINT NOT NULL
);
CREATE INDEX point_history_by_month ON point_confirmation_history (unit_id, month);

-- 反弹预警 as cases: 识别 (open) → 整治 (assigned) → 反馈 (answered) → 优化 (closed).
CREATE TABLE burden_warnings (
    id             BIGSERIAL PRIMARY KEY,
    key            TEXT NOT NULL UNIQUE,
    rule           TEXT NOT NULL,
    title          TEXT NOT NULL,
    department_id  BIGINT REFERENCES org_units(id),
    unit_id        BIGINT REFERENCES org_units(id),
    month          BIGINT NOT NULL,
    message        TEXT NOT NULL,
    source         TEXT NOT NULL,
    evidence       TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','assigned','answered','closed')),
    due            TEXT,
    assign_note    TEXT,
    answer         TEXT,
    feedback       TEXT,
    improvement    TEXT,
    created_at     BIGINT NOT NULL,
    assigned_at    BIGINT,
    answered_at    BIGINT,
    closed_at      BIGINT
);
CREATE INDEX warnings_by_department ON burden_warnings (department_id, status);
