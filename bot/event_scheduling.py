"""Wakes the event clock: on a short interval (events created from the CLI are announced within
seconds) and at every reminder and feedback time via the JobQueue, like the round scheduler.

The JobQueue holds no state: jobs are re-armed from the database after every tick, so a restart
or a jump of the shared clock loses nothing (the next poll catches up).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from telegram.ext import JobQueue

from bot.config import Settings
from bot.delivery import DeliveryWorker
from bot.event_messages import EventOutbox
from bot.services import event_policy
from bot.texts import Catalogue
from surveys.clock import utcnow
from surveys.events.board import EventBoard
from surveys.events.clock import EventClock, EventHappening
from surveys.events.wizard import EventPlanner
from surveys.registry import SurveyRegistry
from surveys.store import Store

log = logging.getLogger(__name__)
JOB_PREFIX = "event-"


class EventScheduler:
    def __init__(
        self, clock: EventClock, delivery: DeliveryWorker, *, interval: float = 2.0
    ) -> None:
        self.clock = clock
        self._delivery = delivery
        self._interval = interval
        self._lock = asyncio.Lock()
        self._job_queue: JobQueue[Any] | None = None

    async def start(self, job_queue: JobQueue[Any]) -> None:
        self._job_queue = job_queue
        await self.tick()
        job_queue.run_repeating(self._job, interval=self._interval, name=f"{JOB_PREFIX}clock")

    def stop(self) -> None:
        if self._job_queue is not None:
            for job in self._job_queue.jobs():
                if job.name and job.name.startswith(JOB_PREFIX):
                    job.schedule_removal()
        self._job_queue = None

    async def _job(self, context: object) -> None:
        try:
            await self.tick()
        except Exception:  # one bad event must not stop announcements of the others
            log.exception("event clock: tick failed; trying again at the next check")

    async def tick(self) -> list[EventHappening]:
        """Run the event clock once, wake the delivery worker, re-arm the exact-time jobs."""
        async with self._lock:
            happened = await self.clock.tick(utcnow())
            for item in happened:
                log.info("event %d: %s (%d queued)", item.event.id, item.kind, item.queued)
            if any(item.queued for item in happened):
                self._delivery.wake()
            await self._rebuild()
        return happened

    async def _rebuild(self) -> None:
        if self._job_queue is None:
            return
        now = utcnow()
        existing = {job.name for job in self._job_queue.jobs()}
        for name, moment in await self.clock.upcoming(now):
            if name not in existing:
                self._job_queue.run_once(self._job, when=moment, name=name)


@dataclass(frozen=True)
class EventServices:
    """What the bot uses for events: the use cases, the /newevent plan, and the scheduler
    that runs the event clock."""

    board: EventBoard
    planner: EventPlanner
    scheduler: EventScheduler


def event_services(
    settings: Settings,
    store: Store,
    registry: SurveyRegistry,
    texts: Catalogue,
    delivery: DeliveryWorker,
) -> EventServices:
    """Build the event services and let the delivery worker attach current calendar files."""
    policy = event_policy(settings)
    messages = EventOutbox(texts, policy.zone)
    board = EventBoard(store, policy, messages)

    async def calendar_file(ref: str, language: str) -> tuple[str, bytes]:
        document = await board.calendar(int(ref), language)
        return document.name, document.content

    delivery.attachments["event-ics"] = calendar_file
    clock = EventClock(store, registry, policy, messages)
    return EventServices(
        board,
        EventPlanner(store, board),
        EventScheduler(clock, delivery, interval=settings.events.check_interval),
    )
