"""Exports of survey results: aggregate tables, anonymized raw answers and charts.

What is exported (one round, or every open/closed round of a survey key since a date):

================  ==========================================================================
table             rows
================  ==========================================================================
``summary``       one per round: invitations, responses, response rate, median time
``questions``     one per figure: an answer's share (``measure=share``), a mean, a top-2-box
                  share, or the count of a text question's answers (``measure=answers``)
``indices``       one per index and round, on 0-100 (share_agree indices in percent)
``areas``         one per area and round: ``published`` with its counts, or ``suppressed``
``area_figures``  the figures of ``questions`` and ``indices`` for every published area
``trend``         one per series and round: figure, change from the previous round, test
``responses``     the anonymized raw answers: pseudonym, area, round, question, answer, the
                  response's status and UTC start/completion times
================  ==========================================================================

Privacy. Nothing exported names a person: residents appear only by pseudonym, never by
Telegram id, chat id or name (those columns are never even read). Aggregate figures follow
:mod:`surveys.aggregate` (small areas suppressed, one suppressed set for every per-area table;
a round too small as a whole is withheld). The raw table writes the area of a response as
``(suppressed)`` when that area is suppressed in the round, so the raw rows cannot rebuild a
hidden area. Free-text answers, which may name people, are left out unless
``include_text`` is set.

Formats:

- **csv**: a folder with one UTF-8 file per table (``summary.csv``, ...), or a zip of them when
  the output path ends with ``.zip``. Shares are proportions (0-1); empty cells are None.
- **xlsx**: one sheet per table (openpyxl write-only workbook, so the raw sheet streams);
  raw answers continue on ``responses 2``, ... beyond Excel's 1,048,576 rows.
- **json**: one document validated by the :class:`ExportDocument` model; its JSON Schema
  (``ExportDocument.model_json_schema()``) is written beside it as ``<name>.schema.json``.
  ``reports`` holds a :class:`~surveys.aggregate.RoundReport` per round, ``trend`` the
  :class:`~surveys.aggregate.Trend`, ``responses`` one :class:`RawRecord` per answer with the
  answer as stored (code, list of codes, number, true/false, text, or null when skipped).

The raw answers stream from a database cursor in chunks straight into the file (csv writer,
openpyxl's write-only sheet, or JSON text), so memory does not grow with the number of answers.
Every export adds an entry to the audit log.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final, Literal, NamedTuple, Protocol, TypeAlias

from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict
from tqdm import tqdm

from surveys.aggregate import (
    IndexFigure,
    QuestionFigures,
    RoundReport,
    Trend,
    build_trend,
    survey_reports,
    survey_rounds,
)
from surveys.charts import index_trend_chart, question_chart
from surveys.clock import utcnow
from surveys.definitions import Question, SurveyDefinition
from surveys.errors import NotFoundError
from surveys.models import Role, Round
from surveys.stats import Mean, Share
from surveys.store import Store
from surveys.store.results import RawAnswer

__all__ = [
    "EXPORT_FORMAT",
    "SUPPRESSED",
    "TABLE_COLUMNS",
    "ExportDocument",
    "ExportFormat",
    "ExportRequest",
    "ExportResult",
    "RawRecord",
    "run_export",
]

ExportFormat = Literal["csv", "xlsx", "json"]
Cell: TypeAlias = str | int | float | None
Row: TypeAlias = tuple[Cell, ...]

EXPORT_FORMAT: Final = "community-feedback-bot/export"
SUPPRESSED = "(suppressed)"
"""What the raw table writes instead of the area of a suppressed area."""

XLSX_MAX_ROWS = 1_048_576

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "summary": (
        "round_id",
        "survey",
        "survey_version_id",
        "title",
        "status",
        "opens_at",
        "closes_at",
        "audience",
        "invited",
        "delivered",
        "started",
        "completed",
        "response_rate",
        "response_rate_low",
        "response_rate_high",
        "median_minutes",
        "withheld",
        "weighted",
    ),
    "questions": (
        "round_id",
        "question_id",
        "question",
        "type",
        "measure",
        "option",
        "option_label",
        "answered",
        "skipped",
        "n",
        "count",
        "value",
        "low",
        "high",
        "sd",
        "weighted_value",
        "weighted_low",
        "weighted_high",
    ),
    "indices": (
        "round_id",
        "index",
        "title",
        "method",
        "n",
        "agree",
        "value",
        "low",
        "high",
        "sd",
        "weighted_value",
        "weighted_low",
        "weighted_high",
    ),
    "areas": (
        "round_id",
        "area_id",
        "area",
        "population",
        "status",
        "respondents",
        "completed",
    ),
    "area_figures": (
        "round_id",
        "area_id",
        "area",
        "subject",
        "key",
        "measure",
        "option",
        "option_label",
        "n",
        "count",
        "value",
        "low",
        "high",
    ),
    "trend": (
        "subject",
        "key",
        "measure",
        "option",
        "label",
        "round_id",
        "opens_at",
        "n",
        "count",
        "value",
        "low",
        "high",
        "difference",
        "statistic",
        "p_value",
        "significant",
    ),
    "responses": (
        "round_id",
        "pseudonym",
        "area_id",
        "response_status",
        "started_at",
        "completed_at",
        "question_id",
        "question_type",
        "answer",
        "answer_label",
    ),
}
"""Columns of every table, in order (the csv header row and the first row of each sheet)."""


# --- the JSON document ------------------------------------------------------------------------


class RawRecord(BaseModel):
    """One answer in the raw table; ``answer`` is the stored value (None: skipped)."""

    model_config = ConfigDict(extra="forbid")

    round_id: int
    pseudonym: str
    area_id: str
    response_status: Literal["in_progress", "completed"]
    started_at: str
    completed_at: str | None
    question_id: str
    question_type: str
    answer: bool | int | float | str | list[str] | None
    answer_label: str | None


class ExportDocument(BaseModel):
    """The JSON export; ``responses`` comes last so it can be streamed."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["community-feedback-bot/export"] = EXPORT_FORMAT
    format_version: Literal[1] = 1
    generated_at: datetime
    survey_key: str
    language: str
    min_group_size: int
    include_text: bool
    reports: list[RoundReport]
    trend: Trend
    responses: list[RawRecord]


