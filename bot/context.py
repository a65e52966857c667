"""A typed CallbackContext: handlers reach the services, the settings, the texts and the actor
(who sent the update) as attributes.

State never lives in ``bot_data`` dicts; ``bot_data`` is this module's :class:`BotData`, which
only holds the services built once at start-up. The actor is resolved once per update by the
group -1 handler :func:`bot.handlers.actor.resolve_actor` (PTB's ``contexttypesbot.py`` pattern).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.ratelimit import RateLimitArgs
from bot.texts import Catalogue
from surveys.announcements import Announcements
from surveys.answering import Answering
from surveys.digest import Digests
from surveys.models import Resident, Role
from surveys.onboarding import Onboarding
from surveys.planning import RoundPlanner
from surveys.publishing import Publishing
from surveys.registry import SurveyRegistry
from surveys.store import Store

if TYPE_CHECKING:
    from bot.delivery import DeliveryPolicy, DeliveryWorker
    from bot.event_scheduling import EventServices
    from bot.report_scheduling import ReportServices
    from bot.scheduling import RoundScheduler
    from surveys.errors import SurveysError

# What a flow shows after one of its buttons was refused (an old button, a closed round).
Recover = Callable[[Update, "BotContext", "SurveysError"], Awaitable[None]]


@dataclass
class Services:
    settings: Settings
    texts: Catalogue
    store: Store
    onboarding: Onboarding
    registry: SurveyRegistry
    answering: Answering
    planner: RoundPlanner
    delivery: DeliveryWorker
    scheduler: RoundScheduler
    events: EventServices
    publishing: Publishing
    digests: Digests
    announcements: Announcements
    reports: ReportServices


class BotData:
    """The application's ``bot_data``: the services, once ``post_init`` has opened them."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.settings: Settings | None = None
        self.delivery_policy: DeliveryPolicy | None = None
        # when each kind of failure was last told to the admins (the error handler's throttle)
        self.alerted_at: dict[str, float] = {}


@dataclass(frozen=True)
class Actor:
    """Who sent the update: their resident row (None if not registered), role and language.

    ``user_id`` is the Telegram id, used to answer and, for staff only, to name them in the
    audit log; residents are named there by pseudonym, unregistered people by ``guest``.
    """

    user_id: int | None
    role: Role
    language: str
    resident: Resident | None
    guest: str

    @property
    def is_staff(self) -> bool:
        return self.role in ("coordinator", "admin")

    @property
    def onboarded(self) -> bool:
        return self.resident is not None and self.resident.onboarded

    @property
    def audit_name(self) -> tuple[int | None, str | None]:
        """(staff id, pseudonym) as the audit log records them; never a resident's Telegram id."""
        if self.is_staff:
            return self.user_id, None
        return None, self.resident.pseudonym if self.resident else self.guest


def guest_pseudonym(secret: bytes, user_id: int | None) -> str:
    """A stable handle for someone who is not registered: keyed by the bot token, so the
    database alone cannot be searched for a Telegram id; letters only, so it never contains
    the digits of one."""
    digest = hmac.new(secret, str(user_id).encode(), hashlib.sha256).digest()
    return "guest-" + "".join("bcdfghjkmnpqrstvwxz"[b % 19] for b in digest[:8])


class BotContext(CallbackContext[ExtBot[RateLimitArgs], dict[Any, Any], dict[Any, Any], BotData]):
    """The context of one update; the same object reaches every handler group."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._actor: Actor | None = None
        self.query_answered = False
        # set by the button dispatcher: the press, and what shows where the actor is after a
        # refused one
        self.press: object | None = None
        self.recover: Recover | None = None

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            raise RuntimeError("the actor is resolved by the group -1 handler")
        return self._actor

    @actor.setter
    def actor(self, actor: Actor) -> None:
        self._actor = actor

    @property
    def has_actor(self) -> bool:
        return self._actor is not None

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are not ready: post_init has not run")
        return services

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def texts(self) -> Catalogue:
        return self.services.texts

    @property
    def language(self) -> str:
        return self.actor.language

    def text(self, key: str, /, **params: object) -> str:
        """The catalogue message ``key`` in the actor's language."""
        return self.texts.get(self.actor.language, key, **params)


FeedbackApplication = Application[
    ExtBot[RateLimitArgs], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any
]
