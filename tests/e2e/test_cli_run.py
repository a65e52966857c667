"""`feedbackbot run` as a real process against the emulator: onboarding, signals, bad tokens,
an unreachable API."""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

from bot.config import Settings
from bot.sandbox import BotApiEmulator
from tests.support import INVITATION, TOKEN
from tests.support.chat import onboard
from tests.support.data import plan, seed
from tests.support.process import read_until, start_bot, write_config


async def test_run_onboards_and_stops_on_sigterm(emulator: BotApiEmulator, tmp_path: Path) -> None:
    """If `feedbackbot run` points at the emulator, then a user completes onboarding, SIGTERM
    stops it with exit 0, and the token never appears in the log."""
    config = write_config(tmp_path / "config.toml", emulator, tmp_path / "bot.sqlite3")
    proc = await start_bot(config)
    try:
        await read_until(proc, "bot running")
        user = emulator.user(3001)
        await onboard(user)
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    assert "stopped" in err.decode()
    assert TOKEN not in err.decode() and TOKEN.split(":")[1] not in err.decode()


async def test_rejected_token_is_one_line_and_exit_2(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """If the Bot API rejects the token, then the process prints one clear line and exits 2."""
    config = write_config(
        tmp_path / "config.toml", emulator, tmp_path / "bot.sqlite3", token="999:WRONG"
    )
    proc = await start_bot(config)
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    lines = [line for line in err.decode().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "rejected the token" in lines[0] and "WRONG" not in lines[0]


async def test_unreachable_api_is_retried_not_crashed(tmp_path: Path) -> None:
    """If the Bot API cannot be reached, then the bot logs and retries with backoff, and a
    SIGINT still ends it cleanly."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = write_config(
        tmp_path / "config.toml",
        None,
        tmp_path / "bot.sqlite3",
        api=(f"http://127.0.0.1:{port}/bot", f"http://127.0.0.1:{port}/file/bot"),
    )
    proc = await start_bot(config)
    try:
        lines = await read_until(proc, "retrying in 1 s")
        lines += await read_until(proc, "retrying in 2 s")
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    assert sum(f"Bot API at 127.0.0.1:{port} unreachable" in line for line in lines) >= 2
    assert not any("Traceback" in line for line in lines)


async def run_until_round_opens(emulator: BotApiEmulator, tmp_path: Path, *options: str) -> str:
    """Run the bot (with ``options``), plan a round once it runs, stop it once the round
    clock (an APScheduler job every 0.2 s) has opened the round and the invitation arrived;
    its whole stderr."""
    db = tmp_path / "bot.sqlite3"
    settings = Settings(database={"path": str(db)})  # type: ignore[arg-type]
    (user,) = await seed(settings, emulator, [3101], "north")
    extra = "[rounds]\ncheck_interval = 0.2\n"
    config = write_config(tmp_path / "config.toml", emulator, db, extra=extra)
    proc = await start_bot(config, *options)
    try:
        lines = await read_until(proc, "bot running")
        await plan(settings)
        lines += await read_until(proc, "round 1: opened")
        await user.wait_for(INVITATION, timeout=15)
        proc.send_signal(signal.SIGTERM)
        _, rest = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    return "".join(lines) + rest.decode()


async def test_default_log_keeps_to_what_an_operator_needs(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """If the bot runs at the default log level while the round clock ticks every 0.2 s, then
    the log says that it started, that the round opened and that it stopped, without a line
    per scheduler run."""
    log = await run_until_round_opens(emulator, tmp_path)
    assert "bot running" in log and "round 1: opened" in log and "stopped" in log
    assert "apscheduler" not in log and "Running job" not in log
    assert len(log.splitlines()) < 20, log


async def test_debug_log_shows_the_scheduler(emulator: BotApiEmulator, tmp_path: Path) -> None:
    """If `--log-level debug` is given, then the scheduler's runs are logged too, and the
    token still never appears."""
    log = await run_until_round_opens(emulator, tmp_path, "--log-level", "debug")
    assert "Running job" in log
    assert TOKEN.split(":")[1] not in log
