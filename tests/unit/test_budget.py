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
