-- Concern reports: drafts, reports, their history, followers, partners and follow-up answers.

-- Partner organisations, mirrored from the configuration (like areas) so history and exports
-- can name who a report was routed to even after the configuration changes.
CREATE TABLE partners (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    chat_id  INTEGER NOT NULL,
    active   INTEGER NOT NULL DEFAULT 1
);

-- A resident's report being written: one per resident, a row so a restart resumes it. The id
-- grows forever (AUTOINCREMENT) and buttons carry it, so a button from a cancelled or submitted
-- draft can never act on a newer one. photos: JSON list of Telegram file ids.
CREATE TABLE report_drafts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id  INTEGER NOT NULL UNIQUE REFERENCES residents(id) ON DELETE CASCADE,
    step         TEXT NOT NULL,
    editing      INTEGER NOT NULL DEFAULT 0,
    category     TEXT,
    area_id      TEXT REFERENCES areas(id),
    latitude     REAL,
    longitude    REAL,
    located      INTEGER NOT NULL DEFAULT 0,
    description  TEXT,
    photos       TEXT NOT NULL DEFAULT '[]',
    contact_ok   INTEGER,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- The reference shown to people is R-<id, six digits>. sensitive is copied from the category
-- when the report is made, so a later configuration change cannot expose an old report.
-- acknowledged_at / resolved_at keep the FIRST time (for the figures); last_activity_at moves
-- with every status change or note (for overdue); reminded_at is the last overdue reminder;
-- followup_due_at is set when the report is resolved and cleared once the follow-up is queued.
-- revision grows with every change: buttons on report cards carry it.
CREATE TABLE reports (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id       INTEGER REFERENCES residents(id),
    category          TEXT NOT NULL,
    sensitive         INTEGER NOT NULL CHECK (sensitive IN (0, 1)),
    area_id           TEXT REFERENCES areas(id),
    latitude          REAL,
    longitude         REAL,
    description       TEXT NOT NULL,
    photos            TEXT NOT NULL DEFAULT '[]',
    contact_ok        INTEGER NOT NULL CHECK (contact_ok IN (0, 1)),
    language          TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'new'
                      CHECK (status IN ('new', 'acknowledged', 'in_progress', 'action_scheduled',
                                        'referred', 'resolved', 'closed', 'duplicate')),
    close_reason      TEXT,
    duplicate_of      INTEGER REFERENCES reports(id),
    partner_id        TEXT REFERENCES partners(id),
    owner_user_id     INTEGER,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    acknowledged_at   TEXT,
    resolved_at       TEXT,
    last_activity_at  TEXT NOT NULL,
    reminded_at       TEXT,
    followup_due_at   TEXT,
    reopen_count      INTEGER NOT NULL DEFAULT 0,
    revision          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reports_status ON reports(status, category, area_id);
CREATE INDEX reports_resident ON reports(resident_id, created_at);
CREATE INDEX reports_followup ON reports(followup_due_at) WHERE followup_due_at IS NOT NULL;

-- Every change: who (role; staff by configured Telegram id, never a resident's), when, from and
-- to which status, and the public note shown to the reporter and followers. from_status equal
-- to to_status is a note or a routing without a status change.
CREATE TABLE report_history (
    id             INTEGER PRIMARY KEY,
    report_id      INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    at             TEXT NOT NULL,
    kind           TEXT NOT NULL
                   CHECK (kind IN ('submitted', 'status', 'note', 'routed', 'reopened')),
    from_status    TEXT,
    to_status      TEXT NOT NULL,
    actor_role     TEXT NOT NULL
                   CHECK (actor_role IN ('resident', 'coordinator', 'admin', 'partner', 'system')),
    actor_user_id  INTEGER,
    partner_id     TEXT REFERENCES partners(id),
    note           TEXT,
    reason         TEXT,
    duplicate_of   INTEGER REFERENCES reports(id)
);
CREATE INDEX report_history_report ON report_history(report_id, id);

-- Residents who said "me too" (and the reporters of duplicates): they hear every update.
CREATE TABLE report_followers (
    report_id    INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    resident_id  INTEGER NOT NULL REFERENCES residents(id),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (report_id, resident_id)
) WITHOUT ROWID;
CREATE INDEX report_followers_resident ON report_followers(resident_id);

-- One-tap answers to "Has this been fixed?" (codes of the report-followup survey's question),
-- one per resident and resolution (cycle = the report's reopen_count when it was asked).
CREATE TABLE report_followups (
    report_id    INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    resident_id  INTEGER NOT NULL REFERENCES residents(id),
    cycle        INTEGER NOT NULL,
    answer       TEXT NOT NULL,
    answered_at  TEXT NOT NULL,
    PRIMARY KEY (report_id, resident_id, cycle)
) WITHOUT ROWID;

-- Messages to staff chats and partner groups about reports (new, reopened, overdue, routed,
-- updates), queued in the same transaction as the change that causes them, so none is lost.
-- The text is rendered when sent, from the report as it is then. purpose + chat_id is unique,
-- like the outbox: a purpose never reaches a chat twice (daily reminders carry their date).
-- status: pending -> sent | failed; a failed one is shown to coordinators in /reports.
CREATE TABLE report_notices (
    id          INTEGER PRIMARY KEY,
    purpose     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('new', 'reopened', 'overdue', 'routed', 'update')),
    report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    history_id  INTEGER REFERENCES report_history(id),
    chat_id     INTEGER NOT NULL,
    audience    TEXT NOT NULL CHECK (audience IN ('staff', 'partner')),
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    last_error  TEXT,
    UNIQUE (purpose, chat_id)
);
CREATE INDEX report_notices_due ON report_notices(status, not_before);
