"""Wakes the round clock: on a short interval (so rounds created from the CLI are picked up
within seconds) and at every stored opening, reminder and closing time via the JobQueue.

The JobQueue holds no state of its own: it is rebuilt from the database at start-up and after
every tick, so a restart loses nothing and missed times are caught up by the next tick.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import TelegramError
from telegram.ext import ExtBot, JobQueue

from bot.delivery import DeliveryWorker
from bot.reports import round_summary
from bot.texts import Catalogue
from surveys.clock import utcnow
from surveys.models import Resident
from surveys.schedule import RoundClock, RoundEvent

log = logging.getLogger(__name__)


class RoundScheduler:
    def __init__(
        self,
        clock: RoundClock,
        delivery: DeliveryWorker,
        bot: ExtBot[Any],
        texts: Catalogue,
        staff: list[int],
        *,
        interval: float = 2.0,
        min_group_size: int,
    ) -> None:
        self.clock = clock
        self._min_group_size = min_group_size
        self._delivery = delivery
        self._bot = bot
        self._texts = texts
        self._staff = staff
        self._interval = interval
        self._lock = asyncio.Lock()
        self._job_queue: JobQueue[Any] | None = None

    async def start(self, job_queue: JobQueue[Any]) -> None:
        self._job_queue = job_queue
        await self.tick()
        job_queue.run_repeating(self._job, interval=self._interval, name="round-clock")

    def stop(self) -> None:
        if self._job_queue is not None:
            for job in self._job_queue.jobs():
                if job.name and job.name.startswith("round-"):
                    job.schedule_removal()
        self._job_queue = None

    async def _job(self, context: object) -> None:
        await self.tick()

    async def tick(self) -> list[RoundEvent]:
        """Run the clock once, report what happened, and re-arm the exact-time jobs."""
        async with self._lock:
            events = await self.clock.tick(utcnow())
            for event in events:
                await self._report(event)
            await self._rebuild()
        return events

    async def invite_newcomer(self, resident: Resident) -> None:
        if await self.clock.invite_newcomer(resident, utcnow()):
            self._delivery.wake()

    async def _report(self, event: RoundEvent) -> None:
        log.info("round %d: %s (%d queued)", event.round.id, event.kind, event.queued)
        if event.queued:
            self._delivery.wake()
        if event.kind == "closed" and event.progress is not None:
            await self._send_summary(event)
        held = self.clock.held_until(utcnow())
        if event.kind == "opened" and event.queued and held is not None:
            await self._tell_staff(
                self._texts.plural(
                    self._texts.default,
                    "round_held",
                    event.queued,
                    round=event.round.id,
                    until=held.astimezone(self.clock.zone).strftime("%Y-%m-%d %H:%M"),
                    zone=self.clock.zone.key,
                )
            )

    async def _send_summary(self, event: RoundEvent) -> None:
        progress, definition = event.progress, event.definition
        assert progress is not None and definition is not None
        language = self._texts.default
        text = round_summary(
            self._texts,
            language,
            round_id=event.round.id,
            title=definition.title[language],
            progress=progress,
            min_group_size=self._min_group_size,
        )
        await self._tell_staff(text)
        await self.clock.mark_summary_sent(event.round.id)

    async def _tell_staff(self, text: str) -> None:
        for user_id in self._staff:
            try:
                await self._bot.send_message(user_id, text)
            except TelegramError as exc:
                log.warning("message to a staff member not delivered: %s", exc)

    async def _rebuild(self) -> None:
        if self._job_queue is None:
            return
        now = utcnow()
        existing = {job.name for job in self._job_queue.jobs()}
        for name, moment in await self.clock.upcoming():
            if moment > now and name not in existing:
                self._job_queue.run_once(self._job, when=moment, name=name)
