"""Round planning and the round clock on a real SQLite file: times, quiet hours, reminders,
closing and recurrence, with an explicit ``now`` instead of the wall clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from surveys.definitions import SurveyDefinition
from surveys.errors import RoundError
from surveys.models import Area, OutboxMessage, Round
from surveys.quiet import QuietHours
from surveys.recurrence import next_opening, validate_recurrence
from surveys.registry import SurveyRegistry
from surveys.rounds import create_round, parse_duration, parse_moment, parse_offsets
from surveys.schedule import RoundClock
from surveys.store import Store

MADRID = ZoneInfo("Europe/Madrid")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Madrid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", T0),
        ("7d", T0 + timedelta(days=7)),
        ("36h", T0 + timedelta(hours=36)),
        ("90m", T0 + timedelta(minutes=90)),
        ("2w", T0 + timedelta(weeks=2)),
        ("2026-03-05T18:00", datetime(2026, 3, 5, 17, 0, tzinfo=UTC)),
        ("2026-03-05", datetime(2026, 3, 4, 23, 0, tzinfo=UTC)),
        ("2026-03-05T18:00+00:00", datetime(2026, 3, 5, 18, 0, tzinfo=UTC)),
    ],
)
def test_parse_moment(text: str, expected: datetime) -> None:
    """If a time is given as now, a duration or ISO, then it is read in the community's zone."""
    assert parse_moment(text, MADRID, now=T0) == expected


@pytest.mark.parametrize("text", ["tomorrow", "7 days", "-1d", "5x", ""])
def test_bad_times_are_clear_errors(text: str) -> None:
    """If a time or duration cannot be read, then RoundError says what is accepted."""
    with pytest.raises(RoundError, match="cannot read"):
        parse_moment(text, MADRID, now=T0) if text != "" else parse_duration(text)


def test_offsets_are_sorted() -> None:
    """If reminders are given out of order, then they are sorted."""
    assert parse_offsets("6d, 2d") == [timedelta(days=2), timedelta(days=6)]
    assert parse_offsets("") == []


@pytest.mark.parametrize(
    ("window", "local", "inside", "allowed_local"),
    [
        ("21:00-08:00", time(22, 30), True, "08:00 next day"),
        ("21:00-08:00", time(7, 59), True, "08:00 same day"),
        ("21:00-08:00", time(8, 0), False, None),
        ("21:00-08:00", time(12, 0), False, None),
        ("13:00-14:00", time(13, 30), True, "14:00 same day"),
        ("13:00-14:00", time(14, 0), False, None),
    ],
)
def test_quiet_hours(window: str, local: time, inside: bool, allowed_local: str | None) -> None:
    """If a moment falls in the quiet window, then sending waits for the window's end."""
    quiet = QuietHours.parse(window, MADRID)
    assert quiet is not None
    moment = datetime(2026, 3, 2, local.hour, local.minute, tzinfo=MADRID)
    assert quiet.contains(moment) is inside
    allowed = quiet.next_allowed(moment).astimezone(MADRID)
    if allowed_local is None:
        assert allowed == moment
    else:
        hour = int(allowed_local[:2])
        day = moment.date() + timedelta(days=1 if "next" in allowed_local else 0)
        assert (allowed.date(), allowed.hour, allowed.minute) == (day, hour, 0)


@pytest.mark.parametrize("text", ["21-08", "25:00-08:00", "08:00-08:00", "nonsense"])
def test_bad_quiet_hours(text: str) -> None:
    """If quiet hours are malformed, then parsing fails with the expected format."""
    with pytest.raises(ValueError, match="quiet hours"):
        QuietHours.parse(text, MADRID)


@pytest.mark.parametrize(
    ("recurrence", "after", "expected"),
    [
        ("weekly", T0, T0 + timedelta(days=7)),
        ("monthly", datetime(2026, 1, 31, 9, tzinfo=UTC), datetime(2026, 2, 28, 9, tzinfo=UTC)),
        ("0 10 * * 1", T0, datetime(2026, 3, 9, 9, 0, tzinfo=UTC)),
        ("0 18 1 * *", T0, datetime(2026, 4, 1, 16, 0, tzinfo=UTC)),
    ],
)
def test_next_occurrence(recurrence: str, after: datetime, expected: datetime) -> None:
    """If a round repeats, then the next opening follows the rule in local time."""
    assert next_opening(recurrence, after, after, MADRID) == expected


def test_bad_recurrence() -> None:
    """If --every is neither weekly, monthly nor a crontab line, then it is refused."""
    with pytest.raises(RoundError, match="crontab"):
        validate_recurrence("every tuesday")


def _message(round_: Round, definition: SurveyDefinition) -> OutboxMessage:
    return OutboxMessage(text=f"round {round_.id}")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[Store, SurveyRegistry, RoundClock]]:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.areas.sync([Area(id="north", name="North"), Area(id="south", name="South")])
    for user_id, area in ((1, "north"), (2, "north"), (3, "south")):
        resident = await store.residents.register(user_id, user_id, "en")
        await store.residents.consent(resident.id, "area")
        await store.residents.set_area(resident.id, area, "done")
    registry = SurveyRegistry(store, ["en", "es"])
    clock = RoundClock(
        store,
        registry,
        invitation=_message,
        reminder=_message,
        zone=MADRID,
        quiet=QuietHours.parse("21:00-08:00", MADRID),
    )
    yield store, registry, clock
    await store.close()


