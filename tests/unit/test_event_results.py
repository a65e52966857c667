"""Attendance and satisfaction per event and per partner: figures from the feedback rounds,
withheld below the minimum group size, and a partner's pooled figure withheld whenever it
would reveal the events too small to publish."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from surveys.clock import CLOCK, utcnow
from surveys.events.board import EventBoard
from surveys.events.clock import EventClock
from surveys.events.models import EventSpec, EventText
from surveys.events.policy import EventPolicy
from surveys.events.results import EventResults, event_results
from surveys.export.events import EVENTS, PARTNERS, event_rows, event_tables, partner_rows
from surveys.models import AnswerRow, Area
from surveys.registry import SurveyRegistry
from surveys.store import Store
from surveys.store.event_results import EventResultReader
from tests.support.events import TextMessages

K = 3
Plan = dict[str, tuple[str | None, list[list[AnswerRow]]]]


def answers(attended: bool, useful: int | None, again: bool) -> list[AnswerRow]:
    rows = [
        AnswerRow(question_id="attended", value_json=json.dumps(attended), num=float(attended)),
        AnswerRow(question_id="again", value_json=json.dumps(again), num=float(again)),
    ]
    if useful is not None:
        rows.append(AnswerRow(question_id="useful", value_json=str(useful), num=float(useful)))
    return rows


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.areas.sync([Area(id="north", name="North")])
    yield store
    await store.close()


async def run_events(store: Store, plan: Plan, *, repeat_people: bool = False) -> EventResults:
    """Create the events of ``plan`` (title -> partner, one answer set per resident going),
    let them end so their feedback rounds open, answer them, and compute the results.
    Residents are new for each event unless ``repeat_people``."""
    policy = EventPolicy(zone=ZoneInfo("Europe/Madrid"), languages=["en"])
    board = EventBoard(store, policy, TextMessages())
    clock = EventClock(store, SurveyRegistry(store, ["en"]), policy, TextMessages())
    starts = utcnow() + timedelta(days=1)
    next_user, created = 1, {}
    for title, (partner, answer_sets) in plan.items():
        event = await board.create(
            EventSpec(
                texts={"en": EventText(title=title)},
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                place="Hall",
                partner=partner,
            ),
            created_by="cli",
        )
        if repeat_people:
            next_user = 1
        for _ in answer_sets:
            resident = await store.residents.register(next_user, next_user, "en")
            await store.residents.consent(resident.id, "area")
            await store.residents.set_area(resident.id, "north", "done")
            await board.answer(event.id, resident, "going")
            next_user += 1
        created[title] = event.id
    CLOCK.advance(timedelta(days=1, hours=3))
    await clock.tick(utcnow())
    for title, (_, answer_sets) in plan.items():
        event = await store.events.get(created[title])
        assert event.feedback_round_id is not None
        round_ = await store.rounds.get(event.feedback_round_id)
        async with store.db.read() as conn:
            invited = await conn.execute_fetchall(
                "SELECT resident_id FROM outbox WHERE purpose = ? ORDER BY resident_id",
                (f"invite:{round_.id}",),
            )
        assert len(invited) == len(answer_sets)
        for (resident_id,), rows in zip(invited, answer_sets, strict=True):
            response = await store.responses.start(
                round_.id, resident_id, round_.survey_version_id, "north"
            )
            await store.responses.save(response.id, response.revision, rows, completed=True)
    return await store.db.run_read(
        lambda conn: event_results(EventResultReader(conn), min_group_size=K, language="en")
    )


async def test_figures_per_event(store: Store) -> None:
    """If an event has four respondents (k = 3), then its attendance, usefulness (among those
    who attended) and come-again figures are published; an event with two is withheld
    entirely, RSVP counts included."""
    results = await run_events(
        store,
        {
            "Open day": (
                None,
                [
                    answers(True, 5, True),
                    answers(True, 4, True),
                    answers(True, 2, False),
                    answers(False, None, True),
                ],
            ),
            "Small talk": (None, [answers(True, 5, True), answers(True, 3, True)]),
        },
    )
    big, small = results.events
    assert (big.respondents, big.withheld, big.going, big.maybe) == (4, False, 4, 0)
    assert big.attended is not None and (big.attended.successes, big.attended.n) == (3, 4)
    assert big.useful is not None and (big.useful.successes, big.useful.n) == (2, 3)
    assert big.useful_mean is not None and big.useful_mean.value == pytest.approx(11 / 3)
    assert big.again is not None and (big.again.successes, big.again.n) == (3, 4)
    assert small.withheld and small.respondents is None and small.going is None
    assert (small.attended, small.useful, small.useful_mean, small.again) == (None,) * 4
    assert results.partners == []


async def test_partner_withheld_when_it_would_reveal_one_small_event(store: Store) -> None:
    """If a partner has a published event (4 answers) and one withheld event (2 answers), then
    the pooled figure is withheld: subtracting the published event would give the small one."""
    results = await run_events(
        store,
        {
            "Open day": ("School", [answers(True, 4, True)] * 4),
            "Small talk": ("School", [answers(True, 4, False)] * 2),
        },
    )
    (school,) = results.partners
    assert (school.events, school.people, school.withheld) == (2, 6, False)
    assert (school.attended, school.useful, school.again) == (None, None, None)


async def test_partner_published_when_small_events_protect_each_other(store: Store) -> None:
    """If two withheld events (2 + 2 answers, k = 3) sit beside a published one, then
    subtraction only gives their sum (4 answers from two events), so the partner's pooled
    figures are published; the tables carry one row per event and partner."""
    results = await run_events(
        store,
        {
            "Open day": ("School", [answers(True, 4, True)] * 4),
            "Small talk": ("School", [answers(True, 5, True)] * 2),
            "Tea": ("School", [answers(False, None, False), answers(True, 3, False)]),
        },
    )
    (school,) = results.partners
    assert school.attended is not None
    assert (school.attended.successes, school.attended.n) == (7, 8)
    assert school.again is not None and school.again.successes == 6
    # usefulness: withheld events rated it 2 + 1 times; their sum (3) mixes two events
    assert school.useful is not None and school.useful.n == 7
    (row,) = partner_rows(results)
    partner = dict(zip(PARTNERS.names, row, strict=True))
    assert (partner["partner"], partner["events"], partner["people"]) == ("School", 3, 8)
    assert (partner["status"], partner["attended_pct"], partner["attended_n"]) == (
        "published",
        87.5,
        8,
    )
    table = [dict(zip(EVENTS.names, row, strict=True)) for row in event_rows(results)]
    hidden = [row for row in table if row["status"] == "hidden"]
    assert [row["title"] for row in hidden] == ["Small talk", "Tea"]
    assert all(
        row[name] is None
        for row in hidden
        for name in ("respondents", "going", "attended_pct", "useful_mean", "again_n")
    )
    assert [row["maybe"] for row in hidden] == [0, 0]  # nobody said maybe: 0 reveals nobody


async def test_partner_counts_people_not_visits(store: Store) -> None:
    """If the same two residents answer the feedback of three events of a partner (6 answers),
    then the partner rests on 2 people (< k) and nothing of it is published."""
    results = await run_events(
        store,
        {title: ("School", [answers(True, 4, True)] * 2) for title in ("A", "B", "C")},
        repeat_people=True,
    )
    (school,) = results.partners
    assert school.withheld and school.people is None and school.attended is None


async def test_export_tables_only_for_event_feedback_rounds(store: Store) -> None:
    """If an export holds no event's feedback round, then it gets no event tables; if it holds
    one, it gets the events and partners tables restricted to the exported rounds."""
    await run_events(store, {"Open day": ("School", [answers(True, 4, True)] * 3)})
    event = (await store.events.find())[0]
    assert event.feedback_round_id is not None

    def tables(round_ids: list[int]) -> list[str]:
        with store.db.read_sync() as conn:
            return [t.name for t, _ in event_tables(EventResultReader(conn), round_ids, K, "en")]

    assert tables([event.feedback_round_id + 100]) == []
    assert tables([event.feedback_round_id]) == ["events", "partners"]
