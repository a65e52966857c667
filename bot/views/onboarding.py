"""Onboarding and settings screens: privacy notice, language, area pages, menu, settings, help."""

from __future__ import annotations

import math
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.config import Settings
from bot.keyboards import (
    AreaPagePress,
    AreaPress,
    AreaPurpose,
    ConsentPress,
    EventNewsPress,
    ForgetPress,
    LanguagePress,
    MenuPress,
    ReportMenuPress,
    SettingsPress,
    SurveysPress,
    button,
    keyboard,
)
from bot.texts import Catalogue
from bot.views import Screen
from surveys.models import Area, Resident, Role
from surveys.onboarding import Where

AREAS_PER_PAGE = 8


def area_pages(areas: Sequence[Area]) -> int:
    return max(1, math.ceil(len(areas) / AREAS_PER_PAGE))


def where_view(texts: Catalogue, settings: Settings, where: Where, *, page: int = 0) -> Screen:
    """The resident's current onboarding step, or the main menu once done."""
    language, step = where.resident.language, where.resident.step
    if step == "consent":
        return consent_view(texts, language, settings)
    if step == "language":
        return language_view(texts, language)
    if step == "area":
        return area_view(texts, language, where.areas, page=page, purpose="onb")
    return menu_view(texts, language)


def consent_view(texts: Catalogue, language: str, settings: Settings) -> Screen:
    community = settings.community
    text = texts.get(
        language, "privacy_notice", community=community.name, emergency=community.emergency_number
    )
    yes = button(texts.get(language, "consent_yes"), ConsentPress("yes"))
    no = button(texts.get(language, "consent_no"), ConsentPress("no"))
    return Screen(text, keyboard([[yes, no]]))


def language_view(texts: Catalogue, language: str) -> Screen:
    rows = [
        [button(texts.get(code, "language_name"), LanguagePress(code))] for code in texts.languages
    ]
    return Screen(texts.get(language, "choose_language"), keyboard(rows))


def area_view(
    texts: Catalogue, language: str, areas: Sequence[Area], *, page: int, purpose: AreaPurpose
) -> Screen:
    """Two areas per row, eight per page, with Previous/Next when there are more."""
    if not areas:
        return Screen(texts.get(language, "no_areas"))
    pages = area_pages(areas)
    page = min(max(page, 0), pages - 1)
    text = texts.get(language, "choose_area")
    if pages > 1:
        text += "\n" + texts.get(language, "area_page", page=page + 1, pages=pages)
    return Screen(text, area_keyboard(texts, language, areas, page=page, purpose=purpose))


def area_keyboard(
    texts: Catalogue, language: str, areas: Sequence[Area], *, page: int, purpose: AreaPurpose
) -> InlineKeyboardMarkup | None:
    pages = area_pages(areas)
    page = min(max(page, 0), pages - 1)
    shown = areas[page * AREAS_PER_PAGE : (page + 1) * AREAS_PER_PAGE]
    buttons = [button(area.name, AreaPress(purpose, area.id)) for area in shown]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = []
    if page > 0:
        nav.append(button(texts.get(language, "button_previous"), AreaPagePress(purpose, page - 1)))
    if page < pages - 1:
        nav.append(button(texts.get(language, "button_next"), AreaPagePress(purpose, page + 1)))
    return keyboard([*rows, nav])


def menu_view(texts: Catalogue, language: str) -> Screen:
    return Screen(
        texts.get(language, "main_menu"),
        keyboard(
            [
                [button(texts.get(language, "menu_surveys"), SurveysPress("list"))],
                [
                    button(texts.get(language, "menu_report"), ReportMenuPress("report")),
                    button(texts.get(language, "menu_myreports"), ReportMenuPress("mine")),
                ],
                [
                    button(texts.get(language, "menu_settings"), MenuPress("settings")),
                    button(texts.get(language, "menu_help"), MenuPress("help")),
                ],
            ]
        ),
    )


def area_chosen_view(
    texts: Catalogue, resident: Resident, area: Area, *, in_settings: bool
) -> Screen:
    if in_settings:
        return Screen(texts.get(resident.language, "settings_saved"))
    return Screen(texts.get(resident.language, "onboarding_done", area=area.name))


def settings_view(
    texts: Catalogue, resident: Resident, areas: Sequence[Area], *, events_muted: bool
) -> Screen:
    language = resident.language
    names = {area.id: area.name for area in areas}
    text = texts.get(
        language,
        "settings_overview",
        area=names.get(resident.area_id or "", "–"),
        language=texts.get(language, "language_name"),
    )
    text += "\n" + texts.get(
        language, "settings_event_news_off" if events_muted else "settings_event_news_on"
    )
    rows = [[button(texts.get(language, "settings_area"), SettingsPress("area"))]]
    if len(texts.languages) > 1:
        rows.append([button(texts.get(language, "settings_language"), SettingsPress("lang"))])
    news = "button_unmute_events" if events_muted else "button_mute_events"
    rows.append([button(texts.get(language, news), EventNewsPress(not events_muted))])
    return Screen(text, keyboard(rows))


def help_view(texts: Catalogue, language: str, role: Role, emergency: str) -> Screen:
    """The commands this role may use."""
    parts = [texts.get(language, "help_resident", emergency=emergency)]
    if role in ("coordinator", "admin"):
        parts.append(texts.get(language, "help_coordinator"))
    if role == "admin":
        parts.append(texts.get(language, "help_admin"))
    return Screen("\n\n".join(parts))


def forget_view(texts: Catalogue, language: str) -> Screen:
    yes = button(texts.get(language, "forget_yes"), ForgetPress("yes"))
    no = button(texts.get(language, "forget_no"), ForgetPress("no"))
    return Screen(texts.get(language, "forget_confirm"), keyboard([[yes, no]]))
