"""Small-group suppression: worked examples, invariants under hypothesis, and a brute-force
attacker who tries every assignment of counts to the suppressed groups."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from surveys.suppression import SuppressionResult, suppress

PROPERTY = settings(deadline=None, max_examples=300)


def compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every tuple of ``parts`` integers >= 1 adding up to ``total``."""
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in range(1, total - parts + 2):
        for rest in compositions(total - first, parts - 1):
            yield (first, *rest)


def feasible_values(result: SuppressionResult) -> dict[str, set[int]]:
    """What an attacker can deduce about each suppressed count from the published figures.

    The attacker knows the total, every published count, which groups are suppressed (not
    why), and that a suppressed count is at least 1 (empty groups are always published). They
    try every assignment of counts to the suppressed groups consistent with the total.
    """
    assert result.total is not None
    groups = sorted(result.suppressed)
    residual = result.total - sum(result.published.values())
    seen: dict[str, set[int]] = {group: set() for group in groups}
    for assignment in compositions(residual, len(groups)):
        for group, value in zip(groups, assignment, strict=True):
            seen[group].add(value)
    return seen


def check_invariants(counts: Mapping[str, int], k: int, result: SuppressionResult) -> None:
    """The structural promises of every result."""
    assert set(result.published) | result.suppressed == set(counts)
    assert not set(result.published) & result.suppressed
    assert set(result.reasons) == result.suppressed
    assert list(result.published) == [g for g in counts if g not in result.suppressed]
    assert all(result.published[g] == counts[g] for g in result.published)
    assert (result.total is None) == result.total_suppressed
    for group, reason in result.reasons.items():
        assert (reason == "small") == (0 < counts[group] < k)
    assert all(counts[g] > 0 for g in result.suppressed)


# --- worked examples -------------------------------------------------------------------------

EXAMPLES = [
    # counts, k, suppressed, complementary, total suppressed
    ({"a": 12, "b": 30, "c": 5}, 5, set(), set(), False),
    ({"a": 3, "b": 20, "c": 30}, 5, {"a", "b"}, {"b"}, False),
    ({"a": 3, "b": 4, "c": 30}, 5, {"a", "b"}, set(), False),
    ({"a": 1, "b": 2, "c": 30}, 5, {"a", "b", "c"}, {"c"}, False),
    ({"a": 1, "b": 1, "c": 1, "d": 10}, 3, {"a", "b", "c", "d"}, {"d"}, False),
    ({"a": 3, "b": 10, "c": 10}, 5, {"a", "b"}, {"b"}, False),
    ({"a": 3, "z": 0, "b": 10}, 5, {"a", "b"}, {"b"}, False),
    ({"a": 3, "b": 0, "c": 0}, 5, {"a"}, set(), True),
    ({"a": 2, "b": 2}, 5, {"a", "b"}, set(), True),
    ({"a": 4}, 5, {"a"}, set(), True),
    ({"a": 0, "b": 0}, 5, set(), set(), False),
    ({}, 5, set(), set(), False),
    ({"a": 1, "b": 2}, 1, set(), set(), False),
]


@pytest.mark.parametrize(("counts", "k", "suppressed", "complementary", "total_hidden"), EXAMPLES)
def test_worked_examples(
    counts: dict[str, int],
    k: int,
    suppressed: set[str],
    complementary: set[str],
    total_hidden: bool,
) -> None:
    """If a partition is one of the worked examples, then exactly the expected groups (and
    total) are suppressed, for the expected reasons."""
    result = suppress(counts, k)
    check_invariants(counts, k, result)
    assert result.suppressed == suppressed
    assert {g for g, r in result.reasons.items() if r == "complementary"} == complementary
    assert result.total_suppressed is total_hidden
    if not total_hidden:
        assert result.total == sum(counts.values())


def test_one_small_area_is_not_recoverable_by_subtraction() -> None:
    """If one area is small, then the smallest other area is hidden with it, and subtraction
    only yields their combined count."""
    result = suppress({"north": 3, "south": 40, "east": 25, "west": 60}, 5)
    assert result.published == {"south": 40, "west": 60}
    assert result.reasons == {"north": "small", "east": "complementary"}
    assert result.total == 128


