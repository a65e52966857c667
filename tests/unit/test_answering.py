"""The answering service on a real SQLite file: revisions, skip logic, Back, completion."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from surveys.answering import Answering, SurveyState
from surveys.clock import utcnow
from surveys.errors import (
    NotSkippableError,
    RoundClosedError,
    StaleActionError,
    SurveyDoneError,
    TooManyPicksError,
)
from surveys.models import Area, Resident
from surveys.registry import SurveyRegistry
from surveys.rounds import create_round
from surveys.store import Store

SURVEY = "community-trust-safety"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[Store, Answering, Resident, int]]:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.areas.sync([Area(id="north", name="North"), Area(id="south", name="South")])
    registry = SurveyRegistry(store, ["en", "es"])
    resident = await store.residents.register(42, 42, "en")
    await store.residents.consent(resident.id, "area")
    resident = await store.residents.set_area(resident.id, "north", "done")
    round_ = await create_round(
        store,
        registry,
        SURVEY,
        opens_at=utcnow(),
        closes_at=utcnow() + timedelta(days=7),
        zone=ZoneInfo("UTC"),
    )
    await store.rounds.open(round_.id)
    yield store, Answering(store, registry), resident, round_.id
    await store.close()


async def test_answers_are_committed_and_double_taps_change_nothing(
    world: tuple[Store, Answering, Resident, int],
) -> None:
    """If the same button is pressed twice, then the second press is stale and one answer is
    stored."""
    store, answering, resident, round_id = world
    state = await answering.start(resident, round_id)
    assert state.question is not None and state.question.id == "safety"
    rev, pos = state.response.revision, state.definition.position("safety")
    after = await answering.answer_button(resident, state.response.id, rev, pos, 7)
    with pytest.raises(StaleActionError):
        await answering.answer_button(resident, state.response.id, rev, pos, 3)
    assert after.question is not None and after.question.id == "respect"
    assert await store.responses.answers(state.response.id) == {"safety": 7}


async def test_a_button_of_another_question_is_stale(
    world: tuple[Store, Answering, Resident, int],
) -> None:
    """If a button names a different question position than the one on screen, it is refused."""
    _, answering, resident, round_id = world
    state = await answering.start(resident, round_id)
    with pytest.raises(StaleActionError):
        await answering.answer_button(resident, state.response.id, state.response.revision, 5, 1)


async def test_other_residents_response_is_refused(
    world: tuple[Store, Answering, Resident, int],
) -> None:
    """If a forged payload names someone else's response, then it is stale and changes nothing."""
    store, answering, resident, round_id = world
    state = await answering.start(resident, round_id)
    intruder = await store.residents.register(43, 43, "en")
    with pytest.raises(StaleActionError):
        await answering.answer_button(intruder, state.response.id, 0, 0, 1)
    with pytest.raises(StaleActionError):
        await answering.answer_button(resident, 999999, 0, 0, 1)


async def _answer_through(
    answering: Answering, resident: Resident, round_id: int, meeting: bool
) -> dict[str, object]:
    state = await answering.start(resident, round_id)
    buttons = {
        "safety": 8,
        "respect": 6,
        "listen": 5,
        "job": 1,
        "rely": 4,
        "fair": 3,
        "understand": 5,
        "deal": 2,
        "confidence": 4,
        "meeting": 1 if meeting else 0,
        "meeting_useful": 5,
    }
    while state.question is not None:
        qid = state.question.id
        rev, pos = state.response.revision, state.definition.position(qid)
        if qid == "concerns":
            for option in (0, 5, 0, 3):  # burglary on, speeding on, burglary off, drugs on
                state = await answering.toggle(
                    resident, state.response.id, state.response.revision, pos, option
                )
            state = await answering.done(resident, state.response.id, state.response.revision, pos)
        elif qid == "top_problem":
            state = await answering.skip(resident, state.response.id, rev, pos)
        else:
            state = await answering.answer_button(
                resident, state.response.id, rev, pos, buttons[qid]
            )
    assert state.completed
    return dict(state.answers)


async def test_whole_survey_with_skip_logic(world: tuple[Store, Answering, Resident, int]) -> None:
    """If a resident answers everything (no meeting), then the hidden follow-up is absent and
    the response is complete; answering again is refused."""
    store, answering, resident, round_id = world
    answers = await _answer_through(answering, resident, round_id, meeting=False)
    assert answers == {
        "safety": 8,
        "respect": 6,
        "listen": 5,
        "job": "good",
        "rely": 4,
        "fair": 3,
        "understand": 5,
        "deal": 2,
        "confidence": 4,
        "concerns": ["drugs", "traffic_speeding"],
        "top_problem": None,
        "meeting": False,
    }
    with pytest.raises(SurveyDoneError):
        await answering.start(resident, round_id)
    response = await store.responses.for_resident(resident.id, round_id)
    assert response is not None and response.completed


