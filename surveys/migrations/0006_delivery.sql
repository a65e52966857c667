-- Delivery that loses nothing: updates kept until handled, failures surfaced to a person.

-- Telegram updates the bot fetched, kept from before their offset is confirmed until they are
-- handled, so a crash in between handles them after the restart. The payload (which holds
-- personal data) is dropped once handled; the bare id stays until Telegram can no longer send
-- the update again (its offset is confirmed), so a re-sent update is recognised.
CREATE TABLE inbox (
    update_id    INTEGER PRIMARY KEY,
    payload      TEXT,
    received_at  TEXT NOT NULL,
    replays      INTEGER NOT NULL DEFAULT 0,
    handled_at   TEXT
);
CREATE INDEX inbox_pending ON inbox(update_id) WHERE handled_at IS NULL;

-- When an outbox row was given up, and when the coordinators were told (NULL: not yet).
ALTER TABLE outbox ADD COLUMN failed_at TEXT;
ALTER TABLE outbox ADD COLUMN failure_reported_at TEXT;
CREATE INDEX outbox_unreported ON outbox(id) WHERE status = 'failed' AND failure_reported_at IS NULL;
