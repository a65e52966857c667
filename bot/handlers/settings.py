"""/settings and /help, and the main-menu buttons that lead there."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.guards import onboarded
from bot.handlers.replies import answer_query, reply
from bot.keyboards import MenuPress, SettingsPress
from bot.views.onboarding import area_view, help_view, language_view, settings_view


async def help_command(update: Update, context: BotContext) -> None:
    """/help: the commands this user's role may use."""
    actor = context.actor
    await answer_query(update, context)
    emergency = context.settings.community.emergency_number
    await reply(update, context, *help_view(context.texts, actor.language, actor.role, emergency))


@onboarded
async def settings_command(update: Update, context: BotContext) -> None:
    """/settings: show area, language and event news with buttons to change them."""
    resident = context.actor.resident
    assert resident is not None
    areas = await context.services.onboarding.settings(resident)
    muted = await context.services.events.board.is_muted(resident)
    await answer_query(update, context)
    view = settings_view(context.texts, resident, areas, events_muted=muted)
    await reply(update, context, *view)


async def menu_pressed(update: Update, context: BotContext, press: MenuPress) -> None:
    """Main-menu buttons: Help or Settings."""
    if press.item == "help":
        await help_command(update, context)
    else:
        await settings_command(update, context)


@onboarded
async def settings_pressed(update: Update, context: BotContext, press: SettingsPress) -> None:
    """Buttons under /settings: change area or language."""
    resident = context.actor.resident
    assert resident is not None
    if press.item == "area":
        areas = await context.services.onboarding.areas(resident, in_settings=True)
        view = area_view(context.texts, resident.language, areas, page=0, purpose="set")
    else:
        view = language_view(context.texts, resident.language)
    await answer_query(update, context)
    await reply(update, context, *view, edit=True)
