"""Bulk inserts of whole residents, rounds, responses and answers, for synthetic data.

The demo data generator and the benchmarks fill databases of hundreds of thousands of answers;
``executemany`` in large transactions does that in seconds. The bot itself never writes
through this module: it bypasses the answering rules on purpose, and callers produce rows that
follow them.
"""

from __future__ import annotations

from collections.abc import Sequence

from surveys.store.db import Database

__all__ = ["BulkWriter"]


class BulkWriter:
    """Inserts whole rows in large transactions, for synthetic data (demo and benchmarks).

    It bypasses the answering rules on purpose; callers produce rows that follow them.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    async def residents(self, rows: Sequence[tuple[object, ...]]) -> None:
        """(id, pseudonym, telegram_user_id, chat_id, language, area_id, consented_at,
        stopped_at, created_at) of onboarded residents."""
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO residents (id, pseudonym, telegram_user_id, chat_id, language, "
                "area_id, step, consented_at, stopped_at, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'done', ?, ?, ?, ?9)",
                rows,
            )

    async def round(
        self,
        survey_version_id: int,
        *,
        status: str,
        opens_at: str,
        closes_at: str | None,
        area_ids: Sequence[str] = (),
    ) -> int:
        """A round with its audience, stamped as opened (and closed) at its own times."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO rounds (survey_version_id, status, opens_at, closes_at, opened_at, "
                "closed_at, created_at) VALUES (?1, ?2, ?3, ?4, ?3, ?5, ?3)",
                (
                    survey_version_id,
                    status,
                    opens_at,
                    closes_at,
                    closes_at if status == "closed" else None,
                ),
            )
            round_id = cursor.lastrowid
            assert round_id is not None
            await conn.executemany(
                "INSERT INTO round_areas (round_id, area_id) VALUES (?, ?)",
                [(round_id, area_id) for area_id in area_ids],
            )
        return round_id

    async def results(
        self,
        *,
        outbox: Sequence[tuple[object, ...]],
        responses: Sequence[tuple[object, ...]],
        answers: Sequence[tuple[object, ...]],
        picks: Sequence[tuple[object, ...]],
    ) -> None:
        """One batch in one transaction.

        outbox: (purpose, resident_id, payload, status, created_at, sent_at);
        responses: (id, round_id, resident_id, survey_version_id, area_id, status, started_at,
        completed_at); answers: (response_id, question_id, value, num, code, is_text,
        answered_at); picks: (response_id, question_id, code).
        """
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO outbox (purpose, resident_id, payload, status, attempts, not_before, "
                "created_at, sent_at) VALUES (?, ?, ?, ?, 1, ?5, ?5, ?6)",
                outbox,
            )
            await conn.executemany(
                "INSERT INTO responses (id, round_id, resident_id, survey_version_id, area_id, "
                "status, revision, started_at, updated_at, completed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 1, ?7, COALESCE(?8, ?7), ?8)",
                responses,
            )
            await conn.executemany(
                "INSERT INTO answers (response_id, question_id, value, num, code, is_text, "
                "answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                answers,
            )
            await conn.executemany(
                "INSERT INTO answer_picks (response_id, question_id, code) VALUES (?, ?, ?)",
                picks,
            )
