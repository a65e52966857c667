"""Trends: the same figures followed across the rounds of one survey, with honest tests.

Rounds of one survey key in order; a question is compared between two rounds when its id and
type exist in both versions (a choice when its code does). Shares are tested with a
two-proportion z test, means with Welch's t test.

One export publishes many such tests at once, so their p-values are adjusted together with
Benjamini-Hochberg (:func:`surveys.stats.benjamini_hochberg`), and a change is flagged
significant on the adjusted p-value. Figures that merely restate another one are not tested
(the test would count the same evidence twice): the "no" share of a yes/no question, the last
choice of a two-choice question, an index built on one item (its mean, its top-2-box or its
"yes" share), and the top-2-box of a likert item behind a share_agree index at 4.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

from surveys.aggregate import (
    IndexFigure,
    QuestionFigures,
    RoundReport,
    RoundSummary,
    reports_of,
    rounds_of,
)
from surveys.stats import (
    ALPHA,
    MULTIPLE_TESTING,
    Change,
    Mean,
    Share,
    benjamini_hochberg,
    mean_change,
    share_change,
)
from surveys.store import Store

__all__ = [
    "Trend",
    "TrendPoint",
    "TrendSeries",
    "build_trend",
    "survey_trend",
]

Measure = Literal["index", "mean", "top_box", "share"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TrendPoint(_Model):
    """One round of a series: its figure (None if absent, hidden or withheld) and the step to
    it from the previous round."""

    round_id: int
    opens_at: datetime
    estimate: Mean | Share | None
    change: Change | None


class TrendSeries(_Model):
    """One figure followed across rounds (an index, a mean, a top-box or an option share).

    ``duplicates`` names the series this one restates; such a series is not tested.
    """

    subject: Literal["index", "question"]
    key: str
    measure: Measure
    option: str | None
    label: str
    duplicates: str | None = None
    points: list[TrendPoint]


class Trend(_Model):
    """Rounds of one survey key, oldest first, the series compared between them, and the
    multiple-testing method applied to all their tests together."""

    survey_key: str
    language: str
    rounds: list[RoundSummary]
    series: list[TrendSeries]
    tests: int
    multiple_testing: str = MULTIPLE_TESTING
    alpha: float = ALPHA


_Step = tuple[RoundReport, Mean | Share | None, Change | None]


class _SeriesKey(NamedTuple):
    subject: Literal["index", "question"]
    key: str
    kind: str  # index method or question type: a series only joins figures of the same kind
    measure: Measure
    option: str | None
    label: str


def series_name(subject: str, key: str, measure: str, option: str | None) -> str:
    """How a series is named where another one refers to it: ``question safety mean``."""
    return " ".join(part for part in (subject, key, measure, option) if part)


def _question_keys(question: QuestionFigures) -> list[_SeriesKey]:
    qid, kind, text = question.question_id, question.type, question.text
    keys = []
    if question.question_class.numeric:
        keys.append(_SeriesKey("question", qid, kind, "mean", None, text))
    if question.top_box_codes:
        summary = f"{text}: {question.top_box_label}"
        keys.append(_SeriesKey("question", qid, kind, "top_box", None, summary))
    if question.question_class.categorical:
        keys.extend(
            _SeriesKey("question", qid, kind, "share", option.code, f"{text}: {option.label}")
            for option in question.options
        )
    return keys


def _shapes(reports: Sequence[RoundReport]) -> list[QuestionFigures]:
    """The questions of the latest round, each as the latest round that published it shows it
    (a question hidden in the latest round still has its options and summary from before)."""
    latest = reports[-1]
    shapes = []
    for question in latest.questions:
        shape = next(
            (
                q
                for report in reversed(reports)
                for q in report.questions
                if q.question_id == question.question_id and q.type == question.type and q.published
            ),
            question,
        )
        shapes.append(shape)
    return shapes


def _series_keys(report: RoundReport, questions: Sequence[QuestionFigures]) -> list[_SeriesKey]:
    """Every series of the trend: the latest round's indices and questions."""
    keys = [
        _SeriesKey("index", index.key, index.method, "index", None, index.title)
        for index in report.indices
    ]
    for question in questions:
        keys.extend(_question_keys(question))
    return keys


def _duplicates(
    report: RoundReport, questions: Sequence[QuestionFigures]
) -> dict[tuple[str, str, str | None], str]:
    """(key, measure, option) of each question series that restates another -> that other."""
    found: dict[tuple[str, str, str | None], str] = {}
    types = {q.question_id: q for q in questions}
    for question in questions:
        codes = [option.code for option in question.options]
        if not codes:
            continue
        kind = question.question_class
        if kind.categorical and not kind.picks_several and len(codes) == 2:
            # One answer of two: the second share is one minus the first.
            first = series_name("question", question.question_id, "share", codes[0])
            found[(question.question_id, "share", codes[-1])] = first
    for index in report.indices:
        restated = _restated(index, types)
        if restated is not None:
            found[(f"index:{index.key}", "index", None)] = restated
    return found


