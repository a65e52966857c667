"""Aggregation checked independently: random small databases, the same figures recomputed in
plain Python from the raw rows (read back with sqlite3), compared with the SQL-side report.

Values are chosen so that every sum is exact in floating point (per-respondent index values
are multiples of 1/64 or of 5: indices average one or two items whose rescaled values are
multiples of 10 or 6.25;
fractional numbers are multiples of 1/8). Otherwise SQLite's running sums and Python's
``fsum`` may differ in the last bit, and an interval around a near-zero variance amplifies that
far beyond 1e-9. Three-item means and scale items are covered by worked examples in
``test_aggregate.py``.

The databases come from :mod:`tests.worlds` (real SQLite files written through the bulk
writer); the expected figures use only ``sqlite3``, the engine's ``index_values`` and the pure
functions of ``surveys.stats``. Counts must match exactly, intervals to 1e-9.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings

from surveys.aggregate import RoundReport, round_report
from surveys.definitions import (
    Likert5Question,
    MeanRescaledIndex,
    MultiQuestion,
    NumberQuestion,
    ScaleQuestion,
    SingleQuestion,
    YesNoQuestion,
)
from surveys.engine import index_values
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
from surveys.suppression import suppress
from tests.worlds import (
    DEFINITION,
    Raw,
    RawResponse,
    World,
    partition,
    read_raw,
    world_database,
    worlds,
)


async def report_of(path: Path, round_id: int, min_group_size: int) -> RoundReport:
    store = await Store.open(path)
    try:
        return await round_report(store, round_id, min_group_size=min_group_size, language="en")
    finally:
        await store.close()


def run_world(world: World) -> tuple[RoundReport, Raw]:
    with world_database(world) as (path, round_id):
        report = asyncio.run(report_of(path, round_id, world.min_group_size))
        return report, read_raw(path, round_id)


TOLERANCE = 1e-9
PROPERTY = settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])


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
        low, high = question.value_range
        out["mean"] = mean_interval(
            len(given_),
            math.fsum(given_),
            math.fsum(v * v for v in given_),
            bounds=(float(low), float(high)),
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
    """Every published figure equals the plain-Python one (hidden ones are checked apart)."""
    for figures in report_questions:
        if not figures.published:
            continue
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
        if index.published:
            same(index.estimate, indices[index.key])


def answered(responses: Sequence[RawResponse], question_id: str) -> int:
    return sum(1 for r in responses if r.answers.get(question_id) is not None)


def index_base(responses: Sequence[RawResponse], key: str) -> int:
    return sum(1 for r in responses if index_values(DEFINITION, r.answers)[key] is not None)


def figure_bases(raw: Raw) -> dict[tuple[str, str], dict[str, int]]:
    """(subject, key) -> the base of that figure in every area of the partition."""
    areas = partition(raw)
    members = {area: [r for r in raw.responses if r.area == area] for area in areas}
    bases: dict[tuple[str, str], dict[str, int]] = {}
    for question in DEFINITION.questions:
        bases[("question", question.id)] = {a: answered(m, question.id) for a, m in members.items()}
    for index in DEFINITION.indices:
        bases[("index", index.key)] = {a: index_base(m, index.key) for a, m in members.items()}
    return bases


# --- properties -------------------------------------------------------------------------------


@PROPERTY
@given(worlds())
def test_round_report_matches_plain_python(world: World) -> None:
    """If any small round is aggregated in SQL, then every count equals the plain-Python count
    from the raw rows and every interval agrees to 1e-9 (participation, AAPOR RR1 and RR2,
    the exact median, questions, indices, published areas)."""
    report, raw = run_world(world)
    k = world.min_group_size
    summary = report.summary
    privacy = suppress(partition(raw), k)
    assert summary.withheld == privacy.total_suppressed
    invited = len(raw.outbox)
    assert summary.invited == (None if 0 < invited < k else invited)
    delivered = {resident for resident, status in raw.outbox if status == "sent"}
    if summary.invited is not None:
        assert summary.delivered == len(delivered)
    if summary.withheld:
        assert report.questions == [] and report.indices == []
        assert summary.started is None and summary.completed is None and summary.rr1 is None
    else:
        completed = [r for r in raw.responses if r.status == "completed"]
        assert summary.started == len(raw.responses)
        assert summary.completed == len(completed)
        assert summary.partial == len(raw.responses) - len(completed)
        complete = sum(1 for r in completed if r.resident_id in delivered)
        partial = sum(
            1 for r in raw.responses if r.status != "completed" and r.resident_id in delivered
        )
        rates_shown = summary.invited is not None and len(delivered) >= k and bool(delivered)
        same(summary.rr1, wilson_interval(complete, len(delivered)) if rates_shown else None)
        rr2 = wilson_interval(complete + partial, len(delivered)) if rates_shown else None
        same(summary.rr2, rr2)
        micro = timedelta(microseconds=1)
        durations = sorted(
            (datetime.fromisoformat(r.completed_at) - datetime.fromisoformat(r.started_at)) // micro
            for r in completed
            if r.completed_at
        )
        if len(durations) >= k and durations:
            middle = durations[(len(durations) - 1) // 2 : len(durations) // 2 + 1]
            # exact: integer microseconds, not julianday's milliseconds
            assert summary.median_seconds == sum(middle) / len(middle) / 1_000_000
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
    assume(report.summary.started is not None)
    assert report.summary.started is not None
    published = sum(a.respondents or 0 for a in report.areas if not a.suppressed)
    derived = report.summary.started - published
    assert derived == sum(counts[a.area_id] for a in hidden)
    assert derived == 0 or (derived >= k and sum(1 for a in hidden if counts[a.area_id] > 0) >= 2)


def _question(questions: Sequence[Any], question_id: str) -> Any:
    return next(q for q in questions if q.question_id == question_id)


def _figures_of(report: RoundReport) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {("question", q.question_id): q for q in report.questions}
    found |= {("index", i.key): i for i in report.indices}
    return found


def _base(figure: Any) -> int | None:
    if hasattr(figure, "answered"):
        return figure.answered if figure.published else None
    return figure.estimate.n if figure.published else None


@PROPERTY
@given(worlds())
def test_no_figure_rests_on_a_small_base(world: World) -> None:
    """If a round is reported, then no published figure (overall or in an area: shares,
    means, top-box, indices, weighted ones) has a base 0 < n < k, and for every figure what
    subtraction leaves of the areas where it is hidden is 0 answers, or at least k answers
    from two or more areas (complementary suppression holds per figure)."""
    report, raw = run_world(world)
    k = world.min_group_size
    assume(not report.summary.withheld)
    bases = figure_bases(raw)
    overall = _figures_of(report)
    area_figures = {a.area_id: _figures_of(a) for a in report.areas if not a.suppressed}
    for key, per_area in bases.items():
        figure = overall[key]
        base = _base(figure)
        assert base is None or base == 0 or base >= k, (key, base)
        if base is None:
            assert sum(per_area.values()) > 0  # an empty figure is published as empty
            continue
        assert base == sum(per_area.values())
        shown = 0
        hidden_areas = []
        for area, n in per_area.items():
            figures = area_figures.get(area)
            area_base = None if figures is None else _base(figures[key])
            assert area_base is None or area_base == 0 or area_base >= k, (key, area, area_base)
            if area_base is None:
                hidden_areas.append(n)
            else:
                assert area_base == n
                shown += n
        residue = base - shown
        assert residue == sum(hidden_areas)
        assert residue == 0 or (residue >= k and sum(1 for n in hidden_areas if n > 0) >= 2)


@PROPERTY
@given(worlds())
def test_weighted_estimates_pool_each_figures_hidden_areas(world: World) -> None:
    """If every area has a population, then each weighted figure equals post-stratification
    over the areas where that figure is published plus one stratum pooling the areas where it
    is hidden, with Kish's effective n; otherwise there are none."""
    report, raw = run_world(world)
    assume(not report.summary.withheld)
    counts = partition(raw)
    can_weight = all(raw.populations.get(key) for key in counts)
    assert report.weighted == can_weight
    if not can_weight:
        assert all(i.weighted is None for i in report.indices)
        assert all(q.weighted_mean is None for q in report.questions)
    published_areas = {a.area_id: a for a in report.areas if not a.suppressed}
    for question_id in ("rating", "feel"):
        figure = next(q for q in report.questions if q.question_id == question_id)
        if not can_weight or not figure.published:
            continue
        shown = [
            key
            for key in counts
            if key in published_areas
            and _question(published_areas[key].questions, question_id).published
        ]
        hidden = [key for key in counts if key not in shown]
        groups: list[tuple[int, list[RawResponse]]] = [
            (raw.populations[key] or 0, [r for r in raw.responses if r.area == key])
            for key in shown
        ]
        if hidden:
            groups.append(
                (
                    sum(raw.populations[key] or 0 for key in hidden),
                    [r for r in raw.responses if r.area in hidden],
                )
            )
        if question_id == "rating":
            strata = []
            for population, members in groups:
                values = [r.answers["rating"] for r in members if "rating" in r.answers]
                values = [v for v in values if v is not None]
                strata.append(
                    Stratum(
                        population=population,
                        n=len(values),
                        total=sum(values),
                        total_sq=sum(v * v for v in values),
                    )
                )
            expected = post_stratified_mean(strata, bounds=(1.0, 5.0))
            same(figure.weighted_mean, expected)
            assert figure.weighted_mean is not None
            assert figure.weighted_mean.effective_n == expected.effective_n
        else:
            good = next(o for o in figure.options if o.code == "good")
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
            expected_share = post_stratified_share(share_strata)
            same(good.weighted, expected_share)
            assert good.weighted is not None
            assert good.weighted.design_effect == expected_share.design_effect
