"""The event clock: announces events, reminds those coming, and opens the feedback round after
the event, when the stored times come.

:meth:`EventClock.tick` derives everything from the database and is idempotent, so the bot can
call it on a short interval and at exact times, and a late call (after downtime) catches up:

- an event to be announced is announced (quiet hours apply); one that started before it could
  be is marked as announced without a message;
- a reminder is sent when due, to residents going or maybe. One whose time came before the
  event was created or moved is skipped (the resident has just heard of it), so is one that
  would arrive at or after the start (quiet hours can push the long reminders), and so is an
  earlier reminder overtaken by a later one that is due too (after downtime only the latest
  is sent);
- places freed outside an answer (an erased resident) go to the waiting list;
- ``feedback_delay`` after the end, the feedback round opens for those who were going.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Literal

from surveys.events.models import Event, ReminderPlan
from surveys.events.notices import EventMessages
from surveys.events.policy import EventPolicy
from surveys.events.times import reminder_plans
from surveys.registry import SurveyRegistry
from surveys.store import Store

HappeningKind = Literal[
    "announced",
    "announcement_skipped",
    "reminded",
    "reminder_skipped",
    "promoted",
    "feedback_opened",
    "feedback_skipped",
]


@dataclass(frozen=True)
class EventHappening:
    kind: HappeningKind
    event: Event
    queued: int = 0
    detail: str = ""
    round_id: int | None = None


class EventClock:
    def __init__(
        self,
        store: Store,
        registry: SurveyRegistry,
        policy: EventPolicy,
        messages: EventMessages,
    ) -> None:
        self._store = store
        self._registry = registry
        self._policy = policy
        self._messages = messages

    def send_time(self, moment: datetime) -> datetime:
        """``moment``, or the end of quiet hours if it falls inside them."""
        quiet = self._policy.quiet
        return quiet.next_allowed(moment) if quiet else moment

    async def tick(self, now: datetime) -> list[EventHappening]:
        """Do everything that is due at ``now``; returns what happened."""
        happened = await self._announce(now)
        happened += await self._fill_places(now)
        for event in await self._store.events.awaiting_reminders(now):
            happened += await self._remind(event, now)
        happened += await self._feedback(now)
        return happened

    async def upcoming(self, now: datetime) -> list[tuple[str, datetime]]:
        """Named future times (reminders, feedback rounds) to wake up at exactly."""
        times: list[tuple[str, datetime]] = []
        for event in await self._store.events.awaiting_reminders(now):
            for plan in self._plans(event):
                times.append(
                    (f"event-{event.id}-remind-{int(plan.before.total_seconds())}", plan.due)
                )
            times.append(
                (f"event-{event.id}-feedback", event.ends_at + self._policy.feedback_delay)
            )
        return [(name, moment) for name, moment in times if moment > now]

    def _plans(self, event: Event) -> list[ReminderPlan]:
        policy = self._policy
        return reminder_plans(
            event.starts_at, policy.reminders, policy.quiet_reminders_from, policy.zone
        )

    async def _announce(self, now: datetime) -> list[EventHappening]:
        happened = []
        for event in await self._store.events.to_announce():
            if event.starts_at <= now:
                await self._store.events.skip_announcement(event.id)
                happened.append(EventHappening("announcement_skipped", event, detail="started"))
                continue
            queued = await self._store.events.announce(
                event.id, self._messages.announcement(event), self.send_time(now)
            )
            happened.append(EventHappening("announced", event, queued))
        return happened

    async def _fill_places(self, now: datetime) -> list[EventHappening]:
        happened = []
        for event_id in await self._store.events.with_free_places(now):
            promoted = await self._store.events.fill_places(event_id, self._messages)
            if promoted:
                event = await self._store.events.get(event_id)
                happened.append(EventHappening("promoted", event, len(promoted)))
        return happened

    async def _remind(self, event: Event, now: datetime) -> list[EventHappening]:
        handled = await self._store.events.reminders_handled(event.id, event.starts_at)
        due = [p for p in self._plans(event) if p.due <= now and p.before not in handled]
        happened = []
        for index, plan in enumerate(due):
            reason = self._skip_reason(event, plan, now, overtaken=index < len(due) - 1)
            if reason:
                if await self._store.events.skip_reminder(event, plan.before, reason):
                    happened.append(EventHappening("reminder_skipped", event, detail=reason))
                continue
            send_at = self.send_time(max(plan.due, now)) if plan.quiet else now
            queued = await self._store.events.remind(
                event, plan.before, self._messages.reminder(event, plan.before), send_at
            )
            if queued is not None:
                happened.append(EventHappening("reminded", event, queued, str(plan.before)))
        return happened

    def _skip_reason(
        self, event: Event, plan: ReminderPlan, now: datetime, *, overtaken: bool
    ) -> str | None:
        if plan.due < event.scheduled_at - timedelta(seconds=1):
            return "its time came before the event was planned at this time"
        if overtaken:
            return "a later reminder is due as well"
        send_at = self.send_time(max(plan.due, now)) if plan.quiet else now
        if send_at >= event.starts_at:
            return "it would arrive after the start"
        return None

    async def _feedback(self, now: datetime) -> list[EventHappening]:
        policy = self._policy
        happened = []
        for event in await self._store.events.awaiting_feedback(now - policy.feedback_delay):
            version, _ = await self._registry.register(policy.feedback_survey)
            round_id, queued = await self._store.events.open_feedback(
                event.id,
                version.id,
                closes_at=now + policy.feedback_open_for,
                remind_after=policy.feedback_reminders,
                invitation=partial(self._messages.feedback, event),
                not_before=self.send_time(now),
            )
            kind: HappeningKind = "feedback_opened" if round_id else "feedback_skipped"
            happened.append(EventHappening(kind, event, queued, round_id=round_id))
        return happened