RATINGS = [
    ("safety", 1),
    ("respect", 2),
    ("listen", 3),
    ("job", 0),
    ("rely", 1),
    ("fair", 1),
    ("understand", 1),
    ("deal", 1),
    ("confidence", 1),
]


async def _answer_ratings(
    answering: Answering, resident: Resident, state: SurveyState
) -> SurveyState:
    """Answer the nine questions before 'concerns' by button."""
    for qid, option in RATINGS:
        state = await answering.answer_button(
            resident,
            state.response.id,
            state.response.revision,
            state.definition.position(qid),
            option,
        )
    return state


async def test_back_and_change_drops_hidden_answers(
    world: tuple[Store, Answering, Resident, int],
) -> None:
    """If a resident goes back and changes 'meeting' to no, then 'meeting_useful' is dropped."""
    store, answering, resident, round_id = world
    state = await answering.start(resident, round_id)
    state = await _answer_ratings(answering, resident, state)
    pos = state.definition.position("concerns")
    state = await answering.toggle(resident, state.response.id, state.response.revision, pos, 0)
    state = await answering.done(resident, state.response.id, state.response.revision, pos)
    state = await answering.skip(
        resident,
        state.response.id,
        state.response.revision,
        state.definition.position("top_problem"),
    )
    state = await answering.answer_button(
        resident,
        state.response.id,
        state.response.revision,
        state.definition.position("meeting"),
        1,
    )
    assert state.question is not None and state.question.id == "meeting_useful"
    state = await answering.back(resident, state.response.id, state.response.revision)
    assert state.question is not None and state.question.id == "meeting"
    assert state.progress is not None and state.progress.total == 13
    state = await answering.answer_button(
        resident,
        state.response.id,
        state.response.revision,
        state.definition.position("meeting"),
        0,
    )
    assert state.completed
    stored = await store.responses.answers(state.response.id)
    assert stored["meeting"] is False and "meeting_useful" not in stored


async def test_multi_limits_and_required_skip(
    world: tuple[Store, Answering, Resident, int],
) -> None:
    """If a tick would exceed max picks, then it is refused at once and the draft keeps the
    earlier ticks (unticking one frees a place); a required question cannot be skipped."""
    _, answering, resident, round_id = world
    state = await answering.start(resident, round_id)
    with pytest.raises(NotSkippableError):
        await answering.skip(resident, state.response.id, state.response.revision, 0)
    state = await _answer_ratings(answering, resident, state)
    pos = state.definition.position("concerns")
    for option in range(3):
        state = await answering.toggle(
            resident, state.response.id, state.response.revision, pos, option
        )
    with pytest.raises(TooManyPicksError):
        await answering.toggle(resident, state.response.id, state.response.revision, pos, 3)
    state = await answering.state(resident, state.response.id)
    assert state.picks == ["burglary", "vehicle_crime", "antisocial_behaviour"]
    state = await answering.toggle(resident, state.response.id, state.response.revision, pos, 0)
    state = await answering.toggle(resident, state.response.id, state.response.revision, pos, 3)
    assert state.picks == ["vehicle_crime", "antisocial_behaviour", "drugs"]
    state = await answering.done(resident, state.response.id, state.response.revision, pos)
    assert state.answers["concerns"] == ["vehicle_crime", "antisocial_behaviour", "drugs"]


async def test_closed_round_refuses(world: tuple[Store, Answering, Resident, int]) -> None:
    """If the round is closed, then starting and answering are refused; partial answers stay."""
    store, answering, resident, round_id = world
    state = await answering.start(resident, round_id)
    state = await answering.answer_button(resident, state.response.id, 0, 0, 9)
    await store.rounds.close(round_id)
    with pytest.raises(RoundClosedError):
        await answering.start(resident, round_id)
    with pytest.raises(RoundClosedError):
        await answering.answer_button(resident, state.response.id, state.response.revision, 1, 1)
    assert await store.responses.answers(state.response.id) == {"safety": 9}


async def test_typed_answers_and_new_versions(
    world: tuple[Store, Answering, Resident, int], tmp_path: Path
) -> None:
    """If a definition file changes, then a new version is stored and old responses keep theirs;
    typed numbers are validated."""
    store, answering, resident, round_id = world
    first = await answering.start(resident, round_id)
    typed = await answering.answer_typed(first, "7", "en")
    assert typed.answers == {"safety": 7}
    custom = tmp_path / "custom.toml"
    from surveys.library import library_path

    custom.write_text(library_path(SURVEY).read_text().replace("version = 1", "version = 2"))
    registry = SurveyRegistry(store, ["en", "es"], [custom])
    new_version, _ = await registry.register(SURVEY)
    versions = await store.surveys.versions(SURVEY)
    assert [v.id for v in versions] == [first.response.survey_version_id, new_version.id]
    assert json.loads(versions[1].definition_json)["version"] == 2
    again = await store.responses.get(first.response.id)
    assert again.survey_version_id == first.response.survey_version_id
