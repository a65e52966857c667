"""The outbox: one row per (purpose, resident), drained by the delivery worker.

State machine: ``pending`` -> ``sending`` (claimed, request in flight) -> ``sent`` | ``failed``
| ``skipped``; a retry puts the row back to ``pending`` with a later ``not_before``. Rows left in
``sending`` by a crash are the only ones that may be sent twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from surveys.clock import from_db, now_db, to_db
from surveys.models import DeliveryCounts, OutboxItem, OutboxMessage
from surveys.store.db import Database

# Residents who may receive messages sent to many chats.
ELIGIBLE = (
    "r.telegram_user_id IS NOT NULL AND r.chat_id IS NOT NULL AND r.step = 'done' "
    "AND r.stopped_at IS NULL AND r.unreachable_at IS NULL"
)


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
        where, params = ELIGIBLE, []
        if area_ids is not None:
            where += f" AND r.area_id IN ({', '.join('?' * len(area_ids))})"
            params = list(area_ids)
        now = now_db()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO outbox (purpose, resident_id, payload, not_before, "
                f"created_at) SELECT ?, r.id, ?, ?, ? FROM residents r WHERE {where}",
                (
                    purpose,
                    message.model_dump_json(),
                    to_db(not_before) if not_before else now,
                    now,
                    *params,
                ),
            )
            return cursor.rowcount

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
        now = now_db()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO outbox (purpose, resident_id, payload, not_before, "
                "created_at) SELECT ?, r.id, ?, ?, ? FROM residents r JOIN outbox o ON "
                "o.resident_id = r.id AND o.purpose = ? AND o.status = 'sent' "
                f"WHERE {ELIGIBLE} AND NOT EXISTS (SELECT 1 FROM responses p WHERE "
                "p.resident_id = r.id AND p.round_id = ? AND p.status = 'completed')",
                (
                    purpose,
                    message.model_dump_json(),
                    to_db(not_before) if not_before else now,
                    now,
                    after_purpose,
                    unless_completed_round,
                ),
            )
            return cursor.rowcount

    async def enqueue_participants(
        self, purpose: str, message: OutboxMessage, round_id: int
    ) -> int:
        """Queue ``message`` for every eligible resident who answered the round (even partly)."""
        now = now_db()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO outbox (purpose, resident_id, payload, not_before, "
                "created_at) SELECT ?, r.id, ?, ?, ? FROM residents r WHERE "
                f"{ELIGIBLE} AND r.id IN (SELECT resident_id FROM responses WHERE round_id = ?)",
                (purpose, message.model_dump_json(), now, now, round_id),
            )
            return cursor.rowcount

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
        now = now_db()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO outbox (purpose, resident_id, payload, not_before, "
                "created_at) SELECT ?, r.id, ?, ?, ? FROM residents r "
                f"WHERE r.id = ? AND {ELIGIBLE}",
                (
                    purpose,
                    message.model_dump_json(),
                    to_db(not_before) if not_before else now,
                    now,
                    resident_id,
                ),
            )
            return cursor.rowcount == 1

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
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id IN "
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

    async def mark_sent(self, item_id: int, telegram_message_id: int) -> None:
        await self._set(
            item_id,
            "status = 'sent', sent_at = ?, telegram_message_id = ?, last_error = NULL",
            now_db(),
            telegram_message_id,
        )

    async def retry_later(self, item_id: int, not_before: datetime, error: str) -> None:
        await self._set(
            item_id,
            "status = 'pending', not_before = ?, last_error = ?",
            to_db(not_before),
            error[:500],
        )

    async def mark_failed(self, item_id: int, error: str) -> None:
        await self._set(item_id, "status = 'failed', last_error = ?", error[:500])

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
