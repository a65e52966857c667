"""The ``feedbackbot`` command line: thin subcommands over ``bot.app`` and ``surveys``.

Exit codes: 0 ok, 1 failure, 2 usage or configuration error. Every error is one line (or one
line per problem), never a traceback.

Only ``run`` and ``sandbox`` talk to Telegram; python-telegram-bot (about a second to import)
is imported inside them, so ``--help`` and every other command start fast.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bot import (
    cli_db,
    cli_delivery,
    cli_doctor,
    cli_events,
    cli_export,
    cli_reports,
    cli_sandbox,
    cli_surveys,
)
from bot.cli_options import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_config_options,
    add_database_option,
    settings_of,
)
from bot.config import ConfigError, Settings, survey_file_problems
from bot.instance import AlreadyRunningError, InstanceLock
from bot.logs import configure_logging
from bot.services import load_catalogue
from surveys.errors import (
    DefinitionError,
    NotFoundError,
    RoundError,
    SchemaOutdatedError,
    SchemaTooNewError,
    SurveysError,
)

if TYPE_CHECKING:
    from bot.context import FeedbackApplication

log = logging.getLogger("feedbackbot")


def ready_to_run(settings: Settings) -> None:
    """Refuse to start a bot that cannot work: no token, the example's placeholder token,
    a broken survey file, a language without texts. One line per problem (ConfigError)."""
    telegram = settings.telegram
    origin = settings.origin("telegram.token")
    if telegram.token is None:
        raise ConfigError(
            f"{origin}: telegram.token: required to run the bot (set it there or in "
            "FEEDBACKBOT_TELEGRAM__TOKEN)"
        )
    if telegram.is_placeholder:
        raise ConfigError(
            f"{origin}: telegram.token: still the example's placeholder; put the token "
            "@BotFather gave you there (or in FEEDBACKBOT_TELEGRAM__TOKEN)"
        )
    load_catalogue(settings)
    problems = survey_file_problems(settings)
    if problems:
        raise ConfigError("\n".join(problems))


def cmd_run(args: argparse.Namespace) -> int:
    """Run the bot with long polling until SIGINT or SIGTERM."""
    settings = settings_of(args)
    ready_to_run(settings)
    from telegram.error import InvalidToken

    from bot.app import build_application

    app = build_application(settings)
    token = settings.telegram.token
    configure_logging(args.log_level, token.get_secret_value() if token else None)
    try:
        with InstanceLock(settings.database.path) as instance:
            return asyncio.run(_serve(app, instance))
    except InvalidToken:
        raise ConfigError(
            f"{settings.origin('telegram.token')}: telegram.token: the Bot API rejected the "
            "token (check it with @BotFather)"
        ) from None


async def _serve(app: FeedbackApplication, instance: InstanceLock) -> int:
    from bot.app import initialize_with_retry, running

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
    """Validate the configuration and the survey files it names; print a short summary."""
    settings = settings_of(args)
    load_catalogue(settings)
    problems = survey_file_problems(settings)
    if problems:
        raise ConfigError("\n".join(problems))
    community = settings.community
    files = len(settings.surveys.files)
    print(
        f"OK {args.config}: {community.name}, {len(settings.areas)} areas, languages "
        f"{', '.join(community.languages)}, time zone {community.timezone}, "
        f"{files} survey file{'' if files == 1 else 's'}"
    )
    if settings.telegram.is_placeholder:
        print(
            f"warning: {settings.origin('telegram.token')}: telegram.token is the example's "
            "placeholder; `feedbackbot run` needs the token @BotFather gave you",
            file=sys.stderr,
        )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedbackbot",
        description="Community feedback bot: surveys, concern reports and events on Telegram.",
    )
    add_config_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="run the bot (long polling)",
        description="Run the bot until SIGINT or SIGTERM. It refuses to start without a real "
        "token or with a survey file that has problems; the database is created or migrated.",
    )
    add_database_option(run)
    run.set_defaults(handler=cmd_run)

    config = commands.add_parser(
        "config", help="configuration tools", description="Configuration tools."
    )
    config_commands = config.add_subparsers(dest="config_command", metavar="COMMAND", required=True)
    check = config_commands.add_parser(
        "check",
        help="validate the configuration file",
        description="Validate the configuration (file and FEEDBACKBOT_* environment variables) "
        "and every survey file it names, and summarise it. Exit 2 with one line per problem.",
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
        for name, sub in action.choices.items():
            add_config_options(sub, top=False, config_help=CONFIG_HELP.get(name))
            _accept_global_options_everywhere(sub)


CONFIG_HELP = {"sandbox": cli_sandbox.CONFIG_HELP}
"""``--config`` help of commands whose default is not ./config.toml."""

EXTENSIONS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    cli_surveys.add_commands,
    cli_export.add_commands,
    cli_events.add_commands,
    cli_sandbox.add_commands,
    cli_reports.add_commands,
    cli_delivery.add_commands,
    cli_db.add_commands,
    cli_doctor.add_commands,
]


def _error(message: str) -> None:
    for line in message.splitlines() or [""]:
        print(f"error: {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
        return code
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except CommandError as exc:
        _error(str(exc))
        return exc.code
    except AlreadyRunningError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except (
        SchemaTooNewError,
        SchemaOutdatedError,
        DefinitionError,
        RoundError,
        NotFoundError,
    ) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except SurveysError as exc:
        _error(str(exc))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
