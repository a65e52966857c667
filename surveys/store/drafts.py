"""Drafts of multi-step chat forms (e.g. a coordinator's /newround), one per user and kind.

Kept in the database like everything else, so a restart resumes the form where it was.
"""

from __future__ import annotations

import json
from typing import Any

from surveys.clock import now_db
from surveys.store.db import Database


class DraftStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int, kind: str) -> tuple[str, dict[str, Any]] | None:
        """(step, data) of the user's draft of ``kind``, if any."""
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT step, data FROM drafts WHERE telegram_user_id = ? AND kind = ?",
                (user_id, kind),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return (row[0], json.loads(row[1])) if row else None

    async def put(self, user_id: int, kind: str, step: str, data: dict[str, Any]) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO drafts (telegram_user_id, kind, step, data, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (telegram_user_id, kind) DO UPDATE SET "
                "step = excluded.step, data = excluded.data, updated_at = excluded.updated_at",
                (user_id, kind, step, json.dumps(data, sort_keys=True), now_db()),
            )

    async def delete(self, user_id: int, kind: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM drafts WHERE telegram_user_id = ? AND kind = ?", (user_id, kind)
            )

    async def latest(self, user_id: int) -> str | None:
        """The kind of the user's most recently changed draft: the form on their screen, which
        typed text is meant for when several are open."""
        async with self._db.read() as conn:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT kind FROM drafts WHERE telegram_user_id = ? "
                    "ORDER BY updated_at DESC LIMIT 1",
                    (user_id,),
                )
            )
        return rows[0][0] if rows else None
