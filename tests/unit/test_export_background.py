"""Reads and writes handed to threads (surveys.export.background): order kept, errors
surfaced, and a reader that is left early stops before its caller goes on."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import pytest

from surveys.export.background import BackgroundWriter, read_ahead


def test_every_chunk_arrives_in_order() -> None:
    """If many chunks are written, then the target holds them all, in order, after close."""
    target = io.BytesIO()
    out = BackgroundWriter(target, depth=2)
    chunks = [f"<row r={n}/>".encode() for n in range(5000)]
    for chunk in chunks:
        out.write(chunk)
    out.close()
    assert target.getvalue() == b"".join(chunks)


class _Broken(io.BytesIO):
    def write(self, data: bytes) -> int:  # type: ignore[override]
        raise OSError(28, "No space left on device")


def test_an_error_in_the_thread_reaches_the_writer() -> None:
    """If the target fails (a full disk), then close raises that error, not a silent loss."""
    out = BackgroundWriter(_Broken())
    out.write(b"x")
    with pytest.raises(OSError, match="No space left"):
        out.close()


def test_read_ahead_gives_every_item_in_order_from_another_thread() -> None:
    """If a source is read ahead, then the consumer gets all its items in order, and the
    source was iterated by a thread other than the consumer's."""
    threads = set()

    def source() -> Iterator[int]:
        for n in range(10_000):
            threads.add(threading.get_ident())
            yield n

    assert list(read_ahead(source(), depth=3)) == list(range(10_000))
    assert threads and threading.get_ident() not in threads


def test_an_error_in_the_reader_reaches_the_consumer_after_the_items_before_it() -> None:
    """If the source fails mid-way (a broken database), then the consumer gets the items read
    before the failure and then the error itself, not a silently short export."""

    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError(5, "Input/output error")

    got = []
    with pytest.raises(OSError, match="Input/output error"):
        for item in read_ahead(source()):
            got.append(item)
    assert got == [1, 2]


def test_a_consumer_that_stops_early_stops_the_reader_before_it_goes_on() -> None:
    """If the consumer stops after a few items (the writer failed), then closing the stream
    returns only once the reader thread has stopped (so the caller may close the database it
    reads from), and the reader went at most ``depth`` items past what was consumed."""
    produced = []
    reader_threads: list[threading.Thread] = []

    def source() -> Iterator[int]:
        reader_threads.append(threading.current_thread())
        for n in range(1_000_000):
            produced.append(n)
            yield n

    stream = read_ahead(source(), depth=4)
    assert [next(stream) for _ in range(3)] == [0, 1, 2]
    stream.close()
    assert reader_threads and not reader_threads[0].is_alive()
    assert len(produced) <= 3 + 4 + 2  # consumed, queued, one in hand and one being checked
