"""UTC timestamps as stored in the database (ISO 8601 text sorts chronologically)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime) -> str:
    """Store a moment as UTC ISO 8601; a naive datetime is a programming error."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach a time zone before storing")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str) -> datetime:
    return datetime.fromisoformat(text)


def now_db() -> str:
    return to_db(utcnow())
