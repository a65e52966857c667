"""The sandbox page's demo panel: open a survey round, announce an event, move the clock.

A visitor should see whole loops (invitation, answers, reminder, closing, results; event, RSVP,
reminder, feedback) in minutes, not weeks. Opening a round and creating an event use the same
use cases as ``feedbackbot rounds open`` and ``feedbackbot events create``; moving the clock uses
:data:`surveys.clock.CLOCK`, which the whole process reads, and then runs the round and event
clocks and the report poll once, so whatever fell due (reminders, closings, overdue reports,
follow-ups) happens at once instead of at their next poll.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from bot.context import FeedbackApplication, Services
from bot.sandbox.community import DEMO_EVENTS, demo_event
from surveys.clock import CLOCK, utcnow
from surveys.rounds import create_round

__all__ = [
    "CLOCK_STEPS",
    "DemoPanel",
    "NotReadyError",
    "PanelEvent",
    "PanelRound",
    "PanelState",
    "PanelSurvey",
    "running_services",
]

CLOCK_STEPS = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "1w": timedelta(weeks=1)}
ROUND_LENGTH = timedelta(days=7)
ROUND_REMINDERS = (timedelta(days=2), timedelta(days=5))


class NotReadyError(RuntimeError):
    """The sandbox's bot has not started (or has stopped): its services are not open."""


def running_services(app: FeedbackApplication) -> Services:
    """The bot's services, or :class:`NotReadyError` while it starts or stops."""
    services = app.bot_data.services
    if services is None:
        raise NotReadyError("the bot is not running")
    return services


class PanelSurvey(BaseModel):
    key: str
    title: str


class PanelRound(BaseModel):
    id: int
    title: str
    status: str
    closes: str | None


class PanelEvent(BaseModel):
    id: int
    title: str
    starts: str
    going: int
    maybe: int


class PanelState(BaseModel):
    """What the panel shows: the sandbox's time, the rounds and events that are not over."""

    now: str
    zone: str
    ahead_hours: int
    surveys: list[PanelSurvey]
    rounds: list[PanelRound]
    events: list[PanelEvent]


class DemoPanel:
    """Actions of the demo panel on the running bot's services."""

    def __init__(self, app: FeedbackApplication) -> None:
        self._app = app

    @property
    def _services(self) -> Services:
        return running_services(self._app)

    async def state(self, language: str) -> PanelState:
        services = self._services
        zone = services.settings.community.zone
        registry = services.registry
        surveys = [
            PanelSurvey(key=key, title=registry.load(key).title.get(language, key))
            for key in registry.survey_keys()
        ]
        rounds = []
        for found in await services.store.rounds.find(["scheduled", "open"]):
            definition = await registry.definition(found.survey_version_id)
            closes = (
                found.closes_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                if found.closes_at
                else None
            )
            rounds.append(
                PanelRound(
                    id=found.id,
                    title=definition.title.get(language, found.survey_key),
                    status=found.status,
                    closes=closes,
                )
            )
        events = [
            PanelEvent(
                id=found.event.id,
                title=found.event.text(language).title,
                starts=found.event.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                going=found.counts.going,
                maybe=found.counts.maybe,
            )
            for found in await services.events.board.listing(upcoming_only=True)
            if not found.event.cancelled
        ]
        return PanelState(
            now=utcnow().astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            zone=services.settings.community.timezone,
            ahead_hours=int(CLOCK.offset.total_seconds() // 3600),
            surveys=surveys,
            rounds=rounds,
            events=events,
        )

    async def open_round(self, survey_key: str) -> int:
        """Open a round of ``survey_key`` for every area now: closes in a week, reminds after
        two and five days. Invitations start at once."""
        services = self._services
        now = utcnow()
        created = await create_round(
            services.store,
            services.registry,
            survey_key,
            opens_at=now,
            closes_at=now + ROUND_LENGTH,
            remind_after=ROUND_REMINDERS,
            zone=services.settings.community.zone,
            created_by="sandbox",
            now=now,
        )
        await services.store.audit.record(
            role="cli",
            action="sandbox.round",
            allowed=True,
            detail={"round": created.id, "survey": survey_key},
        )
        await services.scheduler.tick()
        return created.id

    async def announce_event(self) -> int:
        """Create the demo panel's sample event (in three days at 18:00 local time, for every
        area, 30 places) and let the event clock announce it now."""
        services = self._services
        spec = demo_event(services.settings, DEMO_EVENTS["walk"])
        event = await services.events.board.create(spec, created_by="sandbox")
        await services.store.audit.record(
            role="cli", action="sandbox.event", allowed=True, detail={"event": event.id}
        )
        await services.events.scheduler.tick()
        return event.id

    async def advance(self, step: str) -> None:
        """Move the whole process's clock forward by one of :data:`CLOCK_STEPS`."""
        CLOCK.advance(CLOCK_STEPS[step])
        services = self._services
        await services.scheduler.tick()
        await services.events.scheduler.tick()
        await services.reports.scheduler.tick()
