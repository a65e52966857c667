"""Application wiring: build the PTB Application, open and close the services around it.

``run_polling`` owns the event loop and is not used: :func:`running` embeds the bot in any
loop (the CLI, the sandbox, the tests) and runs the same start-up and shutdown steps that
``post_init``/``post_shutdown`` would.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from telegram import BotCommandScopeChat, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults

from bot import handlers
from bot.budget import SendBudget
from bot.client import FeedbackBot
from bot.config import ConfigError, Settings
from bot.context import BotContext, BotData, FeedbackApplication, Services
from bot.delivery import DeliveryPolicy, DeliveryWorker
from bot.event_scheduling import event_services
from bot.instance import InstanceLock
from bot.ratelimit import RetryingRateLimiter
from bot.report_scheduling import report_services
from bot.scheduling import RoundScheduler
from bot.services import (
    load_catalogue,
    mirror_areas,
    quiet_hours,
    round_clock,
    survey_registry,
)
from bot.texts import Catalogue
from bot.updates import PerUserUpdateProcessor, UpdateInbox
from surveys.announcements import Announcements
from surveys.answering import Answering
from surveys.digest import Digests
from surveys.onboarding import Onboarding
from surveys.planning import RoundPlanner
from surveys.publishing import Publishing, preload
from surveys.store import Store

if TYPE_CHECKING:
    from surveys.aggregate import RoundReport
    from surveys.export import MethodFacts

log = logging.getLogger(__name__)


def _method_note(texts: Catalogue, facts: MethodFacts) -> list[str]:
    from bot.reports import method_note

    return method_note(texts, facts)


def _digest_results(texts: Catalogue, language: str, report: RoundReport) -> str:
    from bot.reports import digest_results  # statistics libraries: only when a digest is made

    return digest_results(texts, language, report)


def build_application(
    settings: Settings,
    *,
    delivery_policy: DeliveryPolicy | None = None,
    concurrent_updates: int = 64,
) -> FeedbackApplication:
    """The Application with every handler; services open in :func:`start_services`.

    ``concurrent_updates`` is how many users' updates are handled at once (one per user).
    """
    if settings.telegram.token is None:
        raise ConfigError(
            "telegram.token: required to run the bot (or set FEEDBACKBOT_TELEGRAM__TOKEN)"
        )
    load_catalogue(settings)  # fail before any network traffic
    # PTB reads this at call time: retry_after becomes a timedelta, without a warning per 429.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    policy = delivery_policy or _delivery_policy(settings)
    bot = FeedbackBot(
        settings.telegram.token.get_secret_value(),
        base_url=settings.telegram.api_base_url,
        base_file_url=settings.telegram.file_base_url,
        defaults=Defaults(parse_mode=ParseMode.HTML),
        rate_limiter=RetryingRateLimiter(SendBudget(policy.rate_per_second)),
        poll_timeout=settings.telegram.poll_timeout,
    )
    app = cast(
        FeedbackApplication,
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .concurrent_updates(PerUserUpdateProcessor(concurrent_updates))
        .build(),
    )
    app.bot_data.settings = settings
    app.bot_data.delivery_policy = policy
    handlers.register(app)
    return app


def _delivery_policy(settings: Settings) -> DeliveryPolicy:
    delivery = settings.delivery
    return DeliveryPolicy(
        rate_per_second=delivery.rate_per_second,
        per_chat_interval=delivery.per_chat_interval,
        concurrency=delivery.concurrency,
        max_attempts=delivery.max_attempts,
    )


async def start_services(app: FeedbackApplication) -> Services:
    """Open the database, mirror the areas, start the delivery worker, publish commands.

    The round scheduler is created here but armed by :func:`arm_scheduler` once the
    Application (and its JobQueue) has started.
    """
    settings = app.bot_data.settings
    assert settings is not None
    store = await Store.open(settings.database.path)
    try:
        await mirror_areas(store, settings)
        texts = load_catalogue(settings)
        delivery = DeliveryWorker(
            app.bot,
            store,
            texts,
            app.bot_data.delivery_policy or _delivery_policy(settings),
            staff=list(settings.access.coordinators or settings.access.admins),
        )
        registry = survey_registry(settings, store)
        zone = settings.community.zone
        clock = round_clock(settings, store, registry)
        staff = sorted({*settings.access.coordinators, *settings.access.admins})
        publishing = Publishing(
            store,
            registry,
            settings.privacy.min_group_size,
            zone,
            functools.partial(_method_note, texts),
        )
        services = Services(
            settings=settings,
            texts=texts,
            store=store,
            onboarding=Onboarding(store, settings.community.languages, clock.invite_newcomer),
            registry=registry,
            answering=Answering(store, registry),
            planner=RoundPlanner(store, registry, zone, quiet_hours(settings)),
            delivery=delivery,
            scheduler=RoundScheduler(
                clock,
                delivery,
                app.bot,
                texts,
                staff,
                interval=settings.rounds.check_interval,
                min_group_size=settings.privacy.min_group_size,
            ),
            events=event_services(settings, store, registry, texts, delivery),
            publishing=publishing,
            digests=Digests(
                store,
                publishing,
                texts.languages,
                functools.partial(_digest_results, texts),
                texts.rendered_lengths,
            ),
            announcements=Announcements(store, settings.community.name, texts.rendered_lengths),
            reports=await report_services(settings, store, registry, texts, delivery, app.bot),
        )
        app.bot_data.services = services
        inbox = UpdateInbox(store.inbox, app.bot)
        _bot(app).keep_updates_in(inbox)
        _processor(app).inbox = inbox
        await delivery.start()
    except BaseException:
        _detach(app)
        await store.close()
        raise
    await _publish_commands(app, settings, services.texts)
    return services


async def arm_scheduler(app: FeedbackApplication) -> None:
    """Catch up on missed round times and schedule the coming ones (needs a started app)."""
    services = app.bot_data.services
    assert services is not None and app.job_queue is not None
    await services.scheduler.start(app.job_queue)
    await services.events.scheduler.start(app.job_queue)
    await services.reports.scheduler.start(app.job_queue)


async def stop_services(app: FeedbackApplication) -> None:
    services = app.bot_data.services
    if services is None:
        return
    services.scheduler.stop()
    services.events.scheduler.stop()
    services.reports.scheduler.stop()
    await services.delivery.stop()
    _detach(app)
    await services.store.close()
    app.bot_data.services = None


def _detach(app: FeedbackApplication) -> None:
    """Undo what :func:`start_services` attached to PTB's objects."""
    _bot(app).keep_updates_in(None)
    _processor(app).inbox = None


