"""Creating, opening and closing survey rounds (domain rules on top of the round store)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from surveys.clock import utcnow
from surveys.errors import RoundError
from surveys.models import Round
from surveys.registry import SurveyRegistry
from surveys.store import Store

_DURATION = re.compile(r"^(\d{1,4})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_moment(text: str, zone: ZoneInfo, *, now: datetime | None = None) -> datetime:
    """``now``, a duration from now (``90m``, ``36h``, ``7d``, ``2w``) or an ISO date/time.

    A time without an offset is read in the community's time zone; a bare date means midnight.
    """
    now = now or utcnow()
    text = text.strip()
    if text.lower() == "now":
        return now
    match = _DURATION.match(text.lower())
    if match:
        return now + timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RoundError(
            f"cannot read {text!r} as a time: use 'now', a duration such as 7d or 36h, "
            "or a date/time such as 2026-12-01T18:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


async def create_round(
    store: Store,
    registry: SurveyRegistry,
    survey_key: str,
    *,
    opens_at: datetime,
    closes_at: datetime | None,
    area_ids: Sequence[str] = (),
    now: datetime | None = None,
) -> Round:
    """Register the survey's current version and create a round; open it if it is due."""
    known = {area.id for area in await store.areas.active()}
    unknown = sorted(set(area_ids) - known)
    if unknown:
        raise RoundError(
            f"unknown area(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    now = now or utcnow()
    if closes_at is not None and closes_at <= now:
        raise RoundError("the closing time is in the past")
    version, _ = await registry.register(survey_key)
    round_ = await store.rounds.create(
        version.id, opens_at=opens_at, closes_at=closes_at, area_ids=area_ids
    )
    if opens_at <= now:
        round_ = await store.rounds.open(round_.id)
    return round_
