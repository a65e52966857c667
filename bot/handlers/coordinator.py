"""Coordinator commands: who is registered where, and announcements to everyone."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.guards import staff_only
from bot.handlers.replies import reply
from bot.views.staff import announce_queued_view, residents_view
from surveys.census import census


@staff_only("residents")
async def residents(update: Update, context: BotContext) -> None:
    """/residents: registered residents per area, small groups suppressed."""
    counts = await census(context.store, context.settings.privacy.min_group_size)
    await reply(update, context, *residents_view(context.texts, context.language, counts))


@staff_only("announce")
async def announce(update: Update, context: BotContext) -> None:
    """/announce TEXT: queue an announcement for every registered resident."""
    message = update.effective_message
    assert message is not None
    # everything after the command itself, line breaks kept; keyed by the command's message
    text = (message.text or "").partition(" ")[2]
    key = f"{message.chat_id}:{message.message_id}"
    queued = await context.services.announcements.queue(key, text)
    context.services.delivery.wake()
    await reply(update, context, *announce_queued_view(context.texts, context.language, queued))
