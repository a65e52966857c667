"""``feedbackbot events ...``: create, list, show, edit and cancel community events.

Times are read and shown in the community's time zone. A running bot announces an event created
here (unless ``--no-announce``), reminds those coming and opens the feedback round afterwards;
edits and cancellations queue their notices here and the running bot delivers them.
No command prompts when standard input is not a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.cli_options import add_database_option, open_store, settings_of
from bot.config import Settings
from bot.event_messages import EventOutbox
from bot.services import event_policy, load_catalogue, mirror_areas
from surveys.errors import (
    DatabaseMissingError,
    EventError,
    NotFoundError,
    SchemaOutdatedError,
    SurveysError,
)
from surveys.events.board import EventBoard, EventOverview
from surveys.events.models import EventChanges, EventSpec, EventText
from surveys.events.times import parse_end, parse_local, span_text
from surveys.store import Store

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
Action = Callable[[Settings, Store, EventBoard], Awaitable[int]]
M = TypeVar("M", bound=BaseModel)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    events = commands.add_parser(
        "events",
        help="community events",
        description="Create, list, show, edit and cancel community events. Times are read and "
        "shown in the community's time zone. A running bot announces new events to their "
        "areas, reminds residents who are coming and asks them for feedback afterwards.",
    )
    sub = events.add_subparsers(dest="events_command", metavar="COMMAND", required=True)
    create = sub.add_parser(
        "create",
        help="create an event (prints its id)",
        description="Create an event and print its id. Without --areas it is for every area. "
        "A running bot announces it within seconds (quiet hours apply) unless --no-announce.",
    )
    create.add_argument("--title", required=True, help="title in the default language")
    create.add_argument("--starts", required=True, metavar="YYYY-MM-DDTHH:MM", help="start")
    create.add_argument(
        "--ends",
        required=True,
        metavar="YYYY-MM-DDTHH:MM|2h",
        help="end, or a duration after the start",
    )
    create.add_argument("--place", required=True, help="where it happens")
    create.add_argument("--areas", default="", metavar="A,B", help="area ids (default: all)")
    create.add_argument("--capacity", type=int, default=None, metavar="N", help="places")
    create.add_argument("--partner", default=None, metavar="NAME", help="partner organisation")
    create.add_argument("--description", default="", help="description in the default language")
    create.add_argument(
        "--no-announce", action="store_true", help="do not announce it to residents"
    )
    _add_translations(create)
    create.set_defaults(handler=cmd_events_create)

    listing = sub.add_parser(
        "list", help="list events", description="List events with their answers so far."
    )
    listing.add_argument("--upcoming", action="store_true", help="only events not yet ended")
    listing.set_defaults(handler=cmd_events_list)

    show = sub.add_parser(
        "show",
        help="show an event and its answers",
        description="Show an event's details, the counts going / maybe / can't go / waiting, "
        "the waiting list (positions only, never names), reminders and the feedback round.",
    )
    show.add_argument("event_id", type=int, metavar="ID")
    show.set_defaults(handler=cmd_events_show)

    edit = sub.add_parser(
        "edit",
        help="change an event",
        description="Change an event that has not ended. A new time or place is told to "
        "residents going, maybe or waiting, with an updated calendar file. --capacity 0 "
        "removes the limit; a higher capacity gives places to the waiting list.",
    )
    edit.add_argument("event_id", type=int, metavar="ID")
    edit.add_argument("--title", default=None, help="new title in the default language")
    edit.add_argument("--starts", default=None, metavar="YYYY-MM-DDTHH:MM", help="new start")
    edit.add_argument(
        "--ends", default=None, metavar="YYYY-MM-DDTHH:MM|2h", help="new end, or a duration"
    )
    edit.add_argument("--place", default=None, help="new place")
    edit.add_argument(
        "--capacity", type=int, default=None, metavar="N", help="places (0: no limit)"
    )
    edit.add_argument("--partner", default=None, metavar="NAME", help="partner ('' for none)")
    edit.add_argument("--description", default=None, help="new description")
    _add_translations(edit)
    edit.set_defaults(handler=cmd_events_edit)

    results = sub.add_parser(
        "results",
        help="attendance and satisfaction per event and partner",
        description="Figures from the events' feedback rounds: respondents, attended, found it "
        "useful (and the mean rating), would come again, per event and pooled per partner. "
        "Figures resting on fewer than privacy.min_group_size people are withheld (blank), "
        "and so is a partner's figure that would reveal a withheld event by subtraction.",
    )
    results.add_argument(
        "--format", choices=["text", "csv", "json"], default="text", help="output format"
    )
    results.set_defaults(handler=cmd_events_results)

    cancel = sub.add_parser(
        "cancel",
        help="cancel an event",
        description="Cancel an event: unsent messages about it are dropped and residents going, "
        "maybe or waiting are told, with a calendar file that removes it. On a terminal you "
        "are asked to confirm unless --yes.",
    )
    cancel.add_argument("event_id", type=int, metavar="ID")
    cancel.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    cancel.set_defaults(handler=cmd_events_cancel)
    for command in (create, listing, show, edit, results, cancel):
        add_database_option(command)


def _add_translations(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--title-in",
        nargs=2,
        action="append",
        default=[],
        metavar=("LANG", "TITLE"),
        help="title in another configured language (repeatable)",
    )
    parser.add_argument(
        "--description-in",
        nargs=2,
        action="append",
        default=[],
        metavar=("LANG", "TEXT"),
        help="description in another configured language (repeatable)",
    )


def _run(
    args: argparse.Namespace, action: Action, *, writes: bool = True, create: bool = False
) -> int:
    """Run an events command; reading opens the database read-only (never creating or
    migrating it), writing mirrors the configured areas first (only ``create`` makes a
    missing database)."""
    settings = settings_of(args)

    async def main() -> int:
        async with open_store(settings, args, read_only=not writes, create=create) as store:
            if writes:
                await mirror_areas(store, settings)
            policy = event_policy(settings)
            board = EventBoard(store, policy, EventOutbox(load_catalogue(settings), policy.zone))
            return await action(settings, store, board)

    try:
        return asyncio.run(main())
    except (EventError, NotFoundError, DatabaseMissingError, SchemaOutdatedError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    except SurveysError as exc:
        return _fail(str(exc), EXIT_FAILURE)


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _texts(
    args: argparse.Namespace, default: str, existing: dict[str, EventText]
) -> dict[str, EventText]:
    """The texts to store from --title/--description and their -in forms; what is not given
    keeps its ``existing`` value (creating: there is none)."""
    titles = dict(args.title_in)
    descriptions = dict(args.description_in)
    if args.title is not None:
        titles[default] = args.title
    if args.description is not None:
        descriptions[default] = args.description
    texts = {}
    for language in sorted(set(titles) | set(descriptions)):
        before = existing.get(language)
        title = titles.get(language, before.title if before else None)
        if title is None:
            raise EventError(
                "event_title_missing",
                f"a description in {language!r} needs a title in {language!r} as well "
                f"(--title-in {language} TITLE)",
            )
        description = descriptions.get(language, before.description if before else "")
        texts[language] = _valid(EventText, title=title, description=description)
    return texts


def _valid(model: type[M], **values: object) -> M:
    """Build ``model``, turning pydantic's complaint into one line."""
    try:
        return model(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = " ".join(str(part) for part in error["loc"] if not isinstance(part, int))
        raise EventError("event_invalid", f"{where.replace('_', ' ')}: {error['msg']}") from None


def _areas(text: str) -> list[str]:
    return [area.strip() for area in text.split(",") if area.strip()]


def _check_capacity(value: int | None, *, allow_zero: bool) -> None:
    if value is not None and (value < 0 or (value == 0 and not allow_zero)):
        raise EventError("event_bad_capacity", "--capacity must be a positive number of places")


def cmd_events_create(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store, board: EventBoard) -> int:
        zone = settings.community.zone
        _check_capacity(args.capacity, allow_zero=False)
        starts = parse_local(args.starts, zone)
        spec = _valid(
            EventSpec,
            texts=_texts(args, settings.community.default_language, {}),
            starts_at=starts,
            ends_at=parse_end(args.ends, starts, zone),
            place=args.place,
            area_ids=_areas(args.areas),
            capacity=args.capacity,
            partner=args.partner or None,
            announce=not args.no_announce,
        )
        event = await board.create(spec, created_by="cli")
        await store.audit.record(
            role="cli", action="events.create", allowed=True, detail={"event": event.id}
        )
        print(event.id)
        if event.announce:
            audience = await board.audience_size(event.area_ids)
            held = board.held_until()
            later = f" at {held.astimezone(zone):%H:%M} (quiet hours)" if held else ""
            print(
                f"event {event.id} created; a running bot announces it to "
                f"{_people(audience)}{later}",
                file=sys.stderr,
            )
        return EXIT_OK

    return _run(args, action, create=True)


def _people(count: int) -> str:
    return f"{count} resident" if count == 1 else f"{count} residents"


def cmd_events_list(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store, board: EventBoard) -> int:
        zone = settings.community.zone
        overviews = await board.listing(upcoming_only=args.upcoming)
        if not overviews:
            print("no events yet" if not args.upcoming else "no upcoming events")
            return EXIT_OK
        print(f"times in {zone.key}")
        print("ID  WHEN                          STATUS     GOING  MAYBE  CAN'T  WAITING  TITLE")
        for overview in overviews:
            print(_row(overview, settings))
        return EXIT_OK

    return _run(args, action, writes=False)


def _row(overview: EventOverview, settings: Settings) -> str:
    event, counts = overview.event, overview.counts
    going = f"{counts.going}/{event.capacity}" if event.capacity else str(counts.going)
    when = span_text(event.starts_at, event.ends_at, settings.community.zone)
    title = event.text(settings.community.default_language).title
    return (
        f"{event.id:<3} {when:<29} {event.status:<10} {going:<6} {counts.maybe:<6} "
        f"{counts.cant:<6} {counts.waiting:<8} {title}"
    )


def cmd_events_show(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store, board: EventBoard) -> int:
        zone = settings.community.zone
        overview = await board.overview(args.event_id)
        event, counts = overview.event, overview.counts
        default = settings.community.default_language

        def local(moment: datetime | None) -> str:
            return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"

        print(f"#{event.id} {event.text(default).title} ({event.status})")
        for language, text in event.texts.items():
            if language != default:
                print(f"title ({language}): {text.title}")
        print(f"when: {span_text(event.starts_at, event.ends_at, zone)} ({zone.key})")
        print(f"place: {event.place}")
        print(f"areas: {', '.join(event.area_ids) or 'all areas'}")
        print(f"partner: {event.partner or '-'}")
        print(f"capacity: {event.capacity or 'no limit'}")
        if event.text(default).description:
            print(f"description: {event.text(default).description}")
        announced = local(event.announced_at) if event.announce else "not announced (by choice)"
        print(f"announced: {announced if event.announced_at or not event.announce else 'not yet'}")
        print(
            f"going {counts.going}, maybe {counts.maybe}, can't go {counts.cant}, "
            f"waiting {counts.waiting}"
        )
        if overview.waiting:
            places = ", ".join(f"#{w.position} since {local(w.since)}" for w in overview.waiting)
            print(f"waiting list: {places}")
        for before, starts, outcome, queued in await store.events.reminder_log(event.id):
            suffix = f" to {_people(queued)}" if outcome == "queued" else ""
            print(f"reminder {before} before {local(starts)}: {outcome}{suffix}")
        if event.feedback_round_id:
            print(f"feedback: round #{event.feedback_round_id}")
        elif event.feedback_at:
            print("feedback: none (nobody was going)")
        print(f"sequence: {event.sequence}")
        return EXIT_OK

    return _run(args, action, writes=False)


def cmd_events_edit(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store, board: EventBoard) -> int:
        zone = settings.community.zone
        _check_capacity(args.capacity, allow_zero=True)
        event = await store.events.get(args.event_id)
        texts = _texts(args, settings.community.default_language, event.texts)
        starts = parse_local(args.starts, zone) if args.starts else None
        ends = parse_end(args.ends, starts or event.starts_at, zone) if args.ends else None
        changes = _valid(
            EventChanges,
            texts=texts,
            starts_at=starts,
            ends_at=ends,
            place=args.place,
            capacity=args.capacity,
            partner=args.partner,
        )
        result = await board.edit(args.event_id, changes)
        await store.audit.record(
            role="cli",
            action="events.edit",
            allowed=True,
            detail={"event": event.id, "sequence": result.event.sequence},
        )
        print(f"#{event.id} updated (sequence {result.event.sequence})")
        if result.notified:
            print(f"{_people(result.notified)} will be told of the change")
        if result.promoted:
            print(f"{_people(len(result.promoted))} moved up from the waiting list")
        return EXIT_OK

    return _run(args, action)


def cmd_events_cancel(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store, board: EventBoard) -> int:
        event = await store.events.get(args.event_id)
        title = event.text(settings.community.default_language).title
        if not args.yes and sys.stdin.isatty():
            counts = await store.events.counts(event.id)
            told = counts.going + counts.maybe + counts.waiting
            question = f"Cancel #{event.id} {title} and tell {_people(told)}? [y/N] "
            reply = await asyncio.to_thread(input, question)
            if reply.strip().lower() not in ("y", "yes"):
                print("nothing changed")
                return EXIT_FAILURE
        cancelled, notified = await board.cancel(event.id)
        await store.audit.record(
            role="cli", action="events.cancel", allowed=True, detail={"event": event.id}
        )
        print(f"#{cancelled.id} {title} cancelled; {_people(notified)} will be told")
        return EXIT_OK

    return _run(args, action)


def cmd_events_results(args: argparse.Namespace) -> int:
    # statistics need scipy: imported here, so the other commands and the bot stay light
    from surveys.events.results import event_results
    from surveys.export.events import EVENTS, PARTNERS, event_rows, partner_rows
    from surveys.export.writer import csv_text, iso
    from surveys.store.event_results import EventResultReader

    async def action(settings: Settings, store: Store, board: EventBoard) -> int:
        zone = settings.community.zone
        results = await store.db.run_read(
            lambda conn: event_results(
                EventResultReader(conn),
                min_group_size=settings.privacy.min_group_size,
                language=settings.community.default_language,
            )
        )
        tables = ((EVENTS, event_rows(results)), (PARTNERS, partner_rows(results)))

        def text(value: object) -> str:
            if isinstance(value, datetime):
                return iso(value, zone)
            return "" if value is None else str(value)

        if args.format == "json":
            document = {
                table.name: [dict(zip(table.names, map(text, row), strict=True)) for row in rows]
                for table, rows in tables
            }
            print(json.dumps({"min_group_size": results.min_group_size, **document}, indent=2))
        elif args.format == "csv":
            for table, rows in tables:
                print(",".join(["table", *table.names]))
                for row in rows:
                    print(
                        ",".join(
                            [
                                table.name,
                                *(
                                    csv_text(text(c)) if isinstance(c, str) else text(c)
                                    for c in row
                                ),
                            ]
                        )
                    )
        else:
            print(f"empty figures are withheld (fewer than {results.min_group_size} people)")
            for table, rows in tables:
                print(f"{table.name}: {len(rows)}")
                print("  " + " | ".join(table.names))
                for row in rows:
                    print("  " + " | ".join(text(c) or "-" for c in row))
        return EXIT_OK

    return _run(args, action, writes=False)
