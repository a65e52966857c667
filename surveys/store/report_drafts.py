"""Report drafts: one row per resident writing a report, so a restart resumes it exactly."""

from __future__ import annotations

import json
from typing import Any, TypedDict, cast

import aiosqlite

from surveys.clock import from_db, now_db
from surveys.errors import StaleActionError
from surveys.reports.models import DraftStep, Location, ReportDraft
from surveys.store.db import Database

_COLUMNS = (
    "id, resident_id, step, editing, category, area_id, latitude, longitude, located, "
    "description, photos, contact_ok, created_at, updated_at"
)


class DraftChanges(TypedDict, total=False):
    """The columns a use case may change; anything else is a programming error."""

    step: DraftStep
    editing: bool
    category: str | None
    area_id: str | None
    location: Location | None
    located: bool
    description: str | None
    photos: tuple[str, ...]
    contact_ok: bool | None


def _draft(row: Any) -> ReportDraft:
    location = (
        Location(latitude=row["latitude"], longitude=row["longitude"])
        if row["latitude"] is not None
        else None
    )
    return ReportDraft(
        id=row["id"],
        resident_id=row["resident_id"],
        step=row["step"],
        editing=bool(row["editing"]),
        category=row["category"],
        area_id=row["area_id"],
        location=location,
        located=bool(row["located"]),
        description=row["description"],
        photos=tuple(json.loads(row["photos"])),
        contact_ok=None if row["contact_ok"] is None else bool(row["contact_ok"]),
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
    )


def _columns(changes: DraftChanges) -> dict[str, object]:
    values: dict[str, object] = {}
    for key, value in changes.items():
        if key == "location":
            location = value if isinstance(value, Location) else None
            values["latitude"] = location.latitude if location else None
            values["longitude"] = location.longitude if location else None
        elif key == "photos":
            values["photos"] = json.dumps(list(cast(tuple[str, ...], value)))
        elif isinstance(value, bool):
            values[key] = int(value)
        else:
            values[key] = value
    return values


async def _fetch(conn: aiosqlite.Connection, where: str, value: int) -> ReportDraft | None:
    rows = list(
        await conn.execute_fetchall(f"SELECT {_COLUMNS} FROM report_drafts WHERE {where}", (value,))
    )
    return _draft(rows[0]) if rows else None


class ReportDraftStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def of_resident(self, resident_id: int) -> ReportDraft | None:
        async with self._db.read() as conn:
            return await _fetch(conn, "resident_id = ?", resident_id)

    async def start(self, resident_id: int, area_id: str | None) -> ReportDraft:
        """The resident's draft: the one in progress, or a new one at the category step."""
        now = now_db()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO report_drafts (resident_id, step, area_id, created_at, updated_at) "
                "VALUES (?, 'category', ?, ?, ?) ON CONFLICT (resident_id) DO NOTHING",
                (resident_id, area_id, now, now),
            )
            draft = await _fetch(conn, "resident_id = ?", resident_id)
        assert draft is not None
        return draft

    async def update(self, draft_id: int, changes: DraftChanges) -> ReportDraft:
        """Change the draft; one that no longer exists raises StaleActionError."""
        values = _columns(changes)
        assignments = ", ".join(f"{column} = :{column}" for column in values)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE report_drafts SET {assignments}, updated_at = :now WHERE id = :id",
                {**values, "now": now_db(), "id": draft_id},
            )
            if cursor.rowcount == 0:
                raise StaleActionError("the draft was submitted or cancelled")
            draft = await _fetch(conn, "id = ?", draft_id)
        assert draft is not None
        return draft

    async def delete(self, draft_id: int) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM report_drafts WHERE id = ?", (draft_id,))
            return cursor.rowcount == 1
