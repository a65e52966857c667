"""Statistics over grouped numbers: known values, and raw-data references via hypothesis.

The property tests generate raw answers in plain Python, compute each figure from the raw data
independently (``statistics``, direct counts, the Wilson quadratic with ``NormalDist``) and
compare with the functions fed only the sufficient statistics SQL would return.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter
from collections.abc import Sequence
from statistics import NormalDist

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats  # type: ignore[import-untyped]

from surveys.stats import (
    Mean,
    Share,
    ShareStratum,
    Stratum,
    TestResult,
    benjamini_hochberg,
    choice_shares,
    index_interval,
    mean_change,
    mean_interval,
    post_stratified_mean,
    post_stratified_share,
    rescale,
    share_change,
    top_box,
    two_proportion_z_test,
    welch_t_test,
    wilson_interval,
)

TOL = 1e-9
PROPERTY = settings(deadline=None, max_examples=150)


def close(a: float | None, b: float | None, tol: float = TOL) -> bool:
    """Both None, or both numbers within ``tol`` (absolute, or relative for large values)."""
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def sums(values: Sequence[float]) -> tuple[int, float, float]:
    """The sufficient statistics SQL returns: COUNT, SUM(x), SUM(x*x) (exact for integers)."""
    if all(isinstance(x, int) for x in values):
        return len(values), sum(values), sum(x * x for x in values)
    return len(values), math.fsum(values), math.fsum(x * x for x in values)


def reference_wilson(p_hat: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson bounds as the roots of (p̂ - p)² = z² p(1 - p) / n, solved as a quadratic."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    a = 1 + z * z / n
    b = -(2 * p_hat + z * z / n)
    c = p_hat * p_hat
    root = math.sqrt(max(b * b - 4 * a * c, 0.0))
    return max((-b - root) / (2 * a), 0.0), min((-b + root) / (2 * a), 1.0)


def reference_t_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """Classic t interval from raw values (statistics.mean / stdev)."""
    m = statistics.mean(values)
    half = scipy_stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * (
        statistics.stdev(values) / math.sqrt(len(values))
    )
    return m - half, m + half


# --- Wilson ----------------------------------------------------------------------------------

# Newcombe (1998), Table I, method 3 (score interval without continuity correction),
# plus (5, 10) and (10, 10) which are symmetric to textbook rows.
NEWCOMBE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (29, 29, 0.8830, 1.0),
    (0, 10, 0.0, 0.2775),
    (5, 10, 0.2366, 0.7634),
    (10, 10, 0.7225, 1.0),
]


@pytest.mark.parametrize(("successes", "n", "low", "high"), NEWCOMBE)
def test_wilson_matches_published_values(successes: int, n: int, low: float, high: float) -> None:
    """If the counts are a textbook example, then the bounds match it to 4 decimals."""
    share = wilson_interval(successes, n)
    assert share.n == n
    assert share.successes == successes
    assert share.value == successes / n
    assert share.low is not None and share.high is not None
    assert round(share.low, 4) == low
    assert round(share.high, 4) == high


def test_wilson_bounds_are_exact_at_the_ends() -> None:
    """If no one (or everyone) said yes, then the interval starts at exactly 0 (ends at 1)."""
    assert wilson_interval(0, 7).low == 0.0
    assert wilson_interval(7, 7).high == 1.0


def test_wilson_of_an_empty_group_has_no_value() -> None:
    """If n is 0, then value and bounds are None, not NaN."""
    assert wilson_interval(0, 0) == Share(n=0, successes=0, value=None, low=None, high=None)


def test_wilson_widens_with_confidence() -> None:
    """If the confidence rises, then the interval contains the narrower one."""
    narrow, wide = wilson_interval(12, 40, 0.90), wilson_interval(12, 40, 0.99)
    assert wide.low is not None and narrow.low is not None
    assert wide.high is not None and narrow.high is not None
    assert wide.low < narrow.low and narrow.high < wide.high


@pytest.mark.parametrize(("successes", "n"), [(-1, 10), (11, 10), (0, -1)])
def test_wilson_rejects_impossible_counts(successes: int, n: int) -> None:
    """If the counts cannot come from real answers, then ValueError is raised."""
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95.0, -0.5])
def test_confidence_must_be_a_probability(confidence: float) -> None:
    """If the confidence is not strictly between 0 and 1, then ValueError is raised."""
    with pytest.raises(ValueError):
        wilson_interval(3, 10, confidence)
    with pytest.raises(ValueError):
        mean_interval(3, 6.0, 14.0, confidence)


@PROPERTY
@given(st.lists(st.booleans(), max_size=400))
def test_wilson_from_counts_matches_raw_answers(answers: list[bool]) -> None:
    """If the counts come from raw yes/no answers, then n and successes are exact and the
    bounds match the Wilson quadratic solved independently."""
    share = wilson_interval(sum(answers), len(answers))
    assert share.n == len(answers)
    assert share.successes == sum(answers)
    if not answers:
        assert share.value is None
        return
    assert share.value == sum(answers) / len(answers)
    low, high = reference_wilson(sum(answers) / len(answers), len(answers))
    assert close(share.low, low)
    assert close(share.high, high)
    assert share.low is not None and share.high is not None
    assert 0.0 <= share.low <= share.value <= share.high <= 1.0


# --- choices and top box ---------------------------------------------------------------------


def test_choice_shares_are_over_respondents_not_picks() -> None:
    """If respondents may pick several choices, then each share is over respondents and the
    shares may add up to more than 1."""
    shares = choice_shares({"lighting": 3, "traffic": 2, "noise": 0}, n_respondents=4)
    assert list(shares) == ["lighting", "traffic", "noise"]
    assert shares["lighting"] == wilson_interval(3, 4)
    assert shares["traffic"].value == 0.5
    assert shares["noise"].value == 0.0
    assert sum(s.value or 0.0 for s in shares.values()) > 1


def test_choice_count_above_respondents_is_rejected() -> None:
    """If a choice has more picks than there are respondents, then ValueError is raised."""
    with pytest.raises(ValueError):
        choice_shares({"a": 5}, n_respondents=4)


@PROPERTY
@given(
    st.lists(
        st.frozensets(st.sampled_from(["a", "b", "c", "d"])),
        max_size=60,
    )
)
def test_choice_shares_match_raw_multi_choice_answers(answers: list[frozenset[str]]) -> None:
    """If the counts come from raw multi-choice answers, then every share is exactly the
    fraction of respondents who picked that choice."""
    counts = Counter(choice for answer in answers for choice in answer)
    shares = choice_shares(dict(counts), len(answers))
    for choice, share in shares.items():
        picked = sum(1 for answer in answers if choice in answer)
        assert share.n == len(answers)
        assert share.successes == picked
        assert share.value == picked / len(answers)


def test_top_box_counts_the_top_values() -> None:
    """If answers are on a 1-5 scale, then top-2-box is the share answering 4 or 5."""
    share = top_box({1: 1, 2: 1, 3: 2, 4: 3, 5: 3}, {4, 5})
    assert (share.n, share.successes, share.value) == (10, 6, 0.6)
    assert share == wilson_interval(6, 10)


def test_top_box_with_missing_top_values_and_no_answers() -> None:
    """If nobody gave a top value, then the share is 0; if nobody answered, it has no value."""
    assert top_box({1: 4, 2: 1}, {4, 5}).value == 0.0
    assert top_box({}, {4, 5}).value is None


@PROPERTY
@given(st.lists(st.integers(1, 5), max_size=200))
def test_top_box_matches_raw_likert_answers(answers: list[int]) -> None:
    """If the value counts come from raw Likert answers, then n and successes are exact."""
    share = top_box(Counter(answers), {4, 5})
    assert share.n == len(answers)
    assert share.successes == sum(1 for a in answers if a >= 4)


# --- means -----------------------------------------------------------------------------------

SAMPLES = [
    [2, 3, 5, 6, 9],
    [1, 5],
    [4, 4, 5, 3],
    [1.5, 2.25, 2.0, 3.75, 1.0, 2.5],
    [100, 0, 50, 75, 25, 100, 100],
]


def test_mean_interval_textbook_example() -> None:
    """If the values are 2, 3, 5, 6, 9, then mean 5, s = sqrt(7.5), t(0.975, 4) = 2.7764 give
    the interval 1.5996 to 8.4004."""
    mean = mean_interval(*sums([2, 3, 5, 6, 9]))
    assert mean.n == 5 and mean.value == 5.0
    assert close(mean.sd, math.sqrt(7.5))
    assert mean.low is not None and mean.high is not None
    assert (round(mean.low, 4), round(mean.high, 4)) == (1.5996, 8.4004)


@pytest.mark.parametrize("values", SAMPLES)
def test_mean_interval_matches_scipy_on_raw_values(values: list[float]) -> None:
    """If a small sample is summarised as COUNT/SUM/SUM of squares, then mean, sd and the
    t interval equal scipy's and statistics' results on the raw values."""
    mean = mean_interval(*sums(values))
    low, high = scipy_stats.t.interval(
        0.95, len(values) - 1, loc=statistics.mean(values), scale=scipy_stats.sem(values)
    )
    assert close(mean.value, statistics.mean(values))
    assert close(mean.sd, statistics.stdev(values))
    assert close(mean.low, float(low))
    assert close(mean.high, float(high))


def test_mean_of_one_value_has_no_interval() -> None:
    """If there is one respondent, then the value is reported without sd or interval."""
    assert mean_interval(1, 4.0, 16.0) == Mean(n=1, value=4.0, low=None, high=None, sd=None)


def test_mean_of_no_values_is_empty() -> None:
    """If there are no respondents, then nothing but n is reported."""
    assert mean_interval(0, 0, 0) == Mean(n=0, value=None, low=None, high=None, sd=None)


def test_mean_of_no_values_with_sums_is_rejected() -> None:
    """If n is 0 but the sums are not, then ValueError is raised."""
    with pytest.raises(ValueError):
        mean_interval(0, 3.0, 9.0)


def test_mean_of_equal_values_has_a_point_interval() -> None:
    """If every value is the same, then sd is 0 and the interval is the value itself."""
    mean = mean_interval(*sums([3, 3, 3, 3]))
    assert (mean.value, mean.low, mean.high, mean.sd) == (3.0, 3.0, 3.0, 0.0)


def test_mean_interval_survives_a_large_offset() -> None:
    """If integer values sit far from 0 (where Σx² - (Σx)²/n cancels in floats), then the
    variance from SQL's exact integer sums is still exact."""
    values = [10**8 + 1, 10**8 + 2, 10**8 + 3]
    assert mean_interval(*sums(values)).sd == 1.0


