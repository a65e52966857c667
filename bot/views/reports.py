"""Concern report screens: the resident's draft steps, "is it one of these?", the review, the
reference; /myreports; the follow-up answer; the coordinators' list, filters and cards; the
partner group's card; the note and reason prompts.

Residents never see who acted (roles only); partners never see the reporter; staff see the
reporter only as a contact link, and only when the reporter agreed to be contacted.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton

from bot.keyboards import (
    ANY,
    DraftAreaPress,
    DraftCancelPress,
    DraftCategoryPress,
    DraftEditPress,
    DraftStepPress,
    DraftSubmitPress,
    MeTooPress,
    MyReportPress,
    PendingChangePress,
    ReportCardPress,
    ReportFilterPress,
    ReportListPress,
    ReportListWord,
    ReportNotePress,
    ReportPhotosPress,
    ReportReasonPress,
    ReportRouteMenuPress,
    ReportRoutePress,
    ReportStatusPress,
    button,
    keyboard,
)
from bot.texts import Catalogue
from bot.views import Screen
from surveys.models import Area
from surveys.reports import lifecycle
from surveys.reports.changes import PendingChange
from surveys.reports.desk import FollowupOutcome, ReportCard
from surveys.reports.figures import ReportFigures
from surveys.reports.models import (
    CLOSE_REASONS,
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    MAX_PHOTOS,
    Actor,
    HistoryEntry,
    NoticeFailure,
    NoticeKind,
    Report,
    ReportDraft,
    ReportPage,
    ReportPolicy,
    reference,
)

EXCERPT = 80
LIST_SHOWS: tuple[ReportListWord, ...] = ("open", "overdue", "new", "resolved", "closed", "all")


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _excerpt(text: str, limit: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return html.escape(flat if len(flat) <= limit else flat[: limit - 1] + "…", quote=False)


def status_label(texts: Catalogue, language: str, status: str) -> str:
    return texts.get(language, f"report_status_{status}")


def _category(texts: Catalogue, language: str, policy: ReportPolicy, category_id: str) -> str:
    category = policy.category_or_none(category_id)
    return category.name(language) if category else category_id


def _cancel(texts: Catalogue, language: str, draft: ReportDraft) -> list[InlineKeyboardButton]:
    return [button(texts.get(language, "button_cancel_report"), DraftCancelPress(draft.id))]


# --- the resident's draft --------------------------------------------------------------------


def draft_view(
    texts: Catalogue,
    language: str,
    draft: ReportDraft,
    *,
    policy: ReportPolicy,
    areas: Sequence[Area],
    home_area: str | None,
    matches: Sequence[Report],
    emergency: str,
    zone: ZoneInfo,
) -> Screen:
    """The step the draft is at, with its buttons (always a way to cancel)."""
    step, cancel = draft.step, _cancel(texts, language, draft)
    names = {area.id: area.name for area in areas}
    if step == "category":
        text = texts.get(language, "report_intro", emergency=emergency)
        text += "\n\n" + texts.get(language, "report_ask_category")
        rows = [
            [button(c.name(language), DraftCategoryPress(draft.id, c.id))]
            for c in policy.categories
        ]
        return Screen(text, keyboard([*rows, cancel]))
    if step == "area":
        text = texts.get(language, "report_ask_area")
        if draft.category and policy.is_sensitive(draft.category):
            text += "\n\n" + texts.get(language, "report_sensitive_note", emergency=emergency)
        ordered = sorted(areas, key=lambda a: a.id != home_area)
        labels = [
            texts.get(language, "report_your_area", area=a.name) if a.id == home_area else a.name
            for a in ordered
        ]
        buttons = [
            button(label, DraftAreaPress(draft.id, a.id))
            for a, label in zip(ordered, labels, strict=True)
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        return Screen(text, keyboard([*rows, cancel]))
    if step == "location":
        skip = button(
            texts.get(language, "button_report_no_location"), DraftStepPress(draft.id, "skiploc")
        )
        return Screen(texts.get(language, "report_ask_location"), keyboard([[skip], cancel]))
    if step == "matches":
        return matches_view(texts, language, draft, matches, names, zone)
    if step == "description":
        text = texts.get(
            language, "report_ask_description", min=DESCRIPTION_MIN, max=DESCRIPTION_MAX
        )
        return Screen(text, keyboard([cancel]))
    if step == "photos":
        count = len(draft.photos)
        text = texts.get(language, "report_ask_photos", max=MAX_PHOTOS)
        if count:
            text += "\n" + texts.get(language, "report_photos_added", count=count, max=MAX_PHOTOS)
        label = "button_report_photos_done" if count else "button_report_no_photos"
        done = button(texts.get(language, label), DraftStepPress(draft.id, "photos"))
        return Screen(text, keyboard([[done], cancel]))
    if step == "contact":
        yes = button(
            texts.get(language, "button_report_contact_yes"),
            DraftStepPress(draft.id, "contact_yes"),
        )
        no = button(
            texts.get(language, "button_report_contact_no"), DraftStepPress(draft.id, "contact_no")
        )
        return Screen(texts.get(language, "report_ask_contact"), keyboard([[yes], [no], cancel]))
    return review_view(texts, language, draft, policy=policy, names=names)


def matches_view(
    texts: Catalogue,
    language: str,
    draft: ReportDraft,
    matches: Sequence[Report],
    names: Mapping[str, str],
    zone: ZoneInfo,
) -> Screen:
    """ "Is it one of these?": open reports like it nearby; "me too" follows one of them."""
    lines = [texts.get(language, "report_matches")]
    rows = []
    for report in matches:
        lines.append(
            texts.raw(
                language,
                "report_match_line",
                reference=report.reference,
                area=html.escape(names.get(report.area_id or "", "–")),
                date=_local(report.created_at, zone)[:10],
                excerpt=_excerpt(report.description),
                followers=report.followers,
            )
        )
        rows.append(
            [
                button(
                    texts.get(language, "button_report_me_too", reference=report.reference),
                    MeTooPress(draft.id, report.id),
                )
            ]
        )
    if not matches:
        lines = [texts.get(language, "report_matches_gone")]
    rows.append(
        [
            button(
                texts.get(language, "button_report_not_these"), DraftStepPress(draft.id, "nomatch")
            )
        ]
    )
    return Screen("\n\n".join(lines), keyboard([*rows, _cancel(texts, language, draft)]))


def review_view(
    texts: Catalogue,
    language: str,
    draft: ReportDraft,
    *,
    policy: ReportPolicy,
    names: Mapping[str, str],
) -> Screen:
    """Everything the report will hold, an Edit button per field, Submit and Cancel."""
    location = draft.location
    place = html.escape(names.get(draft.area_id or "", "–"))
    if location is not None:
        place += " · " + texts.get(
            language,
            "report_location_shared",
            latitude=f"{location.latitude:.5f}",
            longitude=f"{location.longitude:.5f}",
        )
    text = texts.raw(
        language,
        "report_review",
        category=html.escape(_category(texts, language, policy, draft.category or "")),
        place=place,
        description=html.escape(draft.description or ""),
        photos=len(draft.photos),
        contact=texts.get(language, "report_label_yes" if draft.contact_ok else "report_label_no"),
    )
    edits = [
        button(texts.get(language, f"button_report_edit_{field}"), DraftEditPress(draft.id, field))
        for field in ("category", "area", "description", "photos", "contact")
    ]
    submit = button(texts.get(language, "button_report_submit"), DraftSubmitPress(draft.id))
    return Screen(
        text,
        keyboard([edits[:2], edits[2:4], edits[4:], [submit], _cancel(texts, language, draft)]),
    )


def submitted_view(texts: Catalogue, language: str, report: Report) -> Screen:
    key = "report_submitted_sensitive" if report.sensitive else "report_submitted"
    return Screen(texts.get(language, key, reference=report.reference))


def followed_view(texts: Catalogue, language: str, report: Report) -> Screen:
    return Screen(texts.get(language, "report_followed", reference=report.reference))


def cancelled_view(texts: Catalogue, language: str) -> Screen:
    return Screen(texts.get(language, "report_cancelled"))


# --- residents: /myreports, a report's history, the follow-up --------------------------------


def my_reports_view(
    texts: Catalogue,
    language: str,
    items: Sequence[tuple[Report, bool]],
    policy: ReportPolicy,
    zone: ZoneInfo,
) -> Screen:
    if not items:
        return Screen(texts.get(language, "myreports_none"))
    lines = [texts.get(language, "myreports_title")]
    buttons = []
    for report, own in items:
        lines.append(
            texts.raw(
                language,
                "myreports_line_own" if own else "myreports_line_followed",
                reference=report.reference,
                category=html.escape(_category(texts, language, policy, report.category)),
                status=status_label(texts, language, report.status),
                date=_local(report.created_at, zone)[:10],
            )
        )
        buttons.append(button(report.reference, MyReportPress(report.id)))
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return Screen("\n".join(lines), keyboard(rows))


def _history_line(
    texts: Catalogue,
    language: str,
    entry: HistoryEntry,
    zone: ZoneInfo,
    policy: ReportPolicy,
    *,
    staff: bool,
) -> str | None:
    """One history entry as a line; routing is internal (residents do not see it)."""
    when = _local(entry.at, zone)
    if entry.kind == "routed":
        if not staff:
            return None
        partner = policy.partner(entry.partner_id or "")
        name = partner.name if partner else entry.partner_id or ""
        what = texts.get(language, "history_routed", partner=name)
    elif entry.kind == "submitted":
        what = texts.get(language, "history_submitted")
    elif entry.kind == "note":
        what = texts.get(language, "history_note")
    elif entry.kind == "reopened":
        what = texts.get(
            language, "history_reopened", status=status_label(texts, language, entry.to_status)
        )
    else:
        what = status_label(texts, language, entry.to_status)
        if entry.reason:
            what += " — " + texts.get(language, f"report_reason_{entry.reason}")
        if entry.duplicate_of:
            what += " — " + texts.get(
                language, "report_duplicate_of", reference=reference(entry.duplicate_of)
            )
    if staff and entry.actor_role in ("coordinator", "admin", "partner"):
        what += " · " + texts.get(language, f"history_by_{entry.actor_role}")
    line = f"{when} · {what}"
    if entry.note:
        line += "\n    💬 " + html.escape(entry.note)
    return line


def my_report_view(
    texts: Catalogue, language: str, card: ReportCard, policy: ReportPolicy, zone: ZoneInfo
) -> Screen:
    """A resident's view of one report: what it says, its status and public history."""
    report = card.report
    lines = [
        texts.raw(
            language,
            "myreport_header",
            reference=report.reference,
            category=html.escape(_category(texts, language, policy, report.category)),
            status=status_label(texts, language, report.status),
            description=_excerpt(report.description, 400),
        )
    ]
    history = [_history_line(texts, language, e, zone, policy, staff=False) for e in card.history]
    lines += [line for line in history if line]
    return Screen("\n".join(lines))


