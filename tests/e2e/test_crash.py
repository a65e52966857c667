"""`kill -9` in the middle of a survey: every answer the resident saw acknowledged is stored."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from bot.sandbox import BotApiEmulator
from tests.support import INVITATION
from tests.support.data import plan, seed
from tests.support.process import write_config


async def test_acknowledged_answers_survive_sigkill(
    emulator: BotApiEmulator, tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    """If the bot is killed with SIGKILL right after showing the next question, then every
    answer acknowledged that way is in the database, and after a restart the resident
    continues at the next question."""
    settings = make_settings(database={"path": str(tmp_path / "crash.sqlite3")})
    (user,) = await seed(settings, emulator, [6500], "north")
    config = write_config(tmp_path / "config.toml", emulator, settings.database.path)
    command = [sys.executable, "-m", "bot", "--config", str(config), "run"]
    await plan(settings)
    bot = await asyncio.create_subprocess_exec(*command, stderr=asyncio.subprocess.DEVNULL)
    try:
        await user.wait_for(INVITATION, timeout=15)
        await user.press("Start: Community trust and safety")
        for answer, following in (("8", 2), ("6", 3), ("5", 4)):
            await user.wait_for(f"Question {following - 1} of up to 13")
            await user.press(answer)
        await user.wait_for("Question 4 of up to 13")  # the third answer was acknowledged
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        with sqlite3.connect(settings.database.path) as conn:
            stored = dict(conn.execute("SELECT question_id, value FROM answers").fetchall())
        assert stored == {"safety": "8", "respect": "6", "listen": "5"}
        bot = await asyncio.create_subprocess_exec(*command, stderr=asyncio.subprocess.DEVNULL)
        await user.send_command("surveys")
        await user.wait_for("Open surveys", timeout=15)
        await user.press("Continue: Community trust and safety")
        await user.wait_for("Question 4 of up to 13")
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), 20)