def test_mean_interval_clamps_rounding_below_zero() -> None:
    """If rounding in the caller's sums makes Σx² a hair below (Σx)²/n, then sd is 0."""
    total = 0.1 * 3
    total_sq = math.nextafter(total * total / 3, 0.0)
    assert mean_interval(3, total, total_sq).sd == 0.0


def test_mean_interval_rejects_inconsistent_sums() -> None:
    """If Σx² is far below (Σx)²/n, then the sums cannot come from real values: ValueError."""
    with pytest.raises(ValueError):
        mean_interval(2, 10.0, 1.0)


@PROPERTY
@given(
    st.one_of(
        st.lists(st.integers(1, 5), min_size=2, max_size=300),
        st.lists(st.integers(0, 10), min_size=2, max_size=300),
        st.lists(st.integers(0, 8).map(lambda k: 12.5 * k), min_size=2, max_size=300),
        st.lists(st.integers(10**6, 10**6 + 20), min_size=2, max_size=100),
    )
)
def test_mean_interval_matches_raw_values(values: list[float]) -> None:
    """If answers are Likert/0-10/index values summarised by SQL, then mean, sd and the t
    interval match statistics.mean/stdev on the raw values within 1e-9."""
    mean = mean_interval(*sums(values))
    low, high = reference_t_interval(values)
    assert mean.n == len(values)
    assert close(mean.value, statistics.mean(values))
    assert close(mean.sd, statistics.stdev(values))
    assert close(mean.low, low)
    assert close(mean.high, high)


