"""Exactly one bot process per database: an OS lock on a file beside it.

Two processes on one database would both drain the outbox (duplicate messages, twice
Telegram's rate) and each would take the other's in-flight rows for leftovers of a crash. The
lock is ``flock`` on ``<database>.lock``: the kernel releases it when the process ends in any
way, ``kill -9`` included, so a crash never leaves it stuck. The file records who holds it, for
the message the second process prints.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import datetime
from pathlib import Path
from types import TracebackType

from surveys.clock import utcnow


class AlreadyRunningError(Exception):
    """Another process runs the bot on this database; the message names it."""


class InstanceLock:
    """Held from :meth:`acquire` until :meth:`release` (or the end of the process)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> InstanceLock:
        """Take the lock or raise :class:`AlreadyRunningError` at once (never waits)."""
        if self._fd is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise AlreadyRunningError(
                f"another bot process is already running on {self.database} ({holder}); "
                "stop it first, or point this one at another database"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(_holder_record(utcnow())).encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.ftruncate(fd, 0)
            os.close(fd)  # closing the only descriptor releases the flock

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _holder_record(started: datetime) -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": started.isoformat(timespec="seconds"),
    }


def _read_holder(fd: int) -> str:
    """ "pid 123 on host, started 2026-..." from the lock file, as far as it can be read."""
    try:
        record = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {record['pid']} on {record['host']}, started {record['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "its details are unknown"
