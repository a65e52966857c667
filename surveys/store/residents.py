"""Residents: onboarding progress, stop/resume, reachability and erasure."""

from __future__ import annotations

import secrets
from typing import Any

import aiosqlite

from surveys.clock import from_db, now_db
from surveys.errors import NotFoundError
from surveys.models import OnboardingStep, Resident
from surveys.store.db import Database

_COLUMNS = (
    "id, pseudonym, telegram_user_id, chat_id, language, area_id, step, consented_at, "
    "stopped_at, unreachable_at, forgotten_at"
)


def new_pseudonym() -> str:
    """A random handle for exports: it links answers together, never to a person."""
    return "r-" + secrets.token_hex(6)


def _resident(row: Any) -> Resident:
    def moment(key: str) -> Any:
        return from_db(row[key]) if row[key] else None

    return Resident(
        id=row["id"],
        pseudonym=row["pseudonym"],
        telegram_user_id=row["telegram_user_id"],
        chat_id=row["chat_id"],
        language=row["language"],
        area_id=row["area_id"],
        step=row["step"],
        consented_at=moment("consented_at"),
        stopped_at=moment("stopped_at"),
        unreachable_at=moment("unreachable_at"),
        forgotten_at=moment("forgotten_at"),
    )


class ResidentStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_telegram_id(self, telegram_user_id: int) -> Resident | None:
        async with self._db.read() as conn:
            return await _fetch(conn, "telegram_user_id = ?", telegram_user_id)

    async def get(self, resident_id: int) -> Resident:
        async with self._db.read() as conn:
            resident = await _fetch(conn, "id = ?", resident_id)
        if resident is None:
            raise NotFoundError(f"resident {resident_id} does not exist")
        return resident

    async def register(self, telegram_user_id: int, chat_id: int, language: str) -> Resident:
        """Return the resident for this Telegram user, creating a fresh one if needed."""
        now = now_db()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO residents (pseudonym, telegram_user_id, chat_id, language, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (telegram_user_id) DO UPDATE SET chat_id = excluded.chat_id",
                (new_pseudonym(), telegram_user_id, chat_id, language, now, now),
            )
            resident = await _fetch(conn, "telegram_user_id = ?", telegram_user_id)
        assert resident is not None
        return resident

    async def consent(self, resident_id: int, next_step: OnboardingStep) -> Resident:
        return await self._update(
            resident_id, "consented_at = COALESCE(consented_at, ?), step = ?", now_db(), next_step
        )

    async def set_language(
        self, resident_id: int, language: str, next_step: OnboardingStep | None = None
    ) -> Resident:
        if next_step is None:
            return await self._update(resident_id, "language = ?", language)
        return await self._update(resident_id, "language = ?, step = ?", language, next_step)

    async def set_area(
        self, resident_id: int, area_id: str, next_step: OnboardingStep | None = None
    ) -> Resident:
        if next_step is None:
            return await self._update(resident_id, "area_id = ?", area_id)
        return await self._update(resident_id, "area_id = ?, step = ?", area_id, next_step)

    async def delete_unconsented(self, resident_id: int) -> None:
        """Someone who declined consent leaves no row behind."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM residents WHERE id = ? AND consented_at IS NULL", (resident_id,)
            )

    async def stop(self, resident_id: int) -> Resident:
        return await self._update(resident_id, "stopped_at = COALESCE(stopped_at, ?)", now_db())

    async def resume(self, resident_id: int) -> Resident:
        """Undo /stop; a resident who talks to the bot again is reachable again too."""
        return await self._update(
            resident_id, "stopped_at = NULL, unreachable_at = NULL, unreachable_reason = NULL"
        )

    async def mark_unreachable(self, resident_id: int, reason: str) -> None:
        await self._update(
            resident_id,
            "unreachable_at = COALESCE(unreachable_at, ?), unreachable_reason = ?",
            now_db(),
            reason[:200],
        )

    async def forget(self, resident_id: int) -> None:
        """Erase what identifies the resident: Telegram ids, queued messages and free text.

        Ratings and choices stay for the statistics, under a pseudonym that now links to nobody.
        """
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE residents SET telegram_user_id = NULL, chat_id = NULL, "
                "forgotten_at = ?, updated_at = ?, stopped_at = NULL, unreachable_at = NULL, "
                "unreachable_reason = NULL WHERE id = ?",
                (now_db(), now_db(), resident_id),
            )
            await conn.execute(
                "DELETE FROM outbox WHERE resident_id = ? AND status IN ('pending', 'sending')",
                (resident_id,),
            )
            # Answers to events go: the place is freed for the waiting list (the event clock
            # promotes the next resident).
            await conn.execute("DELETE FROM rsvps WHERE resident_id = ?", (resident_id,))
            # Free text may name the person; ratings and choices stay, linked to nobody.
            await conn.execute(
                "DELETE FROM answers WHERE is_text = 1 AND response_id IN "
                "(SELECT id FROM responses WHERE resident_id = ?)",
                (resident_id,),
            )
            # A report being written goes; made reports stay for the partnership to act on,
            # but nobody may contact their (now unknown) reporter.
            await conn.execute("DELETE FROM report_drafts WHERE resident_id = ?", (resident_id,))
            await conn.execute(
                "UPDATE reports SET contact_ok = 0 WHERE resident_id = ?", (resident_id,)
            )

    async def count_by_area(self) -> dict[str, int]:
        """Onboarded, linked residents per area (for coordinators; suppression is theirs)."""
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT area_id, COUNT(*) FROM residents WHERE telegram_user_id IS NOT NULL "
                "AND step = 'done' AND area_id IS NOT NULL GROUP BY area_id"
            ) as cursor,
        ):
            return {row[0]: row[1] for row in await cursor.fetchall()}

    async def _update(self, resident_id: int, assignments: str, *params: object) -> Resident:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE residents SET {assignments}, updated_at = ? WHERE id = ?",
                (*params, now_db(), resident_id),
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"resident {resident_id} does not exist")
            resident = await _fetch(conn, "id = ?", resident_id)
        assert resident is not None
        return resident


async def _fetch(conn: aiosqlite.Connection, where: str, value: object) -> Resident | None:
    # one thread hop instead of three (execute, fetch, close): this runs for every update
    rows = list(
        await conn.execute_fetchall(f"SELECT {_COLUMNS} FROM residents WHERE {where}", (value,))
    )
    return _resident(rows[0]) if rows else None
