"""The ``feedbackbot`` command line: thin subcommands over ``bot.app`` and ``surveys``.

Exit codes: 0 ok, 1 failure, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from telegram.error import InvalidToken

from bot import cli_delivery, cli_events, cli_export, cli_reports, cli_sandbox, cli_surveys
from bot.app import build_application, initialize_with_retry, load_catalogue, running
from bot.config import DEFAULT_CONFIG_PATH, ConfigError, Settings, load_settings
from bot.context import FeedbackApplication
from bot.instance import AlreadyRunningError, InstanceLock
from bot.logs import configure_logging

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("feedbackbot")


def _settings(args: argparse.Namespace, *, required: bool = True) -> Settings:
    return load_settings(args.config, required=required)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the bot with long polling until SIGINT or SIGTERM."""
    settings = _settings(args)
    app = build_application(settings)
    token = settings.telegram.token
    configure_logging(args.log_level, token.get_secret_value() if token else None)
    try:
        with InstanceLock(settings.database.path) as instance:
            return asyncio.run(_serve(app, instance))
    except InvalidToken:
        print(
            f"error: {args.config}: telegram.token: the Bot API rejected the token "
            "(check it with @BotFather)",
            file=sys.stderr,
        )
        return EXIT_USAGE


async def _serve(app: FeedbackApplication, instance: InstanceLock) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if not await initialize_with_retry(app, stop):
        return EXIT_OK
    async with running(app, instance=instance):
        log.info("bot running; press Ctrl+C to stop")
        await stop.wait()
        log.info("stopping: finishing updates in progress")
    log.info("stopped")
    return EXIT_OK


def cmd_config_check(args: argparse.Namespace) -> int:
    """Validate the configuration file and print a short summary."""
    settings = _settings(args)
    load_catalogue(settings)
    community = settings.community
    print(
        f"OK {args.config}: {community.name}, {len(settings.areas)} areas, languages "
        f"{', '.join(community.languages)}, time zone {community.timezone}"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedbackbot",
        description="Community feedback bot: surveys, concern reports and events on Telegram.",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG_PATH,
        metavar="PATH",
        help="configuration file (default: ./config.toml)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log verbosity",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run", help="run the bot (long polling)", description="Run the bot until SIGINT or SIGTERM."
    )
    run.set_defaults(handler=cmd_run)

    config = commands.add_parser(
        "config", help="configuration tools", description="Configuration tools."
    )
    config_commands = config.add_subparsers(dest="config_command", metavar="COMMAND", required=True)
    check = config_commands.add_parser(
        "check",
        help="validate the configuration file",
        description="Validate the configuration and summarise it.",
    )
    check.set_defaults(handler=cmd_config_check)
    for extend in EXTENSIONS:
        extend(commands)
    _accept_global_options_everywhere(parser)
    return parser


def _accept_global_options_everywhere(parser: argparse.ArgumentParser) -> None:
    """Let ``--config`` and ``--log-level`` follow the subcommand too (``feedbackbot run
    --config x.toml``); SUPPRESS keeps the top-level value when they are not repeated."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for sub in action.choices.values():
            sub.add_argument(
                "--config",
                type=Path,
                default=argparse.SUPPRESS,
                metavar="PATH",
                help="configuration file (default: ./config.toml)",
            )
            sub.add_argument(
                "--log-level",
                default=argparse.SUPPRESS,
                choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                help="log verbosity",
            )
            _accept_global_options_everywhere(sub)


EXTENSIONS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    cli_surveys.add_commands,
    cli_export.add_commands,
    cli_events.add_commands,
    cli_sandbox.add_commands,
    cli_reports.add_commands,
    cli_delivery.add_commands,
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
        return code
    except ConfigError as exc:
        message = str(exc)
        if not message.startswith(f"{args.config}:"):
            message = f"{args.config}: {message}"
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except AlreadyRunningError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
