"""Answers for everything no other handler took: stickers, photos, edits, unknown commands,
stray text, forged or stale buttons, and messages in groups."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.newround import typed_plan_input
from bot.handlers.onboarding import show_step, stale
from bot.handlers.replies import current_resident, language_of, reply
from bot.handlers.survey import typed_answer


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have."""
    resident = await current_resident(update, context)
    message = update.effective_message
    command = (message.text or "").split()[0].split("@")[0] if message else "/"
    await reply(
        update,
        context,
        context.texts.get(
            language_of(update, context, resident), "unknown_command", command=command
        ),
    )


async def unexpected_media(update: Update, context: BotContext) -> None:
    """Stickers, photos, locations and other non-text messages."""
    resident = await current_resident(update, context)
    await reply(
        update,
        context,
        context.texts.get(language_of(update, context, resident), "unexpected_media"),
    )


async def unexpected_edit(update: Update, context: BotContext) -> None:
    """An edited message: we only act on new ones."""
    resident = await current_resident(update, context)
    await reply(
        update,
        context,
        context.texts.get(language_of(update, context, resident), "unexpected_edit"),
    )


async def stray_text(update: Update, context: BotContext) -> None:
    """Typed text: a coordinator's plan input, an answer to the question on screen, else a
    pointer to the current step or the menu."""
    if await typed_plan_input(update, context):
        return
    resident = await current_resident(update, context)
    if resident is None:
        await reply(
            update, context, context.texts.get(language_of(update, context, None), "not_registered")
        )
        return
    if resident.step == "done" and await typed_answer(update, context, resident):
        return
    key = "unexpected_text" if resident.step == "done" else "finish_onboarding"
    await reply(update, context, context.texts.get(resident.language, key))
    await show_step(update, context, resident)


async def unknown_button(update: Update, context: BotContext) -> None:
    """A callback payload this release does not produce (forged, or from an old version)."""
    await stale(update, context, await current_resident(update, context))


async def group_command(update: Update, context: BotContext) -> None:
    """Residents' commands sent in a group: the bot works in private chats."""
    await reply(
        update, context, context.texts.get(language_of(update, context, None), "private_only")
    )
