"""A typed CallbackContext: handlers reach the store, settings and texts as attributes.

State never lives in ``bot_data`` dicts; ``bot_data`` is this module's :class:`BotData`, which
only holds the services built once at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.ratelimit import RateLimitArgs
from bot.texts import Catalogue
from surveys.answering import Answering
from surveys.onboarding import Onboarding
from surveys.planning import RoundPlanner
from surveys.registry import SurveyRegistry
from surveys.store import Store

if TYPE_CHECKING:
    from bot.delivery import DeliveryPolicy, DeliveryWorker
    from bot.event_scheduling import EventServices
    from bot.scheduling import RoundScheduler


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


class BotData:
    """The application's ``bot_data``: the services, once ``post_init`` has opened them."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.settings: Settings | None = None
        self.delivery_policy: DeliveryPolicy | None = None


class BotContext(CallbackContext[ExtBot[RateLimitArgs], dict[Any, Any], dict[Any, Any], BotData]):
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


FeedbackApplication = Application[
    ExtBot[RateLimitArgs], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any
]
