"""Statistics over grouped numbers: intervals, indices, tests, post-stratification.

Aggregation happens in two steps. SQL counts and sums (``COUNT(*)``, ``SUM(x)``, ``SUM(x*x)``
per ``GROUP BY``); the functions here turn those sufficient statistics into figures. They are
pure (no I/O, no clock, no randomness), so one table of known values and a few property tests
pin them down.

Every figure carries its ``n``: a share without its denominator or a mean without its count is
not reported. An empty group gives a figure whose ``value`` is ``None`` rather than a ``NaN``,
and a degenerate test gives ``p_value=None``; nothing here returns ``NaN`` or raises on a
legitimate but small sample. Invalid arguments (negative counts, more successes than
respondents, a confidence outside (0, 1)) are programming errors and raise ``ValueError``.

References used in the docstrings:

- Wilson (1927); Newcombe (1998), "Two-sided confidence intervals for the single proportion",
  Statistics in Medicine 17:857-872 (method 3, score interval without continuity correction).
- Welch (1947); Satterthwaite (1946) for approximate degrees of freedom.
- Cochran (1977), *Sampling Techniques*, 3rd ed., ch. 5 (stratified estimation, eq. 5.6 / 5.13).
- Kish (1965), *Survey Sampling*, design effect and effective sample size under unequal weights.
- Benjamini & Hochberg (1995), "Controlling the false discovery rate", JRSS B 57:289-300.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection, Mapping, Sequence
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ALPHA",
    "CONFIDENCE",
    "MULTIPLE_TESTING",
    "Change",
    "Mean",
    "Share",
    "ShareStratum",
    "Stratum",
    "TestResult",
    "benjamini_hochberg",
    "choice_shares",
    "clip",
    "index_interval",
    "kish",
    "mean_change",
    "mean_interval",
    "post_stratified_mean",
    "post_stratified_share",
    "rescale",
    "share_change",
    "top_box",
    "two_proportion_z_test",
    "welch_t_test",
    "wilson_interval",
]

CONFIDENCE = 0.95
"""Default confidence level of every interval."""

ALPHA = 0.05
"""Default significance level of every test."""

MULTIPLE_TESTING = "Benjamini-Hochberg"
"""How a family of tests (the trend tests of one export) is adjusted: false discovery rate."""

INDEX_LOW = 0.0
INDEX_HIGH = 100.0

_VARIANCE_TOLERANCE = 1e-9
"""Relative slack for a negative sum of squares caused by rounding in the caller's sums."""


class _Figure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Share(_Figure):
    """A proportion with its Wilson score interval.

    ``value`` is ``None`` when ``n == 0``. For a post-stratified share ``n`` and ``successes``
    are the raw counts, ``value`` is the weighted estimate, and ``effective_n`` and
    ``design_effect`` (Kish) say how much the weights cost: the interval rests on
    ``effective_n``, not on ``n``.
    """

    n: int = Field(ge=0)
    successes: int = Field(ge=0)
    value: float | None
    low: float | None
    high: float | None
    effective_n: float | None = None
    design_effect: float | None = None


class Mean(_Figure):
    """A mean with its t interval and the sample standard deviation.

    ``n == 0``: everything is ``None``. ``n == 1``: only ``value`` (no spread, no interval).
    ``clipped``: the t interval reached past the answer scale and was cut at its end, since a
    mean can never lie outside the scale. ``effective_n`` and ``design_effect``: as for
    :class:`Share`, for weighted means.
    """

    n: int = Field(ge=0)
    value: float | None
    low: float | None
    high: float | None
    sd: float | None
    clipped: bool = False
    effective_n: float | None = None
    design_effect: float | None = None


class TestResult(_Figure):
    """Outcome of one two-sample test, taken alone.

    Degenerate inputs (an empty or single-respondent sample, no variance at all) give
    ``statistic=None``, ``p_value=None`` and ``significant=False``: "cannot tell" is reported
    as such, never as a ``NaN`` or as a significant change. ``significant`` compares the raw
    ``p_value`` with alpha; in a family of tests use :attr:`Change.significant`, which is
    adjusted for multiple testing.
    """

    __test__ = False  # not a pytest test class despite the name

    statistic: float | None
    p_value: float | None
    significant: bool
    df: float | None = None


