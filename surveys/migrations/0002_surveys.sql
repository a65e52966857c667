-- Survey versions, rounds, responses and answers.

-- A definition is stored once per (key, content hash); responses point at the exact version.
CREATE TABLE survey_versions (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    definition    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (key, content_hash)
);

-- status: scheduled -> open -> closed, or cancelled. An empty round_areas means every area.
-- remind_after: JSON list of seconds after opens_at; reminders_done counts the offsets already
-- handled (sent, or skipped because they fell after the close). recurrence: NULL, 'weekly',
-- 'monthly' or a crontab line; the next round is created when this one closes (next_round_id).
CREATE TABLE rounds (
    id                 INTEGER PRIMARY KEY,
    survey_version_id  INTEGER NOT NULL REFERENCES survey_versions(id),
    status             TEXT NOT NULL DEFAULT 'scheduled'
                       CHECK (status IN ('scheduled', 'open', 'closed', 'cancelled')),
    opens_at           TEXT NOT NULL,
    closes_at          TEXT,
    remind_after       TEXT NOT NULL DEFAULT '[]',
    reminders_done     INTEGER NOT NULL DEFAULT 0,
    recurrence         TEXT,
    next_round_id      INTEGER REFERENCES rounds(id),
    opened_at          TEXT,
    closed_at          TEXT,
    summary_sent_at    TEXT,
    created_by         TEXT NOT NULL DEFAULT 'cli',
    created_at         TEXT NOT NULL
);
CREATE INDEX rounds_status ON rounds(status);

CREATE TABLE round_areas (
    round_id  INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    area_id   TEXT NOT NULL REFERENCES areas(id),
    PRIMARY KEY (round_id, area_id)
) WITHOUT ROWID;

-- One response per (round, resident). revision grows with every change, and buttons carry it,
-- so a double tap or an old button is recognised and changes nothing. draft holds the picks
-- of a multi-select question before Done; cursor the earlier question revisited with Back
-- (NULL: the first unanswered one).
CREATE TABLE responses (
    id                 INTEGER PRIMARY KEY,
    round_id           INTEGER NOT NULL REFERENCES rounds(id),
    resident_id        INTEGER NOT NULL REFERENCES residents(id),
    survey_version_id  INTEGER NOT NULL REFERENCES survey_versions(id),
    area_id            TEXT REFERENCES areas(id),
    status             TEXT NOT NULL DEFAULT 'in_progress'
                       CHECK (status IN ('in_progress', 'completed')),
    revision           INTEGER NOT NULL DEFAULT 0,
    draft              TEXT,
    cursor             TEXT,
    message_id         INTEGER,
    started_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    completed_at       TEXT,
    UNIQUE (round_id, resident_id)
);
CREATE INDEX responses_resident ON responses(resident_id, status);

-- value is the answer as JSON (null = skipped); num and code repeat it in a form SQL can
-- aggregate: num for ratings, numbers and yes/no (1/0), code for a single choice.
CREATE TABLE answers (
    response_id  INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_id  TEXT NOT NULL,
    value        TEXT NOT NULL,
    num          REAL,
    code         TEXT,
    is_text      INTEGER NOT NULL DEFAULT 0,
    answered_at  TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id)
) WITHOUT ROWID;

-- The picks of multi-select answers, one row each.
CREATE TABLE answer_picks (
    response_id  INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_id  TEXT NOT NULL,
    code         TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id, code)
) WITHOUT ROWID;

-- A coordinator's multi-step chat form (e.g. /newround) in progress: one per user and kind.
CREATE TABLE drafts (
    telegram_user_id  INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    step              TEXT NOT NULL,
    data              TEXT NOT NULL DEFAULT '{}',
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (telegram_user_id, kind)
) WITHOUT ROWID;
