"""A rate limiter for interactive replies: obey Telegram's ``retry_after`` and survive a blip.

PTB retries nothing by itself: a 429 or a dropped connection would lose a reply. This limiter
retries only the request that failed (not every request of the bot, unlike AIORateLimiter),
after exactly the wait Telegram asked for, so one busy chat never stalls the others. The
delivery worker passes ``rate_limit_args={"retry": False}`` because it reschedules by itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

RateLimitArgs = dict[str, Any]


class RetryingRateLimiter(BaseRateLimiter[RateLimitArgs]):
    def __init__(self, max_retries: int = 3, network_backoff: float = 0.5) -> None:
        self.max_retries = max_retries
        self.network_backoff = network_backoff

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: RateLimitArgs | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        retries = (
            0 if rate_limit_args and rate_limit_args.get("retry") is False else self.max_retries
        )
        attempt = 0
        while True:
            try:
                return await callback(*args, **kwargs)
            except (BadRequest, Forbidden, InvalidToken):
                raise
            except RetryAfter as exc:
                if attempt >= retries:
                    raise
                wait = retry_seconds(exc.retry_after)
                log.info("%s: flood control, retrying in %.1f s", endpoint, wait)
            except NetworkError as exc:
                if attempt >= retries:
                    raise
                wait = self.network_backoff * 2**attempt
                log.info("%s: %s, retrying in %.1f s", endpoint, exc, wait)
            attempt += 1
            await asyncio.sleep(wait)


def retry_seconds(retry_after: int | timedelta) -> float:
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)
