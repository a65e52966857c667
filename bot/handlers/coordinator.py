"""Coordinator commands: who is registered where, and announcements to everyone."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.guards import staff_only
from bot.handlers.replies import answer_query, reply
from bot.keyboards import AnnouncePress
from bot.views.staff import (
    announce_audience_view,
    announce_cancelled_view,
    announce_preview_view,
    announce_queued_view,
    residents_view,
)
from surveys.census import census


@staff_only("residents")
async def residents(update: Update, context: BotContext) -> None:
    """/residents: registered residents per area, small groups suppressed."""
    counts = await census(context.store, context.settings.privacy.min_group_size)
    await reply(update, context, *residents_view(context.texts, context.language, counts))


@staff_only("announce")
async def announce(update: Update, context: BotContext) -> None:
    """/announce TEXT: preview the announcement with the number of residents it reaches."""
    message, user_id = update.effective_message, context.actor.user_id
    assert message is not None and user_id is not None
    # everything after the command itself, line breaks kept; keyed by the command's message
    text = (message.text or "").partition(" ")[2]
    preview = await context.services.announcements.preview(user_id, message.message_id, text)
    await reply(update, context, *announce_audience_view(context.texts, context.language, preview))
    await reply(update, context, *announce_preview_view(context.texts, context.language, preview))


@staff_only("announce")
async def announce_pressed(update: Update, context: BotContext, press: AnnouncePress) -> None:
    """Send or Cancel under the /announce preview."""
    announcements, user_id = context.services.announcements, context.actor.user_id
    assert user_id is not None
    if press.choice == "cancel":
        await announcements.cancel(user_id, press.key)
        view = announce_cancelled_view(context.texts, context.language)
    else:
        queued = await announcements.send(user_id, press.key, role=context.actor.role)
        context.services.delivery.wake()
        view = announce_queued_view(context.texts, context.language, queued)
    await answer_query(update, context)
    await reply(update, context, *view, edit=True)
