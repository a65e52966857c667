"""Coordinator commands: who is registered where, and announcements to everyone."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.access import restricted
from bot.handlers.replies import current_resident, language_of, reply
from surveys.models import OutboxMessage
from surveys.suppression import suppress


@restricted("residents", "coordinator", "admin")
async def residents(update: Update, context: BotContext) -> None:
    """/residents: registered residents per area, small groups suppressed."""
    language = language_of(update, context, await current_resident(update, context))
    texts, minimum = context.texts, context.settings.privacy.min_group_size
    counts = await context.store.residents.count_by_area()
    areas = await context.store.areas.active()
    result = suppress({area.id: counts.get(area.id, 0) for area in areas}, minimum)
    hidden = texts.get(language, "suppressed", min=minimum)
    lines = [
        texts.get(
            language,
            "residents_line",
            area=area.name,
            count=hidden if area.id in result.suppressed else result.published[area.id],
        )
        for area in areas
    ]
    total = hidden if result.total_suppressed or result.total is None else result.total
    await reply(
        update,
        context,
        texts.raw(language, "residents_summary", min=minimum, lines="\n".join(lines), total=total),
    )


@restricted("announce", "coordinator", "admin")
async def announce(update: Update, context: BotContext) -> None:
    """/announce TEXT: queue an announcement for every registered resident."""
    language = language_of(update, context, await current_resident(update, context))
    text = " ".join(context.args or []).strip()
    message = update.effective_message
    if message and message.text:
        # keep the coordinator's line breaks: everything after the command itself
        text = message.text.partition(" ")[2].strip() or text
    if not text:
        await reply(update, context, context.texts.get(language, "announce_usage"))
        return
    assert message is not None
    # Keyed by the command's message, so a redelivered update cannot announce twice.
    queued = await context.store.outbox.enqueue_audience(
        f"announce:{message.chat_id}:{message.message_id}",
        OutboxMessage(
            text_key="announcement",
            params={"community": context.settings.community.name, "text": text},
        ),
    )
    context.services.delivery.wake()
    await reply(update, context, context.texts.get(language, "announce_queued", count=queued))