async def _deliver_all(store: Store, now: datetime) -> None:
    for item in await store.outbox.claim_due(100, now):
        await store.outbox.mark_sent(item.id, 1)


async def test_clock_lifecycle(world: tuple[Store, SurveyRegistry, RoundClock]) -> None:
    """If the clock ticks through a round's life, then it opens with invitations to the
    audience, reminds those who have not completed once per offset, closes and recurs."""
    store, registry, clock = world
    round_ = await create_round(
        store,
        registry,
        "community-trust-safety",
        opens_at=T0,
        closes_at=T0 + timedelta(days=7),
        area_ids=["north"],
        remind_after=[timedelta(days=2)],
        recurrence="weekly",
        zone=MADRID,
        now=T0 - timedelta(hours=1),
    )
    assert await clock.tick(T0 - timedelta(minutes=1)) == []
    events = await clock.tick(T0)
    assert [(e.kind, e.queued) for e in events] == [("opened", 2)]
    await _deliver_all(store, T0)
    events = await clock.tick(T0 + timedelta(days=2))
    assert [(e.kind, e.queued) for e in events] == [("reminded", 2)]
    assert await clock.tick(T0 + timedelta(days=2, hours=1)) == []  # once per offset
    events = await clock.tick(T0 + timedelta(days=7))
    assert [e.kind for e in events] == ["closed", "recurred"]
    closed = next(e for e in events if e.kind == "closed")
    assert closed.progress is not None and closed.progress.invited == 2
    nxt = next(e for e in events if e.kind == "recurred").round
    assert (nxt.opens_at, nxt.status, nxt.area_ids) == (
        T0 + timedelta(days=7),
        "scheduled",
        ["north"],
    )
    await clock.mark_summary_sent(round_.id)
    again = await clock.tick(T0 + timedelta(days=7))  # idempotent: no second close or copy
    assert [e.kind for e in again] == ["opened"]
    assert len(await store.rounds.find()) == 2


async def test_reminder_after_close_is_skipped_and_quiet_hours_defer(
    world: tuple[Store, SurveyRegistry, RoundClock],
) -> None:
    """If the clock first runs after the close, then the reminder is skipped; invitations at
    night are due at 08:00."""
    store, registry, clock = world
    night = datetime(2026, 3, 2, 22, 30, tzinfo=MADRID)
    await create_round(
        store,
        registry,
        "community-trust-safety",
        opens_at=night,
        closes_at=night + timedelta(days=1),
        remind_after=[timedelta(hours=12)],
        zone=MADRID,
        now=night,
    )
    events = await clock.tick(night)
    assert [(e.kind, e.queued) for e in events] == [("opened", 3)]
    assert await store.outbox.claim_due(10, night) == []
    morning = datetime(2026, 3, 3, 8, 0, tzinfo=MADRID)
    assert len(await store.outbox.claim_due(10, morning)) == 3
    events = await clock.tick(night + timedelta(days=2))
    assert [e.kind for e in events] == ["reminder_skipped", "closed"]


async def test_plan_is_checked(world: tuple[Store, SurveyRegistry, RoundClock]) -> None:
    """If a plan is impossible, then create_round says why and stores nothing."""
    store, registry, _ = world
    cases = [
        ({"area_ids": ["west"]}, "unknown area"),
        ({"closes_at": T0 - timedelta(days=1)}, "closing time"),
        ({"remind_after": [timedelta(days=9)]}, "before the closing"),
        ({"closes_at": None, "recurrence": "weekly"}, "needs a closing time"),
    ]
    for overrides, message in cases:
        arguments = {
            "opens_at": T0,
            "closes_at": T0 + timedelta(days=7),
            "now": T0,
            "zone": MADRID,
            **overrides,
        }
        with pytest.raises(RoundError, match=message):
            await create_round(store, registry, "community-trust-safety", **arguments)  # type: ignore[arg-type]
    assert await store.rounds.find() == []


async def test_recurring_series_keeps_its_anchor(
    world: tuple[Store, SurveyRegistry, RoundClock],
) -> None:
    """If a monthly round is anchored on 31 January at 18:00 (Madrid), then the clock creates
    the following rounds on 28 February, 31 March (after the spring change) and 30 April, each
    at 18:00 local and open for one day, every one remembering the series' first opening."""
    store, registry, clock = world
    first = datetime(2026, 1, 31, 18, 0, tzinfo=MADRID)
    round_ = await create_round(
        store,
        registry,
        "community-trust-safety",
        opens_at=first,
        closes_at=first + timedelta(days=1),
        recurrence="monthly",
        zone=MADRID,
        now=first - timedelta(days=1),
    )
    openings = [round_.opens_at]
    for _ in range(3):
        current = await store.rounds.get(round_.id)
        assert current.closes_at is not None
        events = await clock.tick(current.opens_at)
        events += await clock.tick(current.closes_at)
        recurred = next(e.round for e in events if e.kind == "recurred")
        await clock.mark_summary_sent(current.id)
        assert recurred.series_opens_at == first
        assert recurred.closes_at is not None
        assert recurred.closes_at.astimezone(MADRID) - recurred.opens_at.astimezone(
            MADRID
        ) == timedelta(days=1)
        openings.append(recurred.opens_at)
        round_ = recurred
    local = [o.astimezone(MADRID).strftime("%m-%d %H:%M") for o in openings]
    assert local == ["01-31 18:00", "02-28 18:00", "03-31 18:00", "04-30 18:00"]
