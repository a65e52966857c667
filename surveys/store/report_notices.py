"""Notices about reports to staff chats and partner groups, drained by the bot.

State machine: ``pending`` -> ``sent`` | ``failed``; a retry keeps the row ``pending`` with a
later ``not_before``. One process drains them (the bot), so a notice is sent at least once:
only a crash between Telegram's answer and :meth:`mark_sent` can send one twice.
"""

from __future__ import annotations

from datetime import datetime

from surveys.clock import from_db, now_db, to_db
from surveys.reports.models import NoticeFailure, ReportNotice
from surveys.store.db import Database


class ReportNoticeStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def due(self, now: datetime, limit: int = 50) -> list[ReportNotice]:
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT id, kind, report_id, history_id, chat_id, audience, attempts "
                "FROM report_notices WHERE status = 'pending' AND not_before <= ? "
                "ORDER BY not_before, id LIMIT ?",
                (to_db(now), limit),
            )
        return [
            ReportNotice(
                id=row[0],
                kind=row[1],
                report_id=row[2],
                history_id=row[3],
                chat_id=row[4],
                audience=row[5],
                attempts=row[6],
            )
            for row in rows
        ]

    async def mark_sent(self, notice_id: int) -> None:
        await self._set(
            notice_id,
            "status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL",
            now_db(),
        )

    async def retry_later(self, notice_id: int, not_before: datetime, error: str) -> None:
        await self._set(
            notice_id,
            "not_before = ?, attempts = attempts + 1, last_error = ?",
            to_db(not_before),
            error[:500],
        )

    async def mark_failed(self, notice_id: int, error: str) -> None:
        await self._set(
            notice_id, "status = 'failed', attempts = attempts + 1, last_error = ?", error[:500]
        )

    async def failures(self, since: datetime, limit: int = 5) -> list[NoticeFailure]:
        """The latest notices made since ``since`` that could not be delivered, for
        coordinators to see."""
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT report_id, chat_id, audience, COALESCE(last_error, ''), created_at "
                "FROM report_notices WHERE status = 'failed' AND created_at >= ? "
                "ORDER BY id DESC LIMIT ?",
                (to_db(since), limit),
            )
        return [
            NoticeFailure(
                report_id=row[0], chat_id=row[1], audience=row[2], error=row[3], at=from_db(row[4])
            )
            for row in rows
        ]

    async def next_due(self) -> datetime | None:
        async with self._db.read() as conn:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT MIN(not_before) FROM report_notices WHERE status = 'pending'"
                )
            )
        return from_db(rows[0][0]) if rows and rows[0][0] else None

    async def _set(self, notice_id: int, assignments: str, *params: object) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                f"UPDATE report_notices SET {assignments} WHERE id = ?", (*params, notice_id)
            )
