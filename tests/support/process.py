"""The real ``feedbackbot`` entry point in a subprocess, as an operator runs it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.sandbox import BotApiEmulator
from tests.support import TOKEN

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Finished:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def entry_point() -> list[str]:
    """The installed ``feedbackbot`` script (what an operator types), else ``python -m bot``."""
    script = Path(sys.executable).with_name("feedbackbot")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "bot"]


def feedbackbot(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Finished:
    """Run ``feedbackbot ARGS`` (the real entry point, in a process of its own) to completion.

    ``env`` is added to a copy of this process's environment without any ``FEEDBACKBOT_``
    variable, so the developer's shell cannot change a test's outcome.
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBACKBOT_")}
    clean["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), clean.get("PYTHONPATH")]))
    done = subprocess.run(
        [*entry_point(), *map(str, args)],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        cwd=cwd or ROOT,
        timeout=120,
    )
    return Finished(done.returncode, done.stdout, done.stderr)


def write_config(
    path: Path,
    emulator: BotApiEmulator | None,
    db: Path,
    *,
    token: str = TOKEN,
    api: tuple[str, str] | None = None,
    rate_per_second: float = 28.0,
    extra: str = "",
) -> Path:
    """A config file for a bot process: the emulator (or ``api`` base and file URLs), the
    database, one area, no quiet hours; ``extra`` TOML (whole tables) is appended."""
    if api is None:
        assert emulator is not None
        api = (emulator.base_url, emulator.base_file_url)
    path.write_text(f"""
[telegram]
token = "{token}"
api_base_url = "{api[0]}"
file_base_url = "{api[1]}"
poll_timeout = 1
[database]
path = "{db}"
[community]
name = "Process Test"
languages = ["en", "es"]
timezone = "Europe/Madrid"
[[areas]]
id = "north"
name = "North"
[delivery]
quiet_hours = ""
rate_per_second = {rate_per_second}
{extra}
""")
    return path


async def start_bot(config: Path, *options: str, quiet: bool = False) -> asyncio.subprocess.Process:
    """``feedbackbot run --config CONFIG [OPTIONS]`` (the README's order), stderr piped."""
    return await asyncio.create_subprocess_exec(
        *entry_point(),
        "run",
        "--config",
        str(config),
        *options,
        stdout=asyncio.subprocess.DEVNULL if quiet else asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL if quiet else asyncio.subprocess.PIPE,
    )


async def read_until(proc: asyncio.subprocess.Process, needle: str) -> list[str]:
    """Collect stderr lines until one contains ``needle`` (at most 15 s)."""
    stream = proc.stderr
    assert stream is not None
    lines: list[str] = []
    async with asyncio.timeout(15):
        while not lines or needle not in lines[-1]:
            raw = await stream.readline()
            if not raw:
                raise AssertionError(f"process ended before {needle!r}: {lines}")
            lines.append(raw.decode())
    return lines
