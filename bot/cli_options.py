"""What every ``feedbackbot`` command shares: exit codes, the ``--config``, ``--log-level`` and
``--database`` options, and how a command turns them into settings and an open store.

Kept free of python-telegram-bot (and of every heavy import) so ``feedbackbot --help`` and the
commands that never talk to Telegram start fast.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.config import DEFAULT_CONFIG_PATH, Settings, load_settings
from surveys.errors import DatabaseMissingError
from surveys.store import Store

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class CommandError(Exception):
    """A command cannot go on; ``str()`` is the one line to print, ``code`` the exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def add_config_options(
    parser: argparse.ArgumentParser, *, top: bool, config_help: str | None = None
) -> None:
    """``--config`` and ``--log-level``; below the top level they default to SUPPRESS so the
    top-level value stands unless repeated after the subcommand. ``config_help``: for a
    command whose default is not ./config.toml (the sandbox's demo community)."""
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG_PATH if top else argparse.SUPPRESS,
        metavar="PATH",
        help=config_help or "configuration file (default: ./config.toml)",
    )
    parser.add_argument(
        "--log-level",
        type=str.upper,
        default="INFO" if top else argparse.SUPPRESS,
        choices=LOG_LEVELS,
        metavar="LEVEL",
        help="log verbosity: debug, info (default: what an operator needs), warning, error",
    )


def add_database_option(parser: argparse.ArgumentParser, *, nested: bool = False) -> None:
    """``--database PATH`` for a command that opens the database. ``nested``: a subcommand of
    a command that has the option too (``export reports``); SUPPRESS keeps the value given
    before the subcommand, as argparse would otherwise reset it to the default."""
    parser.add_argument(
        "--database",
        type=Path,
        default=argparse.SUPPRESS if nested else None,
        metavar="PATH",
        help="SQLite database to use (default: database.path of the configuration)",
    )


def settings_of(args: argparse.Namespace, *, required: bool = True) -> Settings:
    """The settings of ``--config`` and the environment, with ``--database`` applied."""
    settings = load_settings(args.config, required=required)
    database: Path | None = getattr(args, "database", None)
    if database is None:
        return settings
    return settings.model_copy(
        update={"database": settings.database.model_copy(update={"path": database})}
    )


def database_origin(settings: Settings, args: argparse.Namespace) -> str:
    """Where the database path was set, for "check it there" hints."""
    if getattr(args, "database", None) is not None:
        return "--database"
    return f"database.path in {settings.origin('database.path')}"


@asynccontextmanager
async def open_store(
    settings: Settings, args: argparse.Namespace, *, read_only: bool, create: bool = False
) -> AsyncIterator[Store]:
    """The configured store, closed when the block ends. Read-only it never creates or
    migrates the file; writing, it creates a missing file only with ``create`` (planning a
    round or an event before the bot first runs), since closing or editing something in a
    database that does not exist is a mistake, not a reason to make one. A missing database
    is a one-line :class:`CommandError`."""
    path = settings.database.path
    try:
        if not read_only and not create and not path.exists():
            raise DatabaseMissingError(f"{path}: no such database")
        store = await Store.open(path, read_only=read_only)
    except DatabaseMissingError as exc:
        raise CommandError(
            f"{exc} (the bot creates it when it first starts; check "
            f"{database_origin(settings, args)})"
        ) from None
    try:
        yield store
    finally:
        await store.close()


async def open_existing_current(path: Path) -> Store:
    """A writable store on a database that exists at this release's schema, for commands that
    read and then record what they did (an export and its audit entry): they must not create
    or migrate a database as a side effect. :class:`DatabaseMissingError` or
    :class:`SchemaOutdatedError` (one line: "run `feedbackbot db migrate`") otherwise."""
    probe = await Store.open(path, read_only=True)
    await probe.close()
    return await Store.open(path)
