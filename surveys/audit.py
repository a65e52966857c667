"""Reading the audit log a page at a time, newest first, optionally only refusals or only
allowed actions. Pages are anchored on entry ids, so new entries never shift a page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from surveys.models import AuditEntry
from surveys.store import Store

Show = Literal["all", "refused", "allowed"]
PAGE_SIZE = 15


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    show: Show
    first: bool  # the newest entries (nothing newer to page back to)
    older: int | None  # the ``before`` of the next page, None on the last one


async def audit_page(
    store: Store, *, show: Show = "all", before: int = 0, size: int = PAGE_SIZE
) -> AuditPage:
    """Up to ``size`` entries older than entry ``before`` (0: the newest)."""
    allowed = {"all": None, "refused": False, "allowed": True}[show]
    rows = await store.audit.recent(size + 1, before=before or None, allowed=allowed)
    entries = rows[:size]
    older = entries[-1].id if len(rows) > size else None
    return AuditPage(entries, show, before == 0, older)