def followup_answer_view(
    texts: Catalogue, language: str, outcome: FollowupOutcome, answer: str
) -> str:
    """The notice after "Has this been fixed?"."""
    reference_ = outcome.report.reference
    if not outcome.recorded:
        return texts.get(language, "followup_already", reference=reference_)
    if outcome.reopened:
        return texts.get(language, "followup_reopened", reference=reference_)
    return texts.get(language, f"followup_thanks_{answer}", reference=reference_)


# --- coordinators: the list, filters, the card -----------------------------------------------


def report_line(
    texts: Catalogue,
    language: str,
    report: Report,
    policy: ReportPolicy,
    names: Mapping[str, str],
    now: datetime,
) -> str:
    overdue = lifecycle.is_overdue(report, policy, now)
    return texts.raw(
        language,
        "reports_line",
        reference=report.reference,
        status=status_label(texts, language, report.status),
        category=html.escape(_category(texts, language, policy, report.category)),
        area=html.escape(names.get(report.area_id or "", "–")),
        overdue=texts.get(language, "reports_overdue_mark") if overdue else "",
        followers=f" · +{report.followers}" if report.followers else "",
        excerpt=_excerpt(report.description, 60),
    )


def report_list_view(
    texts: Catalogue,
    language: str,
    page: ReportPage,
    shown: ReportListPress,
    policy: ReportPolicy,
    names: Mapping[str, str],
    failures: Sequence[NoticeFailure],
    now: datetime,
) -> Screen:
    """A page of reports with the filters on top and Previous/Next below."""
    show, area_id, category = shown.show, shown.area_id, shown.category
    lines = [
        texts.raw(
            language,
            "reports_title",
            show=texts.get(language, f"reports_show_{show}"),
            area=html.escape(names.get(area_id, texts.get(language, "reports_any"))),
            category=html.escape(
                _category(texts, language, policy, category)
                if category != ANY
                else texts.get(language, "reports_any")
            ),
            total=page.total,
            page=page.page + 1,
            pages=page.pages,
        )
    ]
    for failure in failures:
        lines.append(
            texts.get(
                language,
                "reports_notice_failed",
                reference=reference(failure.report_id),
                error=failure.error[:80],
            )
        )
    if not page.reports:
        lines.append(texts.get(language, "reports_empty"))
    lines += [report_line(texts, language, r, policy, names, now) for r in page.reports]
    cards = [button(r.reference, ReportCardPress(r.id)) for r in page.reports]
    filters = [
        button(
            texts.get(language, f"button_reports_filter_{dimension}"),
            ReportFilterPress(dimension, show, area_id, category),
        )
        for dimension in ("show", "area", "category")
    ]
    nav = []
    if page.page > 0:
        nav.append(
            button(
                texts.get(language, "button_previous"),
                ReportListPress(show, area_id, category, page.page - 1),
            )
        )
    if page.page < page.pages - 1:
        nav.append(
            button(
                texts.get(language, "button_next"),
                ReportListPress(show, area_id, category, page.page + 1),
            )
        )
    return Screen("\n\n".join(lines), keyboard([cards[:3], cards[3:], filters, nav]))


