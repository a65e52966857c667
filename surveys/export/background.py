"""Reads and writes handed to threads, so SQLite and zlib work beside the formatting.

SQLite (stepping a query) and zlib (deflating a zip entry) release the interpreter lock
while they work. A raw export spends about a third of its time in each of reading rows,
formatting them and (for XLSX) deflating: in threads of their own, reading and deflating run
on a second core while the export formats rows. At most ``depth`` chunks wait in either
direction, so memory stays bounded; an error in a thread is raised where its result is used.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from contextlib import suppress
from typing import IO, TypeVar, cast

__all__ = ["BackgroundWriter", "read_ahead"]

T = TypeVar("T")
_END = object()


class BackgroundWriter:
    """``write`` returns at once; ``close`` waits until everything is written (it does not
    close ``target``)."""

    def __init__(self, target: IO[bytes], depth: int = 4) -> None:
        self._queue: queue.Queue[bytes | None] = queue.Queue(depth)
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(
            target=self._run, args=(target,), name="export-writer", daemon=True
        )
        self._thread.start()

    def _run(self, target: IO[bytes]) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is None:
                try:
                    target.write(chunk)
                except BaseException as error:
                    self._error = error

    def write(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(chunk)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def read_ahead(source: Iterable[T], depth: int = 4) -> Generator[T, None, None]:
    """``source``'s items, produced by a thread of its own up to ``depth`` items ahead.

    The thread alone iterates ``source`` (a database cursor may be used by one thread at a
    time): when the consumer stops early or fails, the thread is told to stop and joined
    before this generator returns, so the caller may close what ``source`` reads from.
    """
    items: queue.Queue[object] = queue.Queue(depth)
    stop = threading.Event()
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            for item in source:
                if stop.is_set():
                    return
                items.put(item)
        except BaseException as error:
            failure.append(error)
        finally:
            items.put(_END)

    thread = threading.Thread(target=produce, name="export-reader", daemon=True)
    thread.start()
    try:
        while (item := items.get()) is not _END:
            yield cast(T, item)
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting for room
            with suppress(queue.Empty):
                items.get(timeout=0.05)
        thread.join()
    if failure:
        raise failure[0]
