"""How handlers answer: edit the pressed message in place or send a new one, and stop the
client's spinner exactly once per callback query."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.context import BotContext

ANSWER_MAX = 200  # Telegram's limit for a callback answer's text


async def reply(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = False,
) -> int | None:
    """Answer in the chat of the update; with ``edit`` replace the pressed message instead.

    Returns the id of the message that now shows ``text`` (None if there is no chat).
    """
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return query.message.message_id
        except BadRequest as exc:
            if "not modified" in exc.message:
                return query.message.message_id
            if "message to edit not found" not in exc.message:
                raise
    chat = update.effective_chat
    if chat is None:
        return None
    sent = await context.bot.send_message(chat.id, text, reply_markup=markup)
    return sent.message_id


async def answer_query(update: Update, context: BotContext, text: str | None = None) -> bool:
    """Stop the spinner (with a short notice); False if the query was already answered.

    A query is answered at most once: the error handler relies on this to stay silent about
    one a handler has answered (Telegram refuses a second answer as "query is too old").
    """
    query = update.callback_query
    if query is None or context.query_answered:
        return False
    context.query_answered = True
    try:
        await query.answer(text[:ANSWER_MAX] if text else None)
    except BadRequest as exc:
        if "query is too old" not in exc.message:
            raise
    return True


async def notify(update: Update, context: BotContext, text: str) -> None:
    """A notice: the answer of a pressed button when it fits one; else (or if the button was
    already answered, or for typed input) a message."""
    if len(text) <= ANSWER_MAX and await answer_query(update, context, text):
        return
    await answer_query(update, context)
    await reply(update, context, text)