def _bot(app: FeedbackApplication) -> FeedbackBot:
    assert isinstance(app.bot, FeedbackBot)
    return app.bot


def _processor(app: FeedbackApplication) -> PerUserUpdateProcessor:
    processor = app.update_processor
    assert isinstance(processor, PerUserUpdateProcessor)
    return processor


async def _publish_commands(app: FeedbackApplication, settings: Settings, texts: Catalogue) -> None:
    """Residents' commands for everyone (per language); staff see theirs in their own chat."""
    for index, language in enumerate(texts.languages):
        # the default language also serves clients whose language has no list of its own
        for code in ([""] if index == 0 else []) + [language]:
            await app.bot.set_my_commands(
                handlers.command_menu(texts, language, "resident"), language_code=code or None
            )
    staff = {*settings.access.coordinators, *settings.access.admins}
    for user_id in sorted(staff):
        menu = handlers.command_menu(texts, texts.default, settings.role_of(user_id))
        try:
            await app.bot.set_my_commands(menu, scope=BotCommandScopeChat(user_id))
        except BadRequest as exc:  # the staff member has not opened the bot yet
            log.info("commands of a staff member not set: %s", exc.message)


@asynccontextmanager
async def running(
    app: FeedbackApplication,
    *,
    poll_interval: float = 0.0,
    instance: InstanceLock | None = None,
) -> AsyncIterator[None]:
    """Run the bot inside the current event loop until the block exits.

    Holds the database's :class:`InstanceLock` meanwhile (``instance`` if the caller already
    took it): a second bot on the same database raises :class:`AlreadyRunningError`.
    Updates a crash left unhandled are handled first, then polling starts.
    """
    settings = app.bot_data.settings
    assert settings is not None
    lock = instance or InstanceLock(settings.database.path).acquire()
    limiter = _bot(app).limiter
    try:
        async with app:
            services = await start_services(app)
            try:
                await preload()
                await UpdateInbox(services.store.inbox, app.bot).replay(app.update_queue)
                assert app.updater is not None
                limiter.resume()
                await app.updater.start_polling(
                    poll_interval=poll_interval,
                    timeout=settings.telegram.poll_timeout,
                    drop_pending_updates=False,
                    allowed_updates=Update.ALL_TYPES,
                )
                await app.start()
                try:
                    await arm_scheduler(app)
                    yield
                finally:
                    # replies still being retried give up; their updates stay in the inbox
                    limiter.stop_retrying()
                    await app.updater.stop()
                    await app.stop()
            finally:
                await stop_services(app)
    finally:
        if instance is None:
            lock.release()


async def initialize_with_retry(
    app: FeedbackApplication, stop: asyncio.Event, *, max_delay: float = 60.0
) -> bool:
    """``app.initialize()`` with backoff while the API is unreachable; False if stopped first.

    A rejected token is not retried: :class:`InvalidToken` propagates.
    """
    delay = 1.0
    while not stop.is_set():
        try:
            await app.initialize()
            return True
        except InvalidToken:
            raise
        except NetworkError as exc:
            host = urlsplit(app.bot.base_url).netloc  # the path holds the token
            log.warning("Bot API at %s unreachable (%s); retrying in %.0f s", host, exc, delay)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, max_delay)
    return False
