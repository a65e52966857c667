"""Role checks for restricted commands; every attempt, allowed or refused, is audited."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.context import BotContext
from bot.handlers.replies import current_resident, language_of, reply
from surveys.models import Role

Handler = Callable[[Update, BotContext], Awaitable[None]]


def restricted(action: str, *roles: Role) -> Callable[[Handler], Handler]:
    """Let only ``roles`` run the handler; residents get a polite refusal."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext) -> None:
            user = update.effective_user
            if user is None:
                return
            role = context.settings.role_of(user.id)
            allowed = role in roles
            resident = await current_resident(update, context)
            await context.store.audit.record(
                role=role,
                action=action,
                allowed=allowed,
                user_id=user.id,
                pseudonym=resident.pseudonym if resident else None,
            )
            if not allowed:
                language = language_of(update, context, resident)
                await reply(update, context, context.texts.get(language, "not_allowed"))
                return
            await handler(update, context)

        return guarded

    return decorate
