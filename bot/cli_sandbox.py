"""``feedbackbot sandbox``: try the whole bot in a browser, without a Telegram token.

Starts the project's Bot API emulator, the real bot pointed at it and a web chat on
``http://127.0.0.1:PORT/``, prints that address and runs until Ctrl+C. Without ``--config`` it
plays a built-in demo community; the database is a fresh file unless ``--database`` names one
to keep (an existing file must be a sandbox's own).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import tempfile
from pathlib import Path

from bot.config import (
    DEFAULT_CONFIG_PATH,
    ConfigError,
    Settings,
    load_settings,
    survey_file_problems,
)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
DEFAULT_PORT = 8080
log = logging.getLogger("feedbackbot")


CONFIG_HELP = "a community configuration to try (default: the built-in demo community)"


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sandbox = commands.add_parser(
        "sandbox",
        help="try the bot in a browser, no token needed",
        description="Run the bot against the built-in Bot API emulator and chat with it in a "
        "web page at http://127.0.0.1:PORT/: be a new or returning resident, the coordinator, "
        "the admin or a partner group; press buttons, share a location, send a photo, download "
        "exports; the demo panel opens a survey round and moves the clock forward. Without "
        "--config a demo community is used. Nothing is sent to Telegram.",
    )
    sandbox.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port of the web page on 127.0.0.1 (default %(default)s; 0 picks a free one)",
    )
    sandbox.add_argument(
        "--database",
        type=Path,
        default=None,
        metavar="PATH",
        help="keep the sandbox's database in PATH (created with demo residents if missing; "
        "default: a fresh temporary file, deleted at exit)",
    )
    sandbox.set_defaults(handler=cmd_sandbox)


def _community(args: argparse.Namespace) -> tuple[Settings, bool]:
    """The community of --config if given, else the demo one; the flag says which."""
    from bot.sandbox.community import demo_settings, with_demo_staff

    # argparse hands over the default object itself when --config is absent (a given value
    # becomes a new Path), so identity tells "not given" from "given as config.toml".
    if args.config is DEFAULT_CONFIG_PATH:
        return demo_settings(), True
    return with_demo_staff(load_settings(args.config)), False


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Serve the sandbox until SIGINT or SIGTERM."""
    from bot.logs import configure_logging

    if not 0 <= args.port <= 65535:
        print(f"error: --port {args.port}: use 0-65535", file=sys.stderr)
        return EXIT_USAGE
    settings, demo = _community(args)
    problems = survey_file_problems(settings)
    if problems:  # the same refusal as `run`: a broken survey file fails before anything starts
        raise ConfigError("\n".join(problems))
    configure_logging("WARNING" if args.log_level == "INFO" else args.log_level)
    with tempfile.TemporaryDirectory(prefix="feedbackbot-sandbox-") as folder:
        database = args.database or Path(folder) / "sandbox.sqlite3"
        try:
            return asyncio.run(_serve(settings, database, args.port, demo))
        except OSError as exc:
            print(
                f"error: cannot serve on 127.0.0.1:{args.port}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return EXIT_FAILURE


async def _serve(settings: Settings, database: Path, port: int, demo: bool) -> int:
    from bot.sandbox.session import open_sandbox

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with open_sandbox(settings, database, port=port) as sandbox:
        community = settings.community.name + (" (demo community)" if demo else "")
        state = "new, with demo residents" if sandbox.seeded else "kept from an earlier run"
        print(f"Sandbox: {community}; database {database} ({state})", flush=True)
        print(f"Open {sandbox.url} in a browser. Press Ctrl+C to stop.", flush=True)
        await stop.wait()
    print("Sandbox stopped.", flush=True)
    return EXIT_OK
