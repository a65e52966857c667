"""The steps of creating an event in chat (/newevent): title (and description) in each
language, start, end, place, audience, capacity, partner, a check screen, a preview, Send.

The plan is a draft row, so a restart resumes it. Every step names itself: an answer or a
button meant for another step (an old message, a double tap) raises StaleActionError and
changes nothing. Back returns to the previous step with what was entered kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from surveys.clock import from_db, to_db, utcnow
from surveys.errors import EventError, StaleActionError
from surveys.events.board import EventBoard
from surveys.events.models import (
    DESCRIPTION_MAX,
    PARTNER_MAX,
    PLACE_MAX,
    TITLE_MAX,
    Event,
    EventSpec,
    EventText,
)
from surveys.events.times import parse_end, parse_local
from surveys.models import Area, Role
from surveys.store import Store

KIND = "newevent"
FIXED_STEPS = ("starts", "ends", "place", "audience", "capacity", "partner", "confirm", "preview")
MAX_CAPACITY = 100_000


def title_step(language: str) -> str:
    return f"title:{language}"


class EventPlan(BaseModel):
    """What has been entered so far; ``step`` is the question on screen."""

    step: str
    texts: dict[str, EventText] = Field(default_factory=dict)
    starts: str | None = None
    ends: str | None = None
    place: str | None = None
    areas: list[str] = Field(default_factory=list)
    capacity: int | None = None
    partner: str | None = None

    @property
    def starts_at(self) -> datetime | None:
        return from_db(self.starts) if self.starts else None

    @property
    def ends_at(self) -> datetime | None:
        return from_db(self.ends) if self.ends else None

    @property
    def language(self) -> str | None:
        """The language of the title step on screen, if it is one."""
        return self.step.partition(":")[2] or None


@dataclass(frozen=True)
class EventPlanChoices:
    """What a screen of the plan shows besides the plan: areas to pick, the audience size, the
    step's number, and (from the check screen on) the event as it will be created."""

    languages: list[str]
    zone: ZoneInfo
    areas: list[Area]
    audience: int
    position: tuple[int, int]
    first_step: str
    spec: EventSpec | None
    partners: dict[str, str]


