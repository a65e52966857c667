"""Grouped answers of the events' feedback rounds, read synchronously on one snapshot.

Used in a worker thread, by ``feedbackbot events results`` (through ``Database.run_read``) and
by the export (on the export's own snapshot), so both read the same numbers the same way.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any, Literal

from surveys.clock import from_db
from surveys.events.models import EventSummary, FeedbackTally, RsvpCounts

Grouping = Literal["event", "partner"]
_GROUP = {"event": "CAST(e.id AS TEXT)", "partner": "e.partner"}


class EventResultReader:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def with_feedback(self, round_ids: Sequence[int] | None = None) -> list[EventSummary]:
        """Events whose feedback round opened (among ``round_ids`` if given), soonest first,
        with their texts and answer counts."""
        rounds, params = self._rounds(round_ids)
        where = f"e.feedback_round_id IS NOT NULL{rounds}"
        rows = self._conn.execute(
            "SELECT e.id, e.status, e.starts_at, e.partner, e.capacity, e.feedback_round_id, "
            "(SELECT group_concat(area_id, ',') FROM event_areas a WHERE a.event_id = e.id), "
            "(SELECT json_group_object(language, title) FROM event_texts t "
            "WHERE t.event_id = e.id), "
            "(SELECT json_group_object(status, n) FROM (SELECT status, COUNT(*) AS n FROM rsvps "
            "v WHERE v.event_id = e.id GROUP BY status)) "
            f"FROM events e WHERE {where} ORDER BY e.starts_at, e.id",
            params,
        ).fetchall()
        return [
            EventSummary(
                event_id=row[0],
                status=row[1],
                starts_at=from_db(row[2]),
                partner=row[3],
                round_id=row[5],
                area_ids=sorted(row[6].split(",")) if row[6] else [],
                titles=_json(row[7]),
                counts=RsvpCounts(capacity=row[4], **_json(row[8])),
            )
            for row in rows
        ]

    def tallies(
        self, question_ids: Sequence[str], by: Grouping, round_ids: Sequence[int] | None = None
    ) -> list[FeedbackTally]:
        """Answers to ``question_ids`` of the feedback rounds, per event id or partner name."""
        group = _GROUP[by]
        marks = ", ".join("?" * len(question_ids))
        rounds, params = self._rounds(round_ids)
        rows = self._conn.execute(
            f"SELECT {group}, a.question_id, COUNT(*), COUNT(DISTINCT p.resident_id), "
            "SUM(a.num = 1), SUM(a.num >= 4), SUM(a.num), SUM(a.num * a.num) FROM events e "
            "JOIN responses p ON p.round_id = e.feedback_round_id JOIN answers a ON "
            f"a.response_id = p.id WHERE a.num IS NOT NULL AND a.question_id IN ({marks}) AND "
            f"{group} IS NOT NULL{rounds} GROUP BY 1, 2",
            (*question_ids, *params),
        ).fetchall()
        return [
            FeedbackTally(
                key=row[0],
                question_id=row[1],
                n=row[2],
                people=row[3],
                ones=row[4],
                top=row[5],
                total=row[6],
                total_sq=row[7],
            )
            for row in rows
        ]

    def respondents(
        self, by: Grouping, round_ids: Sequence[int] | None = None
    ) -> dict[str, tuple[int, int]]:
        """(responses with an answer, distinct residents) per event id or partner name."""
        group = _GROUP[by]
        rounds, params = self._rounds(round_ids)
        rows = self._conn.execute(
            f"SELECT {group}, COUNT(*), COUNT(DISTINCT p.resident_id) FROM events e "
            f"JOIN responses p ON p.round_id = e.feedback_round_id WHERE {group} IS NOT NULL"
            f"{rounds} AND EXISTS (SELECT 1 FROM answers a WHERE a.response_id = p.id) "
            "GROUP BY 1",
            params,
        ).fetchall()
        return {row[0]: (row[1], row[2]) for row in rows}

    @staticmethod
    def _rounds(round_ids: Sequence[int] | None) -> tuple[str, tuple[int, ...]]:
        if round_ids is None:
            return "", ()
        return f" AND e.feedback_round_id IN ({', '.join('?' * len(round_ids))})", tuple(round_ids)


def _json(text: str | None) -> dict[str, Any]:
    value = json.loads(text) if text else {}
    return value if isinstance(value, dict) else {}
