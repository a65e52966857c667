"""A staff member's or partner member's change waiting for its typed part: the public note of a
status change (optional), a note on its own, or the reference of the original for a duplicate.

The pending change is a row of the drafts table (one per person), so a restart keeps it; it is
checked against the lifecycle when asked for, so nobody types a note for a change that would
be refused, and again when applied (the report may have changed meanwhile: its revision).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from surveys.errors import ReasonRequiredError, StaleActionError
from surveys.reports.desk import ReportDesk
from surveys.reports.models import (
    Actor,
    CloseReason,
    HistoryEntry,
    Report,
    ReportStatus,
    reference,
)
from surveys.store import Store

KIND = "report-change"
PendingStep = Literal["note", "duplicate"]


class PendingChange(BaseModel):
    """``to`` None: a note without a status change (then the note is required)."""

    model_config = ConfigDict(frozen=True)

    report_id: int
    revision: int
    chat_id: int
    step: PendingStep
    to: ReportStatus | None = None
    reason: CloseReason | None = None

    @property
    def note_required(self) -> bool:
        return self.to is None


class Applied(BaseModel):
    """The change was made at once (acknowledging needs no note)."""

    model_config = ConfigDict(frozen=True)

    report: Report
    entry: HistoryEntry


class NeedsReason(BaseModel):
    """Closing: the reason comes first."""

    model_config = ConfigDict(frozen=True)

    report: Report


ChangeStep = Applied | NeedsReason | PendingChange


class PendingChanges:
    def __init__(self, store: Store, desk: ReportDesk) -> None:
        self._store = store
        self._desk = desk

    async def start(
        self, actor: Actor, chat_id: int, report_id: int, revision: int, to: ReportStatus
    ) -> ChangeStep:
        """A status button: acknowledging is done at once, closing asks the reason first,
        every other change waits for its optional note (a duplicate for its original)."""
        if to == "acknowledged":
            report, entry = await self._desk.change(actor, report_id, to, revision=revision)
            return Applied(report=report, entry=entry)
        if to == "closed":
            report = await self._desk.precheck(actor, report_id, to, revision=revision)
            return NeedsReason(report=report)
        return await self.ask(actor, chat_id, report_id, revision, to)

    async def ask(
        self,
        actor: Actor,
        chat_id: int,
        report_id: int,
        revision: int,
        to: ReportStatus | None,
        reason: CloseReason | None = None,
    ) -> PendingChange:
        """Remember the change and what it waits for, once the lifecycle allows it."""
        assert actor.user_id is not None
        if to == "closed" and reason is None:
            raise ReasonRequiredError(f"{reference(report_id)}: closing needs a reason")
        await self._desk.precheck(actor, report_id, to, revision=revision, reason=reason)
        pending = PendingChange(
            report_id=report_id,
            revision=revision,
            chat_id=chat_id,
            step="duplicate" if to == "duplicate" else "note",
            to=to,
            reason=reason,
        )
        await self._store.drafts.put(actor.user_id, KIND, pending.step, pending.model_dump())
        return pending

    async def current(self, actor: Actor, chat_id: int) -> PendingChange | None:
        """The change waiting for this person's text in this chat, if any."""
        if actor.user_id is None:
            return None
        found = await self._store.drafts.get(actor.user_id, KIND)
        if found is None:
            return None
        pending = PendingChange.model_validate(found[1])
        return pending if pending.chat_id == chat_id else None

    async def complete(
        self, actor: Actor, chat_id: int, text: str | None
    ) -> tuple[Report, HistoryEntry]:
        """Apply the waiting change with ``text`` (a note, or the original's reference); None
        sends a status change without a note."""
        pending = await self.current(actor, chat_id)
        if pending is None:
            raise StaleActionError("no change is waiting")
        if text is None and (pending.note_required or pending.step == "duplicate"):
            raise StaleActionError("this change needs its text")
        if pending.to is None:
            assert text is not None
            result = await self._desk.add_note(
                actor, pending.report_id, text, revision=pending.revision
            )
        elif pending.step == "duplicate":
            result = await self._desk.change(
                actor, pending.report_id, "duplicate", revision=pending.revision, duplicate_of=text
            )
        else:
            result = await self._desk.change(
                actor,
                pending.report_id,
                pending.to,
                revision=pending.revision,
                note=text,
                reason=pending.reason,
            )
        await self.cancel(actor)
        return result

    async def cancel(self, actor: Actor) -> None:
        if actor.user_id is not None:
            await self._store.drafts.delete(actor.user_id, KIND)
