"""CPU-heavy work in a low-priority child process, so the bot's residents never wait for it.

Writing an export of 100,000 answers is seconds of pure-Python CPU work. In a worker thread it
shares the interpreter lock with the bot's event loop, and each step of a resident's reply then
waits for the lock; in a child process at normal priority it still takes a core from the bot on
a small machine. The child here is a fresh interpreter (``python -m surveys.offload``: nothing
of the bot's state or threads is copied) that lowers its priority (``nice`` +10) before it
imports anything heavy, and starts with the parent's notion of now
(:data:`surveys.clock.CLOCK`, which tests and the sandbox move forward). The work and its
result travel pickled through the child's stdin and stdout; what the child prints goes to
stderr.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["ChildProcessError", "in_child_process"]

T = TypeVar("T")
NICENESS = 10


class ChildProcessError(RuntimeError):
    """The child process ended without a result (killed, out of memory)."""


async def in_child_process(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a low-priority child process; its result, or the error it raised.

    ``fn`` must be a module-level function, ``args`` and the result picklable. Cancelling
    kills the child; :class:`ChildProcessError` if the child died without an answer.
    """
    from surveys.clock import CLOCK

    payload = pickle.dumps((CLOCK.offset, fn, args))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        __name__,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        output, _ = await child.communicate(payload)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    if child.returncode != 0 or not output:
        raise ChildProcessError(f"the child process ended with exit code {child.returncode}")
    kind, value = pickle.loads(output)
    if kind == "error":
        raise value
    return value  # type: ignore[no-any-return]


def _serve() -> int:
    """The child: read the work from stdin, write ``("ok", result)`` or ``("error", error)``."""
    os.nice(NICENESS)
    results = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything the work prints goes to stderr, not into the result
    from surveys.clock import CLOCK

    clock, fn, args = pickle.loads(sys.stdin.buffer.read())
    CLOCK.advance(clock)
    try:
        outcome: tuple[str, object] = ("ok", fn(*args))
    except Exception as error:
        outcome = ("error", error)
    try:
        data = pickle.dumps(outcome)
    except Exception as error:
        data = pickle.dumps(("error", RuntimeError(f"{type(error).__name__}: {error}")))
    results.write(data)
    results.close()
    return 0


if __name__ == "__main__":
    sys.exit(_serve())