def filter_view(
    texts: Catalogue,
    language: str,
    press: ReportFilterPress,
    *,
    areas: Sequence[Area],
    policy: ReportPolicy,
) -> Screen:
    """The values of one filter, each opening the first page of the list it gives."""
    show, area_id, category = press.show, press.area_id, press.category
    if press.dimension == "show":
        options = [
            (texts.get(language, f"reports_show_{s}"), ReportListPress(s, area_id, category, 0))
            for s in LIST_SHOWS
        ]
    elif press.dimension == "area":
        options = [(texts.get(language, "reports_any"), ReportListPress(show, ANY, category, 0))]
        options += [(a.name, ReportListPress(show, a.id, category, 0)) for a in areas]
    else:
        options = [(texts.get(language, "reports_any"), ReportListPress(show, area_id, ANY, 0))]
        options += [
            (c.name(language), ReportListPress(show, area_id, c.id, 0)) for c in policy.categories
        ]
    buttons = [button(label, value) for label, value in options]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return Screen(texts.get(language, f"reports_filter_{press.dimension}"), keyboard(rows))


def _card_text(
    texts: Catalogue,
    language: str,
    card: ReportCard,
    *,
    policy: ReportPolicy,
    names: Mapping[str, str],
    zone: ZoneInfo,
    now: datetime,
    headline: NoticeKind | None,
    for_partner: bool,
) -> str:
    report = card.report
    parts = []
    if headline is not None:
        parts.append(texts.get(language, f"notice_{headline}", reference=report.reference))
    place = html.escape(names.get(report.area_id or "", "–"))
    if report.location is not None:
        place += " · " + texts.get(
            language,
            "report_location_link",
            latitude=f"{report.location.latitude:.5f}",
            longitude=f"{report.location.longitude:.5f}",
        )
    parts.append(
        texts.raw(
            language,
            "report_card",
            reference=report.reference,
            category=html.escape(_category(texts, language, policy, report.category)),
            status=status_label(texts, language, report.status),
            place=place,
            submitted=_local(report.created_at, zone),
            followers=report.followers,
            photos=len(report.photos),
            description=html.escape(report.description),
        )
    )
    flags = []
    if policy.treats_as_sensitive(report):
        flags.append(texts.get(language, "report_card_sensitive"))
    if lifecycle.is_overdue(report, policy, now):
        flags.append(texts.get(language, "report_card_overdue"))
    if not for_partner:
        partner = policy.partner(report.partner_id or "")
        if partner is not None:
            flags.append(texts.get(language, "report_card_partner", partner=partner.name))
        if card.contact_user_id is not None:
            flags.append(texts.raw(language, "report_card_contact", user_id=card.contact_user_id))
        else:
            flags.append(texts.get(language, "report_card_no_contact"))
    if flags:
        parts.append("\n".join(flags))
    history = [
        _history_line(texts, language, e, zone, policy, staff=not for_partner) for e in card.history
    ]
    shown = [line for line in history if line][-8:]
    parts.append(texts.get(language, "report_card_history") + "\n" + "\n".join(shown))
    text = "\n\n".join(parts)
    return text if len(text) <= 4000 else text[:3990] + "…"


