-- 一表通 reports. A report is a department's form as a definition over the
-- register (JSON of jianfu_core::reports::ReportDef). Publishing creates
-- one task per target community; a task holds only what the register does
-- not: rows added by hand, values only this report asks for, the log of
-- typed cells (the burden measure) and the snapshot taken at submission.
CREATE TABLE reports (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    department_id  INTEGER NOT NULL REFERENCES org_units(id),
    kind           TEXT NOT NULL CHECK (kind IN ('roster','statistical','card')),
    definition     TEXT NOT NULL,
    frequency      TEXT NOT NULL CHECK (frequency IN ('once','monthly','quarterly','yearly')),
    period         TEXT NOT NULL,
    deadline       TEXT NOT NULL,
    targets        TEXT NOT NULL DEFAULT '[]',
    template_name  TEXT,
    status         TEXT NOT NULL DEFAULT '草稿' CHECK (status IN ('草稿','已发布')),
    created_by     INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL,
    published_at   INTEGER
);
CREATE INDEX reports_department ON reports(department_id);

CREATE TABLE report_tasks (
    id               INTEGER PRIMARY KEY,
    report_id        INTEGER NOT NULL REFERENCES reports(id),
    unit_id          INTEGER NOT NULL REFERENCES org_units(id),
    status           TEXT NOT NULL DEFAULT '未开始'
                     CHECK (status IN ('未开始','填报中','已提交','退回','已接收')),
    cells_total      INTEGER NOT NULL DEFAULT 0,
    cells_prefilled  INTEGER NOT NULL DEFAULT 0,
    cells_typed      INTEGER NOT NULL DEFAULT 0,
    active_ms        INTEGER NOT NULL DEFAULT 0,
    last_edit_at     INTEGER,
    submitted_at     INTEGER,
    submitted_by     INTEGER REFERENCES users(id),
    snapshot         TEXT,
    reviewed_at      INTEGER,
    reviewed_by      INTEGER REFERENCES users(id),
    review_comment   TEXT,
    UNIQUE (report_id, unit_id)
);
CREATE INDEX report_tasks_unit ON report_tasks(unit_id);

CREATE TABLE task_rows (
    task_id      INTEGER NOT NULL REFERENCES report_tasks(id),
    entity_type  TEXT NOT NULL,
    entity_id    INTEGER NOT NULL,
    added_by     INTEGER REFERENCES users(id),
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (task_id, entity_type, entity_id)
);

CREATE TABLE task_cells (
    task_id     INTEGER NOT NULL REFERENCES report_tasks(id),
    row_key     TEXT NOT NULL,
    col         INTEGER NOT NULL,
    value       TEXT NOT NULL,
    author_id   INTEGER REFERENCES users(id),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (task_id, row_key, col)
);

CREATE TABLE task_edits (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES report_tasks(id),
    row_key     TEXT NOT NULL,
    col         INTEGER NOT NULL,
    element     TEXT,
    value       TEXT NOT NULL,
    author_id   INTEGER REFERENCES users(id),
    at          INTEGER NOT NULL
);
CREATE INDEX task_edits_task ON task_edits(task_id, at);
