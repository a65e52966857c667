"""Rows of the store as immutable pydantic models: what the rest of the code is handed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

OnboardingStep = Literal["consent", "language", "area", "done"]
Role = Literal["admin", "coordinator", "resident", "cli"]
OutboxStatus = Literal["pending", "sending", "sent", "failed", "skipped"]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class Area(_Row):
    id: str
    name: str
    population: int | None = None


class Resident(_Row):
    """A resident; ``telegram_user_id``/``chat_id`` are None once they used /forget."""

    id: int
    pseudonym: str
    telegram_user_id: int | None
    chat_id: int | None
    language: str
    area_id: str | None
    step: OnboardingStep
    consented_at: datetime | None
    stopped_at: datetime | None
    unreachable_at: datetime | None
    forgotten_at: datetime | None

    @property
    def onboarded(self) -> bool:
        return self.step == "done"

    @property
    def receives_broadcasts(self) -> bool:
        return (
            self.onboarded
            and self.stopped_at is None
            and self.unreachable_at is None
            and self.chat_id is not None
        )


class AuditEntry(_Row):
    id: int
    at: datetime
    actor_role: Role
    actor_user_id: int | None
    actor_pseudonym: str | None
    action: str
    allowed: bool
    detail: dict[str, Any]


class OutboxMessage(_Row):
    """What to send: a catalogue key with parameters, or literal text; rendered per language."""

    text_key: str | None = None
    params: dict[str, str | int | float] = Field(default_factory=dict)
    localized_params: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Parameters per language, e.g. a survey's title."
    )
    text: str | None = None
    buttons: list[list[tuple[str, str]]] = Field(
        default_factory=list, description="Rows of (catalogue key of the label, callback data)."
    )
    attachment: str | None = Field(
        default=None,
        description="A document sent with the text as its caption, named 'kind:ref' and made "
        "at sending time (e.g. 'event-ics:12', the event's current calendar file).",
    )


class OutboxItem(_Row):
    id: int
    purpose: str
    resident_id: int
    chat_id: int
    language: str
    message: OutboxMessage
    attempts: int


class FailedDelivery(_Row):
    """An outbox row given up on, as shown to staff (the resident by pseudonym only)."""

    id: int
    purpose: str
    pseudonym: str
    attempts: int
    error: str
    failed_at: datetime | None
    reported_at: datetime | None
    unreachable: bool = Field(description="The resident blocked the bot or left Telegram.")


class DeliveryCounts(_Row):
    """How far one purpose has got; ``queued`` counts everything ever enqueued."""

    queued: int = 0
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0


RoundStatus = Literal["scheduled", "open", "closed", "cancelled"]
ResponseStatus = Literal["in_progress", "completed"]


class SurveyVersion(_Row):
    id: int
    key: str
    content_hash: str
    definition_json: str


class Round(_Row):
    """A survey version sent to an audience (``area_ids`` empty = every area) for a period."""

    id: int
    survey_version_id: int
    survey_key: str
    status: RoundStatus
    opens_at: datetime
    closes_at: datetime | None
    opened_at: datetime | None
    closed_at: datetime | None
    area_ids: list[str]
    remind_after: list[timedelta] = Field(default_factory=list)
    reminders_done: int = 0
    recurrence: str | None = None
    next_round_id: int | None = None
    summary_sent_at: datetime | None = None
    created_by: str = "cli"
    invited_only: bool = Field(
        default=False, description="Answerable only by those invited (an event's feedback)."
    )
    series_opens_at: datetime | None = Field(
        default=None, description="First opening of the recurring series this round continues."
    )

    def includes(self, area_id: str | None) -> bool:
        return not self.area_ids or area_id in self.area_ids

    @property
    def anchor(self) -> datetime:
        """The opening that the series' later openings are computed from."""
        return self.series_opens_at or self.opens_at


class AreaProgress(_Row):
    """Responses of one area snapshot in a round."""

    started: int
    completed: int


class RoundProgress(_Row):
    """Invitations and responses of one round as stored, before any privacy rule.

    ``delivered_completed`` and ``delivered_partial`` count the responses (complete, and started
    but not complete) of residents whose invitation was delivered: AAPOR's I and P over the
    eligible sample. ``areas`` maps each area snapshot ("" for none) to its responses.
    :mod:`surveys.participation` turns this into what may be published.
    """

    invited: int
    delivered: int
    delivered_completed: int
    delivered_partial: int
    areas: dict[str, AreaProgress]

    @property
    def started(self) -> int:
        return sum(area.started for area in self.areas.values())

    @property
    def completed(self) -> int:
        return sum(area.completed for area in self.areas.values())

    @property
    def partial(self) -> int:
        return self.started - self.completed


class Response(_Row):
    id: int
    round_id: int
    resident_id: int
    survey_version_id: int
    area_id: str | None
    status: ResponseStatus
    revision: int
    draft: list[str] | None
    message_id: int | None
    started_at: datetime
    completed_at: datetime | None
    cursor: str | None = None

    @property
    def completed(self) -> bool:
        return self.status == "completed"


class AnswerRow(_Row):
    """One answer as stored: JSON value plus the columns SQL aggregates over."""

    question_id: str
    value_json: str
    num: float | None = None
    code: str | None = None
    is_text: bool = False
    picks: list[str] = Field(default_factory=list)
