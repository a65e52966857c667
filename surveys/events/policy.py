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
    # configured partner organisations, id -> name: an event may name one by either
    partners: dict[str, str] = field(default_factory=dict)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def partner_name(self, given: str | None) -> str | None:
        """A configured partner's name when ``given`` is its id or (any case) its name, so
        per-partner figures group one organisation under one name; other text as given."""
        if not given:
            return None
        if given in self.partners:
            return self.partners[given]
        by_name = {name.casefold(): name for name in self.partners.values()}
        return by_name.get(given.casefold(), given)