class Change(_Figure):
    """A trend step: the earlier and later figure, their difference, and the test behind it.

    ``difference`` is ``current.value - previous.value`` (on the 0-1 scale for shares), or
    ``None`` when either side is empty. ``test`` is None when the figure is not tested
    because it duplicates another one (see ``duplicates``). ``p_adjusted`` is the
    Benjamini-Hochberg adjusted p-value within the family of tests it was published with, and
    ``significant`` compares that adjusted value with alpha.
    """

    previous: Share | Mean
    current: Share | Mean
    difference: float | None
    test: TestResult | None
    p_adjusted: float | None = None
    significant: bool = False
    duplicates: str | None = None


class Stratum(_Figure):
    """Sufficient statistics of one post-stratification cell (an area) for a mean."""

    population: int = Field(ge=0)
    n: int = Field(ge=0)
    total: int | float  # int kept exact: SQL sums of integer answers are integers
    total_sq: int | float = Field(ge=0)


class ShareStratum(_Figure):
    """Counts of one post-stratification cell (an area) for a share."""

    population: int = Field(ge=0)
    n: int = Field(ge=0)
    successes: int = Field(ge=0)


# --- helpers ---------------------------------------------------------------------------------


@functools.cache
def _scipy() -> Any:
    """scipy.stats, imported on first use: it takes about a second to import, and the bot
    imports this module's models (for chat text) without ever computing a quantile."""
    from scipy import stats

    return stats


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")


@functools.lru_cache(maxsize=64)
def _z(confidence: float) -> float:
    """Two-sided standard normal quantile, e.g. 1.959964 for 95 % (cached: scipy's
    distribution calls cost ~0.1 ms each and a report makes thousands)."""
    _check_confidence(confidence)
    return float(_scipy().norm.ppf(0.5 + confidence / 2.0))


@functools.lru_cache(maxsize=4096)
def _t(confidence: float, df: float) -> float:
    """Two-sided Student t quantile with ``df`` degrees of freedom (cached, as :func:`_z`)."""
    _check_confidence(confidence)
    return float(_scipy().t.ppf(0.5 + confidence / 2.0, df))


