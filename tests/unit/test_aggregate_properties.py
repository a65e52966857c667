"""Aggregation checked independently: random small databases, the same figures recomputed in
plain Python from the raw rows (read back with sqlite3), compared with the SQL-side report.

Values are chosen so that every sum is exact in floating point (per-respondent index values
are multiples of 1/64 or of 5: indices average one or two items whose rescaled values are
multiples of 10 or 6.25;
fractional numbers are multiples of 1/8). Otherwise SQLite's running sums and Python's
``fsum`` may differ in the last bit, and an interval around a near-zero variance amplifies that
far beyond 1e-9. Three-item means and scale items are covered by worked examples in
``test_aggregate.py``.

The database is built through :class:`surveys.store.results.BulkWriter` (real SQLite files via
``Store.open``); the expected figures use only ``sqlite3``, the engine's ``index_values`` and the
pure functions of ``surveys.stats``. Counts must match exactly, intervals to 1e-9.
"""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.aggregate import RoundReport, round_report
from surveys.definitions import (
    Likert5Question,
    MeanRescaledIndex,
    MultiQuestion,
    NumberQuestion,
    ScaleQuestion,
    SingleQuestion,
    YesNoQuestion,
    parse_definition,
)
from surveys.engine import AnswerValue, index_values, visible_questions
from surveys.models import Area
from surveys.stats import (
    Mean,
    Share,
    ShareStratum,
    Stratum,
    index_interval,
    mean_interval,
    post_stratified_mean,
    post_stratified_share,
    wilson_interval,
)
from surveys.store import Store
from surveys.store.results import BulkWriter, invite_purpose
from surveys.suppression import suppress

PROPERTY = settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])

DEFINITION_TOML = """
key = "prop-survey"
version = 1
title = { en = "Property survey" }
intro = { en = "Intro" }

[[questions]]
id = "feel"
type = "single"
text = { en = "How do you feel?" }
choices = [
  { code = "good", label = { en = "Good" } },
  { code = "fair", label = { en = "Fair" } },
  { code = "bad", label = { en = "Bad" } },
]

[[questions]]
id = "issues"
type = "multi"
required = false
text = { en = "Issues?" }
max_picks = 2
choices = [
  { code = "noise", label = { en = "Noise" } },
  { code = "theft", label = { en = "Theft" } },
  { code = "speed", label = { en = "Speed" } },
]

[[questions]]
id = "rating"
type = "likert5"
text = { en = "I trust the police." }

[[questions]]
id = "score"
type = "scale"
required = false
text = { en = "How safe?" }
low_label = { en = "Unsafe" }
high_label = { en = "Safe" }

[[questions]]
id = "met"
type = "yes_no"
text = { en = "Met an officer?" }

[[questions]]
id = "useful"
type = "likert5"
text = { en = "Was it useful?" }
show_if = { question = "met", equals = true }

[[questions]]
id = "age"
type = "number"
text = { en = "Age?" }
min = 16
max = 99

[[questions]]
id = "hours"
type = "number"
required = false
integer = false
text = { en = "Hours outside per day?" }
min = 0
max = 10

[[questions]]
id = "level"
type = "number"
required = false
text = { en = "Level?" }
min = 0
max = 16

[[questions]]
id = "note"
type = "text"
required = false
text = { en = "Anything else?" }

[[indices]]
key = "trust"
method = "mean_rescaled"
title = { en = "Trust" }
items = ["rating", "score"]
reversed = ["score"]
min_items = 1

[[indices]]
key = "level_index"
method = "mean_rescaled"
title = { en = "Level" }
items = ["level", "useful"]

[[indices]]
key = "agree"
method = "share_agree"
title = { en = "Agree" }
items = ["rating"]
threshold = 4

[[indices]]
key = "met_share"
method = "share_agree"
title = { en = "Met" }
items = ["met"]

[[indices]]
key = "outdoors"
method = "share_agree"
title = { en = "Outdoors" }
items = ["hours"]
threshold = 5.5

[[indices]]
key = "age_index"
method = "mean_rescaled"
title = { en = "Age" }
items = ["age"]
"""

