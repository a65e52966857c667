"""The outbox worker: the one path for every message sent to many chats.

It drains ``outbox`` under Telegram's limits: its sends draw from the bot's shared send budget
in the broadcast lane (so replies to residents go first and a 429 pauses the broadcast), at most
one message per chat per second; residents who blocked the bot are marked unreachable, network
errors and 5xx are retried with backoff, and a row Telegram accepted is never sent again.

``max_attempts`` counts real send attempts only: a row deferred by pacing, a 429 or a restart
keeps its tries. A row given up on is ``failed`` and reported to the coordinators by
:class:`bot.failures.FailureNotices`; ``feedbackbot delivery status`` lists it.

Guarantee: a row is marked ``sending`` (committed) before its request and ``sent`` right after
Telegram's answer. After a crash, rows still ``sending`` go back to ``pending``: at most the
requests that were in flight (``concurrency``) can be delivered twice, and nothing is lost. When
Telegram's answer to a send is lost after it received the request (a read timeout), the row is
marked sent but unconfirmed rather than sent again.
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
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.failures import FailureNotices
from bot.keyboards import outbox_keyboard
from bot.ratelimit import outcome_unknown, retry_seconds
from bot.texts import Catalogue
from surveys.clock import utcnow
from surveys.models import OutboxItem
from surveys.store import Store

log = logging.getLogger(__name__)
AttachmentSource = Callable[[str, str], Awaitable[tuple[str, bytes]]]

UNREACHABLE_BAD_REQUESTS = ("chat not found", "user not found", "chat_id is empty")


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the outbox is drained; ``rate_per_second`` is the bot's whole send budget (replies
    included), see :class:`bot.budget.SendBudget`."""

    rate_per_second: float = 28.0
    per_chat_interval: float = 1.0
    concurrency: int = 8
    max_attempts: int = 8
    poll_interval: float = 1.0
    batch_size: int = 64
    max_backoff: float = 300.0


class DeliveryWorker:
    def __init__(
        self,
        bot: ExtBot[Any],
        store: Store,
        texts: Catalogue,
        policy: DeliveryPolicy | None = None,
        *,
        staff: list[int] | None = None,
    ) -> None:
        self._bot = bot
        self._store = store
        self._texts = texts
        self.policy = policy or DeliveryPolicy()
        self.notices = FailureNotices(bot, store, texts, staff or [])
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
        self.notices.start()

    async def stop(self) -> None:
        """Finish the requests in flight, then stop; unclaimed rows wait for the next start."""
        if self._task is None:
            return
        await self.notices.stop()
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
                item.id, utcnow() + timedelta(seconds=delay), "per-chat pacing", attempted=False
            )
            return
        await self._slots.acquire()
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
            # the broadcast lane of the send budget; the outbox reschedules by itself
            bulk = {"lane": "bulk", "retry": False}
            if item.message.attachment:
                name, content = await self._attachment(item.message.attachment, item.language)
                message = await self._bot.send_document(
                    item.chat_id,
                    InputFile(content, filename=name),
                    caption=text,
                    reply_markup=markup,
                    rate_limit_args=bulk,
                )
            else:
                message = await self._bot.send_message(
                    item.chat_id, text, reply_markup=markup, rate_limit_args=bulk
                )
        except RetryAfter as exc:
            # The limiter has paused the broadcast lane; this row waits as long.
            seconds = retry_seconds(exc.retry_after)
            log.warning("delivery: flood control, broadcasts pause for %.0f s", seconds)
            await self._store.outbox.retry_later(
                item.id,
                utcnow() + timedelta(seconds=seconds),
                f"429 retry after {seconds:.0f}",
                attempted=False,
            )
        except Forbidden as exc:
            await self._unreachable(item, f"403 {exc.message}")
        except BadRequest as exc:
            if any(reason in exc.message.lower() for reason in UNREACHABLE_BAD_REQUESTS):
                await self._unreachable(item, f"400 {exc.message}")
            else:
                log.error("delivery: message %d refused: %s", item.id, exc.message)
                await self._fail(item, f"400 {exc.message}")
        except NetworkError as exc:
            if outcome_unknown(exc):
                log.warning("delivery: message %d probably sent, answer lost: %s", item.id, exc)
                await self._store.outbox.mark_sent(item.id, None, f"unconfirmed: {exc}")
            else:
                await self._retry_or_fail(item, f"{type(exc).__name__}: {exc}")
        except Exception as exc:
            log.exception("delivery: unexpected error for message %d", item.id)
            await self._fail(item, f"{type(exc).__name__}: {exc}")
        else:
            await self._store.outbox.mark_sent(item.id, message.message_id)
        finally:
            self._slots.release()

    async def _unreachable(self, item: OutboxItem, reason: str) -> None:
        await self._store.residents.mark_unreachable(item.resident_id, reason)
        await self._fail(item, reason)

    async def _fail(self, item: OutboxItem, reason: str) -> None:
        await self._store.outbox.mark_failed(item.id, reason)
        self.notices.failed()

    async def _retry_or_fail(self, item: OutboxItem, reason: str) -> None:
        attempts = item.attempts + 1  # this one included
        if attempts >= self.policy.max_attempts:
            log.error(
                "delivery: giving up on message %d after %d attempts: %s",
                item.id,
                attempts,
                reason,
            )
            await self._fail(item, reason)
            return
        backoff = min(2.0 ** (attempts - 1), self.policy.max_backoff)
        await self._store.outbox.retry_later(
            item.id, utcnow() + timedelta(seconds=backoff), reason, attempted=True
        )

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