def test_empty_groups_are_published_as_zero() -> None:
    """If an area has no respondents, then it is published as 0 and never used as complement."""
    result = suppress({"a": 0, "b": 2, "c": 9}, 5)
    assert result.published == {"a": 0}
    assert result.reasons == {"b": "small", "c": "complementary"}


@pytest.mark.parametrize("k", [0, -3])
def test_min_group_size_must_be_positive(k: int) -> None:
    """If min_group_size is below 1, then ValueError is raised."""
    with pytest.raises(ValueError):
        suppress({"a": 1}, k)


def test_negative_counts_are_rejected() -> None:
    """If a count is negative, then ValueError is raised."""
    with pytest.raises(ValueError):
        suppress({"a": -1, "b": 10}, 5)


# --- properties ------------------------------------------------------------------------------

partitions = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=2), st.integers(0, 60), max_size=10
)
sizes = st.integers(1, 15)


@PROPERTY
@given(partitions, sizes)
def test_no_small_group_is_published(counts: dict[str, int], k: int) -> None:
    """If a group has 0 < n < k, then it is never published (primary suppression)."""
    result = suppress(counts, k)
    check_invariants(counts, k, result)
    assert all(n == 0 or n >= k for n in result.published.values())


@PROPERTY
@given(partitions, sizes)
def test_subtraction_reveals_at_least_k_people_across_two_groups(
    counts: dict[str, int], k: int
) -> None:
    """If the total is published, then the suppressed set is empty, or it holds at least two
    non-empty groups whose counts add up to k or more; the derivable residual is their sum."""
    result = suppress(counts, k)
    assume(result.total is not None)
    assert result.total is not None
    hidden = [counts[g] for g in result.suppressed]
    assert result.total - sum(result.published.values()) == sum(hidden)
    if hidden:
        assert len([n for n in hidden if n > 0]) >= 2
        assert sum(hidden) >= k


@st.composite
def without_small_groups(draw: st.DrawFn) -> tuple[dict[str, int], int]:
    """A partition in which every group is empty or has at least k members."""
    k = draw(sizes)
    counts = draw(
        st.dictionaries(
            st.text("abcdefgh", min_size=1, max_size=2),
            st.one_of(st.just(0), st.integers(k, 60)),
            max_size=10,
        )
    )
    return counts, k


@st.composite
def only_small_groups(draw: st.DrawFn) -> tuple[dict[str, int], int]:
    """A partition whose non-empty groups are all below k: the total may have to go."""
    k = draw(st.integers(2, 15))
    counts = draw(
        st.dictionaries(
            st.text("abcdefgh", min_size=1, max_size=2), st.integers(0, k - 1), max_size=4
        )
    )
    return counts, k


@PROPERTY
@given(without_small_groups())
def test_nothing_is_suppressed_without_small_groups(case: tuple[dict[str, int], int]) -> None:
    """If no group is small, then every group and the total are published."""
    counts, k = case
    result = suppress(counts, k)
    assert result.published == counts
    assert result.total == sum(counts.values())
    assert not result.total_suppressed


@PROPERTY
@given(partitions, sizes)
def test_complements_are_minimal(counts: dict[str, int], k: int) -> None:
    """If a complement is needed, then exactly one is taken, it is the smallest non-empty
    published-eligible group, and none is taken when the small groups protect each other."""
    result = suppress(counts, k)
    small = [n for n in counts.values() if 0 < n < k]
    complements = [g for g, r in result.reasons.items() if r == "complementary"]
    self_protecting = not small or (len(small) >= 2 and sum(small) >= k and sum(small) > len(small))
    if self_protecting:
        assert complements == []
    elif complements:
        assert len(complements) == 1
        assert all(n >= counts[complements[0]] for n in result.published.values() if n > 0)
    else:
        assert result.total_suppressed


@PROPERTY
@given(only_small_groups())
def test_hidden_total_leaves_nothing_small_recoverable(case: tuple[dict[str, int], int]) -> None:
    """If the total is suppressed, then that is because no non-empty group was left to serve
    as a complement: everything published is 0 and every hidden group is small."""
    counts, k = case
    result = suppress(counts, k)
    assume(result.total_suppressed)
    assert result.total is None
    assert all(n == 0 for n in result.published.values())
    assert all(r == "small" for r in result.reasons.values())


# --- brute-force attacker --------------------------------------------------------------------


