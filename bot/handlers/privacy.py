"""/stop and /forget: leaving, and erasing the link between a person and their data."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.guards import registered
from bot.handlers.replies import answer_query, reply
from bot.keyboards import ForgetPress
from bot.views.onboarding import forget_view


@registered
async def stop(update: Update, context: BotContext) -> None:
    """/stop: no more messages from the bot until /start."""
    resident = context.actor.resident
    assert resident is not None
    changed = await context.services.onboarding.stop(resident)
    await reply(update, context, context.text("stopped" if changed else "already_stopped"))


@registered
async def forget(update: Update, context: BotContext) -> None:
    """/forget: ask for confirmation before erasing anything."""
    await reply(update, context, *forget_view(context.texts, context.language))


@registered
async def forget_pressed(update: Update, context: BotContext, press: ForgetPress) -> None:
    """The confirmation buttons of /forget."""
    resident = context.actor.resident
    assert resident is not None
    await answer_query(update, context)
    if press.answer == "yes":
        await context.services.onboarding.forget(resident)
    await reply(
        update,
        context,
        context.text("forgotten" if press.answer == "yes" else "forget_cancelled"),
        edit=True,
    )