DEFINITION = parse_definition(DEFINITION_TOML, source="prop.toml", languages=["en"])
AREAS = ["a", "b", "c", "d"]
OPENS = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TOLERANCE = 1e-9


# --- random databases -------------------------------------------------------------------------


@dataclass(frozen=True)
class Respondent:
    area: str | None
    invite: str | None  # outbox status of the invitation, None: not invited
    answers: dict[str, AnswerValue]
    answered: int  # how many visible questions were answered (prefix)
    complete: bool
    seconds: float


def _candidates() -> st.SearchStrategy[dict[str, AnswerValue]]:
    maybe = st.booleans()
    return st.fixed_dictionaries(
        {
            "feel": st.sampled_from(["good", "fair", "bad"]),
            "issues": st.one_of(
                st.none(),
                st.lists(
                    st.sampled_from(["noise", "theft", "speed"]),
                    min_size=1,
                    max_size=2,
                    unique=True,
                ).map(lambda picks: [c for c in ("noise", "theft", "speed") if c in picks]),
            ),
            "rating": st.integers(1, 5),
            "score": st.one_of(st.none(), st.integers(0, 10)),
            "met": maybe,
            "useful": st.integers(1, 5),
            "age": st.integers(16, 99),
            "hours": st.one_of(st.none(), st.integers(0, 80).map(lambda i: i / 8)),
            "level": st.one_of(st.none(), st.integers(0, 16)),
            "note": st.one_of(st.none(), st.sampled_from(["loud", "ok", "más luz"])),
        }
    )


@st.composite
def respondents(draw: st.DrawFn) -> Respondent:
    candidates = draw(_candidates())
    shown = visible_questions(DEFINITION, candidates)
    complete = draw(st.booleans())
    answered = len(shown) if complete else draw(st.integers(0, len(shown) - 1))
    return Respondent(
        area=draw(st.sampled_from([*AREAS, "a", "b", None])),
        invite=draw(st.sampled_from(["sent", "sent", "sent", "failed", None])),
        answers={q.id: candidates[q.id] for q in shown[:answered]},
        answered=answered,
        complete=complete,
        seconds=draw(st.floats(10, 5000)),
    )


@dataclass(frozen=True)
class World:
    respondents: list[Respondent]
    invited_only: list[str]  # outbox statuses of invitations without a response
    populations: dict[str, int | None]
    min_group_size: int


