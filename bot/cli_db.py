"""``feedbackbot db ...``: the database file itself (the bot migrates it when it starts; read
commands never do, and point here)."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli_options import (
    EXIT_FAILURE,
    EXIT_OK,
    CommandError,
    add_database_option,
    settings_of,
)
from surveys.store.db import Database, inspect_database


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser(
        "db", help="the database file", description="Tools for the SQLite database file."
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    migrate = db_commands.add_parser(
        "migrate",
        help="create the database or bring it to this release's schema",
        description="Create the database if it does not exist, or apply the migrations it "
        "lacks (each in one transaction), as the bot does when it starts. Stop the bot first "
        "for large upgrades. A database from a newer release is refused.",
    )
    add_database_option(migrate)
    migrate.set_defaults(handler=cmd_db_migrate)


def cmd_db_migrate(args: argparse.Namespace) -> int:
    """Migrate the configured (or --database) file and say what changed."""
    settings = settings_of(args)
    path = settings.database.path
    before = inspect_database(path, integrity=False)
    if before.problems:
        raise CommandError(f"{path}: {before.problems[0]}", EXIT_FAILURE)

    async def migrate() -> None:
        db = await Database.open(path)
        await db.close()

    asyncio.run(migrate())
    if not before.exists:
        print(f"{path}: created at schema version {before.latest}")
    elif before.version == before.latest:
        print(f"{path}: already at schema version {before.latest}; nothing to do")
    else:
        print(f"{path}: migrated from schema version {before.version} to {before.latest}")
    return EXIT_OK
