"""How updates come in: kept in the inbox until handled, one user's strictly in order, and
nobody waiting behind anybody else's burst.

PTB confirms an update to Telegram (by asking for the next ones) long before its handler ends.
:class:`UpdateInbox` therefore keeps every fetched batch in the database before that happens
and marks each update handled when its handler is done; at start-up the unhandled ones (a crash
came first) are handled again, oldest first, before polling resumes. Handlers are written to be
replayed: an answer already stored is recognised as such.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from telegram import Bot, Update
from telegram._utils.types import JSONDict
from telegram.ext import BaseUpdateProcessor

from bot.ratelimit import ABANDONED
from surveys.store import InboxStore

log = logging.getLogger(__name__)


class UpdateInbox:
    """The bot's side of :class:`surveys.store.InboxStore`: Update objects in and out."""

    def __init__(self, store: InboxStore, bot: Bot, *, max_replays: int = 3) -> None:
        self._store = store
        self._bot = bot
        self.max_replays = max_replays

    async def keep(
        self,
        updates: Sequence[Update],
        offset: int | None,
        raw: Mapping[object, JSONDict] | None = None,
    ) -> tuple[Update, ...]:
        """Store a fetched batch; return the updates not seen before (Telegram re-sends a batch
        whose offset a crash kept it from confirming). ``raw`` holds the updates' JSON as
        Telegram sent it, by update id: stored as is, it saves re-serialising each Update."""
        if not updates:
            return ()
        raw = raw or {}
        rows = [
            (u.update_id, json.dumps(raw.get(u.update_id) or u.to_dict(), ensure_ascii=False))
            for u in updates
        ]
        fresh = await self._store.keep(rows, offset)
        return tuple(u for u in updates if u.update_id in fresh)

    async def handled(self, update: Update) -> None:
        await self._store.handled(update.update_id)

    async def replay(self, queue: asyncio.Queue[object]) -> int:
        """Put the updates a crash left unhandled back into ``queue``, oldest first.

        An update that was replayed ``max_replays`` times without being handled is dropped
        (logged by id): it takes the bot down every time it is handled.
        """
        count = 0
        for pending in await self._store.unhandled():
            if pending.replays > self.max_replays:
                log.error(
                    "update %d was never handled in %d tries; dropping it",
                    pending.update_id,
                    pending.replays - 1,
                )
                await self._store.handled(pending.update_id)
                continue
            update = Update.de_json(json.loads(pending.payload), self._bot)
            await queue.put(update)
            count += 1
        if count:
            log.warning("handling %d updates that a stop interrupted", count)
        return count


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Different users' updates concurrently, one user's strictly in order.

    PTB takes its concurrency slot *before* calling :meth:`do_process_update`, so with a
    per-user lock inside, one user's burst would hold every slot while waiting for its own
    lock. PTB's slots are therefore unlimited here, and ours are taken after the user's lock:
    a user occupies at most one slot, however many updates they send.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(sys.maxsize)
        self.slots = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self.inbox: UpdateInbox | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _ordering_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        abandoned: list[str] = []
        try:
            async with lock, self._slots:
                token = ABANDONED.set(abandoned)
                try:
                    await coroutine
                finally:
                    ABANDONED.reset(token)
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key], self._locks[key]
        if isinstance(update, Update):
            await self._mark_handled(update, abandoned)

    async def _mark_handled(self, update: Update, abandoned: list[str]) -> None:
        if self.inbox is None:
            return
        if abandoned:
            log.warning(
                "update %d: %s given up while stopping; it is handled again at the next start",
                update.update_id,
                ", ".join(abandoned),
            )
            return
        try:
            await self.inbox.handled(update)
        except Exception:
            log.exception("update %d: could not mark it handled", update.update_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _ordering_key(update: object) -> int:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return 0
