"""Survey results as grouped numbers: every GROUP BY of reports and exports lives here.

Aggregation is split in two (see :mod:`surveys.stats`): SQLite counts and sums over indexed
tables, and pure functions turn the sums into figures. This module is the first half. Each
query returns a few rows per (area, question, value) whatever the number of respondents, so
memory stays bounded; only :meth:`ResultReader.raw_responses` returns one row per response, and
it streams them in chunks.

Reports and exports read through a :class:`ResultReader` on a read-only connection of their
own (:meth:`ResultStore.snapshot`), in a worker thread: SQLite in WAL mode lets it read beside
the bot's one write connection, nobody waits for a long export, and every query of one report
or export sees the same snapshot of the database.

Every figure is grouped by the area snapshot of the response (``responses.area_id``), because
the overall figure is the sum of the per-area ones and small-group suppression needs both from
the same numbers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeAlias

from pydantic import BaseModel, ConfigDict

from surveys.models import Area, Round, RoundProgress, RoundStatus
from surveys.store.db import Database
from surveys.store.event_results import EventResultReader
from surveys.store.rounds import (
    _SELECT as _ROUND_SELECT,
)
from surveys.store.rounds import (
    PROGRESS_QUERIES,
    _round,
    progress_from_rows,
    progress_params,
)

__all__ = [
    "QUESTION_SEPARATOR",
    "VALUE_SEPARATOR",
    "AnswerCell",
    "IndexCell",
    "KnownArea",
    "MeanIndexSpec",
    "NumberCell",
    "PickCell",
    "RawResponse",
    "ResultReader",
    "ResultStore",
    "ScaledItem",
    "ShareIndexSpec",
]


class _Grouped(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KnownArea(Area):
    """An area and whether the configuration still lists it (``active``)."""

    active: bool


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


QUESTION_SEPARATOR = "\x1f"
VALUE_SEPARATOR = "\x1e"
RawResponse: TypeAlias = tuple[int, int, str | None, str, str, str | None, str | None, str | None]
"""A response as a plain row (no Telegram ids): its id, the resident id, the area snapshot,
status, started_at, completed_at, its answers' question ids and their stored JSON (see
:meth:`ResultReader.raw_responses`)."""

_RECORD = "\x1d"
_FIELD = "\x1c"
_PACKED_RESPONSES = (
    "SELECT group_concat(record, char(29)) FROM ("
    "SELECT r.id || char(28) || r.resident_id || char(28) || ifnull(r.area_id, '') "
    "|| char(28) || r.status || char(28) || r.started_at || char(28) "
    "|| ifnull(r.completed_at, '') || char(28) "
    "|| ifnull(group_concat(a.question_id, char(31)), '') || char(28) "
    "|| ifnull(group_concat(a.value, char(30)), '') AS record "
    "FROM responses r LEFT JOIN answers a ON a.response_id = r.id AND (a.is_text = 0 OR ?) "
    # +round_id: walk the id range (no sort for GROUP BY), not the round_id index
    "WHERE r.id BETWEEN ? AND ? AND +r.round_id = ? GROUP BY r.id ORDER BY r.id)"
)


def _unpacked(fields: list[str]) -> RawResponse:
    """One packed record of :meth:`ResultReader.raw_responses` as a row (empty is NULL)."""
    rid, resident, area, status, started, completed, ids, values = fields
    return (
        int(rid),
        int(resident),
        area or None,
        status,
        started,
        completed or None,
        ids or None,
        values or None,
    )


# Group markers of answers without a code or a number; choice codes are lowercase.
_SKIPPED = "SKIPPED"
_ANSWERED = "ANSWERED"


# Grouping by a constant still costs SQLite a sort key per row, so without areas the area
# column is selected as NULL but left out of the GROUP BY.
_AREA_KEY = "r.area_id, "


def _marks(count: int) -> str:
    return ", ".join("?" * count)


class ResultStore:
    """Opens read-only snapshots of the bot's database for reports and exports."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @contextmanager
    def snapshot(self) -> Iterator[ResultReader]:
        """A reader on its own read-only connection, in one read transaction
        (:meth:`Database.read_sync`): every query sees the database as it was at the first
        one. Use it in one thread (a worker thread: the queries block)."""
        with self._db.read_sync() as conn:
            conn.row_factory = None  # plain tuples: the raw export reads millions of rows
            yield ResultReader(conn)


