"""Responses and their answers, changed only under optimistic concurrency.

Every change names the revision it was based on; a change based on an older revision (a double
tap, a button from an earlier question, a second device) is refused and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import aiosqlite

from surveys.clock import from_db, now_db
from surveys.errors import NotFoundError
from surveys.models import AnswerRow, Response
from surveys.store.db import Database

_COLUMNS = (
    "id, round_id, resident_id, survey_version_id, area_id, status, revision, draft, message_id, "
    "started_at, completed_at, cursor"
)


def _response(row: Mapping[str, Any] | Sequence[Any]) -> Response:
    v = tuple(row)
    return Response(
        id=v[0],
        round_id=v[1],
        resident_id=v[2],
        survey_version_id=v[3],
        area_id=v[4],
        status=v[5],
        revision=v[6],
        draft=json.loads(v[7]) if v[7] else None,
        message_id=v[8],
        started_at=from_db(v[9]),
        completed_at=from_db(v[10]) if v[10] else None,
        cursor=v[11],
    )


class ResponseStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def start(
        self, round_id: int, resident_id: int, survey_version_id: int, area_id: str | None
    ) -> Response:
        """The resident's response to the round, created on first use."""
        now = now_db()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO responses (round_id, resident_id, survey_version_id, "
                "area_id, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (round_id, resident_id, survey_version_id, area_id, now, now),
            )
            response = await _fetch(conn, "round_id = ? AND resident_id = ?", round_id, resident_id)
        assert response is not None
        return response

    async def get(self, response_id: int) -> Response:
        async with self._db.read() as conn:
            response = await _fetch(conn, "id = ?", response_id)
        if response is None:
            raise NotFoundError(f"response {response_id} does not exist")
        return response

    async def for_resident(self, resident_id: int, round_id: int) -> Response | None:
        async with self._db.read() as conn:
            return await _fetch(conn, "round_id = ? AND resident_id = ?", round_id, resident_id)

    async def latest_in_progress(self, resident_id: int) -> Response | None:
        """The in-progress response whose question is on screen (not parked with "later")."""
        async with self._db.read() as conn:
            return await _fetch(
                conn,
                "resident_id = ? AND status = 'in_progress' AND message_id IS NOT NULL "
                "AND round_id IN "
                "(SELECT id FROM rounds WHERE status = 'open') ORDER BY updated_at DESC LIMIT 1",
                resident_id,
            )

    async def answers(self, response_id: int) -> dict[str, Any]:
        """Stored answers as JSON values (``None`` for a skipped question)."""
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT question_id, value FROM answers WHERE response_id = ?", (response_id,)
            )
        return {row[0]: json.loads(row[1]) for row in rows}

    async def save(
        self,
        response_id: int,
        expected_revision: int,
        rows: Sequence[AnswerRow],
        *,
        completed: bool,
        previous: Mapping[str, str] | None = None,
    ) -> Response | None:
        """Replace the answers with ``rows`` and bump the revision, in one transaction.

        ``previous`` (question id -> stored JSON value) is what the caller read under
        ``expected_revision``; every change of the answers bumps the revision, so when the
        revision still matches, writing only the differences gives the same result with fewer
        statements. Unchanged answers keep their row and ``answered_at`` either way.

        Returns None (and changes nothing) when the response moved on since
        ``expected_revision`` or was already completed.
        """
        now = now_db()
        async with self._db.transaction() as conn:
            response = await _update(
                conn,
                "revision = revision + 1, draft = NULL, cursor = NULL, updated_at = ?, "
                "status = ?, completed_at = ?",
                "id = ? AND revision = ? AND status = 'in_progress'",
                now,
                "completed" if completed else "in_progress",
                now if completed else None,
                response_id,
                expected_revision,
            )
            if response is None:
                return None
            if previous is None:
                await _replace_answers(conn, response_id, rows, now)
            else:
                await _change_answers(conn, response_id, rows, previous, now)
            return response

    async def set_draft(
        self, response_id: int, expected_revision: int, draft: list[str] | None
    ) -> Response | None:
        """Store multi-select picks before Done; None if the revision moved on."""
        async with self._db.transaction() as conn:
            return await _update(
                conn,
                "draft = ?, revision = revision + 1, updated_at = ?",
                "id = ? AND revision = ? AND status = 'in_progress'",
                json.dumps(draft) if draft is not None else None,
                now_db(),
                response_id,
                expected_revision,
            )

    async def set_cursor(
        self, response_id: int, expected_revision: int, cursor: str | None
    ) -> Response | None:
        """Show an earlier question (Back); None if the revision moved on."""
        async with self._db.transaction() as conn:
            return await _update(
                conn,
                "cursor = ?, draft = NULL, revision = revision + 1, updated_at = ?",
                "id = ? AND revision = ? AND status = 'in_progress'",
                cursor,
                now_db(),
                response_id,
                expected_revision,
            )

    async def set_message(self, response_id: int, message_id: int | None) -> None:
        """Remember the message that shows the current question, to edit it in place."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE responses SET message_id = ? WHERE id = ?", (message_id, response_id)
            )

    async def touch(self, response_id: int) -> None:
        """Mark the response as the one the resident works on now (for typed answers)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE responses SET updated_at = ? WHERE id = ?", (now_db(), response_id)
            )


