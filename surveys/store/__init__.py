"""All SQL of the project lives in this package; everything else receives models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from surveys.store.areas import AreaStore
from surveys.store.audit import AuditStore
from surveys.store.db import Database, connect_read_only
from surveys.store.drafts import DraftStore
from surveys.store.events import EventStore
from surveys.store.inbox import InboxStore
from surveys.store.outbox import OutboxStore
from surveys.store.report_drafts import ReportDraftStore
from surveys.store.report_notices import ReportNoticeStore
from surveys.store.reports import ReportStore
from surveys.store.residents import ResidentStore
from surveys.store.responses import ResponseStore
from surveys.store.results import ResultStore
from surveys.store.rounds import RoundStore
from surveys.store.surveys import SurveyStore


@dataclass(frozen=True)
class Store:
    """One open database and its repositories, handed around as a unit."""

    db: Database
    areas: AreaStore
    audit: AuditStore
    drafts: DraftStore
    events: EventStore
    inbox: InboxStore
    outbox: OutboxStore
    report_drafts: ReportDraftStore
    report_notices: ReportNoticeStore
    reports: ReportStore
    residents: ResidentStore
    responses: ResponseStore
    results: ResultStore
    rounds: RoundStore
    surveys: SurveyStore

    @classmethod
    async def open(cls, path: Path | str, *, read_only: bool = False) -> Store:
        """Open the database (see :meth:`Database.open`) and its repositories. Read-only, it
        must exist at this release's schema, and every write raises :class:`StoreError`."""
        db = await Database.open(path, read_only=read_only)
        return cls(
            db=db,
            areas=AreaStore(db),
            audit=AuditStore(db),
            drafts=DraftStore(db),
            events=EventStore(db),
            inbox=InboxStore(db),
            outbox=OutboxStore(db),
            report_drafts=ReportDraftStore(db),
            report_notices=ReportNoticeStore(db),
            reports=ReportStore(db),
            residents=ResidentStore(db),
            responses=ResponseStore(db),
            results=ResultStore(db),
            rounds=RoundStore(db),
            surveys=SurveyStore(db),
        )

    async def close(self) -> None:
        await self.db.close()


__all__ = [
    "AreaStore",
    "AuditStore",
    "Database",
    "DraftStore",
    "EventStore",
    "InboxStore",
    "OutboxStore",
    "ReportDraftStore",
    "ReportNoticeStore",
    "ReportStore",
    "ResidentStore",
    "ResponseStore",
    "ResultStore",
    "RoundStore",
    "Store",
    "SurveyStore",
    "connect_read_only",
]
