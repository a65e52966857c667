"""Who sent the update, resolved once per update (handler group -1) into ``context.actor``."""

from __future__ import annotations

from telegram import Update

from bot.context import Actor, BotContext, guest_pseudonym


async def resolve_actor(update: object, context: BotContext) -> None:
    """Look up the sender's resident row and role once; every later handler reads the actor."""
    context.actor = await actor_of(update, context)


async def actor_of(update: object, context: BotContext) -> Actor:
    """The actor of ``update`` (a resident's chosen language, else their app's, else default)."""
    user = update.effective_user if isinstance(update, Update) else None
    settings, texts = context.settings, context.texts
    resident = await context.store.residents.by_telegram_id(user.id) if user else None
    token = settings.telegram.token
    secret = token.get_secret_value().encode() if token else b""
    return Actor(
        user_id=user.id if user else None,
        role=settings.role_of(user.id) if user else "resident",
        language=resident.language
        if resident
        else texts.pick_language(user.language_code if user else None),
        resident=resident,
        guest=guest_pseudonym(secret, user.id if user else None),
    )
