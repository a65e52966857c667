"""Report figures: how many reports, where, about what, and how fast the partnership acts.

- **counts** by category, by area and by status. Areas and categories are suppressed like
  survey areas (:func:`surveys.suppression.suppress`: no group of 0 < n < k reports, and no
  group recoverable by subtraction). The area counts leave sensitive reports out: exported rows
  never show a sensitive report's area, and an area count holding them would reveal them by
  subtraction. Statuses are the partnership's actions, not attributes of residents, and are
  published whole (when the total is).
- **median time to acknowledge** (first response of any kind) and **to resolve** (first time
  marked resolved), from the report's submission, with their n;
- **share resolved within N days**: among reports at least N days old or already resolved
  (younger unresolved ones cannot be judged yet), those first resolved within N days;
- **reopen rate**: among reports ever resolved, those reopened afterwards.

Duplicates count in the totals but not in the timings (they are merged, not worked on). A
figure whose base is below ``min_group_size`` is withheld with its n; if the total is below it,
everything is. Pure functions over :class:`~surveys.store.reports.FigureInputs`.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from surveys.reports.models import STATUSES
from surveys.store import Store
from surveys.store.reports import FigureInputs
from surveys.suppression import suppress


class _Figure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Breakdown(_Figure):
    """One partition: published counts (input order) and the hidden groups."""

    published: dict[str, int]
    suppressed: tuple[str, ...]


class DurationFigure(_Figure):
    """A median in hours over ``n`` reports; both None when withheld (n below the minimum)."""

    median_hours: float | None
    n: int | None
    withheld: bool


class RateFigure(_Figure):
    """``count`` of ``n`` (share = count / n); all None when withheld."""

    share: float | None
    count: int | None
    n: int | None
    withheld: bool


class ReportFigures(_Figure):
    since: datetime | None
    at: datetime
    min_group_size: int
    total: int | None
    withheld: bool
    supporters: int | None
    by_status: dict[str, int]
    by_category: Breakdown
    by_area: Breakdown
    acknowledge: DurationFigure
    resolve: DurationFigure
    resolved_within_days: int
    resolved_within: RateFigure
    reopen: RateFigure


def _duration(values: list[float], k: int) -> DurationFigure:
    if len(values) < k or not values:
        return DurationFigure(median_hours=None, n=None, withheld=True)
    return DurationFigure(
        median_hours=statistics.median(values) / 3600, n=len(values), withheld=False
    )


def _rate(count: int, n: int, k: int) -> RateFigure:
    if n < k or n == 0:
        return RateFigure(share=None, count=None, n=None, withheld=True)
    return RateFigure(share=count / n, count=count, n=n, withheld=False)


def _breakdown(counts: dict[str, int], k: int) -> Breakdown:
    result = suppress(counts, k)
    return Breakdown(published=result.published, suppressed=tuple(sorted(result.suppressed)))


def compute(
    inputs: FigureInputs,
    *,
    min_group_size: int,
    within_days: int,
    at: datetime,
    since: datetime | None = None,
) -> ReportFigures:
    """The figures of ``inputs`` as of ``at`` (see the module docstring for each rule)."""
    k = min_group_size
    total = sum(inputs.by_status.values())
    withheld = total < k or total == 0
    nothing = Breakdown(published={}, suppressed=())
    within = timedelta(days=within_days)
    ack = [
        (t.acknowledged_at - t.created_at).total_seconds()
        for t in inputs.timings
        if t.acknowledged_at is not None
    ]
    resolve = [
        (t.resolved_at - t.created_at).total_seconds()
        for t in inputs.timings
        if t.resolved_at is not None
    ]
    judged = [
        t
        for t in inputs.timings
        if t.created_at <= at - within
        or (t.resolved_at is not None and t.resolved_at - t.created_at <= within)
    ]
    quick = sum(
        1 for t in judged if t.resolved_at is not None and t.resolved_at - t.created_at <= within
    )
    ever_resolved = [t for t in inputs.timings if t.resolved_at is not None]
    reopened = sum(1 for t in ever_resolved if t.reopen_count > 0)
    if withheld:
        blank_duration = DurationFigure(median_hours=None, n=None, withheld=True)
        blank_rate = RateFigure(share=None, count=None, n=None, withheld=True)
        return ReportFigures(
            since=since,
            at=at,
            min_group_size=k,
            total=None,
            withheld=True,
            supporters=None,
            by_status={},
            by_category=nothing,
            by_area=nothing,
            acknowledge=blank_duration,
            resolve=blank_duration,
            resolved_within_days=within_days,
            resolved_within=blank_rate,
            reopen=blank_rate,
        )
    return ReportFigures(
        since=since,
        at=at,
        min_group_size=k,
        total=total,
        withheld=False,
        # a count of people: published only when it protects them (0 reveals nobody)
        supporters=inputs.supporters if inputs.supporters == 0 or inputs.supporters >= k else None,
        by_status={s: inputs.by_status[s] for s in STATUSES if s in inputs.by_status},
        by_category=_breakdown(inputs.by_category, k),
        by_area=_breakdown(inputs.by_area, k),
        acknowledge=_duration(ack, k),
        resolve=_duration(resolve, k),
        resolved_within_days=within_days,
        resolved_within=_rate(quick, len(judged), k),
        reopen=_rate(reopened, len(ever_resolved), k),
    )


async def report_figures(
    store: Store,
    *,
    min_group_size: int,
    within_days: int,
    at: datetime,
    since: datetime | None = None,
) -> ReportFigures:
    inputs = await store.reports.figure_inputs(since)
    return compute(
        inputs, min_group_size=min_group_size, within_days=within_days, at=at, since=since
    )
