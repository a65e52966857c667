"""The shared clock: tests and the sandbox move it forward; it never runs backwards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from surveys.clock import CLOCK, utcnow


def test_advance_moves_utcnow_forward() -> None:
    """If the clock is advanced by a day, then utcnow() is at least a day later."""
    before = utcnow()
    CLOCK.advance(timedelta(days=1))
    assert utcnow() - before >= timedelta(days=1)
    assert CLOCK.offset == timedelta(days=1)


def test_clock_refuses_to_go_back() -> None:
    """If asked to move backwards, then the clock refuses and keeps its offset."""
    CLOCK.advance(timedelta(hours=2))
    with pytest.raises(ValueError):
        CLOCK.advance(timedelta(hours=-1))
    assert CLOCK.offset == timedelta(hours=2)


def test_reset_returns_to_the_system_clock() -> None:
    """If the clock is reset, then the offset is gone."""
    CLOCK.advance(timedelta(minutes=5))
    CLOCK.reset()
    assert CLOCK.offset == timedelta(0)
