"""/stop and /forget: leaving, and erasing the link between a person and their data."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.onboarding import stale
from bot.handlers.replies import answer_query, current_resident, language_of, reply
from bot.keyboards import decode, forget_keyboard


async def stop(update: Update, context: BotContext) -> None:
    """/stop: no more messages from the bot until /start."""
    resident = await current_resident(update, context)
    texts = context.texts
    if resident is None:
        await reply(
            update, context, texts.get(language_of(update, context, None), "not_registered")
        )
        return
    changed = await context.services.onboarding.stop(resident)
    await reply(
        update, context, texts.get(resident.language, "stopped" if changed else "already_stopped")
    )


async def forget(update: Update, context: BotContext) -> None:
    """/forget: ask for confirmation before erasing anything."""
    resident = await current_resident(update, context)
    texts = context.texts
    if resident is None:
        await reply(
            update, context, texts.get(language_of(update, context, None), "not_registered")
        )
        return
    await reply(
        update,
        context,
        texts.get(resident.language, "forget_confirm"),
        forget_keyboard(texts, resident.language),
    )


async def forget_pressed(update: Update, context: BotContext) -> None:
    """The confirmation buttons of /forget."""
    resident = await current_resident(update, context)
    if resident is None:
        await stale(update, context, None)
        return
    await answer_query(update)
    if decode(update.callback_query.data if update.callback_query else None).args[0] == "no":
        await reply(
            update, context, context.texts.get(resident.language, "forget_cancelled"), edit=True
        )
        return
    await context.services.onboarding.forget(resident)
    await reply(update, context, context.texts.get(resident.language, "forgotten"), edit=True)
