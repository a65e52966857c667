"""Survey rounds: a version, an audience and a period; opened, reminded and closed over time."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from surveys import purposes
from surveys.clock import from_db, now_db, to_db
from surveys.errors import NotFoundError, RoundError
from surveys.models import AreaProgress, OutboxMessage, Round, RoundProgress, RoundStatus
from surveys.store.db import Database
from surveys.store.outbox import queue_eligible

_SELECT = (
    "SELECT r.id, r.survey_version_id, v.key, r.status, r.opens_at, r.closes_at, r.opened_at, "
    "r.closed_at, (SELECT group_concat(area_id, ',') FROM round_areas a WHERE a.round_id = r.id), "
    "r.remind_after, r.reminders_done, r.recurrence, r.next_round_id, r.summary_sent_at, "
    "r.created_by, r.invited_only, r.series_opens_at "
    "FROM rounds r JOIN survey_versions v ON v.id = r.survey_version_id"
)


PROGRESS_QUERIES = (
    "SELECT COUNT(*), TOTAL(status = 'sent') FROM outbox WHERE purpose = :purpose",
    "SELECT TOTAL(r.status = 'completed'), TOTAL(r.status = 'in_progress') FROM responses r "
    "JOIN outbox o ON o.purpose = :purpose AND o.resident_id = r.resident_id "
    "AND o.status = 'sent' WHERE r.round_id = :round",
    "SELECT COALESCE(area_id, ''), COUNT(*), TOTAL(status = 'completed') FROM responses "
    "WHERE round_id = :round GROUP BY area_id ORDER BY area_id",
)
"""A round's progress in three reads (one set of statements for the bot's store and for the
read-only snapshots of reports, so both count alike): invitations, the responses that followed
a delivered invitation, and responses per area snapshot."""


def progress_params(round_id: int) -> dict[str, object]:
    return {"purpose": purposes.invite(round_id), "round": round_id}


def progress_from_rows(
    invitations: Sequence[Any], delivered: Sequence[Any], areas: Sequence[Any]
) -> RoundProgress:
    """The rows of :data:`PROGRESS_QUERIES` as one model."""
    return RoundProgress(
        invited=int(invitations[0][0]),
        delivered=int(invitations[0][1]),
        delivered_completed=int(delivered[0][0]),
        delivered_partial=int(delivered[0][1]),
        areas={row[0]: AreaProgress(started=int(row[1]), completed=int(row[2])) for row in areas},
    )


def _moment(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def _round(row: Any) -> Round:
    v = tuple(row)
    return Round(
        id=v[0],
        survey_version_id=v[1],
        survey_key=v[2],
        status=v[3],
        opens_at=from_db(v[4]),
        closes_at=_moment(v[5]),
        opened_at=_moment(v[6]),
        closed_at=_moment(v[7]),
        area_ids=sorted(v[8].split(",")) if v[8] else [],
        remind_after=[timedelta(seconds=s) for s in json.loads(v[9])],
        reminders_done=v[10],
        recurrence=v[11],
        next_round_id=v[12],
        summary_sent_at=_moment(v[13]),
        created_by=v[14],
        invited_only=bool(v[15]),
        series_opens_at=_moment(v[16]),
    )


class RoundStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        survey_version_id: int,
        *,
        opens_at: datetime,
        closes_at: datetime | None,
        area_ids: Sequence[str] = (),
        remind_after: Sequence[timedelta] = (),
        recurrence: str | None = None,
        created_by: str = "cli",
        series_opens_at: datetime | None = None,
    ) -> Round:
        """Store a scheduled round; ``series_opens_at`` is the first opening of the recurring
        series it continues (None for a first round)."""
        if closes_at is not None and closes_at <= opens_at:
            raise RoundError("a round must close after it opens")
        offsets = sorted(int(offset.total_seconds()) for offset in remind_after)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO rounds (survey_version_id, opens_at, closes_at, remind_after, "
                "recurrence, created_by, created_at, series_opens_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    survey_version_id,
                    to_db(opens_at),
                    to_db(closes_at) if closes_at else None,
                    json.dumps(offsets),
                    recurrence,
                    created_by,
                    now_db(),
                    to_db(series_opens_at) if series_opens_at else None,
                ),
            )
            round_id = cursor.lastrowid
            await conn.executemany(
                "INSERT INTO round_areas (round_id, area_id) VALUES (?, ?)",
                [(round_id, area_id) for area_id in sorted(set(area_ids))],
            )
            return await _fetch(conn, round_id)

    async def get(self, round_id: int) -> Round:
        async with self._db.read() as conn:
            return await _fetch(conn, round_id)

    async def open(self, round_id: int) -> Round:
        return await self._move(round_id, "open", ("scheduled",), "opened_at")

    async def open_with_invitations(
        self, round_id: int, invitation: OutboxMessage, not_before: datetime
    ) -> tuple[Round, int]:
        """Open the round and queue one invitation per eligible resident of its audience, in
        one transaction: a crash cannot leave an open round that invited nobody."""
        now = now_db()
        async with self._db.transaction() as conn:
            current = await _fetch(conn, round_id)
            if current.status != "scheduled":
                raise RoundError(f"round {round_id} is {current.status}; cannot open it")
            await conn.execute(
                "UPDATE rounds SET status = 'open', opened_at = ? WHERE id = ?", (now, round_id)
            )
            audience = ""
            if current.area_ids:
                audience = "r.area_id IN (SELECT area_id FROM round_areas WHERE round_id = :round)"
            queued = await queue_eligible(
                conn,
                purposes.invite(round_id),
                invitation,
                where=audience,
                params={"round": round_id} if current.area_ids else None,
                not_before=to_db(not_before),
                created_at=now,
            )
            return await _fetch(conn, round_id), queued

    async def close(self, round_id: int) -> Round:
        return await self._move(round_id, "closed", ("open",), "closed_at")

    async def cancel(self, round_id: int) -> Round:
        """Cancel the round; invitations and reminders not yet sent are dropped."""
        cancelled = await self._move(round_id, "cancelled", ("scheduled", "open"), "closed_at")
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'skipped', last_error = 'round cancelled' "
                "WHERE status = 'pending' AND (purpose = ? OR purpose LIKE ?)",
                (purposes.invite(round_id), purposes.reminders(round_id)),
            )
        return cancelled

    async def find(self, statuses: Sequence[RoundStatus] | None = None) -> list[Round]:
        where = ""
        params: tuple[str, ...] = ()
        if statuses:
            where = f" WHERE r.status IN ({', '.join('?' * len(statuses))})"
            params = tuple(statuses)
        async with (
            self._db.read() as conn,
            conn.execute(f"{_SELECT}{where} ORDER BY r.id", params) as cursor,
        ):
            return [_round(row) for row in await cursor.fetchall()]

    async def closed_awaiting_followup(self) -> list[Round]:
        """Closed rounds whose summary is not sent or whose next recurrence is not planned."""
        async with (
            self._db.read() as conn,
            conn.execute(
                f"{_SELECT} WHERE r.status = 'closed' AND (r.summary_sent_at IS NULL OR "
                "(r.recurrence IS NOT NULL AND r.next_round_id IS NULL)) ORDER BY r.id"
            ) as cursor,
        ):
            return [_round(row) for row in await cursor.fetchall()]

    async def open_for_area(
        self, area_id: str | None, resident_id: int | None = None
    ) -> list[Round]:
        """Open rounds whose audience includes ``area_id``; a round open only to those it
        invited (an event's feedback) is listed only if it invited ``resident_id``."""
        invited = await self.invited_to(resident_id) if resident_id is not None else set()
        return [
            r
            for r in await self.find(["open"])
            if (r.id in invited if r.invited_only else r.includes(area_id))
        ]

    async def admits(self, round_: Round, resident_id: int, area_id: str | None) -> bool:
        """Whether the resident may answer the round: by area, or by invitation."""
        if round_.invited_only:
            return round_.id in await self.invited_to(resident_id)
        return round_.includes(area_id)

    async def invited_to(self, resident_id: int) -> set[int]:
        """Rounds open only to invitees that invited this resident."""
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT r.id FROM rounds r WHERE r.invited_only = 1 AND r.status = 'open' AND "
                "EXISTS (SELECT 1 FROM outbox o WHERE o.purpose = ? || r.id AND "
                "o.resident_id = ?)",
                (purposes.INVITE_PREFIX, resident_id),
            )
        return {row[0] for row in rows}

    async def set_reminders_done(self, round_id: int, count: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE rounds SET reminders_done = MAX(reminders_done, ?) WHERE id = ?",
                (count, round_id),
            )

    async def set_summary_sent(self, round_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE rounds SET summary_sent_at = COALESCE(summary_sent_at, ?) WHERE id = ?",
                (now_db(), round_id),
            )

    async def link_next(self, round_id: int, next_round_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE rounds SET next_round_id = ? WHERE id = ? AND next_round_id IS NULL",
                (next_round_id, round_id),
            )

    async def progress(self, round_id: int) -> RoundProgress:
        """Invited and delivered (from the outbox), responses per area (see
        :data:`PROGRESS_QUERIES`)."""
        rows = []
        async with self._db.read() as conn:
            for sql in PROGRESS_QUERIES:
                rows.append(list(await conn.execute_fetchall(sql, progress_params(round_id))))
        return progress_from_rows(*rows)

    async def _move(
        self, round_id: int, status: RoundStatus, allowed_from: Sequence[str], stamp: str
    ) -> Round:
        async with self._db.transaction() as conn:
            current = await _fetch(conn, round_id)
            if current.status not in allowed_from:
                if current.status == status:
                    raise RoundError(f"round {round_id} is already {status}")
                verb = {"open": "opened", "closed": "closed", "cancelled": "cancelled"}.get(status)
                raise RoundError(f"round {round_id} is {current.status}; it cannot be {verb} now")
            await conn.execute(
                f"UPDATE rounds SET status = ?, {stamp} = ? WHERE id = ?",
                (status, now_db(), round_id),
            )
            return await _fetch(conn, round_id)


async def _fetch(conn: aiosqlite.Connection, round_id: int | None) -> Round:
    rows = list(await conn.execute_fetchall(f"{_SELECT} WHERE r.id = ?", (round_id,)))
    if not rows:
        raise NotFoundError(f"round {round_id} does not exist")
    return _round(rows[0])
