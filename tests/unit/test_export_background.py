"""Writes handed to a thread (surveys.export.background): order kept, errors surfaced."""

from __future__ import annotations

import io

import pytest

from surveys.export.background import BackgroundWriter


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
