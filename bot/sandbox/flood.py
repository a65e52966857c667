"""Telegram-like flood control: token buckets overall, per chat and per group.

Telegram does not publish exact limits; its FAQ says about 30 messages/s overall, no more than
one per second in a chat (short bursts tolerated) and 20 per minute in a group. The emulator
enforces those numbers by default so a bot that would be throttled in production is throttled in
tests, with the same ``429 Too Many Requests: retry after N`` answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FloodControl", "FloodLimits"]


@dataclass(frozen=True)
class FloodLimits:
    """Rates enforced on the send methods; ``enabled=False`` switches flood control off."""

    overall_per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20
    enabled: bool = True


@dataclass
class _Bucket:
    tokens: float
    stamp: float

    def wait(self, now: float, rate: float, capacity: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        if rate > 0:
            self.tokens = min(capacity, self.tokens + (now - self.stamp) * rate)
        self.stamp = now
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / rate if rate > 0 else math.inf


class FloodControl:
    """Decides whether a send may go out now; consumes tokens only for sends that do."""

    def __init__(self, limits: FloodLimits, clock: Callable[[], float]) -> None:
        self._limits = limits
        self._clock = clock
        self._overall: _Bucket | None = None
        self._chats: dict[int, _Bucket] = {}
        self._groups: dict[int, _Bucket] = {}

    @property
    def limits(self) -> FloodLimits:
        """Current limits; assigning new ones starts every bucket afresh."""
        return self._limits

    @limits.setter
    def limits(self, limits: FloodLimits) -> None:
        self._limits = limits
        self._overall = None
        self._chats.clear()
        self._groups.clear()

    def acquire(self, chat_id: int) -> int:
        """Take a send slot for ``chat_id``; return 0, or the whole seconds to wait (>= 1)."""
        limits = self._limits
        if not limits.enabled:
            return 0
        now = self._clock()
        overall_capacity = max(1.0, limits.overall_per_second)
        if self._overall is None:
            self._overall = _Bucket(overall_capacity, now)
        chat_capacity = float(max(1, limits.per_chat_burst))
        chat = self._chats.setdefault(chat_id, _Bucket(chat_capacity, now))
        checks = [
            (self._overall, limits.overall_per_second, overall_capacity),
            (chat, limits.per_chat_per_second, chat_capacity),
        ]
        if chat_id < 0:
            group_capacity = float(max(1, limits.per_group_per_minute))
            group = self._groups.setdefault(chat_id, _Bucket(group_capacity, now))
            checks.append((group, limits.per_group_per_minute / 60.0, group_capacity))
        wait = max(bucket.wait(now, rate, capacity) for bucket, rate, capacity in checks)
        if wait > 0:
            return max(1, math.ceil(min(wait, 3600.0)))
        for bucket, _, _ in checks:
            bucket.tokens -= 1
        return 0
