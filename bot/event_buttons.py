"""Callback data of event buttons (answer, calendar file) and of the feedback survey's start.

Kept in one place so queued messages and chat views build the same payloads.
"""

from __future__ import annotations

from bot.keyboards import EventPress, StartPress, encode
from surveys.events.models import RsvpChoice


def rsvp_data(event_id: int, choice: RsvpChoice) -> str:
    return encode(EventPress(choice, event_id))


def calendar_data(event_id: int) -> str:
    return encode(EventPress("ics", event_id))


def survey_data(round_id: int) -> str:
    return encode(StartPress(round_id))
