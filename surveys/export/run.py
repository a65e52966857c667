"""One export from request to files: select rounds, report, release, write, chart.

The whole export runs synchronously in one worker thread on one read-only snapshot of the
database (:meth:`surveys.store.results.ResultStore.snapshot`): the tables and the raw answers
come from the same moment, the bot's write connection is never held, and the CPU work
(statistics, writing, charts) stays off the event loop. Progress and the audit entry are the
caller's (:func:`run_export` takes a progress callback; :mod:`surveys.publishing` records audits).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from surveys.aggregate import RoundReport, reports_of, round_of, rounds_of
from surveys.charts import area_chart, question_chart, trend_chart
from surveys.clock import utcnow
from surveys.definitions import SurveyDefinition
from surveys.errors import ExportError, NotFoundError
from surveys.export.columns import REPORT_TABLES, RESPONSES, Table
from surveys.export.csv_writer import CsvWriter
from surveys.export.events import event_tables
from surveys.export.json_writer import EXPORT_FORMAT, FORMAT_VERSION, JsonWriter, schema_path
from surveys.export.method import MethodFacts, method_facts
from surveys.export.pseudonyms import Pseudonyms
from surveys.export.raw import WideLayout, plan_release, responses
from surveys.export.tables import (
    area_figure_rows,
    area_rows,
    codebook,
    index_rows,
    question_rows,
    summary_rows,
    trend_rows,
)
from surveys.export.writer import Progress, Writer
from surveys.export.xlsx_writer import XlsxWriter
from surveys.models import Round
from surveys.store import Store
from surveys.store.results import ResultReader
from surveys.trend import Trend, build_trend

__all__ = [
    "EXTENSIONS",
    "ExportFormat",
    "ExportRequest",
    "ExportResult",
    "NoteRenderer",
    "chart_stem",
    "check_outputs",
    "export",
    "run_export",
]

ExportFormat = Literal["csv", "xlsx", "json"]
NoteRenderer = Callable[[MethodFacts], list[str]]
"""Turns the facts of a release into the lines of its method note (first line: a title)."""

EXTENSIONS: dict[ExportFormat, tuple[str, ...]] = {
    "csv": ("", ".zip"),
    "xlsx": (".xlsx",),
    "json": (".json",),
}
"""Allowed endings of ``out`` per format ("" is a folder for csv)."""


@dataclass(frozen=True)
class ExportRequest:
    """What to export: exactly one of ``round_id`` and ``survey_key``."""

    out: Path
    format: ExportFormat
    min_group_size: int
    method_note: NoteRenderer
    round_id: int | None = None
    survey_key: str | None = None
    since: datetime | None = None
    include_text: bool = False
    language: str | None = None
    charts: Path | None = None
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    def __post_init__(self) -> None:
        if (self.round_id is None) == (self.survey_key is None):
            raise ValueError("give exactly one of round_id and survey_key")
        if self.since is not None and self.round_id is not None:
            raise ValueError("since applies to a survey, not to one round")


@dataclass(frozen=True)
class ExportResult:
    """What was written, and what it says."""

    files: list[Path]
    rounds: list[int]
    raw_rows: int
    facts: MethodFacts
    latest: RoundReport
    charts: list[Path] = field(default_factory=list)


def check_outputs(request: ExportRequest) -> None:
    """``ExportError`` unless every output can be written: checked before anything is, so a
    bad ``charts`` folder does not leave a half-made export behind."""
    out = request.out
    allowed = EXTENSIONS[request.format]
    suffix = out.suffix.lower()
    if suffix not in allowed:
        wanted = " or ".join(f"'{s}'" if s else "a folder" for s in allowed)
        article = "an" if request.format == "xlsx" else "a"
        raise ExportError(f"--out {out}: {article} {request.format} export is written to {wanted}")
    folder_out = request.format == "csv" and suffix == ""
    if folder_out and out.exists() and not out.is_dir():
        raise ExportError(f"--out {out}: exists and is not a folder")
    if not folder_out and out.is_dir():
        raise ExportError(f"--out {out}: is a folder; name a file ending in {allowed[0]}")
    targets = [out]
    if request.format == "json":
        targets.append(schema_path(out))
    for target in targets:
        _check_parent(target, "--out")
    if request.charts is not None:
        if request.charts.exists() and not request.charts.is_dir():
            raise ExportError(f"--charts {request.charts}: exists and is not a folder")
        _check_parent(request.charts, "--charts")


def _check_parent(path: Path, option: str) -> None:
    """The nearest existing folder above ``path`` (created later) must be a folder."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ExportError(f"{option} {path}: {parent} is a file, not a folder")
            return


def _prepare(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)


def _select(reader: ResultReader, request: ExportRequest) -> tuple[list[Round], list[Round]]:
    """(rounds to export, rounds of the trend); ``NotFoundError`` for an unknown round/survey."""
    if request.round_id is not None:
        chosen = round_of(reader, request.round_id)
        try:
            history = rounds_of(reader, chosen.survey_key, until_round=chosen.id)
        except NotFoundError:  # the round is scheduled or cancelled: no other round to compare
            history = []
        history = [r for r in history if r.opens_at <= chosen.opens_at and r.id != chosen.id]
        return [chosen], [*history, chosen]
    assert request.survey_key is not None
    rounds = rounds_of(reader, request.survey_key, since=request.since)
    return rounds, rounds


