"""The ``events`` and ``partners`` tables: attendance and satisfaction per community event and
per partner organisation, added to an export that includes events' feedback rounds.

The figures and their privacy rules are :mod:`surveys.events.results`; this module only lays
them out in the export's columns (shares in percent with their 95% interval, the usefulness
mean on its 1-5 scale). A figure that is not published is left empty, with ``status`` saying
``hidden``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from surveys.events.results import EventFigures, EventResults, PartnerFigures, event_results
from surveys.export.columns import Column, Kind, Table
from surveys.export.tables import Cell, Row
from surveys.stats import Mean, Share
from surveys.store.event_results import EventResultReader

__all__ = ["EVENTS", "EVENT_TABLES", "PARTNERS", "event_tables"]


def _c(name: str, kind: Kind, description: str) -> Column:
    return Column(name, kind, description)


def _share(prefix: str, what: str) -> tuple[Column, ...]:
    return (
        _c(f"{prefix}_pct", "pct", f"{what}, in percent (0-100)"),
        _c(f"{prefix}_pct_low", "pct", f"{what}: lower bound of the 95% interval, percent"),
        _c(f"{prefix}_pct_high", "pct", f"{what}: upper bound of the 95% interval, percent"),
        _c(f"{prefix}_n", "int", f"base of '{prefix}': respondents who answered"),
    )


FIGURES = (
    *_share("attended", "respondents who say they attended"),
    *_share("useful", "attendees who found it very or extremely useful (4-5 of 5)"),
    _c("useful_mean", "mean", "mean usefulness rating of attendees (1-5)"),
    _c("useful_mean_low", "mean", "usefulness: lower bound of the 95% interval"),
    _c("useful_mean_high", "mean", "usefulness: upper bound of the 95% interval"),
    *_share("again", "respondents who would come to such an event again"),
)
STATUS = _c(
    "status",
    "text",
    "published, or hidden (fewer than the minimum group size; for a partner also when the "
    "pooled figure would reveal a hidden event by subtraction)",
)

EVENTS = Table(
    "events",
    "One row per community event with a feedback round: answers to the invitation and what "
    "the people who were going said afterwards.",
    (
        _c("round_id", "int", "the event's feedback round"),
        _c("event_id", "int", "the event"),
        _c("title", "text", "event title"),
        _c("starts_at", "datetime", "when the event started (community time zone)"),
        _c("event_status", "text", "active or cancelled"),
        _c("partner", "text", "partner organisation running it, if any"),
        _c("areas", "text", "areas invited (all: every area)"),
        STATUS,
        _c("going", "int", "residents going (empty if below the minimum group size)"),
        _c("maybe", "int", "residents answering maybe (same rule)"),
        _c("cant", "int", "residents who can't go (same rule)"),
        _c("waiting", "int", "residents left on the waiting list (same rule)"),
        _c("respondents", "int", "feedback respondents: the base of the figures"),
        *FIGURES,
    ),
)

PARTNERS = Table(
    "partners",
    "One row per partner organisation: the feedback on all its events, pooled.",
    (
        _c("partner", "text", "partner organisation"),
        _c("events", "int", "its events with a feedback round"),
        STATUS,
        _c("people", "int", "distinct residents who gave feedback on its events"),
        *FIGURES,
    ),
)

EVENT_TABLES = (EVENTS, PARTNERS)
"""Written after the report tables when an export includes events' feedback rounds."""


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _share_cells(prefix: str, share: Share | None) -> dict[str, Cell]:
    if share is None:
        return {}
    return {
        f"{prefix}_pct": _pct(share.value),
        f"{prefix}_pct_low": _pct(share.low),
        f"{prefix}_pct_high": _pct(share.high),
        f"{prefix}_n": share.n,
    }


def _mean_cells(mean: Mean | None) -> dict[str, Cell]:
    if mean is None:
        return {}
    return {"useful_mean": mean.value, "useful_mean_low": mean.low, "useful_mean_high": mean.high}


def _figure_cells(item: EventFigures | PartnerFigures) -> dict[str, Cell]:
    return {
        **_share_cells("attended", item.attended),
        **_share_cells("useful", item.useful),
        **_mean_cells(item.useful_mean),
        **_share_cells("again", item.again),
    }


def _row(table: Table, values: Mapping[str, Cell]) -> Row:
    return tuple(values.get(name) for name in table.names)


def event_rows(results: EventResults) -> list[Row]:
    return [
        _row(
            EVENTS,
            {
                "round_id": item.round_id,
                "event_id": item.event_id,
                "title": item.title,
                "starts_at": item.starts_at,
                "event_status": item.status,
                "partner": item.partner,
                "areas": ",".join(item.area_ids) or "all",
                "status": "hidden" if item.withheld else "published",
                "going": item.going,
                "maybe": item.maybe,
                "cant": item.cant,
                "waiting": item.waiting,
                "respondents": item.respondents,
                **_figure_cells(item),
            },
        )
        for item in results.events
    ]


def partner_rows(results: EventResults) -> list[Row]:
    return [
        _row(
            PARTNERS,
            {
                "partner": item.partner,
                "events": item.events,
                "status": "hidden" if item.withheld else "published",
                "people": item.people,
                **_figure_cells(item),
            },
        )
        for item in results.partners
    ]


def event_tables(
    reader: EventResultReader, round_ids: Sequence[int], min_group_size: int, language: str
) -> list[tuple[Table, list[Row]]]:
    """The two tables for the exported rounds that are events' feedback rounds; none when
    the export has no such round (so other surveys' exports are unchanged)."""
    results = event_results(
        reader, min_group_size=min_group_size, language=language, round_ids=round_ids
    )
    if not results.events:
        return []
    return [(EVENTS, event_rows(results)), (PARTNERS, partner_rows(results))]
