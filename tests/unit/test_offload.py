"""Work in a low-priority child process (surveys.offload): results, errors, clock, death."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from surveys.clock import CLOCK, utcnow
from surveys.offload import ChildProcessError, in_child_process


def _niceness_and_pid() -> tuple[int, int]:
    return os.nice(0), os.getpid()


async def test_result_comes_back_from_a_lower_priority_process() -> None:
    """If a function runs in a child, then its result comes back, computed in another process
    at a lower priority than the caller's."""
    niceness, pid = await in_child_process(_niceness_and_pid)
    assert pid != os.getpid()
    assert niceness >= os.nice(0) + 10 or niceness == 19


async def test_the_childs_error_is_raised_in_the_caller() -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        await in_child_process(int, "not a number")


async def test_the_child_starts_with_the_callers_now() -> None:
    """If the caller's clock was moved forward (tests, the sandbox), then the child's now is
    the caller's, not the system's."""
    CLOCK.advance(timedelta(days=40))
    before = utcnow()
    theirs = await in_child_process(utcnow)
    assert before <= theirs <= utcnow()


async def test_a_child_that_dies_is_reported() -> None:
    with pytest.raises(ChildProcessError, match="exit code 3"):
        await in_child_process(os._exit, 3)
