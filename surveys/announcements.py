"""Announcements from the partnership to every registered resident, through the outbox."""

from __future__ import annotations

from surveys.errors import RefusedError
from surveys.models import OutboxMessage
from surveys.store import Store


class Announcements:
    def __init__(self, store: Store, community: str) -> None:
        self._store = store
        self._community = community

    def message(self, text: str) -> OutboxMessage:
        """The announcement as queued (rendered per recipient's language by the worker)."""
        if not text.strip():
            raise RefusedError("announce_usage")
        return OutboxMessage(
            text_key="announcement", params={"community": self._community, "text": text.strip()}
        )

    async def queue(self, key: str, text: str) -> int:
        """Queue ``text`` for every registered resident; ``key`` (one per command message)
        makes a redelivered update harmless. Returns how many were queued."""
        return await self._store.outbox.enqueue_audience(f"announce:{key}", self.message(text))