@PROPERTY
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=100))
def test_mean_and_variance_of_arbitrary_floats(values: list[float]) -> None:
    """If values are arbitrary floats, then mean and variance still match within 1e-9 (the sd
    near 0 can differ more, as the square root magnifies the rounding in Σx²)."""
    mean = mean_interval(*sums(values))
    assert mean.sd is not None
    assert close(mean.value, statistics.fmean(values))
    assert close(mean.sd**2, statistics.variance(values))


# --- indices ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [
        (1, 1, 5, 0.0),
        (3, 1, 5, 50.0),
        (4, 1, 5, 75.0),
        (5, 1, 5, 100.0),
        (7, 1, 7, 100.0),
        (0, 0, 10, 0.0),
        (2.5, 0, 10, 25.0),
    ],
)
def test_rescale_maps_a_scale_onto_0_100(
    value: float, low: float, high: float, expected: float
) -> None:
    """If a value lies on the scale [low, high], then it maps linearly onto 0-100."""
    assert rescale(value, low, high) == expected


@pytest.mark.parametrize(("value", "low", "high"), [(0, 1, 5), (6, 1, 5), (3, 5, 5), (3, 5, 1)])
def test_rescale_rejects_values_off_the_scale(value: float, low: float, high: float) -> None:
    """If the value is off the scale or the scale is empty, then ValueError is raised."""
    with pytest.raises(ValueError):
        rescale(value, low, high)


