-- 评价: one survey engine for reverse assessment (逆向考核) and the
-- burden-perception survey (负担感知度调研).
--
-- "Who has answered" (survey_participation) and "what was answered"
-- (survey_answers) share no key, in the manner of LimeSurvey's anonymised
-- surveys: participation holds (round, user, subject) only, so a reminder
-- is possible; an answer holds a random id, the round, the subject, the
-- rater's group and township, and the answers, with no time. Both are
-- WITHOUT ROWID: their rows are kept in key order (user id; random id),
-- so no rowid or insertion order pairs an answer with its rater.
CREATE TABLE survey_templates (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    name        TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('reverse','perception')),
    questions   TEXT NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE survey_rounds (
    id           INTEGER PRIMARY KEY,
    template_id  INTEGER NOT NULL REFERENCES survey_templates(id),
    title        TEXT NOT NULL,
    roles        TEXT NOT NULL,              -- comma-separated role codes
    scope_unit   INTEGER NOT NULL REFERENCES org_units(id),
    period_from  TEXT NOT NULL,              -- yyyy-mm-dd: the demands rated
    period_to    TEXT NOT NULL,
    opens_on     TEXT NOT NULL,
    closes_on    TEXT NOT NULL,
    closed_early TEXT,
    k            INTEGER NOT NULL DEFAULT 5 CHECK (k >= 1),
    weights      TEXT NOT NULL DEFAULT '{}', -- rater group -> weight
    created_by   INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL
);

-- What each rater unit is asked to rate: the departments whose demands
-- reached it in the period, with those demands' labels (JSON).
CREATE TABLE survey_subjects (
    round_id       INTEGER NOT NULL REFERENCES survey_rounds(id),
    unit_id        INTEGER NOT NULL REFERENCES org_units(id),
    department_id  INTEGER NOT NULL REFERENCES org_units(id),
    demands        TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (round_id, unit_id, department_id)
) WITHOUT ROWID;

-- subject: the department rated; 0 for a survey with no subject.
CREATE TABLE survey_participation (
    round_id  INTEGER NOT NULL REFERENCES survey_rounds(id),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    subject   INTEGER NOT NULL,
    PRIMARY KEY (round_id, user_id, subject)
) WITHOUT ROWID;

CREATE TABLE survey_answers (
    id           TEXT NOT NULL PRIMARY KEY,  -- random
    round_id     INTEGER NOT NULL REFERENCES survey_rounds(id),
    subject      INTEGER NOT NULL,
    rater_group  TEXT NOT NULL,
    township_id  INTEGER REFERENCES org_units(id),
    answers      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX survey_answers_round ON survey_answers (round_id, subject);
