"""Survey results as grouped numbers: every GROUP BY of aggregation and exports lives here.

Aggregation is split in two (see :mod:`surveys.stats`): SQLite counts and sums over indexed
tables, and pure functions turn the sums into figures. This module is the first half. Each
query returns a few rows per (area, question, value) whatever the number of respondents, so
memory stays bounded; only :meth:`ResultStore.raw_answers` returns one row per answer, and it
streams them in chunks.

Every figure is grouped by the area snapshot of the response (``responses.area_id``), because
the overall figure is the sum of the per-area ones and small-area suppression needs both from
the same numbers.

:class:`BulkWriter` is the other direction: fast ``executemany`` inserts of whole residents,
responses and answers for the synthetic demo data and the benchmark; the bot itself never
writes through it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from surveys.models import Area
from surveys.store.db import Database

__all__ = [
    "AnswerCell",
    "AreaCount",
    "BulkWriter",
    "IndexCell",
    "InvitationCount",
    "KnownArea",
    "MeanIndexSpec",
    "NumberCell",
    "PickCell",
    "RawAnswer",
    "ResultStore",
    "ScaledItem",
    "ShareIndexSpec",
    "invite_purpose",
]


def invite_purpose(round_id: int) -> str:
    """The outbox purpose of a round's invitations: one row per invited resident."""
    return f"invite:{round_id}"


