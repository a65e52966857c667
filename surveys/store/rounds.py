"""Survey rounds: a version, an audience and a period; opened and closed over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from surveys.clock import from_db, now_db, to_db
from surveys.errors import NotFoundError, RoundError
from surveys.models import Round, RoundStatus
from surveys.store.db import Database

_SELECT = (
    "SELECT r.id, r.survey_version_id, v.key, r.status, r.opens_at, r.closes_at, r.opened_at, "
    "r.closed_at, (SELECT group_concat(area_id, ',') FROM round_areas a WHERE a.round_id = r.id) "
    "FROM rounds r JOIN survey_versions v ON v.id = r.survey_version_id"
)


def _round(row: Mapping[str, Any] | Sequence[Any]) -> Round:
    values = tuple(row)
    return Round(
        id=values[0],
        survey_version_id=values[1],
        survey_key=values[2],
        status=values[3],
        opens_at=from_db(values[4]),
        closes_at=from_db(values[5]) if values[5] else None,
        opened_at=from_db(values[6]) if values[6] else None,
        closed_at=from_db(values[7]) if values[7] else None,
        area_ids=sorted(values[8].split(",")) if values[8] else [],
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
    ) -> Round:
        if closes_at is not None and closes_at <= opens_at:
            raise RoundError("a round must close after it opens")
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO rounds (survey_version_id, opens_at, closes_at, created_at) "
                "VALUES (?, ?, ?, ?)",
                (
                    survey_version_id,
                    to_db(opens_at),
                    to_db(closes_at) if closes_at else None,
                    now_db(),
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

    async def close(self, round_id: int) -> Round:
        return await self._move(round_id, "closed", ("open",), "closed_at")

    async def cancel(self, round_id: int) -> Round:
        return await self._move(round_id, "cancelled", ("scheduled", "open"), "closed_at")

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

    async def open_for_area(self, area_id: str | None) -> list[Round]:
        """Open rounds whose audience includes ``area_id``."""
        return [r for r in await self.find(["open"]) if r.includes(area_id)]

    async def _move(
        self, round_id: int, status: RoundStatus, allowed_from: Sequence[str], stamp: str
    ) -> Round:
        async with self._db.transaction() as conn:
            current = await _fetch(conn, round_id)
            if current.status not in allowed_from:
                raise RoundError(f"round {round_id} is {current.status}; cannot become {status}")
            await conn.execute(
                f"UPDATE rounds SET status = ?, {stamp} = ? WHERE id = ?",
                (status, now_db(), round_id),
            )
            return await _fetch(conn, round_id)


async def _fetch(conn: aiosqlite.Connection, round_id: int | None) -> Round:
    async with conn.execute(f"{_SELECT} WHERE r.id = ?", (round_id,)) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise NotFoundError(f"round {round_id} does not exist")
    return _round(row)
