"""An event as an iCalendar (.ics) file, made with the icalendar library.

Calendar apps recognise an updated file as the same event by its UID and take the version with
the highest SEQUENCE, so the UID is fixed at creation and the SEQUENCE grows with every edit;
a cancelled event keeps its UID and carries STATUS:CANCELLED. Times are written in the
community's time zone with a VTIMEZONE (``add_missing_timezones``), so a resident travelling in
another zone still sees the right moment.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from surveys.events.models import Event

PRODID = "-//community-feedback-bot//events//EN"
UID_DOMAIN = "community-feedback-bot"
_UNSAFE = re.compile(r"[^\w\- ]+", re.UNICODE)


def calendar_uid(event: Event) -> str:
    """Stable across edits and cancellation: the event's id and the random token it got."""
    return f"event-{event.id}-{event.uid}@{UID_DOMAIN}"


def event_calendar(
    event: Event,
    *,
    language: str,
    default_language: str,
    zone: ZoneInfo,
    now: datetime,
    community: str = "",
) -> bytes:
    """The .ics file of ``event`` with its title and description in ``language``."""
    text = event.text(language, default_language)
    entry = CalendarEvent()
    entry.add("uid", calendar_uid(event))
    entry.add("dtstamp", now)
    entry.add("created", event.created_at)
    entry.add("last-modified", event.updated_at)
    entry.add("sequence", event.sequence)
    entry.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", text.title)
    entry.add("location", event.place)
    description = "\n\n".join(part for part in (text.description, community) if part)
    if description:
        entry.add("description", description)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    calendar.add_missing_timezones(
        first_date=(event.starts_at.astimezone(zone) - timedelta(days=1)).date(),
        last_date=(event.ends_at.astimezone(zone) + timedelta(days=366)).date(),
    )
    content: bytes = calendar.to_ical()
    return content


def calendar_file_name(
    event: Event, *, language: str, default_language: str, zone: ZoneInfo
) -> str:
    """A readable name: ``2026-03-14 Coffee with a cop.ics`` (no path or shell characters)."""
    title = " ".join(_UNSAFE.sub(" ", event.text(language, default_language).title).split())
    day = event.starts_at.astimezone(zone).strftime("%Y-%m-%d")
    return f"{day} {title[:60].strip() or 'event'}.ics"
