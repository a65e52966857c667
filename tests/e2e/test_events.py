"""Community events end to end: the real Application against the emulator over HTTP, with the
CLI and the chat as coordinators and residents use them."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.sandbox import BotApiEmulator
from surveys.clock import utcnow
from surveys.store import Store
from tests.support import AREAS, BotRunner
from tests.support.data import seed

ANNOUNCEMENT = "Will you come?"
IN_A_WEEK = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%d")


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(events={"check_interval": 0.2})


def cli_config(tmp_path: Path, settings: Settings) -> Path:
    """The same community and database as the running bot, for `feedbackbot events`."""
    areas = "".join(f'[[areas]]\nid = "{a["id"]}"\nname = "{a["name"]}"\n' for a in AREAS)
    path = tmp_path / "cli.toml"
    path.write_text(
        f'[database]\npath = "{settings.database.path}"\n'
        '[community]\ntimezone = "Europe/Madrid"\nlanguages = ["en", "es"]\n'
        f'[delivery]\nquiet_hours = ""\n{areas}'
    )
    return path


async def events_cli(config: Path, *args: str) -> int:
    return await asyncio.to_thread(main, ["--config", str(config), "events", *args])


async def test_cli_event_is_announced_by_the_running_bot_to_its_audience_only(
    emulator: BotApiEmulator,
    run_bot: BotRunner,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """If a coordinator creates an event for North from the CLI while the bot runs, then the
    bot announces it on its own, with the answer and calendar buttons, to North's residents
    who did not mute event news; Riverside and the muted resident get nothing; an event
    created with --no-announce reaches nobody."""
    north, muted = await seed(settings, emulator, [7001, 7002], "north")
    (riverside,) = await seed(settings, emulator, [7003], "riverside")
    store = await Store.open(settings.database.path)
    await store.events.set_muted((await store.residents.by_telegram_id(7002)).id, True)  # type: ignore[union-attr]
    await store.close()
    config = cli_config(tmp_path, settings)
    async with run_bot():
        base = ["--starts", f"{IN_A_WEEK}T18:00", "--ends", "2h", "--place", "Library"]
        assert (
            await events_cli(config, "create", "--title", "Quiet one", *base, "--no-announce") == 0
        )
        code = await events_cli(
            config, "create", "--title", "Coffee with a cop", *base, "--areas", "north"
        )
        assert code == 0
        assert capsys.readouterr().out == "1\n2\n"
        announcement = await north.wait_for(ANNOUNCEMENT)
        assert "Coffee with a cop" in announcement.text and "Library" in announcement.text
        assert announcement.button_texts() == [
            "✅ Going",
            "🤔 Maybe",
            "❌ Can't go",
            "📅 Add to calendar",
        ]
        await emulator.wait_idle()
    assert not any(ANNOUNCEMENT in m.text for m in muted.transcript)
    assert not any(ANNOUNCEMENT in m.text for m in riverside.transcript)
    assert sum(ANNOUNCEMENT in m.text for m in north.transcript) == 1
    assert not any("Quiet one" in m.text for m in north.transcript)
    with sqlite3.connect(settings.database.path) as conn:  # nothing else is queued either
        rows = conn.execute("SELECT purpose, COUNT(*) FROM outbox GROUP BY purpose").fetchall()
    assert rows == [("event:2:announce", 1)]
