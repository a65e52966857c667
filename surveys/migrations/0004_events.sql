-- Community events: announcements, RSVPs with a waiting list, reminders, calendar files and an
-- automatic feedback round after the event (surveys/events/, surveys/store/events.py).

-- status: active -> cancelled. sequence grows with every change (the .ics SEQUENCE); uid is a
-- random token fixed at creation (the .ics UID). announce: 1 = the running bot announces the
-- event (announced_at says when it queued the announcement). scheduled_at: when starts_at was
-- last set; reminders that fell due before it are skipped (the resident just heard the news).
-- feedback_at: when the feedback step ran (feedback_round_id NULL if nobody was going).
CREATE TABLE events (
    id                 INTEGER PRIMARY KEY,
    uid                TEXT NOT NULL UNIQUE,
    status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    starts_at          TEXT NOT NULL,
    ends_at            TEXT NOT NULL,
    place              TEXT NOT NULL,
    capacity           INTEGER CHECK (capacity IS NULL OR capacity >= 1),
    partner            TEXT,
    sequence           INTEGER NOT NULL DEFAULT 0,
    announce           INTEGER NOT NULL DEFAULT 1 CHECK (announce IN (0, 1)),
    announced_at       TEXT,
    scheduled_at       TEXT NOT NULL,
    feedback_at        TEXT,
    feedback_round_id  INTEGER REFERENCES rounds(id),
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    cancelled_at       TEXT,
    CHECK (ends_at > starts_at)
);
CREATE INDEX events_starts ON events(status, starts_at);

-- Title and description per language; the community's default language is always present.
CREATE TABLE event_texts (
    event_id     INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    language     TEXT NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, language)
) WITHOUT ROWID;

-- The audience; no row means every area.
CREATE TABLE event_areas (
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    area_id   TEXT NOT NULL REFERENCES areas(id),
    PRIMARY KEY (event_id, area_id)
) WITHOUT ROWID;

-- One answer per (event, resident). A 'going' answer beyond the capacity becomes 'waiting'
-- with the next waiting_seq of the event: the list is served in that order. promotions counts
-- how often the resident moved from the list to a place (each promotion is told once).
CREATE TABLE rsvps (
    event_id     INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    resident_id  INTEGER NOT NULL REFERENCES residents(id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('going', 'maybe', 'cant', 'waiting')),
    waiting_seq  INTEGER,
    promotions   INTEGER NOT NULL DEFAULT 0,
    answered_at  TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (event_id, resident_id),
    CHECK ((status = 'waiting') = (waiting_seq IS NOT NULL))
) WITHOUT ROWID;
CREATE INDEX rsvps_status ON rsvps(event_id, status, waiting_seq);
CREATE INDEX rsvps_resident ON rsvps(resident_id);

-- Reminders handled, per offset (seconds before the start) and start time: moving the event
-- makes its reminders due again, and a reminder is never handled twice for one start time.
-- outcome: queued (with how many messages) or skipped (why, in reason).
CREATE TABLE event_reminders (
    event_id        INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    before_seconds  INTEGER NOT NULL,
    starts_at       TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('queued', 'skipped')),
    reason          TEXT,
    queued          INTEGER NOT NULL DEFAULT 0,
    done_at         TEXT NOT NULL,
    PRIMARY KEY (event_id, before_seconds, starts_at)
) WITHOUT ROWID;

-- Residents who turned event announcements off in /settings (answers, changes and reminders
-- of events they answered still reach them).
CREATE TABLE event_mutes (
    resident_id  INTEGER PRIMARY KEY REFERENCES residents(id) ON DELETE CASCADE,
    muted_at     TEXT NOT NULL
);

-- A round answerable only by the residents it invited (an event's feedback round goes to those
-- who were going, not to whole areas).
ALTER TABLE rounds ADD COLUMN invited_only INTEGER NOT NULL DEFAULT 0 CHECK (invited_only IN (0, 1));
