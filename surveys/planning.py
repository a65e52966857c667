"""The steps of planning a round in chat (/newround): survey, audience, opening, closing,
reminders, confirmation. The plan is a draft row, so a restart resumes it; each step checks
that the plan is at that step, so an old button cannot change a later one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from surveys.clock import from_db, to_db, utcnow
from surveys.errors import PlanError, RoundError, StaleActionError
from surveys.models import Area, Role, Round
from surveys.quiet import QuietHours
from surveys.recurrence import validate_recurrence
from surveys.registry import SurveyRegistry
from surveys.rounds import (
    check_closing,
    check_opening,
    check_reminders,
    create_round,
    parse_moment,
    parse_offsets,
)
from surveys.store import Store

KIND = "newround"
Step = Literal["survey", "audience", "opens", "closes", "remind", "repeat", "confirm"]
STEPS: tuple[Step, ...] = ("survey", "audience", "opens", "closes", "remind", "repeat", "confirm")
Move = Literal["all", "next", "now"]


@dataclass(frozen=True)
class PlanChoices:
    """What the wizard offers: survey titles by key, and the active areas."""

    surveys: dict[str, dict[str, str]]
    areas: list[Area]

    def area_names(self, ids: list[str]) -> list[str]:
        names = {area.id: area.name for area in self.areas}
        return [names.get(area_id, area_id) for area_id in ids]


class RoundPlan(BaseModel):
    step: Step = "survey"
    survey: str | None = None
    areas: list[str] = Field(default_factory=list)
    opens: str | None = None
    closes: str | None = None
    remind: list[int] = Field(default_factory=list)
    repeat: str | None = None  # weekly, monthly or a crontab line, as the CLI's --every

    @property
    def number(self) -> int:
        """The step's number, 1 to 6 (the confirmation is 7)."""
        return STEPS.index(self.step) + 1

    @property
    def opens_at(self) -> datetime | None:
        return from_db(self.opens) if self.opens else None

    @property
    def closes_at(self) -> datetime | None:
        return from_db(self.closes) if self.closes else None

    @property
    def reminders(self) -> list[timedelta]:
        return [timedelta(seconds=s) for s in self.remind]


@dataclass(frozen=True)
class PlannedRound:
    """A round created from a plan: opening now or later, and when its invitations go out
    (later than the opening in quiet hours)."""

    round: Round
    opens_now: bool
    invitations_at: datetime