def test_index_interval_is_clipped_to_the_scale() -> None:
    """If a tiny, spread-out sample gives a t interval beyond 0-100, then it is clipped."""
    index = index_interval(*sums([0.0, 100.0]))
    assert (index.value, index.low, index.high) == (50.0, 0.0, 100.0)


def test_index_interval_rejects_values_beyond_100() -> None:
    """If the per-respondent values are not on 0-100, then ValueError is raised."""
    with pytest.raises(ValueError):
        index_interval(*sums([150.0, 180.0]))


@PROPERTY
@given(
    st.sampled_from([1, 2, 4]).flatmap(
        lambda items: st.lists(
            st.lists(st.integers(1, 5), min_size=items, max_size=items), min_size=2, max_size=150
        )
    )
)
def test_index_matches_per_respondent_raw_answers(respondents: list[list[int]]) -> None:
    """If each respondent's index is the mean of their rescaled answers, then the index figure
    is the mean of those per-respondent values, with the t interval clipped to 0-100."""
    per_respondent = [statistics.mean(rescale(a, 1, 5) for a in answers) for answers in respondents]
    index = index_interval(*sums(per_respondent))
    low, high = reference_t_interval(per_respondent)
    assert index.n == len(respondents)
    assert close(index.value, statistics.mean(per_respondent))
    assert close(index.sd, statistics.stdev(per_respondent))
    assert close(index.low, min(max(low, 0.0), 100.0))
    assert close(index.high, min(max(high, 0.0), 100.0))


# --- tests of difference ---------------------------------------------------------------------


def test_z_test_hand_computation() -> None:
    """If 45/100 and 30/100 agree, then pooled p = 0.375, SE = sqrt(0.375 · 0.625 · 0.02),
    z = 0.15 / SE = 2.19089 and the two-sided p = 0.02846: significant at 5 %."""
    result = two_proportion_z_test(45, 100, 30, 100)
    se = math.sqrt(0.375 * 0.625 * (1 / 100 + 1 / 100))
    assert close(result.statistic, 0.15 / se)
    assert result.statistic is not None and round(result.statistic, 5) == 2.19089
    assert result.p_value is not None and round(result.p_value, 5) == 0.02846
    assert result.significant is True


def test_z_test_is_antisymmetric() -> None:
    """If the samples are swapped, then z changes sign and p stays."""
    a, b = two_proportion_z_test(12, 40, 20, 45), two_proportion_z_test(20, 45, 12, 40)
    assert a.statistic is not None and b.statistic is not None
    assert close(a.statistic, -b.statistic)
    assert close(a.p_value, b.p_value)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"), [(0, 0, 3, 10), (3, 10, 0, 0), (0, 10, 0, 12), (9, 9, 4, 4)]
)
def test_z_test_degenerate_inputs(x1: int, n1: int, x2: int, n2: int) -> None:
    """If a sample is empty or nobody (or everybody) said yes in both, then there is no test:
    p is None and the change is not significant."""
    assert two_proportion_z_test(x1, n1, x2, n2) == TestResult(
        statistic=None, p_value=None, significant=False
    )


