"""The facts a method note states: what the numbers of an export (or a chat report) are.

Every export carries a short note: an opt-in panel of Telegram users, not a random sample;
what the intervals mean and do not mean; how weighting was done or why not; the suppression
rule; the multiple-testing method; what the raw answers allow. The wording lives in the bot's
message catalogue (per language); this module gathers the facts it is filled with, so the note
always describes the figures it travels with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from surveys.aggregate import RoundReport
from surveys.stats import ALPHA, CONFIDENCE, MULTIPLE_TESTING, Mean, Share
from surveys.trend import Trend

__all__ = ["MethodFacts", "method_facts"]


class MethodFacts(BaseModel):
    """What the figures of one release are, for the method note."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    survey_key: str
    title: str
    rounds: list[int]
    generated_at: datetime
    time_zone: str
    language: str
    min_group_size: int
    confidence: float = CONFIDENCE
    alpha: float = ALPHA
    multiple_testing: str = MULTIPLE_TESTING
    tests: int
    significant: int
    weighted: bool
    clipped: bool
    hidden_areas: int
    hidden_figures: int
    withheld_rounds: list[int]
    raw_rounds: list[int]
    linked: bool
    include_text: bool


def _clipped(report: RoundReport) -> bool:
    figures: list[Mean | Share | None] = []
    for questions, indices in [
        (report.questions, report.indices),
        *((area.questions, area.indices) for area in report.areas),
    ]:
        figures += [q.mean for q in questions] + [q.weighted_mean for q in questions]
        figures += [i.estimate for i in indices] + [i.weighted for i in indices]
    return any(isinstance(m, Mean) and m.clipped for m in figures)


def _hidden_figures(report: RoundReport) -> int:
    hidden = sum(1 for q in report.questions if not q.published)
    hidden += sum(1 for i in report.indices if not i.published)
    for area in report.areas:
        hidden += sum(1 for q in area.questions if not q.published)
        hidden += sum(1 for i in area.indices if not i.published)
    return hidden


def method_facts(
    reports: Sequence[RoundReport],
    trend: Trend,
    *,
    generated_at: datetime,
    time_zone: str,
    raw_rounds: Sequence[int] = (),
    linked: bool = False,
    include_text: bool = False,
) -> MethodFacts:
    """The facts of a release made of ``reports`` (and the ``trend`` published with them)."""
    latest = reports[-1]
    return MethodFacts(
        survey_key=latest.summary.survey_key,
        title=latest.summary.title,
        rounds=[r.summary.round_id for r in reports],
        generated_at=generated_at,
        time_zone=time_zone,
        language=latest.language,
        min_group_size=latest.min_group_size,
        tests=trend.tests,
        significant=sum(
            1
            for series in trend.series
            for point in series.points
            if point.change is not None and point.change.significant
        ),
        weighted=any(r.weighted for r in reports),
        clipped=any(_clipped(r) for r in reports),
        hidden_areas=sum(1 for r in reports for a in r.areas if a.suppressed),
        hidden_figures=sum(_hidden_figures(r) for r in reports),
        withheld_rounds=[r.summary.round_id for r in reports if r.summary.withheld],
        raw_rounds=list(raw_rounds),
        linked=linked,
        include_text=include_text,
    )
