"""/settings and /help, and the main-menu buttons that lead there."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.onboarding import show_areas, show_step, stale
from bot.handlers.replies import answer_query, current_resident, language_of, reply
from bot.keyboards import decode, language_keyboard, settings_keyboard
from surveys.models import Resident


async def help_command(update: Update, context: BotContext) -> None:
    """/help: the commands this user's role may use."""
    resident = await current_resident(update, context)
    await answer_query(update)
    await reply(update, context, help_text(update, context, language_of(update, context, resident)))


def help_text(update: Update, context: BotContext, language: str) -> str:
    user = update.effective_user
    role = context.settings.role_of(user.id) if user else "resident"
    texts = context.texts
    parts = [
        texts.get(language, "help_resident", emergency=context.settings.community.emergency_number)
    ]
    if role in ("coordinator", "admin"):
        parts.append(texts.get(language, "help_coordinator"))
    if role == "admin":
        parts.append(texts.get(language, "help_admin"))
    return "\n\n".join(parts)


async def settings_command(update: Update, context: BotContext) -> None:
    """/settings: show area and language with buttons to change them."""
    resident = await current_resident(update, context)
    if resident is None or resident.step != "done":
        await _finish_onboarding_first(update, context, resident)
        return
    await answer_query(update)
    areas = {area.id: area.name for area in await context.store.areas.active()}
    texts, lang = context.texts, resident.language
    text = texts.get(
        lang,
        "settings_overview",
        area=areas.get(resident.area_id or "", "–"),
        language=texts.get(lang, "language_name"),
    )
    await reply(update, context, text, settings_keyboard(texts, lang))


async def menu_pressed(update: Update, context: BotContext) -> None:
    """Main-menu buttons."""
    if decode(_data(update)).args[0] == "help":
        await help_command(update, context)
    else:
        await settings_command(update, context)


async def settings_pressed(update: Update, context: BotContext) -> None:
    """Buttons under /settings: change area or language."""
    resident = await current_resident(update, context)
    if resident is None or resident.step != "done":
        await stale(update, context, resident)
        return
    await answer_query(update)
    if decode(_data(update)).args[0] == "area":
        await show_areas(update, context, resident, page=0, purpose="set", edit=True)
    else:
        await reply(
            update,
            context,
            context.texts.get(resident.language, "choose_language"),
            language_keyboard(context.texts),
            edit=True,
        )


async def _finish_onboarding_first(
    update: Update, context: BotContext, resident: Resident | None
) -> None:
    await answer_query(update)
    if resident is None:
        await reply(
            update, context, context.texts.get(language_of(update, context, None), "not_registered")
        )
        return
    await reply(update, context, context.texts.get(resident.language, "finish_onboarding"))
    await show_step(update, context, resident)


def _data(update: Update) -> str | None:
    query = update.callback_query
    return query.data if query else None
