"""``feedbackbot delivery status|retry``: what the outbox did, and sending failed messages again.

Residents appear by pseudonym only. A running bot picks re-queued messages up within its poll
interval; the coordinators were told about each failure when it happened.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cli_options import add_database_option, open_store, settings_of
from bot.config import Settings
from surveys.models import DeliveryCounts, FailedDelivery
from surveys.store import Store

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
STATUSES = ("pending", "sending", "sent", "failed", "skipped")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    delivery = commands.add_parser(
        "delivery",
        help="messages sent to many chats (the outbox)",
        description="See how announcements, invitations and reminders were delivered, and "
        "send failed ones again.",
    )
    sub = delivery.add_subparsers(dest="delivery_command", metavar="COMMAND", required=True)
    status = sub.add_parser(
        "status",
        help="counts per purpose and the failed messages",
        description="Messages per purpose (e.g. invite:3 = the invitations of round 3) by "
        "status, then the most recent failed ones with their last error and whether the "
        "coordinators were told.",
    )
    status.add_argument("--purpose", default=None, metavar="P", help="only this purpose")
    status.add_argument(
        "--failed", type=int, default=20, metavar="N", help="failed messages to list (default 20)"
    )
    status.set_defaults(handler=cmd_status)
    retry = sub.add_parser(
        "retry",
        help="send failed messages again",
        description="Put failed messages back in the queue with fresh attempts (all of them, "
        "those of --purpose, or the given ids). Residents who blocked the bot or left are "
        "skipped when their turn comes.",
    )
    retry.add_argument("ids", nargs="*", type=int, metavar="ID", help="outbox ids (see status)")
    retry.add_argument("--purpose", default=None, metavar="P", help="only this purpose")
    retry.set_defaults(handler=cmd_retry)
    for command in (status, retry):
        add_database_option(command)


def _run(
    args: argparse.Namespace,
    action: Callable[[Settings, Store], Awaitable[int]],
    *,
    writes: bool,
) -> int:
    """Run a command on the store; a reading one opens it read-only (never creating or
    migrating it)."""
    settings = settings_of(args)

    async def main() -> int:
        async with open_store(settings, args, read_only=not writes) as store:
            return await action(settings, store)

    return asyncio.run(main())


def cmd_status(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store) -> int:
        counts = await store.outbox.counts_by_purpose()
        if args.purpose is not None:
            counts = {p: c for p, c in counts.items() if p == args.purpose}
        if not counts:
            print("nothing was queued yet" if args.purpose is None else "no such purpose")
            return EXIT_OK
        print(_table(counts))
        failures = await store.outbox.recent_failures(args.failed, args.purpose)
        if failures:
            total = sum(c.failed for c in counts.values())
            print(f"\nfailed ({len(failures)} most recent of {total}):")
            for failure in failures:
                print(_describe(failure, settings.community.zone))
        return EXIT_OK

    return _run(args, action, writes=False)


def cmd_retry(args: argparse.Namespace) -> int:
    async def action(settings: Settings, store: Store) -> int:
        count = await store.outbox.requeue_failed(purpose=args.purpose, item_ids=args.ids)
        await store.audit.record(
            role="cli",
            action="delivery.retry",
            allowed=True,
            detail={"purpose": args.purpose, "ids": args.ids, "requeued": count},
        )
        print(f"{count} failed messages queued again")
        if not count:
            print("(nothing matched: see `feedbackbot delivery status`)", file=sys.stderr)
        return EXIT_OK if count else EXIT_FAILURE

    return _run(args, action, writes=True)


def _table(counts: dict[str, DeliveryCounts]) -> str:
    width = max(len("purpose"), *(len(purpose) for purpose in counts))
    lines = [f"{'purpose':<{width}}  " + "  ".join(f"{s:>7}" for s in STATUSES)]
    for purpose, row in counts.items():
        lines.append(f"{purpose:<{width}}  " + "  ".join(f"{getattr(row, s):>7}" for s in STATUSES))
    return "\n".join(lines)


def _describe(failure: FailedDelivery, zone: ZoneInfo) -> str:
    def local(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"

    told = f"told {local(failure.reported_at)}" if failure.reported_at else "not told yet"
    who = f"{failure.pseudonym}" + (" (unreachable)" if failure.unreachable else "")
    return (
        f"#{failure.id} {failure.purpose} {who} failed {local(failure.failed_at)} after "
        f"{failure.attempts} attempts ({told}): {failure.error}"
    )
