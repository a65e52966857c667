"""The report services, and the poll that runs report duties and sends report notices.

Every ``reports.check_interval`` seconds (and at start, catching up after downtime or a jump
of the shared clock) the poll:

1. runs :func:`surveys.reports.reminders.run_duties` at ``utcnow()``: overdue reminders (once
   a day per report) and due follow-ups (queued in the outbox for the delivery worker);
2. sends the due notices to staff chats and partner groups: the report's card as it is now,
   with its buttons (and its photos for a new or routed report). A notice that cannot be sent
   is retried with backoff; after ``delivery.max_attempts`` (or at once, if the chat is gone)
   it is marked failed, logged, and shown to coordinators at the top of ``/reports``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ExtBot, JobQueue

from bot.config import Settings, report_policy
from bot.delivery import DeliveryWorker
from bot.ratelimit import retry_seconds
from bot.report_messages import ReportOutbox
from bot.texts import Catalogue
from bot.views.reports import card_view, photo_captions
from surveys.clock import utcnow
from surveys.registry import SurveyRegistry
from surveys.reports.changes import PendingChanges
from surveys.reports.desk import ReportCard, ReportDesk
from surveys.reports.drafting import ReportDrafting
from surveys.reports.models import Actor, ReportNotice, ReportPolicy
from surveys.reports.reminders import run_duties
from surveys.store import Store

log = logging.getLogger(__name__)
JOB_NAME = "report-duties"
# notices reschedule themselves through the database, in the broadcast lane of the budget
BULK = {"lane": "bulk", "retry": False}
GONE = ("chat not found", "bot was kicked", "not a member", "chat_id is empty", "user not found")


class ReportScheduler:
    def __init__(
        self,
        store: Store,
        desk: ReportDesk,
        messages: ReportOutbox,
        delivery: DeliveryWorker,
        bot: ExtBot[Any],
        texts: Catalogue,
        settings: Settings,
    ) -> None:
        self._store = store
        self._desk = desk
        self._messages = messages
        self._delivery = delivery
        self._bot = bot
        self._texts = texts
        self._settings = settings
        self._lock = asyncio.Lock()
        self._job_queue: JobQueue[Any] | None = None
        self._woken: set[asyncio.Task[None]] = set()

    async def start(self, job_queue: JobQueue[Any]) -> None:
        self._job_queue = job_queue
        await self.tick()
        job_queue.run_repeating(
            self._job, interval=self._settings.reports.check_interval, name=JOB_NAME
        )

    def wake(self) -> None:
        """Something was queued for staff or partners: poll now rather than at the next
        interval (in the background; the poll's lock keeps one at a time)."""
        task = asyncio.get_running_loop().create_task(self._job(None))
        self._woken.add(task)
        task.add_done_callback(self._woken.discard)

    def stop(self) -> None:
        if self._job_queue is not None:
            for job in self._job_queue.get_jobs_by_name(JOB_NAME):
                job.schedule_removal()
        self._job_queue = None

    async def _job(self, context: object) -> None:
        try:
            await self.tick()
        except Exception:  # a failing poll must not stop the next one
            log.exception("reports: poll failed; trying again at the next check")

    async def tick(self) -> None:
        """Queue what is due, then send the due notices."""
        async with self._lock:
            run = await run_duties(self._store, self._desk, self._messages, utcnow())
            if run.reminded or run.followups:
                log.info(
                    "reports: %d overdue reminders, %d follow-ups (%d messages)",
                    run.reminded,
                    run.followups,
                    run.followup_messages,
                )
            if run.followup_messages:
                self._delivery.wake()
            for notice in await self._store.report_notices.due(utcnow()):
                await self._send(notice)

    async def _send(self, notice: ReportNotice) -> None:
        notices = self._store.report_notices
        try:
            card = await self._post(notice)
        except RetryAfter as exc:
            seconds = retry_seconds(exc.retry_after)
            await notices.retry_later(notice.id, utcnow() + timedelta(seconds=seconds), "429")
        except (Forbidden, BadRequest) as exc:
            if isinstance(exc, Forbidden) or any(g in exc.message.lower() for g in GONE):
                # named by audience, never by chat id: logs carry no Telegram ids
                log.error(
                    "reports: notice %d to a %s chat failed: %s", notice.id, notice.audience, exc
                )
                await notices.mark_failed(notice.id, exc.message)
            else:
                await self._retry_or_fail(notice, exc.message)
        except TelegramError as exc:
            await self._retry_or_fail(notice, f"{type(exc).__name__}: {exc}")
        else:
            await notices.mark_sent(notice.id)
            if notice.kind in ("new", "routed"):
                await self._photos(notice.chat_id, card)

    async def _retry_or_fail(self, notice: ReportNotice, error: str) -> None:
        if notice.attempts + 1 >= self._settings.delivery.max_attempts:
            log.error("reports: giving up on notice %d: %s", notice.id, error)
            await self._store.report_notices.mark_failed(notice.id, error)
            return
        backoff = timedelta(seconds=min(2.0**notice.attempts, 300.0))
        await self._store.report_notices.retry_later(notice.id, utcnow() + backoff, error)

    async def _post(self, notice: ReportNotice) -> ReportCard:
        """The report's card as it is now (partners: without the reporter)."""
        policy, language = self._desk.policy, self._texts.default
        if notice.audience == "partner":
            # the buttons any member of the partner may use
            partner = policy.partner_by_chat(notice.chat_id)
            member = min(partner.members) if partner and partner.members else None
            viewer = Actor(
                role="partner", user_id=member, partner_id=partner.id if partner else None
            )
        else:
            viewer = Actor(role="coordinator", user_id=notice.chat_id)
        card = await self._desk.card(notice.report_id, for_staff=notice.audience == "staff")
        screen = card_view(
            self._texts,
            language,
            card,
            viewer,
            policy=policy,
            names=await self._desk.area_names(),
            zone=self._settings.community.zone,
            now=utcnow(),
            headline=notice.kind,
        )
        await self._bot.send_message(
            notice.chat_id, screen.text, reply_markup=screen.markup, rate_limit_args=BULK
        )
        return card

    async def _photos(self, chat_id: int, card: ReportCard) -> None:
        """A new or routed report's photos after its card; a photo that cannot be sent (say,
        Telegram no longer has it) is logged and never holds anything up."""
        for photo, caption in photo_captions(self._texts, self._texts.default, card.report):
            try:
                await self._bot.send_photo(chat_id, photo, caption=caption, rate_limit_args=BULK)
            except TelegramError as exc:
                log.warning("reports: photo of %s not sent: %s", card.report.reference, exc)


@dataclass(frozen=True)
class ReportServices:
    """What the bot uses for concern reports."""

    policy: ReportPolicy
    drafting: ReportDrafting
    desk: ReportDesk
    pending: PendingChanges
    messages: ReportOutbox
    scheduler: ReportScheduler


async def report_services(
    settings: Settings,
    store: Store,
    registry: SurveyRegistry,
    texts: Catalogue,
    delivery: DeliveryWorker,
    bot: ExtBot[Any],
) -> ReportServices:
    """Build the report services; the configured partners are mirrored into the database."""
    policy = report_policy(settings)
    await store.reports.sync_partners(policy.partners)
    messages = ReportOutbox(texts, registry, policy, settings.community.zone)
    desk = ReportDesk(store, policy, messages)
    return ReportServices(
        policy=policy,
        drafting=ReportDrafting(store, policy),
        desk=desk,
        pending=PendingChanges(store, desk),
        messages=messages,
        scheduler=ReportScheduler(store, desk, messages, delivery, bot, texts, settings),
    )
