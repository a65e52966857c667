"""Onboarding and membership decisions: consent, language, area, stop, resume, forget.

The bot calls these and renders whatever step the returned resident is at; all progress is in
the database, so a restart or a second device continues at the same step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from surveys.errors import StaleActionError
from surveys.models import OnboardingStep, Resident
from surveys.store import Store


@dataclass(frozen=True)
class StartResult:
    resident: Resident
    resumed: bool  # the resident had used /stop and is back


class Onboarding:
    def __init__(self, store: Store, languages: Sequence[str]) -> None:
        self._store = store
        self._languages = list(languages)

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

    async def choose_area(self, resident: Resident, area_id: str, *, in_settings: bool) -> Resident:
        areas = {area.id for area in await self._store.areas.active()}
        if area_id not in areas:
            raise StaleActionError(f"area {area_id!r} is not offered")
        if in_settings and resident.step == "done":
            return await self._store.residents.set_area(resident.id, area_id)
        if not in_settings and resident.step == "area":
            return await self._store.residents.set_area(resident.id, area_id, "done")
        raise StaleActionError("not choosing an area now")

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
