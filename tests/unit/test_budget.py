"""The send budget: one pace for the whole bot, replies first, broadcasts yield."""

from __future__ import annotations

import asyncio

import pytest

from bot.budget import Lane, SendBudget


async def _order(budget: SendBudget, lanes: list[Lane]) -> list[str]:
    done: list[str] = []

    async def send(lane: Lane, n: int) -> None:
        await budget.turn(lane)
        done.append(f"{lane}{n}")

    await asyncio.gather(*(send(lane, n) for n, lane in enumerate(lanes)))
    return done


async def test_replies_go_before_waiting_broadcasts() -> None:
    """If broadcast sends and replies wait for the budget together, then every reply goes out
    before every broadcast send that had to wait (the first took the free slot)."""
    lanes: list[Lane] = ["bulk"] * 4 + ["reply"] * 4
    done = await _order(SendBudget(50.0), lanes)
    assert done[0] == "bulk0"
    assert set(done[1:5]) == {"reply4", "reply5", "reply6", "reply7"}
    assert set(done[5:]) == {"bulk1", "bulk2", "bulk3"}


async def test_sends_are_spaced_at_the_rate() -> None:
    """If ten sends wait together, then they take at least nine intervals in all."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    await _order(SendBudget(100.0), ["reply"] * 5 + ["bulk"] * 5)
    assert loop.time() - start >= 9 / 100.0 - 0.005


async def test_a_pause_holds_broadcasts_only() -> None:
    """If Telegram asked for a pause, then replies still go at once while broadcasts wait."""
    budget = SendBudget(1000.0)
    budget.pause_bulk(0.3)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await budget.turn("reply")
    assert loop.time() - start < 0.25
    done = await _order(budget, ["bulk", "reply"])
    assert done == ["reply1", "bulk0"]
    assert loop.time() - start >= 0.3


def test_rate_must_be_positive() -> None:
    """If the rate is not positive, then the budget refuses it."""
    with pytest.raises(ValueError, match="positive"):
        SendBudget(0)


class _LateClock:
    """A fake clock whose every sleep overshoots by ``late`` seconds, as a busy loop's does."""

    def __init__(self, late: float) -> None:
        self.now = 0.0
        self.late = late

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0) + self.late
        await asyncio.sleep(0)


async def test_late_wake_ups_do_not_slow_a_broadcast_down() -> None:
    """If every sleep wakes 3 ms late, then 280 broadcast sends at 28/s still take about 10 s
    (not 10.8 s), and no one-second window holds more than the rate plus one send."""
    clock = _LateClock(late=0.003)
    budget = SendBudget(28.0, clock=clock.time, sleep=clock.sleep)
    sent = []
    for _ in range(280):
        await budget.turn("bulk")
        sent.append(clock.now)
    assert sent[-1] - sent[0] < 279 / 28.0 + 0.05
    for i, moment in enumerate(sent):
        assert sum(1 for later in sent[i:] if later < moment + 1.0) <= 29
