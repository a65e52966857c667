"""The community's rules for events, from the configuration (``[events]`` and friends)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from surveys.quiet import QuietHours


@dataclass(frozen=True)
class EventPolicy:
    zone: ZoneInfo
    languages: list[str]
    community: str = ""
    reminders: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
    quiet_reminders_from: timedelta = timedelta(hours=12)
    quiet: QuietHours | None = None
    feedback_survey: str = "event-feedback"
    feedback_delay: timedelta = timedelta(hours=1)
    feedback_open_for: timedelta = timedelta(days=7)
    feedback_reminders: tuple[timedelta, ...] = field(default=(timedelta(days=3),))

    @property
    def default_language(self) -> str:
        return self.languages[0]
