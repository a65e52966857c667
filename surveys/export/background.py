"""Writes handed to a thread, so deflating overlaps with formatting the next rows.

A zip entry compresses each write with zlib, which releases the interpreter lock while it
works (about half of the XLSX writer's time for the raw answers): in a thread of its own it
runs on a second core while the export formats the next batch of rows. At most ``depth``
batches wait, so memory stays bounded; an error in the thread is raised by the next write or
by :meth:`BackgroundWriter.close`.
"""

from __future__ import annotations

import queue
import threading
from typing import IO

__all__ = ["BackgroundWriter"]


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
