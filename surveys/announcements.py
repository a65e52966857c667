"""Announcements from the partnership to every registered resident, through the outbox.

An announcement is previewed first (with the number of residents it reaches) and held as a
draft; Send queues exactly what was previewed, Cancel drops it.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys import purposes
from surveys.errors import RefusedError, StaleActionError
from surveys.messages import Lengths, ensure_fits
from surveys.models import OutboxMessage, Role
from surveys.store import Store

KIND = "announce"


@dataclass(frozen=True)
class AnnouncementPreview:
    key: int  # the id of the command's message: Send queues it once, whatever happens
    message: OutboxMessage
    audience: int


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

    async def preview(self, user_id: int, key: int, text: str) -> AnnouncementPreview:
        """Check the text, count who it reaches, and hold it until Send or Cancel."""
        message = self.message(text)
        audience = await self._store.outbox.count_audience()
        if not audience:
            raise RefusedError("announce_nobody")
        await self._store.drafts.put(
            user_id, KIND, "confirm", {"key": key, "message": message.model_dump()}
        )
        return AnnouncementPreview(key, message, audience)

    async def send(self, user_id: int, key: int, *, role: Role) -> int:
        """Queue the previewed announcement for every registered resident; how many."""
        message = await self._take(user_id, key)
        queued = await self._store.outbox.enqueue_audience(
            purposes.announcement(user_id, key), message
        )
        await self._store.audit.record(
            role=role,
            user_id=user_id,
            action="announce.send",
            allowed=True,
            detail={"queued": queued},
        )
        return queued

    async def cancel(self, user_id: int, key: int) -> None:
        await self._take(user_id, key)

    async def _take(self, user_id: int, key: int) -> OutboxMessage:
        draft = await self._store.drafts.get(user_id, KIND)
        if draft is None or draft[1].get("key") != key:
            raise StaleActionError("no announcement preview with this key")
        await self._store.drafts.delete(user_id, KIND)
        return OutboxMessage.model_validate(draft[1]["message"])
