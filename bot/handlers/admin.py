"""Admin commands."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import Update

from bot.context import BotContext
from bot.handlers.access import restricted
from bot.handlers.replies import current_resident, language_of, reply


@restricted("audit", "admin")
async def audit(update: Update, context: BotContext) -> None:
    """/audit: the latest role-restricted actions, in the community's time zone."""
    language = language_of(update, context, await current_resident(update, context))
    texts = context.texts
    entries = await context.store.audit.recent(15)
    if not entries:
        await reply(update, context, texts.get(language, "audit_empty"))
        return
    zone = ZoneInfo(context.settings.community.timezone)
    lines = [
        texts.get(
            language,
            "audit_line",
            at=entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            role=entry.actor_role,
            action=entry.action,
            outcome=texts.get(language, "audit_allowed" if entry.allowed else "audit_refused"),
        )
        for entry in entries
    ]
    await reply(update, context, "\n".join(lines))
