"""What an event tells residents.

The domain decides *when* and *to whom*; the bot decides the words (:class:`EventMessages` is
implemented in ``bot/``, so texts stay in the message catalogue). Each message is queued under a
purpose of :mod:`surveys.purposes`, unique per resident in the outbox, so none of these can reach
a resident twice.
"""

from __future__ import annotations

from datetime import timedelta
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