def assert_nothing_pinned(counts: dict[str, int], k: int) -> None:
    result = suppress(counts, k)
    # Without a total there is no linear relation left: every suppressed count is free.
    for group, values in feasible_values(result).items() if result.total is not None else []:
        assert counts[group] in values
        assert len(values) >= 2, (counts, k, group)


@pytest.mark.parametrize("k", [2, 3, 4, 5, 6])
def test_brute_force_no_suppressed_count_is_pinned_small_partitions(k: int) -> None:
    """If a partition has three groups of 0-9 respondents, then for every suppressed group an
    attacker trying every consistent assignment finds at least two possible counts."""
    for a, b, c in itertools.product(range(10), repeat=3):
        assert_nothing_pinned({"a": a, "b": b, "c": c}, k)


@settings(deadline=None, max_examples=150)
@given(
    st.dictionaries(st.sampled_from("abcde"), st.integers(0, 7), min_size=1, max_size=5),
    st.integers(2, 6),
)
def test_brute_force_no_suppressed_count_is_pinned(counts: dict[str, int], k: int) -> None:
    """If a partition has up to five groups, then no suppressed count is pinned down by trying
    every assignment consistent with the published total and counts."""
    assert_nothing_pinned(counts, k)


# --- groups hidden beforehand (per-figure suppression) ------------------------------------------


@pytest.mark.parametrize(
    ("counts", "hidden", "k", "suppressed", "total_hidden"),
    [
        # A figure with 2 answers in a published area joins the area hidden as a whole.
        ({"a": 12, "b": 2, "c": 30}, {"a"}, 5, {"a", "b"}, False),
        # The hidden area alone holds 12 answers: one more group must hide beside it.
        ({"a": 12, "b": 20, "c": 30}, {"a"}, 5, {"a", "b"}, False),
        # Nobody in the hidden area answered: nothing follows from subtraction.
        ({"a": 0, "b": 20, "c": 30}, {"a"}, 5, {"a"}, False),
        # Two hidden areas with 3 answers in all, k = 5: the smallest other joins them.
        ({"a": 1, "b": 2, "c": 30, "d": 9}, {"a", "b"}, 5, {"a", "b", "d"}, False),
        # Only hidden answers: the figure's total goes too.
        ({"a": 6, "b": 0}, {"a"}, 5, {"a"}, True),
    ],
)
def test_groups_hidden_beforehand_stay_hidden(
    counts: dict[str, int], hidden: set[str], k: int, suppressed: set[str], total_hidden: bool
) -> None:
    """If some groups are hidden already (areas hidden as a whole), then they stay hidden,
    count towards the rule, and a complement is added when they do not protect themselves."""
    result = suppress(counts, k, hidden=hidden)
    assert result.suppressed == suppressed
    assert result.total_suppressed == total_hidden
    assert {g for g, r in result.reasons.items() if r == "hidden"} == hidden


@st.composite
def with_hidden_groups(draw: st.DrawFn) -> tuple[dict[str, int], int, set[str]]:
    """A partition, k, and one or more of its groups hidden beforehand."""
    counts = draw(
        st.dictionaries(
            st.text("abcdefgh", min_size=1, max_size=2), st.integers(0, 60), min_size=1, max_size=10
        )
    )
    hidden = draw(st.sets(st.sampled_from(sorted(counts)), min_size=1))
    return counts, draw(sizes), hidden


@PROPERTY
@given(with_hidden_groups())
def test_groups_hidden_beforehand_leave_nothing_small(
    case: tuple[dict[str, int], int, set[str]],
) -> None:
    """If groups are hidden beforehand, then no small group is published, every hidden group
    stays hidden, and a published total leaves 0 or at least k from two or more groups."""
    counts, k, hidden = case
    result = suppress(counts, k, hidden=hidden)
    assert hidden <= result.suppressed
    assert all(n == 0 or n >= k for n in result.published.values())
    residue = [counts[g] for g in result.suppressed if counts[g] > 0]
    if result.total is not None:
        assert not residue or (len(residue) >= 2 and sum(residue) >= k)


def test_complementary_groups_are_named() -> None:
    """If a group is hidden only to protect a small one, then it is listed as complementary
    (so /residents can say why), the small one is not."""
    result = suppress({"tiny": 2, "mid": 12, "big": 40}, 5)
    assert result.complementary == {"mid"}
