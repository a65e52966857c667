"""Onboarding: privacy notice and consent, language, area, then the main menu.

Every step is derived from the resident's row, so /start, a restart or a stale button always
lands the resident where they really are.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.replies import answer_query, current_resident, language_of, reply
from bot.keyboards import (
    area_keyboard,
    area_pages,
    consent_keyboard,
    decode,
    language_keyboard,
    menu_keyboard,
)
from surveys.errors import StaleActionError
from surveys.models import Resident


async def show_step(
    update: Update, context: BotContext, resident: Resident, *, edit: bool = False, page: int = 0
) -> None:
    """Render the resident's current onboarding step (or the main menu once done)."""
    texts, lang = context.texts, resident.language
    if resident.step == "consent":
        settings = context.settings.community
        text = texts.get(
            lang, "privacy_notice", community=settings.name, emergency=settings.emergency_number
        )
        await reply(update, context, text, consent_keyboard(texts, lang), edit=edit)
    elif resident.step == "language":
        await reply(
            update, context, texts.get(lang, "choose_language"), language_keyboard(texts), edit=edit
        )
    elif resident.step == "area":
        await show_areas(update, context, resident, page=page, purpose="onb", edit=edit)
    else:
        await reply(
            update, context, texts.get(lang, "main_menu"), menu_keyboard(texts, lang), edit=edit
        )


async def show_areas(
    update: Update,
    context: BotContext,
    resident: Resident,
    *,
    page: int,
    purpose: str,
    edit: bool,
) -> None:
    texts, lang = context.texts, resident.language
    areas = await context.store.areas.active()
    if not areas:
        await reply(update, context, texts.get(lang, "no_areas"), edit=edit)
        return
    text = texts.get(lang, "choose_area")
    pages = area_pages(areas)
    if pages > 1:
        text += "\n" + texts.get(lang, "area_page", page=min(page, pages - 1) + 1, pages=pages)
    keyboard = area_keyboard(texts, lang, areas, page=page, purpose=purpose)
    await reply(update, context, text, keyboard, edit=edit)


async def start(update: Update, context: BotContext) -> None:
    """/start: register, resume after /stop, or show where the resident is."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    language = context.texts.pick_language(user.language_code)
    result = await context.services.onboarding.start(user.id, chat.id, language)
    if result.resumed:
        await reply(update, context, context.texts.get(result.resident.language, "resumed"))
    await show_step(update, context, result.resident)


async def consent_pressed(update: Update, context: BotContext) -> None:
    """Consent buttons: yes moves on, no removes the never-consented row."""
    resident = await _resident_or_restart(update, context)
    if resident is None:
        return
    agreed = decode(_data(update)).args[0] == "yes"
    try:
        updated = await context.services.onboarding.consent(resident, agreed)
    except StaleActionError:
        await stale(update, context, resident)
        return
    await answer_query(update)
    if updated is None:
        await reply(
            update, context, context.texts.get(resident.language, "consent_declined"), edit=True
        )
        return
    await show_step(update, context, updated, edit=True)


async def language_pressed(update: Update, context: BotContext) -> None:
    """Language buttons, during onboarding or from /settings."""
    resident = await _resident_or_restart(update, context)
    if resident is None:
        return
    try:
        updated = await context.services.onboarding.choose_language(
            resident, decode(_data(update)).args[0]
        )
    except StaleActionError:
        await stale(update, context, resident)
        return
    await answer_query(
        update,
        context.texts.get(updated.language, "settings_saved") if updated.step == "done" else None,
    )
    await show_step(update, context, updated, edit=True)


async def area_pressed(update: Update, context: BotContext) -> None:
    """Area buttons, during onboarding or from /settings."""
    resident = await _resident_or_restart(update, context)
    if resident is None:
        return
    purpose, area_id = decode(_data(update)).args
    try:
        updated = await context.services.onboarding.choose_area(
            resident, area_id, in_settings=purpose == "set"
        )
    except StaleActionError:
        await stale(update, context, resident)
        return
    await answer_query(update)
    # Joined or moved while rounds are open: invite to the ones of the (new) area.
    await context.services.scheduler.invite_newcomer(updated)
    areas = {area.id: area.name for area in await context.store.areas.active()}
    texts = context.texts
    if purpose == "set":
        await reply(update, context, texts.get(updated.language, "settings_saved"), edit=True)
    else:
        await reply(
            update,
            context,
            texts.get(updated.language, "onboarding_done", area=areas.get(area_id, area_id)),
            edit=True,
        )
    await show_step(update, context, updated)


async def area_page_pressed(update: Update, context: BotContext) -> None:
    """Previous/Next under the area list."""
    resident = await _resident_or_restart(update, context)
    if resident is None:
        return
    purpose, page = decode(_data(update)).args
    # onboarding pages belong to the area step, settings pages to onboarded residents
    if resident.step != ("area" if purpose == "onb" else "done"):
        await stale(update, context, resident)
        return
    await answer_query(update)
    await show_areas(update, context, resident, page=int(page), purpose=purpose, edit=True)


async def stale(update: Update, context: BotContext, resident: Resident | None) -> None:
    """An old or forged button: say so, change nothing, show where the resident really is."""
    language = language_of(update, context, resident)
    await answer_query(update, context.texts.get(language, "stale_button"))
    if resident is None:
        await reply(update, context, context.texts.get(language, "not_registered"))
    else:
        await show_step(update, context, resident)


async def _resident_or_restart(update: Update, context: BotContext) -> Resident | None:
    resident = await current_resident(update, context)
    if resident is None:
        await stale(update, context, None)
    return resident


def _data(update: Update) -> str | None:
    query = update.callback_query
    return query.data if query else None
