"""The /newevent plan on a real SQLite file: every step, Back from every step, stale buttons,
typed mistakes, and Send creating the event as planned."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from surveys.clock import utcnow
from surveys.errors import EventError, StaleActionError
from surveys.events.board import EventBoard
from surveys.events.policy import EventPolicy
from surveys.events.wizard import EventPlanner
from surveys.models import Area
from surveys.store import Store
from tests.support.events import TextMessages

MADRID = ZoneInfo("Europe/Madrid")
USER = 9002
DAY = (utcnow() + timedelta(days=10)).astimezone(MADRID).strftime("%Y-%m-%d")


@pytest.fixture
async def planner(tmp_path: Path) -> AsyncIterator[EventPlanner]:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.areas.sync([Area(id="north", name="North"), Area(id="south", name="South")])
    board = EventBoard(store, EventPolicy(zone=MADRID, languages=["en", "es"]), TextMessages())
    yield EventPlanner(store, board)
    await store.close()


async def fill(planner: EventPlanner) -> None:
    await planner.start(USER)
    await planner.set_text(USER, "Coffee with a cop\nBring your questions.\nAll welcome.")
    await planner.set_text(USER, "Café con la policía")
    await planner.set_starts(USER, f"{DAY} 18:00")
    await planner.set_ends(USER, "90m")
    await planner.set_place(USER, "  Library,\n Main St 1 ")
    await planner.toggle_area(USER, "north")
    await planner.audience_done(USER)
    await planner.set_capacity(USER, "25")
    await planner.set_partner(USER, "Riverside School")


async def test_plan_to_event(planner: EventPlanner) -> None:
    """If a coordinator goes through every step, then the check screen, the preview and Send
    follow, and the event is stored exactly as planned (times read in Madrid)."""
    await fill(planner)
    plan = await planner.current(USER)
    assert plan is not None and plan.step == "confirm"
    assert plan.texts["en"].description == "Bring your questions.\nAll welcome."
    assert plan.place == "Library, Main St 1"
    assert (await planner.confirm(USER)).step == "preview"
    event = await planner.send(USER, role="coordinator")
    assert event.text("es").title == "Café con la policía"
    assert event.starts_at.astimezone(MADRID).strftime("%Y-%m-%d %H:%M") == f"{DAY} 18:00"
    assert event.ends_at - event.starts_at == timedelta(minutes=90)
    assert (event.area_ids, event.capacity, event.partner) == (["north"], 25, "Riverside School")
    assert event.announce and event.created_by == "user:9002"
    assert await planner.current(USER) is None


async def test_back_from_every_step_keeps_what_was_entered(planner: EventPlanner) -> None:
    """If Back is pressed on each screen from the preview down to the first, then each press
    goes one step back, what was entered stays, and Back on the first screen stays there."""
    await fill(planner)
    await planner.confirm(USER)
    steps = planner.steps
    for index in range(len(steps) - 1, 0, -1):
        plan = await planner.back(USER, steps[index])
        assert plan.step == steps[index - 1]
        assert plan.place == "Library, Main St 1" and plan.capacity == 25
    assert (await planner.back(USER, steps[0])).step == steps[0]
    assert planner.position("starts") == (3, 8)


async def test_stale_and_wrong_input(planner: EventPlanner) -> None:
    """If a button or answer is meant for another step, then nothing changes; typed mistakes
    get a code the bot explains, and the plan stays at the step."""
    await planner.start(USER)
    with pytest.raises(StaleActionError):
        await planner.set_place(USER, "Library")
    with pytest.raises(StaleActionError):
        await planner.skip_translation(USER, "title:en")  # the first language is required
    with pytest.raises(EventError) as empty:
        await planner.set_text(USER, "   ")
    assert empty.value.code == "event_bad_title"
    await planner.set_text(USER, "Coffee")
    await planner.skip_translation(USER, "title:es")
    for text, code in (
        ("tomorrow evening", "event_bad_time"),
        ("2020-01-01 10:00", "event_in_past"),
    ):
        with pytest.raises(EventError) as caught:
            await planner.set_starts(USER, text)
        assert caught.value.code == code
    await planner.set_starts(USER, f"{DAY} 18:00")
    with pytest.raises(EventError) as before:
        await planner.set_ends(USER, f"{DAY} 17:00")
    assert before.value.code == "event_ends_before_start"
    await planner.set_ends(USER, f"{DAY} 20:00")
    await planner.set_place(USER, "Hall")
    with pytest.raises(StaleActionError):
        await planner.toggle_area(USER, "atlantis")
    await planner.all_areas(USER)
    for text in ("0", "-3", "lots"):
        with pytest.raises(EventError):
            await planner.set_capacity(USER, text)
    plan = await planner.set_capacity(USER, None)
    assert plan.step == "partner" and plan.capacity is None and plan.areas == []
    with pytest.raises(StaleActionError):
        await planner.send(USER, role="coordinator")


async def test_a_new_start_after_going_back_drops_an_end_before_it(planner: EventPlanner) -> None:
    """If the start is moved after the end was set, then the end is asked again."""
    await fill(planner)
    for step in ("confirm", "partner", "capacity", "audience", "place", "ends"):
        await planner.back(USER, step)
    plan = await planner.set_starts(USER, f"{DAY} 23:00")
    assert plan.step == "ends" and plan.ends is None


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("council-streets", "City Council, Streets Department"),
        ("city council, streets department", "City Council, Streets Department"),
        ("Riverside School", "Riverside School"),
        ("", None),
        (None, None),
    ],
)
def test_partner_names_group_one_organisation(given: str | None, stored: str | None) -> None:
    """If an event names a configured partner by id or by name in any case, then it is stored
    under the partner's configured name (so its figures pool); other names stay as given."""
    policy = EventPolicy(
        zone=MADRID,
        languages=["en"],
        partners={"council-streets": "City Council, Streets Department"},
    )
    assert policy.partner_name(given) == stored
