-- Residents, areas, the audit log and the outbox of messages to many chats.
-- Times are UTC ISO 8601 strings ("2026-11-22T16:24:51.123456+00:00").

CREATE TABLE areas (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    population  INTEGER,
    active      INTEGER NOT NULL DEFAULT 1
);

-- Telegram ids are kept only to deliver messages; every export uses the pseudonym.
-- /forget sets telegram_user_id and chat_id to NULL: the row then links to nobody.
CREATE TABLE residents (
    id                INTEGER PRIMARY KEY,
    pseudonym         TEXT NOT NULL UNIQUE,
    telegram_user_id  INTEGER UNIQUE,
    chat_id           INTEGER,
    language          TEXT NOT NULL,
    area_id           TEXT REFERENCES areas(id),
    step              TEXT NOT NULL DEFAULT 'consent'
                      CHECK (step IN ('consent', 'language', 'area', 'done')),
    consented_at      TEXT,
    stopped_at        TEXT,
    unreachable_at    TEXT,
    unreachable_reason TEXT,
    forgotten_at      TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX residents_area ON residents(area_id) WHERE telegram_user_id IS NOT NULL;

-- Role-restricted actions, allowed or refused. Staff are named by their configured Telegram id;
-- residents only by pseudonym, so /forget leaves nothing identifying here.
CREATE TABLE audit_log (
    id               INTEGER PRIMARY KEY,
    at               TEXT NOT NULL,
    actor_role       TEXT NOT NULL CHECK (actor_role IN ('admin', 'coordinator', 'resident', 'cli')),
    actor_user_id    INTEGER,
    actor_pseudonym  TEXT,
    action           TEXT NOT NULL,
    allowed          INTEGER NOT NULL CHECK (allowed IN (0, 1)),
    detail           TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log(at);

-- One row per (purpose, resident): a purpose can never reach a resident twice.
-- status: pending -> sending -> sent | failed | skipped.
CREATE TABLE outbox (
    id                   INTEGER PRIMARY KEY,
    purpose              TEXT NOT NULL,
    resident_id          INTEGER NOT NULL REFERENCES residents(id) ON DELETE CASCADE,
    payload              TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    not_before           TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    sent_at              TEXT,
    telegram_message_id  INTEGER,
    last_error           TEXT,
    UNIQUE (purpose, resident_id)
);
CREATE INDEX outbox_due ON outbox(status, not_before);
