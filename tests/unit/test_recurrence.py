"""Recurring rounds and reminder offsets in the community's time zone (issue 9 item 6).

Property tests over daylight-saving changes and month ends in zones with different rules
(northern and southern hemisphere, a 30-minute change), plus the exact cases from the issue.
"""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.errors import RoundError
from surveys.recurrence import next_opening, validate_recurrence
from surveys.wallclock import from_wall, shift, to_wall

ZONES = [
    ZoneInfo(name)
    for name in (
        "Europe/Madrid",
        "America/New_York",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "America/Santiago",
        "UTC",
    )
]
MADRID = ZoneInfo("Europe/Madrid")

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
).map(lambda m: m.replace(second=0, microsecond=0))


def exists(wall: datetime, zone: ZoneInfo) -> bool:
    return to_wall(from_wall(wall, zone), zone) == wall


def series(recurrence: str, anchor: datetime, zone: ZoneInfo, count: int) -> list[datetime]:
    openings = [anchor]
    for _ in range(count):
        openings.append(next_opening(recurrence, openings[-1], anchor, zone))
    return openings


@settings(max_examples=150, deadline=None)
@given(anchor=moments, zone=st.sampled_from(ZONES))
def test_weekly_keeps_the_local_time_across_changes(anchor: datetime, zone: ZoneInfo) -> None:
    """If a round repeats weekly, then occurrence k is on the anchor's weekday k weeks later,
    at the anchor's local time wherever that time exists that day, so after any number of
    daylight-saving changes nothing has drifted; consecutive openings are a week apart give or
    take the clock change."""
    start = to_wall(anchor, zone)
    openings = series("weekly", anchor, zone, 60)
    for k, (before, after) in enumerate(itertools.pairwise(openings), start=1):
        assert after > before
        assert abs((after - before) - timedelta(days=7)) <= timedelta(hours=1)
        wall, planned = to_wall(after, zone), start + timedelta(weeks=k)
        assert wall == planned or (not exists(planned, zone) and wall > planned)
        assert wall.date() == planned.date()


@settings(max_examples=150, deadline=None)
@given(anchor=moments, zone=st.sampled_from(ZONES))
def test_monthly_keeps_the_anchor_day(anchor: datetime, zone: ZoneInfo) -> None:
    """If a round repeats monthly, then each opening is in the next month, on the anchor's day
    or the month's last day when it is shorter (the 31st comes back after a 30th or 28th),
    at the anchor's local time wherever it exists."""
    start = to_wall(anchor, zone)
    openings = series("monthly", anchor, zone, 30)
    for k, opening in enumerate(openings[1:], start=1):
        wall = to_wall(opening, zone)
        year, month = divmod(start.month - 1 + k, 12)
        year, month = start.year + year, month + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        expected = start.replace(year=year, month=month, day=day)
        if exists(expected, zone):
            assert wall == expected
        else:
            assert wall.date() == expected.date() and wall > expected
    assert all(b > a for a, b in itertools.pairwise(openings))


CRONS = [
    # (expression, local hour, minute, allowed Python weekdays, allowed days of the month)
    ("0 18 * * 1-5/2", 18, 0, {0, 2, 4}, None),  # Mon, Wed, Fri: a weekday step
    ("30 9 * * */2", 9, 30, {6, 1, 3, 5}, None),  # Sun, Tue, Thu, Sat: */2 on weekdays
    ("15 2 * * 0", 2, 15, {6}, None),  # Sundays at 02:15: inside Europe's spring gap
    ("0 10 1,15 * *", 10, 0, set(range(7)), {1, 15}),
]


@settings(max_examples=120, deadline=None)
@given(start=moments, zone=st.sampled_from(ZONES), cron=st.sampled_from(CRONS))
def test_cron_lines_match_in_local_time_and_skip_nothing(
    start: datetime, zone: ZoneInfo, cron: tuple[str, int, int, set[int], set[int] | None]
) -> None:
    """If a round repeats by a crontab line, then every opening is on an allowed local day at
    the line's local time (or just after a clock-change gap that swallowed it), openings only
    move forward, and no allowed day between two openings is skipped."""
    expression, hour, minute, weekdays, days = cron

    def allowed(day: datetime) -> bool:
        return day.weekday() in weekdays and (days is None or day.day in days)

    openings = series(expression, start, zone, 25)[1:]
    previous = start
    for opening in openings:
        assert opening > previous
        wall = to_wall(opening, zone)
        planned = wall.replace(hour=hour, minute=minute)
        assert allowed(wall)
        assert wall == planned or (not exists(planned, zone) and wall > planned)
        day = to_wall(previous, zone).date() + timedelta(days=1)
        while day < wall.date():
            candidate = datetime.combine(day, planned.time())
            assert not allowed(candidate), f"{expression}: {day} skipped"
            day += timedelta(days=1)
        previous = opening


@settings(max_examples=200, deadline=None)
@given(
    moment=moments,
    zone=st.sampled_from(ZONES),
    days=st.integers(min_value=1, max_value=60),
    extra=st.integers(min_value=1, max_value=23 * 60),
)
def test_offsets_whole_days_local_others_exact(
    moment: datetime, zone: ZoneInfo, days: int, extra: int
) -> None:
    """If a reminder is whole days after the opening, then it keeps the opening's local time
    (where that exists); any other offset is exact elapsed time."""
    whole = shift(moment, timedelta(days=days), zone)
    target = to_wall(moment, zone) + timedelta(days=days)
    if exists(target, zone):
        assert to_wall(whole, zone) == target
    assert shift(moment, timedelta(days=days, minutes=extra), zone) == moment + timedelta(
        days=days, minutes=extra
    )


def test_the_issues_cases() -> None:
    """The reported cases: an 18:00 weekly round stays at 18:00 after the spring change; a
    monthly round on the 31st goes 31 Jan -> 28 Feb -> 31 Mar -> 30 Apr -> 31 May; a 2-day
    reminder after 18:00 comes at 18:00."""
    anchor = datetime(2026, 3, 23, 18, 0, tzinfo=MADRID)  # the change is on 29 March
    nxt = next_opening("weekly", anchor, anchor, MADRID)
    assert nxt.astimezone(MADRID) == datetime(2026, 3, 30, 18, 0, tzinfo=MADRID)
    assert nxt - anchor == timedelta(days=7, hours=-1)
    first = datetime(2026, 1, 31, 18, 0, tzinfo=MADRID)
    days = [d.astimezone(MADRID).date().isoformat() for d in series("monthly", first, MADRID, 4)]
    assert days == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]
    reminder = shift(datetime(2026, 3, 28, 18, 0, tzinfo=MADRID), timedelta(days=2), MADRID)
    assert reminder.astimezone(MADRID).hour == 18


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("weekly", "weekly"),
        ("monthly", "monthly"),
        ("0 18 * * 1-5/2", "0 18 * * 1-5/2"),
        ("0  18 * *  */2", "0 18 * * */2"),
        (None, None),
    ],
)
def test_recurrences_accepted(text: str | None, normalised: str | None) -> None:
    """If --every is weekly, monthly or a crontab line (weekday steps included), then it is
    accepted (spaces normalised)."""
    assert validate_recurrence(text) == normalised


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("every tuesday", "5 fields"),
        ("0 18 * * * *", "5 fields"),
        ("0 25 * * *", "not a valid"),
        ("0 0 30 2 *", "no next time"),
    ],
)
def test_recurrences_refused(text: str, reason: str) -> None:
    """If --every cannot describe a schedule, then RoundError says why."""
    with pytest.raises(RoundError, match=reason):
        validate_recurrence(text)
