"""What an event tells residents, and under which outbox purpose.

The domain decides *when* and *to whom*; the bot decides the words (:class:`EventMessages` is
implemented in ``bot/``, so texts stay in the message catalogue). Each purpose is unique per
resident in the outbox, so none of these can reach a resident twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from surveys.events.models import Event
from surveys.models import OutboxMessage


class EventMessages(Protocol):
    """Builds the queued messages of an event, in every language at once."""

    def announcement(self, event: Event) -> OutboxMessage: ...

    def promoted(self, event: Event) -> OutboxMessage: ...

    def changed(self, event: Event) -> OutboxMessage: ...

    def cancelled(self, event: Event) -> OutboxMessage: ...

    def reminder(self, event: Event, before: timedelta) -> OutboxMessage: ...

    def feedback(self, event: Event, round_id: int) -> OutboxMessage: ...


def prefix(event_id: int) -> str:
    """Every purpose of one event starts with this (``event:12:``)."""
    return f"event:{event_id}:"


def announcement(event_id: int) -> str:
    return f"{prefix(event_id)}announce"


def promoted(event_id: int, count: int) -> str:
    """The ``count``-th time a resident got a place from the waiting list."""
    return f"{prefix(event_id)}promoted:{count}"


def changed(event_id: int, sequence: int) -> str:
    return f"{prefix(event_id)}changed:{sequence}"


def cancelled(event_id: int) -> str:
    return f"{prefix(event_id)}cancelled"


def reminder(event_id: int, before: timedelta, starts_at: datetime) -> str:
    """One reminder of one start time: moving the event makes a new purpose."""
    return f"{prefix(event_id)}remind:{int(before.total_seconds())}:{int(starts_at.timestamp())}"
