"""Admin commands: the audit log, a page at a time."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.guards import admin_only
from bot.handlers.replies import answer_query, reply
from bot.keyboards import AuditPagePress
from bot.views.staff import audit_view
from surveys.audit import Show, audit_page

SHOWS: tuple[Show, ...] = ("all", "refused", "allowed")


@admin_only("audit")
async def audit(update: Update, context: BotContext) -> None:
    """/audit [refused|allowed]: the newest role-restricted actions and refusals."""
    word = (context.args or ["all"])[0].lower()
    show: Show = next((s for s in SHOWS if s == word), "all")
    page = await audit_page(context.store, show=show)
    await reply(
        update,
        context,
        *audit_view(context.texts, context.language, page, context.settings.community.zone),
    )


@admin_only("audit")
async def audit_page_pressed(update: Update, context: BotContext, press: AuditPagePress) -> None:
    """Older / Newest / filter buttons under /audit."""
    page = await audit_page(context.store, show=press.show, before=press.before)
    await answer_query(update, context)
    await reply(
        update,
        context,
        *audit_view(context.texts, context.language, page, context.settings.community.zone),
        edit=True,
    )
