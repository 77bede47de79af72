-- 直报: direct reports of hidden burden, anonymous by construction.
--
-- An anonymous report keeps no user, session, address or user agent, and
-- its time only to the day (filed_on). The township is kept (the ledger
-- falls back to it); the community only when the reporter chose to name
-- it; the user only when the reporter chose to file "named"
-- (named_user_id), and then only the 减负办 reads it. Keyed by township
-- for a distribution by county or township.
CREATE TABLE direct_reports (
    id               INTEGER PRIMARY KEY,
    -- argon2id of the receipt code under the site's salt; NULL for
    -- reports migrated from flags (their reporters are named).
    receipt_hash     TEXT UNIQUE,
    category         TEXT NOT NULL,
    department_id    INTEGER REFERENCES org_units(id),
    department_text  TEXT NOT NULL,
    happened_on      TEXT NOT NULL,
    demand           TEXT NOT NULL,
    minutes          INTEGER NOT NULL DEFAULT 0,
    admission_number TEXT,
    admission_id     INTEGER REFERENCES admissions(id),
    township_id      INTEGER REFERENCES org_units(id),
    community_id     INTEGER REFERENCES org_units(id),
    named_user_id    INTEGER REFERENCES users(id),
    filed_on         TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'received'
                     CHECK (status IN ('received','accepted','merged','declined','assigned','answered','closed')),
    merged_into      INTEGER REFERENCES direct_reports(id),
    decline_reason   TEXT,
    assigned_to      INTEGER REFERENCES org_units(id),
    assign_note      TEXT,
    due_on           TEXT,
    disclosure       TEXT NOT NULL DEFAULT 'none' CHECK (disclosure IN ('none','township')),
    evidence_shared  INTEGER NOT NULL DEFAULT 0,
    finding          TEXT,
    change_kind      TEXT,
    answered_on      TEXT,
    closing          TEXT,
    closed_on        TEXT,
    rating           INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_comment   TEXT,
    reopened         INTEGER NOT NULL DEFAULT 0,
    updated_on       TEXT NOT NULL
);
CREATE INDEX direct_reports_status ON direct_reports (status);
CREATE INDEX direct_reports_assigned ON direct_reports (assigned_to, status);

-- What the reporter added and what the office replied, by day.
CREATE TABLE direct_report_messages (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES direct_reports(id),
    side        TEXT NOT NULL CHECK (side IN ('reporter','office')),
    body        TEXT NOT NULL,
    written_on  TEXT NOT NULL
);
CREATE INDEX direct_report_messages_report ON direct_report_messages (report_id);

-- Evidence, stored only after its metadata was stripped; named by its
-- position, never by the name it was uploaded with.
CREATE TABLE direct_report_files (
    report_id     INTEGER NOT NULL REFERENCES direct_reports(id),
    position      INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    stripped      TEXT NOT NULL DEFAULT '',
    bytes         BLOB NOT NULL,
    PRIMARY KEY (report_id, position)
);

-- 典型案例通报: a closed case as the office rewrote it; no reporter, no
-- community.
CREATE TABLE typical_cases (
    id             INTEGER PRIMARY KEY,
    report_id      INTEGER NOT NULL UNIQUE REFERENCES direct_reports(id),
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    category       TEXT NOT NULL,
    department_id  INTEGER REFERENCES org_units(id),
    published_on   TEXT NOT NULL,
    published_by   INTEGER REFERENCES users(id)
);

-- The flags of unnumbered demands become direct reports; their reporters
-- were known, so they stay recorded as named. Ids are kept, so the
-- ledger's rows of a flag now point at the same report.
INSERT INTO direct_reports (id, receipt_hash, category, department_id, department_text,
    happened_on, demand, minutes, admission_number, township_id, community_id, named_user_id,
    filed_on, status, closing, closed_on, updated_on)
SELECT f.id, NULL, 'unadmitted_demand',
    (SELECT d.id FROM org_units d WHERE d.kind = 'department'
        AND (d.name = f.department OR d.short_name = f.department) ORDER BY d.id LIMIT 1),
    f.department,
    date(f.created_at / 1000, 'unixepoch'),
    f.description, 0, f.number_given,
    CASE u.kind WHEN 'township' THEN u.id WHEN 'community' THEN u.parent_id
        WHEN 'grid' THEN (SELECT p.parent_id FROM org_units p WHERE p.id = u.parent_id) END,
    CASE u.kind WHEN 'community' THEN u.id WHEN 'grid' THEN u.parent_id END,
    f.reporter_id,
    date(f.created_at / 1000, 'unixepoch'),
    CASE f.status WHEN 'handled' THEN 'closed' ELSE 'accepted' END,
    f.response,
    CASE WHEN f.handled_at IS NOT NULL THEN date(f.handled_at / 1000, 'unixepoch') END,
    date(COALESCE(f.handled_at, f.created_at) / 1000, 'unixepoch')
FROM admission_flags f JOIN org_units u ON u.id = f.unit_id;

UPDATE ledger_entries SET source_kind = 'direct' WHERE source_kind = 'flag';
DROP TABLE admission_flags;
