"""The inbox: Telegram updates from the moment they are fetched until they are handled.

Telegram forgets an update once a later ``getUpdates`` confirms its offset, which the bot does
as soon as it asks for more, long before a slow handler finishes. Keeping each batch here first
makes a crash harmless: at the next start the unhandled updates are handled again, in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from surveys.clock import now_db, to_db
from surveys.store.db import Database


@dataclass(frozen=True)
class PendingUpdate:
    update_id: int
    payload: str
    replays: int


class InboxStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def keep(
        self, updates: Sequence[tuple[int, str]], confirmed_below: int | None
    ) -> set[int]:
        """Store fetched updates ``(update_id, payload)``; return the ids seen for the first time.

        ``confirmed_below`` is the offset of the ``getUpdates`` call that fetched them: Telegram
        will never send an update below it again, so handled ids below it are forgotten.
        """
        now = now_db()
        async with self._db.transaction() as conn:
            if confirmed_below is not None:
                await conn.execute(
                    "DELETE FROM inbox WHERE update_id < ? AND handled_at IS NOT NULL",
                    (confirmed_below,),
                )
            fresh = set()
            for update_id, payload in updates:
                cursor = await conn.execute(
                    "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) "
                    "VALUES (?, ?, ?)",
                    (update_id, payload, now),
                )
                if cursor.rowcount:
                    fresh.add(update_id)
            return fresh

    async def handled(self, update_id: int) -> None:
        """The update is done: drop its payload, keep its id until its offset is confirmed."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE inbox SET handled_at = ?, payload = NULL WHERE update_id = ?",
                (now_db(), update_id),
            )

    async def unhandled(self) -> list[PendingUpdate]:
        """Updates fetched but never handled (a crash came first), oldest first; each call
        counts as one more replay of them."""
        async with (
            self._db.transaction() as conn,
            conn.execute(
                "UPDATE inbox SET replays = replays + 1 WHERE handled_at IS NULL "
                "RETURNING update_id, payload, replays"
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        return sorted(
            (PendingUpdate(row[0], row[1] or "", row[2]) for row in rows),
            key=lambda pending: pending.update_id,
        )

    async def forget_handled(self, before: datetime) -> int:
        """Drop ids of updates handled before ``before`` (Telegram keeps updates 24 hours)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?",
                (to_db(before),),
            )
            return cursor.rowcount