# --- request and result -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    """What to export: exactly one of ``round_id`` and ``survey_key``."""

    out: Path
    format: ExportFormat
    min_group_size: int
    round_id: int | None = None
    survey_key: str | None = None
    since: datetime | None = None
    include_text: bool = False
    language: str | None = None
    charts: Path | None = None
    progress: bool = False
    actor_role: Role = "cli"
    actor_user_id: int | None = None

    def __post_init__(self) -> None:
        if (self.round_id is None) == (self.survey_key is None):
            raise ValueError("give exactly one of round_id and survey_key")
        if self.since is not None and self.round_id is not None:
            raise ValueError("since applies to a survey, not to one round")


@dataclass(frozen=True)
class ExportResult:
    """What was written."""

    files: list[Path]
    rounds: list[int]
    raw_rows: int
    charts: list[Path] = field(default_factory=list)


# --- aggregate tables -------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _figure(estimate: Mean | Share | None, scale: float = 1.0) -> Row:
    """(n, count, value, low, high, sd) of a figure, scaled (indices: shares in percent)."""
    if estimate is None:
        return (None, None, None, None, None, None)

    def scaled(value: float | None) -> float | None:
        return None if value is None else value * scale

    if isinstance(estimate, Share):
        return (
            estimate.n,
            estimate.successes,
            scaled(estimate.value),
            scaled(estimate.low),
            scaled(estimate.high),
            None,
        )
    return (
        estimate.n,
        None,
        scaled(estimate.value),
        scaled(estimate.low),
        scaled(estimate.high),
        scaled(estimate.sd),
    )


def _weighted(estimate: Mean | Share | None, scale: float = 1.0) -> Row:
    return _figure(estimate, scale)[2:5]


def summary_rows(reports: Sequence[RoundReport]) -> Iterator[Row]:
    for report in reports:
        s = report.summary
        rate = s.response_rate
        yield (
            s.round_id,
            s.survey_key,
            s.survey_version_id,
            s.title,
            s.status,
            _iso(s.opens_at),
            _iso(s.closes_at),
            ",".join(s.audience) or "all",
            s.invited,
            s.delivered,
            s.started,
            s.completed,
            None if rate is None else rate.value,
            None if rate is None else rate.low,
            None if rate is None else rate.high,
            None if s.median_seconds is None else s.median_seconds / 60.0,
            _yes_no(s.withheld),
            _yes_no(report.weighted),
        )


