"""Concern reports as values: the policy from the configuration, drafts, reports and history.

These are what the store returns and the bot renders; the rules that act on them live in
:mod:`surveys.reports.lifecycle` (statuses, who may do what) and the use-case modules.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from surveys.errors import UnknownCategoryError
from surveys.models import OutboxMessage

ReportStatus = Literal[
    "new",
    "acknowledged",
    "in_progress",
    "action_scheduled",
    "referred",
    "resolved",
    "closed",
    "duplicate",
]
CloseReason = Literal["not_responsible", "no_action_possible", "not_found", "insufficient_info"]
ActorRole = Literal["resident", "coordinator", "admin", "partner", "system"]
HistoryKind = Literal["submitted", "status", "note", "routed", "reopened"]
DraftStep = Literal[
    "category", "area", "location", "matches", "description", "photos", "contact", "review"
]
FollowupAnswer = Literal["yes", "no", "dont_know"]

STATUSES: tuple[ReportStatus, ...] = (
    "new",
    "acknowledged",
    "in_progress",
    "action_scheduled",
    "referred",
    "resolved",
    "closed",
    "duplicate",
)
OPEN_STATUSES: frozenset[ReportStatus] = frozenset(
    {"new", "acknowledged", "in_progress", "action_scheduled", "referred"}
)
CLOSE_REASONS: tuple[CloseReason, ...] = (
    "not_responsible",
    "no_action_possible",
    "not_found",
    "insufficient_info",
)
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 3000
NOTE_MAX = 1000
MAX_PHOTOS = 3


def reference(report_id: int) -> str:
    """The reference people see and quote: ``R-000123``."""
    return f"R-{report_id:06d}"


def parse_reference(text: str) -> int | None:
    """The report id of ``R-000123``, ``r-123``, ``#123`` or ``123``; None if it is not one."""
    cleaned = text.strip().upper().removeprefix("R-").removeprefix("R").removeprefix("#")
    return int(cleaned) if cleaned.isdigit() and 0 < int(cleaned) < 10**12 else None


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True)


class Category(_Value):
    id: str
    names: dict[str, str]
    sensitive: bool = False
    overdue_after: timedelta

    def name(self, language: str) -> str:
        """The name in ``language``, else any configured name (the configuration has one for
        every community language)."""
        return self.names.get(language) or next(iter(self.names.values()))


class Partner(_Value):
    id: str
    name: str
    chat_id: int
    members: frozenset[int] = frozenset()
    categories: frozenset[str] = frozenset()


