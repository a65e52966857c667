"""Shared fixtures: real SQLite files in tmp_path, the Bot API emulator on 127.0.0.1, and the
real python-telegram-bot Application running against it over HTTP. Shared constants and
functions live in :mod:`tests.support`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application, running
from bot.config import Settings
from bot.context import FeedbackApplication
from bot.delivery import DeliveryPolicy
from bot.sandbox import BotApiEmulator, FloodLimits
from surveys.clock import CLOCK
from surveys.models import Area
from surveys.store import Store
from tests.support import ADMIN_ID, AREAS, COORDINATOR_ID, TEST_DELIVERY, TOKEN, BotRunner


@pytest.fixture(autouse=True)
def _system_clock() -> Iterator[None]:
    """A test that moves the shared clock forward never leaks the jump into the next test."""
    CLOCK.reset()
    yield
    CLOCK.reset()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh store on a real SQLite file in tmp_path, with areas north and south."""
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.areas.sync([Area(id="north", name="North"), Area(id="south", name="South")])
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """The emulator with Telegram's limits; afterwards, no request may have carried a parameter
    its method does not have (every bot test checks the bot against the specification)."""
    async with BotApiEmulator(token=TOKEN, limits=FloodLimits()) as emu:
        yield emu
    assert dict(emu.stats.unknown_parameters) == {}, "parameters the Bot API does not have"


@pytest.fixture
def make_settings(tmp_path: Path, emulator: BotApiEmulator) -> Callable[..., Settings]:
    """Settings pointing at the emulator and a database in tmp_path; keyword overrides merge."""

    def make(**overrides: Any) -> Settings:
        data: dict[str, Any] = {
            "telegram": {
                "token": TOKEN,
                "api_base_url": emulator.base_url,
                "file_base_url": emulator.base_file_url,
                "poll_timeout": 1,
            },
            "database": {"path": str(tmp_path / "feedback.sqlite3")},
            "community": {
                "name": "Riverside Partnership",
                "timezone": "Europe/Madrid",
                "languages": ["en", "es"],
                "emergency_number": "112",
            },
            "areas": AREAS,
            "access": {"admins": [ADMIN_ID], "coordinators": [COORDINATOR_ID]},
            "privacy": {"min_group_size": 3},
            # Tests run at any hour; quiet hours get their own tests.
            "delivery": {"quiet_hours": ""},
            "rounds": {"check_interval": 0.2},
        }
        for section, values in overrides.items():
            if isinstance(values, dict):
                data[section] = {**data.get(section, {}), **values}
            else:
                data[section] = values
        return Settings(**data)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def run_bot(settings: Settings) -> BotRunner:
    """``async with run_bot() as app:`` runs the real Application until the block ends."""

    @asynccontextmanager
    async def run(
        custom: Settings | None = None, *, policy: DeliveryPolicy = TEST_DELIVERY
    ) -> AsyncIterator[FeedbackApplication]:
        app = build_application(custom or settings, delivery_policy=policy)
        async with running(app):
            yield app

    return run