def _question_figure_rows(question: QuestionFigures) -> Iterator[tuple[str, Row]]:
    """(measure, option, option_label, n, count, value, low, high, sd, weighted x3) per row."""
    for option in question.options:
        yield (
            "share",
            (
                option.code,
                option.label,
                *_figure(option.share)[:5],
                None,
                *_weighted(option.weighted),
            ),
        )
    if question.mean is not None:
        yield "mean", (None, None, *_figure(question.mean), *_weighted(question.weighted_mean))
    if question.top_box is not None:
        yield (
            "top_box",
            (None, None, *_figure(question.top_box), *_weighted(question.weighted_top_box)),
        )
    if not question.options and question.mean is None:
        yield (
            "answers",
            (None, None, question.answered, None, None, None, None, None, None, None, None),
        )


def question_rows(reports: Sequence[RoundReport]) -> Iterator[Row]:
    for report in reports:
        for question in report.questions:
            for measure, rest in _question_figure_rows(question):
                yield (
                    report.summary.round_id,
                    question.question_id,
                    question.text,
                    question.type,
                    measure,
                    rest[0],
                    rest[1],
                    question.answered,
                    question.skipped,
                    *rest[2:],
                )


def _index_scale(index: IndexFigure) -> float:
    return 100.0 if index.method == "share_agree" else 1.0


def index_rows(reports: Sequence[RoundReport]) -> Iterator[Row]:
    for report in reports:
        for index in report.indices:
            scale = _index_scale(index)
            n, agree, value, low, high, sd = _figure(index.estimate, scale)
            yield (
                report.summary.round_id,
                index.key,
                index.title,
                index.method,
                n,
                agree,
                value,
                low,
                high,
                sd,
                *_weighted(index.weighted, scale),
            )


def area_rows(reports: Sequence[RoundReport]) -> Iterator[Row]:
    for report in reports:
        for area in report.areas:
            yield (
                report.summary.round_id,
                area.area_id,
                area.name,
                area.population,
                "suppressed" if area.suppressed else "published",
                area.respondents,
                area.completed,
            )


def area_figure_rows(reports: Sequence[RoundReport]) -> Iterator[Row]:
    for report in reports:
        for area in report.areas:
            if area.suppressed:
                continue
            head = (report.summary.round_id, area.area_id, area.name)
            for question in area.questions:
                for measure, rest in _question_figure_rows(question):
                    yield (*head, "question", question.question_id, measure, *rest[:7])
            for index in area.indices:
                figure = _figure(index.estimate, _index_scale(index))
                yield (*head, "index", index.key, "index", None, None, *figure[:5])


def trend_rows(trend: Trend) -> Iterator[Row]:
    for series in trend.series:
        for point in series.points:
            scale = 100.0 if series.subject == "index" and isinstance(point.estimate, Share) else 1
            n, count, value, low, high, _ = _figure(point.estimate, scale)
            change = point.change
            test = None if change is None else change.test
            yield (
                series.subject,
                series.key,
                series.measure,
                series.option,
                series.label,
                point.round_id,
                _iso(point.opens_at),
                n,
                count,
                value,
                low,
                high,
                None if change is None or change.difference is None else change.difference * scale,
                None if test is None else test.statistic,
                None if test is None else test.p_value,
                None if test is None else _yes_no(test.significant),
            )


# --- raw answers ------------------------------------------------------------------------------


class _RoundContext:
    """What the raw rows of one round need: the definition, labels and the suppressed areas.

    Answers of choice and rating questions take few distinct values, so their decoded form
    and label are computed once per (question, stored JSON) and reused; numbers and text are
    decoded row by row, which keeps the cache small.
    """

    def __init__(
        self,
        round_id: int,
        definition: SurveyDefinition,
        language: str,
        hidden_areas: frozenset[str],
        include_text: bool,
    ) -> None:
        self.round_id = round_id
        self.language = language
        self.hidden_areas = hidden_areas
        self.include_text = include_text
        self._questions: dict[str, Question] = {q.id: q for q in definition.questions}
        self._positions = {q.id: n for n, q in enumerate(definition.questions)}
        self._last = len(definition.questions)
        self._decoded: dict[tuple[str, str], tuple[Any, str | None]] = {}

    def position(self, question_id: str) -> int:
        """Position in the definition (answers to unknown questions go last)."""
        return self._positions.get(question_id, self._last)

    def question(self, question_id: str) -> Question | None:
        return self._questions.get(question_id)

    def decode(self, question: Question | None, value_json: str) -> tuple[Any, str | None]:
        """(answer, label) of a stored answer."""
        if question is None or question.type in ("number", "text"):
            value = json.loads(value_json)
            return value, _answer_label(question, value, self.language)
        key = (question.id, value_json)
        decoded = self._decoded.get(key)
        if decoded is None:
            value = json.loads(value_json)
            decoded = (value, _answer_label(question, value, self.language))
            self._decoded[key] = decoded
        return decoded


