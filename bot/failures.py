"""Tell the coordinators about outbox messages given up on: nothing fails silently.

The delivery worker marks a row ``failed`` (a resident blocked the bot, Telegram refused the
message, or every try failed); this task collects what nobody has been told about yet, a few
seconds after the first failure so that one bad broadcast makes one message, and sends the
coordinators (the admins if there are none) a summary by purpose. Rows count as reported once
at least one of them got it; until then they are retried, less and less often.
``feedbackbot delivery status`` lists the rows themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from typing import Any

from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.texts import Catalogue
from surveys.models import FailedDelivery
from surveys.store import Store

log = logging.getLogger(__name__)


class FailureNotices:
    def __init__(
        self,
        bot: ExtBot[Any],
        store: Store,
        texts: Catalogue,
        staff: list[int],
        *,
        settle: float = 3.0,
        max_delay: float = 3600.0,
    ) -> None:
        self._bot = bot
        self._store = store
        self._texts = texts
        self._staff = staff
        self._settle = settle
        self._max_delay = max_delay
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._wake.set()  # failures left unreported by the last run
        self._task = asyncio.create_task(self._run(), name="delivery-failure-notices")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def failed(self) -> None:
        """A row was given up on: report it soon."""
        self._wake.set()

    async def _run(self) -> None:
        delay = self._settle
        while True:
            await self._wake.wait()
            await asyncio.sleep(self._settle)  # let one broadcast's failures gather
            self._wake.clear()
            try:
                told = await self.report()
            except Exception:
                log.exception("delivery: could not report failed messages")
                told = False
            if told:
                delay = self._settle
                continue
            delay = min(delay * 2, self._max_delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._wake.set()

    async def report(self) -> bool:
        """Send one summary of the unreported failures; True if there was nothing to report
        or somebody got it."""
        failures = await self._store.outbox.unreported_failures()
        if not failures:
            return True
        text = self.summary(failures)
        told = 0
        for user_id in self._staff:
            try:
                await self._bot.send_message(user_id, text)
                told += 1
            except TelegramError as exc:
                log.warning("delivery: a staff member could not be told of failures: %s", exc)
        if not told:
            log.error(
                "delivery: %d messages failed and no coordinator could be told; "
                "see `feedbackbot delivery status`",
                len(failures),
            )
            return False
        await self._store.outbox.mark_reported([failure.id for failure in failures])
        return True

    def summary(self, failures: list[FailedDelivery]) -> str:
        language = self._texts.default
        by_purpose = Counter(failure.purpose for failure in failures)
        lines = [
            self._texts.get(language, "delivery_failed_line", purpose=purpose, count=count)
            for purpose, count in by_purpose.most_common()
        ]
        return self._texts.raw(
            language,
            "delivery_failed",
            count=len(failures),
            unreachable=sum(failure.unreachable for failure in failures),
            lines="\n".join(lines),
        )
