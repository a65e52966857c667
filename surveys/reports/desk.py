"""Working on reports: coordinators' and partners' changes, notes and routing, residents'
view of their reports, and the follow-up answer that can reopen one.

Every change is checked by :mod:`surveys.reports.lifecycle`, then written by the store in one
transaction with its history entry, the message to the reporter and followers (rendered by the
bot through :class:`ReportMessages`) and the notices to staff and partners.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from surveys.clock import utcnow
from surveys.definitions.reading import visible_text
from surveys.errors import (
    NotAllowedError,
    NoteLengthError,
    StaleActionError,
    UnknownReportError,
)
from surveys.models import Area, OutboxMessage, Resident
from surveys.reports import lifecycle, notices
from surveys.reports.figures import ReportFigures, report_figures
from surveys.reports.models import (
    NOTE_MAX,
    OPEN_STATUSES,
    Actor,
    CloseReason,
    FollowupAnswer,
    HistoryEntry,
    NoticeFailure,
    Report,
    ReportFilter,
    ReportPage,
    ReportPolicy,
    ReportStatus,
    ReportWrite,
    parse_reference,
    reference,
)
from surveys.store import Store

PER_PAGE = 5
ListShow = Literal["open", "overdue", "new", "resolved", "closed", "all"]
# what each named list holds: (statuses, overdue only)
LIST_SHOWS: dict[ListShow, tuple[frozenset[ReportStatus] | None, bool]] = {
    "open": (OPEN_STATUSES, False),
    "overdue": (OPEN_STATUSES, True),
    "new": (frozenset({"new"}), False),
    "resolved": (frozenset({"resolved"}), False),
    "closed": (frozenset({"closed", "duplicate"}), False),
    "all": (None, False),
}


class ReportMessages(Protocol):
    """What reporter and followers receive, built by the bot (texts live there)."""

    def update(self, report: Report, entry: PlannedEntry) -> OutboxMessage: ...

    def followup(self, report: Report) -> OutboxMessage: ...


class PlannedEntry(BaseModel):
    """The history entry about to be written, for the message that announces it."""

    model_config = ConfigDict(frozen=True)

    kind: str
    to_status: ReportStatus
    note: str | None = None
    reason: CloseReason | None = None
    duplicate_of: int | None = None


class ReportCard(BaseModel):
    """A report with its history; ``contact_user_id`` is the reporter's Telegram id, given to
    staff only when the reporter agreed to be contacted (and can still be reached)."""

    model_config = ConfigDict(frozen=True)

    report: Report
    history: tuple[HistoryEntry, ...]
    contact_user_id: int | None = None


class FollowupOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    report: Report
    recorded: bool
    reopened: bool


class ReportDesk:
    def __init__(self, store: Store, policy: ReportPolicy, messages: ReportMessages) -> None:
        self._store = store
        self._policy = policy
        self._messages = messages

    @property
    def policy(self) -> ReportPolicy:
        return self._policy

    async def card(self, report_id: int, *, for_staff: bool = False) -> ReportCard:
        """The report and its history; staff also get the way to contact the reporter, if
        the reporter agreed (partners and residents never do)."""
        report = await self._store.reports.require(report_id)
        contact = None
        if for_staff and report.contact_ok and report.resident_id is not None:
            reporter = await self._store.residents.get(report.resident_id)
            contact = reporter.telegram_user_id
        history = tuple(await self._store.reports.history(report_id))
        return ReportCard(report=report, history=history, contact_user_id=contact)

    async def find(self, text: str, *, for_staff: bool = False) -> ReportCard:
        """The card of a typed reference (``R-000123``, ``123``)."""
        report_id = parse_reference(text)
        if report_id is None:
            raise UnknownReportError(text.strip()[:20])
        return await self.card(report_id, for_staff=for_staff)

    async def area_names(self) -> dict[str, str]:
        """Every area a report may name (removed ones too)."""
        return await self._store.reports.area_names()

    async def figures(self) -> ReportFigures:
        """The published report figures (small groups suppressed), as of now."""
        return await report_figures(
            self._store,
            min_group_size=self._policy.min_group_size,
            within_days=self._policy.resolved_within_days,
            at=utcnow(),
        )

    async def notice_failures(self) -> list[NoticeFailure]:
        """Messages to staff or partners that could not be delivered in the last week."""
        return await self._store.report_notices.failures(utcnow() - timedelta(days=7))

    async def areas(self) -> list[Area]:
        """The areas to filter by (the configured ones)."""
        return await self._store.areas.active()

    async def listing(
        self, show: ListShow, area_id: str | None, category: str | None, page: int = 0
    ) -> ReportPage:
        """The list a coordinator asked for by name (see :data:`LIST_SHOWS`)."""
        statuses, overdue = LIST_SHOWS[show]
        where = ReportFilter(statuses=statuses, area_id=area_id, category=category, overdue=overdue)
        return await self.browse(where, page)

    async def precheck(
        self,
        actor: Actor,
        report_id: int,
        to: ReportStatus | None,
        *,
        revision: int | None = None,
        reason: CloseReason | None = None,
    ) -> Report:
        """Raise now if the change would be refused, before anyone types its note."""
        report = await self._current(report_id, revision)
        if to is None:
            lifecycle.check_note(report, actor, self._policy)
            return report
        lifecycle.check_change(report, actor, to, self._policy)
        if to == "closed" and reason is not None:
            lifecycle.check_details(to, reason, None, report)
        return report

    async def browse(self, where: ReportFilter, page: int = 0) -> ReportPage:
        return await self._store.reports.page(
            where, page=page, per_page=PER_PAGE, overdue_before=self.overdue_moments(utcnow())
        )

    def overdue_moments(self, now: datetime) -> dict[str, datetime]:
        """Per category (``*`` for any other), the last activity before which a report is
        overdue at ``now``."""
        moments = {c.id: now - c.overdue_after for c in self._policy.categories}
        moments["*"] = now - self._policy.default_overdue
        return moments

    async def mine(self, resident: Resident) -> list[tuple[Report, bool]]:
        return await self._store.reports.of_resident(resident.id)

    async def history_of(self, resident: Resident, report_id: int) -> ReportCard:
        """A report's card for a resident who made or follows it."""
        if not await self._store.reports.is_audience(report_id, resident.id):
            raise UnknownReportError(reference(report_id))
        return await self.card(report_id)

    async def change(
        self,
        actor: Actor,
        report_id: int,
        to: ReportStatus,
        *,
        revision: int | None = None,
        note: str | None = None,
        reason: CloseReason | None = None,
        duplicate_of: str | None = None,
    ) -> tuple[Report, HistoryEntry]:
        """Move a report to ``to`` (closing needs ``reason``; a duplicate the original's
        reference); reporter and followers hear of it with the note."""
        report = await self._current(report_id, revision)
        kind = lifecycle.check_change(report, actor, to, self._policy)
        original = None
        if to == "duplicate" and duplicate_of is not None:
            original_id = parse_reference(duplicate_of)
            original = await self._store.reports.get(original_id) if original_id else None
            if original is None:
                raise UnknownReportError(duplicate_of.strip()[:20])
        lifecycle.check_details(to, reason, original, report)
        note = _note(note)
        planned = PlannedEntry(
            kind=kind,
            to_status=to,
            note=note,
            reason=reason if to == "closed" else None,
            duplicate_of=original.id if original else None,
        )
        reopening = kind == "reopened"
        after = report.model_copy(update={"status": to})
        write = ReportWrite(
            report_id=report.id,
            expected_revision=report.revision,
            kind=kind,
            actor=actor,
            to_status=to,
            note=note,
            reason=planned.reason,
            duplicate_of=planned.duplicate_of,
            partner_id=actor.partner_id,
            owner_user_id=actor.user_id if actor.role in ("coordinator", "admin") else None,
            acknowledge=True,
            resolve=to == "resolved",
            reopen=reopening and report.status == "resolved",
            followup_due_at=self._followup_due(report, to),
            resident_message=self._messages.update(after, planned),
            notices=tuple(
                notices.reopened(after, self._policy)
                if reopening
                else notices.changed(after, actor, self._policy)
            ),
        )
        return await self._store.reports.apply(write)

    async def add_note(
        self, actor: Actor, report_id: int, note: str, *, revision: int | None = None
    ) -> tuple[Report, HistoryEntry]:
        """A public note without a status change: it reaches reporter and followers too."""
        report = await self._current(report_id, revision)
        lifecycle.check_note(report, actor, self._policy)
        text = _note(note)
        if text is None:
            raise NoteLengthError("an empty note", max=NOTE_MAX, length=0)
        planned = PlannedEntry(kind="note", to_status=report.status, note=text)
        write = ReportWrite(
            report_id=report.id,
            expected_revision=report.revision,
            kind="note",
            actor=actor,
            to_status=report.status,
            note=text,
            partner_id=actor.partner_id,
            activity=report.is_open,
            resident_message=self._messages.update(report, planned),
            notices=tuple(notices.changed(report, actor, self._policy)),
        )
        return await self._store.reports.apply(write)

    async def route(
        self, actor: Actor, report_id: int, partner_id: str, *, revision: int | None = None
    ) -> tuple[Report, HistoryEntry]:
        """Send a report to a partner's group (never a sensitive one); residents are not told,
        the status does not change."""
        report = await self._current(report_id, revision)
        partner = self._policy.partner(partner_id)
        lifecycle.check_route(report, actor, partner, self._policy)
        assert partner is not None
        if report.partner_id == partner.id:
            raise StaleActionError(f"{report.reference} is already with {partner.id}")
        write = ReportWrite(
            report_id=report.id,
            expected_revision=report.revision,
            kind="routed",
            actor=actor,
            to_status=report.status,
            route_to=partner.id,
            activity=False,
            notices=tuple(notices.routed(partner)),
        )
        return await self._store.reports.apply(write)

    async def answer_followup(
        self, resident: Resident, report_id: int, cycle: int, answer: FollowupAnswer
    ) -> FollowupOutcome:
        """Keep the answer to "Has this been fixed?"; "no" reopens the report (if it is still
        resolved from the round asked about) and tells the coordinators."""
        if not await self._store.reports.is_audience(report_id, resident.id):
            raise NotAllowedError("only the reporter and followers answer the follow-up")
        report = await self._store.reports.require(report_id)
        if self._policy.treats_as_sensitive(report):
            raise NotAllowedError("sensitive reports are not followed up")
        recorded = await self._store.reports.record_followup(report_id, resident.id, cycle, answer)
        if not recorded or answer != "no" or report.status != "resolved":
            return FollowupOutcome(report=report, recorded=recorded, reopened=False)
        if report.reopen_count != cycle:
            return FollowupOutcome(report=report, recorded=recorded, reopened=False)
        actor = Actor(role="resident", resident_id=resident.id)
        planned = PlannedEntry(kind="reopened", to_status="in_progress")
        after = report.model_copy(update={"status": "in_progress"})
        write = ReportWrite(
            report_id=report.id,
            expected_revision=report.revision,
            kind="reopened",
            actor=actor,
            to_status="in_progress",
            reopen=True,
            resident_message=self._messages.update(after, planned),
            notices=tuple(notices.reopened(after, self._policy)),
        )
        updated, _ = await self._store.reports.apply(write)
        return FollowupOutcome(report=updated, recorded=True, reopened=True)

    async def _current(self, report_id: int, revision: int | None) -> Report:
        report = await self._store.reports.require(report_id)
        if revision is not None and report.revision != revision:
            raise StaleActionError(f"{report.reference} changed meanwhile")
        return report

    def _followup_due(self, report: Report, to: ReportStatus) -> datetime | None:
        """Resolved, not sensitive: ask reporter and followers after the configured delay."""
        if to != "resolved" or self._policy.treats_as_sensitive(report):
            return None
        return utcnow() + self._policy.followup_after


def _note(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = visible_text(text)
    if len(cleaned) > NOTE_MAX:
        raise NoteLengthError(f"{len(cleaned)} characters", max=NOTE_MAX, length=len(cleaned))
    return cleaned or None


__all__ = [
    "LIST_SHOWS",
    "PER_PAGE",
    "FollowupOutcome",
    "ListShow",
    "PlannedEntry",
    "ReportCard",
    "ReportDesk",
    "ReportMessages",
]
