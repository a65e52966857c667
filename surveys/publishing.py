"""Results for staff in chat: headline reports of the latest rounds and in-chat exports.

Reports and exports read many rows and do CPU work (statistics, XLSX, charts), so they run in
a worker thread with a connection of their own: the bot's event loop keeps serving residents
meanwhile. The heavy libraries are imported there too, never at bot start-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from surveys.errors import NotFoundError
from surveys.models import Role, Round
from surveys.registry import SurveyRegistry
from surveys.store import Store

if TYPE_CHECKING:
    from surveys.aggregate import RoundReport

T = TypeVar("T")
ExportFormat = Literal["xlsx", "csv", "json"]
FILE_NAMES: dict[ExportFormat, str] = {
    "xlsx": "export.xlsx",
    "csv": "export.zip",
    "json": "export.json",
}


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


class Publishing:
    def __init__(
        self, store: Store, registry: SurveyRegistry, database: Path, min_group_size: int
    ) -> None:
        self._store = store
        self._registry = registry
        self._database = database
        self._min = min_group_size

    async def reportable(self) -> list[Round]:
        """Open and closed rounds, newest first."""
        rounds = await self._store.rounds.find(["open", "closed"])
        return sorted(rounds, key=lambda r: (r.opens_at, r.id), reverse=True)

    async def latest(self, language: str, limit: int) -> list[RoundReport]:
        """Reports of the ``limit`` latest rounds (aggregates only, small groups suppressed)."""
        return await self.reports([r.id for r in (await self.reportable())[:limit]], language)

    async def reports(self, round_ids: list[int], language: str) -> list[RoundReport]:
        """Reports of the given rounds, in ``language``."""
        return await self._off_loop(lambda store: self._reports(store, round_ids, language))

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
        """Write the export into ``folder`` (audited as ``role``); NotFoundError if nothing
        matches (a button from before a round or survey was removed)."""
        from surveys.aggregate import round_report
        from surveys.export import ExportRequest, run_export

        if survey_key is not None and survey_key not in self._registry.survey_keys():
            raise NotFoundError(f"no survey {survey_key!r}")
        request = ExportRequest(
            out=folder / FILE_NAMES[format],
            format=format,
            min_group_size=self._min,
            round_id=round_id,
            survey_key=survey_key,
            language=language,
            charts=folder / "charts",
            actor_role=role,
            actor_user_id=user_id,
        )

        async def work(store: Store) -> InChatExport:
            result = await run_export(store, request)
            report = await round_report(
                store, result.rounds[-1], min_group_size=self._min, language=language
            )
            return InChatExport(result.files, next(iter(result.charts), None), report)

        return await self._off_loop(work)

    async def _reports(self, store: Store, ids: list[int], language: str) -> list[RoundReport]:
        from surveys.aggregate import round_report

        return [
            await round_report(store, i, min_group_size=self._min, language=language) for i in ids
        ]

    async def _off_loop(self, work: Callable[[Store], Awaitable[T]]) -> T:
        """Run ``work`` in a worker thread with its own connection to the database."""

        async def in_thread() -> T:
            store = await Store.open(self._database)
            try:
                return await work(store)
            finally:
                await store.close()

        return await asyncio.to_thread(asyncio.run, in_thread())
