"""Areas (neighbourhoods): configured in the settings, mirrored here for joins and history."""

from __future__ import annotations

from collections.abc import Sequence

from surveys.models import Area
from surveys.store.db import Database


class AreaStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def sync(self, areas: Sequence[Area]) -> None:
        """Make the table match the configuration; removed areas stay (answers refer to them)."""
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE areas SET active = 0")
            await conn.executemany(
                "INSERT INTO areas (id, name, population, active) VALUES (?, ?, ?, 1) "
                "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                "population = excluded.population, active = 1",
                [(area.id, area.name, area.population) for area in areas],
            )

    async def active(self) -> list[Area]:
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT id, name, population FROM areas WHERE active = 1 ORDER BY rowid"
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        return [Area(id=row[0], name=row[1], population=row[2]) for row in rows]
