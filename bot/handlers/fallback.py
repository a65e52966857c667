"""Answers for everything no other handler took: stickers, photos, edits, unknown commands,
stray text, and commands sent in groups."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from telegram import Update

from bot.context import BotContext
from bot.handlers.guards import audit
from bot.handlers.replies import reply
from bot.handlers.where import show_where

# A flow that may take typed text: True if it did (a plan step's time, a typed answer, ...).
TextInput = Callable[[Update, BotContext], Awaitable[bool]]


def _command(update: Update) -> str:
    message = update.effective_message
    return (message.text or "/").split()[0].split("@")[0] if message else "/"


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have."""
    await reply(update, context, context.text("unknown_command", command=_command(update)))


async def unexpected_media(update: Update, context: BotContext) -> None:
    """Stickers, photos, locations and other non-text messages."""
    await reply(update, context, context.text("unexpected_media"))


async def unexpected_edit(update: Update, context: BotContext) -> None:
    """An edited message: we only act on new ones."""
    await reply(update, context, context.text("unexpected_edit"))


async def typed_text(inputs: Sequence[TextInput], update: Update, context: BotContext) -> None:
    """Typed text: the first flow waiting for it takes it; else a pointer to where one is."""
    for takes in inputs:
        if await takes(update, context):
            return
    resident = context.actor.resident
    if resident is None:
        await reply(update, context, context.text("not_registered"))
        return
    await reply(
        update,
        context,
        context.text("unexpected_text" if resident.onboarded else "finish_onboarding"),
    )
    await show_where(update, context, resident)


async def group_command(restricted: Sequence[str], update: Update, context: BotContext) -> None:
    """A command sent in a group: the bot works in private chats; a restricted one is audited
    as refused there too."""
    command = _command(update).lstrip("/")
    if command in restricted:
        await audit(context, command, allowed=False, via="group")
    await reply(update, context, context.text("private_only"))
