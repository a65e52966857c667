"""One send budget per bot token: Telegram's ~30 messages/s, shared by replies and broadcasts.

Telegram counts every message a bot sends against one overall limit, whoever sent it. Replies to
residents and the outbox worker therefore draw from the same :class:`SendBudget`: sends are
spaced evenly at ``rate`` per second; a reply takes the next free slot at once, while a
broadcast send waits until no reply is waiting (the broadcast yields). A 429 pauses the
broadcast lane only: replies keep their slots and retry the one request Telegram refused.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Literal

Lane = Literal["reply", "bulk"]


class SendBudget:
    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._bulk_paused_until = 0.0
        self._replies_waiting = 0

    @property
    def replies_waiting(self) -> int:
        """Replies holding a slot that has not come yet."""
        return self._replies_waiting

    def pause_bulk(self, seconds: float) -> None:
        """Telegram asked us to slow down: broadcasts wait ``seconds``; replies do not."""
        self._bulk_paused_until = max(self._bulk_paused_until, self._clock() + seconds)

    async def turn(self, lane: Lane) -> None:
        """Wait until a send in ``lane`` may go out, and take that slot."""
        if lane == "reply":
            await self._reply_turn()
        else:
            await self._bulk_turn()

    async def _reply_turn(self) -> None:
        now = self._clock()
        start = max(now, self._next)
        self._next = start + self._interval
        if start <= now:
            return
        self._replies_waiting += 1
        try:
            await self._sleep(start - now)
        finally:
            self._replies_waiting -= 1

    async def _bulk_turn(self) -> None:
        while True:
            now = self._clock()
            ready = max(self._next, self._bulk_paused_until)
            if ready <= now and self._replies_waiting == 0:
                # The slot was ``ready``; a sleep that overshot it must not push every later
                # slot back (at 28/s, 2 ms late per send was 26/s), yet after an idle spell
                # the next send still waits at least half an interval.
                self._next = max(ready + self._interval, now + self._interval / 2)
                return
            # Re-check at the slot (a reply may take it meanwhile), or one interval on while
            # replies wait.
            await self._sleep(ready - now if ready > now else self._interval)