@PROPERTY
@given(st.integers(1, 300), st.integers(1, 300), st.data())
def test_z_test_matches_chi_square_of_the_2x2_table(n1: int, n2: int, data: st.DataObject) -> None:
    """If the pooled share is strictly between 0 and 1, then z² and p equal Pearson's
    chi-square without continuity correction on the 2x2 table."""
    x1 = data.draw(st.integers(0, n1))
    x2 = data.draw(st.integers(0, n2))
    result = two_proportion_z_test(x1, n1, x2, n2)
    if x1 + x2 in (0, n1 + n2):
        assert result.p_value is None and result.significant is False
        return
    chi2, p, _, _ = scipy_stats.chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)
    assert result.statistic is not None
    assert close(result.statistic**2, float(chi2))
    assert close(result.p_value, float(p))
    assert result.significant == (float(p) < 0.05)


WELCH_SAMPLES = [
    ([4, 5, 3, 4, 5, 2], [2, 3, 2, 1, 3]),
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [5, 5, 6, 5, 4]),
    ([3.5, 4.0, 4.5], [1.0, 5.0, 2.0, 4.5, 3.0, 2.5, 3.5]),
    ([3, 3, 3], [1, 5, 2, 4]),
]


SCIPY_CANCELLATION = pytest.mark.filterwarnings("ignore:Precision loss occurred:RuntimeWarning")


@SCIPY_CANCELLATION
@pytest.mark.parametrize(("a", "b"), WELCH_SAMPLES)
def test_welch_matches_scipy_on_raw_samples(a: list[float], b: list[float]) -> None:
    """If two samples are summarised by n, mean and sample variance, then t, df and p equal
    scipy.stats.ttest_ind(equal_var=False) on the raw samples."""
    result = welch_t_test(
        len(a), statistics.mean(a), statistics.variance(a),
        len(b), statistics.mean(b), statistics.variance(b),
    )  # fmt: skip
    expected = scipy_stats.ttest_ind(a, b, equal_var=False)
    assert close(result.statistic, float(expected.statistic))
    assert close(result.p_value, float(expected.pvalue))
    assert close(result.df, float(expected.df))


@pytest.mark.parametrize(
    ("n1", "var1", "n2", "var2"), [(1, 0.0, 10, 2.0), (10, 2.0, 0, 0.0), (5, 0.0, 7, 0.0)]
)
def test_welch_degenerate_inputs(n1: int, var1: float, n2: int, var2: float) -> None:
    """If a sample has fewer than 2 values or neither sample varies, then p is None and the
    difference is not significant (no NaN, no exception)."""
    result = welch_t_test(n1, 3.0, var1, n2, 4.0, var2)
    assert result.p_value is None and result.statistic is None and result.significant is False


def test_welch_rejects_negative_variance() -> None:
    """If a variance is negative, then ValueError is raised."""
    with pytest.raises(ValueError):
        welch_t_test(5, 1.0, -1.0, 5, 1.0, 1.0)


@SCIPY_CANCELLATION
@PROPERTY
@given(
    st.lists(st.integers(1, 5), min_size=2, max_size=80),
    st.lists(st.integers(1, 5), min_size=2, max_size=80),
)
def test_welch_from_sums_matches_scipy(a: list[int], b: list[int]) -> None:
    """If two Likert samples are reduced to SQL sums, then the Welch test on the resulting
    means equals scipy's on the raw data, and a degenerate pair never leaks a NaN."""
    ma, mb = mean_interval(*sums(a)), mean_interval(*sums(b))
    change = mean_change(mb, ma)
    if statistics.variance(a) == 0 and statistics.variance(b) == 0:
        assert change.test.p_value is None and not change.test.significant
        return
    expected = scipy_stats.ttest_ind(a, b, equal_var=False)
    assert close(change.test.statistic, float(expected.statistic))
    assert close(change.test.p_value, float(expected.pvalue))


# --- trends ----------------------------------------------------------------------------------


def test_share_change_reports_difference_and_test() -> None:
    """If the share agreeing rose from 30/100 to 45/100, then the difference is +0.15 and the
    test is the z test of current against previous."""
    change = share_change(wilson_interval(30, 100), wilson_interval(45, 100))
    assert change.previous.n == 100 and change.current.n == 100
    assert close(change.difference, 0.15)
    assert change.test == two_proportion_z_test(45, 100, 30, 100)


def test_mean_change_with_a_single_respondent_is_undecided() -> None:
    """If one side has a single respondent, then the difference is shown but not tested."""
    change = mean_change(mean_interval(1, 4.0, 16.0), mean_interval(*sums([2, 3, 4])))
    assert change.difference == -1.0
    assert change.test is not None
    assert change.test.p_value is None and change.test.significant is False


