"""When the next round of a recurring series opens: ``weekly``, ``monthly`` or a crontab line.

Every occurrence is computed from the series' **anchor** (the first round's opening) in the
community's time zone, never from the previous round alone, so nothing drifts: a weekly round
stays at the anchor's local time across daylight-saving changes, and a monthly round anchored
on the 31st opens on the 30th in April, the 28th in February and the 31st again in March.
Crontab lines are read by croniter, which keeps weekday steps (``1-5/2``) and ``*/2``; they are
evaluated on the local wall clock. See :mod:`surveys.wallclock` for skipped and repeated times.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import CroniterBadCronError, CroniterBadDateError, CroniterError, croniter

from surveys.errors import RoundError
from surveys.wallclock import from_wall, to_wall

NAMED = ("weekly", "monthly")
WEEK = timedelta(days=7)
# An expression whose matches are further apart than this never matches (e.g. 30 February).
MAX_YEARS_BETWEEN = 5


def validate_recurrence(text: str | None) -> str | None:
    """``weekly``, ``monthly`` or a five-field crontab line (normalised); RoundError if not."""
    if text is None:
        return None
    text = " ".join(text.split())
    if text in NAMED:
        return text
    fields = text.split(" ")
    problem = None
    if len(fields) != 5:
        problem = f"a crontab line has 5 fields (minute hour day month weekday), not {len(fields)}"
    elif not croniter.is_valid(text):
        problem = "not a valid crontab line"
    else:
        try:
            _cron_after(text, datetime(2000, 1, 1))
        except RoundError as exc:
            problem = str(exc)
    if problem:
        raise RoundError(
            f"--every {text!r}: use weekly, monthly or a crontab line such as "
            f"'0 18 * * 1' ({problem})"
        )
    return text


def next_opening(recurrence: str, previous: datetime, anchor: datetime, zone: ZoneInfo) -> datetime:
    """The first opening of the series strictly after ``previous`` (UTC).

    ``anchor`` is the series' first opening: weekly and monthly occurrences keep its local time
    of day (and, monthly, its day of the month where the month has it).
    """
    if recurrence == "weekly":
        return _weekly(previous, anchor, zone)
    if recurrence == "monthly":
        return _monthly(previous, anchor, zone)
    wall = to_wall(previous, zone)
    while True:
        wall = _cron_after(recurrence, wall)
        moment = from_wall(wall, zone)
        if moment > previous:  # a repeated hour can map a later wall time to an earlier moment
            return moment


def _weekly(previous: datetime, anchor: datetime, zone: ZoneInfo) -> datetime:
    start = to_wall(anchor, zone)
    weeks = max(0, (to_wall(previous, zone) - start) // WEEK)
    while (moment := from_wall(start + weeks * WEEK, zone)) <= previous:
        weeks += 1
    return moment


def _monthly(previous: datetime, anchor: datetime, zone: ZoneInfo) -> datetime:
    start, last = to_wall(anchor, zone), to_wall(previous, zone)
    months = max(0, (last.year - start.year) * 12 + last.month - start.month)
    while (moment := from_wall(_month_after(start, months), zone)) <= previous:
        months += 1
    return moment


def _month_after(start: datetime, months: int) -> datetime:
    """``start`` moved ``months`` months on, on its day or the month's last day if shorter."""
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return start.replace(year=year, month=month + 1, day=day)


def _cron_after(expression: str, wall: datetime) -> datetime:
    try:
        found = croniter(expression, wall, max_years_between_matches=MAX_YEARS_BETWEEN).get_next(
            datetime
        )
    except CroniterBadDateError:
        raise RoundError(f"recurrence {expression!r} has no next time") from None
    except (CroniterBadCronError, CroniterError, ValueError) as exc:
        raise RoundError(f"recurrence {expression!r}: {exc}") from None
    assert isinstance(found, datetime)
    return found
