"""Creating survey rounds: parsing times, checking the plan, storing it.

A created round is only *scheduled*; the round clock (:mod:`surveys.schedule`) opens it at its
time and queues the invitations, whether it was created in chat, from the CLI or by recurrence.

The plan rules live here once (``check_*``), for the CLI, the /newround wizard (which checks
each step as it is given) and :func:`create_round`; each broken rule is a :class:`PlanError`
whose ``code`` the bot shows in the resident's language and whose text the CLI prints.
Durations count on the community's wall clock: ``7d`` after 18:00 is 18:00 a week later.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from surveys.clock import utcnow
from surveys.errors import PlanError, RoundError, RoundOverlapError
from surveys.models import Round
from surveys.recurrence import validate_recurrence
from surveys.registry import SurveyRegistry
from surveys.store import Store
from surveys.wallclock import shift

_DURATION = re.compile(r"^(\d{1,4})([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# How far ahead a round may be planned: a sane bound, and no date arithmetic near year 9999.
HORIZON = timedelta(days=2 * 366)
# An opening this little in the past is "now" (the time it took to type it).
PAST_GRACE = timedelta(minutes=1)


def parse_duration(text: str) -> timedelta:
    """``90m``, ``36h``, ``7d``, ``2w`` (``s`` for seconds, mostly for tests)."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise RoundError(f"cannot read {text!r} as a duration: use e.g. 90m, 36h, 7d or 2w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_moment(text: str, zone: ZoneInfo, *, now: datetime | None = None) -> datetime:
    """``now``, a duration after ``now`` (``7d``, whole days on the wall clock) or an ISO
    date/time (``2026-12-01T18:00`` or ``2026-12-01 18:00``).

    A time without an offset is read in the community's time zone; a bare date means midnight.
    """
    now = now or utcnow()
    text = text.strip()
    if text.lower() == "now":
        return now
    if _DURATION.match(text.lower()):
        return shift(now, parse_duration(text), zone)
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


def check_opening(opens_at: datetime, now: datetime) -> None:
    """An opening is not in the past (beyond a minute's grace) nor beyond the horizon."""
    if opens_at < now - PAST_GRACE:
        raise PlanError("plan_in_past", "the opening time has already passed (use 'now')")
    _within_horizon(opens_at, now)


def check_closing(opens_at: datetime, closes_at: datetime, now: datetime) -> None:
    """A closing comes after the opening, in the future, within the horizon."""
    if closes_at <= max(opens_at, now):
        raise PlanError(
            "plan_closes_before_opens",
            "the closing time must be after the opening time and in the future",
        )
    _within_horizon(closes_at, now)


def check_reminders(
    opens_at: datetime, closes_at: datetime | None, offsets: Sequence[timedelta], zone: ZoneInfo
) -> None:
    """Every reminder falls before the closing."""
    if closes_at is not None and any(shift(opens_at, o, zone) >= closes_at for o in offsets):
        raise PlanError(
            "plan_reminder_after_close", "every reminder must fall before the closing time"
        )


def check_plan(
    opens_at: datetime,
    closes_at: datetime | None,
    offsets: Sequence[timedelta],
    recurrence: str | None,
    zone: ZoneInfo,
    now: datetime,
) -> str | None:
    """Every rule for a whole plan; returns the recurrence, normalised."""
    check_opening(opens_at, now)
    if closes_at is not None:
        check_closing(opens_at, closes_at, now)
    check_reminders(opens_at, closes_at, offsets, zone)
    if recurrence is not None and closes_at is None:
        raise PlanError(
            "plan_recurrence_needs_close",
            "a recurring round needs a closing time (the next opens after it)",
        )
    return validate_recurrence(recurrence)


def _within_horizon(moment: datetime, now: datetime) -> None:
    try:
        too_far = moment > now + HORIZON
    except OverflowError:  # near year 9999
        too_far = True
    if too_far:
        raise PlanError("plan_too_far", "plan at most two years ahead")


async def create_round(
    store: Store,
    registry: SurveyRegistry,
    survey_key: str,
    *,
    opens_at: datetime,
    closes_at: datetime | None,
    zone: ZoneInfo,
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
    recurrence = check_plan(opens_at, closes_at, remind_after, recurrence, zone, now or utcnow())
    if not allow_overlap:
        await _refuse_overlap(store, survey_key, opens_at, closes_at, area_ids)
    version, _ = await registry.register(survey_key)
    return await store.rounds.create(
        version.id,
        opens_at=opens_at,
        closes_at=closes_at,
        area_ids=area_ids,
        remind_after=remind_after,
        recurrence=recurrence,
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