def card_view(
    texts: Catalogue,
    language: str,
    card: ReportCard,
    actor: Actor,
    *,
    policy: ReportPolicy,
    names: Mapping[str, str],
    zone: ZoneInfo,
    now: datetime,
    headline: NoticeKind | None = None,
) -> Screen:
    """A report with the buttons ``actor`` may use: statuses (the lifecycle's order), a note,
    and for staff routing and photos; partners see no reporter identity."""
    report = card.report
    for_partner = actor.role == "partner"
    text = _card_text(
        texts, language, card, policy=policy, names=names, zone=zone, now=now,
        headline=headline, for_partner=for_partner,
    )  # fmt: skip
    statuses = [
        button(
            texts.get(language, f"button_status_{to}"),
            ReportStatusPress(report.id, report.revision, to),
        )
        for to in lifecycle.allowed_targets(report, actor, policy)
        if to != "new"
    ]
    rows = [statuses[i : i + 2] for i in range(0, len(statuses), 2)]
    extra = [
        button(
            texts.get(language, "button_report_note"), ReportNotePress(report.id, report.revision)
        )
    ]
    if (
        not for_partner
        and not policy.treats_as_sensitive(report)
        and report.is_open
        and policy.partners
    ):
        extra.append(
            button(
                texts.get(language, "button_report_route"),
                ReportRouteMenuPress(report.id),
            )
        )
    if report.photos:
        extra.append(
            button(
                texts.get(language, "button_report_photos", count=len(report.photos)),
                ReportPhotosPress(report.id),
            )
        )
    return Screen(text, keyboard([*rows, extra]))