class ResultReader:
    """Grouped numbers of survey rounds, read in a few GROUP BY queries each (synchronous)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def events(self) -> EventResultReader:
        """The events' feedback figures (issue 13), read on this same snapshot."""
        return EventResultReader(self._conn)

    def areas(self) -> list[KnownArea]:
        """Every area ever configured, in configured order (answers keep their old area)."""
        rows = self._conn.execute(
            "SELECT id, name, population, active FROM areas ORDER BY rowid"
        ).fetchall()
        return [
            KnownArea(id=row[0], name=row[1], population=row[2], active=bool(row[3]))
            for row in rows
        ]

    def round(self, round_id: int) -> Round | None:
        rows = self._conn.execute(f"{_ROUND_SELECT} WHERE r.id = ?", (round_id,)).fetchall()
        return _round(rows[0]) if rows else None

    def rounds(self, survey_key: str, statuses: Sequence[RoundStatus]) -> list[Round]:
        """Rounds of one survey key in the given statuses, oldest first."""
        rows = self._conn.execute(
            f"{_ROUND_SELECT} WHERE v.key = ? AND r.status IN ({_marks(len(statuses))}) "
            "ORDER BY r.opens_at, r.id",
            (survey_key, *statuses),
        ).fetchall()
        return [_round(row) for row in rows]

    def recent_rounds(self, statuses: Sequence[RoundStatus], limit: int) -> list[Round]:
        """The ``limit`` most recently opening rounds in the given statuses, newest first."""
        rows = self._conn.execute(
            f"{_ROUND_SELECT} WHERE r.status IN ({_marks(len(statuses))}) "
            "ORDER BY r.opens_at DESC, r.id DESC LIMIT ?",
            (*statuses, limit),
        ).fetchall()
        return [_round(row) for row in rows]

    def survey_keys(self) -> list[str]:
        """Every survey ever registered, by key."""
        rows = self._conn.execute("SELECT DISTINCT key FROM survey_versions ORDER BY key")
        return [key for (key,) in rows]

    def survey_known(self, survey_key: str) -> bool:
        """Whether any version of the survey was ever registered."""
        row = self._conn.execute(
            "SELECT 1 FROM survey_versions WHERE key = ? LIMIT 1", (survey_key,)
        ).fetchone()
        return row is not None

    def definition_json(self, version_id: int) -> str:
        row = self._conn.execute(
            "SELECT definition FROM survey_versions WHERE id = ?", (version_id,)
        ).fetchone()
        if row is None:
            raise LookupError(f"survey version {version_id} does not exist")
        return str(row[0])

    def progress(self, round_id: int) -> RoundProgress:
        """Invitations and responses per area, counted as the bot's store counts them."""
        params = progress_params(round_id)
        return progress_from_rows(
            *(self._conn.execute(sql, params).fetchall() for sql in PROGRESS_QUERIES)
        )

    def median_completion_seconds(self, round_id: int, completed: int) -> float | None:
        """Median of ``completed_at - started_at`` over the ``completed`` completed responses.

        Exact: times are stored as ISO 8601 with microseconds, so the difference is taken in
        whole seconds (``strftime('%s')``) plus the microsecond digits, as an integer. Only the
        one or two middle values leave the database.
        """
        if completed <= 0:
            return None
        micros = (
            "(CAST(strftime('%s', {0}) AS INTEGER) * 1000000 + CAST(substr({0}, 21, 6) AS INTEGER))"
        )
        rows = self._conn.execute(
            f"SELECT {micros.format('completed_at')} - {micros.format('started_at')} AS d "
            "FROM responses WHERE round_id = ? AND status = 'completed' "
            "ORDER BY d LIMIT ? OFFSET ?",
            (round_id, 2 - completed % 2, (completed - 1) // 2),
        ).fetchall()
        middle = [int(row[0]) for row in rows]
        return sum(middle) / len(middle) / 1_000_000 if middle else None

    def answer_cells(self, round_id: int, number_ids: Sequence[str]) -> list[AnswerCell]:
        """Answers of the round counted per area, question and answer.

        One sort key says what the answer is (a marker that no choice code can equal, a code,
        or a number), because SQLite's GROUP BY sorts every row and narrow rows sort fastest.
        ``number_ids`` (questions of type ``number``) are only counted here: their values may
        all differ, see :meth:`number_cells`.
        """
        sql = (
            "SELECT r.area_id, a.question_id, "
            f"CASE WHEN a.value = 'null' THEN '{_SKIPPED}' "
            f"WHEN a.question_id IN ({_marks(len(number_ids))}) THEN '{_ANSWERED}' "
            f"ELSE COALESCE(a.code, a.num, '{_ANSWERED}') END AS answer, COUNT(*) "
            "FROM responses r JOIN answers a ON a.response_id = r.id WHERE r.round_id = ? "
            "GROUP BY r.area_id, a.question_id, answer"
        )
        cells = []
        for area_id, question_id, answer, count in self._conn.execute(sql, (*number_ids, round_id)):
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

    def number_cells(self, round_id: int, number_ids: Sequence[str]) -> list[NumberCell]:
        """Count, sum and sum of squares of the answers to ``number`` questions per area."""
        if not number_ids:
            return []
        sql = (
            "SELECT r.area_id, a.question_id, COUNT(a.num), TOTAL(a.num), TOTAL(a.num * a.num) "
            "FROM responses r JOIN answers a ON a.response_id = r.id "
            f"WHERE r.round_id = ? AND a.question_id IN ({_marks(len(number_ids))}) "
            "AND a.num IS NOT NULL GROUP BY r.area_id, a.question_id"
        )
        return [
            NumberCell(area_id=r[0], question_id=r[1], n=r[2], total=r[3], total_sq=r[4])
            for r in self._conn.execute(sql, (round_id, *number_ids))
        ]

    def pick_cells(self, round_id: int) -> list[PickCell]:
        """Picks of multi questions per area, question and code."""
        rows = self._conn.execute(
            "SELECT r.area_id, p.question_id, p.code, COUNT(*) "
            "FROM responses r JOIN answer_picks p ON p.response_id = r.id "
            "WHERE r.round_id = ? GROUP BY r.area_id, 2, 3",
            (round_id,),
        )
        return [PickCell(area_id=r[0], question_id=r[1], code=r[2], count=r[3]) for r in rows]

    def index_cells(
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
        rows = self._conn.execute(sql, params).fetchall()
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

    def raw_responses(
        self, round_id: int, *, include_text: bool, chunk: int = 2_000
    ) -> Iterator[list[RawResponse]]:
        """Every response of the round with its answers, one row per response, in response
        order, in chunks of at most ``chunk`` responses (memory holds one chunk).

        A response's answers come as two strings built by SQLite: the question ids joined by
        :data:`QUESTION_SEPARATOR` and their stored JSON, in the same order, joined by
        :data:`VALUE_SEPARATOR` (both None without answers). The answers are read in
        primary-key order with no sort (the responses by id range, the round checked per row).
        Text answers are left out unless ``include_text``. Telegram ids, chat ids, names and
        the residents' stored pseudonyms are never selected; the resident id is for the caller
        to replace by a release pseudonym.

        Speed: each chunk (a window of ``chunk`` response ids) is one query that returns one
        string, its responses' fields packed by SQLite (:data:`_RECORD`, :data:`_FIELD`; an
        empty field is NULL) and split here. A query step is one long stretch without the
        interpreter lock, so a reader thread (:func:`surveys.export.background.read_ahead`)
        runs it on another core while the export formats rows; one step per row would hand
        the lock back and forth hundreds of thousands of times. The separators are control
        characters, which neither an id, a stored time nor JSON text (RFC 8259 escapes them)
        can hold. SQLite concatenates the ordered subquery's rows in their order.
        """
        low, high = self._conn.execute(
            "SELECT MIN(id), MAX(id) FROM responses WHERE round_id = ?", (round_id,)
        ).fetchone()
        if low is None:
            return
        for start in range(low, high + 1, chunk):
            (packed,) = self._conn.execute(
                _PACKED_RESPONSES, (include_text, start, min(start + chunk - 1, high), round_id)
            ).fetchone()
            if packed:
                yield [_unpacked(record.split(_FIELD)) for record in packed.split(_RECORD)]
