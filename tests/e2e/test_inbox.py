"""Updates fetched but not finished are handled after a crash (issue 9 item 4).

PTB confirms a batch of updates to Telegram as soon as it asks for the next one, long before
the handlers are done; the bot keeps each batch in its inbox until handled, so ``kill -9``
in the middle of a burst of button presses loses none of them.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from bot.config import Settings
from bot.sandbox import BotApiEmulator
from tests.support import INVITATION
from tests.support.data import plan, query, seed
from tests.support.process import write_config

START = "Start: Community trust and safety"


async def test_presses_fetched_before_a_sigkill_are_handled_after_the_restart(
    emulator: BotApiEmulator, tmp_path: Path, settings: Settings
) -> None:
    """If 10 residents each press 4 buttons in a burst while the bot is slow to answer (the
    first press of each holds its handler), and the bot is killed with SIGKILL once Telegram
    has handed every press over, then after a restart every press is answered and handled,
    each resident's first answer is stored once, and the inbox is left empty."""
    emulator.api.callback_answer_timeout = 600  # a slow restart must not make answers too old
    users = await seed(settings, emulator, range(9001, 9011), "north")
    config = write_config(tmp_path / "config.toml", emulator, settings.database.path)
    command = [sys.executable, "-m", "bot", "--config", str(config), "run"]
    await plan(settings)
    bot = await asyncio.create_subprocess_exec(*command, stderr=asyncio.subprocess.DEVNULL)
    try:
        for user in users:
            await user.wait_for(INVITATION, timeout=20)
            await user.press(START)
            await user.wait_for("Question 1 of up to 13")
        await emulator.wait_idle()
        emulator.stall_next("answerCallbackQuery", len(users), seconds=600)
        for user in users:
            await user.press("8")
        for _ in range(3):
            for user in users:
                await user.press("7")
        await emulator.wait_until(
            lambda: emulator.pending_updates() == 0 and emulator.long_polling,
            timeout=20,
            message="the bot did not take every press",
        )
        unanswered = len(emulator.unanswered_callback_queries())
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        emulator.clear_faults()
        assert unanswered >= 3 * len(users)  # the presses queued behind each first one
        bot = await asyncio.create_subprocess_exec(*command, stderr=asyncio.subprocess.DEVNULL)
        await emulator.wait_until(
            lambda: not emulator.unanswered_callback_queries(),
            timeout=30,
            message="presses from before the crash were never handled",
        )
        await emulator.wait_idle(timeout=15)
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), 20)
    assert query(
        settings,
        "SELECT COUNT(*), MIN(value), MAX(value) FROM answers WHERE question_id = 'safety'",
    ) == [(len(users), "8", "8")]
    assert query(settings, "SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL") == [(0,)]
    assert query(settings, "SELECT COUNT(*) FROM inbox WHERE payload IS NOT NULL") == [(0,)]
