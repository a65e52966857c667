"""`feedbackbot run` as a real process against the emulator: onboarding, signals, bad tokens,
an unreachable API."""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

from bot.sandbox import BotApiEmulator
from tests.support import TOKEN
from tests.support.chat import onboard
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
    assert sum("unreachable" in line for line in lines) >= 2
    assert not any("Traceback" in line for line in lines)
