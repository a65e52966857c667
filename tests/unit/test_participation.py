"""Participation as published (the close summary, ``rounds show``): no count of people that
is a small group, no rate over a small base, one AAPOR definition that never exceeds 1."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reports import participation_line, round_summary
from bot.texts import Catalogue
from surveys.models import AreaProgress, RoundProgress
from surveys.participation import participation
from surveys.suppression import suppress

TEXTS = Catalogue.load(["en", "es"])


@st.composite
def progresses(draw: st.DrawFn) -> tuple[RoundProgress, int]:
    """A consistent round: areas' responses, delivered residents among the invited, and the
    completes and partials of delivered residents among all responses."""
    k = draw(st.integers(2, 10))
    areas = {}
    for name in draw(st.lists(st.sampled_from(["", "a", "b", "c", "d"]), unique=True, max_size=4)):
        started = draw(st.integers(0, 25))
        areas[name] = AreaProgress(started=started, completed=draw(st.integers(0, started)))
    completed = sum(a.completed for a in areas.values())
    partial = sum(a.started - a.completed for a in areas.values())
    delivered_completed = draw(st.integers(0, completed))
    delivered_partial = draw(st.integers(0, partial))
    delivered = draw(st.integers(delivered_completed + delivered_partial, 120))
    invited = draw(st.integers(delivered, 130))
    progress = RoundProgress(
        invited=invited,
        delivered=delivered,
        delivered_completed=delivered_completed,
        delivered_partial=delivered_partial,
        areas=areas,
    )
    return progress, k


def small(n: int | None, k: int) -> bool:
    return n is not None and 0 < n < k


@settings(max_examples=300, deadline=None)
@given(progresses())
def test_published_participation_has_no_small_base(case: tuple[RoundProgress, int]) -> None:
    """If any round's participation is published, then the audience (invited, delivered) is
    hidden exactly when it is a small group, the respondents exactly when suppression over
    the areas withholds the round, and RR1 <= RR2 <= 1 only over at least k delivered
    invitations; the close summary and ``rounds show`` print no hidden number, and say
    "hidden" instead."""
    progress, k = case
    figures = participation(progress, k)
    withheld = suppress({a: p.started for a, p in progress.areas.items()}, k).total_suppressed
    assert figures.withheld == withheld
    assert (figures.invited is None) == small(progress.invited, k)
    assert (figures.delivered is None) == small(progress.invited, k)
    assert (figures.started is None) == withheld
    assert not small(figures.invited, k) and not small(figures.started, k)
    if figures.rr1 is not None:
        assert figures.rr2 is not None and figures.delivered is not None
        assert figures.delivered >= k and figures.started is not None
        assert 0 <= figures.rr1 <= figures.rr2 <= 1
    line = participation_line(progress, k)
    summary = round_summary(TEXTS, "en", round_id=1, title="T", progress=progress, min_group_size=k)
    for name in ("invited", "delivered", "started", "completed", "partial"):
        value = getattr(figures, name)
        assert re.search(rf"\b{name} {value if value is not None else 'hidden'}\b", line)
        label = name.capitalize()
        if value is None:
            assert re.search(rf"{label}: hidden", summary), summary
        else:
            assert f"{label}: {value}\n" in summary + "\n"
    if figures.rr1 is None:
        assert "RR1 hidden" in line and "RR1): hidden" in summary
