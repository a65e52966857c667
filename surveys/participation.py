"""Who was asked and who answered, as it may be published: counts and AAPOR response rates.

One definition for every output that states participation (round reports and exports, the
summary sent when a round closes, ``feedbackbot rounds show``, ``/results``), so that they
agree and none publishes a figure resting on fewer than ``k`` people.

Response rates follow the AAPOR *Standard Definitions* (2023). The eligible sample is the
delivered invitations (an undelivered invitation never reached anyone; every resident whose
invitation was delivered is eligible, so there is no "unknown eligibility"):

- ``RR1 = I / delivered``: complete responses of invited residents;
- ``RR2 = (I + P) / delivered``: complete plus partial (started, not complete) responses.

Residents who answered from ``/surveys`` without a delivered invitation count as respondents
but not towards the rates, which therefore never exceed 1.

Privacy (``k`` = ``privacy.min_group_size``):

- ``invited`` and ``delivered`` are hidden when ``0 < invited < k`` (the audience itself is a
  small group: its size is what ``/residents`` hides);
- the respondent counts (``started``, ``completed``, ``partial``) are hidden when the round is
  withheld, i.e. when small-group suppression of the respondents per area cannot publish the
  total (fewer than ``k`` respondents, see :func:`surveys.suppression.suppress`);
- a rate is published only over ``delivered >= k`` and only when the respondent counts are.

Counts inside a published group (how many of the respondents completed) are published as they
are, as the answer counts inside a published area are.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from surveys.models import RoundProgress
from surveys.suppression import is_small, suppress

__all__ = ["Participation", "participation", "rates", "withheld"]


class Participation(BaseModel):
    """Participation figures of a round; ``None`` is a figure hidden for privacy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    invited: int | None
    delivered: int | None
    started: int | None
    completed: int | None
    partial: int | None
    rr1: float | None
    rr2: float | None
    withheld: bool


def withheld(progress: RoundProgress, min_group_size: int) -> bool:
    """Whether the round's respondents are too few (or too unevenly spread over areas) for any
    figure about them to be published."""
    counts = {area: counts.started for area, counts in progress.areas.items()}
    return suppress(counts, min_group_size).total_suppressed


def rates(progress: RoundProgress) -> tuple[float, float] | None:
    """(RR1, RR2) before any privacy rule; None when nothing was delivered."""
    if progress.delivered == 0:
        return None
    return (
        progress.delivered_completed / progress.delivered,
        (progress.delivered_completed + progress.delivered_partial) / progress.delivered,
    )


def participation(progress: RoundProgress, min_group_size: int) -> Participation:
    """What may be published of ``progress`` (see the module docstring)."""
    hidden_round = withheld(progress, min_group_size)
    audience = not is_small(progress.invited, min_group_size)
    shown_rates = rates(progress)
    if hidden_round or not audience or progress.delivered < min_group_size:
        shown_rates = None
    return Participation(
        invited=progress.invited if audience else None,
        delivered=progress.delivered if audience else None,
        started=None if hidden_round else progress.started,
        completed=None if hidden_round else progress.completed,
        partial=None if hidden_round else progress.partial,
        rr1=None if shown_rates is None else shown_rates[0],
        rr2=None if shown_rates is None else shown_rates[1],
        withheld=hidden_round,
    )
