"""Events on a real SQLite file: creation checks, announcement audience and mute, answers with
capacity and a waiting list (also under concurrent answers), edits and cancellation with their
notices, reminders with quiet hours and daylight saving, and the feedback round. Time moves
with the shared clock, as in the running bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.answering import Answering
from surveys.clock import CLOCK, utcnow
from surveys.errors import EventError, StaleActionError
from surveys.events.board import EventBoard
from surveys.events.clock import EventClock
from surveys.events.models import Event, EventChanges, EventSpec, EventText
from surveys.events.policy import EventPolicy
from surveys.models import Area, OutboxMessage
from surveys.quiet import QuietHours
from surveys.registry import SurveyRegistry
from surveys.store import Store
from tests.support.events import TextMessages

MADRID = ZoneInfo("Europe/Madrid")
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@dataclass
class World:
    store: Store
    board: EventBoard
    clock: EventClock
    residents: dict[str, int]

    async def resident(self, name: str):  # type: ignore[no-untyped-def]
        return await self.store.residents.get(self.residents[name])

    async def answer(self, name: str, event_id: int, choice: str) -> str:
        outcome = await self.board.answer(event_id, await self.resident(name), choice)  # type: ignore[arg-type]
        return outcome.rsvp.status

    async def outbox(self) -> list[tuple[str, str, str]]:
        """(purpose, resident name, text) of every queued row, in order."""
        names = {rid: name for name, rid in self.residents.items()}
        async with self.store.db.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT purpose, resident_id, payload, status FROM outbox ORDER BY id"
            )
        return [
            (row[0], names[row[1]], OutboxMessage.model_validate_json(row[2]).text or "")
            for row in rows
            if row[3] != "skipped"
        ]

    async def purposes(self, prefix: str) -> list[tuple[str, str]]:
        return sorted((p, who) for p, who, _ in await self.outbox() if p.startswith(prefix))

    async def deliver(self) -> None:
        for item in await self.store.outbox.claim_due(1000, utcnow()):
            await self.store.outbox.mark_sent(item.id, 1)


def policy(**overrides: object) -> EventPolicy:
    values: dict[str, object] = {
        "zone": MADRID,
        "languages": ["en", "es"],
        "community": "Riverside",
        "quiet": QuietHours.parse("21:00-08:00", MADRID),
    }
    values.update(overrides)
    return EventPolicy(**values)  # type: ignore[arg-type]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.areas.sync([Area(id="north", name="North"), Area(id="south", name="South")])
    residents = {}
    for user_id, (name, area) in enumerate(
        [("ana", "north"), ("ben", "north"), ("cai", "north"), ("dee", "south"), ("eve", "north")],
        start=1,
    ):
        resident = await store.residents.register(user_id, user_id, "en")
        await store.residents.consent(resident.id, "area")
        await store.residents.set_area(resident.id, area, "done")
        residents[name] = resident.id
    rules = policy()
    registry = SurveyRegistry(store, rules.languages)
    yield World(
        store,
        EventBoard(store, rules, TextMessages()),
        EventClock(store, registry, rules, TextMessages()),
        residents,
    )
    await store.close()


def at_local(days_ahead: int, hour: int, minute: int = 0) -> datetime:
    """A local time ``days_ahead`` days from today (Madrid), as UTC."""
    today = utcnow().astimezone(MADRID).date()
    wall = datetime.combine(today + timedelta(days=days_ahead), datetime.min.time())
    return wall.replace(hour=hour, minute=minute, tzinfo=MADRID).astimezone(UTC)


def travel_to(moment: datetime) -> None:
    CLOCK.advance(max(moment - utcnow(), timedelta(0)))


def spec(starts_at: datetime, **overrides: object) -> EventSpec:
    values: dict[str, object] = {
        "texts": {"en": EventText(title="Coffee with a cop", description="Bring questions.")},
        "starts_at": starts_at,
        "ends_at": starts_at + 2 * HOUR,
        "place": "Library, Main St 1",
    }
    values.update(overrides)
    return EventSpec(**values)  # type: ignore[arg-type]


async def create(world: World, starts_at: datetime, **overrides: object) -> Event:
    return await world.board.create(spec(starts_at, **overrides), created_by="cli")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"area_ids": ["west"]}, "event_unknown_area"),
        ({"texts": {"es": EventText(title="Café")}}, "event_title_missing"),
        (
            {"texts": {"en": EventText(title="x"), "fr": EventText(title="y")}},
            "event_unknown_language",
        ),
        ({"starts_at": datetime(2020, 1, 1, tzinfo=UTC)}, "event_in_past"),
    ],
)
async def test_creation_is_checked(world: World, overrides: dict[str, object], code: str) -> None:
    """If an event names an unknown area or language, lacks the default title or starts in the
    past, then it is refused with a code the chat and the CLI can explain."""
    starts = overrides.pop("starts_at", at_local(3, 18))
    values = {"ends_at": starts + HOUR, **overrides}  # type: ignore[operator]
    with pytest.raises(EventError) as caught:
        await create(world, starts, **values)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert await world.store.events.find() == []


async def test_announcement_reaches_only_the_audience_and_respects_the_mute(world: World) -> None:
    """If an event for North is announced, then North's residents who did not mute event news
    get it once; South, stopped and muted residents do not; a --no-announce event is silent."""
    await world.board.set_muted(await world.resident("cai"), True)
    await world.store.residents.stop(world.residents["eve"])
    event = await create(world, at_local(3, 18), area_ids=["north"])
    silent = await create(world, at_local(4, 18), announce=False)
    happened = await world.clock.tick(utcnow())
    assert [(h.kind, h.event.id, h.queued) for h in happened] == [("announced", event.id, 2)]
    assert await world.purposes("event:") == [
        (f"event:{event.id}:announce", "ana"),
        (f"event:{event.id}:announce", "ben"),
    ]
    assert await world.clock.tick(utcnow()) == []  # announced once
    assert (await world.store.events.get(silent.id)).announced_at is None
    assert await world.board.audience_size(["north"]) == 2
    assert await world.board.audience_size([]) == 3
    await world.board.set_muted(await world.resident("cai"), False)
    assert not await world.board.is_muted(await world.resident("cai"))


async def test_answers_change_and_are_refused_after_start_or_cancel(world: World) -> None:
    """If a resident answers and changes their answer, then only the last one counts; once the
    event has started or is cancelled, answering is refused."""
    event = await create(world, at_local(3, 18))
    assert await world.answer("ana", event.id, "going") == "going"
    assert await world.answer("ana", event.id, "maybe") == "maybe"
    assert await world.answer("ben", event.id, "cant") == "cant"
    counts = await world.store.events.counts(event.id)
    assert (counts.going, counts.maybe, counts.cant, counts.waiting) == (0, 1, 1, 0)
    other = await create(world, at_local(5, 18))
    await world.board.cancel(other.id)
    with pytest.raises(EventError) as cancelled:
        await world.answer("ana", other.id, "going")
    assert cancelled.value.code == "event_cancelled"
    travel_to(event.starts_at)
    with pytest.raises(EventError) as started:
        await world.answer("ben", event.id, "going")
    assert started.value.code == "event_started"


async def test_capacity_waiting_list_and_promotion(world: World) -> None:
    """If an event with two places gets four Going answers, then two join the waiting list in
    order; when a place frees, the first waiting moves up and is told, once."""
    event = await create(world, at_local(3, 18), capacity=2)
    statuses = [await world.answer(n, event.id, "going") for n in ("ana", "ben", "cai", "dee")]
    assert statuses == ["going", "going", "waiting", "waiting"]
    dee = await world.store.events.rsvp(event.id, world.residents["dee"])
    assert dee is not None and dee.position == 2
    outcome = await world.board.answer(event.id, await world.resident("ben"), "cant")
    assert outcome.promoted == [world.residents["cai"]]
    assert (outcome.counts.going, outcome.counts.waiting) == (2, 1)
    dee = await world.store.events.rsvp(event.id, world.residents["dee"])
    assert dee is not None and dee.position == 1
    assert await world.purposes(f"event:{event.id}:promoted") == [
        (f"event:{event.id}:promoted:1", "cai")
    ]
    assert [entry.position for entry in await world.store.events.waiting_list(event.id)] == [1]
    # the waiting resident pressing Going again keeps their position; Ben re-joins at the end
    assert await world.answer("dee", event.id, "going") == "waiting"
    assert await world.answer("ben", event.id, "going") == "waiting"
    assert (await world.store.events.rsvp(event.id, world.residents["ben"])).position == 2  # type: ignore[union-attr]


async def test_concurrent_answers_never_overbook(world: World) -> None:
    """If many residents press Going at the same moment for three places, then exactly three
    get a place and the rest wait, each with a distinct position."""
    for user_id in range(100, 130):
        resident = await world.store.residents.register(user_id, user_id, "en")
        await world.store.residents.consent(resident.id, "area")
        await world.store.residents.set_area(resident.id, "north", "done")
        world.residents[f"r{user_id}"] = resident.id
    event = await create(world, at_local(3, 18), capacity=3)
    names = [f"r{user_id}" for user_id in range(100, 130)]
    results = await asyncio.gather(*(world.answer(n, event.id, "going") for n in names))
    assert results.count("going") == 3 and results.count("waiting") == 27
    positions = [
        (await world.store.events.rsvp(event.id, world.residents[n])).position  # type: ignore[union-attr]
        for n in names
        if results[names.index(n)] == "waiting"
    ]
    assert sorted(positions) == list(range(1, 28))  # type: ignore[type-var]
    # everyone with a place leaves at once: three move up, still never more than three
    leavers = [n for n, status in zip(names, results, strict=True) if status == "going"]
    await asyncio.gather(*(world.answer(n, event.id, "cant") for n in leavers))
    counts = await world.store.events.counts(event.id)
    assert (counts.going, counts.waiting, counts.cant) == (3, 24, 3)


async def test_edit_notifies_on_time_or_place_and_bumps_the_sequence(world: World) -> None:
    """If the place changes, then those going, maybe or waiting are told (not those who can't)
    and the sequence grows; a title-only edit tells nobody; raising the capacity promotes;
    lowering it below the residents going is refused."""
    event = await create(world, at_local(3, 18), capacity=1)
    await world.answer("ana", event.id, "going")
    await world.answer("ben", event.id, "going")  # waits
    await world.answer("cai", event.id, "maybe")
    await world.answer("dee", event.id, "cant")
    moved = await world.board.edit(event.id, EventChanges(place="Town hall"))
    assert moved.event.sequence == event.sequence + 1 and moved.notified == 3
    assert await world.purposes(f"event:{event.id}:changed") == [
        (f"event:{event.id}:changed:1", name) for name in ("ana", "ben", "cai")
    ]
    retitled = await world.board.edit(
        event.id, EventChanges(texts={"es": EventText(title="Café con la policía")})
    )
    assert retitled.notified == 0 and retitled.event.sequence == event.sequence + 2
    assert retitled.event.text("es").title == "Café con la policía"
    assert retitled.event.text("fr", "en").title == "Coffee with a cop"
    grown = await world.board.edit(event.id, EventChanges(capacity=3))
    assert grown.promoted == [world.residents["ben"]]
    with pytest.raises(EventError) as caught:
        await world.board.edit(event.id, EventChanges(capacity=1))
    assert caught.value.code == "event_capacity_below_going"
    unlimited = await world.board.edit(event.id, EventChanges(capacity=0))
    assert unlimited.event.capacity is None
    with pytest.raises(EventError) as empty:
        await world.board.edit(event.id, EventChanges())
    assert empty.value.code == "event_nothing_to_change"


async def test_edit_refreshes_an_unsent_announcement(world: World) -> None:
    """If the place changes while the announcement still waits (quiet hours), then residents
    get the announcement with the new place, not the old one."""
    night = at_local(1, 23)
    travel_to(night)
    event = await create(world, at_local(3, 18))
    await world.clock.tick(utcnow())
    assert {text for _, _, text in await world.outbox()} == {
        f"announce {event.id} seq 0 at Library, Main St 1"
    }
    await world.board.edit(event.id, EventChanges(place="Town hall"))
    await world.clock.tick(utcnow())
    assert {text for _, _, text in await world.outbox()} == {
        f"announce {event.id} seq 1 at Town hall"
    }
    assert len(await world.outbox()) == 5  # every resident, once


async def test_cancel_drops_unsent_and_tells_those_concerned(world: World) -> None:
    """If an event is cancelled, then unsent messages about it are dropped, those going, maybe
    or waiting are told once, and it cannot be cancelled or edited again."""
    event = await create(world, at_local(3, 18), capacity=1)
    travel_to(at_local(1, 23))  # the announcement waits for the morning
    await world.clock.tick(utcnow())
    await world.answer("ana", event.id, "going")
    await world.answer("ben", event.id, "going")
    await world.answer("dee", event.id, "cant")
    cancelled, notified = await world.board.cancel(event.id)
    assert cancelled.cancelled and cancelled.sequence == event.sequence + 1 and notified == 2
    assert await world.purposes(f"event:{event.id}:") == [
        (f"event:{event.id}:cancelled", "ana"),
        (f"event:{event.id}:cancelled", "ben"),
    ]
    with pytest.raises(EventError):
        await world.board.cancel(event.id)
    with pytest.raises(EventError):
        await world.board.edit(event.id, EventChanges(place="x"))


async def test_reminders_go_to_going_and_maybe_at_their_times(world: World) -> None:
    """If an event is three days ahead at 18:00, then the 24 h reminder goes the day before at
    18:00 and the 1 h one at 17:00, each once, to those going or maybe."""
    event = await create(world, at_local(3, 18))
    for name, choice in (("ana", "going"), ("ben", "maybe"), ("cai", "cant")):
        await world.answer(name, event.id, choice)
    upcoming = dict(await world.clock.upcoming(utcnow()))
    assert upcoming[f"event-{event.id}-remind-86400"] == event.starts_at - DAY
    travel_to(event.starts_at - DAY - timedelta(minutes=1))
    assert [h.kind for h in await world.clock.tick(utcnow())] == ["announced"]
    travel_to(event.starts_at - DAY)
    happened = await world.clock.tick(utcnow())
    assert [(h.kind, h.queued) for h in happened] == [("reminded", 2)]
    assert await world.clock.tick(utcnow()) == []
    travel_to(event.starts_at - HOUR)
    assert [(h.kind, h.queued) for h in await world.clock.tick(utcnow())] == [("reminded", 2)]
    reminders = await world.purposes(f"event:{event.id}:remind")
    assert sorted(who for _, who in reminders) == ["ana", "ana", "ben", "ben"]


async def test_quiet_hours_hold_the_day_before_reminder_not_the_last_one(world: World) -> None:
    """If an event starts at 07:30, then the 24 h reminder (due at 07:30 the day before, in
    quiet hours until 08:00) waits until 08:00; the 1 h reminder at 06:30 goes at once."""
    travel_to(at_local(1, 12))
    event = await create(world, at_local(3, 7, 30))
    await world.answer("ana", event.id, "going")
    await world.clock.tick(utcnow())
    await world.deliver()  # the announcement
    travel_to(event.starts_at - DAY)
    assert [h.kind for h in await world.clock.tick(utcnow())] == ["reminded"]
    assert await world.store.outbox.claim_due(10, utcnow()) == []  # the reminder waits
    assert len(await world.store.outbox.claim_due(10, at_local(2, 8))) == 1
    travel_to(event.starts_at - HOUR)
    await world.clock.tick(utcnow())
    assert len(await world.store.outbox.claim_due(10, utcnow())) == 1


async def test_reminders_skipped_when_too_late(world: World) -> None:
    """If an event is created five hours ahead, then its 24 h reminder is skipped (the news is
    fresh); if quiet hours would push a reminder past the start, it is skipped too; after
    downtime only the latest due reminder is sent."""
    soon = await create(world, utcnow() + 5 * HOUR)
    await world.answer("ana", soon.id, "going")
    happened = await world.clock.tick(utcnow())
    assert ("reminder_skipped", soon.id) in [(h.kind, h.event.id) for h in happened]
    late = await create(world, at_local(5, 7, 30))
    await world.answer("ben", late.id, "going")
    strict = EventClock(
        world.store,
        SurveyRegistry(world.store, ["en", "es"]),
        policy(reminders=(DAY, HOUR), quiet_reminders_from=timedelta(0)),
        TextMessages(),
    )
    travel_to(late.starts_at - HOUR)
    kinds = {(h.kind, h.detail) for h in await strict.tick(utcnow()) if h.event.id == late.id}
    assert ("reminder_skipped", "a later reminder is due as well") in kinds
    assert ("reminder_skipped", "it would arrive after the start") in kinds


async def test_day_before_reminder_across_the_spring_change(world: World) -> None:
    """If an event is at 19:00 on the day the clocks go forward, then its day-before reminder
    comes at 19:00 local the evening before: 23 hours before the start, not 24."""
    change = next_dst_change(MADRID, utcnow(), forward=True)
    start = (
        datetime.combine(change.date(), datetime.min.time())
        .replace(hour=19, tzinfo=MADRID)
        .astimezone(UTC)
    )
    event = await create(world, start)
    await world.answer("ana", event.id, "going")
    travel_to(start - 23 * HOUR - timedelta(minutes=1))
    assert [h.kind for h in await world.clock.tick(utcnow())] == ["announced"]
    travel_to(start - 23 * HOUR)
    assert [h.kind for h in await world.clock.tick(utcnow())] == ["reminded"]
    assert utcnow().astimezone(MADRID).hour == 19


def next_dst_change(zone: ZoneInfo, after: datetime, *, forward: bool) -> datetime:
    """The local noon of the next day on which the clocks move forward (or back)."""
    day = after.astimezone(zone).date() + DAY
    while True:
        today = datetime.combine(day, datetime.min.time()).replace(hour=12, tzinfo=zone)
        yesterday = today - DAY
        shift = today.utcoffset() - yesterday.utcoffset()  # type: ignore[operator]
        if (shift > timedelta(0)) if forward else (shift < timedelta(0)):
            return today
        day += DAY


async def test_erasure_frees_a_place_for_the_waiting_list(world: World) -> None:
    """If a resident with a place erases their data, then the next on the waiting list gets
    the place at the next tick and is told."""
    event = await create(world, at_local(3, 18), capacity=1)
    await world.answer("ana", event.id, "going")
    await world.answer("ben", event.id, "going")
    await world.store.residents.forget(world.residents["ana"])
    happened = await world.clock.tick(utcnow())
    assert ("promoted", 1) in [(h.kind, h.queued) for h in happened]
    assert (await world.store.events.rsvp(event.id, world.residents["ben"])).status == "going"  # type: ignore[union-attr]


async def test_feedback_round_opens_for_those_going_only(world: World) -> None:
    """If an event ends, then after the delay a feedback round opens that invites only the
    residents who were going; others cannot see or start it; it opens once."""
    event = await create(world, at_local(3, 18), area_ids=["north"])
    empty = await create(world, at_local(3, 19))
    await world.answer("ana", event.id, "going")
    await world.answer("ben", event.id, "maybe")
    travel_to(empty.ends_at + HOUR)
    happened = await world.clock.tick(utcnow())
    opened = [h for h in happened if h.kind == "feedback_opened"]
    assert [(h.event.id, h.queued) for h in opened] == [(event.id, 1)]
    assert ("feedback_skipped", empty.id) in [(h.kind, h.event.id) for h in happened]
    round_id = opened[0].round_id
    assert round_id is not None
    round_ = await world.store.rounds.get(round_id)
    assert round_.invited_only and round_.status == "open" and round_.survey_key == "event-feedback"
    assert (await world.store.events.get(event.id)).feedback_round_id == round_id
    assert await world.purposes(f"invite:{round_id}") == [(f"invite:{round_id}", "ana")]
    answering = Answering(world.store, SurveyRegistry(world.store, ["en", "es"]))
    ana, ben = await world.resident("ana"), await world.resident("ben")
    assert [e.round.id for e in await answering.open_rounds(ana)] == [round_id]
    assert await answering.open_rounds(ben) == []
    with pytest.raises(StaleActionError):
        await answering.start(ben, round_id)
    assert (await answering.start(ana, round_id)).question is not None
    assert [h.kind for h in await world.clock.tick(utcnow())] == []


class Reference:
    """The waiting-list rule written the plain way: a place list and a queue."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.status: dict[int, str] = {}
        self.queue: list[int] = []

    def answer(self, who: int, choice: str) -> None:
        previous = self.status.get(who)
        going = sum(1 for s in self.status.values() if s == "going")
        if choice == "going":
            if previous in ("going", "waiting"):
                return
            if going < self.capacity and not self.queue:
                self.status[who] = "going"
            else:
                self.status[who] = "waiting"
                self.queue.append(who)
            return
        if previous == "waiting":
            self.queue.remove(who)
        self.status[who] = choice
        if previous == "going" and self.queue:
            promoted = self.queue.pop(0)
            self.status[promoted] = "going"


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.integers(min_value=1, max_value=3),
    answers=st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["going", "maybe", "cant"])),
        min_size=1,
        max_size=25,
    ),
)
def test_answers_match_the_plain_waiting_list(
    capacity: int, answers: list[tuple[int, str]]
) -> None:
    """If residents answer in any order, then the store agrees with a plain place list and
    queue: never more going than places, nobody waits while a place is free, and the waiting
    list keeps its order."""

    async def run() -> None:
        store = await Store.open(":memory:")
        try:
            await store.areas.sync([Area(id="north", name="North")])
            ids = []
            for user_id in range(6):
                resident = await store.residents.register(user_id + 1, user_id + 1, "en")
                ids.append(resident.id)
            board = EventBoard(store, policy(), TextMessages())
            event = await board.create(spec(utcnow() + DAY, capacity=capacity), created_by="cli")
            reference = Reference(capacity)
            for who, choice in answers:
                resident = await store.residents.get(ids[who])
                await board.answer(event.id, resident, choice)  # type: ignore[arg-type]
                reference.answer(who, choice)
                counts = await store.events.counts(event.id)
                assert counts.going <= capacity
                assert counts.waiting == 0 or counts.going == capacity
            for who in range(6):
                rsvp = await store.events.rsvp(event.id, ids[who])
                assert (rsvp.status if rsvp else None) == reference.status.get(who)
                if rsvp is not None and rsvp.status == "waiting":
                    assert rsvp.position == reference.queue.index(who) + 1
        finally:
            await store.close()

    asyncio.run(run())


async def test_held_until_names_the_end_of_quiet_hours(world: World) -> None:
    """If an event is created at night, then the announcement is held until 08:00 and the
    coordinator can be told so; by day nothing is held."""
    assert world.board.held_until(at_local(1, 23)) == at_local(2, 8)
    assert world.board.held_until(at_local(1, 12)) is None