def _restated(index: IndexFigure, questions: dict[str, QuestionFigures]) -> str | None:
    """The item figure an index on one item restates, if any."""
    if len(index.items) != 1 or index.items[0] not in questions:
        return None
    item = questions[index.items[0]]
    threshold = 1.0 if index.threshold is None else index.threshold
    kind = item.question_class
    if index.method == "mean_rescaled" and kind.numeric:
        return series_name("question", item.question_id, "mean", None)
    restated = kind.share_agree_restates(threshold) if index.method == "share_agree" else None
    if restated is not None:
        measure, option = restated
        return series_name("question", item.question_id, measure, option)
    return None


def _estimate(report: RoundReport, series: _SeriesKey) -> Mean | Share | None:
    """The figure of one series in one round, or None when the round lacks it."""
    if series.subject == "index":
        for index in report.indices:
            if index.key == series.key and index.method == series.kind:
                return index.estimate
        return None
    for question in report.questions:
        if question.question_id != series.key or question.type != series.kind:
            continue
        if series.measure == "mean":
            return question.mean
        if series.measure == "top_box":
            return question.top_box
        for figure in question.options:
            if figure.code == series.option:
                return figure.share
    return None


def _change(previous: Mean | Share, current: Mean | Share) -> Change | None:
    if isinstance(previous, Share) and isinstance(current, Share):
        return share_change(previous, current)
    if isinstance(previous, Mean) and isinstance(current, Mean):
        return mean_change(previous, current)
    return None


def build_trend(reports: Sequence[RoundReport]) -> Trend:
    """Series across the rounds (oldest first): each round's figure and the change from the
    previous round, tested when both rounds have the figure and the series duplicates no
    other; all tests adjusted together (Benjamini-Hochberg)."""
    if not reports:
        raise ValueError("a trend needs at least one round")
    latest = reports[-1]
    shapes = _shapes(reports)
    duplicates = _duplicates(latest, shapes)
    raw: list[tuple[_SeriesKey, str | None, list[_Step]]] = []
    for key in _series_keys(latest, shapes):
        subject = f"index:{key.key}" if key.subject == "index" else key.key
        duplicate = duplicates.get((subject, key.measure, key.option))
        steps = []
        previous: Mean | Share | None = None
        for report in reports:
            estimate = _estimate(report, key)
            change = None
            if previous is not None and estimate is not None:
                change = _change(previous, estimate)
                if change is not None and duplicate is not None:
                    untested = {"test": None, "p_adjusted": None, "significant": False}
                    change = change.model_copy(update={**untested, "duplicates": duplicate})
            steps.append((report, estimate, change))
            previous = estimate
        raw.append((key, duplicate, steps))
    tested = [
        (id(change), change.test.p_value)
        for _, _, steps in raw
        for _, _, change in steps
        if change is not None and change.test is not None and change.test.p_value is not None
    ]
    adjusted = dict(
        zip(
            (ident for ident, _ in tested),
            benjamini_hochberg([p for _, p in tested]),
            strict=True,
        )
    )
    series = []
    for key, duplicate, steps in raw:
        points = []
        for report, estimate, change in steps:
            if change is not None and id(change) in adjusted:
                p = adjusted[id(change)]
                change = change.model_copy(update={"p_adjusted": p, "significant": p < ALPHA})
            elif change is not None and change.test is not None:
                change = change.model_copy(update={"p_adjusted": None, "significant": False})
            points.append(
                TrendPoint(
                    round_id=report.summary.round_id,
                    opens_at=report.summary.opens_at,
                    estimate=estimate,
                    change=change,
                )
            )
        series.append(
            TrendSeries(
                subject=key.subject,
                key=key.key,
                measure=key.measure,
                option=key.option,
                label=key.label,
                duplicates=duplicate,
                points=points,
            )
        )
    return Trend(
        survey_key=latest.summary.survey_key,
        language=latest.language,
        rounds=[report.summary for report in reports],
        series=series,
        tests=len(tested),
    )


async def survey_trend(
    store: Store,
    survey_key: str,
    *,
    min_group_size: int,
    since: datetime | None = None,
    language: str | None = None,
) -> Trend:
    """The trend of a survey over its rounds (see :func:`build_trend`), in a worker thread."""

    def work() -> Trend:
        with store.results.snapshot() as reader:
            rounds = rounds_of(reader, survey_key, since=since)
            reports = reports_of(
                reader, rounds, min_group_size=min_group_size, language=language, areas_too=False
            )
        return build_trend(reports)

    return await asyncio.to_thread(work)
