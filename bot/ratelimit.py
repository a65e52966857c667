"""Every Bot API request passes here: the send budget, and retries until sent or useless.

PTB retries nothing by itself: a 429, a 5xx or a dropped connection would lose a reply. This
limiter (PTB's ``BaseRateLimiter`` hook, so it sees every request of the bot) does three things:

- message sends draw from the shared :class:`~bot.budget.SendBudget`; a reply takes the next
  slot, the outbox worker (``rate_limit_args={"lane": "bulk"}``) only a slot no reply wants;
- a failed reply (a request made while handling an update) is retried until it is sent or
  can no longer be useful: after ``retry_after`` on a 429 (that request only, never the bot's
  other replies), with backoff after a network error or a 5xx; a callback answer is worthless
  after :data:`CALLBACK_ANSWER_LIFETIME` seconds (then it is dropped quietly: the update goes
  on), a message is not, so only stopping the bot ends its retries. Other requests (start-up
  calls, notices to staff) get ``max_retries`` retries;
- a request whose fate is unknown (Telegram got it but the answer timed out, see
  :func:`outcome_unknown`) is re-sent only if repeating it is harmless: a second
  ``sendMessage`` would be a second message.

The outbox worker passes ``"retry": False``: it reschedules by itself, through the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import BaseRateLimiter

from bot.budget import Lane, SendBudget

log = logging.getLogger(__name__)

RateLimitArgs = dict[str, Any]
CALLBACK_ANSWER_LIFETIME = 15.0
# Methods that create something each time they are called; all others can be repeated.
NOT_IDEMPOTENT_PREFIXES = ("send", "copyMessage", "forwardMessage")
# Sends that count against Telegram's messages-per-second limits.
UNCOUNTED_SENDS = frozenset({"sendChatAction"})


# Set by the update processor while it handles an update (so requests meanwhile are replies):
# the endpoints given up because the bot stopped.
ABANDONED: ContextVar[list[str] | None] = ContextVar("abandoned_requests", default=None)


class RequestAbandonedError(NetworkError):
    """The bot is stopping: a request still being retried is given up."""


class RetryingRateLimiter(BaseRateLimiter[RateLimitArgs]):
    def __init__(
        self,
        budget: SendBudget | None = None,
        *,
        max_retries: int = 3,
        network_backoff: float = 0.5,
        max_backoff: float = 30.0,
        callback_lifetime: float = CALLBACK_ANSWER_LIFETIME,
    ) -> None:
        self.budget = budget or SendBudget(28.0)
        self.max_retries = max_retries
        self.network_backoff = network_backoff
        self.max_backoff = max_backoff
        self.callback_lifetime = callback_lifetime
        self._stopping = asyncio.Event()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def stop_retrying(self) -> None:
        """Called when the bot stops: requests waiting for a retry give up at once."""
        self._stopping.set()

    def resume(self) -> None:
        """Retry again (the same bot object started once more, as in tests)."""
        self._stopping.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: RateLimitArgs | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        options = rate_limit_args or {}
        lane: Lane = "bulk" if options.get("lane") == "bulk" else "reply"
        retry = options.get("retry", True) is not False
        reply = ABANDONED.get() is not None
        counted = is_counted_send(endpoint)
        deadline = (
            time.monotonic() + self.callback_lifetime if endpoint == "answerCallbackQuery" else None
        )
        attempt = 0
        while True:
            if counted:
                await self.budget.turn(lane)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_seconds(exc.retry_after)
                self.budget.pause_bulk(wait)
                if not retry:
                    raise
                log.info("%s: flood control, retrying in %.1f s", endpoint, wait)
                error: TelegramError = exc
            except BadRequest as exc:
                if attempt and endpoint == "answerCallbackQuery" and "too old" in exc.message:
                    return True  # our earlier attempt may have answered it; nothing is left
                raise
            except (Forbidden, InvalidToken, Conflict, ChatMigrated):
                raise
            except NetworkError as exc:
                if not retry or (outcome_unknown(exc) and not is_idempotent(endpoint)):
                    raise
                wait = min(self.network_backoff * 2**attempt, self.max_backoff)
                log.info("%s: %s, retrying in %.1f s", endpoint, exc, wait)
                error = exc
            if deadline is not None and time.monotonic() + wait > deadline:
                # The spinner has stopped by itself: failing the update would gain nothing.
                log.warning("%s: given up, the answer is no use any more: %s", endpoint, error)
                return True
            if not reply and attempt >= self.max_retries:
                raise error
            attempt += 1
            if not await self._pause(wait):
                record = ABANDONED.get()
                if record is not None:
                    record.append(endpoint)
                raise RequestAbandonedError(f"{endpoint}: the bot is stopping; last error: {error}")

    async def _pause(self, seconds: float) -> bool:
        """Sleep before a retry; False if the bot started stopping meanwhile."""
        if self._stopping.is_set():
            return False
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return True
        return False


def is_counted_send(endpoint: str) -> bool:
    """A request that puts a message into a chat (what Telegram's 30/s limit counts)."""
    return endpoint.startswith(NOT_IDEMPOTENT_PREFIXES) and endpoint not in UNCOUNTED_SENDS


def is_idempotent(endpoint: str) -> bool:
    """Repeating the request leaves the chat as one request would (edits, answers, reads)."""
    return not endpoint.startswith(NOT_IDEMPOTENT_PREFIXES) or endpoint in UNCOUNTED_SENDS


def outcome_unknown(exc: BaseException) -> bool:
    """Telegram received the whole request but its answer never came: it may have been done.

    Only a read timeout means that. A refused or dropped connection, a connect, write or pool
    timeout, a 5xx: the request was not (completely) received or not carried out.
    """
    return isinstance(exc, TimedOut) and isinstance(exc.__cause__, httpx.ReadTimeout)


def retry_seconds(retry_after: int | timedelta) -> float:
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)
