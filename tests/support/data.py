"""Seed the database behind a bot and look into it, through the store or plain ``sqlite3``."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterable
from datetime import timedelta

from bot.config import Settings
from bot.sandbox import BotApiEmulator, SimUser
from surveys.clock import utcnow
from surveys.models import Area
from surveys.registry import SurveyRegistry
from surveys.rounds import create_round
from surveys.store import Store
from tests.support import AREAS, SURVEY


async def onboarded(store: Store, user_id: int, area: str = "north", language: str = "en") -> int:
    """A resident who consented and picked an area, written through the store; their id."""
    resident = await store.residents.register(user_id, user_id, language)
    await store.residents.consent(resident.id, "area")
    await store.residents.set_area(resident.id, area, "done")
    return resident.id


async def seed(
    settings: Settings, emulator: BotApiEmulator, ids: Iterable[int], area: str
) -> list[SimUser]:
    """Onboarded residents written straight into the database (chat onboarding is tested
    elsewhere), each with a chat the emulator knows."""
    store = await Store.open(settings.database.path)
    try:
        await store.areas.sync([Area(**a) for a in AREAS])  # type: ignore[arg-type]
        users = []
        for user_id in ids:
            await onboarded(store, user_id, area)
            users.append(emulator.user(user_id))
        return users
    finally:
        await store.close()


async def plan(
    settings: Settings,
    *,
    opens_in: float = 0,
    closes_in: float = 3600,
    remind: tuple[float, ...] = (),
    areas: tuple[str, ...] = (),
) -> int:
    """Plan a round of the built-in survey ``opens_in`` seconds from now; its id."""
    store = await Store.open(settings.database.path)
    try:
        registry = SurveyRegistry(store, settings.community.languages)
        now = utcnow()
        round_ = await create_round(
            store,
            registry,
            SURVEY,
            opens_at=now + timedelta(seconds=opens_in),
            closes_at=now + timedelta(seconds=closes_in),
            area_ids=areas,
            remind_after=[timedelta(seconds=s) for s in remind],
            zone=settings.community.zone,
            # a negative opens_in: planned before it opened, and the bot was down since
            now=now + timedelta(seconds=min(opens_in, 0)),
        )
        return round_.id
    finally:
        await store.close()


def query(settings: Settings, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Rows of one query on the settings' database, through a connection of its own."""
    with sqlite3.connect(settings.database.path, timeout=5) as conn:
        return conn.execute(sql, params).fetchall()


async def until_db(settings: Settings, sql: str, expected: object) -> None:
    """Wait (at most 10 s) until the query returns ``expected``, re-checking every 20 ms."""
    deadline = time.monotonic() + 10
    while (found := query(settings, sql)) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{sql!r} gave {found}, expected {expected}")
        await asyncio.sleep(0.02)
