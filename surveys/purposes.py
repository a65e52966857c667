"""Every purpose under which a message is queued, and the patterns that match them.

A queued row is unique per (purpose, recipient), so the purpose is what keeps a resident from
getting the same invitation, reminder or notice twice. The stores match purposes by prefix (a
cancelled round drops its reminders, an edited event its pending notices), so the spelling lives
here once: builders for each purpose and, beside them, the LIKE patterns and prefixes the SQL
binds as parameters. Nothing else spells a purpose.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# -- rounds --------------------------------------------------------------------------------

INVITE_PREFIX = "invite:"
"""A round's invitations are ``invite:<round id>``; SQL joins rounds with ``? || r.id``."""


def invite(round_id: int) -> str:
    """A round's invitations: one row per invited resident."""
    return f"{INVITE_PREFIX}{round_id}"


def reminder(round_id: int, index: int) -> str:
    """The ``index``-th reminder of a round (0 is the first)."""
    return f"remind:{round_id}:{index}"


def reminders(round_id: int) -> str:
    """LIKE pattern of every reminder of a round."""
    return f"remind:{round_id}:%"


def digest(round_id: int) -> str:
    """ "You said, we did": one digest per participant and round."""
    return f"digest:{round_id}"


# -- announcements -------------------------------------------------------------------------


def announcement(user_id: int, key: int) -> str:
    """One announcement of one staff member (``key`` is the draft's)."""
    return f"announce:{user_id}:{key}"


# -- concern reports -----------------------------------------------------------------------


def report_update(report_id: int, history_id: int) -> str:
    """A report's change told to its reporter and followers."""
    return f"report:{report_id}:{history_id}"


def report_followup(report_id: int, cycle: int) -> str:
    """ "Has this been fixed?" once per resolution (``cycle`` counts reopenings)."""
    return f"report-followup:{report_id}:{cycle}"


def report_notice(kind: str, report_id: int, detail: str | int) -> str:
    """A notice to a staff chat or partner group (the ``report_notices`` queue, unique per
    purpose and chat); ``detail`` tells notices of the same kind apart."""
    return f"{kind}:{report_id}:{detail}"


# -- community events ----------------------------------------------------------------------


def event_prefix(event_id: int) -> str:
    """Every purpose of one event starts with this (``event:12:``)."""
    return f"event:{event_id}:"


def event_all(event_id: int) -> str:
    """LIKE pattern of every message about one event."""
    return f"{event_prefix(event_id)}%"


def event_announcement(event_id: int) -> str:
    return f"{event_prefix(event_id)}announce"


def event_promoted(event_id: int, count: int) -> str:
    """The ``count``-th time a resident got a place from the waiting list."""
    return f"{event_prefix(event_id)}promoted:{count}"


def event_changed(event_id: int, sequence: int) -> str:
    return f"{event_prefix(event_id)}changed:{sequence}"


def event_changes(event_id: int) -> str:
    """LIKE pattern of every change notice of one event."""
    return f"{event_prefix(event_id)}changed:%"


def event_cancelled(event_id: int) -> str:
    return f"{event_prefix(event_id)}cancelled"


def event_reminder(event_id: int, before: timedelta, starts_at: datetime) -> str:
    """One reminder of one start time: moving the event makes a new purpose."""
    return (
        f"{event_prefix(event_id)}remind:{int(before.total_seconds())}:{int(starts_at.timestamp())}"
    )


def event_reminders(event_id: int) -> str:
    """LIKE pattern of every reminder of one event, whatever its start time."""
    return f"{event_prefix(event_id)}remind:%"


def event_reminder_seconds(purpose: str) -> int:
    """How many seconds before the start an :func:`event_reminder` purpose reminds."""
    return int(purpose.split(":")[3])
