"""The outbox worker: the one path for every message sent to many chats.

It drains ``outbox`` under Telegram's limits (a global pace, default 28/s, and at most one
message per chat per second), honours ``retry_after`` on 429 for every send, marks residents who
blocked the bot as unreachable, retries network errors and 5xx with backoff, and never resends a
row Telegram accepted. Interactive replies do not pass through here, so they never queue behind a
broadcast.

Guarantee: a row is marked ``sending`` (committed) before its request and ``sent`` right after
Telegram's answer. After a crash, rows still ``sending`` go back to ``pending``: at most the
requests that were in flight (``concurrency``) can be delivered twice, and nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.keyboards import outbox_keyboard
from bot.ratelimit import retry_seconds
from bot.texts import Catalogue
from surveys.clock import utcnow
from surveys.models import OutboxItem
from surveys.store import Store

log = logging.getLogger(__name__)
AttachmentSource = Callable[[str, str], Awaitable[tuple[str, bytes]]]

UNREACHABLE_BAD_REQUESTS = ("chat not found", "user not found", "chat_id is empty")


@dataclass(frozen=True)
class DeliveryPolicy:
    rate_per_second: float = 28.0
    per_chat_interval: float = 1.0
    concurrency: int = 8
    max_attempts: int = 5
    poll_interval: float = 1.0
    batch_size: int = 64
    max_backoff: float = 300.0


class Pacer:
    """Spaces sends evenly at ``rate`` per second and pauses everything after a 429."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def wait_turn(self) -> None:
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next, self._paused_until)
            self._next = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)


class DeliveryWorker:
    def __init__(
        self, bot: ExtBot[Any], store: Store, texts: Catalogue, policy: DeliveryPolicy | None = None
    ) -> None:
        self._bot = bot
        self._store = store
        self._texts = texts
        self.policy = policy or DeliveryPolicy()
        self._pacer = Pacer(self.policy.rate_per_second)
        self._slots = asyncio.Semaphore(self.policy.concurrency)
        self._wake = asyncio.Event()
        self._last_send: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._sends: set[asyncio.Task[None]] = set()
        # kind -> (ref, language) -> (file name, bytes), for OutboxMessage.attachment
        self.attachments: dict[str, AttachmentSource] = {}

    async def start(self) -> None:
        released = await self._store.outbox.release_in_flight()
        if released:
            log.warning(
                "delivery: %d messages were in flight at the last stop; resending", released
            )
        self._task = asyncio.create_task(self._run(), name="delivery-worker")

    async def stop(self) -> None:
        """Finish the requests in flight, then stop; unclaimed rows wait for the next start."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        if self._sends:
            await asyncio.gather(*self._sends, return_exceptions=True)
        await self._store.outbox.release_in_flight()

    def wake(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                items = await self._store.outbox.claim_due(self.policy.batch_size, utcnow())
            except Exception:
                log.exception("delivery: cannot read the outbox; retrying")
                items = []
            if not items:
                await self._idle()
                continue
            for item in items:
                await self._dispatch(item)

    async def _idle(self) -> None:
        self._wake.clear()
        timeout = self.policy.poll_interval
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _dispatch(self, item: OutboxItem) -> None:
        last = self._last_send.get(item.chat_id)
        now = time.monotonic()
        if last is not None and now - last < self.policy.per_chat_interval:
            delay = self.policy.per_chat_interval - (now - last)
            await self._store.outbox.retry_later(
                item.id, utcnow() + timedelta(seconds=delay), "per-chat pacing"
            )
            return
        await self._slots.acquire()
        await self._pacer.wait_turn()
        self._remember_send(item.chat_id)
        task = asyncio.create_task(self._send(item))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    def _remember_send(self, chat_id: int) -> None:
        """Note the send for per-chat pacing; forget chats whose interval has passed, so the
        map stays small however many residents a broadcast reaches."""
        now = time.monotonic()
        if len(self._last_send) >= 4096:
            horizon = now - self.policy.per_chat_interval
            self._last_send = {c: t for c, t in self._last_send.items() if t > horizon}
        self._last_send[chat_id] = now

    async def _send(self, item: OutboxItem) -> None:
        try:
            text = self._render(item)
            markup = outbox_keyboard(self._texts, item.language, item.message, self._params(item))
            if item.message.attachment:
                name, content = await self._attachment(item.message.attachment, item.language)
                message = await self._bot.send_document(
                    item.chat_id,
                    InputFile(content, filename=name),
                    caption=text,
                    reply_markup=markup,
                    rate_limit_args={"retry": False},
                )
            else:
                message = await self._bot.send_message(
                    item.chat_id,
                    text,
                    reply_markup=markup,
                    rate_limit_args={"retry": False},  # the outbox reschedules by itself
                )
        except RetryAfter as exc:
            seconds = retry_seconds(exc.retry_after)
            self._pacer.pause(seconds)
            log.warning("delivery: flood control, pausing all sends for %.0f s", seconds)
            await self._store.outbox.retry_later(
                item.id, utcnow() + timedelta(seconds=seconds), f"429 retry after {seconds:.0f}"
            )
        except Forbidden as exc:
            await self._unreachable(item, f"403 {exc.message}")
        except BadRequest as exc:
            if any(reason in exc.message.lower() for reason in UNREACHABLE_BAD_REQUESTS):
                await self._unreachable(item, f"400 {exc.message}")
            else:
                log.error("delivery: message %d refused: %s", item.id, exc.message)
                await self._store.outbox.mark_failed(item.id, f"400 {exc.message}")
        except (NetworkError, TelegramError) as exc:
            await self._retry_or_fail(item, f"{type(exc).__name__}: {exc}")
        except Exception as exc:
            log.exception("delivery: unexpected error for message %d", item.id)
            await self._store.outbox.mark_failed(item.id, f"{type(exc).__name__}: {exc}")
        else:
            await self._store.outbox.mark_sent(item.id, message.message_id)
        finally:
            self._slots.release()

    async def _unreachable(self, item: OutboxItem, reason: str) -> None:
        await self._store.residents.mark_unreachable(item.resident_id, reason)
        await self._store.outbox.mark_failed(item.id, reason)

    async def _retry_or_fail(self, item: OutboxItem, reason: str) -> None:
        if item.attempts >= self.policy.max_attempts:
            log.error(
                "delivery: giving up on message %d after %d attempts: %s",
                item.id,
                item.attempts,
                reason,
            )
            await self._store.outbox.mark_failed(item.id, reason)
            return
        backoff = min(2.0 ** (item.attempts - 1), self.policy.max_backoff)
        await self._store.outbox.retry_later(item.id, utcnow() + timedelta(seconds=backoff), reason)

    async def _attachment(self, attachment: str, language: str) -> tuple[str, bytes]:
        """(file name, content) of a ``kind:ref`` attachment, made now from current data."""
        kind, _, ref = attachment.partition(":")
        source = self.attachments.get(kind)
        if source is None:
            raise ValueError(f"no source for attachments of kind {kind!r}")
        return await source(ref, language)

    def _params(self, item: OutboxItem) -> dict[str, object]:
        return self._texts.params_of(item.language, item.message)

    def _render(self, item: OutboxItem) -> str:
        return self._texts.render(item.language, item.message)
