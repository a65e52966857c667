"""Event times in the community's time zone: reading them, showing them, and when reminders
fall due.

Times are entered as local wall-clock times and stored in UTC. A local time that does not
exist (skipped by a daylight-saving change) is refused rather than silently moved; an
ambiguous one (repeated when clocks go back) means its first occurrence.

Reminders a whole number of days before the start keep the local time of day: the "day before"
reminder of a 19:00 event comes at 19:00 even across a daylight-saving change (then 23 or 25
hours before). Other offsets are exact durations ("1h" is 60 minutes before).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from surveys.errors import EventError, RoundError
from surveys.events.models import ReminderPlan
from surveys.rounds import parse_duration
from surveys.wallclock import shift


def exists_locally(wall: datetime, zone: ZoneInfo) -> bool:
    """Whether a naive wall-clock time exists in ``zone`` (not skipped by a DST change)."""
    aware = wall.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def parse_local(text: str, zone: ZoneInfo) -> datetime:
    """``2026-03-14T18:00`` or ``2026-03-14 18:00`` in the community's zone (an explicit
    offset is honoured) -> an aware UTC datetime."""
    cleaned = text.strip()
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise EventError(
            "event_bad_time",
            f"cannot read {text!r} as a date and time: use YYYY-MM-DDTHH:MM, e.g. 2026-12-01T18:00",
            value=text,
        ) from None
    if "T" not in cleaned and " " not in cleaned:
        raise EventError(
            "event_bad_time",
            f"{text!r} has no time of day: use YYYY-MM-DDTHH:MM, e.g. 2026-12-01T18:00",
            value=text,
        )
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    if not exists_locally(moment, zone):
        raise EventError(
            "event_time_skipped",
            f"{moment:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks skip it); "
            "choose another time",
            value=f"{moment:%Y-%m-%d %H:%M}",
            zone=zone.key,
        )
    return moment.replace(tzinfo=zone).astimezone(UTC)


def parse_end(text: str, starts_at: datetime, zone: ZoneInfo) -> datetime:
    """The end: a local date and time, or a duration after the start (``2h``, ``90m``)."""
    try:
        return starts_at + parse_duration(text)
    except RoundError:
        return parse_local(text, zone)


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def span_text(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    """``2026-03-14 18:00–20:00`` (or both dates when it runs past midnight), local time."""
    start, end = local(starts_at, zone), local(ends_at, zone)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def reminder_due(starts_at: datetime, before: timedelta, zone: ZoneInfo) -> datetime:
    """When a reminder ``before`` the start falls due (UTC); whole days keep the local time
    (the rule of :mod:`surveys.wallclock`, shared with survey rounds)."""
    return shift(starts_at, -before, zone)


def reminder_plans(
    starts_at: datetime, offsets: Sequence[timedelta], quiet_from: timedelta, zone: ZoneInfo
) -> list[ReminderPlan]:
    """The reminders of one start time, earliest first; those at least ``quiet_from`` before
    the start wait for the end of quiet hours."""
    plans = [
        ReminderPlan(
            before=offset, due=reminder_due(starts_at, offset, zone), quiet=offset >= quiet_from
        )
        for offset in offsets
        if offset > timedelta(0)
    ]
    return sorted(plans, key=lambda plan: plan.due)
