"""Creating survey rounds: parsing times, checking the plan, storing it.

A created round is only *scheduled*; the round clock (:mod:`surveys.schedule`) opens it at its
time and queues the invitations, whether it was created in chat, from the CLI or by recurrence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from surveys.clock import utcnow
from surveys.errors import RoundError, RoundOverlapError
from surveys.models import Round
from surveys.registry import SurveyRegistry
from surveys.schedule import validate_recurrence
from surveys.store import Store

_DURATION = re.compile(r"^(\d{1,4})([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``90m``, ``36h``, ``7d``, ``2w`` (``s`` for seconds, mostly for tests)."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise RoundError(f"cannot read {text!r} as a duration: use e.g. 90m, 36h, 7d or 2w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_moment(text: str, zone: ZoneInfo, *, now: datetime | None = None) -> datetime:
    """``now``, a duration after ``now`` (``7d``) or an ISO date/time.

    A time without an offset is read in the community's time zone; a bare date means midnight.
    """
    now = now or utcnow()
    text = text.strip()
    if text.lower() == "now":
        return now
    if _DURATION.match(text.lower()):
        return now + parse_duration(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RoundError(
            f"cannot read {text!r} as a time: use 'now', a duration such as 7d or 36h, "
            "or a date/time such as 2026-12-01T18:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_offsets(text: str) -> list[timedelta]:
    """``2d,6d`` -> reminder offsets after the opening."""
    return sorted(parse_duration(part) for part in text.split(",") if part.strip())


async def create_round(
    store: Store,
    registry: SurveyRegistry,
    survey_key: str,
    *,
    opens_at: datetime,
    closes_at: datetime | None,
    area_ids: Sequence[str] = (),
    remind_after: Sequence[timedelta] = (),
    recurrence: str | None = None,
    created_by: str = "cli",
    now: datetime | None = None,
    allow_overlap: bool = False,
) -> Round:
    """Check the plan, register the survey's current version, store the round (scheduled).

    A round of the same survey for some of the same residents at the same time is refused
    (:class:`RoundOverlapError`) unless ``allow_overlap``.
    """
    known = {area.id for area in await store.areas.active()}
    unknown = sorted(set(area_ids) - known)
    if unknown:
        raise RoundError(
            f"unknown area(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    now = now or utcnow()
    if closes_at is not None and closes_at <= max(now, opens_at):
        raise RoundError("the closing time must be after the opening time and in the future")
    if closes_at is not None:
        late = [o for o in remind_after if opens_at + o >= closes_at]
        if late:
            raise RoundError("every reminder must fall before the closing time")
    if recurrence is not None and closes_at is None:
        raise RoundError("a recurring round needs a closing time (the next opens after it)")
    if not allow_overlap:
        await _refuse_overlap(store, survey_key, opens_at, closes_at, area_ids)
    version, _ = await registry.register(survey_key)
    return await store.rounds.create(
        version.id,
        opens_at=opens_at,
        closes_at=closes_at,
        area_ids=area_ids,
        remind_after=remind_after,
        recurrence=validate_recurrence(recurrence),
        created_by=created_by,
    )


async def _refuse_overlap(
    store: Store,
    survey_key: str,
    opens_at: datetime,
    closes_at: datetime | None,
    area_ids: Sequence[str],
) -> None:
    """RoundOverlapError if a planned or open round of the survey shares residents and time."""
    for other in await store.rounds.find(["scheduled", "open"]):
        if other.survey_key != survey_key:
            continue
        shared_areas = not area_ids or not other.area_ids or set(area_ids) & set(other.area_ids)
        shared_time = (other.closes_at is None or opens_at < other.closes_at) and (
            closes_at is None or other.opens_at < closes_at
        )
        if shared_areas and shared_time:
            raise RoundOverlapError(
                "round_overlap",
                f"round #{other.id} of {survey_key} already runs then for some of the same "
                "residents (they would see two identical surveys); choose other areas or times"
                + (
                    ""
                    if other.closes_at is None
                    else f" (it closes {other.closes_at:%Y-%m-%d %H:%M} UTC)"
                ),
                round=other.id,
            )