def test_change_from_an_empty_round_has_no_difference() -> None:
    """If the previous round had no answers, then difference and p are None."""
    change = share_change(wilson_interval(0, 0), wilson_interval(3, 10))
    assert change.test is not None
    assert change.difference is None and change.test.p_value is None


# --- post-stratification ---------------------------------------------------------------------


def stratum(population: int, values: Sequence[float]) -> Stratum:
    n, total, total_sq = sums(values)
    return Stratum(population=population, n=n, total=total, total_sq=total_sq)


def share_stratum(population: int, answers: Sequence[bool]) -> ShareStratum:
    return ShareStratum(population=population, n=len(answers), successes=sum(answers))


def kish_reference(raw: Sequence[tuple[int, Sequence[float]]]) -> dict[str, float]:
    """Kish's effective n and design effect, and the weighted mean with its interval, from
    per-respondent weights ``w_i = W_h / n_h`` over the raw values (no per-stratum shortcut)."""
    used = [(pop, values) for pop, values in raw if values]
    grand = sum(pop for pop, _ in used)
    weights = [pop / grand / len(values) for pop, values in used for _ in values]
    values = [v for _, vs in used for v in vs]
    n = len(values)
    effective = math.fsum(weights) ** 2 / math.fsum(w * w for w in weights)
    value = math.fsum(w * v for w, v in zip(weights, values, strict=True))
    variance = (
        n / (n - 1) * math.fsum(w * (v - value) ** 2 for w, v in zip(weights, values, strict=True))
    )
    half = scipy_stats.t.ppf(0.975, effective - 1) * math.sqrt(variance / effective)
    return {
        "effective_n": effective,
        "design_effect": n / effective,
        "value": value,
        "sd": math.sqrt(variance),
        "low": value - half,
        "high": value + half,
    }


def test_post_stratified_mean_hand_computation() -> None:
    """If area A (population 3000) has values 4, 5 and area B (population 1000) has 1, 2, 3,
    then the weighted mean is 0.75 · 4.5 + 0.25 · 2 = 3.875, Kish's effective n is
    1 / (0.75²/2 + 0.25²/3) = 3.3103 (design effect 5 / 3.3103 = 1.5104), and the interval is
    a t interval on the effective n with the weighted variance 5/4 · (0.75·0.5/2 + 0.25·2/3 +
    0.75·0.625² + 0.25·1.875²)."""
    mean = post_stratified_mean([stratum(3000, [4, 5]), stratum(1000, [1, 2, 3])])
    effective = 1 / (0.75**2 / 2 + 0.25**2 / 3)
    variance = 5 / 4 * (0.75 * 0.5 / 2 + 0.25 * 2 / 3 + 0.75 * 0.625**2 + 0.25 * 1.875**2)
    half = scipy_stats.t.ppf(0.975, effective - 1) * math.sqrt(variance / effective)
    assert mean.n == 5
    assert close(mean.value, 3.875)
    assert close(mean.effective_n, effective) and close(mean.design_effect, 5 / effective)
    assert close(mean.sd, math.sqrt(variance))
    assert close(mean.low, 3.875 - half)
    assert close(mean.high, 3.875 + half)


def test_post_stratified_mean_of_one_stratum_is_the_plain_mean() -> None:
    """If there is one stratum, then the post-stratified mean equals mean_interval, with a
    design effect of 1."""
    values = [1, 4, 4, 5, 2, 3]
    plain = mean_interval(*sums(values))
    weighted = post_stratified_mean([stratum(12345, values)])
    for field in ("n", "value", "low", "high", "sd"):
        assert close(getattr(weighted, field), getattr(plain, field)), field
    assert close(weighted.design_effect, 1.0) and close(weighted.effective_n, 6.0)


def test_post_stratified_mean_drops_empty_strata() -> None:
    """If an area has no respondents, then its population is left out and weights renormalise."""
    with_empty = post_stratified_mean([stratum(500, [2, 3]), stratum(9000, []), stratum(500, [4])])
    without = post_stratified_mean([stratum(500, [2, 3]), stratum(500, [4])])
    assert with_empty == without
    assert close(with_empty.value, 0.5 * 2.5 + 0.5 * 4)


