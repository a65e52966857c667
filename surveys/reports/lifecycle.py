"""The report lifecycle: which status may follow which, and who may change what.

Statuses follow FixMyStreet and Open311 practice::

    new ─► acknowledged ─► in_progress ◄─► action_scheduled ◄─► referred
     │          │               │                 │                │
     └──────────┴───────────────┴──── resolved | closed (reason) | duplicate (of R-…)
                                         │            │               │
                                         └──── reopened to in_progress ┘

Coordinators and admins may make every allowed change; a partner's members may change reports
routed to their partner (not mark duplicates, not reopen); residents reopen only through the
"Has this been fixed?" follow-up. Sensitive reports never involve partners. Pure functions: the
use cases call them before writing anything.
"""

from __future__ import annotations

from datetime import datetime

from surveys.errors import (
    DuplicateTargetError,
    NotAllowedError,
    ReasonRequiredError,
    RoutingError,
    TransitionError,
)
from surveys.reports.models import (
    OPEN_STATUSES,
    Actor,
    CloseReason,
    HistoryKind,
    Partner,
    Report,
    ReportPolicy,
    ReportStatus,
)

TERMINAL: frozenset[ReportStatus] = frozenset({"resolved", "closed", "duplicate"})
_ANY_OPEN_TARGET: frozenset[ReportStatus] = frozenset(
    {"in_progress", "action_scheduled", "referred", "resolved", "closed", "duplicate"}
)
TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    "new": _ANY_OPEN_TARGET | {"acknowledged"},
    "acknowledged": _ANY_OPEN_TARGET,
    "in_progress": _ANY_OPEN_TARGET - {"in_progress"},
    "action_scheduled": _ANY_OPEN_TARGET - {"action_scheduled"},
    "referred": _ANY_OPEN_TARGET - {"referred"},
    # reopening: back to work
    "resolved": frozenset({"in_progress"}),
    "closed": frozenset({"in_progress"}),
    "duplicate": frozenset({"in_progress"}),
}
PARTNER_TARGETS: frozenset[ReportStatus] = frozenset(
    {"acknowledged", "in_progress", "action_scheduled", "referred", "resolved", "closed"}
)
STAFF_ROLES = frozenset({"coordinator", "admin"})


def allowed_targets(report: Report, actor: Actor, policy: ReportPolicy) -> list[ReportStatus]:
    """The statuses ``actor`` may move ``report`` to now, in lifecycle order (for buttons)."""
    targets = []
    for status in TRANSITIONS[report.status]:
        try:
            check_change(report, actor, status, policy)
        except (NotAllowedError, TransitionError):
            continue
        targets.append(status)
    order = list(TRANSITIONS)
    return sorted(targets, key=order.index)


def check_change(
    report: Report, actor: Actor, to: ReportStatus, policy: ReportPolicy
) -> HistoryKind:
    """Raise unless ``actor`` may move ``report`` to ``to``; the history kind it records."""
    _check_may_act(report, actor, policy)
    if to not in TRANSITIONS[report.status]:
        raise TransitionError(
            f"{report.reference}: {report.status} cannot become {to}",
            reference=report.reference,
            status=report.status,
            to=to,
        )
    reopening = report.status in TERMINAL
    if actor.role == "partner" and (reopening or to not in PARTNER_TARGETS):
        raise NotAllowedError(f"partners cannot make {report.reference} {to}")
    return "reopened" if reopening else "status"


def check_details(
    to: ReportStatus, reason: CloseReason | None, duplicate_of: Report | None, report: Report
) -> None:
    """Closing needs a reason; a duplicate needs another, non-sensitive original."""
    if to == "closed" and reason is None:
        raise ReasonRequiredError(f"{report.reference}: closing needs a reason")
    if to == "duplicate":
        if duplicate_of is None or duplicate_of.id == report.id:
            raise DuplicateTargetError(
                f"{report.reference}: a duplicate needs another report", reference=report.reference
            )
        if duplicate_of.sensitive or report.sensitive:
            raise DuplicateTargetError(
                f"{report.reference}: sensitive reports are not merged", reference=report.reference
            )
        if duplicate_of.status == "duplicate":
            raise DuplicateTargetError(
                f"{duplicate_of.reference} is itself a duplicate",
                reference=duplicate_of.reference,
            )


def check_note(report: Report, actor: Actor, policy: ReportPolicy) -> None:
    _check_may_act(report, actor, policy)


def check_route(
    report: Report, actor: Actor, partner: Partner | None, policy: ReportPolicy
) -> None:
    """Only coordinators and admins route, never a sensitive report, only to a known partner."""
    if actor.role not in STAFF_ROLES:
        raise NotAllowedError("only coordinators route reports")
    if policy.treats_as_sensitive(report):
        raise RoutingError(
            f"{report.reference} is in a sensitive category and stays with the coordinators",
            reference=report.reference,
        )
    if partner is None:
        raise RoutingError("no such partner", reference=report.reference)
    if report.status not in OPEN_STATUSES:
        raise TransitionError(
            f"{report.reference} is {report.status}",
            reference=report.reference,
            status=report.status,
            to=report.status,
        )


def staff_actor(user_id: int | None, role: str) -> Actor:
    """The actor of a staff member (an admin stays an admin, anyone else acts as coordinator);
    the caller has checked that ``role`` is a staff role."""
    return Actor(role="admin" if role == "admin" else "coordinator", user_id=user_id)


def acting_as(
    user_id: int, role: str, chat_id: int, *, in_group: bool, policy: ReportPolicy
) -> Actor | None:
    """Who someone acts as on a report card: staff anywhere (by configured role); in a
    partner's group, a member of that partner; anyone else nobody (None: refuse and audit)."""
    if role in STAFF_ROLES:
        return staff_actor(user_id, role)
    if not in_group:
        return None
    partner = policy.partner_by_chat(chat_id)
    if partner is None or user_id not in partner.members:
        return None
    return Actor(role="partner", user_id=user_id, partner_id=partner.id)


def _check_may_act(report: Report, actor: Actor, policy: ReportPolicy) -> None:
    if actor.role in STAFF_ROLES:
        return
    if actor.role == "partner":
        partner = policy.partner(actor.partner_id or "")
        if (
            partner is not None
            and not policy.treats_as_sensitive(report)
            and report.partner_id == partner.id
            and actor.user_id in partner.members
        ):
            return
    raise NotAllowedError(f"{actor.role} may not change {report.reference}")


def overdue_since(report: Report, policy: ReportPolicy) -> datetime | None:
    """When an open report became (or becomes) overdue; None for a report no longer open."""
    if not report.is_open:
        return None
    return report.last_activity_at + policy.overdue_after(report.category)


def is_overdue(report: Report, policy: ReportPolicy, now: datetime) -> bool:
    since = overdue_since(report, policy)
    return since is not None and now >= since