class ReportPolicy(_Value):
    """Everything the configuration says about reports, checked once at start-up."""

    categories: tuple[Category, ...]
    partners: tuple[Partner, ...] = ()
    daily_limit: int = 5
    default_overdue: timedelta = timedelta(days=2)
    limit_window: timedelta = timedelta(hours=24)
    match_radius_m: float = 250.0
    location_decimals: int = 3
    followup_after: timedelta = timedelta(days=3)
    resolved_within_days: int = 7
    min_group_size: int = 10
    coordinators: frozenset[int] = frozenset()
    admins: frozenset[int] = frozenset()

    def category(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise UnknownCategoryError(category_id)

    def category_or_none(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def is_sensitive(self, category_id: str) -> bool:
        """Unknown (removed) categories count as sensitive: the safe side."""
        category = self.category_or_none(category_id)
        return category is None or category.sensitive

    def treats_as_sensitive(self, report: Report) -> bool:
        """Sensitive when it was made, or its category is sensitive now (a category marked
        sensitive later protects its old reports too)."""
        return report.sensitive or self.is_sensitive(report.category)

    def partner(self, partner_id: str) -> Partner | None:
        return next((p for p in self.partners if p.id == partner_id), None)

    def partners_for(self, category_id: str) -> tuple[Partner, ...]:
        """Partners that take this category; none for a sensitive one, whatever is configured."""
        if self.is_sensitive(category_id):
            return ()
        return tuple(p for p in self.partners if category_id in p.categories)

    def partner_by_chat(self, chat_id: int) -> Partner | None:
        return next((p for p in self.partners if p.chat_id == chat_id), None)

    def overdue_after(self, category_id: str) -> timedelta:
        category = self.category_or_none(category_id)
        return category.overdue_after if category else self.default_overdue

    def staff_chats(self) -> tuple[int, ...]:
        """Who hears about new and reopened reports: the coordinators, else the admins."""
        return tuple(sorted(self.coordinators or self.admins))


class Location(_Value):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class ReportDraft(_Value):
    """A report being written; ``editing`` means the step was opened from the review screen."""

    id: int
    resident_id: int
    step: DraftStep
    editing: bool = False
    category: str | None = None
    area_id: str | None = None
    location: Location | None = None
    located: bool = False
    description: str | None = None
    photos: tuple[str, ...] = ()
    contact_ok: bool | None = None
    created_at: datetime
    updated_at: datetime


class Report(_Value):
    id: int
    resident_id: int | None
    category: str
    sensitive: bool
    area_id: str | None
    location: Location | None
    description: str
    photos: tuple[str, ...] = ()
    contact_ok: bool
    language: str
    status: ReportStatus
    close_reason: CloseReason | None = None
    duplicate_of: int | None = None
    partner_id: str | None = None
    owner_user_id: int | None = None
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    last_activity_at: datetime
    reminded_at: datetime | None = None
    followup_due_at: datetime | None = None
    reopen_count: int = 0
    revision: int = 0
    followers: int = 0

    @property
    def reference(self) -> str:
        return reference(self.id)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class HistoryEntry(_Value):
    id: int
    report_id: int
    at: datetime
    kind: HistoryKind
    from_status: ReportStatus | None
    to_status: ReportStatus
    actor_role: ActorRole
    actor_user_id: int | None = None
    partner_id: str | None = None
    note: str | None = None
    reason: CloseReason | None = None
    duplicate_of: int | None = None


class ReportFilter(_Value):
    """What a coordinator's ``/reports`` asks for; None means any."""

    statuses: frozenset[ReportStatus] | None = None
    area_id: str | None = None
    category: str | None = None
    overdue: bool = False


class ReportPage(_Value):
    reports: tuple[Report, ...]
    page: int
    pages: int
    total: int


class Actor(_Value):
    """Who acts on a report: staff by configured Telegram id, a partner member with their
    partner, a resident by their row id, or the system (reminders, follow-ups)."""

    role: ActorRole
    user_id: int | None = None
    partner_id: str | None = None
    resident_id: int | None = None

    @property
    def is_partner(self) -> bool:
        """A partner organisation's member: sees a partner's card (no reporter details)."""
        return self.role == "partner"


NoticeKind = Literal["new", "reopened", "overdue", "routed", "update"]
NoticeAudience = Literal["staff", "partner"]


class NoticeSpec(_Value):
    """A message to a staff chat or partner group, queued with the change that causes it.

    Its purpose, unique per chat, is ``kind:report:detail``; an empty ``detail`` stands for the
    history entry written with it, so each change notifies once.
    """

    kind: NoticeKind
    chat_id: int
    audience: NoticeAudience
    detail: str = ""


class ReportNotice(_Value):
    id: int
    kind: NoticeKind
    report_id: int
    history_id: int | None
    chat_id: int
    audience: NoticeAudience
    attempts: int


class NoticeFailure(_Value):
    """A notice that could not be delivered, as coordinators see it."""

    report_id: int
    chat_id: int
    audience: NoticeAudience
    error: str
    at: datetime


class ReportWrite(_Value):
    """One change to a report, decided by the use cases and applied by the store in one
    transaction with its history entry, the messages to reporter and followers, and the
    notices to staff and partners."""

    report_id: int
    expected_revision: int | None = None
    kind: HistoryKind
    actor: Actor
    to_status: ReportStatus
    note: str | None = None
    reason: CloseReason | None = None
    duplicate_of: int | None = None
    partner_id: str | None = None
    route_to: str | None = None
    owner_user_id: int | None = None
    acknowledge: bool = False
    resolve: bool = False
    reopen: bool = False
    followup_due_at: datetime | None = None
    activity: bool = True
    resident_message: OutboxMessage | None = None
    notices: tuple[NoticeSpec, ...] = ()
