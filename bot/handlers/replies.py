"""Small building blocks shared by the handlers: who is talking, in which language, and how
to answer (edit the pressed message in place, or send a new one)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.context import BotContext
from surveys.models import Resident


async def current_resident(update: Update, context: BotContext) -> Resident | None:
    user = update.effective_user
    if user is None:
        return None
    return await context.store.residents.by_telegram_id(user.id)


def language_of(update: Update, context: BotContext, resident: Resident | None) -> str:
    """The resident's chosen language, else their Telegram app's, else the community default."""
    if resident is not None:
        return resident.language
    user = update.effective_user
    return context.texts.pick_language(user.language_code if user else None)


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


async def answer_query(update: Update, text: str | None = None) -> None:
    """Stop the client's spinner; a query that is already too old is no reason to fail."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text[:200] if text else None)
    except BadRequest as exc:
        if "query is too old" not in exc.message:
            raise
