"""`feedbackbot sandbox` as a real process: it prints the page's address, serves the demo
community (or a configured one, with staff to play), refuses a real database, stops on Ctrl+C."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from surveys.store import Store
from tests.support.process import feedbackbot

ROOT = Path(__file__).resolve().parents[2]


async def start(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )


async def address(proc: asyncio.subprocess.Process) -> tuple[str, list[str]]:
    """The URL the sandbox prints, and everything it printed before."""
    assert proc.stdout is not None
    lines: list[str] = []
    async with asyncio.timeout(60):
        while True:
            raw = await proc.stdout.readline()
            if not raw:
                _, err = await proc.communicate()
                raise AssertionError(f"sandbox ended: {lines} {err.decode()}")
            lines.append(raw.decode())
            found = re.search(r"(http://127\.0\.0\.1:\d+/)", lines[-1])
            if found:
                return found.group(1), lines


async def stop(proc: asyncio.subprocess.Process) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    return out.decode()


async def test_sandbox_prints_its_address_and_stops_on_ctrl_c() -> None:
    """If `feedbackbot sandbox --port 0` starts without --config, then it prints the page's
    address on 127.0.0.1, serves the demo community there, and Ctrl+C ends it with exit 0."""
    proc = await start("--port", "0")
    try:
        url, lines = await address(proc)
        assert "Riverside Community Partnership (demo community)" in lines[0]
        assert "new, with demo residents" in lines[0]
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as response:
                assert response.status == 200
                assert "Community feedback bot: sandbox" in await response.text()
            async with http.get(url + "api/people") as response:
                roles = {p["role"] for p in await response.json()}
        assert roles == {"new", "resident", "coordinator", "admin", "partner"}
        out = await stop(proc)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    assert "Sandbox stopped." in out


async def test_example_config_gets_staff_to_play(tmp_path: Path) -> None:
    """If the sandbox runs the example configuration (which names no staff), then the page
    still offers a coordinator and an admin, and a kept --database is reused next time."""
    database = tmp_path / "kept.sqlite3"
    for expected in ("new, with demo residents", "kept from an earlier run"):
        proc = await start(
            "--config", "config.example.toml", "--port", "0", "--database", str(database)
        )
        try:
            url, lines = await address(proc)
            assert "Riverside Community Partnership;" in lines[0] and expected in lines[0]
            async with aiohttp.ClientSession() as http, http.get(url + "api/people") as response:
                roles = [p["role"] for p in await response.json()]
            assert {"coordinator", "admin", "partner"} <= set(roles)
            await stop(proc)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        assert proc.returncode == 0


async def test_real_database_and_busy_port_are_refused(tmp_path: Path) -> None:
    """If --database names a database the sandbox did not make, or the port is taken, then it
    says so in one line and exits 2 or 1, touching nothing."""
    real = tmp_path / "community.sqlite3"
    store = await Store.open(real)
    await store.close()
    proc = await start("--port", "0", "--database", str(real))
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    assert "not a sandbox database" in err.decode()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        proc = await start("--port", str(taken.getsockname()[1]))
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    assert "cannot serve on 127.0.0.1" in err.decode()


def test_help_says_the_sandbox_defaults_to_the_demo_community() -> None:
    """If a visitor reads `feedbackbot sandbox --help`, then --config is described as optional
    with the demo community as its default (not ./config.toml, which `run` uses)."""
    shown = feedbackbot("sandbox", "--help")
    assert shown.code == 0
    config_help = " ".join(shown.out.split("--config PATH")[-1].split())
    assert config_help.startswith("a community configuration to try (default: the built-in demo")
    assert "./config.toml" not in config_help.split("--log-level")[0]
