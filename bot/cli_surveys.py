"""``feedbackbot survey ...`` and ``feedbackbot rounds ...``: thin wrappers over ``surveys``.

Commands that only read (``rounds list``, ``rounds show``) open the database read-only: they
never create, migrate or change it. Errors reach :func:`bot.cli.main`, which prints one line.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli_options import EXIT_FAILURE, EXIT_OK, add_database_option, open_store, settings_of
from bot.config import Settings, load_settings
from bot.reports import participation_line
from bot.services import mirror_areas, round_clock, survey_registry
from surveys.clock import utcnow
from surveys.definitions import check_files
from surveys.library import builtin_keys
from surveys.models import Round
from surveys.registry import SurveyRegistry
from surveys.rounds import create_round, parse_moment, parse_offsets
from surveys.schedule import reminder_times
from surveys.store import Store


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
    _add_round_commands(commands)


def _add_round_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rounds = commands.add_parser(
        "rounds",
        help="survey rounds",
        description="Plan, list, show, close and cancel survey rounds. Times are read and "
        "shown in the community's time zone. A running bot opens a round, invites its "
        "audience, reminds and closes it at the planned times.",
    )
    sub = rounds.add_subparsers(dest="rounds_command", metavar="COMMAND", required=True)
    create = sub.add_parser(
        "create",
        help="plan a round",
        description="Plan a round of a survey. Durations (90m, 36h, 7d, 2w) for --closes and "
        "--remind count from the opening.",
    )
    _add_survey_and_audience(create)
    create.add_argument(
        "--opens", default="now", metavar="ISO|now", help="opening time (default: now)"
    )
    create.add_argument(
        "--closes",
        required=True,
        metavar="ISO|7d",
        help="closing time, or a duration after the opening",
    )
    create.add_argument(
        "--remind",
        default="",
        metavar="2d,6d",
        help="reminders, after the opening, to those who have not completed",
    )
    create.add_argument(
        "--every",
        default=None,
        metavar="weekly|monthly|CRON",
        help="repeat: the next round is planned when this one closes",
    )
    create.set_defaults(handler=cmd_rounds_create)
    open_now = sub.add_parser(
        "open",
        help="open a round now",
        description="Create a round of a survey and open it at once: invitations are queued "
        "now and a running bot delivers them (quiet hours apply).",
    )
    _add_survey_and_audience(open_now)
    open_now.add_argument(
        "--closes", default=None, metavar="ISO|7d", help="closing time (default: stays open)"
    )
    open_now.set_defaults(handler=cmd_rounds_open)
    listing = sub.add_parser(
        "list",
        help="list rounds",
        description="List every round with its times in the community's time zone; a round "
        "closed before its planned time shows when it actually closed. Read-only.",
    )
    add_database_option(listing)
    listing.set_defaults(handler=cmd_rounds_list)
    for name, handler, text in (
        ("show", cmd_rounds_show, "Show a round's plan and progress."),
        ("close", cmd_rounds_close, "Close an open round now; partial answers stay."),
        (
            "cancel",
            cmd_rounds_cancel,
            "Cancel a planned or open round; messages not yet sent are dropped.",
        ),
    ):
        command = sub.add_parser(
            name, help=text.split(";")[0].rstrip(".").lower(), description=text
        )
        command.add_argument("round_id", type=int, metavar="ID")
        add_database_option(command)
        command.set_defaults(handler=handler)


def _add_survey_and_audience(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--survey", required=True, metavar="KEY", help="survey key")
    parser.add_argument("--areas", default="", metavar="A,B", help="area ids (default: all)")
    parser.add_argument(
        "--allow-overlap",
        action="store_true",
        help="create it even if a round of the same survey runs then for some of the same "
        "areas (residents there would see two identical surveys)",
    )
    add_database_option(parser)


def _areas(args: argparse.Namespace) -> list[str]:
    return [area.strip() for area in args.areas.split(",") if area.strip()]


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
    args: argparse.Namespace,
    action: Callable[[Settings, Store, SurveyRegistry], Awaitable[int]],
    *,
    create: bool = True,
) -> int:
    """Run a command that changes rounds: the database is migrated if needed (and created,
    with ``create``) and the configured areas are mirrored into it first."""
    settings = settings_of(args)

    async def main() -> int:
        async with open_store(settings, args, read_only=False, create=create) as store:
            await mirror_areas(store, settings)
            return await action(settings, store, survey_registry(settings, store))

    return asyncio.run(main())


def _read(args: argparse.Namespace, action: Callable[[Settings, Store], Awaitable[int]]) -> int:
    """Run a command that only reads: the database is opened read-only and left as it is."""
    settings = settings_of(args)

    async def main() -> int:
        async with open_store(settings, args, read_only=True) as store:
            return await action(settings, store)

    return asyncio.run(main())


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"


def closed_early(round_: Round) -> bool:
    """Closed (or cancelled) before its planned closing time."""
    return (
        round_.closed_at is not None
        and round_.closes_at is not None
        and round_.closed_at < round_.closes_at
    )


def _closing(round_: Round, zone: ZoneInfo) -> str:
    """The planned closing time and, if it ended otherwise, when it actually did."""
    planned = _local(round_.closes_at, zone)
    if closed_early(round_):
        return f"{planned} ({round_.status} early, {_local(round_.closed_at, zone)})"
    if round_.closed_at is not None and round_.closes_at is None:
        return f"{planned} ({round_.status} {_local(round_.closed_at, zone)})"
    return planned


def _describe(round_: Round, zone: ZoneInfo) -> str:
    areas = ",".join(round_.area_ids) or "all areas"
    return (
        f"#{round_.id} {round_.survey_key} {round_.status} opens {_local(round_.opens_at, zone)} "
        f"closes {_closing(round_, zone)} ({areas})"
    )


def rounds_table(rounds: list[Round], zone: ZoneInfo) -> list[str]:
    """A header and one aligned line per round; times are local, ``-`` where none."""
    rows = [("ID", "SURVEY", "STATUS", "OPENS", "CLOSES", "CLOSED", "AREAS")]
    for round_ in rounds:
        closed = _local(round_.closed_at, zone)
        rows.append(
            (
                f"#{round_.id}",
                round_.survey_key,
                round_.status,
                _local(round_.opens_at, zone),
                _local(round_.closes_at, zone),
                f"{closed} (early)" if closed_early(round_) else closed,
                ",".join(round_.area_ids) or "all",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def cmd_rounds_create(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store, registry: SurveyRegistry) -> int:
        zone = settings.community.zone
        opens = parse_moment(args.opens, zone)
        round_ = await create_round(
            store,
            registry,
            args.survey,
            opens_at=opens,
            closes_at=parse_moment(args.closes, zone, now=opens),
            area_ids=_areas(args),
            remind_after=parse_offsets(args.remind),
            recurrence=args.every,
            allow_overlap=args.allow_overlap,
            zone=zone,
        )
        await store.audit.record(
            role="cli",
            action="rounds.create",
            allowed=True,
            detail={"round": round_.id, "survey": args.survey},
        )
        print(_describe(round_, zone))
        return EXIT_OK

    return _run(args, action)


def cmd_rounds_open(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store, registry: SurveyRegistry) -> int:
        zone = settings.community.zone
        now = utcnow()
        round_ = await create_round(
            store,
            registry,
            args.survey,
            opens_at=now,
            closes_at=parse_moment(args.closes, zone, now=now) if args.closes else None,
            area_ids=_areas(args),
            zone=zone,
            now=now,
            allow_overlap=args.allow_overlap,
        )
        clock = round_clock(settings, store, registry)
        events = [e for e in await clock.tick(now) if e.round.id == round_.id]
        queued = sum(e.queued for e in events if e.kind == "opened")
        await store.audit.record(
            role="cli",
            action="rounds.open",
            allowed=True,
            detail={"round": round_.id, "survey": args.survey, "queued": queued},
        )
        print(_describe(await store.rounds.get(round_.id), zone))
        print(f"{queued} invitation{'' if queued == 1 else 's'} queued")
        return EXIT_OK

    return _run(args, action)


def cmd_rounds_list(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store) -> int:
        rounds = await store.rounds.find()
        if not rounds:
            print("no rounds yet (plan one with `feedbackbot rounds create`)")
            return EXIT_OK
        print(f"times in {settings.community.timezone}")
        for line in rounds_table(rounds, settings.community.zone):
            print(line)
        return EXIT_OK

    return _read(args, action)


def cmd_rounds_show(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store) -> int:
        zone = settings.community.zone
        round_ = await store.rounds.get(args.round_id)
        progress = await store.rounds.progress(round_.id)
        print(_describe(round_, zone))
        reminders = ", ".join(
            m.astimezone(zone).strftime("%Y-%m-%d %H:%M") for m in reminder_times(round_, zone)
        )
        print(f"reminders: {reminders or 'none'} ({round_.reminders_done} handled)")
        print(f"repeats: {round_.recurrence or 'no'}")
        print(participation_line(progress, settings.privacy.min_group_size))
        return EXIT_OK

    return _read(args, action)


def cmd_rounds_close(args: argparse.Namespace) -> int:
    return _move(args, "close")


def cmd_rounds_cancel(args: argparse.Namespace) -> int:
    return _move(args, "cancel")


def _move(args: argparse.Namespace, how: str) -> int:
    async def action(settings: Settings, store: Store, registry: SurveyRegistry) -> int:
        move = store.rounds.close if how == "close" else store.rounds.cancel
        round_ = await move(args.round_id)
        await store.audit.record(
            role="cli", action=f"rounds.{how}", allowed=True, detail={"round": round_.id}
        )
        print(_describe(round_, settings.community.zone))
        return EXIT_OK

    return _run(args, action, create=False)
