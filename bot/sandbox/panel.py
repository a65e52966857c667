"""The sandbox page's demo panel: open a survey round now and move the clock forward.

A visitor should see the whole loop (invitation, answers, reminder, closing, results) in
minutes, not weeks. Opening a round uses the same use case as ``feedbackbot rounds open``;
moving the clock uses :data:`surveys.clock.CLOCK`, which the whole process reads, and then runs
the round clock once so due reminders and closings happen at once instead of at its next poll.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from bot.context import FeedbackApplication, Services
from surveys.clock import CLOCK, utcnow
from surveys.rounds import create_round

__all__ = [
    "CLOCK_STEPS",
    "DemoPanel",
    "NotReadyError",
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


class PanelState(BaseModel):
    """What the panel shows: the sandbox's time and the rounds that are not over."""

    now: str
    zone: str
    ahead_hours: int
    surveys: list[PanelSurvey]
    rounds: list[PanelRound]


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
        return PanelState(
            now=utcnow().astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            zone=services.settings.community.timezone,
            ahead_hours=int(CLOCK.offset.total_seconds() // 3600),
            surveys=surveys,
            rounds=rounds,
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

    async def advance(self, step: str) -> None:
        """Move the whole process's clock forward by one of :data:`CLOCK_STEPS`."""
        CLOCK.advance(CLOCK_STEPS[step])
        await self._services.scheduler.tick()
