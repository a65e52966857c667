"""Event times: local input, refused and ambiguous wall times, reminder due times across
daylight-saving changes, and the capacity rule as a pure function."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from surveys.errors import EventError
from surveys.events.models import RsvpChoice, RsvpStatus
from surveys.events.rsvp import places_to_fill, settle
from surveys.events.times import (
    exists_locally,
    parse_end,
    parse_local,
    reminder_due,
    reminder_plans,
    span_text,
)

MADRID = ZoneInfo("Europe/Madrid")
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T18:00", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
        ("2026-12-01 18:00", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
        ("2026-07-01T18:00", datetime(2026, 7, 1, 16, 0, tzinfo=UTC)),
        ("2026-07-01T18:00+00:00", datetime(2026, 7, 1, 18, 0, tzinfo=UTC)),
        # clocks go back at 03:00 on 25 October 2026: 02:30 happens twice, the first counts
        ("2026-10-25T02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
)
def test_parse_local(text: str, expected: datetime) -> None:
    """If a time is typed without an offset, then it is read in the community's zone."""
    assert parse_local(text, MADRID) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("tomorrow", "event_bad_time"),
        ("2026-12-01", "event_bad_time"),
        ("2026-13-01T18:00", "event_bad_time"),
        ("2026-03-29T02:30", "event_time_skipped"),  # clocks jump from 02:00 to 03:00
    ],
)
def test_unreadable_or_skipped_times_are_refused(text: str, code: str) -> None:
    """If a time cannot be read, has no time of day or does not exist locally, then the error
    names the problem (a skipped time is never silently moved)."""
    with pytest.raises(EventError) as caught:
        parse_local(text, MADRID)
    assert caught.value.code == code
    if code == "event_time_skipped":
        assert "Europe/Madrid" in str(caught.value)


def test_end_is_a_duration_or_a_time() -> None:
    """If the end is a duration, then it counts from the start; otherwise it is a local time."""
    start = parse_local("2026-12-01T18:00", MADRID)
    assert parse_end("90m", start, MADRID) == start + timedelta(minutes=90)
    assert parse_end("2026-12-01T20:00", start, MADRID) == start + 2 * HOUR


def test_span_text_is_local() -> None:
    """If an event is shown, then its times are local; a second date only past midnight."""
    start = parse_local("2026-12-01T18:00", MADRID)
    assert span_text(start, start + 2 * HOUR, MADRID) == "2026-12-01 18:00–20:00"
    assert span_text(start, start + 8 * HOUR, MADRID) == "2026-12-01 18:00 – 2026-12-02 02:00"


@pytest.mark.parametrize(
    ("start_local", "before", "due_local", "hours_before"),
    [
        # spring forward on Sunday 29 March 2026: the day before is 23 hours earlier
        ("2026-03-29T19:00", DAY, "2026-03-28T19:00", 23),
        # fall back on Sunday 25 October 2026: the day before is 25 hours earlier
        ("2026-10-25T19:00", DAY, "2026-10-24T19:00", 25),
        ("2026-03-29T19:00", HOUR, "2026-03-29T18:00", 1),
        # 1 h before 03:30 on the spring-forward day is 01:30 (02:xx does not exist)
        ("2026-03-29T03:30", HOUR, "2026-03-29T01:30", 1),
        ("2026-07-10T19:00", 2 * DAY, "2026-07-08T19:00", 48),
    ],
)
def test_reminder_due_across_daylight_saving(
    start_local: str, before: timedelta, due_local: str, hours_before: int
) -> None:
    """If a reminder is whole days before the start, then it keeps the local time of day even
    across a daylight-saving change; other offsets are exact durations."""
    start = parse_local(start_local, MADRID)
    due = reminder_due(start, before, MADRID)
    assert due.astimezone(MADRID).replace(tzinfo=None) == datetime.fromisoformat(due_local)
    assert start - due == timedelta(hours=hours_before)


ZONES = [ZoneInfo(name) for name in ("Europe/Madrid", "America/New_York", "Australia/Lord_Howe")]


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)),
    zone=st.sampled_from(ZONES),
    days=st.integers(min_value=1, max_value=3),
    hours=st.integers(min_value=1, max_value=23),
)
def test_reminder_due_properties(start: datetime, zone: ZoneInfo, days: int, hours: int) -> None:
    """If a reminder is planned for any start in these zones, then it falls before the start;
    a days-before reminder lands on the start's local time of day whenever that time exists,
    within the zone's DST shift of the exact duration; an hours-before one is exact."""
    assume(exists_locally(start, zone))
    start_utc = start.replace(tzinfo=zone).astimezone(UTC)
    by_days = reminder_due(start_utc, timedelta(days=days), zone)
    assert by_days < start_utc
    assert abs((start_utc - by_days) - timedelta(days=days)) <= HOUR
    wall = start - timedelta(days=days)
    if exists_locally(wall, zone):
        assert by_days.astimezone(zone).replace(tzinfo=None) == wall
    assert reminder_due(start_utc, timedelta(hours=hours), zone) == start_utc - timedelta(
        hours=hours
    )


def test_reminder_plans_order_and_quiet_flag() -> None:
    """If reminders are planned, then the earliest comes first and only those at least
    quiet_from before the start wait for quiet hours."""
    start = parse_local("2026-12-01T18:00", MADRID)
    plans = reminder_plans(start, [HOUR, DAY], 12 * HOUR, MADRID)
    assert [(p.before, p.quiet) for p in plans] == [(DAY, True), (HOUR, False)]
    assert [p.due for p in plans] == [start - DAY, start - HOUR]


@pytest.mark.parametrize(
    ("choice", "previous", "going", "waiting", "capacity", "expected"),
    [
        ("going", None, 0, 0, None, "going"),
        ("going", None, 4, 0, 5, "going"),
        ("going", None, 5, 0, 5, "waiting"),
        ("going", "maybe", 4, 1, 5, "waiting"),  # someone waits ahead (capacity just raised)
        ("going", "going", 5, 3, 5, "going"),
        ("going", "waiting", 5, 3, 5, "waiting"),
        ("maybe", "going", 5, 3, 5, "maybe"),
        ("cant", "waiting", 5, 3, 5, "cant"),
        ("maybe", None, 0, 0, 1, "maybe"),
    ],
)
def test_settle(
    choice: RsvpChoice,
    previous: RsvpStatus | None,
    going: int,
    waiting: int,
    capacity: int | None,
    expected: RsvpStatus,
) -> None:
    """If a resident answers, then Going is granted only while places are left and nobody
    waits ahead; repeating an answer keeps the place or the position."""
    assert settle(choice, previous, going=going, waiting=waiting, capacity=capacity) == expected


@pytest.mark.parametrize(
    ("going", "waiting", "capacity", "expected"),
    [(5, 3, 5, 0), (4, 3, 5, 1), (1, 3, 5, 3), (0, 2, None, 2), (6, 1, 5, 0)],
)
def test_places_to_fill(going: int, waiting: int, capacity: int | None, expected: int) -> None:
    """If places are free, then as many as are free (at most everyone waiting) move up."""
    assert places_to_fill(going, waiting, capacity) == expected
