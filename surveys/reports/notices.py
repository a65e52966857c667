"""Who hears about what, among staff and partners (residents hear through the outbox).

- a new report: every coordinator (the admins when no coordinator is configured);
- routed to a partner: that partner's group, without the reporter's identity;
- a change by someone else to a routed report: the partner's group;
- reopened: the coordinators, and the partner it is routed to;
- overdue: the partner it is routed to, else the coordinator who took it, else every
  coordinator; once a day at most.

Sensitive reports never reach a partner, whatever the configuration says.
"""

from __future__ import annotations

from datetime import date

from surveys.reports.models import (
    Actor,
    NoticeKind,
    NoticeSpec,
    Partner,
    Report,
    ReportPolicy,
)


def _staff(kind: NoticeKind, chats: tuple[int, ...], detail: str = "") -> list[NoticeSpec]:
    return [NoticeSpec(kind=kind, chat_id=chat, audience="staff", detail=detail) for chat in chats]


def _partner(
    report: Report, policy: ReportPolicy, kind: NoticeKind, detail: str = ""
) -> list[NoticeSpec]:
    partner = policy.partner(report.partner_id or "")
    if partner is None or policy.treats_as_sensitive(report):
        return []
    return [NoticeSpec(kind=kind, chat_id=partner.chat_id, audience="partner", detail=detail)]


def new_report(policy: ReportPolicy) -> list[NoticeSpec]:
    return _staff("new", policy.staff_chats())


def routed(partner: Partner) -> list[NoticeSpec]:
    return [NoticeSpec(kind="routed", chat_id=partner.chat_id, audience="partner")]


def changed(report: Report, actor: Actor, policy: ReportPolicy) -> list[NoticeSpec]:
    """A partner hears about changes to its reports that its own members did not make."""
    if actor.role == "partner" and actor.partner_id == report.partner_id:
        return []
    return _partner(report, policy, "update")


def reopened(report: Report, policy: ReportPolicy) -> list[NoticeSpec]:
    return _staff("reopened", policy.staff_chats()) + _partner(report, policy, "reopened")


def overdue(report: Report, policy: ReportPolicy, day: date) -> list[NoticeSpec]:
    detail = day.isoformat()
    to_partner = _partner(report, policy, "overdue", detail)
    if to_partner:
        return to_partner
    staff = policy.coordinators | policy.admins
    if report.owner_user_id is not None and report.owner_user_id in staff:
        return _staff("overdue", (report.owner_user_id,), detail)
    return _staff("overdue", policy.staff_chats(), detail)
