"""``feedbackbot survey ...`` and ``feedbackbot rounds ...``: thin wrappers over ``surveys``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings, load_settings
from surveys.definitions import check_files
from surveys.errors import DefinitionError, RoundError, SurveysError
from surveys.library import builtin_keys
from surveys.models import Round
from surveys.registry import SurveyRegistry
from surveys.rounds import create_round, parse_moment
from surveys.store import Store

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    survey = commands.add_parser(
        "survey", help="survey definitions", description="Check and list survey definitions."
    )
    survey_commands = survey.add_subparsers(dest="survey_command", metavar="COMMAND", required=True)
    check = survey_commands.add_parser(
        "check",
        help="validate definition files",
        description="Validate survey definition files; prints OK or every problem with its "
        "file, line and question. Exit 1 if any file has a problem.",
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument(
        "--languages",
        default=None,
        metavar="CODES",
        help="comma-separated languages to require (default: from --config, else en,es)",
    )
    check.set_defaults(handler=cmd_survey_check)
    listing = survey_commands.add_parser(
        "list", help="list available surveys", description="List the surveys rounds can use."
    )
    listing.set_defaults(handler=cmd_survey_list)

    rounds = commands.add_parser(
        "rounds", help="survey rounds", description="Create, list and close survey rounds."
    )
    round_commands = rounds.add_subparsers(dest="rounds_command", metavar="COMMAND", required=True)
    open_ = round_commands.add_parser(
        "open",
        help="open a round now",
        description="Open a round of a survey now for all areas or the given ones.",
    )
    open_.add_argument("--survey", required=True, metavar="KEY", help="survey key")
    open_.add_argument("--areas", default="", metavar="A,B", help="area ids (default: all)")
    open_.add_argument(
        "--closes",
        default=None,
        metavar="ISO|7d",
        help="closing time or duration from now (default: stays open)",
    )
    open_.set_defaults(handler=cmd_rounds_open)
    listing = round_commands.add_parser("list", help="list rounds", description="List rounds.")
    listing.set_defaults(handler=cmd_rounds_list)
    close = round_commands.add_parser(
        "close", help="close a round now", description="Close an open round now."
    )
    close.add_argument("round_id", type=int, metavar="ID")
    close.set_defaults(handler=cmd_rounds_close)


def cmd_survey_check(args: argparse.Namespace) -> int:
    if args.languages:
        languages = [code.strip() for code in args.languages.split(",") if code.strip()]
    elif args.config.exists():
        languages = load_settings(args.config).community.languages
    else:
        languages = ["en", "es"]
    missing = [path for path in args.files if not path.is_file()]
    for path in missing:
        print(f"{path}: no such file", file=sys.stderr)
    issues = check_files([p for p in args.files if p.is_file()], languages)
    bad = {issue.source for issue in issues}
    for issue in issues:
        print(issue)
    for path in args.files:
        if path.is_file() and str(path) not in bad:
            print(f"OK {path}")
    return EXIT_FAILURE if issues or missing else EXIT_OK


def cmd_survey_list(args: argparse.Namespace) -> int:
    settings = load_settings(args.config, required=False)
    for key in builtin_keys():
        print(f"{key} (built-in)")
    for path in settings.surveys.files:
        print(f"{path}")
    return EXIT_OK


def _run(
    args: argparse.Namespace, action: Callable[[Settings, Store, SurveyRegistry], Awaitable[int]]
) -> int:
    settings = load_settings(args.config)

    async def main() -> int:
        store = await Store.open(settings.database.path)
        try:
            from surveys.models import Area

            await store.areas.sync(
                [Area(id=a.id, name=a.name, population=a.population) for a in settings.areas]
            )
            registry = SurveyRegistry(store, settings.community.languages, settings.surveys.files)
            return await action(settings, store, registry)
        finally:
            await store.close()

    try:
        return asyncio.run(main())
    except (RoundError, DefinitionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SurveysError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE


def _describe(round_: Round, zone: ZoneInfo) -> str:
    def local(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"

    areas = ",".join(round_.area_ids) or "all areas"
    return (
        f"#{round_.id} {round_.survey_key} {round_.status} opens {local(round_.opens_at)} "
        f"closes {local(round_.closes_at)} ({areas})"
    )


def cmd_rounds_open(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store, registry: SurveyRegistry) -> int:
        zone = settings.community.zone
        closes = parse_moment(args.closes, zone) if args.closes else None
        areas = [a.strip() for a in args.areas.split(",") if a.strip()]
        round_ = await create_round(
            store,
            registry,
            args.survey,
            opens_at=parse_moment("now", zone),
            closes_at=closes,
            area_ids=areas,
        )
        print(_describe(round_, zone))
        return EXIT_OK

    return _run(args, action)


def cmd_rounds_list(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store, registry: SurveyRegistry) -> int:
        rounds = await store.rounds.find()
        for round_ in rounds:
            print(_describe(round_, settings.community.zone))
        if not rounds:
            print("no rounds yet")
        return EXIT_OK

    return _run(args, action)


def cmd_rounds_close(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store, registry: SurveyRegistry) -> int:
        round_ = await store.rounds.close(args.round_id)
        print(_describe(round_, settings.community.zone))
        return EXIT_OK

    return _run(args, action)