def _answer_label(question: Question | None, value: Any, language: str) -> str | None:
    """The answer in words, in the export's language."""
    if value is None:
        return "(skipped)"
    return question.answer_label(value, language) if question is not None else None


class _Record(NamedTuple):
    """A :class:`RawRecord` without validation: built once per exported answer."""

    round_id: int
    pseudonym: str
    area_id: str
    response_status: str
    started_at: str
    completed_at: str | None
    question_id: str
    question_type: str
    answer: Any
    answer_label: str | None


def _records(context: _RoundContext, rows: Sequence[RawAnswer]) -> Iterator[_Record]:
    for row in rows:
        question = context.question(row.question_id)
        if question is not None and question.type == "text" and not context.include_text:
            continue  # skipped text questions are stored as JSON null, not as text
        value, answer_label = context.decode(question, row.value_json)
        area = "" if row.area_id is None else row.area_id
        yield _Record(
            round_id=row.round_id,
            pseudonym=row.pseudonym,
            area_id=SUPPRESSED if area in context.hidden_areas else area,
            response_status=row.status,
            started_at=row.started_at,
            completed_at=row.completed_at,
            question_id=row.question_id,
            question_type=question.type if question else "",
            answer=value,
            answer_label=answer_label,
        )


async def _raw_records(
    store: Store, context: _RoundContext, include_text: bool
) -> AsyncIterator[list[_Record]]:
    """Raw records of one round in chunks, each response's answers in question order.

    Rows arrive grouped by response; a response is held back until the next one starts, so
    its answers can be sorted by their position in the definition.
    """
    pending: list[RawAnswer] = []
    async with aclosing(
        store.results.raw_answers(context.round_id, include_text=include_text)
    ) as chunks:
        async for chunk in chunks:
            ready: list[RawAnswer] = []
            for row in chunk:
                if pending and pending[-1].response_id != row.response_id:
                    ready.extend(sorted(pending, key=lambda r: context.position(r.question_id)))
                    pending = []
                pending.append(row)
            if ready:
                yield list(_records(context, ready))
    if pending:
        yield list(
            _records(context, sorted(pending, key=lambda r: context.position(r.question_id)))
        )


def _raw_row(record: _Record) -> Row:
    answer = record.answer
    cell: Cell
    if isinstance(answer, list):
        cell = ";".join(answer)
    elif isinstance(answer, bool):
        cell = "yes" if answer else "no"
    else:
        cell = answer
    return (
        record.round_id,
        record.pseudonym,
        record.area_id,
        record.response_status,
        record.started_at,
        record.completed_at,
        record.question_id,
        record.question_type,
        cell,
        record.answer_label,
    )


# --- writers ----------------------------------------------------------------------------------


class _Sink(Protocol):
    def write(self, rows: Iterable[Row]) -> None: ...


class _TableWriter(Protocol):
    def table(self, name: str, rows: Iterable[Row]) -> None: ...
    def stream(self, name: str) -> _Sink: ...
    def close(self) -> list[Path]: ...


class _CsvSink:
    def __init__(self, handle: IO[str], name: str) -> None:
        self._writer = csv.writer(handle)
        self._writer.writerow(TABLE_COLUMNS[name])

    def write(self, rows: Iterable[Row]) -> None:
        self._writer.writerows(rows)


