"""Survey definitions, versioned by content hash."""

from __future__ import annotations

from surveys.clock import now_db
from surveys.errors import NotFoundError
from surveys.models import SurveyVersion
from surveys.store.db import Database


class SurveyStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def register(self, key: str, content_hash: str, definition_json: str) -> SurveyVersion:
        """Store a definition unless this exact content is stored already; return its version."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO survey_versions (key, content_hash, definition, created_at) "
                "VALUES (?, ?, ?, ?)",
                (key, content_hash, definition_json, now_db()),
            )
            async with conn.execute(
                "SELECT id, key, content_hash, definition FROM survey_versions "
                "WHERE key = ? AND content_hash = ?",
                (key, content_hash),
            ) as cursor:
                row = await cursor.fetchone()
        assert row is not None
        return SurveyVersion(id=row[0], key=row[1], content_hash=row[2], definition_json=row[3])

    async def version(self, version_id: int) -> SurveyVersion:
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT id, key, content_hash, definition FROM survey_versions WHERE id = ?",
                (version_id,),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        if row is None:
            raise NotFoundError(f"survey version {version_id} does not exist")
        return SurveyVersion(id=row[0], key=row[1], content_hash=row[2], definition_json=row[3])

    async def versions(self, key: str) -> list[SurveyVersion]:
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT id, key, content_hash, definition FROM survey_versions WHERE key = ? "
                "ORDER BY id",
                (key,),
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        return [
            SurveyVersion(id=r[0], key=r[1], content_hash=r[2], definition_json=r[3]) for r in rows
        ]
