"""The one place errors are turned into answers.

:func:`handled` wraps every registered callback (see :func:`bot.handlers.register`):

- a domain error (:class:`~surveys.errors.SurveysError`, raised on purpose) is expected: the
  user reads the catalogue message ``error_<code>`` in their language, as the answer of the
  pressed button (or as a message if that was already answered, or for typed input); then the
  flow's ``recover`` (if the press set one) shows where the user really is;
- anything else is a bug: it is logged first, the user gets a short apology (a pressed button's
  spinner is stopped only if no one answered it yet), then the admins are told, at most once per
  kind of failure every few minutes.

Handlers never catch domain errors themselves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.handlers.actor import actor_of
from bot.handlers.replies import answer_query, notify, reply
from surveys.errors import SurveysError

log = logging.getLogger(__name__)

ALERT_EVERY = 600.0  # seconds between two alerts about the same kind of failure
Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def handled(callback: Callback) -> Callback:
    """``callback`` with domain errors explained and failures reported (see module doc)."""

    where = str(
        getattr(callback, "__qualname__", None)
        or getattr(getattr(callback, "func", None), "__qualname__", "handler")
    )

    async def run(update: Update, context: BotContext) -> None:
        try:
            await callback(update, context)
        except SurveysError as exc:
            await explain(update, context, exc)
        except Exception as exc:
            await report(update, context, exc, where=where)

    run.__qualname__ = run.__name__ = f"handled({where})"
    return run


async def explain(update: Update, context: BotContext, error: SurveysError) -> None:
    """A domain error: the catalogue's reason, then the flow's recovery (if any)."""
    log.info("refused (%s): %s", error.code, error)
    if not context.has_actor:
        context.actor = await actor_of(update, context)
    await notify(update, context, context.text(f"error_{error.code}", **error.params))
    if update.callback_query is not None and context.recover is not None:
        await context.recover(update, context, error)


async def report(update: object, context: BotContext, error: BaseException, *, where: str) -> None:
    """A failure: log with the traceback, apologise, tell the admins (never a traceback)."""
    log.error("error while handling an update in %s", where, exc_info=error)
    if not isinstance(update, Update):
        return
    try:
        if not context.has_actor:
            context.actor = await actor_of(update, context)
        text = context.text("error_generic")
        if not await answer_query(update, context, text) and update.effective_chat:
            await reply(update, context, text)
    except Exception:
        log.warning("could not tell the user about the error", exc_info=True)
    await _alert_admins(context, f"{where}: {type(error).__name__}")


async def on_error(update: object, context: BotContext) -> None:
    """PTB's error handler: failures outside the wrapped callbacks (e.g. resolving the actor)."""
    if isinstance(context.error, SurveysError) and isinstance(update, Update):
        await explain(update, context, context.error)
        return
    if context.error is not None:
        await report(update, context, context.error, where="update")


async def _alert_admins(context: BotContext, kind: str) -> None:
    """Tell each admin once per ``kind`` every ALERT_EVERY seconds (no personal data)."""
    try:
        services = context.services
    except RuntimeError:
        return
    alerted = context.bot_data.alerted_at
    now = time.monotonic()
    if now - alerted.get(kind, -ALERT_EVERY) < ALERT_EVERY:
        return
    alerted[kind] = now
    texts = services.texts
    for admin in services.settings.access.admins:
        try:
            await context.bot.send_message(
                admin, texts.get(texts.default, "admin_alert", kind=kind)
            )
        except TelegramError as exc:
            log.warning("could not alert admin %s: %s", admin, exc)