class _CsvFolder:
    """One csv file per table in a folder."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._folder = folder
        self._open: list[IO[str]] = []
        self._files: list[Path] = []

    def _handle(self, name: str) -> IO[str]:
        path = self._folder / f"{name}.csv"
        handle = path.open("w", encoding="utf-8", newline="")
        self._open.append(handle)
        self._files.append(path)
        return handle

    def table(self, name: str, rows: Iterable[Row]) -> None:
        with self._handle(name) as handle:
            _CsvSink(handle, name).write(rows)

    def stream(self, name: str) -> _Sink:
        return _CsvSink(self._handle(name), name)

    def close(self) -> list[Path]:
        for handle in self._open:
            handle.close()
        return list(self._files)


class _CsvZip:
    """The same csv files inside one zip; each entry is written as a stream."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self._entry: io.TextIOWrapper | None = None

    def _open(self, name: str) -> io.TextIOWrapper:
        self._finish()
        binary = self._zip.open(f"{name}.csv", "w", force_zip64=True)
        self._entry = io.TextIOWrapper(binary, encoding="utf-8", newline="")
        return self._entry

    def _finish(self) -> None:
        if self._entry is not None:
            self._entry.close()
            self._entry = None

    def table(self, name: str, rows: Iterable[Row]) -> None:
        _CsvSink(self._open(name), name).write(rows)
        self._finish()

    def stream(self, name: str) -> _Sink:
        return _CsvSink(self._open(name), name)

    def close(self) -> list[Path]:
        self._finish()
        self._zip.close()
        return [self._path]


class _SheetSink:
    """Appends to write-only sheets, opening ``name 2``, ... when Excel's row limit is hit."""

    def __init__(self, book: Workbook, name: str) -> None:
        self._book = book
        self._name = name
        self._number = 0
        self._rows = 0
        self._sheet: Any = None
        self._next_sheet()  # even an empty table gets its sheet and header

    def _next_sheet(self) -> None:
        self._number += 1
        title = self._name if self._number == 1 else f"{self._name} {self._number}"
        self._sheet = self._book.create_sheet(title)
        self._sheet.append(TABLE_COLUMNS[self._name])
        self._rows = 1

    def write(self, rows: Iterable[Row]) -> None:
        for row in rows:
            if self._rows >= XLSX_MAX_ROWS:
                self._next_sheet()
            self._sheet.append(row)
            self._rows += 1


class _Xlsx:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._book = Workbook(write_only=True)

    def table(self, name: str, rows: Iterable[Row]) -> None:
        _SheetSink(self._book, name).write(rows)

    def stream(self, name: str) -> _Sink:
        return _SheetSink(self._book, name)

    def close(self) -> list[Path]:
        self._book.save(self._path)
        return [self._path]


def _table_writer(request: ExportRequest) -> _TableWriter:
    if request.format == "xlsx":
        return _Xlsx(request.out)
    if request.out.suffix.lower() == ".zip":
        return _CsvZip(request.out)
    return _CsvFolder(request.out)


# --- the export -------------------------------------------------------------------------------


async def _select(store: Store, request: ExportRequest) -> tuple[list[Round], list[Round]]:
    """(rounds to export, rounds of the trend); ``NotFoundError`` for an unknown round/survey."""
    if request.round_id is not None:
        chosen = await store.rounds.get(request.round_id)
        try:
            history = await survey_rounds(store, chosen.survey_key, until_round=chosen.id)
        except NotFoundError:  # the round is scheduled or cancelled: no other round to compare
            history = []
        history = [r for r in history if r.opens_at <= chosen.opens_at and r.id != chosen.id]
        return [chosen], [*history, chosen]
    assert request.survey_key is not None
    rounds = await survey_rounds(store, request.survey_key, since=request.since)
    return rounds, rounds


async def run_export(store: Store, request: ExportRequest) -> ExportResult:
    """Write the export (and charts) that ``request`` asks for, then record it in the audit log.

    ``NotFoundError`` when the round or the survey's rounds do not exist.
    """
    exported, history = await _select(store, request)
    reports_by_id = {
        report.summary.round_id: report
        for report in await survey_reports(
            store, history, min_group_size=request.min_group_size, language=request.language
        )
    }
    reports = [reports_by_id[r.id] for r in exported]
    trend = build_trend([reports_by_id[r.id] for r in history])
    language = reports[-1].language
    contexts = []
    for round_, report in zip(exported, reports, strict=True):
        version = await store.surveys.version(round_.survey_version_id)
        contexts.append(
            _RoundContext(
                round_id=round_.id,
                definition=SurveyDefinition.from_stored(version.definition_json),
                language=language,
                hidden_areas=frozenset(a.area_id for a in report.areas if a.suppressed),
                include_text=request.include_text,
            )
        )
    expected = _expected_rows(reports, contexts, request.include_text)
    bar = tqdm(
        total=expected,
        desc="raw answers",
        unit="row",
        disable=not request.progress,
        leave=False,
    )
    try:
        if request.format == "json":
            files, raw_rows = await _write_json(
                store, request, reports, trend, contexts, language, bar
            )
        else:
            files, raw_rows = await _write_tables(store, request, reports, trend, contexts, bar)
    finally:
        bar.close()
    charts = _write_charts(request.charts, reports[-1], trend) if request.charts else []
    await store.audit.record(
        role=request.actor_role,
        user_id=request.actor_user_id,
        action="export",
        allowed=True,
        detail={
            "format": request.format,
            "rounds": [r.id for r in exported],
            "survey": exported[-1].survey_key,
            "include_text": request.include_text,
            "raw_rows": raw_rows,
            "out": str(request.out),
            "charts": str(request.charts) if request.charts else None,
        },
    )
    return ExportResult(
        files=files, rounds=[r.id for r in exported], raw_rows=raw_rows, charts=charts
    )


