"""The one entry point of every button: decode the payload once, dispatch by its type.

The table (:data:`bot.handlers.BUTTONS`) maps each payload class to its handler and to what
the flow shows after a refused press. A payload that does not decode is a
:class:`~bot.keyboards.CallbackDataError`: the error handler answers it politely and the
resident is shown where they are; nothing changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Update

from bot.context import BotContext, Recover
from bot.handlers.replies import reply
from bot.handlers.where import show_where
from bot.keyboards import Payload, decode
from surveys.errors import StaleActionError, SurveysError

ButtonHandler = Callable[[Update, BotContext, Any], Awaitable[None]]


async def show_where_after(update: Update, context: BotContext, error: SurveysError) -> None:
    """Residents' flows: after a refused press, show the resident where they really are."""
    actor = context.actor
    if actor.resident is not None:
        await show_where(update, context, actor.resident)
    elif not actor.is_staff:
        await reply(update, context, context.text("not_registered"))


@dataclass(frozen=True)
class Route:
    handler: ButtonHandler
    recover: Recover | None = show_where_after


async def dispatch(
    routes: Mapping[type[Payload], Route], update: Update, context: BotContext
) -> None:
    """Decode the pressed button and run its handler."""
    query = update.callback_query
    context.recover = show_where_after
    press = decode(query.data if query else None)
    context.press = press
    route = routes.get(type(press))
    if route is None:  # a payload of a flow that is not wired (yet): an out-of-date button
        raise StaleActionError(f"no handler for {press.ACTION!r} buttons")
    context.recover = route.recover
    await route.handler(update, context, press)
