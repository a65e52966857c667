"""Events and answers to them as immutable pydantic models: what the store hands out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

EventStatus = Literal["active", "cancelled"]
RsvpChoice = Literal["going", "maybe", "cant"]
RsvpStatus = Literal["going", "maybe", "cant", "waiting"]
RSVP_CHOICES: tuple[RsvpChoice, ...] = ("going", "maybe", "cant")

TITLE_MAX = 100
PLACE_MAX = 200
DESCRIPTION_MAX = 1500
PARTNER_MAX = 80


def _one_line(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


OneLine = Annotated[str, BeforeValidator(_one_line)]
"""Text shown on one line (a place, a partner's name): runs of spaces and newlines collapse."""


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class EventText(_Row):
    """An event's title and description in one language."""

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)

    @field_validator("title", "description", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


class EventSpec(_Row):
    """What a coordinator asks for when creating an event (checked before it is stored).

    ``texts`` holds at least the community's default language; other languages fall back to it.
    """

    texts: dict[str, EventText] = Field(min_length=1)
    starts_at: datetime
    ends_at: datetime
    place: OneLine = Field(min_length=1, max_length=PLACE_MAX)
    area_ids: list[str] = Field(default_factory=list)
    capacity: int | None = Field(default=None, ge=1)
    partner: OneLine | None = Field(default=None, max_length=PARTNER_MAX)
    announce: bool = True

    @model_validator(mode="after")
    def _aware(self) -> EventSpec:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("event times must carry a time zone")
        return self


class EventChanges(_Row):
    """An edit: only the fields given change (``capacity=0`` removes the limit)."""

    texts: dict[str, EventText] = Field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: OneLine | None = Field(default=None, min_length=1, max_length=PLACE_MAX)
    capacity: int | None = Field(default=None, ge=0)
    partner: OneLine | None = Field(default=None, max_length=PARTNER_MAX)

    @property
    def empty(self) -> bool:
        return not self.model_dump(exclude_defaults=True)


class Event(_Row):
    """A community event (``area_ids`` empty = every area)."""

    id: int
    uid: str
    status: EventStatus
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int | None
    partner: str | None
    sequence: int
    announce: bool
    announced_at: datetime | None
    scheduled_at: datetime
    feedback_at: datetime | None
    feedback_round_id: int | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    area_ids: list[str]
    texts: dict[str, EventText]

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    def includes(self, area_id: str | None) -> bool:
        return not self.area_ids or area_id in self.area_ids

    def text(self, language: str, default: str | None = None) -> EventText:
        """The text in ``language``, else in ``default`` (the community's first language)."""
        found = self.texts.get(language) or (self.texts.get(default) if default else None)
        return found or next(iter(self.texts.values()))

    def titles(self) -> dict[str, str]:
        return {language: text.title for language, text in self.texts.items()}

    def descriptions(self) -> dict[str, str]:
        return {language: text.description for language, text in self.texts.items()}


class RsvpCounts(_Row):
    """How many residents gave each answer (a coordinator's view: no names)."""

    going: int = 0
    maybe: int = 0
    cant: int = 0
    waiting: int = 0
    capacity: int | None = None

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.going, 0)


class Rsvp(_Row):
    """One resident's answer; ``position`` is their place on the waiting list (1 = next)."""

    event_id: int
    resident_id: int
    status: RsvpStatus
    position: int | None = None


class RsvpOutcome(_Row):
    """What an answer did: the resident's answer now, the one before, who moved up."""

    rsvp: Rsvp
    previous: RsvpStatus | None
    promoted: list[int] = Field(default_factory=list, description="Residents given a place.")
    counts: RsvpCounts

    @property
    def changed(self) -> bool:
        return self.previous != self.rsvp.status


class WaitingEntry(_Row):
    """A place on the waiting list, without saying whose it is."""

    position: int
    since: datetime


class EventEntry(_Row):
    """An event as a resident sees it in /events: with their own answer."""

    event: Event
    rsvp: Rsvp | None
    counts: RsvpCounts


class ReminderPlan(_Row):
    """One reminder of one start time: due at ``due``; ``quiet`` if it waits for quiet hours."""

    before: timedelta
    due: datetime
    quiet: bool


class FeedbackTally(_Row):
    """Grouped answers to one question of the feedback rounds, for one event or one partner.

    ``n`` answers from ``people`` distinct residents; ``ones`` counts the value 1 (yes, for a
    yes/no question), ``top`` the values 4 and 5 (of a rating); ``total``/``total_sq`` sum the
    values (for a mean)."""

    key: str
    question_id: str
    n: int
    people: int
    ones: int
    top: int
    total: float
    total_sq: float


class EventSummary(_Row):
    """What the results need of an event with a feedback round: no description, no times but
    the start."""

    event_id: int
    status: EventStatus
    starts_at: datetime
    partner: str | None
    round_id: int
    area_ids: list[str]
    titles: dict[str, str]
    counts: RsvpCounts

    def title(self, language: str) -> str:
        return self.titles.get(language) or next(iter(self.titles.values()), "")