def _wilson_bounds(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval for proportion ``p`` over ``n`` (which may be an effective n).

    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` (Wilson 1927; Newcombe 1998,
    method 3). Unlike the Wald interval it stays inside [0, 1] and is not empty at p = 0 or 1;
    the clamp only removes rounding residue at those ends.
    """
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
    low = 0.0 if p <= 0.0 else max(0.0, centre - half)
    high = 1.0 if p >= 1.0 else min(1.0, centre + half)
    return low, high


def _sum_of_squares(n: int, total: float, total_sq: float) -> float:
    """``Σ(x - x̄)²`` from ``n``, ``Σx`` and ``Σx²``.

    The textbook shortcut ``Σx² - (Σx)²/n`` cancels catastrophically in floating point, so it is
    evaluated in exact rational arithmetic on the (exactly representable) inputs: the only
    error left is the one already in the caller's sums. A small negative result from that
    rounding is clamped to 0; a large one means the sums are inconsistent.
    """
    exact = Fraction(total_sq) - Fraction(total) * Fraction(total) / n
    if exact < 0:
        if -exact > _VARIANCE_TOLERANCE * max(1.0, abs(total_sq)):
            raise ValueError(
                f"inconsistent sufficient statistics: n={n}, total={total}, total_sq={total_sq}"
            )
        return 0.0
    return float(exact)


def _check_count(successes: int, n: int) -> None:
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")


# --- shares ----------------------------------------------------------------------------------


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> Share:
    """Share of ``successes`` among ``n`` with its Wilson score interval.

    Wilson rather than Wald because survey groups are small and shares near 0 or 1 are common:
    the Wald interval collapses to a point there (Newcombe 1998). ``n == 0`` gives no value.
    """
    _check_count(successes, n)
    z = _z(confidence)
    if n == 0:
        return Share(n=0, successes=0, value=None, low=None, high=None)
    p = successes / n
    low, high = _wilson_bounds(p, n, z)
    return Share(n=n, successes=successes, value=p, low=low, high=high)


def choice_shares(
    counts: Mapping[str, int], n_respondents: int, confidence: float = CONFIDENCE
) -> dict[str, Share]:
    """Share of respondents who picked each choice, in the order of ``counts``.

    The denominator is the number of respondents, not the number of picks: on a multi-choice
    question shares then answer "what fraction of people mentioned X" and may sum to more than
    1. A count above ``n_respondents`` is an error (one respondent picks a choice at most once).
    """
    return {
        choice: wilson_interval(count, n_respondents, confidence)
        for choice, count in counts.items()
    }


def top_box(
    counts_by_value: Mapping[int, int],
    top_values: Collection[int],
    confidence: float = CONFIDENCE,
) -> Share:
    """Share of answers in ``top_values`` (top-2-box on a 1-5 Likert scale: ``{4, 5}``).

    The denominator is every answer in ``counts_by_value``; values in ``top_values`` with no
    answers simply contribute 0.
    """
    if any(count < 0 for count in counts_by_value.values()):
        raise ValueError("counts must be non-negative")
    n = sum(counts_by_value.values())
    successes = sum(count for value, count in counts_by_value.items() if value in top_values)
    return wilson_interval(successes, n, confidence)


# --- means -----------------------------------------------------------------------------------


def clip(mean: Mean, bounds: tuple[float, float] | None) -> Mean:
    """The mean with its interval cut to the scale ``bounds`` (and ``clipped`` set if it was).

    A symmetric t interval can reach past the ends of a bounded scale (``4.29 (3.26-5.31)`` on
    1-5) when few answers are spread out; a mean of 1-5 answers can never exceed 5, so the bound
    is cut there and the figure says so.
    """
    if bounds is None or mean.low is None or mean.high is None:
        return mean
    low, high = bounds
    clipped_low, clipped_high = min(max(mean.low, low), high), min(max(mean.high, low), high)
    if (clipped_low, clipped_high) == (mean.low, mean.high):
        return mean
    return mean.model_copy(update={"low": clipped_low, "high": clipped_high, "clipped": True})


def mean_interval(
    n: int,
    total: float,
    total_sq: float,
    confidence: float = CONFIDENCE,
    bounds: tuple[float, float] | None = None,
) -> Mean:
    """Mean of ``n`` values from ``COUNT``, ``SUM(x)``, ``SUM(x*x)`` with a t interval.

    ``x̄ ± t(1-α/2, n-1) · s/√n`` with the sample standard deviation ``s`` (divisor ``n-1``):
    the small-sample interval, which tends to the normal one as ``n`` grows. ``n == 1`` has no
    spread, so only the value is given. With ``bounds`` (the answer scale) the interval is
    clipped to the scale (:func:`clip`).
    """
    _check_confidence(confidence)
    if n < 0 or total_sq < 0:
        raise ValueError(f"need n >= 0 and total_sq >= 0, got n={n}, total_sq={total_sq}")
    if n == 0:
        if total != 0 or total_sq != 0:
            raise ValueError("an empty group must have zero sums")
        return Mean(n=0, value=None, low=None, high=None, sd=None)
    value = total / n
    if n == 1:
        return Mean(n=1, value=value, low=None, high=None, sd=None)
    sd = math.sqrt(_sum_of_squares(n, total, total_sq) / (n - 1))
    half = _t(confidence, n - 1) * sd / math.sqrt(n)
    return clip(Mean(n=n, value=value, low=value - half, high=value + half, sd=sd), bounds)


def rescale(value: float, low: float, high: float) -> float:
    """Map ``value`` on the scale ``[low, high]`` to 0-100 (1-5 Likert: 1 -> 0, 3 -> 50, 5 -> 100).

    Indices combine questions with different scales, so each answer is first put on a common
    0-100 scale. A value outside the scale is a bug upstream and raises.
    """
    if not low < high:
        raise ValueError(f"need low < high, got low={low}, high={high}")
    if not low <= value <= high:
        raise ValueError(f"{value} lies outside the scale [{low}, {high}]")
    return (value - low) / (high - low) * INDEX_HIGH


def index_interval(n: int, total: float, total_sq: float, confidence: float = CONFIDENCE) -> Mean:
    """Composite index (0-100) from per-respondent index values, with its t interval.

    Each respondent's index is the mean of their rescaled answers (see :func:`rescale`); SQL
    sums those per-respondent values, so the index is :func:`mean_interval` over respondents,
    which respects that one person's answers are correlated. The interval is clipped to
    [0, 100], the only values the index can take. An index defined as "share who agree" is a
    share instead: use :func:`wilson_interval` on the count of agreeing respondents.
    """
    mean = mean_interval(n, total, total_sq, confidence)
    if mean.value is not None and not INDEX_LOW - 1e-9 <= mean.value <= INDEX_HIGH + 1e-9:
        raise ValueError(f"index mean {mean.value} lies outside [0, 100]")
    return clip(mean, (INDEX_LOW, INDEX_HIGH))


# --- tests -----------------------------------------------------------------------------------


def _degenerate(df: float | None = None) -> TestResult:
    return TestResult(statistic=None, p_value=None, significant=False, df=df)


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int, alpha: float = ALPHA) -> TestResult:
    """Two-sided z test of ``x1/n1 == x2/n2`` with the pooled standard error.

    ``z = (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2))`` with ``p = (x1+x2)/(n1+n2)`` (the score test
    for a 2x2 table; ``z²`` equals Pearson's chi-square without continuity correction). An empty
    sample or a pooled share of exactly 0 or 1 (no variation at all) is degenerate.
    """
    _check_count(x1, n1)
    _check_count(x2, n2)
    if n1 == 0 or n2 == 0:
        return _degenerate()
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if variance <= 0.0:
        return _degenerate()
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    p_value = float(2.0 * _scipy().norm.sf(abs(z)))
    return TestResult(statistic=z, p_value=p_value, significant=p_value < alpha)


def welch_t_test(
    n1: int,
    mean1: float,
    var1: float,
    n2: int,
    mean2: float,
    var2: float,
    alpha: float = ALPHA,
) -> TestResult:
    """Two-sided Welch t test of equal means from group summaries (sample variances, ddof 1).

    ``t = (m1 - m2) / sqrt(v1/n1 + v2/n2)`` with Welch-Satterthwaite degrees of freedom
    ``(v1/n1 + v2/n2)² / ((v1/n1)²/(n1-1) + (v2/n2)²/(n2-1))``; it does not assume equal
    variances (Welch 1947). Degenerate: a sample with fewer than 2 values (no variance
    estimate) or zero variance in both samples.
    """
    if var1 < 0 or var2 < 0 or n1 < 0 or n2 < 0:
        raise ValueError("sizes and variances must be non-negative")
    if n1 < 2 or n2 < 2:
        return _degenerate()
    a1, a2 = var1 / n1, var2 / n2
    se2 = a1 + a2
    if se2 <= 0.0:
        return _degenerate()
    df = se2 * se2 / (a1 * a1 / (n1 - 1) + a2 * a2 / (n2 - 1))
    t = (mean1 - mean2) / math.sqrt(se2)
    p_value = float(2.0 * _scipy().t.sf(abs(t), df))
    return TestResult(statistic=t, p_value=p_value, significant=p_value < alpha, df=df)


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values, in the order given.

    With the raw p-values sorted ascending, ``p_(i)`` becomes ``min over j >= i of
    m · p_(j) / j`` (capped at 1), where ``m`` is the number of tests: a change is flagged when
    its adjusted p is below alpha, which keeps the expected share of false discoveries among
    the flagged changes at most alpha (Benjamini & Hochberg 1995; valid under independence or
    positive dependence of the tests, the usual case for repeated survey figures).
    """
    if any(not 0.0 <= p <= 1.0 for p in p_values):
        raise ValueError("p-values must lie in [0, 1]")
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        adjusted[i] = running
    return adjusted


def share_change(previous: Share, current: Share, alpha: float = ALPHA) -> Change:
    """Trend step between two unweighted shares, tested with :func:`two_proportion_z_test`.

    Uses the raw counts, so it is not valid for post-stratified shares.
    """
    test = two_proportion_z_test(
        current.successes, current.n, previous.successes, previous.n, alpha
    )
    return _change(previous, current, test)


def mean_change(previous: Mean, current: Mean, alpha: float = ALPHA) -> Change:
    """Trend step between two means, tested with :func:`welch_t_test` (current minus previous)."""
    test = welch_t_test(
        current.n,
        current.value or 0.0,
        (current.sd or 0.0) ** 2,
        previous.n,
        previous.value or 0.0,
        (previous.sd or 0.0) ** 2,
        alpha,
    )
    return _change(previous, current, test)


def _change(previous: Share | Mean, current: Share | Mean, test: TestResult) -> Change:
    """A change tested alone: its adjusted p is its raw p until a family adjusts it."""
    return Change(
        previous=previous,
        current=current,
        difference=_difference(previous, current),
        test=test,
        p_adjusted=test.p_value,
        significant=test.significant,
    )


def _difference(previous: Share | Mean, current: Share | Mean) -> float | None:
    if previous.value is None or current.value is None:
        return None
    return current.value - previous.value


# --- post-stratification ---------------------------------------------------------------------


def _weights(populations: Sequence[int]) -> list[float]:
    """Population shares ``W_h = N_h / N`` over the strata that have respondents.

    Strata without respondents are dropped before this call and the rest renormalised: their
    population is implicitly represented by the others (the usual post-stratification
    assumption that non-respondents resemble respondents).
    """
    if any(population <= 0 for population in populations):
        raise ValueError("a stratum with respondents needs a positive population")
    grand = sum(populations)
    return [population / grand for population in populations]


def kish(weights: Sequence[float], sizes: Sequence[int]) -> tuple[float, float]:
    """(effective n, design effect) of a post-stratified estimate (Kish 1965).

    Each respondent of stratum ``h`` carries the weight ``W_h / n_h``, so
    ``n_eff = (Σ w_i)² / Σ w_i² = 1 / Σ (W_h² / n_h)`` and ``deff = n / n_eff``: the variance
    inflation that unequal weights cause. Proportional weights give ``deff = 1``.
    """
    effective = 1.0 / math.fsum(w * w / n for w, n in zip(weights, sizes, strict=True))
    return effective, sum(sizes) / effective


def post_stratified_mean(
    strata: Sequence[Stratum],
    confidence: float = CONFIDENCE,
    bounds: tuple[float, float] | None = None,
) -> Mean:
    """Mean weighted by area population: ``ȳ_st = Σ W_h ȳ_h`` (Cochran 1977, eq. 5.1).

    The interval rests on Kish's effective sample size (:func:`kish`): ``ȳ_st ± t(n_eff - 1) ·
    s_w / √n_eff``, where ``s_w² = n/(n-1) · Σ_i w_i (y_i - ȳ_st)²`` is the weighted variance
    of the answers (weights summing to 1), which equals ``n/(n-1) · (Σ W_h SS_h / n_h + Σ W_h
    (ȳ_h - ȳ_st)²)`` from per-stratum sums. With one stratum, or proportional weights, this is
    :func:`mean_interval` exactly. ``n`` is the raw respondent count; ``effective_n`` and
    ``design_effect`` are published beside it. No interval when ``n_eff < 2`` (less than
    one degree of freedom). ``bounds`` clips the interval to the answer scale (:func:`clip`).
    """
    _check_confidence(confidence)
    used = [stratum for stratum in strata if stratum.n > 0]
    if not used:
        return Mean(n=0, value=None, low=None, high=None, sd=None)
    weights = _weights([stratum.population for stratum in used])
    sizes = [stratum.n for stratum in used]
    means = [stratum.total / stratum.n for stratum in used]
    value = math.fsum(w * m for w, m in zip(weights, means, strict=True))
    n = sum(sizes)
    effective, design_effect = kish(weights, sizes)
    kish_fields = {"effective_n": effective, "design_effect": design_effect}
    if n < 2 or effective < 2.0:
        return Mean(n=n, value=value, low=None, high=None, sd=None, **kish_fields)
    squares = [_sum_of_squares(s.n, s.total, s.total_sq) for s in used]
    spread = math.fsum(w * ss / s.n for w, ss, s in zip(weights, squares, used, strict=True))
    between = math.fsum(w * (m - value) ** 2 for w, m in zip(weights, means, strict=True))
    sd = math.sqrt(n / (n - 1) * (spread + between))
    half = _t(confidence, effective - 1.0) * sd / math.sqrt(effective)
    mean = Mean(n=n, value=value, low=value - half, high=value + half, sd=sd, **kish_fields)
    return clip(mean, bounds)


def post_stratified_share(strata: Sequence[ShareStratum], confidence: float = CONFIDENCE) -> Share:
    """Share weighted by area population: ``p_st = Σ W_h x_h / n_h``, with a Wilson interval.

    The interval is Wilson's evaluated at Kish's effective sample size
    ``n_eff = 1 / Σ (W_h² / n_h)`` (:func:`kish`; the design-effect-adjusted Wilson interval of
    Korn & Graubard 1998): it keeps Wilson's behaviour at shares of 0 or 1, where a normal
    interval would collapse, and with one stratum or proportional weights it equals
    :func:`wilson_interval`. ``n`` and ``successes`` are the raw counts; ``value`` is weighted;
    ``effective_n`` and ``design_effect`` are published beside it.
    """
    z = _z(confidence)
    for stratum in strata:
        _check_count(stratum.successes, stratum.n)
    used = [stratum for stratum in strata if stratum.n > 0]
    if not used:
        return Share(n=0, successes=0, value=None, low=None, high=None)
    weights = _weights([stratum.population for stratum in used])
    p = math.fsum(w * s.successes / s.n for w, s in zip(weights, used, strict=True))
    p = min(max(p, 0.0), 1.0)
    effective, design_effect = kish(weights, [s.n for s in used])
    low, high = _wilson_bounds(p, effective, z)
    return Share(
        n=sum(s.n for s in used),
        successes=sum(s.successes for s in used),
        value=p,
        low=low,
        high=high,
        effective_n=effective,
        design_effect=design_effect,
    )
