"""Event screens as pure functions: the resident's card, the coordinator's overview within
Telegram's length limit and without names, and what /newevent says after Send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.event_messages import before_text
from bot.texts import Catalogue
from bot.views.events import (
    event_card_view,
    newevent_created_view,
    staff_events_view,
)
from surveys.events.board import EventOverview
from surveys.events.models import Event, EventEntry, EventText, Rsvp, RsvpCounts, WaitingEntry

MADRID = ZoneInfo("Europe/Madrid")
TEXTS = Catalogue.load(["en", "es"])
START = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


def event(event_id: int = 1, **overrides: object) -> Event:
    values: dict[str, object] = {
        "id": event_id,
        "uid": "0123456789abcdef",
        "status": "active",
        "starts_at": START,
        "ends_at": START + timedelta(hours=2),
        "place": "Library <Main St>",
        "capacity": 2,
        "partner": None,
        "sequence": 0,
        "announce": True,
        "announced_at": None,
        "scheduled_at": START,
        "feedback_at": None,
        "feedback_round_id": None,
        "created_by": "cli",
        "created_at": START,
        "updated_at": START,
        "cancelled_at": None,
        "area_ids": [],
        "texts": {"en": EventText(title="Coffee & a cop"), "es": EventText(title="Café")},
    }
    values.update(overrides)
    return Event(**values)  # type: ignore[arg-type]


def test_card_shows_the_answer_the_places_and_escapes_text() -> None:
    """If a resident waits for a place, then the card says their position and ticks Going;
    a resident who said maybe sees the places left; coordinator text is escaped as HTML."""
    counts = RsvpCounts(going=1, waiting=0, capacity=2)
    waiting = EventEntry(
        event=event(),
        rsvp=Rsvp(event_id=1, resident_id=5, status="waiting", position=2),
        counts=counts,
    )
    card = event_card_view(TEXTS, "en", waiting, MADRID)
    assert "#2</b> on the waiting list" in card.text
    assert "Coffee &amp; a cop" in card.text and "Library &lt;Main St&gt;" in card.text
    assert card.markup is not None
    labels = [b.text for row in card.markup.inline_keyboard for b in row]
    assert labels[0] == "✓ ✅ Going" and "Places left" not in card.text
    maybe = EventEntry(
        event=event(), rsvp=Rsvp(event_id=1, resident_id=5, status="maybe"), counts=counts
    )
    assert "Places left: 1" in event_card_view(TEXTS, "en", maybe, MADRID).text
    spanish = event_card_view(TEXTS, "es", maybe, MADRID)
    assert "Café" in spanish.text and "mar 2026-12-01 · 18:00–20:00" in spanish.text


def test_staff_overview_fits_telegram_and_names_nobody() -> None:
    """If there are many events with long waiting lists, then the overview stays under 4096
    characters, lists at most ten waiting places per event with the rest counted, marks a
    cancelled event, and shows positions and times only."""
    waiting = [WaitingEntry(position=i, since=START - timedelta(minutes=i)) for i in range(1, 31)]
    overviews = [
        EventOverview(
            event=event(
                i,
                status="cancelled" if i == 1 else "active",
                texts={"en": EventText(title="T" * 100)},
            ),
            counts=RsvpCounts(going=2, waiting=30, capacity=2),
            waiting=waiting,
        )
        for i in range(1, 40)
    ]
    text = staff_events_view(TEXTS, "en", overviews, MADRID).text
    assert len(text) < 4096
    assert "#10 since" in text and "#11 since" not in text and "(and 20 more)" in text
    assert "Cancelled." in text and "more: see feedbackbot events list" in text


def test_created_view_says_when_quiet_hours_hold_the_announcement() -> None:
    """If quiet hours hold the announcement, then the coordinator is told until when."""
    held = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    text = newevent_created_view(TEXTS, "en", event(), 12, held, MADRID).text
    assert "recipients: 12" in text and "goes out at 12-01 08:00" in text
    assert "Quiet" not in newevent_created_view(TEXTS, "en", event(), 12, None, MADRID).text


@pytest.mark.parametrize(
    ("before", "en", "es"),
    [
        (timedelta(days=1), "tomorrow", "mañana"),
        (timedelta(days=2), "in 2 days", "en 2 días"),
        (timedelta(hours=1), "in 1 hour", "en 1 hora"),
        (timedelta(hours=3), "in 3 hours", "en 3 horas"),
        (timedelta(minutes=90), "in 90 minutes", "en 90 minutos"),
        (timedelta(minutes=30), "in 30 minutes", "en 30 minutos"),
    ],
)
def test_reminder_wording(before: timedelta, en: str, es: str) -> None:
    """If a reminder goes some time before the start, then it says when in words, exactly."""
    assert before_text(TEXTS, "en", before) == en
    assert before_text(TEXTS, "es", before) == es
