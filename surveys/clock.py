"""The process's notion of now, and UTC timestamps as stored in the database.

Every part of the project asks :func:`utcnow` for the time, never ``datetime.now``: tests and the
sandbox's demo panel move :data:`CLOCK` forward to see reminders, closings and overdue reports
happen in seconds instead of days. ISO 8601 UTC text sorts chronologically in SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """The system clock plus an offset that only ever grows (time never runs backwards)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, by: timedelta) -> datetime:
        """Jump forward by ``by`` and return the new now; a negative step is refused."""
        if by < timedelta(0):
            raise ValueError("the clock only moves forward")
        self._offset += by
        return self.now()

    def reset(self) -> None:
        """Back to the system clock (between tests)."""
        self._offset = timedelta(0)


CLOCK = Clock()


def utcnow() -> datetime:
    return CLOCK.now()


def to_db(moment: datetime) -> str:
    """Store a moment as UTC ISO 8601; a naive datetime is a programming error."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach a time zone before storing")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str) -> datetime:
    return datetime.fromisoformat(text)


def now_db() -> str:
    return to_db(utcnow())
