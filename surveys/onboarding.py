"""Onboarding and membership decisions: consent, language, area, stop, resume, forget.

The bot calls these and renders whatever step the returned resident is at; all progress is in
the database, so a restart or a second device continues at the same step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from surveys.clock import utcnow
from surveys.errors import StaleActionError
from surveys.models import Area, OnboardingStep, Resident
from surveys.store import Store

# Invites a resident to the rounds open for their (new) area; returns how many were queued.
Newcomers = Callable[[Resident, datetime], Awaitable[int]]


@dataclass(frozen=True)
class StartResult:
    resident: Resident
    resumed: bool  # the resident had used /stop and is back


@dataclass(frozen=True)
class Where:
    """Where a resident stands: their row, and the areas on offer when they choose one."""

    resident: Resident
    areas: list[Area] = field(default_factory=list)


@dataclass(frozen=True)
class AreaChange:
    """A chosen area: the updated resident, the area's name, invitations queued for it."""

    resident: Resident
    area: Area
    invited: int


class Onboarding:
    def __init__(
        self, store: Store, languages: Sequence[str], newcomers: Newcomers | None = None
    ) -> None:
        self._store = store
        self._languages = list(languages)
        self._newcomers = newcomers

    async def where(self, resident: Resident) -> Where:
        """The resident's step, with the areas to choose from at the area step."""
        if resident.step == "area":
            return Where(resident, await self._store.areas.active())
        return Where(resident)

    async def areas(self, resident: Resident, *, in_settings: bool) -> list[Area]:
        """The areas to page through: at the area step, or from /settings once onboarded."""
        if resident.step != ("done" if in_settings else "area"):
            raise StaleActionError("not choosing an area now")
        return await self._store.areas.active()

    async def settings(self, resident: Resident) -> list[Area]:
        """What /settings shows: the areas (to name the resident's); onboarded residents only."""
        if not resident.onboarded:
            raise StaleActionError("settings come after onboarding")
        return await self._store.areas.active()

    async def start(self, telegram_user_id: int, chat_id: int, language: str) -> StartResult:
        existing = await self._store.residents.by_telegram_id(telegram_user_id)
        if existing is None:
            return StartResult(
                await self._store.residents.register(telegram_user_id, chat_id, language), False
            )
        if existing.stopped_at or existing.unreachable_at:
            return StartResult(await self._store.residents.resume(existing.id), True)
        return StartResult(existing, False)

    async def consent(self, resident: Resident, agreed: bool) -> Resident | None:
        """Record consent; a refusal deletes the never-consented row (None is returned)."""
        if resident.step != "consent":
            raise StaleActionError("consent was already given")
        if not agreed:
            await self._store.residents.delete_unconsented(resident.id)
            return None
        return await self._store.residents.consent(resident.id, self._after_consent())

    async def choose_language(self, resident: Resident, language: str) -> Resident:
        if language not in self._languages:
            raise StaleActionError(f"language {language!r} is not offered")
        if resident.step == "language":
            return await self._store.residents.set_language(resident.id, language, "area")
        if resident.step == "done":
            return await self._store.residents.set_language(resident.id, language)
        raise StaleActionError("not choosing a language now")

    async def choose_area(
        self, resident: Resident, area_id: str, *, in_settings: bool
    ) -> AreaChange:
        """Set the area and invite the resident to the rounds open there (joined or moved)."""
        areas = {area.id: area for area in await self._store.areas.active()}
        if area_id not in areas:
            raise StaleActionError(f"area {area_id!r} is not offered")
        if in_settings and resident.step == "done":
            updated = await self._store.residents.set_area(resident.id, area_id)
        elif not in_settings and resident.step == "area":
            updated = await self._store.residents.set_area(resident.id, area_id, "done")
        else:
            raise StaleActionError("not choosing an area now")
        invited = await self._newcomers(updated, utcnow()) if self._newcomers else 0
        return AreaChange(updated, areas[area_id], invited)

    async def stop(self, resident: Resident) -> bool:
        """Stop all messages; False if they were already stopped."""
        if resident.stopped_at is not None:
            return False
        await self._store.residents.stop(resident.id)
        return True

    async def forget(self, resident: Resident) -> None:
        await self._store.residents.forget(resident.id)

    def _after_consent(self) -> OnboardingStep:
        return "language" if len(self._languages) > 1 else "area"
