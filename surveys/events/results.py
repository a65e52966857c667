"""Attendance and satisfaction per event and per partner, from the events' feedback rounds.

Figures (from the built-in ``event-feedback`` questions; a replacement survey without them
simply gives none):

- **attended**: share of respondents who say they attended (``attended`` = yes);
- **useful**: share of attendees who rated the event very or extremely useful (``useful`` 4-5),
  and the mean rating (1-5);
- **again**: share of respondents who would come to such an event again (``again`` = yes).

Privacy, as for every published figure (``privacy.min_group_size`` = k):

- an event's figures need at least k respondents, and each figure at least k answers; the
  RSVP counts (going / maybe / can't / waiting) are published only when 0 or at least k;
- a partner's figure pools its events. Events' own figures are published whenever they reach
  k (here and in the round reports of the export), so the pooled figure would reveal, by
  subtraction, the sum over the events too small to publish. It is therefore published only
  if those events, taken together, are protected as :func:`surveys.suppression.suppress`
  requires of a suppressed set (none, or at least two with at least k answers in all) and it
  rests on at least k distinct residents (a resident who came to three events counts once).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from surveys.events.models import EventSummary, FeedbackTally
from surveys.stats import Mean, Share, mean_interval, wilson_interval
from surveys.store.event_results import EventResultReader
from surveys.suppression import suppress

ATTENDED, USEFUL, AGAIN = "attended", "useful", "again"
QUESTIONS = (ATTENDED, USEFUL, AGAIN)


class _Figures(BaseModel):
    model_config = ConfigDict(frozen=True)

    attended: Share | None = None
    useful: Share | None = None
    useful_mean: Mean | None = None
    again: Share | None = None


class EventFigures(_Figures):
    """One event; a figure is None when withheld (or nobody answered its question)."""

    event_id: int
    round_id: int
    title: str
    starts_at: datetime
    status: str
    partner: str | None
    area_ids: list[str]
    going: int | None
    maybe: int | None
    cant: int | None
    waiting: int | None
    respondents: int | None
    withheld: bool


class PartnerFigures(_Figures):
    """All feedback on one partner's events, pooled."""

    partner: str
    events: int
    people: int | None
    withheld: bool


class EventResults(BaseModel):
    model_config = ConfigDict(frozen=True)

    min_group_size: int
    events: list[EventFigures]
    partners: list[PartnerFigures]


def _small(count: int, k: int) -> int | None:
    """A head count is shown if it is 0 or reaches k."""
    return count if count == 0 or count >= k else None


def _figures(tallies: dict[str, FeedbackTally], publish: Iterable[str]) -> dict[str, object]:
    shown = set(publish)
    out: dict[str, object] = {}
    if ATTENDED in shown and ATTENDED in tallies:
        out["attended"] = wilson_interval(tallies[ATTENDED].ones, tallies[ATTENDED].n)
    if USEFUL in shown and USEFUL in tallies:
        tally = tallies[USEFUL]
        out["useful"] = wilson_interval(tally.top, tally.n)
        out["useful_mean"] = mean_interval(tally.n, tally.total, tally.total_sq)
    if AGAIN in shown and AGAIN in tallies:
        out["again"] = wilson_interval(tallies[AGAIN].ones, tallies[AGAIN].n)
    return out


def _by_key(tallies: Sequence[FeedbackTally]) -> dict[str, dict[str, FeedbackTally]]:
    grouped: dict[str, dict[str, FeedbackTally]] = {}
    for tally in tallies:
        grouped.setdefault(tally.key, {})[tally.question_id] = tally
    return grouped


def event_figures(
    event: EventSummary,
    respondents: int,
    tallies: dict[str, FeedbackTally],
    k: int,
    language: str,
) -> EventFigures:
    counts = event.counts
    withheld = respondents < k
    publish = [] if withheld else [q for q, t in tallies.items() if t.n >= k]
    return EventFigures(
        event_id=event.event_id,
        round_id=event.round_id,
        title=event.title(language),
        starts_at=event.starts_at,
        status=event.status,
        partner=event.partner,
        area_ids=event.area_ids,
        going=_small(counts.going, k),
        maybe=_small(counts.maybe, k),
        cant=_small(counts.cant, k),
        waiting=_small(counts.waiting, k),
        respondents=None if withheld else respondents,
        withheld=withheld,
        **_figures(tallies, publish),
    )


def partner_publishes(
    question: str,
    per_event: dict[str, dict[str, FeedbackTally]],
    pooled: FeedbackTally | None,
    k: int,
) -> bool:
    """Whether a partner's pooled figure for ``question`` can be published (module doc)."""
    if pooled is None or pooled.people < k:
        return False
    counts = {event: by_q[question].n for event, by_q in per_event.items() if question in by_q}
    verdict = suppress(counts, k)
    return not verdict.total_suppressed and set(verdict.reasons.values()) <= {"small"}


def partner_figures(
    partner: str,
    events: Sequence[EventSummary],
    people: int,
    per_event: dict[str, dict[str, FeedbackTally]],
    pooled: dict[str, FeedbackTally],
    k: int,
) -> PartnerFigures:
    keys = [str(e.event_id) for e in events]
    mine = {key: per_event[key] for key in keys if key in per_event}
    withheld = people < k
    publish = (
        [] if withheld else [q for q in QUESTIONS if partner_publishes(q, mine, pooled.get(q), k)]
    )
    return PartnerFigures(
        partner=partner,
        events=len(events),
        people=None if withheld else people,
        withheld=withheld,
        **_figures(pooled, publish),
    )


def event_results(
    reader: EventResultReader,
    *,
    min_group_size: int,
    language: str,
    round_ids: Sequence[int] | None = None,
) -> EventResults:
    """Every event with a feedback round (of ``round_ids`` if given), and every partner of
    those events (synchronous: runs on one read-only snapshot in a worker thread)."""
    k = min_group_size
    events = reader.with_feedback(round_ids)
    per_event = _by_key(reader.tallies(QUESTIONS, "event", round_ids))
    per_partner = _by_key(reader.tallies(QUESTIONS, "partner", round_ids))
    respondents = reader.respondents("event", round_ids)
    people = reader.respondents("partner", round_ids)
    partners = sorted({event.partner for event in events if event.partner})
    return EventResults(
        min_group_size=k,
        events=[
            event_figures(
                event,
                respondents.get(str(event.event_id), (0, 0))[0],
                per_event.get(str(event.event_id), {}),
                k,
                language,
            )
            for event in events
        ],
        partners=[
            partner_figures(
                partner,
                [event for event in events if event.partner == partner],
                people.get(partner, (0, 0))[1],
                per_event,
                per_partner.get(partner, {}),
                k,
            )
            for partner in partners
        ],
    )
