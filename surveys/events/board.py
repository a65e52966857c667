"""The community's events: creating, changing and cancelling them, answering them, and what
residents and coordinators see of them.

Checks that need no transaction (known areas and languages, times in the future) happen here;
capacity and the waiting list are settled by the store inside the transaction that records an
answer. Announcements, reminders and feedback rounds are the event clock's
(:mod:`surveys.events.clock`), whether the event came from the chat or the CLI.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from surveys.clock import utcnow
from surveys.errors import EventError
from surveys.events.calendar import calendar_file_name, event_calendar
from surveys.events.models import (
    Event,
    EventChanges,
    EventEntry,
    EventSpec,
    EventText,
    RsvpChoice,
    RsvpCounts,
    RsvpOutcome,
    WaitingEntry,
)
from surveys.events.notices import EventMessages
from surveys.events.policy import EventPolicy
from surveys.models import Resident
from surveys.store import Store

# A start this far in the past is still accepted (a coordinator typing "now"-ish times).
GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class EventOverview:
    """What a coordinator sees: the event, the counts and the waiting list (no names)."""

    event: Event
    counts: RsvpCounts
    waiting: list[WaitingEntry]


@dataclass(frozen=True)
class EditResult:
    event: Event
    promoted: list[int]
    notified: int


@dataclass(frozen=True)
class CalendarFile:
    name: str
    content: bytes


class EventBoard:
    def __init__(self, store: Store, policy: EventPolicy, messages: EventMessages) -> None:
        self._store = store
        self._policy = policy
        self._messages = messages

    @property
    def policy(self) -> EventPolicy:
        return self._policy

    async def create(
        self, spec: EventSpec, *, created_by: str, now: datetime | None = None
    ) -> Event:
        """Check and store a new event; the event clock announces it unless told not to."""
        now = now or utcnow()
        self._check_texts(spec.texts, require_default=True)
        await self._check_areas(spec.area_ids)
        self._check_times(spec.starts_at, spec.ends_at, now)
        spec = spec.model_copy(update={"partner": self._policy.partner_name(spec.partner)})
        return await self._store.events.create(
            spec, uid=secrets.token_hex(8), created_by=created_by
        )

    async def edit(
        self, event_id: int, changes: EventChanges, *, now: datetime | None = None
    ) -> EditResult:
        """Change an event that has not ended; time or place changes are told to those
        going, maybe or waiting, with an updated calendar file."""
        now = now or utcnow()
        if changes.empty:
            raise EventError("event_nothing_to_change", "nothing to change: give a new value")
        event = await self._store.events.get(event_id)
        self._check_not_over(event, now)
        self._check_texts(changes.texts, require_default=False)
        if changes.starts_at is not None or changes.ends_at is not None:
            starts = changes.starts_at or event.starts_at
            ends = changes.ends_at or event.ends_at
            if changes.starts_at is not None:
                self._check_times(starts, ends, now)
            elif ends <= starts:
                raise EventError("event_ends_before_start", "an event must end after it starts")
        if changes.partner:
            changes = changes.model_copy(
                update={"partner": self._policy.partner_name(changes.partner)}
            )
        updated, promoted, notified = await self._store.events.edit(
            event_id, changes, self._messages
        )
        return EditResult(updated, promoted, notified)

    async def cancel(self, event_id: int, *, now: datetime | None = None) -> tuple[Event, int]:
        """Cancel an event that has not ended; returns it and how many residents are told."""
        event = await self._store.events.get(event_id)
        self._check_not_over(event, now or utcnow())
        return await self._store.events.cancel(event_id, self._messages)

    async def answer(
        self, event_id: int, resident: Resident, choice: RsvpChoice, now: datetime | None = None
    ) -> RsvpOutcome:
        """Record Going / Maybe / Can't go; a full event puts Going on the waiting list."""
        return await self._store.events.answer(
            event_id, resident.id, choice, now or utcnow(), self._messages
        )

    async def upcoming(self, resident: Resident, now: datetime | None = None) -> list[EventEntry]:
        """Events of the resident's area that have not ended, soonest first, with their answer."""
        return await self._store.events.upcoming_for(resident.id, resident.area_id, now or utcnow())

    async def entry(self, event_id: int, resident: Resident) -> EventEntry:
        event = await self._store.events.get(event_id)
        return EventEntry(
            event=event,
            rsvp=await self._store.events.rsvp(event_id, resident.id),
            counts=await self._store.events.counts(event_id),
        )

    async def overview(self, event_id: int) -> EventOverview:
        return EventOverview(
            event=await self._store.events.get(event_id),
            counts=await self._store.events.counts(event_id),
            waiting=await self._store.events.waiting_list(event_id),
        )

    async def listing(self, *, upcoming_only: bool = False) -> list[EventOverview]:
        """Every event (or those still to end) with its counts, soonest first."""
        events = await self._store.events.find(ending_after=utcnow() if upcoming_only else None)
        return [
            EventOverview(event, await self._store.events.counts(event.id), []) for event in events
        ]

    async def staff_overview(self) -> list[EventOverview]:
        """Events still to end, with counts and waiting lists: what coordinators see."""
        events = await self._store.events.find(ending_after=utcnow())
        return [await self.overview(event.id) for event in events]

    async def calendar(self, event_id: int, language: str) -> CalendarFile:
        """The event's .ics file in ``language`` (cancelled events carry STATUS:CANCELLED)."""
        return (await self.calendar_for(event_id, language))[1]

    async def calendar_for(self, event_id: int, language: str) -> tuple[Event, CalendarFile]:
        event = await self._store.events.get(event_id)
        return event, self.calendar_of(event, language)

    def calendar_of(self, event: Event, language: str) -> CalendarFile:
        policy = self._policy
        return CalendarFile(
            name=calendar_file_name(
                event, language=language, default_language=policy.default_language, zone=policy.zone
            ),
            content=event_calendar(
                event,
                language=language,
                default_language=policy.default_language,
                zone=policy.zone,
                now=utcnow(),
                community=policy.community,
            ),
        )

    def held_until(self, now: datetime | None = None) -> datetime | None:
        """When an announcement queued now goes out, if quiet hours hold it (else None)."""
        quiet, now = self._policy.quiet, now or utcnow()
        if quiet is None or not quiet.contains(now):
            return None
        return quiet.next_allowed(now)

    async def audience_size(self, area_ids: list[str]) -> int:
        return await self._store.events.audience_size(area_ids)

    async def set_muted(self, resident: Resident, muted: bool) -> bool:
        """Turn announcements of new events off (True) or on for the resident."""
        return await self._store.events.set_muted(resident.id, muted)

    async def is_muted(self, resident: Resident) -> bool:
        return await self._store.events.is_muted(resident.id)

    def _check_texts(self, texts: dict[str, EventText], *, require_default: bool) -> None:
        unknown = sorted(set(texts) - set(self._policy.languages))
        if unknown:
            raise EventError(
                "event_unknown_language",
                f"unknown language(s): {', '.join(unknown)} "
                f"(configured: {', '.join(self._policy.languages)})",
            )
        default = self._policy.default_language
        if require_default and default not in texts:
            raise EventError(
                "event_title_missing", f"a title in the default language ({default}) is required"
            )

    async def _check_areas(self, area_ids: list[str]) -> None:
        known = {area.id for area in await self._store.areas.active()}
        unknown = sorted(set(area_ids) - known)
        if unknown:
            raise EventError(
                "event_unknown_area",
                f"unknown area(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})",
            )

    def _check_times(self, starts_at: datetime, ends_at: datetime, now: datetime) -> None:
        if starts_at < now - GRACE:
            raise EventError("event_in_past", "the start time has already passed")
        if ends_at <= starts_at:
            raise EventError("event_ends_before_start", "an event must end after it starts")

    def _check_not_over(self, event: Event, now: datetime) -> None:
        if event.ends_at <= now:
            raise EventError("event_over", f"event {event.id} has already ended")
