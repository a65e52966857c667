"""Time-driven report work, run at every poll of the bot's scheduler with the shared clock:
overdue reminders (once a day per report at most) and the "Has this been fixed?" follow-ups.

Both derive everything from the database, so a late poll (after downtime, or after the clock
jumped forward in a test) catches up, and running twice queues nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from surveys.reports import notices
from surveys.reports.desk import ReportDesk, ReportMessages
from surveys.store import Store

REMIND_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class DutyRun:
    reminded: int
    followups: int
    followup_messages: int


async def run_duties(
    store: Store, desk: ReportDesk, messages: ReportMessages, now: datetime
) -> DutyRun:
    """Queue what is due at ``now``; returns how much was queued."""
    policy = desk.policy
    reminded = 0
    for report in await store.reports.overdue(
        desk.overdue_moments(now), reminded_before=now - REMIND_EVERY
    ):
        await store.reports.mark_reminded(report.id, notices.overdue(report, policy, now.date()))
        reminded += 1
    followups = queued = 0
    for report in await store.reports.due_followups(now):
        eligible = report.status == "resolved" and not policy.treats_as_sensitive(report)
        queued += await store.reports.queue_followup(
            report, messages.followup(report) if eligible else None
        )
        followups += int(eligible)
    return DutyRun(reminded=reminded, followups=followups, followup_messages=queued)