def test_post_stratified_mean_is_clipped_to_the_scale() -> None:
    """If the weighted interval of 1-5 answers reaches past 5, then it is cut at 5 and marked."""
    mean = post_stratified_mean([stratum(9000, [5, 5, 4]), stratum(100, [1, 5])], bounds=(1.0, 5.0))
    assert mean.high == 5.0 and mean.clipped


@pytest.mark.parametrize(
    "strata",
    [[], [stratum(100, [])], [stratum(100, [3])], [stratum(1000, [3]), stratum(1, [4])]],
)
def test_post_stratified_mean_without_spread(strata: list[Stratum]) -> None:
    """If there is at most one respondent, or the weights leave an effective n below 2 (less
    than one degree of freedom), then there is no interval (and no value without any respondent)."""
    mean = post_stratified_mean(strata)
    assert mean.low is None and mean.high is None and mean.sd is None
    assert (mean.value is None) == (mean.n == 0)


def test_post_stratification_needs_a_population_for_every_answering_area() -> None:
    """If an area has respondents but population 0, then ValueError is raised."""
    with pytest.raises(ValueError):
        post_stratified_mean([stratum(0, [1, 2]), stratum(10, [3, 4])])
    with pytest.raises(ValueError):
        post_stratified_share([share_stratum(0, [True]), share_stratum(10, [False])])


def test_post_stratified_share_hand_computation() -> None:
    """If A (population 3000) has 1/4 agreeing and B (population 1000) has 3/4, then the
    weighted share is 0.75 · 0.25 + 0.25 · 0.75 = 0.375, with Wilson at n_eff = 1 /
    (0.75²/4 + 0.25²/4) = 6.4."""
    share = post_stratified_share(
        [
            share_stratum(3000, [True, False, False, False]),
            share_stratum(1000, [True] * 3 + [False]),
        ]
    )
    low, high = reference_wilson(0.375, 6.4)
    assert (share.n, share.successes) == (8, 4)
    assert close(share.value, 0.375)
    assert close(share.low, low) and close(share.high, high)


def test_post_stratified_share_at_zero_keeps_a_wilson_interval() -> None:
    """If no one agrees anywhere, then the share is 0 with a non-empty interval from 0."""
    share = post_stratified_share([share_stratum(10, [False] * 3), share_stratum(30, [False] * 5)])
    assert share.value == 0.0 and share.low == 0.0
    assert share.high is not None and share.high > 0


def test_post_stratified_share_of_nothing_is_empty() -> None:
    """If no area has respondents, then the share has no value."""
    assert post_stratified_share([share_stratum(10, [])]).value is None


strata_values = st.lists(
    st.tuples(st.integers(1, 10**6), st.lists(st.integers(1, 5), min_size=2, max_size=40)),
    min_size=1,
    max_size=6,
)


@PROPERTY
@given(strata_values)
def test_post_stratified_mean_matches_raw_values(raw: list[tuple[int, list[int]]]) -> None:
    """If areas report raw Likert values, then the weighted mean, Kish's effective n and
    design effect, and the t interval on the effective n match the same formulas evaluated
    respondent by respondent on the raw values."""
    mean = post_stratified_mean([stratum(pop, values) for pop, values in raw])
    expected = kish_reference(raw)
    assert mean.n == sum(len(v) for _, v in raw)
    for name in ("value", "effective_n", "design_effect", "sd"):
        assert close(getattr(mean, name), expected[name]), name
    assume(expected["effective_n"] >= 2)
    assert close(mean.low, expected["low"])
    assert close(mean.high, expected["high"])


@PROPERTY
@given(st.lists(st.lists(st.integers(1, 5), min_size=1, max_size=30), min_size=1, max_size=6))
def test_proportional_weights_reproduce_the_plain_mean(areas: list[list[int]]) -> None:
    """If each area's population is proportional to its respondents, then the weighted mean
    equals the unweighted mean."""
    mean = post_stratified_mean([stratum(7 * len(v), v) for v in areas])
    assert close(mean.value, statistics.mean([x for v in areas for x in v]))


