"""Onboarding: privacy notice and consent, language, area, then the main menu.

Every step is derived from the resident's row, so /start, a restart or a stale button always
lands the resident where they really are.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.guards import registered
from bot.handlers.replies import answer_query, reply
from bot.handlers.where import show_where
from bot.keyboards import AreaPagePress, AreaPress, ConsentPress, LanguagePress
from bot.views.onboarding import area_chosen_view, area_view


async def start(update: Update, context: BotContext) -> None:
    """/start: register, resume after /stop, or show where the resident is."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    result = await context.services.onboarding.start(user.id, chat.id, context.language)
    if result.resumed:
        await reply(update, context, context.texts.get(result.resident.language, "resumed"))
    await show_where(update, context, result.resident)


@registered
async def consent_pressed(update: Update, context: BotContext, press: ConsentPress) -> None:
    """Consent buttons: yes moves on, no removes the never-consented row."""
    resident = context.actor.resident
    assert resident is not None
    updated = await context.services.onboarding.consent(resident, press.answer == "yes")
    await answer_query(update, context)
    if updated is None:
        await reply(update, context, context.text("consent_declined"), edit=True)
        return
    await show_where(update, context, updated, edit=True)


@registered
async def language_pressed(update: Update, context: BotContext, press: LanguagePress) -> None:
    """Language buttons, during onboarding or from /settings."""
    resident = context.actor.resident
    assert resident is not None
    updated = await context.services.onboarding.choose_language(resident, press.code)
    saved = context.texts.get(updated.language, "settings_saved") if updated.onboarded else None
    await answer_query(update, context, saved)
    await show_where(update, context, updated, edit=True)


@registered
async def area_pressed(update: Update, context: BotContext, press: AreaPress) -> None:
    """Area buttons, during onboarding or from /settings (then invitations to open rounds)."""
    resident = context.actor.resident
    assert resident is not None
    change = await context.services.onboarding.choose_area(
        resident, press.area_id, in_settings=press.purpose == "set"
    )
    await answer_query(update, context)
    if change.invited:
        context.services.delivery.wake()
    view = area_chosen_view(
        context.texts, change.resident, change.area, in_settings=press.purpose == "set"
    )
    await reply(update, context, *view, edit=True)
    await show_where(update, context, change.resident)


@registered
async def area_page_pressed(update: Update, context: BotContext, press: AreaPagePress) -> None:
    """Previous/Next under the area list."""
    resident = context.actor.resident
    assert resident is not None
    areas = await context.services.onboarding.areas(resident, in_settings=press.purpose == "set")
    await answer_query(update, context)
    view = area_view(
        context.texts, resident.language, areas, page=press.page, purpose=press.purpose
    )
    await reply(update, context, *view, edit=True)
