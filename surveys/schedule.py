"""The round clock: opens, reminds and closes rounds when their stored times come.

:meth:`RoundClock.tick` is idempotent and derives everything from the database, so calling it
late (after downtime) catches up: a late opening still opens, a reminder that falls after the
close is skipped, a missed close still closes and still reports. The bot calls it on a short
interval and at the exact stored times (via the JobQueue).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from surveys.definitions import SurveyDefinition
from surveys.errors import RoundError
from surveys.models import OutboxMessage, Resident, Round, RoundProgress
from surveys.quiet import QuietHours
from surveys.registry import SurveyRegistry
from surveys.store import Store

MessageFactory = Callable[[Round, SurveyDefinition], OutboxMessage]
EventKind = Literal["opened", "reminded", "reminder_skipped", "closed", "recurred"]


@dataclass(frozen=True)
class RoundEvent:
    kind: EventKind
    round: Round
    queued: int = 0
    progress: RoundProgress | None = None
    definition: SurveyDefinition | None = None


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cron_trigger(text: str, zone: ZoneInfo | None = None) -> CronTrigger:
    """A trigger for a standard crontab line.

    APScheduler 3 counts weekdays from Monday = 0, standard cron from Sunday = 0; numeric
    weekdays are turned into names so ``0 10 * * 1`` means Mondays, as users expect.
    """
    fields = text.split()
    if len(fields) == 5:
        fields[4] = re.sub(
            r"\d+", lambda m: _DAYS[int(m.group())] if int(m.group()) < 8 else m.group(), fields[4]
        )
    return CronTrigger.from_crontab(" ".join(fields), timezone=zone)


def validate_recurrence(text: str | None) -> str | None:
    """``weekly``, ``monthly`` or a five-field crontab line; RoundError otherwise."""
    if text is None or text in ("weekly", "monthly"):
        return text
    try:
        cron_trigger(text)
    except ValueError as exc:
        raise RoundError(
            f"--every {text!r}: use weekly, monthly or a crontab line ({exc})"
        ) from None
    return text


def next_occurrence(recurrence: str, after: datetime, zone: ZoneInfo) -> datetime:
    """The next opening time of a recurring round, after ``after``."""
    if recurrence == "weekly":
        return after + timedelta(days=7)
    if recurrence == "monthly":
        local = after.astimezone(zone)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        day = min(local.day, calendar.monthrange(year, month)[1])
        return local.replace(year=year, month=month, day=day)
    trigger = cron_trigger(recurrence, zone)
    moment = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
    if moment is None:
        raise RoundError(f"recurrence {recurrence!r} has no next time")
    return moment  # type: ignore[no-any-return]


class RoundClock:
    def __init__(
        self,
        store: Store,
        registry: SurveyRegistry,
        *,
        invitation: MessageFactory,
        reminder: MessageFactory,
        zone: ZoneInfo,
        quiet: QuietHours | None = None,
    ) -> None:
        self._store = store
        self._registry = registry
        self._invitation = invitation
        self._reminder = reminder
        self._zone = zone
        self._quiet = quiet

    def _send_time(self, now: datetime) -> datetime:
        return self._quiet.next_allowed(now) if self._quiet else now

    @property
    def zone(self) -> ZoneInfo:
        """The community's time zone, in which times are shown."""
        return self._zone

    def held_until(self, now: datetime) -> datetime | None:
        """When messages queued now will go out, if quiet hours hold them; None if at once."""
        send = self._send_time(now)
        return send if send > now else None

    async def tick(self, now: datetime) -> list[RoundEvent]:
        """Do everything that is due at ``now``; returns what happened."""
        events: list[RoundEvent] = []
        for round_ in await self._store.rounds.find(["scheduled"]):
            if round_.opens_at <= now:
                events.append(await self._open(round_, now))
        for round_ in await self._store.rounds.find(["open"]):
            events += await self._remind(round_, now)
            if round_.closes_at is not None and round_.closes_at <= now:
                round_ = await self._store.rounds.close(round_.id)
        for round_ in await self._store.rounds.closed_awaiting_followup():
            if round_.summary_sent_at is None:
                events.append(
                    RoundEvent(
                        "closed",
                        round_,
                        progress=await self._store.rounds.progress(round_.id),
                        definition=await self._registry.definition(round_.survey_version_id),
                    )
                )
            if round_.recurrence and round_.next_round_id is None:
                events.append(await self._recur(round_, now))
        return events

    async def upcoming(self) -> list[tuple[str, datetime]]:
        """Named future times (opening, reminders, closing) to wake up at exactly."""
        times: list[tuple[str, datetime]] = []
        for round_ in await self._store.rounds.find(["scheduled", "open"]):
            if round_.status == "scheduled":
                times.append((f"round-{round_.id}-open", round_.opens_at))
            for index, moment in enumerate(round_.reminder_times):
                if index >= round_.reminders_done:
                    times.append((f"round-{round_.id}-remind-{index}", moment))
            if round_.closes_at is not None:
                times.append((f"round-{round_.id}-close", round_.closes_at))
        return times

    async def mark_summary_sent(self, round_id: int) -> None:
        await self._store.rounds.set_summary_sent(round_id)

    async def invite_newcomer(self, resident: Resident, now: datetime) -> int:
        """Invite a resident who joined (or moved area) while rounds are open."""
        queued = 0
        for round_ in await self._store.rounds.open_for_area(resident.area_id):
            definition = await self._registry.definition(round_.survey_version_id)
            queued += await self._store.outbox.enqueue_one(
                f"invite:{round_.id}",
                resident.id,
                self._invitation(round_, definition),
                self._send_time(now),
            )
        return queued

    async def _open(self, round_: Round, now: datetime) -> RoundEvent:
        definition = await self._registry.definition(round_.survey_version_id)
        if round_.closes_at is not None and round_.closes_at <= now:
            # The whole period passed while the bot was down: nobody could answer in time.
            opened = await self._store.rounds.open(round_.id)
            return RoundEvent("opened", opened, 0, definition=definition)
        opened, queued = await self._store.rounds.open_with_invitations(
            round_.id, self._invitation(round_, definition), self._send_time(now)
        )
        return RoundEvent("opened", opened, queued, definition=definition)

    async def _remind(self, round_: Round, now: datetime) -> list[RoundEvent]:
        events = []
        for index, moment in enumerate(round_.reminder_times):
            if index < round_.reminders_done or moment > now:
                continue
            # A reminder planned after the close, or noticed only after it, is pointless.
            if round_.closes_at is not None and max(moment, now) >= round_.closes_at:
                events.append(RoundEvent("reminder_skipped", round_))
            else:
                definition = await self._registry.definition(round_.survey_version_id)
                queued = await self._store.outbox.enqueue_followup(
                    f"remind:{round_.id}:{index}",
                    self._reminder(round_, definition),
                    after_purpose=f"invite:{round_.id}",
                    unless_completed_round=round_.id,
                    not_before=self._send_time(now),
                )
                events.append(RoundEvent("reminded", round_, queued, definition=definition))
            await self._store.rounds.set_reminders_done(round_.id, index + 1)
        return events

    async def _recur(self, round_: Round, now: datetime) -> RoundEvent:
        assert round_.recurrence is not None
        opens = next_occurrence(round_.recurrence, round_.opens_at, self._zone)
        length = round_.closes_at - round_.opens_at if round_.closes_at else None
        version, _ = await self._registry.register(round_.survey_key)
        created = await self._store.rounds.create(
            version.id,
            opens_at=opens,
            closes_at=opens + length if length else None,
            area_ids=round_.area_ids,
            remind_after=round_.remind_after,
            recurrence=round_.recurrence,
            created_by=round_.created_by,
        )
        await self._store.rounds.link_next(round_.id, created.id)
        return RoundEvent("recurred", created)