@PROPERTY
@given(
    st.lists(
        st.tuples(st.integers(1, 10**6), st.lists(st.booleans(), max_size=50)),
        min_size=1,
        max_size=6,
    )
)
def test_post_stratified_share_matches_raw_answers(raw: list[tuple[int, list[bool]]]) -> None:
    """If areas report raw yes/no answers, then counts are exact, the weighted share matches
    Σ W_h p_h and the interval is Wilson's at Kish's effective n."""
    share = post_stratified_share([share_stratum(pop, answers) for pop, answers in raw])
    used = [(pop, answers) for pop, answers in raw if answers]
    assert share.n == sum(len(a) for _, a in raw)
    assert share.successes == sum(sum(a) for _, a in raw)
    assume(used)
    grand = sum(pop for pop, _ in used)
    weights = [pop / grand for pop, _ in used]
    p = math.fsum(w * sum(a) / len(a) for w, (_, a) in zip(weights, used, strict=True))
    n_eff = 1 / math.fsum(w * w / len(a) for w, (_, a) in zip(weights, used, strict=True))
    low, high = reference_wilson(p, n_eff)
    assert close(share.value, p)
    assert close(share.low, low)
    assert close(share.high, high)
    assert close(share.effective_n, n_eff)
    assert close(share.design_effect, share.n / n_eff)


@PROPERTY
@given(st.lists(st.lists(st.booleans(), min_size=1, max_size=40), min_size=1, max_size=6))
def test_proportional_weights_reproduce_the_plain_share(areas: list[list[bool]]) -> None:
    """If each area's population is proportional to its respondents, then the post-stratified
    share and its interval equal wilson_interval on the pooled counts."""
    share = post_stratified_share([share_stratum(3 * len(a), a) for a in areas])
    plain = wilson_interval(sum(sum(a) for a in areas), sum(len(a) for a in areas))
    assert close(share.value, plain.value)
    assert close(share.low, plain.low)
    assert close(share.high, plain.high)


# --- clipping ---------------------------------------------------------------------------------


def test_mean_interval_is_clipped_to_the_answer_scale() -> None:
    """If three spread-out 1-5 answers give a t interval past 5 (4.29 (3.26-5.31) in the
    audit), then the interval is cut at the scale's end and marked clipped."""
    mean = mean_interval(*sums([5, 5, 3]), bounds=(1.0, 5.0))
    assert mean.high == 5.0 and mean.clipped
    assert mean.low is not None and mean.low > 1.0
    unbounded = mean_interval(*sums([5, 5, 3]))
    assert unbounded.high is not None and unbounded.high > 5.0 and not unbounded.clipped


@PROPERTY
@given(st.lists(st.integers(0, 10), min_size=2, max_size=40))
def test_clipped_intervals_never_leave_the_scale(values: list[int]) -> None:
    """If any 0-10 answers are summarised, then the interval lies within 0-10, and it is
    marked clipped exactly when the plain t interval did not."""
    plain = mean_interval(*sums(values))
    mean = mean_interval(*sums(values), bounds=(0.0, 10.0))
    assert mean.low is not None and mean.high is not None
    assert plain.low is not None and plain.high is not None
    assert 0.0 <= mean.low <= mean.high <= 10.0
    assert mean.clipped == (plain.low < 0.0 or plain.high > 10.0)


# --- multiple testing -------------------------------------------------------------------------


def test_benjamini_hochberg_hand_computation() -> None:
    """If four tests give p = 0.01, 0.04, 0.03, 0.20, then the adjusted values are
    min over the larger ranks of p·m/rank: 0.04, 0.0533, 0.0533, 0.20 (in the given order)."""
    adjusted = benjamini_hochberg([0.01, 0.04, 0.03, 0.20])
    assert adjusted == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.20])


@PROPERTY
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=60))
def test_benjamini_hochberg_matches_the_step_up_definition(p_values: list[float]) -> None:
    """If any p-values are adjusted, then each adjusted value is at least its raw value, at
    most 1, keeps the raw order, and equals min over j >= rank of m·p_(j)/j."""
    adjusted = benjamini_hochberg(p_values)
    m = len(p_values)
    ordered = sorted(p_values)
    for raw, value in zip(p_values, adjusted, strict=True):
        rank = ordered.index(raw) + 1
        expected = min(1.0, min(ordered[j - 1] * m / j for j in range(rank, m + 1)))
        assert raw - 1e-12 <= value <= 1.0
        assert math.isclose(value, expected, rel_tol=1e-12, abs_tol=1e-15)
    pairs = sorted(zip(p_values, adjusted, strict=True))
    assert all(a[1] <= b[1] + 1e-15 for a, b in itertools.pairwise(pairs))
