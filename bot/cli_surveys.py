"""``feedbackbot survey ...`` and ``feedbackbot rounds ...``: thin wrappers over ``surveys``."""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings, load_settings
from bot.reports import participation_line
from surveys.clock import utcnow
from surveys.definitions import check_files
from surveys.errors import DefinitionError, NotFoundError, RoundError, SurveysError
from surveys.library import builtin_keys
from surveys.models import Area, Round
from surveys.quiet import QuietHours
from surveys.registry import SurveyRegistry
from surveys.rounds import create_round, parse_moment, parse_offsets
from surveys.schedule import RoundClock
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
    sub.add_parser("list", help="list rounds", description="List rounds.").set_defaults(
        handler=cmd_rounds_list
    )
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
    args: argparse.Namespace, action: Callable[[Settings, Store, SurveyRegistry], Awaitable[int]]
) -> int:
    settings = load_settings(args.config)

    async def main() -> int:
        store = await Store.open(settings.database.path)
        try:
            await store.areas.sync(
                [Area(id=a.id, name=a.name, population=a.population) for a in settings.areas]
            )
            registry = SurveyRegistry(store, settings.community.languages, settings.surveys.files)
            return await action(settings, store, registry)
        finally:
            await store.close()

    try:
        return asyncio.run(main())
    except (RoundError, DefinitionError, NotFoundError) as exc:
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
        from bot.scheduling import invitation_message, reminder_message

        zone = settings.community.zone
        now = utcnow()
        round_ = await create_round(
            store,
            registry,
            args.survey,
            opens_at=now,
            closes_at=parse_moment(args.closes, zone, now=now) if args.closes else None,
            area_ids=_areas(args),
            now=now,
            allow_overlap=args.allow_overlap,
        )
        clock = RoundClock(
            store,
            registry,
            invitation=functools.partial(invitation_message, zone=zone),
            reminder=reminder_message,
            zone=zone,
            quiet=QuietHours.parse(settings.delivery.quiet_hours, zone),
        )
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
    async def action(settings: Settings, store: Store, registry: SurveyRegistry) -> int:
        rounds = await store.rounds.find()
        for round_ in rounds:
            print(_describe(round_, settings.community.zone))
        if not rounds:
            print("no rounds yet")
        return EXIT_OK

    return _run(args, action)


def cmd_rounds_show(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store, registry: SurveyRegistry) -> int:
        zone = settings.community.zone
        round_ = await store.rounds.get(args.round_id)
        progress = await store.rounds.progress(round_.id)
        print(_describe(round_, zone))
        reminders = ", ".join(
            m.astimezone(zone).strftime("%Y-%m-%d %H:%M") for m in round_.reminder_times
        )
        print(f"reminders: {reminders or 'none'} ({round_.reminders_done} handled)")
        print(f"repeats: {round_.recurrence or 'no'}")
        print(participation_line(progress, settings.privacy.min_group_size))
        return EXIT_OK

    return _run(args, action)


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

    return _run(args, action)