class RoundPlanner:
    def __init__(
        self,
        store: Store,
        registry: SurveyRegistry,
        zone: ZoneInfo,
        quiet: QuietHours | None = None,
    ) -> None:
        self._store = store
        self._registry = registry
        self._zone = zone
        self._quiet = quiet

    async def current(self, user_id: int) -> RoundPlan | None:
        draft = await self._store.drafts.get(user_id, KIND)
        return RoundPlan.model_validate(draft[1]) if draft else None

    async def choices(self) -> PlanChoices:
        surveys = {
            key: dict(self._registry.load(key).title) for key in self._registry.survey_keys()
        }
        return PlanChoices(surveys, await self._store.areas.active())

    async def start(self, user_id: int) -> RoundPlan:
        plan = RoundPlan()
        await self._save(user_id, plan)
        return plan

    async def cancel(self, user_id: int) -> None:
        await self._store.drafts.delete(user_id, KIND)

    async def choose_survey(self, user_id: int, key: str) -> RoundPlan:
        plan = await self._at(user_id, "survey")
        if key not in self._registry.survey_keys():
            raise StaleActionError(f"no survey {key!r}")
        return await self._save(
            user_id, plan.model_copy(update={"survey": key, "step": "audience"})
        )

    async def toggle_area(self, user_id: int, area_id: str) -> RoundPlan:
        plan = await self._at(user_id, "audience")
        if area_id not in {area.id for area in await self._store.areas.active()}:
            raise StaleActionError(f"no area {area_id!r}")
        areas = sorted(set(plan.areas) ^ {area_id})
        return await self._save(user_id, plan.model_copy(update={"areas": areas}))

    async def typed(self, user_id: int, text: str) -> RoundPlan | None:
        """Typed input for the step that takes it (opening, closing, reminders); None if the
        plan is at no such step, so the text is for someone else."""
        plan = await self.current(user_id)
        setters = {
            "opens": self.set_opens,
            "closes": self.set_closes,
            "remind": self.set_reminders,
            "repeat": self.set_repeat,
        }
        if plan is None or plan.step not in setters:
            return None
        return await setters[plan.step](user_id, text)

    async def move(self, user_id: int, move: Move) -> RoundPlan:
        """A button that moves the plan on: every area, audience done, or open now."""
        if move == "all":
            return await self.all_areas(user_id)
        if move == "next":
            return await self.audience_done(user_id)
        return await self.set_opens(user_id, "now")

    async def all_areas(self, user_id: int) -> RoundPlan:
        plan = await self._at(user_id, "audience")
        return await self._save(user_id, plan.model_copy(update={"areas": [], "step": "opens"}))

    async def audience_done(self, user_id: int) -> RoundPlan:
        plan = await self._at(user_id, "audience")
        return await self._save(user_id, plan.model_copy(update={"step": "opens"}))

    async def set_opens(self, user_id: int, text: str) -> RoundPlan:
        plan = await self._at(user_id, "opens")
        now = utcnow()
        opens = self._moment(text, now)
        check_opening(opens, now)
        return await self._save(
            user_id, plan.model_copy(update={"opens": to_db(opens), "step": "closes"})
        )

    async def set_closes(self, user_id: int, text: str) -> RoundPlan:
        plan = await self._at(user_id, "closes")
        opens = plan.opens_at or utcnow()
        closes = self._moment(text, opens)
        check_closing(opens, closes, utcnow())
        return await self._save(
            user_id, plan.model_copy(update={"closes": to_db(closes), "step": "remind"})
        )

    async def set_reminders(self, user_id: int, text: str) -> RoundPlan:
        plan = await self._at(user_id, "remind")
        try:
            offsets = [] if text.strip().lower() in ("", "none") else parse_offsets(text)
        except RoundError:
            raise PlanError("plan_bad_time") from None
        check_reminders(plan.opens_at or utcnow(), plan.closes_at, offsets, self._zone)
        seconds = [int(offset.total_seconds()) for offset in offsets]
        return await self._save(
            user_id, plan.model_copy(update={"remind": seconds, "step": "repeat"})
        )

    async def set_repeat(self, user_id: int, text: str) -> RoundPlan:
        """``none``, ``weekly``, ``monthly`` or a crontab line: the next round is planned when
        this one closes."""
        plan = await self._at(user_id, "repeat")
        choice = text.strip().lower()
        try:
            repeat = None if choice in ("", "none") else validate_recurrence(choice)
        except RoundError:
            raise PlanError("plan_bad_repeat") from None
        return await self._save(
            user_id, plan.model_copy(update={"repeat": repeat, "step": "confirm"})
        )

    async def back(self, user_id: int) -> RoundPlan:
        """One step back (the values chosen stay until they are chosen again)."""
        plan = await self.current(user_id)
        if plan is None or plan.step == "survey":
            raise StaleActionError("no step to go back to")
        previous = STEPS[STEPS.index(plan.step) - 1]
        return await self._save(user_id, plan.model_copy(update={"step": previous}))

    async def confirm(self, user_id: int, *, role: Role) -> PlannedRound:
        """Create the planned round (audited as ``rounds.create`` by the staff member);
        RoundOverlapError if the same survey already runs then for some of the same areas."""
        plan = await self._at(user_id, "confirm")
        assert plan.survey is not None
        now = utcnow()
        opens = max(plan.opens_at or now, now)
        round_ = await create_round(
            self._store,
            self._registry,
            plan.survey,
            opens_at=opens,
            closes_at=plan.closes_at,
            area_ids=plan.areas,
            remind_after=plan.reminders,
            recurrence=plan.repeat,
            zone=self._zone,
            created_by=f"user:{user_id}",
            now=now,
        )
        await self._store.drafts.delete(user_id, KIND)
        await self._store.audit.record(
            role=role,
            action="rounds.create",
            allowed=True,
            user_id=user_id,
            detail={"round": round_.id},
        )
        invitations = self._quiet.next_allowed(opens) if self._quiet else opens
        return PlannedRound(round_, opens <= now, invitations)

    def _moment(self, text: str, now: datetime) -> datetime:
        try:
            return parse_moment(
                text.replace(" ", "T", 1) if " " in text.strip() else text, self._zone, now=now
            )
        except RoundError:
            raise PlanError("plan_bad_time") from None
        except OverflowError:  # a duration that runs past year 9999
            raise PlanError("plan_too_far") from None

    async def _at(self, user_id: int, step: Step) -> RoundPlan:
        plan = await self.current(user_id)
        if plan is None or plan.step != step:
            raise StaleActionError(f"the plan is not at step {step}")
        return plan

    async def _save(self, user_id: int, plan: RoundPlan) -> RoundPlan:
        await self._store.drafts.put(user_id, KIND, plan.step, plan.model_dump())
        return plan
