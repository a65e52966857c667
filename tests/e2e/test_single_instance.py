"""Exactly one bot process per database (issue 9 item 2), with real processes and SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import Settings
from bot.instance import AlreadyRunningError, InstanceLock
from bot.sandbox import BotApiEmulator
from tests.support import BotRunner
from tests.support.process import read_until, start_bot, write_config


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def test_second_process_exits_2_and_a_killed_one_frees_the_database(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """If a bot runs on a database, then a second `feedbackbot run` on it exits 2 at once with
    one line naming the first (pid, host) and never talks to Telegram; after the first is
    killed with SIGKILL, a new one starts and answers."""
    database = tmp_path / "bot.sqlite3"
    config = write_config(tmp_path / "config.toml", emulator, database)
    first = await start_bot(config)
    try:
        await read_until(first, "bot running")
        calls_before = len(emulator.calls)
        second = await start_bot(config)
        _, err = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 2
        lines = [line for line in err.decode().splitlines() if line.strip()]
        assert len(lines) == 1, lines
        assert "already running" in lines[0] and str(database) in lines[0]
        assert f"pid {first.pid} on " in lines[0]
        # only the first one's long polls: the second never said hello (getMe)
        assert {name for name, _ in emulator.calls[calls_before:]} <= {"getUpdates"}
        first.send_signal(signal.SIGKILL)
        await first.wait()
        third = await start_bot(config)
        try:
            await read_until(third, "bot running")
            user = emulator.user(3101)
            await user.send_command("start")
            await user.wait_for("", timeout=15)
        finally:
            await _stop(third)
        assert third.returncode == 0
    finally:
        await _stop(first)


async def test_in_process_runner_refuses_a_database_in_use(
    run_bot: BotRunner, make_settings: Callable[..., Settings]
) -> None:
    """If a bot is running (e.g. the sandbox) on a database, then starting another one on it in
    any process raises AlreadyRunningError naming this process; once stopped, it is free."""
    settings = make_settings()
    async with run_bot(settings):
        with pytest.raises(AlreadyRunningError, match=f"pid {os.getpid()} on "):
            async with run_bot(settings):
                pass
        with pytest.raises(AlreadyRunningError):
            InstanceLock(settings.database.path).acquire()
    with InstanceLock(settings.database.path) as lock:
        assert lock.held