# Each helper is one round trip to the database thread (aiosqlite runs every call there).


async def _fetch(conn: aiosqlite.Connection, where: str, *params: object) -> Response | None:
    rows = list(
        await conn.execute_fetchall(f"SELECT {_COLUMNS} FROM responses WHERE {where}", params)
    )
    return _response(rows[0]) if rows else None


async def _update(
    conn: aiosqlite.Connection, assignments: str, where: str, *params: object
) -> Response | None:
    """``UPDATE responses SET assignments WHERE where``; the row as changed, None if none was."""
    rows = list(
        await conn.execute_fetchall(
            f"UPDATE responses SET {assignments} WHERE {where} RETURNING {_COLUMNS}", params
        )
    )
    return _response(rows[0]) if rows else None


async def _replace_answers(
    conn: aiosqlite.Connection, response_id: int, rows: Sequence[AnswerRow], now: str
) -> None:
    """Make the stored answers exactly ``rows``, whatever is stored now."""
    keep = [row.question_id for row in rows]
    await conn.execute(
        f"DELETE FROM answers WHERE response_id = ? AND question_id NOT IN "
        f"({', '.join('?' * len(keep))})",
        (response_id, *keep),
    )
    await conn.execute("DELETE FROM answer_picks WHERE response_id = ?", (response_id,))
    await _upsert_answers(conn, response_id, rows, now)


async def _change_answers(
    conn: aiosqlite.Connection,
    response_id: int,
    rows: Sequence[AnswerRow],
    previous: Mapping[str, str],
    now: str,
) -> None:
    """Make the stored answers ``rows`` when ``previous`` is what is stored now."""
    keep = {row.question_id for row in rows}
    removed = [qid for qid in previous if qid not in keep]
    changed = [row for row in rows if previous.get(row.question_id) != row.value_json]
    if removed:
        await conn.execute(
            f"DELETE FROM answers WHERE response_id = ? AND question_id IN "
            f"({', '.join('?' * len(removed))})",
            (response_id, *removed),
        )
    # Picks belong to multi-select answers (stored as JSON lists); drop those being replaced.
    stale_picks = [
        qid
        for qid in [*removed, *(row.question_id for row in changed)]
        if qid in previous and isinstance(json.loads(previous[qid]), list)
    ]
    if stale_picks:
        await conn.execute(
            f"DELETE FROM answer_picks WHERE response_id = ? AND question_id IN "
            f"({', '.join('?' * len(stale_picks))})",
            (response_id, *stale_picks),
        )
    await _upsert_answers(conn, response_id, changed, now)


async def _upsert_answers(
    conn: aiosqlite.Connection, response_id: int, rows: Sequence[AnswerRow], now: str
) -> None:
    """Insert or update ``rows`` (an unchanged value keeps its row and ``answered_at``) and
    insert their picks, which the caller has deleted first."""
    if rows:
        await conn.executemany(
            "INSERT INTO answers (response_id, question_id, value, num, code, is_text, "
            "answered_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (response_id, question_id) "
            "DO UPDATE SET value = excluded.value, num = excluded.num, code = excluded.code, "
            "is_text = excluded.is_text, answered_at = excluded.answered_at "
            "WHERE answers.value IS NOT excluded.value",
            [
                (
                    response_id,
                    row.question_id,
                    row.value_json,
                    row.num,
                    row.code,
                    int(row.is_text),
                    now,
                )
                for row in rows
            ],
        )
    picks = [(response_id, row.question_id, code) for row in rows for code in row.picks]
    if picks:
        await conn.executemany(
            "INSERT INTO answer_picks (response_id, question_id, code) VALUES (?, ?, ?)", picks
        )
