"""The round clock: opens, reminds and closes rounds when their stored times come.

:meth:`RoundClock.tick` is idempotent and derives everything from the database, so calling it
late (after downtime) catches up: a late opening still opens, a reminder that falls after the
close is skipped, a missed close still closes and still reports. The bot calls it on a short
interval and at the exact stored times (via the JobQueue). Reminder offsets and recurrences are
computed in the community's time zone (:mod:`surveys.wallclock`, :mod:`surveys.recurrence`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from surveys import purposes
from surveys.definitions import SurveyDefinition
from surveys.models import OutboxMessage, Resident, Round, RoundProgress
from surveys.quiet import QuietHours
from surveys.recurrence import next_opening
from surveys.registry import SurveyRegistry
from surveys.store import Store
from surveys.wallclock import from_wall, shift, to_wall, wall_span

MessageFactory = Callable[[Round, SurveyDefinition], OutboxMessage]
EventKind = Literal["opened", "reminded", "reminder_skipped", "closed", "recurred"]


@dataclass(frozen=True)
class RoundEvent:
    kind: EventKind
    round: Round
    queued: int = 0
    progress: RoundProgress | None = None
    definition: SurveyDefinition | None = None


def reminder_times(round_: Round, zone: ZoneInfo) -> list[datetime]:
    """When the round's reminders fall due: whole days after the opening keep its local time
    of day (see :mod:`surveys.wallclock`)."""
    return [shift(round_.opens_at, offset, zone) for offset in round_.remind_after]


def next_round_times(round_: Round, zone: ZoneInfo) -> tuple[datetime, datetime | None]:
    """Opening and closing of the round that follows a recurring ``round_``: the next
    occurrence after its opening, open for as long on the wall clock."""
    assert round_.recurrence is not None
    opens = next_opening(round_.recurrence, round_.opens_at, round_.anchor, zone)
    if round_.closes_at is None:
        return opens, None
    length = wall_span(round_.opens_at, round_.closes_at, zone)
    return opens, from_wall(to_wall(opens, zone) + length, zone)


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
            for index, moment in enumerate(reminder_times(round_, self._zone)):
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
                purposes.invite(round_.id),
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
        for index, moment in enumerate(reminder_times(round_, self._zone)):
            if index < round_.reminders_done or moment > now:
                continue
            # A reminder planned after the close, or noticed only after it, is pointless.
            if round_.closes_at is not None and max(moment, now) >= round_.closes_at:
                events.append(RoundEvent("reminder_skipped", round_))
            else:
                definition = await self._registry.definition(round_.survey_version_id)
                queued = await self._store.outbox.enqueue_followup(
                    purposes.reminder(round_.id, index),
                    self._reminder(round_, definition),
                    after_purpose=purposes.invite(round_.id),
                    unless_completed_round=round_.id,
                    not_before=self._send_time(now),
                )
                events.append(RoundEvent("reminded", round_, queued, definition=definition))
            await self._store.rounds.set_reminders_done(round_.id, index + 1)
        return events

    async def _recur(self, round_: Round, now: datetime) -> RoundEvent:
        opens, closes = next_round_times(round_, self._zone)
        version, _ = await self._registry.register(round_.survey_key)
        created = await self._store.rounds.create(
            version.id,
            opens_at=opens,
            closes_at=closes,
            area_ids=round_.area_ids,
            remind_after=round_.remind_after,
            recurrence=round_.recurrence,
            created_by=round_.created_by,
            series_opens_at=round_.anchor,
        )
        await self._store.rounds.link_next(round_.id, created.id)
        return RoundEvent("recurred", created)
