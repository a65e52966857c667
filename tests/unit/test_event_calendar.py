"""The .ics file, parsed back with icalendar: time zone, UID, SEQUENCE, status, file name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from surveys.events.calendar import calendar_file_name, calendar_uid, event_calendar
from surveys.events.models import Event, EventText

MADRID = ZoneInfo("Europe/Madrid")
START = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # 18:00 in Madrid


def event(**overrides: object) -> Event:
    values: dict[str, object] = {
        "id": 7,
        "uid": "0123456789abcdef",
        "status": "active",
        "starts_at": START,
        "ends_at": START + timedelta(hours=2),
        "place": "Library; Main St 1, Riverside",
        "capacity": None,
        "partner": "Riverside School",
        "sequence": 0,
        "announce": True,
        "announced_at": None,
        "scheduled_at": START - timedelta(days=9),
        "feedback_at": None,
        "feedback_round_id": None,
        "created_by": "cli",
        "created_at": START - timedelta(days=9),
        "updated_at": START - timedelta(days=9),
        "cancelled_at": None,
        "area_ids": [],
        "texts": {
            "en": EventText(title="Coffee with a cop", description="Bring your questions."),
            "es": EventText(title="Café con la policía: ¿qué pasa?"),
        },
    }
    values.update(overrides)
    return Event(**values)  # type: ignore[arg-type]


def parsed(item: Event, language: str = "en") -> Calendar:
    content = event_calendar(
        item, language=language, default_language="en", zone=MADRID, now=START, community="RCP"
    )
    return Calendar.from_ical(content)


def test_calendar_has_the_zone_times_and_texts() -> None:
    """If an event is exported, then the file names the community's zone in a VTIMEZONE, the
    start and end are local times in that zone, and title, place and description are set."""
    calendar = parsed(event())
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Madrid"]
    assert calendar.get_missing_tzids() == set()
    (entry,) = calendar.events
    assert entry.decoded("dtstart") == datetime(2026, 12, 1, 18, 0, tzinfo=MADRID)
    assert entry.decoded("dtend") == datetime(2026, 12, 1, 20, 0, tzinfo=MADRID)
    assert entry.decoded("dtstart").tzinfo.key == "Europe/Madrid"
    assert str(entry["summary"]) == "Coffee with a cop"
    assert str(entry["location"]) == "Library; Main St 1, Riverside"
    assert str(entry["description"]) == "Bring your questions.\n\nRCP"
    assert str(entry["status"]) == "CONFIRMED" and int(entry["sequence"]) == 0
    assert str(calendar["method"]) == "PUBLISH"


def test_uid_is_stable_and_sequence_grows_and_cancel_is_marked() -> None:
    """If an event is edited and then cancelled, then every file has the same UID, the
    SEQUENCE grows, and the last one says STATUS:CANCELLED."""
    versions = [
        event(),
        event(sequence=1, starts_at=START + timedelta(hours=1), ends_at=START + timedelta(hours=3)),
        event(sequence=2, status="cancelled"),
    ]
    entries = [parsed(item).events[0] for item in versions]
    assert {str(entry["uid"]) for entry in entries} == {calendar_uid(versions[0])}
    assert [int(entry["sequence"]) for entry in entries] == [0, 1, 2]
    assert [str(entry["status"]) for entry in entries] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert entries[1].decoded("dtstart") == datetime(2026, 12, 1, 19, 0, tzinfo=MADRID)


def test_language_and_fallback() -> None:
    """If a resident reads Spanish, then the Spanish title is used; a language without its own
    text falls back to the default language."""
    assert str(parsed(event(), "es").events[0]["summary"]) == "Café con la policía: ¿qué pasa?"
    assert str(parsed(event(), "fr").events[0]["summary"]) == "Coffee with a cop"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "2026-12-01 Coffee with a cop.ics"),
        ("es", "2026-12-01 Café con la policía qué pasa.ics"),
    ],
)
def test_file_name_is_readable_and_safe(language: str, expected: str) -> None:
    """If the file is named, then it starts with the local date and keeps the title's words,
    without path or shell characters."""
    name = calendar_file_name(event(), language=language, default_language="en", zone=MADRID)
    assert name == expected
    sneaky = event(texts={"en": EventText(title="../../etc/passwd; rm -rf *")})
    assert "/" not in calendar_file_name(sneaky, language="en", default_language="en", zone=MADRID)
