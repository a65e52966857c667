"""``feedbackbot sandbox``: try the whole bot in a terminal, without a Telegram token.

The real Application runs against the emulator in this process; you are a simulated resident.
Type text to send it; ``!Label`` presses the button with that label; ``/as ID`` switches to
another simulated user (e.g. a configured coordinator); ``/quit`` ends. The database is the
configured one unless ``--database`` points elsewhere, so a sandbox can be kept or thrown away.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from pydantic import SecretStr

from bot.config import Settings
from bot.sandbox.server import BotApiEmulator
from bot.sandbox.simulation import BotMessage, SimUser

TOKEN = "123456:SANDBOX-TOKEN"
HELP = (
    "Type a message to send it. !Label presses a button, /as ID talks as another user, /quit ends."
)


def describe(message: BotMessage) -> str:
    lines = [f"bot › {line}" for line in message.text.splitlines()] or ["bot › (empty)"]
    if message.edit_count:
        lines[0] = f"bot (edited) › {message.text.splitlines()[0] if message.text else ''}"
    for row in message.buttons:
        lines.append("      " + "  ".join(f"[{text}]" for text, _ in row))
    return "\n".join(lines)


async def chat(
    settings: Settings, *, user_id: int, read_line: Callable[[], str], out: TextIO
) -> None:
    """Run emulator + bot and relay one simulated user's conversation until /quit or EOF."""
    from bot.app import build_application, running

    async with BotApiEmulator(TOKEN) as emulator:
        sandboxed = settings.model_copy(
            update={
                "telegram": settings.telegram.model_copy(
                    update={
                        "token": SecretStr(TOKEN),
                        "api_base_url": emulator.base_url,
                        "file_base_url": emulator.base_file_url,
                        "poll_timeout": 1,
                    }
                ),
            }
        )
        app = build_application(sandboxed)
        async with running(app):
            user = emulator.user(user_id)
            print(HELP, file=out, flush=True)
            loop = asyncio.get_running_loop()
            while True:
                line = await loop.run_in_executor(None, read_line)
                if line == "" or line.strip() == "/quit":
                    return
                user = await _act(emulator, user, line.rstrip("\n"), out)
                await emulator.wait_idle(timeout=10)
                await _drain(user, out)


async def _act(emulator: BotApiEmulator, user: SimUser, line: str, out: TextIO) -> SimUser:
    if line.startswith("/as "):
        target = emulator.user(int(line.split()[1]))
        print(f"(now talking as user {target.id})", file=out, flush=True)
        return target
    if line.startswith("!"):
        try:
            await user.press(line[1:].strip())
        except LookupError as exc:
            print(f"(no such button: {exc})", file=out, flush=True)
        return user
    if line.strip():
        await user.send_text(line)
    return user


async def _drain(user: SimUser, out: TextIO) -> None:
    while True:
        try:
            message = await user.next_reply(timeout=0.05)
        except AssertionError:
            return
        print(describe(message), file=out, flush=True)


def run_terminal(settings: Settings, user_id: int) -> int:
    asyncio.run(chat(settings, user_id=user_id, read_line=sys.stdin.readline, out=sys.stdout))
    return 0