def reason_view(texts: Catalogue, language: str, report: Report) -> Screen:
    rows = [
        [
            button(
                texts.get(language, f"button_reason_{reason}"),
                ReportReasonPress(report.id, report.revision, reason),
            )
        ]
        for reason in CLOSE_REASONS
    ]
    back = button(texts.get(language, "button_back"), ReportCardPress(report.id))
    return Screen(
        texts.get(language, "report_ask_reason", reference=report.reference),
        keyboard([*rows, [back]]),
    )


def route_view(texts: Catalogue, language: str, report: Report, policy: ReportPolicy) -> Screen:
    """Partners to route to, those taking the category first."""
    taking = {p.id for p in policy.partners_for(report.category)}
    ordered = sorted(policy.partners, key=lambda p: p.id not in taking)
    rows = [
        [
            button(
                ("★ " if p.id in taking else "")
                + p.name
                + (" ✓" if p.id == report.partner_id else ""),
                ReportRoutePress(report.id, report.revision, p.id),
            )
        ]
        for p in ordered
    ]
    back = button(texts.get(language, "button_back"), ReportCardPress(report.id))
    return Screen(
        texts.get(language, "report_ask_partner", reference=report.reference),
        keyboard([*rows, [back]]),
    )


def pending_view(
    texts: Catalogue, language: str, pending: PendingChange, *, in_group: bool
) -> Screen:
    """What the waiting change needs typed: a note (optional for a status change) or the
    original's reference; in a group, as a reply to this message."""
    ref = reference(pending.report_id)
    if pending.step == "duplicate":
        key = "report_ask_duplicate"
    elif pending.to is None:
        key = "report_ask_note"
    else:
        key = "report_ask_status_note"
    status = status_label(texts, language, pending.to) if pending.to else ""
    text = texts.get(language, key, reference=ref, status=status)
    if in_group:
        text += "\n" + texts.get(language, "report_reply_in_group")
    rows = []
    if pending.to is not None and pending.step == "note":
        rows.append(
            button(
                texts.get(language, "button_report_without_note"),
                PendingChangePress(pending.report_id, "send"),
            )
        )
    rows.append(
        button(
            texts.get(language, "button_cancel"), PendingChangePress(pending.report_id, "cancel")
        )
    )
    return Screen(text, keyboard([rows]))


