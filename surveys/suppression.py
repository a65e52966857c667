"""Small-group suppression for per-area breakdowns that subtraction cannot undo.

The problem. An export shows, per area, how many residents answered and what they answered,
next to the overall figures. The areas partition the respondents, so
``total = Σ published + Σ suppressed``: hiding one small area is useless if the total and every
other area are shown, because its count (and, question by question, its answers) follows by
subtraction.

The rule, for a minimum group size ``k``:

1. **Primary**: a group with ``0 < n < k`` is never published (reason ``"small"``).
2. **Complementary**: the suppressed set ``S`` must be empty, or hold at least two groups with
   ``n > 0`` whose counts add up to at least ``k``. Then the only thing subtraction yields,
   ``Σ_S n``, mixes two or more groups and at least ``k`` people. If every suppressed group
   has exactly one respondent, one more group is added as well, otherwise each of their counts
   would be pinned at 1 (see "guarantee" below). A group with ``n == 0`` is published as 0:
   it reveals nobody, and it is no use as a complement (reason ``"complementary"``).
3. Complements are chosen minimally. Every published group with ``n > 0`` has ``n >= k``, so a
   single complement always satisfies rule 2; the **smallest** such group is taken (ties by
   name), which hides the fewest respondents.
4. If no complement exists (the total itself is below ``k``, or every other group is empty),
   the total is suppressed too (``total_suppressed=True``); then no linear relation is left.

Guarantee (checked by brute force in the tests). An attacker who knows the published total, the
published counts, which groups are suppressed, and that a suppressed count is at least 1
(zeros are always published) cannot pin down any suppressed count: each has at least two
feasible values. The ``reasons`` are for the audit log; an export should print one mark for
both, because an attacker who knows that a group was suppressed as "small" knows it is below
``k`` (with ``k == 2``: exactly 1), and one who knows which group is the complement and how
complements are picked learns bounds on it.

Figures inside groups. Every figure of a group rests on its own base (the respondents who
answered one question, or who have an index value), and those bases partition the figure's
overall base just as the respondent counts partition the total. :func:`suppress` is therefore
applied once more per figure, with the groups already hidden as a whole passed as ``hidden``:
they stay hidden and count towards rule 2, so a figure whose base is small in a published group
is hidden together with a complement, and what subtraction leaves of the hidden groups is 0 or
at least ``k`` answers from two or more groups.

Scope. The guarantee holds for **one partition of one total**. Callers suppress whole groups
(areas), never single cells: a suppressed area is removed from every per-question table of the
same export, since the same partition underlies every figure. Cells inside a published group
(e.g. "2 people in area X chose C") are published as they are; the threshold protects groups,
not answers. Publishing a second breakdown of the same respondents (say, by age band) creates
new linear relations that this function does not see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["SuppressionReason", "SuppressionResult", "is_small", "suppress"]

SuppressionReason = Literal["small", "complementary", "hidden"]


class SuppressionResult(BaseModel):
    """What may be published of one partition.

    ``published`` keeps the input order and includes empty groups (as 0); ``total`` is ``None``
    exactly when ``total_suppressed``; ``reasons`` names why each suppressed group is hidden.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    published: dict[str, int]
    suppressed: frozenset[str]
    total: int | None
    total_suppressed: bool
    reasons: dict[str, SuppressionReason]

    @property
    def complementary(self) -> frozenset[str]:
        """Groups hidden only to protect another group (not small themselves)."""
        return frozenset(g for g, reason in self.reasons.items() if reason == "complementary")


def is_small(n: int | None, min_group_size: int) -> bool:
    """Whether a base of ``n`` people may not be published: ``0 < n < k``."""
    return n is not None and 0 < n < min_group_size


def _protected(suppressed: Mapping[str, int], min_group_size: int) -> bool:
    """Whether the suppressed set satisfies rule 2: nobody in it, or >= 2 non-empty groups with
    a sum of at least k that are not all of size 1."""
    sizes = [n for n in suppressed.values() if n > 0]
    if not sizes:
        return True
    return len(sizes) >= 2 and sum(sizes) >= min_group_size and sum(sizes) > len(sizes)


def suppress(
    counts: Mapping[str, int], min_group_size: int, *, hidden: Iterable[str] = ()
) -> SuppressionResult:
    """Decide which groups of a partition (and whether its total) may be published.

    ``counts`` maps each group (an area) to its count; ``min_group_size`` is ``k``; groups in
    ``hidden`` are suppressed already (reason ``"hidden"``, e.g. areas hidden as a whole when
    deciding one figure of theirs). See the module docstring for the rule and what it
    guarantees.
    """
    if min_group_size < 1:
        raise ValueError(f"min_group_size must be at least 1, got {min_group_size}")
    if any(n < 0 for n in counts.values()):
        raise ValueError("group counts must be non-negative")
    already = frozenset(hidden)
    reasons: dict[str, SuppressionReason] = {
        group: "hidden" if group in already else "small"
        for group, n in counts.items()
        if group in already or 0 < n < min_group_size
    }
    withheld = {group: counts[group] for group in reasons}
    if not _protected(withheld, min_group_size):
        candidates = sorted(
            (n, group) for group, n in counts.items() if n > 0 and group not in reasons
        )
        if candidates:
            _, complement = candidates[0]
            reasons[complement] = "complementary"
    withheld = {group: counts[group] for group in reasons}
    total_suppressed = not _protected(withheld, min_group_size)
    return SuppressionResult(
        published={group: n for group, n in counts.items() if group not in reasons},
        suppressed=frozenset(reasons),
        total=None if total_suppressed else sum(counts.values()),
        total_suppressed=total_suppressed,
        reasons=reasons,
    )