class EventPlanner:
    def __init__(self, store: Store, board: EventBoard) -> None:
        self._store = store
        self._board = board
        policy = board.policy
        self._zone = policy.zone
        self._languages = policy.languages
        self._steps = [title_step(lang) for lang in policy.languages] + list(FIXED_STEPS)

    @property
    def steps(self) -> list[str]:
        return list(self._steps)

    def position(self, step: str) -> tuple[int, int]:
        """(number of the step, number of steps before the check screen), for "(3/9)"."""
        asked = self._steps[: self._steps.index("confirm")]
        return (asked.index(step) + 1 if step in asked else len(asked), len(asked))

    async def choices(self, plan: EventPlan) -> EventPlanChoices:
        complete = plan.step in ("confirm", "preview")
        return EventPlanChoices(
            languages=self._languages,
            zone=self._zone,
            areas=await self._store.areas.active(),
            audience=await self._board.audience_size(plan.areas),
            position=self.position(plan.step),
            first_step=self._steps[0],
            spec=self.spec(plan) if complete else None,
            partners=self._board.policy.partners,
        )

    async def current(self, user_id: int) -> EventPlan | None:
        draft = await self._store.drafts.get(user_id, KIND)
        return EventPlan.model_validate(draft[1]) if draft else None

    async def start(self, user_id: int) -> EventPlan:
        return await self._save(user_id, EventPlan(step=self._steps[0]))

    async def cancel(self, user_id: int) -> None:
        await self._store.drafts.delete(user_id, KIND)

    async def back(self, user_id: int, step: str) -> EventPlan:
        """From ``step`` (the screen the Back button was on) to the one before it."""
        plan = await self._at(user_id, step)
        index = self._steps.index(step)
        return await self._move(user_id, plan, self._steps[max(index - 1, 0)])

    async def typed(self, user_id: int, text: str) -> EventPlan | None:
        """Typed input for the step on screen; None when no event plan is the form on the
        user's screen or its step takes buttons only (the text is for someone else)."""
        if await self._store.drafts.latest(user_id) != KIND:
            return None
        plan = await self.current(user_id)
        if plan is None:
            return None
        if plan.language is not None:
            return await self.set_text(user_id, text)
        setters = {
            "starts": self.set_starts,
            "ends": self.set_ends,
            "place": self.set_place,
            "capacity": self.set_capacity,
            "partner": self.set_partner,
        }
        setter = setters.get(plan.step)
        return None if setter is None else await setter(user_id, text)

    async def move(self, user_id: int, step: str, move: str) -> EventPlan:
        """A button pressed on the screen of ``step``: back, skip a translation, every area,
        audience done, no capacity limit, no partner, or on to the preview."""
        if move == "back":
            return await self.back(user_id, step)
        if move == "skip":
            return await self.skip_translation(user_id, step)
        await self._at(user_id, step)
        moves = {
            "all": self.all_areas,
            "next": self.audience_done,
            "nolimit": lambda user: self.set_capacity(user, None),
            "nopartner": lambda user: self.set_partner(user, None),
            "preview": self.confirm,
        }
        if move not in moves:
            raise StaleActionError(f"no move {move!r} in the event plan")
        return await moves[move](user_id)

    async def set_text(self, user_id: int, text: str) -> EventPlan:
        """The title on the first line, an optional description on the lines after it."""
        plan = await self._at_title(user_id)
        language = plan.language
        assert language is not None
        title, _, description = text.strip().partition("\n")
        if not title.strip() or len(title.strip()) > TITLE_MAX:
            raise EventError("event_bad_title", "the title is empty or too long")
        if len(description.strip()) > DESCRIPTION_MAX:
            raise EventError(
                "event_bad_description",
                "the description is too long",
                length=len(description.strip()),
                max=DESCRIPTION_MAX,
            )
        entry = EventText(title=title, description=description)
        texts = {**plan.texts, language: entry}
        return await self._next(user_id, plan.model_copy(update={"texts": texts}))

    async def skip_translation(self, user_id: int, step: str) -> EventPlan:
        """A language other than the first may stay untranslated (the first one is shown)."""
        plan = await self._at(user_id, step)
        if plan.language in (None, self._languages[0]):
            raise StaleActionError("only a translation can be skipped")
        texts = {k: v for k, v in plan.texts.items() if k != plan.language}
        return await self._next(user_id, plan.model_copy(update={"texts": texts}))

    async def set_starts(self, user_id: int, text: str) -> EventPlan:
        plan = await self._at(user_id, "starts")
        starts = parse_local(_iso(text), self._zone)
        if starts < utcnow() - timedelta(minutes=1):
            raise EventError("event_in_past", "the start time has already passed")
        ends = plan.ends_at
        update: dict[str, object] = {"starts": to_db(starts)}
        if ends is not None and ends <= starts:
            update["ends"] = None  # asked again on the next step
        return await self._next(user_id, plan.model_copy(update=update))

    async def set_ends(self, user_id: int, text: str) -> EventPlan:
        plan = await self._at(user_id, "ends")
        starts = plan.starts_at
        assert starts is not None
        ends = parse_end(_iso(text), starts, self._zone)
        if ends <= starts:
            raise EventError("event_ends_before_start", "an event must end after it starts")
        return await self._next(user_id, plan.model_copy(update={"ends": to_db(ends)}))

    async def set_place(self, user_id: int, text: str) -> EventPlan:
        plan = await self._at(user_id, "place")
        place = " ".join(text.split())
        if not place or len(place) > PLACE_MAX:
            raise EventError("event_bad_place", "the place is empty or too long")
        return await self._next(user_id, plan.model_copy(update={"place": place}))

    async def toggle_area(self, user_id: int, area_id: str) -> EventPlan:
        plan = await self._at(user_id, "audience")
        if area_id not in {area.id for area in await self._store.areas.active()}:
            raise StaleActionError(f"no area {area_id!r}")
        areas = sorted(set(plan.areas) ^ {area_id})
        return await self._save(user_id, plan.model_copy(update={"areas": areas}))

    async def all_areas(self, user_id: int) -> EventPlan:
        plan = await self._at(user_id, "audience")
        return await self._next(user_id, plan.model_copy(update={"areas": []}))

    async def audience_done(self, user_id: int) -> EventPlan:
        return await self._next(user_id, await self._at(user_id, "audience"))

    async def set_capacity(self, user_id: int, text: str | None) -> EventPlan:
        """A number of places, or None for no limit."""
        plan = await self._at(user_id, "capacity")
        capacity = None
        if text is not None:
            cleaned = text.strip()
            if not cleaned.isdigit() or not 1 <= int(cleaned) <= MAX_CAPACITY:
                raise EventError(
                    "event_bad_capacity", "the capacity must be a positive number of places"
                )
            capacity = int(cleaned)
        return await self._next(user_id, plan.model_copy(update={"capacity": capacity}))

    async def set_partner(self, user_id: int, text: str | None) -> EventPlan:
        """A partner's name (or a configured partner's id), or None for no partner."""
        plan = await self._at(user_id, "partner")
        partner = self._board.policy.partner_name(" ".join(text.split()) if text else None)
        if partner is not None and len(partner) > PARTNER_MAX:
            raise EventError("event_bad_partner", "the partner's name is too long")
        return await self._next(user_id, plan.model_copy(update={"partner": partner or None}))

    async def confirm(self, user_id: int) -> EventPlan:
        """From the check screen to the preview of the announcement."""
        return await self._next(user_id, await self._at(user_id, "confirm"))

    def spec(self, plan: EventPlan) -> EventSpec:
        """The event the plan describes (complete once the check screen is reached)."""
        assert plan.starts_at and plan.ends_at and plan.place
        return EventSpec(
            texts=plan.texts,
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
            place=plan.place,
            area_ids=plan.areas,
            capacity=plan.capacity,
            partner=plan.partner,
        )

    async def send(self, user_id: int, *, role: Role) -> Event:
        """Create the event from the preview (audited as ``events.create`` by the staff
        member); the event clock announces it."""
        plan = await self._at(user_id, "preview")
        event = await self._board.create(self.spec(plan), created_by=f"user:{user_id}")
        await self._store.drafts.delete(user_id, KIND)
        await self._store.audit.record(
            role=role,
            action="events.create",
            allowed=True,
            user_id=user_id,
            detail={"event": event.id},
        )
        return event

    async def _at(self, user_id: int, step: str) -> EventPlan:
        plan = await self.current(user_id)
        if plan is None or plan.step != step:
            raise StaleActionError(f"the event plan is not at step {step}")
        return plan

    async def _at_title(self, user_id: int) -> EventPlan:
        plan = await self.current(user_id)
        if plan is None or plan.language is None:
            raise StaleActionError("the event plan is not asking for a title")
        return plan

    async def _next(self, user_id: int, plan: EventPlan) -> EventPlan:
        index = self._steps.index(plan.step)
        return await self._move(user_id, plan, self._steps[min(index + 1, len(self._steps) - 1)])

    async def _move(self, user_id: int, plan: EventPlan, step: str) -> EventPlan:
        return await self._save(user_id, plan.model_copy(update={"step": step}))

    async def _save(self, user_id: int, plan: EventPlan) -> EventPlan:
        await self._store.drafts.put(user_id, KIND, plan.step, plan.model_dump(mode="json"))
        return plan


def _iso(text: str) -> str:
    """``2026-12-01 18:00`` as typed in chat -> ISO; durations pass through."""
    cleaned = " ".join(text.split())
    return cleaned.replace(" ", "T", 1) if " " in cleaned else cleaned
