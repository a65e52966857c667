"""Events, their answers (RSVPs) with a waiting list, reminders handled, and muted residents.

Every change that must reach residents queues its outbox rows in the same transaction as the
change itself: an answer that frees a place promotes the next on the waiting list and queues
their message at once; an edit or a cancellation queues its notices with it. A crash can
therefore never leave a promoted resident untold or a cancelled event unannounced.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from surveys import purposes
from surveys.clock import from_db, now_db, to_db
from surveys.errors import EventError, NotFoundError
from surveys.events.models import (
    Event,
    EventChanges,
    EventEntry,
    EventSpec,
    EventText,
    Rsvp,
    RsvpChoice,
    RsvpCounts,
    RsvpOutcome,
    RsvpStatus,
    WaitingEntry,
)
from surveys.events.notices import EventMessages
from surveys.events.rsvp import places_to_fill, settle
from surveys.models import OutboxMessage
from surveys.store.db import Database
from surveys.store.outbox import ELIGIBLE, named_list, queue_eligible

_SELECT = (
    "SELECT e.id, e.uid, e.status, e.starts_at, e.ends_at, e.place, e.capacity, e.partner, "
    "e.sequence, e.announce, e.announced_at, e.scheduled_at, e.feedback_at, "
    "e.feedback_round_id, e.created_by, e.created_at, e.updated_at, e.cancelled_at, "
    "(SELECT group_concat(area_id, ',') FROM event_areas a WHERE a.event_id = e.id) "
    "FROM events e"
)
_NOT_MUTED = "r.id NOT IN (SELECT resident_id FROM event_mutes)"
# Residents who answered Going or Maybe, or wait for a place: they hear about changes.
_CONCERNED: tuple[RsvpStatus, ...] = ("going", "maybe", "waiting")


def _moment(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def _event(row: Any, texts: dict[str, EventText]) -> Event:
    v = tuple(row)
    return Event(
        id=v[0],
        uid=v[1],
        status=v[2],
        starts_at=from_db(v[3]),
        ends_at=from_db(v[4]),
        place=v[5],
        capacity=v[6],
        partner=v[7],
        sequence=v[8],
        announce=bool(v[9]),
        announced_at=_moment(v[10]),
        scheduled_at=from_db(v[11]),
        feedback_at=_moment(v[12]),
        feedback_round_id=v[13],
        created_by=v[14],
        created_at=from_db(v[15]),
        updated_at=from_db(v[16]),
        cancelled_at=_moment(v[17]),
        area_ids=sorted(v[18].split(",")) if v[18] else [],
        texts=texts,
    )


async def _events(conn: aiosqlite.Connection, where: str, params: Sequence[object]) -> list[Event]:
    rows = list(await conn.execute_fetchall(f"{_SELECT} {where}", tuple(params)))
    if not rows:
        return []
    ids = [row[0] for row in rows]
    texts: dict[int, dict[str, EventText]] = {event_id: {} for event_id in ids}
    for event_id, language, title, description in await conn.execute_fetchall(
        "SELECT event_id, language, title, description FROM event_texts WHERE event_id IN "
        f"({', '.join('?' * len(ids))}) ORDER BY event_id, language",
        ids,
    ):
        texts[event_id][language] = EventText(title=title, description=description)
    return [_event(row, texts[row[0]]) for row in rows]


async def _fetch(conn: aiosqlite.Connection, event_id: int) -> Event:
    found = await _events(conn, "WHERE e.id = ?", (event_id,))
    if not found:
        raise NotFoundError(f"event {event_id} does not exist")
    return found[0]


async def _counts(conn: aiosqlite.Connection, event_id: int, capacity: int | None) -> RsvpCounts:
    rows = await conn.execute_fetchall(
        "SELECT status, COUNT(*) FROM rsvps WHERE event_id = ? GROUP BY status", (event_id,)
    )
    return RsvpCounts(capacity=capacity, **{status: count for status, count in rows})


async def _rsvp(conn: aiosqlite.Connection, event_id: int, resident_id: int) -> Rsvp | None:
    rows = list(
        await conn.execute_fetchall(
            "SELECT status, CASE WHEN status = 'waiting' THEN (SELECT COUNT(*) FROM rsvps w "
            "WHERE w.event_id = v.event_id AND w.status = 'waiting' AND w.waiting_seq <= "
            "v.waiting_seq) END FROM rsvps v WHERE event_id = ? AND resident_id = ?",
            (event_id, resident_id),
        )
    )
    if not rows:
        return None
    status, position = rows[0]
    return Rsvp(event_id=event_id, resident_id=resident_id, status=status, position=position)


async def _enqueue_concerned(
    conn: aiosqlite.Connection,
    purpose: str,
    message: OutboxMessage,
    event_id: int,
    statuses: Sequence[RsvpStatus],
    not_before: str | None = None,
) -> int:
    marks, params = named_list("status", statuses)
    return await queue_eligible(
        conn,
        purpose,
        message,
        where=f"r.id IN (SELECT resident_id FROM rsvps WHERE event_id = :event AND status IN "
        f"{marks})",
        params={"event": event_id, **params},
        not_before=not_before,
    )


async def _fill_places(
    conn: aiosqlite.Connection, event: Event, messages: EventMessages
) -> list[int]:
    """Give free places to the waiting list, in order, and queue each promotion's message."""
    counts = await _counts(conn, event.id, event.capacity)
    moving = places_to_fill(counts.going, counts.waiting, event.capacity)
    if not moving:
        return []
    rows = await conn.execute_fetchall(
        "UPDATE rsvps SET status = 'going', waiting_seq = NULL, promotions = promotions + 1, "
        "updated_at = ? WHERE event_id = ? AND resident_id IN (SELECT resident_id FROM rsvps "
        "WHERE event_id = ? AND status = 'waiting' ORDER BY waiting_seq LIMIT ?) "
        "RETURNING resident_id, promotions",
        (now_db(), event.id, event.id, moving),
    )
    message = messages.promoted(event)
    promoted = []
    for resident_id, count in rows:
        promoted.append(resident_id)
        await queue_eligible(
            conn,
            purposes.event_promoted(event.id, count),
            message,
            where="r.id = :resident",
            params={"resident": resident_id},
        )
    return sorted(promoted)


class EventStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, spec: EventSpec, *, uid: str, created_by: str) -> Event:
        now = now_db()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO events (uid, starts_at, ends_at, place, capacity, partner, announce, "
                "scheduled_at, created_by, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid,
                    to_db(spec.starts_at),
                    to_db(spec.ends_at),
                    spec.place,
                    spec.capacity,
                    spec.partner,
                    int(spec.announce),
                    now,
                    created_by,
                    now,
                    now,
                ),
            )
            event_id = cursor.lastrowid
            assert event_id is not None
            await _put_texts(conn, event_id, spec.texts)
            await conn.executemany(
                "INSERT INTO event_areas (event_id, area_id) VALUES (?, ?)",
                [(event_id, area_id) for area_id in sorted(set(spec.area_ids))],
            )
            return await _fetch(conn, event_id)

    async def get(self, event_id: int) -> Event:
        async with self._db.read() as conn:
            return await _fetch(conn, event_id)

    async def find(self, *, ending_after: datetime | None = None) -> list[Event]:
        """Every event (or those still to end), soonest first."""
        where, params = "", []
        if ending_after is not None:
            where, params = "WHERE e.ends_at > ?", [to_db(ending_after)]
        async with self._db.read() as conn:
            return await _events(conn, f"{where} ORDER BY e.starts_at, e.id", params)

    async def upcoming_for(
        self, resident_id: int, area_id: str | None, now: datetime, limit: int = 10
    ) -> list[EventEntry]:
        """Active events for the resident's area that have not ended, with their answer."""
        async with self._db.read() as conn:
            events = await _events(
                conn,
                "WHERE e.status = 'active' AND e.ends_at > ? AND (NOT EXISTS (SELECT 1 FROM "
                "event_areas a WHERE a.event_id = e.id) OR ? IN (SELECT area_id FROM "
                "event_areas a WHERE a.event_id = e.id)) ORDER BY e.starts_at, e.id LIMIT ?",
                (to_db(now), area_id, limit),
            )
            return [
                EventEntry(
                    event=event,
                    rsvp=await _rsvp(conn, event.id, resident_id),
                    counts=await _counts(conn, event.id, event.capacity),
                )
                for event in events
            ]

    async def edit(
        self, event_id: int, changes: EventChanges, messages: EventMessages
    ) -> tuple[Event, list[int], int]:
        """Apply ``changes`` (SEQUENCE + 1), give new places to the waiting list and, when the
        time or place changed, queue a notice to everyone going, maybe or waiting.

        Messages about the event still waiting in the outbox are brought up to date: the
        announcement and reminders are queued again with the new details (reminders of the
        old start time are dropped), an older change notice gives way to this one.
        Returns the event, the promoted residents and how many notices were queued.
        """
        async with self._db.transaction() as conn:
            event = await _fetch(conn, event_id)
            if event.cancelled:
                raise EventError("event_cancelled", f"event {event_id} is cancelled")
            starts = changes.starts_at or event.starts_at
            ends = changes.ends_at or event.ends_at
            if ends <= starts:
                raise EventError("event_ends_before_start", "an event must end after it starts")
            capacity = event.capacity if changes.capacity is None else changes.capacity or None
            counts = await _counts(conn, event_id, event.capacity)
            if capacity is not None and capacity < counts.going:
                raise EventError(
                    "event_capacity_below_going",
                    f"{counts.going} residents already have a place; the capacity cannot be "
                    f"lower than that",
                    going=counts.going,
                )
            moved = starts != event.starts_at
            now = now_db()
            await conn.execute(
                "UPDATE events SET starts_at = ?, ends_at = ?, place = ?, capacity = ?, "
                "partner = ?, sequence = sequence + 1, updated_at = ?, "
                "scheduled_at = CASE WHEN ? THEN ? ELSE scheduled_at END WHERE id = ?",
                (
                    to_db(starts),
                    to_db(ends),
                    changes.place or event.place,
                    capacity,
                    event.partner if changes.partner is None else changes.partner or None,
                    now,
                    int(moved),
                    now,
                    event_id,
                ),
            )
            await _put_texts(conn, event_id, changes.texts)
            updated = await _fetch(conn, event_id)
            promoted = await _fill_places(conn, updated, messages)
            await self._refresh_pending(conn, event, updated)
            notified = 0
            if moved or ends != event.ends_at or updated.place != event.place:
                await conn.execute(
                    "DELETE FROM outbox WHERE status = 'pending' AND purpose LIKE ?",
                    (purposes.event_changes(event_id),),
                )
                notified = await _enqueue_concerned(
                    conn,
                    purposes.event_changed(event_id, updated.sequence),
                    messages.changed(updated),
                    event_id,
                    _CONCERNED,
                )
            return updated, promoted, notified

    async def _refresh_pending(
        self, conn: aiosqlite.Connection, before: Event, after: Event
    ) -> None:
        """Unsent announcement and reminder rows carry the old details: drop them so the event
        clock queues them again with the new ones (reminders of an old start time just go)."""
        deleted = await conn.execute(
            "DELETE FROM outbox WHERE status = 'pending' AND purpose = ?",
            (purposes.event_announcement(after.id),),
        )
        if deleted.rowcount:
            await conn.execute("UPDATE events SET announced_at = NULL WHERE id = ?", (after.id,))
        stale = await conn.execute_fetchall(
            "DELETE FROM outbox WHERE status = 'pending' AND purpose LIKE ? RETURNING purpose",
            (purposes.event_reminders(after.id),),
        )
        if before.starts_at != after.starts_at:
            return  # they were for the old start time; the new one has reminders of its own
        for (purpose,) in set(stale):
            before_seconds = purposes.event_reminder_seconds(purpose)
            await conn.execute(
                "DELETE FROM event_reminders WHERE event_id = ? AND before_seconds = ? AND "
                "starts_at = ?",
                (after.id, before_seconds, to_db(after.starts_at)),
            )

    async def cancel(self, event_id: int, messages: EventMessages) -> tuple[Event, int]:
        """Cancel (SEQUENCE + 1), drop unsent messages about it, and tell those concerned."""
        now = now_db()
        async with self._db.transaction() as conn:
            event = await _fetch(conn, event_id)
            if event.cancelled:
                raise EventError("event_cancelled", f"event {event_id} is already cancelled")
            await conn.execute(
                "UPDATE events SET status = 'cancelled', sequence = sequence + 1, "
                "cancelled_at = ?, updated_at = ? WHERE id = ?",
                (now, now, event_id),
            )
            await conn.execute(
                "UPDATE outbox SET status = 'skipped', last_error = 'event cancelled' "
                "WHERE status = 'pending' AND purpose LIKE ?",
                (purposes.event_all(event_id),),
            )
            cancelled = await _fetch(conn, event_id)
            notified = await _enqueue_concerned(
                conn,
                purposes.event_cancelled(event_id),
                messages.cancelled(cancelled),
                event_id,
                _CONCERNED,
            )
            return cancelled, notified

    async def answer(
        self,
        event_id: int,
        resident_id: int,
        choice: RsvpChoice,
        now: datetime,
        messages: EventMessages,
    ) -> RsvpOutcome:
        """Record a resident's answer in one write transaction (see :mod:`surveys.events.rsvp`):
        concurrent answers are settled one after the other, so the event is never overbooked."""
        async with self._db.transaction() as conn:
            event = await _fetch(conn, event_id)
            if event.cancelled:
                raise EventError("event_cancelled", f"event {event_id} is cancelled")
            if now >= event.starts_at:
                raise EventError("event_started", f"event {event_id} has already started")
            before = await _rsvp(conn, event_id, resident_id)
            previous = before.status if before else None
            counts = await _counts(conn, event_id, event.capacity)
            status = settle(
                choice,
                previous,
                going=counts.going,
                waiting=counts.waiting,
                capacity=event.capacity,
            )
            stamp = now_db()
            if status != previous:
                await conn.execute(
                    "INSERT INTO rsvps (event_id, resident_id, status, waiting_seq, answered_at, "
                    "updated_at) VALUES (?1, ?2, ?3, CASE WHEN ?3 = 'waiting' THEN (SELECT "
                    "COALESCE(MAX(waiting_seq), 0) + 1 FROM rsvps WHERE event_id = ?1) END, ?4, "
                    "?4) ON CONFLICT (event_id, resident_id) DO UPDATE SET status = "
                    "excluded.status, waiting_seq = excluded.waiting_seq, updated_at = ?4",
                    (event_id, resident_id, status, stamp),
                )
            promoted = await _fill_places(conn, event, messages) if previous == "going" else []
            after = await _rsvp(conn, event_id, resident_id)
            assert after is not None
            return RsvpOutcome(
                rsvp=after,
                previous=previous,
                promoted=promoted,
                counts=await _counts(conn, event_id, event.capacity),
            )

    async def rsvp(self, event_id: int, resident_id: int) -> Rsvp | None:
        async with self._db.read() as conn:
            return await _rsvp(conn, event_id, resident_id)

    async def counts(self, event_id: int) -> RsvpCounts:
        async with self._db.read() as conn:
            event = await _fetch(conn, event_id)
            return await _counts(conn, event_id, event.capacity)

    async def waiting_list(self, event_id: int) -> list[WaitingEntry]:
        """The waiting list in order, with when each joined it (never who)."""
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT updated_at FROM rsvps WHERE event_id = ? AND status = 'waiting' "
                "ORDER BY waiting_seq",
                (event_id,),
            )
        return [
            WaitingEntry(position=index, since=from_db(row[0]))
            for index, row in enumerate(rows, start=1)
        ]

    async def fill_places(self, event_id: int, messages: EventMessages) -> list[int]:
        """Promote from the waiting list where places are free (after an erasure, say)."""
        async with self._db.transaction() as conn:
            event = await _fetch(conn, event_id)
            if event.cancelled:
                return []
            return await _fill_places(conn, event, messages)

    async def with_free_places(self, now: datetime) -> list[int]:
        """Upcoming events with a capacity where someone waits while a place is free."""
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT e.id FROM events e WHERE e.status = 'active' AND e.starts_at > ? AND "
                "EXISTS (SELECT 1 FROM rsvps w WHERE w.event_id = e.id AND w.status = "
                "'waiting') AND (e.capacity IS NULL OR e.capacity > (SELECT COUNT(*) FROM "
                "rsvps g WHERE g.event_id = e.id AND g.status = 'going'))",
                (to_db(now),),
            )
        return [row[0] for row in rows]

    async def audience_size(self, area_ids: Sequence[str]) -> int:
        """Residents an announcement to ``area_ids`` (none: every area) would reach now."""
        where, params = _audience_clause(area_ids)
        async with self._db.read() as conn:
            rows = list(
                await conn.execute_fetchall(
                    f"SELECT COUNT(*) FROM residents r WHERE {ELIGIBLE} AND {_NOT_MUTED}{where}",
                    params,
                )
            )
        return int(rows[0][0])

    async def to_announce(self) -> list[Event]:
        """Active events to be announced that are not yet."""
        async with self._db.read() as conn:
            return await _events(
                conn,
                "WHERE e.status = 'active' AND e.announce = 1 AND e.announced_at IS NULL "
                "ORDER BY e.starts_at, e.id",
                (),
            )

    async def announce(self, event_id: int, message: OutboxMessage, not_before: datetime) -> int:
        """Queue the announcement for the audience (not those who muted event news)."""
        async with self._db.transaction() as conn:
            event = await _fetch(conn, event_id)
            if event.cancelled or event.announced_at is not None:
                return 0
            await conn.execute(
                "UPDATE events SET announced_at = ? WHERE id = ?", (now_db(), event_id)
            )
            where, params = _audience_clause(event.area_ids)
            return await queue_eligible(
                conn,
                purposes.event_announcement(event_id),
                message,
                where=f"{_NOT_MUTED}{where}",
                params=params,
                not_before=to_db(not_before),
            )

    async def skip_announcement(self, event_id: int) -> None:
        """Mark an event as announced without sending (it started before it could be)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE events SET announced_at = COALESCE(announced_at, ?) WHERE id = ?",
                (now_db(), event_id),
            )

    async def awaiting_reminders(self, now: datetime) -> list[Event]:
        """Active events that have not started: their reminders may be due."""
        async with self._db.read() as conn:
            return await _events(
                conn,
                "WHERE e.status = 'active' AND e.starts_at > ? ORDER BY e.starts_at",
                (to_db(now),),
            )

    async def reminders_handled(self, event_id: int, starts_at: datetime) -> set[timedelta]:
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT before_seconds FROM event_reminders WHERE event_id = ? AND starts_at = ?",
                (event_id, to_db(starts_at)),
            )
        return {timedelta(seconds=row[0]) for row in rows}

    async def remind(
        self,
        event: Event,
        before: timedelta,
        message: OutboxMessage,
        not_before: datetime,
    ) -> int | None:
        """Queue a reminder to those going or maybe; None if it was handled already."""
        async with self._db.transaction() as conn:
            if not await _claim_reminder(conn, event, before, "queued", None):
                return None
            queued = await _enqueue_concerned(
                conn,
                purposes.event_reminder(event.id, before, event.starts_at),
                message,
                event.id,
                ("going", "maybe"),
                to_db(not_before),
            )
            await conn.execute(
                "UPDATE event_reminders SET queued = ? WHERE event_id = ? AND before_seconds = ? "
                "AND starts_at = ?",
                (queued, event.id, int(before.total_seconds()), to_db(event.starts_at)),
            )
            return queued

    async def skip_reminder(self, event: Event, before: timedelta, reason: str) -> bool:
        async with self._db.transaction() as conn:
            return await _claim_reminder(conn, event, before, "skipped", reason)

    async def reminder_log(self, event_id: int) -> list[tuple[timedelta, datetime, str, int]]:
        """(before, start time, outcome, queued) of every reminder handled, for `events show`."""
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT before_seconds, starts_at, outcome, queued FROM event_reminders "
                "WHERE event_id = ? ORDER BY starts_at, before_seconds DESC",
                (event_id,),
            )
        return [(timedelta(seconds=r[0]), from_db(r[1]), r[2], r[3]) for r in rows]

    async def awaiting_feedback(self, ended_before: datetime) -> list[Event]:
        """Active events that ended before ``ended_before`` and have no feedback step yet."""
        async with self._db.read() as conn:
            return await _events(
                conn,
                "WHERE e.status = 'active' AND e.feedback_at IS NULL AND e.ends_at <= ? "
                "ORDER BY e.ends_at",
                (to_db(ended_before),),
            )

    async def open_feedback(
        self,
        event_id: int,
        survey_version_id: int,
        *,
        closes_at: datetime,
        remind_after: Sequence[timedelta],
        invitation: Callable[[int], OutboxMessage],
        not_before: datetime,
    ) -> tuple[int | None, int]:
        """Open the event's feedback round for those who were going and invite them, in one
        transaction. Returns (round id, invitations); (None, 0) if nobody was going or the
        step already ran."""
        now = now_db()
        async with self._db.transaction() as conn:
            event = await _fetch(conn, event_id)
            if event.feedback_at is not None or event.cancelled:
                return None, 0
            rows = list(
                await conn.execute_fetchall(
                    "SELECT COUNT(*) FROM rsvps WHERE event_id = ? AND status = 'going'",
                    (event_id,),
                )
            )
            if not rows[0][0]:
                await conn.execute(
                    "UPDATE events SET feedback_at = ? WHERE id = ?", (now, event_id)
                )
                return None, 0
            cursor = await conn.execute(
                "INSERT INTO rounds (survey_version_id, status, opens_at, closes_at, "
                "remind_after, opened_at, created_by, created_at, invited_only) "
                "VALUES (?, 'open', ?, ?, ?, ?, ?, ?, 1)",
                (
                    survey_version_id,
                    now,
                    to_db(closes_at),
                    json.dumps(sorted(int(o.total_seconds()) for o in remind_after)),
                    now,
                    f"event:{event_id}",
                    now,
                ),
            )
            round_id = cursor.lastrowid
            assert round_id is not None
            await conn.executemany(
                "INSERT INTO round_areas (round_id, area_id) VALUES (?, ?)",
                [(round_id, area_id) for area_id in event.area_ids],
            )
            queued = await _enqueue_concerned(
                conn,
                purposes.invite(round_id),
                invitation(round_id),
                event_id,
                ("going",),
                to_db(not_before),
            )
            await conn.execute(
                "UPDATE events SET feedback_at = ?, feedback_round_id = ? WHERE id = ?",
                (now, round_id, event_id),
            )
            return round_id, queued

    async def set_muted(self, resident_id: int, muted: bool) -> bool:
        async with self._db.transaction() as conn:
            if muted:
                await conn.execute(
                    "INSERT OR IGNORE INTO event_mutes (resident_id, muted_at) VALUES (?, ?)",
                    (resident_id, now_db()),
                )
            else:
                await conn.execute("DELETE FROM event_mutes WHERE resident_id = ?", (resident_id,))
        return muted

    async def is_muted(self, resident_id: int) -> bool:
        async with self._db.read() as conn:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT 1 FROM event_mutes WHERE resident_id = ?", (resident_id,)
                )
            )
        return bool(rows)


def _audience_clause(area_ids: Iterable[str]) -> tuple[str, dict[str, object]]:
    areas = sorted(set(area_ids))
    if not areas:
        return "", {}
    marks, params = named_list("area", areas)
    return f" AND r.area_id IN {marks}", params


async def _put_texts(
    conn: aiosqlite.Connection, event_id: int, texts: dict[str, EventText]
) -> None:
    await conn.executemany(
        "INSERT INTO event_texts (event_id, language, title, description) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (event_id, language) DO UPDATE SET title = excluded.title, "
        "description = excluded.description",
        [(event_id, lang, text.title, text.description) for lang, text in texts.items()],
    )


async def _claim_reminder(
    conn: aiosqlite.Connection,
    event: Event,
    before: timedelta,
    outcome: str,
    reason: str | None,
) -> bool:
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO event_reminders (event_id, before_seconds, starts_at, outcome, "
        "reason, done_at) VALUES (?, ?, ?, ?, ?, ?)",
        (event.id, int(before.total_seconds()), to_db(event.starts_at), outcome, reason, now_db()),
    )
    return cursor.rowcount == 1
