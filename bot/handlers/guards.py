"""Guards as decorators: who may run a handler, and at which step.

A guard reads ``context.actor`` (resolved once per update) and either runs the handler or
answers for it. Role guards audit every refusal (commands and buttons, registered or not) and
every allowed command; an allowed button press is part of an audited command's flow, and its
outcome (a round created, a digest sent, an export) is audited by its use case.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, cast

from telegram import Update

from bot.context import BotContext
from bot.handlers.replies import answer_query, notify, reply
from bot.handlers.where import show_where
from surveys.models import Role

# A handler: (update, context) for a command, (update, context, press) for a button.
H = TypeVar("H", bound=Callable[..., Coroutine[Any, Any, None]])

STAFF: tuple[Role, ...] = ("coordinator", "admin")


async def audit(context: BotContext, action: str, *, allowed: bool, **detail: object) -> None:
    """One audit entry for the actor: staff by id, residents by pseudonym, others as a guest."""
    actor = context.actor
    user_id, pseudonym = actor.audit_name
    await context.store.audit.record(
        role=actor.role,
        action=action,
        allowed=allowed,
        user_id=user_id,
        pseudonym=pseudonym,
        detail=detail or None,
    )


def role_required(action: str, roles: tuple[Role, ...], refusal: str) -> Callable[[H], H]:
    """Run the handler only for ``roles``; others get ``refusal`` and an audit entry."""

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext, *args: Any) -> None:
            actor = context.actor
            allowed = actor.role in roles
            via = "button" if update.callback_query else "command"
            if not allowed or via == "command":
                await audit(context, action, allowed=allowed, via=via)
            if not allowed:
                await notify(
                    update, context, context.text(refusal if actor.is_staff else "not_allowed")
                )
                return
            await handler(update, context, *args)

        return cast(H, guarded)

    return decorate


def staff_only(action: str) -> Callable[[H], H]:
    """Coordinators and admins only (``action`` names the attempt in the audit log)."""
    return role_required(action, STAFF, "not_allowed")


def admin_only(action: str) -> Callable[[H], H]:
    """Admins only."""
    return role_required(action, ("admin",), "not_allowed_admin")


def registered(handler: H) -> H:
    """Only for people with a resident row (any onboarding step); others are sent to /start."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext, *args: Any) -> None:
        if context.actor.resident is None:
            await answer_query(update, context, context.text("error_stale"))
            await reply(update, context, context.text("not_registered"))
            return
        await handler(update, context, *args)

    return cast(H, guarded)


def onboarded(handler: H) -> H:
    """Only for residents who finished onboarding; others are shown where they are."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext, *args: Any) -> None:
        actor = context.actor
        if actor.onboarded:
            await handler(update, context, *args)
            return
        pressed = await answer_query(update, context, context.text("error_stale"))
        if actor.resident is None:
            await reply(update, context, context.text("not_registered"))
            return
        if not pressed:
            await reply(update, context, context.text("finish_onboarding"))
        await show_where(update, context, actor.resident)

    return cast(H, guarded)
