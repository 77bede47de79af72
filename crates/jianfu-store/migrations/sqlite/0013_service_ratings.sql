-- 好差评: residents rate the services a community's window (便民服务中心)
-- handled, without an account and without personal data.
--
-- A case is what the window recorded: a service type and its own case
-- number, with a random token for the rating link. A rating is one row per
-- case (一次一评: the primary key is the case). A bad rating opens a
-- rectification case handled by the window's township. Keyed by community
-- (township beside it) for a distribution by county or community.
CREATE TABLE service_cases (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES org_units(id),
    township_id  INTEGER REFERENCES org_units(id),
    service      TEXT NOT NULL,
    case_no      TEXT NOT NULL,
    token        TEXT NOT NULL UNIQUE,
    recorded_on  TEXT NOT NULL,
    -- To the millisecond: a rating seconds after the case was recorded, at
    -- the window, is flagged as possibly prompted.
    recorded_ms  INTEGER NOT NULL,
    recorded_by  INTEGER REFERENCES users(id),
    UNIQUE (community_id, case_no)
);
CREATE INDEX service_cases_community ON service_cases (community_id, recorded_on);

CREATE TABLE service_ratings (
    case_id      INTEGER PRIMARY KEY REFERENCES service_cases(id),
    community_id INTEGER NOT NULL REFERENCES org_units(id),
    township_id  INTEGER REFERENCES org_units(id),
    service      TEXT NOT NULL,
    level        INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    efficiency   INTEGER CHECK (efficiency BETWEEN 1 AND 5),
    quality      INTEGER CHECK (quality BETWEEN 1 AND 5),
    attitude     INTEGER CHECK (attitude BETWEEN 1 AND 5),
    comment      TEXT,
    rated_on     TEXT NOT NULL,
    -- 'burst' (many ratings from one address in minutes; the address is
    -- counted in memory, never stored), 'prompted' (seconds after the case).
    flags        TEXT NOT NULL DEFAULT '',
    -- Set when the office upheld an appeal: the rating was malicious and
    -- leaves every figure.
    excluded     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX service_ratings_place ON service_ratings (township_id, community_id);

-- A bad rating (不满意, 非常不满意) as a case: called back, then rectified,
-- explained, or appealed as malicious (decided by the 减负办).
CREATE TABLE bad_ratings (
    case_id        INTEGER PRIMARY KEY REFERENCES service_cases(id),
    township_id    INTEGER REFERENCES org_units(id),
    status         TEXT NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open','called_back','appealed','closed')),
    opened_on      TEXT NOT NULL,
    due_on         TEXT NOT NULL,
    callback_on    TEXT,
    callback_note  TEXT,
    outcome        TEXT CHECK (outcome IN ('rectified','explained','malicious')),
    outcome_note   TEXT,
    appeal_reason  TEXT,
    decision_note  TEXT,
    closed_on      TEXT
);
CREATE INDEX bad_ratings_status ON bad_ratings (township_id, status);
