"""Event test tools: plain-text event messages that name what they are, for reading the outbox."""

from __future__ import annotations

from datetime import timedelta

from surveys.events.models import Event
from surveys.models import OutboxMessage


class TextMessages:
    """An EventMessages whose texts say what they are (``announce 3 seq 0 at Hall``)."""

    def announcement(self, event: Event) -> OutboxMessage:
        return OutboxMessage(text=f"announce {event.id} seq {event.sequence} at {event.place}")

    def promoted(self, event: Event) -> OutboxMessage:
        return OutboxMessage(text=f"promoted {event.id}")

    def changed(self, event: Event) -> OutboxMessage:
        return OutboxMessage(text=f"changed {event.id} seq {event.sequence}")

    def cancelled(self, event: Event) -> OutboxMessage:
        return OutboxMessage(text=f"cancelled {event.id}")

    def reminder(self, event: Event, before: timedelta) -> OutboxMessage:
        return OutboxMessage(text=f"remind {event.id} {before} at {event.place}")

    def feedback(self, event: Event, round_id: int) -> OutboxMessage:
        return OutboxMessage(text=f"feedback {event.id} round {round_id}")