def changed_notice(texts: Catalogue, language: str, report: Report, entry: HistoryEntry) -> str:
    if entry.kind == "note":
        return texts.get(language, "report_note_posted", reference=report.reference)
    if entry.kind == "routed":
        return texts.get(language, "report_routed", reference=report.reference)
    return texts.get(
        language,
        "report_changed",
        reference=report.reference,
        status=status_label(texts, language, report.status),
    )


def photo_captions(texts: Catalogue, language: str, report: Report) -> list[tuple[str, str]]:
    """(file id, caption) of each of a report's photos."""
    count = len(report.photos)
    return [
        (
            photo,
            texts.get(
                language, "report_photo_caption", reference=report.reference, number=n, count=count
            ),
        )
        for n, photo in enumerate(report.photos, start=1)
    ]


def _duration(texts: Catalogue, language: str, hours: float) -> str:
    if hours >= 48:
        return texts.get(language, "results_reports_days", value=f"{hours / 24:.1f}")
    return texts.get(language, "results_reports_hours", value=f"{hours:.1f}")


def report_figures_view(
    texts: Catalogue,
    language: str,
    figures: ReportFigures,
    policy: ReportPolicy,
    names: Mapping[str, str],
) -> Screen:
    """/results: the report figures, small groups hidden as in every published figure."""
    k = figures.min_group_size
    if figures.withheld:
        return Screen(texts.get(language, "results_reports_withheld", k=k))
    lines = [texts.get(language, "results_reports_title", total=figures.total or 0)]
    if figures.supporters:
        lines.append(texts.get(language, "results_reports_supporters", count=figures.supporters))
    statuses = " · ".join(
        f"{status_label(texts, language, status)} {count}"
        for status, count in figures.by_status.items()
    )
    lines.append(texts.get(language, "results_reports_status", values=statuses))
    categories = {c.id: c.name(language) for c in policy.categories}
    for key, breakdown, labels in (
        ("results_reports_category", figures.by_category, categories),
        ("results_reports_area", figures.by_area, {**names, "": "–"}),
    ):
        values = " · ".join(f"{labels.get(g, g)} {n}" for g, n in breakdown.published.items())
        if breakdown.suppressed:
            hidden = texts.get(language, "results_reports_hidden", count=len(breakdown.suppressed))
            values = f"{values} · {hidden}" if values else hidden
        lines.append(texts.get(language, key, values=values))
    for key, duration in (
        ("results_reports_acknowledge", figures.acknowledge),
        ("results_reports_resolve", figures.resolve),
    ):
        value = (
            _duration(texts, language, duration.median_hours)
            if duration.median_hours is not None
            else texts.get(language, "results_reports_figure_withheld", k=k)
        )
        lines.append(texts.get(language, key, value=value, n=duration.n or "–"))
    for key, rate in (
        ("results_reports_within", figures.resolved_within),
        ("results_reports_reopen", figures.reopen),
    ):
        share = (
            texts.get(
                language,
                "results_reports_share",
                pct=f"{rate.share:.0%}",
                count=rate.count,
                n=rate.n,
            )
            if rate.share is not None
            else texts.get(language, "results_reports_figure_withheld", k=k)
        )
        lines.append(texts.get(language, key, share=share, days=figures.resolved_within_days))
    return Screen("\n".join(lines))


def my_report_button(texts: Catalogue, language: str, report_id: int) -> InlineKeyboardButton:
    return button(texts.get(language, "button_report_history"), MyReportPress(report_id))


__all__ = [
    "ANY",
    "LIST_SHOWS",
    "card_view",
    "changed_notice",
    "draft_view",
    "filter_view",
    "followup_answer_view",
    "my_report_view",
    "my_reports_view",
    "pending_view",
    "photo_captions",
    "reason_view",
    "report_figures_view",
    "report_list_view",
    "review_view",
    "route_view",
    "status_label",
    "submitted_view",
]
