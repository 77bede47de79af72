-- 准入: every demand on communities is requested, costed, checked and
-- decided before it may reach them. `demand` is the JSON of
-- jianfu_core::admission::Demand; `estimate` and `findings` are the
-- assessment taken at submission, kept as the decision saw them.
CREATE TABLE admissions (
    id              INTEGER PRIMARY KEY,
    number          TEXT UNIQUE,
    department_id   INTEGER NOT NULL REFERENCES org_units(id),
    kind            TEXT NOT NULL CHECK (kind IN ('report','meeting','inspection','document','task','app','plaque','certificate')),
    title           TEXT NOT NULL,
    demand          TEXT NOT NULL,
    targets         TEXT NOT NULL DEFAULT '[]',
    report_id       INTEGER REFERENCES reports(id),
    status          TEXT NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft','submitted','escalated','admitted','returned','refused')),
    estimate        TEXT,
    hours           REAL NOT NULL DEFAULT 0,
    findings        TEXT,
    needs_escalation INTEGER NOT NULL DEFAULT 0,
    year            INTEGER NOT NULL,
    requested_until TEXT,
    valid_from      TEXT,
    valid_until     TEXT,
    created_by      INTEGER NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    submitted_at    INTEGER,
    decided_at      INTEGER
);
CREATE INDEX admissions_department ON admissions(department_id, year, kind, status);
CREATE INDEX admissions_status ON admissions(status);
CREATE INDEX admissions_report ON admissions(report_id);

-- Every step of the workflow, who took it and why.
CREATE TABLE admission_decisions (
    id            INTEGER PRIMARY KEY,
    admission_id  INTEGER NOT NULL REFERENCES admissions(id),
    action        TEXT NOT NULL,
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    actor_id      INTEGER NOT NULL REFERENCES users(id),
    at            INTEGER NOT NULL
);
CREATE INDEX admission_decisions_admission ON admission_decisions(admission_id);

-- 准入编号 run per year.
CREATE TABLE admission_sequences (
    year  INTEGER PRIMARY KEY,
    last  INTEGER NOT NULL
);

-- 总量控制: a department's yearly cap per kind.
CREATE TABLE admission_caps (
    year           INTEGER NOT NULL,
    department_id  INTEGER NOT NULL REFERENCES org_units(id),
    kind           TEXT NOT NULL,
    max_count      INTEGER,
    max_hours      REAL,
    set_by         INTEGER NOT NULL REFERENCES users(id),
    set_at         INTEGER NOT NULL,
    PRIMARY KEY (year, department_id, kind)
);

-- The county level's recorded permission to pass a cap, for one request.
CREATE TABLE cap_overrides (
    admission_id  INTEGER PRIMARY KEY REFERENCES admissions(id),
    reason        TEXT NOT NULL,
    actor_id      INTEGER NOT NULL REFERENCES users(id),
    at            INTEGER NOT NULL
);

-- 职责清单: what communities are there to do. Editable by the 减负办.
CREATE TABLE duty_items (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    note        TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

-- Who may take the higher review (提级审核): county leadership.
CREATE TABLE user_grants (
    user_id  INTEGER NOT NULL REFERENCES users(id),
    grant_code TEXT NOT NULL,
    PRIMARY KEY (user_id, grant_code)
);

-- A demand a community received without a 准入编号, sent to the 减负办.
CREATE TABLE admission_flags (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL REFERENCES org_units(id),
    reporter_id   INTEGER NOT NULL REFERENCES users(id),
    department    TEXT NOT NULL,
    description   TEXT NOT NULL,
    number_given  TEXT,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','handled')),
    response      TEXT,
    handled_by    INTEGER REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    handled_at    INTEGER
);

-- Figures the 减负办 tunes (JSON under a key).
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_by  INTEGER REFERENCES users(id),
    updated_at  INTEGER NOT NULL
);
