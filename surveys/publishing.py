"""Results for staff: headline reports of the latest rounds and exports, off the event loop.

The use cases behind ``/results``, ``/export``, the "You said, we did" digest and the
``feedbackbot export`` command. Statistics, charts and file writing are CPU work, and their
libraries (scipy, matplotlib) take seconds to import. The bot imports them once at start-up
(:func:`preload`); reports run in a worker thread and exports in a low-priority child process
(:mod:`surveys.export.process`), each on a read-only snapshot of the database, so residents
answering a survey meanwhile are never kept waiting, and the bot's one write connection is never
held by a long read. This module itself imports nothing heavy.

Every export is recorded in the audit log with who asked for it and what it contained.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from surveys.clock import utcnow
from surveys.errors import NotFoundError
from surveys.models import Role, Round
from surveys.registry import SurveyRegistry
from surveys.store import Store

if TYPE_CHECKING:
    from surveys.aggregate import RoundReport
    from surveys.export import ExportRequest, ExportResult, MethodFacts

__all__ = [
    "FILE_SUFFIXES",
    "ExportChoice",
    "ExportFormat",
    "InChatExport",
    "Publishing",
    "export_name",
    "preload",
    "record_export",
]

ExportFormat = Literal["xlsx", "csv", "json"]
FILE_SUFFIXES: dict[ExportFormat, str] = {"xlsx": ".xlsx", "csv": ".zip", "json": ".json"}
"""File ending of an export sent as a file (a csv export is one zip); the order of the
format buttons."""

NoteRenderer = Callable[["MethodFacts"], list[str]]


async def _module(name: str) -> Any:
    """Import a heavy module in a worker thread (the first import of scipy takes seconds)."""
    return await asyncio.to_thread(importlib.import_module, name)


async def preload() -> None:
    """Import the statistics, charts and export writers (about 2 s of work that holds the
    interpreter lock) at start-up, before any update is fetched: otherwise the first /results or
    /export would make every resident wait for it, worker thread or not."""
    await _module("surveys.export")


@dataclass(frozen=True)
class ExportChoice:
    """Something /export offers: one round (``round_id``) or every round of a survey."""

    survey_key: str
    title: dict[str, str]
    round_id: int | None = None


@dataclass(frozen=True)
class InChatExport:
    """Files written for a chat, a chart if there is one, and the latest round's report."""

    files: list[Path]
    chart: Path | None
    report: RoundReport


def export_name(survey_key: str, round_id: int | None, moment: datetime, zone: ZoneInfo) -> str:
    """``community-trust-safety_round-3_2025-05-01``: survey, round (or all-rounds), date."""
    which = f"round-{round_id}" if round_id is not None else "all-rounds"
    return f"{survey_key}_{which}_{moment.astimezone(zone):%Y-%m-%d}"


async def record_export(
    store: Store, request: ExportRequest, result: ExportResult, *, role: Role, user_id: int | None
) -> None:
    """The audit entry of an export: who, what, how many answers, where."""
    await store.audit.record(
        role=role,
        user_id=user_id,
        action="export",
        allowed=True,
        detail={
            "format": request.format,
            "rounds": result.rounds,
            "raw_rounds": result.facts.raw_rounds,
            "survey": result.facts.survey_key,
            "include_text": request.include_text,
            "raw_rows": result.raw_rows,
            "out": str(request.out),
            "charts": str(request.charts) if request.charts else None,
        },
    )


class Publishing:
    """Reports and exports of the bot's database for staff."""

    def __init__(
        self,
        store: Store,
        registry: SurveyRegistry,
        min_group_size: int,
        zone: ZoneInfo,
        note: NoteRenderer,
    ) -> None:
        self._store = store
        self._registry = registry
        self._min = min_group_size
        self._zone = zone
        self._note = note

    async def reportable(self) -> list[Round]:
        """Open and closed rounds, newest first."""
        rounds = await self._store.rounds.find(["open", "closed"])
        return sorted(rounds, key=lambda r: (r.opens_at, r.id), reverse=True)

    async def latest(self, language: str, limit: int) -> list[RoundReport]:
        """Reports of the ``limit`` latest rounds (aggregates only, small groups suppressed)."""
        return await self.reports([r.id for r in (await self.reportable())[:limit]], language)

    async def reports(self, round_ids: Sequence[int], language: str) -> list[RoundReport]:
        """Reports of the given rounds in ``language`` (``NotFoundError`` for an unknown one),
        computed in a worker thread on one read-only snapshot."""
        aggregate = await _module("surveys.aggregate")

        def work() -> list[RoundReport]:
            with self._store.results.snapshot() as reader:
                rounds = [aggregate.round_of(reader, round_id) for round_id in round_ids]
                reports: list[RoundReport] = aggregate.reports_of(
                    reader, rounds, min_group_size=self._min, language=language
                )
                return reports

        return await asyncio.to_thread(work)

    async def export_choices(self, limit: int) -> list[ExportChoice]:
        """The latest ``limit`` rounds, then each of their surveys as a whole."""
        choices: list[ExportChoice] = []
        surveys: dict[str, ExportChoice] = {}
        for round_ in (await self.reportable())[:limit]:
            definition = await self._registry.definition(round_.survey_version_id)
            title = dict(definition.title)
            choices.append(ExportChoice(round_.survey_key, title, round_.id))
            surveys.setdefault(round_.survey_key, ExportChoice(round_.survey_key, title))
        return choices + list(surveys.values())

    async def export(
        self,
        *,
        round_id: int | None,
        survey_key: str | None,
        format: ExportFormat,
        language: str,
        folder: Path,
        role: Role,
        user_id: int | None,
    ) -> InChatExport:
        """Write the export and its charts into ``folder``, named after the survey, the round
        and the date, and audit it as ``role``; NotFoundError if nothing matches (a button from
        before a round or survey was removed)."""
        exporting = await _module("surveys.export")
        if round_id is not None:
            key = (await self._store.rounds.get(round_id)).survey_key
        elif survey_key is not None and survey_key in self._registry.survey_keys():
            key = survey_key
        else:
            raise NotFoundError(f"no survey {survey_key!r}")
        stem = export_name(key, round_id, utcnow(), self._zone)
        request = exporting.ExportRequest(
            out=folder / f"{stem}{FILE_SUFFIXES[format]}",
            format=format,
            min_group_size=self._min,
            method_note=self._note,
            round_id=round_id,
            survey_key=None if round_id is not None else key,
            language=language,
            charts=folder / "charts",
            time_zone=self._zone,
        )
        in_process = await _module("surveys.export.process")
        result: ExportResult = await in_process.export_in_process(self._store.db.path, request)
        await record_export(self._store, request, result, role=role, user_id=user_id)
        return InChatExport(result.files, next(iter(result.charts), None), result.latest)
