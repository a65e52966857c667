"""Serve the Bot API emulator in the foreground: ``python -m bot.sandbox.server --port 8081``.

For a bot in another process, or a person trying the bot without a token: prints where it
listens and serves until SIGINT/SIGTERM. The emulator itself is :mod:`bot.sandbox.emulator`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.flood import FloodLimits

__all__ = ["main", "serve"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.sandbox.server",
        description="Serve a strict Telegram Bot API emulator until SIGINT/SIGTERM.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    parser.add_argument(
        "--port", type=int, default=8081, help="port, 0 = any free (default %(default)s)"
    )
    parser.add_argument("--token", default="123456:TEST-TOKEN", help="bot token the bot must use")
    parser.add_argument(
        "--bot-username", default="community_feedback_bot", help="the bot's @username"
    )
    parser.add_argument("--no-flood", action="store_true", help="disable flood control (429s)")
    return parser


async def serve(
    host: str, port: int, token: str, bot_username: str, flood: bool, stop: asyncio.Event
) -> None:
    """Run an emulator until ``stop`` is set, printing its addresses once it listens."""
    emulator = BotApiEmulator(
        token,
        bot_username=bot_username,
        limits=FloodLimits(enabled=flood),
        host=host,
        port=port,
    )
    async with emulator:
        print(f"base_url={emulator.base_url}", flush=True)
        print(f"base_file_url={emulator.base_file_url}", flush=True)
        print(f"token={emulator.token}", flush=True)
        print(f"control={emulator.url}/_sandbox/", flush=True)
        await stop.wait()


async def _main(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(args.host, args.port, args.token, args.bot_username, not args.no_flood, stop)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and serve; exit code 0 after a clean stop."""
    args = _parser().parse_args(argv)
    try:
        asyncio.run(_main(args))
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