def _expected_rows(
    reports: Sequence[RoundReport], contexts: Sequence[_RoundContext], include_text: bool
) -> int | None:
    """Raw rows to come (for the progress bar), from the reports' answered/skipped counts."""
    total = 0
    for report in reports:
        if report.summary.withheld:
            return None
        total += sum(
            q.answered + q.skipped for q in report.questions if include_text or q.type != "text"
        )
    return total


async def _write_tables(
    store: Store,
    request: ExportRequest,
    reports: Sequence[RoundReport],
    trend: Trend,
    contexts: Sequence[_RoundContext],
    bar: tqdm[Any],
) -> tuple[list[Path], int]:
    writer = _table_writer(request)
    try:
        writer.table("summary", summary_rows(reports))
        writer.table("questions", question_rows(reports))
        writer.table("indices", index_rows(reports))
        writer.table("areas", area_rows(reports))
        writer.table("area_figures", area_figure_rows(reports))
        writer.table("trend", trend_rows(trend))
        sink = writer.stream("responses")
        count = 0
        for context in contexts:
            async for records in _raw_records(store, context, request.include_text):
                sink.write(_raw_row(record) for record in records)
                count += len(records)
                bar.update(len(records))
    finally:
        files = writer.close()
    return files, count


def schema_path(out: Path) -> Path:
    """Where the JSON Schema of a JSON export is written: ``<name>.schema.json`` beside it."""
    return out.with_name(f"{out.stem}.schema.json")


async def _write_json(
    store: Store,
    request: ExportRequest,
    reports: Sequence[RoundReport],
    trend: Trend,
    contexts: Sequence[_RoundContext],
    language: str,
    bar: tqdm[Any],
) -> tuple[list[Path], int]:
    head = ExportDocument(
        generated_at=utcnow(),
        survey_key=reports[-1].summary.survey_key,
        language=language,
        min_group_size=request.min_group_size,
        include_text=request.include_text,
        reports=list(reports),
        trend=trend,
        responses=[],
    ).model_dump_json()
    tail = '"responses":[]}'
    assert head.endswith(tail), "responses must be the last field of ExportDocument"
    request.out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with request.out.open("w", encoding="utf-8") as handle:
        handle.write(head[: -len(tail)] + '"responses":[')
        for context in contexts:
            async for records in _raw_records(store, context, request.include_text):
                for record in records:
                    handle.write(",\n" if count else "\n")
                    handle.write(json.dumps(record._asdict(), ensure_ascii=False))
                    count += 1
                bar.update(len(records))
        handle.write("\n]}\n")
    schema = schema_path(request.out)
    schema.write_text(
        json.dumps(ExportDocument.model_json_schema(), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return [request.out, schema], count


def _write_charts(folder: Path, report: RoundReport, trend: Trend) -> list[Path]:
    """One PNG per question of the (last) exported round, and the index trend."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    caption = f"#{report.summary.round_id}, {report.summary.opens_at:%Y-%m-%d}"
    for question in report.questions:
        png = question_chart(question, language=report.language, caption=caption)
        if png is not None:
            path = folder / f"round-{report.summary.round_id}-{question.question_id}.png"
            path.write_bytes(png)
            written.append(path)
    png = index_trend_chart(trend)
    if png is not None:
        path = folder / f"trend-{trend.survey_key}-indices.png"
        path.write_bytes(png)
        written.append(path)
    return written
