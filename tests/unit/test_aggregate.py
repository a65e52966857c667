"""Round reports, areas, trends and the demo generator on worked examples (real SQLite)."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from surveys.aggregate import round_report, survey_reports, survey_rounds
from surveys.answering import answer_row
from surveys.definitions import SurveyDefinition, parse_definition
from surveys.demo import generate
from surveys.engine import AnswerValue, index_values
from surveys.errors import NotFoundError
from surveys.library import load_builtin
from surveys.models import Area
from surveys.purposes import invite as invite_purpose
from surveys.stats import (
    Mean,
    Share,
    index_interval,
    two_proportion_z_test,
    welch_t_test,
    wilson_interval,
)
from surveys.store import Store
from surveys.store.bulk import BulkWriter
from surveys.trend import build_trend, survey_trend

TRUST = load_builtin("community-trust-safety", ["en", "es"])
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
AREAS = [
    Area(id="north", name="North", population=12000),
    Area(id="south", name="South", population=8000),
    Area(id="east", name="East", population=3000),
]


@dataclass
class Person:
    area: str | None
    answers: dict[str, AnswerValue]
    complete: bool = True
    invite: str | None = "sent"
    seconds: float = 120.0


@dataclass
class Builder:
    """Writes rounds of hand-made responses through the bulk writer."""

    store: Store
    next_resident: int = 1
    next_response: int = 1
    versions: dict[str, int] = field(default_factory=dict)

    async def round(
        self,
        definition: SurveyDefinition,
        people: Sequence[Person],
        *,
        opens: datetime = START,
        areas: Sequence[str] = (),
    ) -> int:
        version = await self.store.surveys.register(
            definition.key, definition.content_hash, definition.canonical_json()
        )
        writer = BulkWriter(self.store.db)
        iso = opens.isoformat(timespec="microseconds")
        round_id = await writer.round(
            version.id, status="closed", opens_at=iso, closes_at=None, area_ids=areas
        )
        first = self.next_resident
        await writer.residents(
            [
                (
                    first + i,
                    f"p-{first + i}",
                    900 + first + i,
                    900 + first + i,
                    "en",
                    p.area,
                    iso,
                    None,
                    iso,
                )
                for i, p in enumerate(people)
            ]
        )
        self.next_resident += len(people)
        outbox: list[tuple[object, ...]] = []
        responses: list[tuple[object, ...]] = []
        answers: list[tuple[object, ...]] = []
        picks: list[tuple[object, ...]] = []
        for i, person in enumerate(people):
            resident = first + i
            if person.invite:
                outbox.append((invite_purpose(round_id), resident, "{}", person.invite, iso, None))
            response = self.next_response
            self.next_response += 1
            finished = opens + timedelta(seconds=person.seconds)
            responses.append(
                (
                    response,
                    round_id,
                    resident,
                    version.id,
                    person.area,
                    "completed" if person.complete else "in_progress",
                    iso,
                    finished.isoformat() if person.complete else None,
                )
            )
            for qid, value in person.answers.items():
                stored = definition.question(qid).stored(value)
                answers.append(
                    (
                        response,
                        qid,
                        stored.value_json,
                        stored.num,
                        stored.code,
                        int(stored.is_text),
                        iso,
                    )
                )
                picks.extend((response, qid, code) for code in stored.picks)
        await writer.results(outbox=outbox, responses=responses, answers=answers, picks=picks)
        return round_id


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.areas.sync(AREAS)
    yield store
    await store.close()


@pytest.fixture
def builder(store: Store) -> Builder:
    return Builder(store)


def full(
    safety: int = 7, respect: int = 6, listen: int = 5, confidence: int = 4, **more: AnswerValue
) -> dict[str, AnswerValue]:
    """A complete community-trust-safety response (no meeting)."""
    answers: dict[str, AnswerValue] = {
        "safety": safety,
        "respect": respect,
        "listen": listen,
        "job": "good",
        "rely": 4,
        "fair": 3,
        "understand": 4,
        "deal": 2,
        "confidence": confidence,
        "concerns": ["burglary", "drugs"],
        "top_problem": None,
        "meeting": False,
    }
    answers.update(more)
    return answers


# --- storage shape ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "value", "columns"),
    [
        ("safety", 7, {"num": 7.0}),
        ("job", "fair", {"code": "fair"}),
        ("rely", 5, {"num": 5.0}),
        ("concerns", ["burglary", "violence"], {"picks": ["burglary", "violence"]}),
        ("top_problem", "Too much speeding", {"is_text": True}),
        ("top_problem", None, {}),
        ("meeting", True, {"num": 1.0}),
        ("meeting", False, {"num": 0.0}),
    ],
)
def test_answer_row_holds_the_columns_sql_aggregates(
    question_id: str, value: AnswerValue, columns: dict[str, object]
) -> None:
    """If an answer is stored, then its JSON round-trips and exactly the column its type is
    aggregated by is filled (num for ratings and yes/no, code, picks, or the text flag)."""
    row = answer_row(TRUST.question(question_id), value)
    empty = {"num": None, "code": None, "picks": [], "is_text": False}
    assert json.loads(row.value_json) == value
    assert {name: getattr(row, name) for name in empty} == {**empty, **columns}


async def test_answers_saved_by_the_response_store_are_counted(store: Store) -> None:
    """If answers are saved through ResponseStore.save (the bot's path), then the report counts
    them: answered, skipped, choice counts, picks and the number of respondents."""
    version = await store.surveys.register(TRUST.key, TRUST.content_hash, TRUST.canonical_json())
    round_id = await BulkWriter(store.db).round(
        version.id, status="open", opens_at=START.isoformat(), closes_at=None
    )
    people: list[dict[str, AnswerValue]] = [full(), full(safety=3, job="poor"), {"safety": 9}]
    for user, answers in enumerate(people, 1):
        resident = await store.residents.register(user, user, "en")
        await store.residents.consent(resident.id, "area")
        await store.residents.set_area(resident.id, "north", "done")
        response = await store.responses.start(round_id, resident.id, version.id, "north")
        rows = [answer_row(TRUST.question(qid), value) for qid, value in answers.items()]
        await store.responses.save(response.id, response.revision, rows, completed=len(rows) > 1)
    report = await round_report(store, round_id, min_group_size=1, language="en")
    figures = {q.question_id: q for q in report.questions}
    assert report.summary.started == 3 and report.summary.completed == 2
    assert figures["safety"].answered == 3
    assert figures["top_problem"].answered == 0 and figures["top_problem"].skipped == 2
    job = {o.code: o.share.successes for o in figures["job"].options}
    assert job == {"excellent": 0, "good": 1, "fair": 0, "poor": 1, "very_poor": 0}
    concerns = {o.code: o.share for o in figures["concerns"].options}
    assert concerns["burglary"] == wilson_interval(2, 2)
    assert concerns["violence"] == wilson_interval(0, 2)


# --- one round --------------------------------------------------------------------------------


async def test_indices_follow_the_engine_on_three_items_and_scales(
    store: Store, builder: Builder
) -> None:
    """If indices average scale items (rescaled 0-100) or items with reversed scoring and
    min_items, then the report's index is the t interval over the engine's per-respondent
    values, and a share_agree index is the Wilson share of respondents at the threshold."""
    definition = parse_definition(TRUST_WITH_THREE_ITEMS, source="three.toml", languages=["en"])
    ids = set(definition.question_ids)

    def answers(*values: int) -> dict[str, AnswerValue]:
        return {k: v for k, v in full(*values).items() if k in ids}

    people = [
        Person("north", answers(7, 6, 5, 4)),
        Person("north", answers(3, 9, 2, 5)),
        Person("south", answers(10, 0, 8, 2)),
        Person("south", {"safety": 4, "respect": 5}, complete=False),
        Person("east", {"safety": 1}, complete=False),
    ]
    round_id = await builder.round(definition, people)
    report = await round_report(store, round_id, min_group_size=1, language="en")
    values: dict[str, list[float]] = {index.key: [] for index in definition.indices}
    for person in people:
        for key, value in index_values(definition, person.answers).items():
            if value is not None:
                values[key].append(value)
    indices = {index.key: index.estimate for index in report.indices}
    for key in ("safety", "three"):
        expected = index_interval(
            len(values[key]), math.fsum(values[key]), math.fsum(v * v for v in values[key])
        )
        actual = indices[key]
        assert isinstance(actual, Mean) and actual.n == expected.n
        for name in ("value", "low", "high", "sd"):
            assert math.isclose(getattr(actual, name), getattr(expected, name), rel_tol=1e-9)
    agree = values["confidence"]
    assert indices["confidence"] == wilson_interval(sum(v == 100 for v in agree), len(agree))


TRUST_WITH_THREE_ITEMS = """
key = "three"
version = 1
title = { en = "Three" }
intro = { en = "Intro" }

[[questions]]
id = "safety"
type = "scale"
text = { en = "Safe?" }
low_label = { en = "No" }
high_label = { en = "Yes" }

[[questions]]
id = "respect"
type = "scale"
text = { en = "Respect?" }
low_label = { en = "No" }
high_label = { en = "Yes" }

[[questions]]
id = "listen"
type = "scale"
text = { en = "Listen?" }
low_label = { en = "No" }
high_label = { en = "Yes" }

[[questions]]
id = "confidence"
type = "likert5"
text = { en = "Confidence?" }

[[indices]]
key = "safety"
method = "mean_rescaled"
title = { en = "Safety" }
items = ["safety"]

[[indices]]
key = "three"
method = "mean_rescaled"
title = { en = "Three items" }
items = ["safety", "respect", "listen"]
reversed = ["listen"]
min_items = 2

[[indices]]
key = "confidence"
method = "share_agree"
title = { en = "Confidence" }
items = ["confidence"]
threshold = 4
"""


async def test_process_figures(store: Store, builder: Builder) -> None:
    """If some invitations fail and some residents answer without one, then delivered counts
    only 'sent' rows, RR1 counts completed responses of delivered invitations and RR2 adds the
    partial ones (AAPOR), partials are counted, and the median time is over completed
    responses, exact to the microsecond."""
    people = [
        Person("north", full(), invite="sent", seconds=60),
        Person("north", full(), invite="sent", seconds=100),
        Person("north", full(), invite="failed", seconds=300),
        Person("south", full(), invite=None, seconds=1000),
        Person("south", {"safety": 5}, complete=False, invite="sent"),
    ]
    round_id = await builder.round(TRUST, people)
    summary = (await round_report(store, round_id, min_group_size=1)).summary
    assert (summary.invited, summary.delivered) == (4, 3)
    assert (summary.started, summary.completed, summary.partial) == (5, 4, 1)
    assert summary.rr1 == wilson_interval(2, 3)
    assert summary.rr2 == wilson_interval(3, 3)
    assert summary.median_seconds == 200.0


async def test_no_deliveries_no_response_rate(store: Store, builder: Builder) -> None:
    """If no invitation was delivered, then the response rate is None, not a division by 0."""
    round_id = await builder.round(TRUST, [Person("north", full(), invite=None)])
    summary = (await round_report(store, round_id, min_group_size=1)).summary
    assert summary.delivered == 0 and summary.rr1 is None and summary.rr2 is None


async def test_a_round_smaller_than_k_is_withheld(store: Store, builder: Builder) -> None:
    """If the whole round has fewer respondents than min_group_size, then no answer figure,
    respondent count or area count is reported, nor the size of an audience below k."""
    round_id = await builder.round(TRUST, [Person("north", full()), Person("south", full())])
    report = await round_report(store, round_id, min_group_size=10)
    assert report.summary.withheld
    assert report.summary.invited is None and report.summary.delivered is None
    assert report.summary.started is None and report.summary.rr1 is None
    assert report.summary.median_seconds is None
    assert report.questions == [] and report.indices == []
    assert all(a.respondents in (None, 0) for a in report.areas)


async def test_small_area_and_its_complement_are_suppressed(store: Store, builder: Builder) -> None:
    """If one area is below k, then it and the smallest other area are suppressed in every
    per-area table, and weighting pools them into one stratum."""
    people = (
        [Person("north", full(safety=8))] * 6
        + [Person("south", full(safety=4))] * 4
        + [Person("east", full(safety=2))]
    )
    round_id = await builder.round(TRUST, people)
    report = await round_report(store, round_id, min_group_size=3)
    areas = {a.area_id: a for a in report.areas}
    assert areas["east"].suppressed and areas["south"].suppressed
    assert not areas["north"].suppressed and areas["north"].respondents == 6
    assert areas["east"].questions == [] and areas["south"].indices == []
    safety = next(q for q in report.questions if q.question_id == "safety")
    assert safety.weighted_mean is not None
    pooled = (12000 * 8 + 11000 * (4 * 4 + 2) / 5) / 23000
    assert safety.weighted_mean.value == pytest.approx(pooled)


async def test_weighting_needs_every_population(store: Store, builder: Builder) -> None:
    """If an area of the audience has no population, then there are no weighted figures."""
    await store.areas.sync([*AREAS, Area(id="west", name="West")])
    round_id = await builder.round(TRUST, [Person("north", full())] * 3)
    report = await round_report(store, round_id, min_group_size=1)
    assert not report.weighted
    assert all(q.weighted_mean is None for q in report.questions)
    limited = await builder.round(TRUST, [Person("north", full())] * 3, areas=["north"])
    assert (await round_report(store, limited, min_group_size=1)).weighted


async def test_audience_areas_are_listed_with_zero(store: Store, builder: Builder) -> None:
    """If a round is for some areas, then its area table lists those (0 when nobody answered)
    and any other area answers came from, but not the rest."""
    round_id = await builder.round(
        TRUST,
        [Person("north", full()), Person(None, full())],
        areas=["north", "south"],
    )
    report = await round_report(store, round_id, min_group_size=1)
    assert [(a.area_id, a.respondents) for a in report.areas] == [
        ("north", 1),
        ("south", 0),
        ("", 1),
    ]
    assert not report.weighted  # a response without an area cannot be weighted


async def test_unknown_round(store: Store) -> None:
    """If the round does not exist, then NotFoundError says so."""
    with pytest.raises(NotFoundError):
        await round_report(store, 404, min_group_size=1)


# --- trends -----------------------------------------------------------------------------------


def _changed() -> SurveyDefinition:
    """Version 2: 'rely' dropped, 'fair' turned from likert5 into a 0-10 scale."""
    data = TRUST.model_dump(mode="json")
    data["version"] = 2
    questions = []
    for question in data["questions"]:
        if question["id"] == "fair":
            del question["labels"]
            question.update(type="scale", low_label={"en": "No"}, high_label={"en": "Yes"})
        if question["id"] != "rely":
            questions.append(question)
    data["questions"] = questions
    return SurveyDefinition.model_validate_json(json.dumps(data))


CHANGED = _changed()


async def test_trend_tests_changes_between_rounds(store: Store, builder: Builder) -> None:
    """If a survey ran twice, then each series has both rounds' figures and the second carries
    the change, tested by z for shares and Welch's t for means."""
    first = await builder.round(
        TRUST, [Person("north", full(safety=s, confidence=c)) for s, c in [(3, 2), (5, 4), (4, 3)]]
    )
    second = await builder.round(
        TRUST,
        [Person("north", full(safety=s, confidence=c)) for s, c in [(8, 5), (9, 4), (7, 4)]],
        opens=START + timedelta(days=90),
    )
    trend = await survey_trend(store, TRUST.key, min_group_size=1)
    assert [r.round_id for r in trend.rounds] == [first, second]
    series = {(s.key, s.measure, s.option): s for s in trend.series}
    mean = series[("safety", "mean", None)].points
    assert mean[0].change is None and mean[1].change is not None
    a, b = mean[0].estimate, mean[1].estimate
    assert isinstance(a, Mean) and isinstance(b, Mean)
    assert mean[1].change.test == welch_t_test(
        b.n, b.value or 0, (b.sd or 0) ** 2, a.n, a.value or 0, (a.sd or 0) ** 2
    )
    top = series[("confidence", "top_box", None)].points
    x, y = top[0].estimate, top[1].estimate
    assert isinstance(x, Share) and isinstance(y, Share)
    assert (x.successes, y.successes) == (1, 3)
    assert top[1].change is not None
    assert top[1].change.test == two_proportion_z_test(3, 3, 1, 3)
    assert top[1].change.difference == pytest.approx(2 / 3)
    index = series[("confidence", "index", None)].points
    assert index[1].change is not None


async def test_trend_skips_questions_whose_type_changed(store: Store, builder: Builder) -> None:
    """If a later version changed a question's type or dropped it, then earlier rounds show no
    figure for it and no change is computed across the break."""
    await builder.round(TRUST, [Person("north", full())] * 2)
    changed = {k: v for k, v in full().items() if k != "rely"} | {"fair": 9}
    await builder.round(CHANGED, [Person("north", changed)] * 2, opens=START + timedelta(days=9))
    rounds = await survey_rounds(store, TRUST.key)
    trend = build_trend(await survey_reports(store, rounds, min_group_size=1))
    assert all(s.key != "rely" for s in trend.series)
    fair = [s for s in trend.series if s.key == "fair"]
    assert [s.measure for s in fair] == ["mean"]  # a scale has no top-2-box any more
    assert fair[0].points[0].estimate is None and fair[0].points[1].change is None
    safety = next(s for s in trend.series if s.key == "safety" and s.measure == "mean")
    assert all(p.estimate is not None for p in safety.points)
    assert safety.points[1].change is not None


async def test_withheld_round_breaks_the_trend(store: Store, builder: Builder) -> None:
    """If one round is too small to report, then its trend point is empty and the next round
    is not compared with it."""
    await builder.round(TRUST, [Person("north", full())] * 3)
    await builder.round(TRUST, [Person("north", full())], opens=START + timedelta(days=5))
    await builder.round(TRUST, [Person("north", full())] * 3, opens=START + timedelta(days=9))
    trend = await survey_trend(store, TRUST.key, min_group_size=3)
    points = next(s for s in trend.series if s.key == "safety").points
    assert [p.estimate is None for p in points] == [False, True, False]
    assert [p.change is None for p in points] == [True, True, True]


async def test_rounds_since_and_unknown_survey(store: Store, builder: Builder) -> None:
    """If rounds are selected since a date, then earlier ones are left out; if none is left,
    then NotFoundError names the survey."""
    await builder.round(TRUST, [Person("north", full())])
    later = await builder.round(TRUST, [Person("north", full())], opens=START + timedelta(days=30))
    since = START + timedelta(days=1)
    assert [r.id for r in await survey_rounds(store, TRUST.key, since=since)] == [later]
    with pytest.raises(NotFoundError, match="no-such-survey"):
        await survey_rounds(store, "no-such-survey")


# --- demo data --------------------------------------------------------------------------------


async def test_demo_data_is_reproducible_and_follows_skip_logic(tmp_path: Path) -> None:
    """If demo data is generated twice with one seed, then both databases report the same
    figures; usefulness is only answered after a meeting, and invitations are mostly sent."""
    reports = []
    for name in ("one", "two"):
        summary = await generate(tmp_path / f"{name}.sqlite3", residents=150, rounds=2, seed=7)
        assert summary.answers > 0
        store = await Store.open(summary.path)
        try:
            reports.append(await round_report(store, summary.round_ids[-1], min_group_size=5))
        finally:
            await store.close()
    assert reports[0] == reports[1]
    report = reports[0]
    figures = {q.question_id: q for q in report.questions}
    yes = next(o for o in figures["meeting"].options if o.code == "yes").share.successes
    assert figures["meeting_useful"].answered <= yes
    assert report.summary.delivered >= 0.9 * report.summary.invited


async def test_demo_refuses_an_existing_file(tmp_path: Path) -> None:
    """If the output file exists, then generate refuses to touch it."""
    path = tmp_path / "x.sqlite3"
    path.write_bytes(b"")
    with pytest.raises(FileExistsError):
        await generate(path, residents=1, rounds=1)
