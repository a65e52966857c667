"""Announcements from the partnership to every registered resident, through the outbox."""

from __future__ import annotations

from surveys.errors import RefusedError
from surveys.messages import Lengths, ensure_fits
from surveys.models import OutboxMessage
from surveys.store import Store


class Announcements:
    def __init__(self, store: Store, community: str, lengths: Lengths) -> None:
        self._store = store
        self._community = community
        self._lengths = lengths

    def message(self, text: str) -> OutboxMessage:
        """The announcement as queued (rendered per recipient's language by the worker);
        refused when empty or too long for Telegram in any language."""
        if not text.strip():
            raise RefusedError("announce_usage")
        message = OutboxMessage(
            text_key="announcement", params={"community": self._community, "text": text.strip()}
        )
        ensure_fits(message, self._lengths, code="announce_too_long")
        return message

    async def queue(self, key: str, text: str) -> int:
        """Queue ``text`` for every registered resident; ``key`` (one per command message)
        makes a redelivered update harmless. Returns how many were queued."""
        return await self._store.outbox.enqueue_audience(f"announce:{key}", self.message(text))