def _writer(request: ExportRequest, head: dict[str, object]) -> Writer:
    zone = request.time_zone
    if request.format == "xlsx":
        return XlsxWriter(request.out, zone)
    if request.format == "json":
        return JsonWriter(request.out, zone, head)
    return CsvWriter(request.out, zone)


def export(
    reader: ResultReader, request: ExportRequest, progress: Progress | None = None
) -> ExportResult:
    """Write the export that ``request`` asks for (synchronous; see :func:`run_export`)."""
    check_outputs(request)
    exported, history = _select(reader, request)
    definitions = {
        r.survey_version_id: SurveyDefinition.from_stored(
            reader.definition_json(r.survey_version_id)
        )
        for r in history
    }
    all_reports = reports_of(
        reader, history, min_group_size=request.min_group_size, language=request.language
    )
    by_id = {report.summary.round_id: report for report in all_reports}
    reports = [by_id[r.id] for r in exported]
    trend = build_trend(all_reports)
    release = plan_release(
        exported,
        reports,
        [definitions[r.survey_version_id] for r in exported],
        request.min_group_size,
    )
    language = reports[-1].language
    released = [r.definition for r in release.rounds if r.released]
    layout = WideLayout.of(released, request.include_text)
    generated = utcnow()
    facts = method_facts(
        reports,
        trend,
        generated_at=generated,
        time_zone=request.time_zone.key,
        raw_rounds=[r.round.id for r in release.rounds if r.released],
        linked=release.linked,
        include_text=request.include_text,
    )
    exported_definitions = [definitions[r.survey_version_id] for r in exported]
    languages = list(dict.fromkeys(lang for d in exported_definitions for lang in d.title))
    book, book_rows = codebook(exported_definitions, languages)
    head: dict[str, object] = {
        "format": EXPORT_FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": generated.astimezone(request.time_zone).isoformat(),
        "survey_key": reports[-1].summary.survey_key,
        "language": language,
        "time_zone": request.time_zone.key,
        "min_group_size": request.min_group_size,
        "include_text": request.include_text,
    }
    _prepare(request.out)
    writer = _writer(request, head)
    wide = Table("respondents", "", layout.columns)
    extra = event_tables(
        reader.events(), [r.id for r in exported], request.min_group_size, language
    )
    tables: list[Table] = [book, *REPORT_TABLES, *(t for t, _ in extra), RESPONSES, wide]
    try:
        writer.readme(request.method_note(facts), tables)
        writer.table(book, book_rows)
        rows = {
            "summary": list(summary_rows(reports, release.status)),
            "questions": list(question_rows(reports)),
            "indices": list(index_rows(reports)),
            "areas": list(area_rows(reports)),
            "area_figures": list(area_figure_rows(reports)),
            "trend": list(trend_rows(trend)),
        }
        for table in REPORT_TABLES:
            writer.table(table, rows[table.name])
        for table, table_rows in extra:  # events' feedback rounds: per event and partner
            writer.table(table, table_rows)
        stream = responses(
            reader,
            release,
            language=language,
            layout=layout,
            pseudonyms=Pseudonyms(),
            zone=request.time_zone,
            include_text=request.include_text,
        )
        with closing(stream):  # its reader thread stops before the snapshot closes
            count = writer.responses(stream, layout, progress)
    finally:
        files = writer.close()
    charts = (
        write_charts(request.charts, reports[-1], trend, generated.astimezone(request.time_zone))
        if request.charts
        else []
    )
    return ExportResult(
        files=files,
        rounds=[r.id for r in exported],
        raw_rows=count,
        facts=facts,
        latest=reports[-1],
        charts=charts,
    )


def chart_stem(survey_key: str, round_id: int | None, day: datetime) -> str:
    """``community-trust-safety_round-3_2025-05-01`` (or ``_all-rounds_`` for a survey)."""
    which = f"round-{round_id}" if round_id is not None else "all-rounds"
    return f"{survey_key}_{which}_{day:%Y-%m-%d}"


def write_charts(folder: Path, report: RoundReport, trend: Trend, day: datetime) -> list[Path]:
    """One PNG per question and per index by area of the (last) round, and the index trend;
    named after the survey, the round and the date."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    stem = chart_stem(report.summary.survey_key, report.summary.round_id, day)
    caption = f"#{report.summary.round_id}, {report.summary.opens_at:%Y-%m-%d}"
    images: list[tuple[str, bytes | None]] = [
        ("trend", trend_chart(trend)),
        *((f"{index.key}-by-area", area_chart(report, index.key)) for index in report.indices),
        *(
            (q.question_id, question_chart(q, language=report.language, caption=caption))
            for q in report.questions
        ),
    ]
    for name, png in images:
        if png is None:
            continue
        path = folder / (
            f"{report.summary.survey_key}_trend_{day:%Y-%m-%d}.png"
            if name == "trend"
            else f"{stem}_{name}.png"
        )
        path.write_bytes(png)
        written.append(path)
    return written


async def run_export(
    store: Store, request: ExportRequest, progress: Progress | None = None
) -> ExportResult:
    """:func:`export` in a worker thread on a read-only snapshot of ``store``'s database.

    ``NotFoundError`` when the round or the survey's rounds do not exist; ``ExportError`` when
    an output cannot be written (nothing is written then).
    """

    def work() -> ExportResult:
        with store.results.snapshot() as reader:
            return export(reader, request, progress)

    return await asyncio.to_thread(work)
