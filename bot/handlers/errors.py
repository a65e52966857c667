"""The one error handler: log with the traceback, tell the user something went wrong."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.handlers.replies import answer_query, language_of

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log first; then a short apology in the user's language (never a traceback)."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        language = language_of(update, context, None)
        await answer_query(update)
        await context.bot.send_message(
            update.effective_chat.id, context.texts.get(language, "error_generic")
        )
    except (TelegramError, RuntimeError):
        log.warning("could not tell the user about the error", exc_info=True)
