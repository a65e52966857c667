"""Show a resident where they are: their onboarding step, or the main menu once done."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.replies import reply
from bot.views.onboarding import where_view
from surveys.models import Resident


async def show_where(
    update: Update, context: BotContext, resident: Resident, *, edit: bool = False, page: int = 0
) -> None:
    """Render the resident's current step (derived from their row, so always true)."""
    where = await context.services.onboarding.where(resident)
    await reply(
        update, context, *where_view(context.texts, context.settings, where, page=page), edit=edit
    )
