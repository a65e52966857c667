"""Calendar arithmetic in the community's time zone: what "the same time next week" means.

Moments are stored in UTC, but people plan in local wall-clock time: a round that opens on
Monday at 18:00 should open next Monday at 18:00 even if the clocks changed in between (168 real
hours plus or minus one), and "remind me 2 days later" means the same time of day two days
later. The rule everywhere (rounds, reminders, recurrence, events): **whole days keep the local
time of day; other durations are exact** ("36h" is 36 real hours).

A wall time skipped when the clocks go forward maps to the instant just after the gap (02:30 on
the spring change becomes 03:30); a wall time that occurs twice when they go back means its
first occurrence.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)


def to_wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock time of an aware ``moment``."""
    return moment.astimezone(zone).replace(tzinfo=None)


def from_wall(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC moment of a naive local wall time (see the module docstring for gaps/folds)."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def shift(moment: datetime, offset: timedelta, zone: ZoneInfo) -> datetime:
    """``moment + offset`` by the rule above: whole days on the wall clock, else exact."""
    if offset % DAY:
        return moment + offset
    return from_wall(to_wall(moment, zone) + offset, zone)


def wall_span(start: datetime, end: datetime, zone: ZoneInfo) -> timedelta:
    """How far apart two moments are on the wall clock (a week is 7 days across a change)."""
    return to_wall(end, zone) - to_wall(start, zone)