@st.composite
def worlds(draw: st.DrawFn) -> World:
    with_population = draw(st.booleans())
    return World(
        respondents=draw(st.lists(respondents(), min_size=0, max_size=24)),
        invited_only=draw(st.lists(st.sampled_from(["sent", "failed", "pending"]), max_size=6)),
        populations={
            area: draw(st.integers(1, 5000)) if with_population else None for area in AREAS
        },
        min_group_size=draw(st.integers(1, 6)),
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


async def build(path: Path, world: World) -> int:
    """Write the world into a fresh database and return the round id."""
    store = await Store.open(path)
    try:
        await store.areas.sync(
            [Area(id=a, name=a.upper(), population=world.populations[a]) for a in AREAS]
        )
        version = await store.surveys.register(
            DEFINITION.key, DEFINITION.content_hash, DEFINITION.canonical_json()
        )
        writer = BulkWriter(store.db)
        round_id = await writer.round(
            version.id, status="open", opens_at=_iso(OPENS), closes_at=None
        )
        people = len(world.respondents) + len(world.invited_only)
        await writer.residents(
            [
                (
                    i,
                    f"p-{i}",
                    7_000_000 + i,
                    7_000_000 + i,
                    "en",
                    AREAS[i % 4],
                    _iso(OPENS),
                    None,
                    _iso(OPENS),
                )
                for i in range(1, people + 1)
            ]
        )
        purpose = invite_purpose(round_id)
        outbox: list[tuple[object, ...]] = []
        responses: list[tuple[object, ...]] = []
        answers: list[tuple[object, ...]] = []
        picks: list[tuple[object, ...]] = []
        for number, person in enumerate(world.respondents, start=1):
            if person.invite is not None:
                outbox.append((purpose, number, "{}", person.invite, _iso(OPENS), None))
            started = OPENS + timedelta(minutes=number)
            finished = started + timedelta(seconds=person.seconds)
            responses.append(
                (
                    number,
                    round_id,
                    number,
                    version.id,
                    person.area,
                    "completed" if person.complete else "in_progress",
                    _iso(started),
                    _iso(finished) if person.complete else None,
                )
            )
            for qid, value in person.answers.items():
                stored = DEFINITION.question(qid).stored(value)
                answers.append(
                    (
                        number,
                        qid,
                        stored.value_json,
                        stored.num,
                        stored.code,
                        int(stored.is_text),
                        _iso(started),
                    )
                )
                picks.extend((number, qid, code) for code in stored.picks)
        for offset, status in enumerate(world.invited_only, start=len(world.respondents) + 1):
            outbox.append((purpose, offset, "{}", status, _iso(OPENS), None))
        await writer.results(outbox=outbox, responses=responses, answers=answers, picks=picks)
        return round_id
    finally:
        await store.close()


async def report_of(path: Path, round_id: int, min_group_size: int) -> RoundReport:
    store = await Store.open(path)
    try:
        return await round_report(store, round_id, min_group_size=min_group_size, language="en")
    finally:
        await store.close()


def run_world(world: World) -> tuple[RoundReport, Raw]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "db.sqlite3"
        round_id = asyncio.run(build(path, world))
        report = asyncio.run(report_of(path, round_id, world.min_group_size))
        return report, read_raw(path, round_id)


# --- the independent computation --------------------------------------------------------------


@dataclass(frozen=True)
class RawResponse:
    id: int
    resident_id: int
    area: str
    status: str
    started_at: str
    completed_at: str | None
    answers: dict[str, Any]


@dataclass(frozen=True)
class Raw:
    responses: list[RawResponse]
    outbox: list[tuple[int, str]]
    populations: dict[str, int | None]


def read_raw(path: Path, round_id: int) -> Raw:
    """Every row that matters, with plain sqlite3 and no aggregation in SQL."""
    with sqlite3.connect(path) as conn:
        answers: dict[int, dict[str, Any]] = defaultdict(dict)
        for response_id, qid, value in conn.execute(
            "SELECT response_id, question_id, value FROM answers"
        ):
            answers[response_id][qid] = json.loads(value)
        responses = [
            RawResponse(row[0], row[1], row[2] or "", row[3], row[4], row[5], answers[row[0]])
            for row in conn.execute(
                "SELECT id, resident_id, area_id, status, started_at, completed_at "
                "FROM responses WHERE round_id = ?",
                (round_id,),
            )
        ]
        outbox = list(
            conn.execute(
                "SELECT resident_id, status FROM outbox WHERE purpose = ?",
                (invite_purpose(round_id),),
            )
        )
        populations = dict(conn.execute("SELECT id, population FROM areas"))
    return Raw(responses, outbox, populations)


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def same(actual: Share | Mean | None, expected: Share | Mean | None) -> None:
    """Equal counts, and values and bounds within 1e-9."""
    assert (actual is None) == (expected is None), (actual, expected)
    if actual is None or expected is None:
        return
    assert type(actual) is type(expected)
    assert actual.n == expected.n
    if isinstance(actual, Share) and isinstance(expected, Share):
        assert actual.successes == expected.successes
    for name in ("value", "low", "high"):
        assert close(getattr(actual, name), getattr(expected, name)), (name, actual, expected)
    if isinstance(actual, Mean) and isinstance(expected, Mean):
        assert close(actual.sd, expected.sd)


def option_code(question: Any, value: Any) -> list[str]:
    if isinstance(question, MultiQuestion):
        return list(value)
    if isinstance(question, YesNoQuestion):
        return ["yes" if value else "no"]
    return [str(value)]


def expected_question(question: Any, responses: Sequence[RawResponse]) -> dict[str, Any]:
    values = [r.answers[question.id] for r in responses if question.id in r.answers]
    given_ = [v for v in values if v is not None]
    out: dict[str, Any] = {"answered": len(given_), "skipped": len(values) - len(given_)}
    counts: Counter[str] = Counter()
    for value in given_:
        counts.update(option_code(question, value))
    if isinstance(question, SingleQuestion | MultiQuestion):
        codes = question.codes
    elif isinstance(question, YesNoQuestion):
        codes = ["yes", "no"]
    elif isinstance(question, Likert5Question | ScaleQuestion):
        low, high = question.value_range
        codes = [str(v) for v in range(low, high + 1)]
    else:
        codes = []
    out["options"] = {code: wilson_interval(counts[code], len(given_)) for code in codes}
    if isinstance(question, Likert5Question | ScaleQuestion | NumberQuestion):
        out["mean"] = mean_interval(
            len(given_), math.fsum(given_), math.fsum(v * v for v in given_)
        )
    if isinstance(question, Likert5Question):
        out["top_box"] = wilson_interval(sum(1 for v in given_ if v >= 4), len(given_))
    return out


def expected_indices(responses: Sequence[RawResponse]) -> dict[str, Share | Mean]:
    per_index: dict[str, list[float]] = defaultdict(list)
    for response in responses:
        for key, value in index_values(DEFINITION, response.answers).items():
            if value is not None:
                per_index[key].append(value)
    out: dict[str, Share | Mean] = {}
    for index in DEFINITION.indices:
        values = per_index[index.key]
        if isinstance(index, MeanRescaledIndex):
            out[index.key] = index_interval(
                len(values), math.fsum(values), math.fsum(v * v for v in values)
            )
        else:
            out[index.key] = wilson_interval(sum(1 for v in values if v == 100.0), len(values))
    return out


def check_figures(report_questions: Any, report_indices: Any, responses: list[RawResponse]) -> None:
    for figures in report_questions:
        expected = expected_question(DEFINITION.question(figures.question_id), responses)
        assert figures.answered == expected["answered"]
        assert figures.skipped == expected["skipped"]
        assert [o.code for o in figures.options] == list(expected["options"])
        for option in figures.options:
            same(option.share, expected["options"][option.code])
        same(figures.mean, expected.get("mean"))
        same(figures.top_box, expected.get("top_box"))
    indices = expected_indices(responses)
    assert [i.key for i in report_indices] == list(indices)
    for index in report_indices:
        same(index.estimate, indices[index.key])


def partition(raw: Raw) -> dict[str, int]:
    counts = Counter(r.area for r in raw.responses)
    keys = [*AREAS, *sorted(k for k in counts if k not in AREAS)]
    return {key: counts.get(key, 0) for key in keys}


# --- properties -------------------------------------------------------------------------------


@PROPERTY
@given(worlds())
def test_round_report_matches_plain_python(world: World) -> None:
    """If any small round is aggregated in SQL, then every count equals the plain-Python count
    from the raw rows and every interval agrees to 1e-9 (process figures, questions, indices,
    published areas)."""
    report, raw = run_world(world)
    summary = report.summary
    privacy = suppress(partition(raw), world.min_group_size)
    assert summary.withheld == privacy.total_suppressed
    assert summary.invited == len(raw.outbox)
    delivered = {resident for resident, status in raw.outbox if status == "sent"}
    assert summary.delivered == len(delivered)
    if summary.withheld:
        assert report.questions == [] and report.indices == []
        assert summary.started is None and summary.completed is None
        return
    completed = [r for r in raw.responses if r.status == "completed"]
    assert summary.started == len(raw.responses)
    assert summary.completed == len(completed)
    responded = sum(1 for r in completed if r.resident_id in delivered)
    same(summary.response_rate, wilson_interval(responded, len(delivered)) if delivered else None)
    durations = sorted(
        (
            datetime.fromisoformat(r.completed_at) - datetime.fromisoformat(r.started_at)
        ).total_seconds()
        for r in completed
        if r.completed_at
    )
    if durations:
        middle = len(durations) // 2
        median = (
            durations[middle]
            if len(durations) % 2
            else (durations[middle - 1] + durations[middle]) / 2
        )
        assert summary.median_seconds is not None
        assert abs(summary.median_seconds - median) < 2e-3  # SQLite dates keep milliseconds
    else:
        assert summary.median_seconds is None
    check_figures(report.questions, report.indices, raw.responses)
    for area in report.areas:
        if area.suppressed:
            continue
        mine = [r for r in raw.responses if r.area == area.area_id]
        assert area.respondents == len(mine)
        assert area.completed == sum(1 for r in mine if r.status == "completed")
        check_figures(area.questions, area.indices, mine)


@PROPERTY
@given(worlds())
def test_no_small_area_is_published_or_derivable(world: World) -> None:
    """If areas are broken down, then no published area has 0 < n < k, every suppressed area
    carries no figure, and when the total is published the suppressed areas add up to 0 or to
    at least k from at least two non-empty areas (nothing follows by subtraction)."""
    report, raw = run_world(world)
    k = world.min_group_size
    counts = partition(raw)
    assert [a.area_id for a in report.areas] == list(counts)
    hidden = [a for a in report.areas if a.suppressed]
    for area in report.areas:
        if area.suppressed:
            assert area.respondents is None and area.completed is None
            assert area.questions == [] and area.indices == []
        else:
            assert area.respondents is not None
            assert area.respondents == 0 or area.respondents >= k
    if report.summary.started is not None:
        published = sum(a.respondents or 0 for a in report.areas if not a.suppressed)
        derived = report.summary.started - published
        assert derived == sum(counts[a.area_id] for a in hidden)
        assert derived == 0 or (
            derived >= k and sum(1 for a in hidden if counts[a.area_id] > 0) >= 2
        )


@PROPERTY
@given(worlds())
def test_weighted_estimates_pool_suppressed_areas(world: World) -> None:
    """If every area has a population, then the weighted figures equal post-stratification over
    the published areas plus one stratum pooling the suppressed ones; otherwise there are none."""
    report, raw = run_world(world)
    if report.summary.withheld:
        assert not report.weighted
        return
    counts = partition(raw)
    can_weight = all(raw.populations.get(key) for key in counts)
    assert report.weighted == can_weight
    if not can_weight:
        assert all(i.weighted is None for i in report.indices)
        return
    hidden = {a.area_id for a in report.areas if a.suppressed}
    groups: list[tuple[int, list[RawResponse]]] = [
        (raw.populations[key] or 0, [r for r in raw.responses if r.area == key])
        for key in counts
        if key not in hidden
    ]
    if hidden:
        groups.append(
            (
                sum(raw.populations[key] or 0 for key in hidden),
                [r for r in raw.responses if r.area in hidden],
            )
        )
    rating = next(q for q in report.questions if q.question_id == "rating")
    strata = []
    for population, members in groups:
        values = [r.answers["rating"] for r in members if r.answers.get("rating") is not None]
        strata.append(
            Stratum(
                population=population,
                n=len(values),
                total=sum(values),
                total_sq=sum(v * v for v in values),
            )
        )
    same(rating.weighted_mean, post_stratified_mean(strata))
    feel = next(q for q in report.questions if q.question_id == "feel")
    good = next(o for o in feel.options if o.code == "good")
    share_strata = []
    for population, members in groups:
        values = [r.answers["feel"] for r in members if r.answers.get("feel") is not None]
        share_strata.append(
            ShareStratum(
                population=population,
                n=len(values),
                successes=sum(1 for v in values if v == "good"),
            )
        )
    same(good.weighted, post_stratified_share(share_strata))
