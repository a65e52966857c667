"""The outbox: one row per (purpose, resident), drained by the delivery worker.

State machine: ``pending`` -> ``sending`` (claimed, request in flight) -> ``sent`` | ``failed``
| ``skipped``; a retry puts the row back to ``pending`` with a later ``not_before``. Rows left in
``sending`` by a crash are the only ones that may be sent twice.

``attempts`` counts requests that reached Telegram's door and failed or succeeded, never a
claim: pacing, a 429 pause or a restart put a row back without using up its tries. A ``failed``
row waits with ``failure_reported_at`` NULL until the coordinators have been told.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import aiosqlite

from surveys.clock import from_db, now_db, to_db
from surveys.models import DeliveryCounts, FailedDelivery, OutboxItem, OutboxMessage
from surveys.store.db import Database

# Residents who may receive messages sent to many chats.
ELIGIBLE = (
    "r.telegram_user_id IS NOT NULL AND r.chat_id IS NOT NULL AND r.step = 'done' "
    "AND r.stopped_at IS NULL AND r.unreachable_at IS NULL"
)


async def queue_eligible(
    conn: aiosqlite.Connection,
    purpose: str,
    message: OutboxMessage,
    *,
    where: str = "",
    join: str = "",
    params: Mapping[str, object] | None = None,
    not_before: str | None = None,
    created_at: str | None = None,
) -> int:
    """Queue ``message`` under ``purpose`` for every eligible resident ``r`` that ``join`` and
    ``where`` (SQL with named parameters ``params``) select, in the caller's transaction.

    The one way rows enter the outbox for the bot: :data:`ELIGIBLE` always applies, and a resident
    already queued for ``purpose`` is left alone (the unique key). ``not_before`` defaults to
    ``created_at``, which defaults to now. Returns how many rows were new.
    """
    created = created_at or now_db()
    own = {
        "outbox_purpose": purpose,
        "outbox_payload": message.model_dump_json(),
        "outbox_not_before": not_before or created,
        "outbox_created_at": created,
    }
    bound = dict(params or {})
    assert not own.keys() & bound.keys(), "parameter names clash with queue_eligible's own"
    condition = f"{ELIGIBLE} AND ({where})" if where else ELIGIBLE
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO outbox (purpose, resident_id, payload, not_before, created_at) "
        "SELECT :outbox_purpose, r.id, :outbox_payload, :outbox_not_before, :outbox_created_at "
        f"FROM residents r {join} WHERE {condition}",
        {**bound, **own},
    )
    return cursor.rowcount


def named_list(name: str, values: Sequence[object]) -> tuple[str, dict[str, object]]:
    """``(:name0, :name1, ...)`` and its parameters, for an ``IN`` of named placeholders."""
    bound = {f"{name}{index}": value for index, value in enumerate(values)}
    return f"({', '.join(':' + key for key in bound)})", bound


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue_audience(
        self,
        purpose: str,
        message: OutboxMessage,
        *,
        area_ids: Sequence[str] | None = None,
        not_before: datetime | None = None,
    ) -> int:
        """Queue ``message`` for every eligible resident (of ``area_ids`` if given).

        Returns how many rows were new; residents already queued for ``purpose`` are left alone.
        """
        where, params = "", dict[str, object]()
        if area_ids is not None:
            marks, params = named_list("area", area_ids)
            where = f"r.area_id IN {marks}"
        async with self._db.transaction() as conn:
            return await queue_eligible(
                conn,
                purpose,
                message,
                where=where,
                params=params,
                not_before=to_db(not_before) if not_before else None,
            )

    async def enqueue_followup(
        self,
        purpose: str,
        message: OutboxMessage,
        *,
        after_purpose: str,
        unless_completed_round: int,
        not_before: datetime | None = None,
    ) -> int:
        """Queue ``message`` for residents who received ``after_purpose`` (e.g. the invitation)
        and have not completed the round: reminders."""
        async with self._db.transaction() as conn:
            return await queue_eligible(
                conn,
                purpose,
                message,
                join="JOIN outbox o ON o.resident_id = r.id AND o.purpose = :after "
                "AND o.status = 'sent'",
                where="NOT EXISTS (SELECT 1 FROM responses p WHERE p.resident_id = r.id AND "
                "p.round_id = :round AND p.status = 'completed')",
                params={"after": after_purpose, "round": unless_completed_round},
                not_before=to_db(not_before) if not_before else None,
            )

    async def enqueue_participants(
        self, purpose: str, message: OutboxMessage, round_id: int
    ) -> int:
        """Queue ``message`` for every eligible resident who answered the round (even partly)."""
        async with self._db.transaction() as conn:
            return await queue_eligible(
                conn,
                purpose,
                message,
                where="r.id IN (SELECT resident_id FROM responses WHERE round_id = :round)",
                params={"round": round_id},
            )

    async def count_audience(self) -> int:
        """Residents an announcement to everyone would reach now."""
        async with (
            self._db.read() as conn,
            conn.execute(f"SELECT COUNT(*) FROM residents r WHERE {ELIGIBLE}") as cursor,
        ):
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def count_participants(self, round_id: int) -> int:
        """Residents a participants' message of the round would reach now."""
        async with (
            self._db.read() as conn,
            conn.execute(
                f"SELECT COUNT(*) FROM residents r WHERE {ELIGIBLE} AND r.id IN "
                "(SELECT resident_id FROM responses WHERE round_id = ?)",
                (round_id,),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def enqueue_one(
        self,
        purpose: str,
        resident_id: int,
        message: OutboxMessage,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue one message if the resident may receive it; False if not, or already queued."""
        async with self._db.transaction() as conn:
            queued = await queue_eligible(
                conn,
                purpose,
                message,
                where="r.id = :resident",
                params={"resident": resident_id},
                not_before=to_db(not_before) if not_before else None,
            )
            return queued == 1

    async def claim_due(self, limit: int, now: datetime) -> list[OutboxItem]:
        """Move up to ``limit`` due rows to ``sending`` and return them, oldest first.

        Rows whose resident has since stopped, left or become unreachable are skipped here,
        so a /stop takes effect even for messages queued before it.
        """
        moment = to_db(now)
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'skipped', last_error = 'resident not eligible' "
                "WHERE status = 'pending' AND not_before <= ? AND resident_id IN "
                f"(SELECT r.id FROM residents r WHERE NOT ({ELIGIBLE}))",
                (moment,),
            )
            async with conn.execute(
                "UPDATE outbox SET status = 'sending' WHERE id IN "
                "(SELECT id FROM outbox WHERE status = 'pending' AND not_before <= ? "
                "ORDER BY not_before, id LIMIT ?) RETURNING id",
                (moment, limit),
            ) as cursor:
                ids = [row[0] for row in await cursor.fetchall()]
            if not ids:
                return []
            async with conn.execute(
                "SELECT o.id, o.purpose, o.resident_id, r.chat_id, r.language, o.payload, "
                f"o.attempts FROM outbox o JOIN residents r ON r.id = o.resident_id "
                f"WHERE o.id IN ({', '.join('?' * len(ids))}) ORDER BY o.not_before, o.id",
                ids,
            ) as cursor:
                rows = await cursor.fetchall()
        return [
            OutboxItem(
                id=row[0],
                purpose=row[1],
                resident_id=row[2],
                chat_id=row[3],
                language=row[4],
                message=OutboxMessage.model_validate_json(row[5]),
                attempts=row[6],
            )
            for row in rows
        ]

    async def mark_sent(
        self, item_id: int, telegram_message_id: int | None, note: str | None = None
    ) -> None:
        """Telegram took the message (``telegram_message_id`` None and a ``note``: it probably
        did, but its answer was lost, and sending again could duplicate it)."""
        await self._set(
            item_id,
            "status = 'sent', sent_at = ?, telegram_message_id = ?, last_error = ?, "
            "attempts = attempts + 1",
            now_db(),
            telegram_message_id,
            note,
        )

    async def retry_later(
        self, item_id: int, not_before: datetime, error: str, *, attempted: bool
    ) -> None:
        """Back to pending until ``not_before``; ``attempted`` if a request failed (a try used)
        rather than the row being deferred (pacing, a 429 pause)."""
        await self._set(
            item_id,
            "status = 'pending', not_before = ?, last_error = ?"
            + (", attempts = attempts + 1" if attempted else ""),
            to_db(not_before),
            error[:500],
        )

    async def mark_failed(self, item_id: int, error: str) -> None:
        """Given up: the last request failed for good (it counts as an attempt)."""
        await self._set(
            item_id,
            "status = 'failed', last_error = ?, attempts = attempts + 1, failed_at = ?, "
            "failure_reported_at = NULL",
            error[:500],
            now_db(),
        )

    async def unreported_failures(self, limit: int = 1000) -> list[FailedDelivery]:
        """Failed rows nobody has been told about yet, oldest first."""
        return await self._failures(
            "o.status = 'failed' AND o.failure_reported_at IS NULL", (), "o.id", limit
        )

    async def recent_failures(
        self, limit: int = 20, purpose: str | None = None
    ) -> list[FailedDelivery]:
        """Failed rows, most recent first (of ``purpose`` if given)."""
        where, params = "o.status = 'failed'", tuple[object, ...]()
        if purpose is not None:
            where, params = where + " AND o.purpose = ?", (purpose,)
        return await self._failures(where, params, "o.failed_at DESC, o.id DESC", limit)

    async def mark_reported(self, item_ids: Sequence[int]) -> None:
        if not item_ids:
            return
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET failure_reported_at = ? "
                f"WHERE id IN ({', '.join('?' * len(item_ids))})",
                (now_db(), *item_ids),
            )

    async def requeue_failed(
        self, *, purpose: str | None = None, item_ids: Sequence[int] = ()
    ) -> int:
        """Failed rows back to pending with fresh tries (of ``purpose``, or the given ids, or
        all); residents who cannot receive messages any more are skipped at claim time."""
        where, params = "status = 'failed'", list[object]()
        if purpose is not None:
            where, params = where + " AND purpose = ?", [purpose]
        if item_ids:
            where += f" AND id IN ({', '.join('?' * len(item_ids))})"
            params += list(item_ids)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET status = 'pending', attempts = 0, not_before = ?, "
                f"failed_at = NULL, failure_reported_at = NULL WHERE {where}",
                (now_db(), *params),
            )
            return cursor.rowcount

    async def counts_by_purpose(self) -> dict[str, DeliveryCounts]:
        """Every purpose with its counts by status, for the status view."""
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT purpose, status, COUNT(*) FROM outbox GROUP BY purpose, status "
                "ORDER BY MIN(id)"
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        by_purpose: dict[str, dict[str, int]] = {}
        for purpose, status, count in rows:
            by_purpose.setdefault(purpose, {})[status] = count
        return {
            purpose: DeliveryCounts(queued=sum(counts.values()), **counts)
            for purpose, counts in by_purpose.items()
        }

    async def _failures(
        self, where: str, params: tuple[object, ...], order: str, limit: int
    ) -> list[FailedDelivery]:
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT o.id, o.purpose, r.pseudonym, o.attempts, o.last_error, o.failed_at, "
                "o.failure_reported_at, r.unreachable_at IS NOT NULL FROM outbox o "
                f"JOIN residents r ON r.id = o.resident_id WHERE {where} ORDER BY {order} LIMIT ?",
                (*params, limit),
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        return [
            FailedDelivery(
                id=row[0],
                purpose=row[1],
                pseudonym=row[2],
                attempts=row[3],
                error=row[4] or "",
                failed_at=from_db(row[5]) if row[5] else None,
                reported_at=from_db(row[6]) if row[6] else None,
                unreachable=bool(row[7]),
            )
            for row in rows
        ]

    async def release_in_flight(self) -> int:
        """After a crash: rows claimed but never confirmed go back to pending (at-least-once)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET status = 'pending' WHERE status = 'sending'"
            )
            return cursor.rowcount

    async def next_due(self) -> datetime | None:
        """When the earliest pending row becomes due, so the worker can sleep until then."""
        async with (
            self._db.read() as conn,
            conn.execute("SELECT MIN(not_before) FROM outbox WHERE status = 'pending'") as cursor,
        ):
            row = await cursor.fetchone()
        return from_db(row[0]) if row and row[0] else None

    async def counts(self, purpose: str | None = None) -> DeliveryCounts:
        where, params = ("WHERE purpose = ?", (purpose,)) if purpose else ("", ())
        async with (
            self._db.read() as conn,
            conn.execute(
                f"SELECT status, COUNT(*) FROM outbox {where} GROUP BY status", params
            ) as cursor,
        ):
            by_status = {row[0]: row[1] for row in await cursor.fetchall()}
        return DeliveryCounts(queued=sum(by_status.values()), **by_status)

    async def _set(self, item_id: int, assignments: str, *params: object) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(f"UPDATE outbox SET {assignments} WHERE id = ?", (*params, item_id))
