"""Staff screens: /residents (suppressed counts), /announce, /audit pages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.keyboards import AnnouncePress, AuditPagePress, button, keyboard
from bot.texts import Catalogue
from bot.views import Screen
from surveys.announcements import AnnouncementPreview
from surveys.audit import AuditPage
from surveys.census import Census
from surveys.models import AuditEntry


def residents_view(texts: Catalogue, language: str, census: Census) -> Screen:
    hidden = texts.get(language, "suppressed", min=census.min_group_size)
    protecting = texts.get(language, "suppressed_complementary")
    lines = [
        texts.get(
            language,
            "residents_line",
            area=row.area.name,
            count=(protecting if row.protecting else hidden) if row.count is None else row.count,
        )
        for row in census.areas
    ]
    total = hidden if census.total is None else census.total
    text = texts.raw(
        language,
        "residents_summary",
        min=census.min_group_size,
        lines="\n".join(lines),
        total=total,
    )
    return Screen(text)


def announce_audience_view(texts: Catalogue, language: str, preview: AnnouncementPreview) -> Screen:
    """Who the announcement below reaches (its own message: the announcement may use all of
    Telegram's length)."""
    return Screen(texts.plural(language, "announce_preview", preview.audience))


def announce_preview_view(texts: Catalogue, language: str, preview: AnnouncementPreview) -> Screen:
    """The announcement exactly as residents in ``language`` will read it, with Send/Cancel."""
    send = button(texts.get(language, "button_send"), AnnouncePress("send", preview.key))
    cancel = button(texts.get(language, "button_cancel"), AnnouncePress("cancel", preview.key))
    return Screen(texts.render(language, preview.message), keyboard([[send, cancel]]))


def announce_queued_view(texts: Catalogue, language: str, queued: int) -> Screen:
    return Screen(texts.plural(language, "announce_queued", queued))


def announce_cancelled_view(texts: Catalogue, language: str) -> Screen:
    return Screen(texts.get(language, "announce_cancelled"))


def actor_label(texts: Catalogue, language: str, entry: AuditEntry) -> str:
    """Who acted: staff by role and id; residents and guests by pseudonym only."""
    if entry.actor_user_id is not None:
        return texts.get(language, f"role_{entry.actor_role}") + f" {entry.actor_user_id}"
    if entry.actor_pseudonym is not None and entry.actor_pseudonym.startswith("guest-"):
        return texts.get(language, "role_guest") + f" {entry.actor_pseudonym}"
    name = entry.actor_pseudonym or ""
    return (texts.get(language, f"role_{entry.actor_role}") + f" {name}").strip()


def audit_view(texts: Catalogue, language: str, page: AuditPage, zone: ZoneInfo) -> Screen:
    if not page.entries:
        return Screen(texts.get(language, "audit_empty"))
    lines = [texts.get(language, f"audit_title_{page.show}")]
    lines += [
        texts.get(
            language,
            "audit_line",
            at=entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            who=actor_label(texts, language, entry),
            action=entry.action,
            outcome=texts.get(language, "audit_allowed" if entry.allowed else "audit_refused"),
        )
        for entry in page.entries
    ]
    nav = []
    if not page.first:
        nav.append(button(texts.get(language, "button_newest"), AuditPagePress(page.show, 0)))
    if page.older is not None:
        nav.append(
            button(texts.get(language, "button_older"), AuditPagePress(page.show, page.older))
        )
    shows = [
        button(texts.get(language, f"audit_show_{show}"), AuditPagePress(show, 0))
        for show in ("all", "refused", "allowed")
        if show != page.show
    ]
    return Screen("\n".join(lines), keyboard([nav, shows]))