class _Grouped(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KnownArea(Area):
    """An area and whether the configuration still lists it (``active``)."""

    active: bool


class InvitationCount(_Grouped):
    """Outbox rows of a round's invitations: all of them, those Telegram accepted, and the
    delivered ones whose resident completed the round."""

    invited: int
    delivered: int
    responded: int


class AreaCount(_Grouped):
    """Responses of one area in a round: started (every response) and completed."""

    area_id: str | None
    started: int
    completed: int


class AnswerCell(_Grouped):
    """How many answers of one area and question fall in one group.

    Exactly one of these describes the group: ``code`` (a single choice), ``value`` (the stored
    number of a likert5, scale or yes_no answer), ``skipped`` (an optional question skipped);
    with none of them the group holds answers without either (multi, text, and ``number``
    questions, whose values are in :class:`NumberCell`).
    """

    area_id: str | None
    question_id: str
    code: str | None
    value: float | None
    skipped: bool
    count: int


class NumberCell(_Grouped):
    """Count, sum and sum of squares of one area's answers to a ``number`` question."""

    area_id: str | None
    question_id: str
    n: int
    total: float
    total_sq: float


class PickCell(_Grouped):
    """How many responses of one area picked ``code`` on a multi question."""

    area_id: str | None
    question_id: str
    code: str
    count: int


@dataclass(frozen=True)
class ScaledItem:
    """One item of a mean_rescaled index: ``(num - low) / span * 100``, flipped if reversed."""

    question_id: str
    low: float
    span: float
    reversed: bool = False


@dataclass(frozen=True)
class MeanIndexSpec:
    """A mean_rescaled index: a respondent counts with at least ``required`` answered items."""

    key: str
    items: tuple[ScaledItem, ...]
    required: int


@dataclass(frozen=True)
class ShareIndexSpec:
    """A share_agree index: a respondent agrees when the item's number is >= ``threshold``."""

    key: str
    question_id: str
    threshold: float


class IndexCell(_Grouped):
    """Per-respondent index values of one area, summed: ``n``, ``Σv``, ``Σv²``, and for a
    share_agree index the number who agree (``successes``; values are then 0 or 100)."""

    area_id: str | None
    key: str
    n: int
    total: float
    total_sq: float
    successes: int


class RawAnswer(NamedTuple):
    """One stored answer with what an export may say about its response (no Telegram ids)."""

    round_id: int
    response_id: int
    pseudonym: str
    area_id: str | None
    status: str
    started_at: str
    completed_at: str | None
    question_id: str
    value_json: str
    is_text: bool


# Group markers of answers without a code or a number; choice codes are lowercase.
_SKIPPED = "SKIPPED"
_ANSWERED = "ANSWERED"


# Grouping by a constant still costs SQLite a sort key per row, so without areas the area
# column is selected as NULL but left out of the GROUP BY.
_AREA_KEY = "r.area_id, "


def _marks(count: int) -> str:
    return ", ".join("?" * count)


class ResultStore:
    """Grouped numbers of survey rounds, read in a few GROUP BY queries each."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def areas(self) -> list[KnownArea]:
        """Every area ever configured, in configured order (answers keep their old area)."""
        async with (
            self._db.read() as conn,
            conn.execute("SELECT id, name, population, active FROM areas ORDER BY rowid") as cur,
        ):
            rows = await cur.fetchall()
        return [
            KnownArea(id=row[0], name=row[1], population=row[2], active=bool(row[3]))
            for row in rows
        ]

    async def invitations(self, round_id: int) -> InvitationCount:
        """Invitations queued for the round, delivered, and followed by a completed response."""
        purpose = invite_purpose(round_id)
        async with self._db.read() as conn:
            async with conn.execute(
                "SELECT COUNT(*), TOTAL(status = 'sent') FROM outbox WHERE purpose = ?",
                (purpose,),
            ) as cursor:
                sent = await cursor.fetchone()
            async with conn.execute(
                "SELECT COUNT(*) FROM responses r JOIN outbox o ON o.purpose = ? "
                "AND o.resident_id = r.resident_id AND o.status = 'sent' "
                "WHERE r.round_id = ? AND r.status = 'completed'",
                (purpose, round_id),
            ) as cursor:
                responded = await cursor.fetchone()
        assert sent is not None and responded is not None
        return InvitationCount(
            invited=int(sent[0]), delivered=int(sent[1]), responded=int(responded[0])
        )

    async def respondents(self, round_id: int) -> list[AreaCount]:
        """Started and completed responses per area snapshot (``None``: no area)."""
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT area_id, COUNT(*), TOTAL(status = 'completed') FROM responses "
                "WHERE round_id = ? GROUP BY area_id ORDER BY area_id",
                (round_id,),
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        return [AreaCount(area_id=r[0], started=int(r[1]), completed=int(r[2])) for r in rows]

    async def median_completion_seconds(self, round_id: int, completed: int) -> float | None:
        """Median of ``completed_at - started_at`` over the ``completed`` completed responses.

        SQLite's date functions keep milliseconds, so the result is exact to about 1 ms. Only
        the one or two middle values leave the database.
        """
        if completed <= 0:
            return None
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT (julianday(completed_at) - julianday(started_at)) * 86400.0 AS d "
                "FROM responses WHERE round_id = ? AND status = 'completed' "
                "ORDER BY d LIMIT ? OFFSET ?",
                (round_id, 2 - completed % 2, (completed - 1) // 2),
            ) as cursor,
        ):
            middle = [float(row[0]) for row in await cursor.fetchall()]
        return sum(middle) / len(middle) if middle else None

    async def answer_cells(
        self, round_id: int, number_ids: Sequence[str], *, by_area: bool = True
    ) -> list[AnswerCell]:
        """Answers of the round counted per area, question and answer.

        One sort key says what the answer is (a marker that no choice code can equal, a code,
        or a number), because SQLite's GROUP BY sorts every row and narrow rows sort fastest.
        ``number_ids`` (questions of type ``number``) are only counted here: their values may
        all differ, see :meth:`number_cells`. Without ``by_area`` every cell has area None,
        which is what trends need and sorts faster still.
        """
        sql = (
            f"SELECT {'r.area_id' if by_area else 'NULL'}, a.question_id, "
            f"CASE WHEN a.value = 'null' THEN '{_SKIPPED}' "
            f"WHEN a.question_id IN ({_marks(len(number_ids))}) THEN '{_ANSWERED}' "
            f"ELSE COALESCE(a.code, a.num, '{_ANSWERED}') END AS answer, COUNT(*) "
            "FROM responses r JOIN answers a ON a.response_id = r.id WHERE r.round_id = ? "
            f"GROUP BY {_AREA_KEY if by_area else ''}a.question_id, answer"
        )
        async with (
            self._db.read() as conn,
            conn.execute(sql, (*number_ids, round_id)) as cursor,
        ):
            rows = await cursor.fetchall()
        cells = []
        for area_id, question_id, answer, count in rows:
            marker = answer if answer in (_SKIPPED, _ANSWERED) else None
            cells.append(
                AnswerCell(
                    area_id=area_id,
                    question_id=question_id,
                    code=answer if isinstance(answer, str) and marker is None else None,
                    value=float(answer) if isinstance(answer, int | float) else None,
                    skipped=marker == _SKIPPED,
                    count=count,
                )
            )
        return cells

    async def number_cells(
        self, round_id: int, number_ids: Sequence[str], *, by_area: bool = True
    ) -> list[NumberCell]:
        """Count, sum and sum of squares of the answers to ``number`` questions per area."""
        if not number_ids:
            return []
        sql = (
            f"SELECT {'r.area_id' if by_area else 'NULL'}, a.question_id, COUNT(a.num), "
            "TOTAL(a.num), TOTAL(a.num * a.num) "
            "FROM responses r JOIN answers a ON a.response_id = r.id "
            f"WHERE r.round_id = ? AND a.question_id IN ({_marks(len(number_ids))}) "
            f"AND a.num IS NOT NULL GROUP BY {_AREA_KEY if by_area else ''}a.question_id"
        )
        async with (
            self._db.read() as conn,
            conn.execute(sql, (round_id, *number_ids)) as cursor,
        ):
            rows = await cursor.fetchall()
        return [
            NumberCell(area_id=r[0], question_id=r[1], n=r[2], total=r[3], total_sq=r[4])
            for r in rows
        ]

    async def pick_cells(self, round_id: int, *, by_area: bool = True) -> list[PickCell]:
        """Picks of multi questions per area (None without ``by_area``), question and code."""
        async with (
            self._db.read() as conn,
            conn.execute(
                f"SELECT {'r.area_id' if by_area else 'NULL'}, p.question_id, p.code, COUNT(*) "
                "FROM responses r JOIN answer_picks p ON p.response_id = r.id "
                f"WHERE r.round_id = ? GROUP BY {_AREA_KEY if by_area else ''}2, 3",
                (round_id,),
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        return [PickCell(area_id=r[0], question_id=r[1], code=r[2], count=r[3]) for r in rows]

    async def index_cells(
        self, round_id: int, means: Sequence[MeanIndexSpec], shares: Sequence[ShareIndexSpec]
    ) -> list[IndexCell]:
        """Per-respondent index values, computed in SQL and summed per area.

        The inner query turns each response's item answers into one index value per index
        (the rule of :func:`surveys.engine.index_values`: mean of the rescaled answered items
        when at least ``required`` are answered; agree when the item is >= the threshold); the
        outer query sums them per area. Nothing per respondent leaves SQLite.
        """
        if not means and not shares:
            return []
        inner: list[str] = []
        outer: list[str] = []
        inner_params: list[object] = []
        outer_params: list[object] = []
        items: list[str] = []
        for number, mean in enumerate(means):
            cases, counts = [], []
            for item in mean.items:
                scaled = "MIN(100.0, MAX(0.0, (a.num - ?) / ? * 100.0))"
                cases.append(f"WHEN ? THEN {'100.0 - ' if item.reversed else ''}{scaled}")
                counts.append("WHEN ? THEN 1")
                inner_params.extend([item.question_id, item.low, item.span])
                items.append(item.question_id)
            inner_params.extend(item.question_id for item in mean.items)
            inner.append(f"TOTAL(CASE a.question_id {' '.join(cases)} END) AS s{number}")
            inner.append(f"COUNT(CASE a.question_id {' '.join(counts)} END) AS k{number}")
            ok = f"k{number} >= ?"
            outer.append(
                f"COUNT(CASE WHEN {ok} THEN 1 END), "
                f"TOTAL(CASE WHEN {ok} THEN s{number} / k{number} END), "
                f"TOTAL(CASE WHEN {ok} THEN (s{number} / k{number}) * (s{number} / k{number}) END)"
            )
            outer_params.extend([mean.required] * 3)
        for number, share in enumerate(shares):
            inner.append(f"MAX(CASE WHEN a.question_id = ? THEN a.num >= ? END) AS g{number}")
            inner_params.extend([share.question_id, share.threshold])
            items.append(share.question_id)
            outer.append(f"COUNT(g{number}), TOTAL(g{number})")
        distinct = sorted(set(items))
        sql = (
            f"SELECT area_id, {', '.join(outer)} FROM ("
            f"SELECT r.area_id AS area_id, {', '.join(inner)} "
            "FROM responses r JOIN answers a ON a.response_id = r.id "
            "WHERE r.round_id = ? AND a.num IS NOT NULL "
            f"AND a.question_id IN ({_marks(len(distinct))}) "
            # (area, status, id) is the order of the responses_round_area index: no sorting.
            "GROUP BY r.area_id, r.status, r.id) GROUP BY area_id"
        )
        params = (*outer_params, *inner_params, round_id, *distinct)
        async with self._db.read() as conn, conn.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
        cells: list[IndexCell] = []
        for row in rows:
            column = 1
            for mean in means:
                n, total, total_sq = row[column : column + 3]
                cells.append(
                    IndexCell(
                        area_id=row[0],
                        key=mean.key,
                        n=n,
                        total=total,
                        total_sq=total_sq,
                        successes=0,
                    )
                )
                column += 3
            for share in shares:
                n, agree = row[column : column + 2]
                cells.append(
                    IndexCell(
                        area_id=row[0],
                        key=share.key,
                        n=n,
                        total=agree * 100.0,
                        total_sq=agree * 10000.0,
                        successes=int(agree),
                    )
                )
                column += 2
        return cells

    async def raw_answers(
        self, round_id: int, *, include_text: bool, chunk: int = 5000
    ) -> AsyncGenerator[list[RawAnswer], None]:
        """Every answer of the round with its response's pseudonym, area and times, in chunks.

        Rows come in index order (resident, then question id), so SQLite streams them without
        sorting; a chunk of at most ``chunk`` rows is in memory at a time. Text answers are left
        out unless ``include_text``. Telegram ids, chat ids and names are never selected. The
        database stays locked for this store's other users until the iteration ends.
        """
        sql = (
            "SELECT r.round_id, r.id, p.pseudonym, r.area_id, r.status, r.started_at, "
            "r.completed_at, a.question_id, a.value, a.is_text "
            "FROM responses r JOIN residents p ON p.id = r.resident_id "
            "JOIN answers a ON a.response_id = r.id "
            "WHERE r.round_id = ? AND (a.is_text = 0 OR ?) "
            "ORDER BY r.round_id, r.resident_id, a.question_id"
        )
        async with self._db.read() as conn, conn.execute(sql, (round_id, include_text)) as cursor:
            while True:
                rows = await cursor.fetchmany(chunk)
                if not rows:
                    return
                yield [
                    RawAnswer(
                        round_id=row[0],
                        response_id=row[1],
                        pseudonym=row[2],
                        area_id=row[3],
                        status=row[4],
                        started_at=row[5],
                        completed_at=row[6],
                        question_id=row[7],
                        value_json=row[8],
                        is_text=bool(row[9]),
                    )
                    for row in rows
                ]


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
