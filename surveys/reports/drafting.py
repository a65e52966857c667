"""Writing a report: the guided conversation's steps, kept in a draft row.

Steps: category -> area -> location (share one, or skip) -> "is it one of these?" (only when
open reports of the same category are near) -> description -> photos (up to three, or none) ->
contact (may we contact you?) -> review (Edit per field, Submit, Cancel). Editing a field from
the review returns to the review. Buttons carry the draft id: a button from a cancelled or
submitted draft, or for another step, raises :class:`StaleActionError` and changes nothing.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from surveys.clock import utcnow
from surveys.definitions.reading import visible_text
from surveys.errors import (
    DescriptionLengthError,
    ReportLimitError,
    StaleActionError,
    TooManyPhotosError,
    UnexpectedInputError,
)
from surveys.models import Area, Resident
from surveys.reports import notices
from surveys.reports.geo import bounding_box, distance_m
from surveys.reports.models import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    MAX_PHOTOS,
    DraftStep,
    Location,
    Report,
    ReportDraft,
    ReportPolicy,
)
from surveys.store import Store
from surveys.store.report_drafts import DraftChanges

MAX_MATCHES = 3
DraftAction = Literal["skiploc", "nomatch", "photos", "contact_yes", "contact_no"]
EDITABLE: tuple[DraftStep, ...] = ("category", "area", "description", "photos", "contact")


def next_step(draft: ReportDraft, done: DraftStep, *, has_matches: bool = False) -> DraftStep:
    """The step after ``done``; an edit from the review goes back to it (a new place first
    asks for the location too)."""
    if done == "area":
        return "location"
    if draft.editing and done != "location":
        return "review"
    if done == "location":
        if draft.editing:
            return "review"
        return "matches" if has_matches else "description"
    order: list[DraftStep] = ["category", "area", "location", "matches"]
    order += ["description", "photos", "contact", "review"]
    return order[order.index(done) + 1]


class DraftScreen(BaseModel):
    """What the draft's current step shows: the areas to pick from and, at the "is it one of
    these?" step, the offered reports."""

    model_config = ConfigDict(frozen=True)

    draft: ReportDraft
    areas: tuple[Area, ...]
    matches: tuple[Report, ...] = ()


class ReportDrafting:
    """The resident's side of a report, from /report to the reference."""

    def __init__(self, store: Store, policy: ReportPolicy) -> None:
        self._store = store
        self._policy = policy

    async def current(self, resident: Resident) -> ReportDraft | None:
        return await self._store.report_drafts.of_resident(resident.id)

    async def screen(self, draft: ReportDraft) -> DraftScreen:
        matches = await self.matches(draft) if draft.step == "matches" else []
        areas = await self._store.areas.active()
        return DraftScreen(draft=draft, areas=tuple(areas), matches=tuple(matches))

    async def begin(self, resident: Resident) -> ReportDraft:
        """Resume the draft in progress, or start one if the daily limit allows."""
        draft = await self._store.report_drafts.of_resident(resident.id)
        if draft is not None:
            return draft
        await self.check_limit(resident)
        return await self._store.report_drafts.start(resident.id, resident.area_id)

    async def check_limit(self, resident: Resident, now: datetime | None = None) -> None:
        now = now or utcnow()
        recent = await self._store.reports.submitted_since(
            resident.id, now - self._policy.limit_window
        )
        if len(recent) >= self._policy.daily_limit:
            retry_at = recent[len(recent) - self._policy.daily_limit] + self._policy.limit_window
            raise ReportLimitError(
                f"{len(recent)} reports in the last 24 hours",
                limit=self._policy.daily_limit,
                retry_at=retry_at,
                hours=max(1, math.ceil((retry_at - now).total_seconds() / 3600)),
            )

    async def cancel(self, resident: Resident, draft_id: int) -> None:
        draft = await self._own(resident, draft_id)
        await self._store.report_drafts.delete(draft.id)

    async def choose_category(
        self, resident: Resident, draft_id: int, category_id: str
    ) -> ReportDraft:
        draft = await self._own(resident, draft_id, "category")
        self._policy.category(category_id)  # UnknownCategoryError for a removed one
        return await self._update(draft, "category", {"category": category_id})

    async def choose_area(self, resident: Resident, draft_id: int, area_id: str) -> ReportDraft:
        draft = await self._own(resident, draft_id, "area")
        if area_id not in {area.id for area in await self._store.areas.active()}:
            raise StaleActionError(f"area {area_id!r} is not offered")
        return await self._update(draft, "area", {"area_id": area_id})

    async def set_location(self, resident: Resident, location: Location) -> ReportDraft:
        """A shared Telegram location: only while the draft asks for one."""
        draft = await self._typed(resident, "location")
        return await self._after_location(draft, {"location": location, "located": True})

    async def skip_location(self, resident: Resident, draft_id: int) -> ReportDraft:
        draft = await self._own(resident, draft_id, "location")
        return await self._after_location(draft, {"location": None, "located": True})

    async def matches(self, draft: ReportDraft) -> list[Report]:
        """Open reports of the draft's category in its area or within the radius of its
        location, nearest first; never for (or of) a sensitive category."""
        if draft.category is None or self._policy.is_sensitive(draft.category):
            return []
        radius = self._policy.match_radius_m
        box = bounding_box(draft.location, radius) if draft.location and radius > 0 else None
        found = await self._store.reports.candidates(
            category=draft.category, area_id=draft.area_id, box=box, resident_id=draft.resident_id
        )

        def distance(report: Report) -> float:
            if draft.location is None or report.location is None:
                return float("inf")
            return distance_m(draft.location, report.location)

        near = [
            report
            for report in found
            if report.area_id == draft.area_id or distance(report) <= radius
        ]
        return sorted(near, key=lambda r: (distance(r), -r.id))[:MAX_MATCHES]

    async def me_too(self, resident: Resident, draft_id: int, report_id: int) -> Report:
        """Follow an offered report instead of making a duplicate; the draft ends."""
        draft = await self._own(resident, draft_id, "matches")
        if report_id not in {report.id for report in await self.matches(draft)}:
            raise StaleActionError("that report is no longer offered")
        await self._store.reports.follow(report_id, resident.id, draft_id=draft.id)
        return await self._store.reports.require(report_id)

    async def none_match(self, resident: Resident, draft_id: int) -> ReportDraft:
        draft = await self._own(resident, draft_id, "matches")
        return await self._update(draft, "matches", {})

    async def describe(self, resident: Resident, text: str) -> ReportDraft:
        draft = await self._typed(resident, "description")
        cleaned = visible_text(text)
        if not DESCRIPTION_MIN <= len(cleaned) <= DESCRIPTION_MAX:
            raise DescriptionLengthError(
                f"{len(cleaned)} characters",
                min=DESCRIPTION_MIN,
                max=DESCRIPTION_MAX,
                length=len(cleaned),
            )
        return await self._update(draft, "description", {"description": cleaned})

    async def add_photo(self, resident: Resident, file_id: str) -> ReportDraft:
        """Add a photo (its Telegram file id); after the third, the draft moves on by itself."""
        draft = await self._typed(resident, "photos")
        if len(draft.photos) >= MAX_PHOTOS:
            raise TooManyPhotosError(f"at most {MAX_PHOTOS} photos", max=MAX_PHOTOS)
        photos = (*draft.photos, file_id) if file_id not in draft.photos else draft.photos
        if len(photos) < MAX_PHOTOS:
            return await self._store.report_drafts.update(draft.id, {"photos": photos})
        return await self._update(draft, "photos", {"photos": photos})

    async def photos_done(self, resident: Resident, draft_id: int) -> ReportDraft:
        draft = await self._own(resident, draft_id, "photos")
        return await self._update(draft, "photos", {})

    async def set_contact(self, resident: Resident, draft_id: int, allowed: bool) -> ReportDraft:
        draft = await self._own(resident, draft_id, "contact")
        return await self._update(draft, "contact", {"contact_ok": allowed})

    async def advance(self, resident: Resident, draft_id: int, action: DraftAction) -> ReportDraft:
        """A step's own button: no location, none of the offered reports, photos done,
        contact yes or no."""
        if action == "skiploc":
            return await self.skip_location(resident, draft_id)
        if action == "nomatch":
            return await self.none_match(resident, draft_id)
        if action == "photos":
            return await self.photos_done(resident, draft_id)
        return await self.set_contact(resident, draft_id, action == "contact_yes")

    async def attach(
        self, resident: Resident, *, location: Location | None = None, photo: str | None = None
    ) -> ReportDraft:
        """A shared location or a photo (its file id), for the step that waits for it."""
        if location is not None:
            return await self.set_location(resident, location)
        if photo is not None:
            return await self.add_photo(resident, photo)
        draft = await self._store.report_drafts.of_resident(resident.id)
        raise UnexpectedInputError(
            "neither a location nor a photo", step=draft.step if draft else ""
        )

    async def edit(self, resident: Resident, draft_id: int, step: DraftStep) -> ReportDraft:
        """Reopen one field from the review screen; photos start again from none."""
        draft = await self._own(resident, draft_id, "review")
        if step not in EDITABLE:
            raise StaleActionError(f"{step} cannot be edited")
        changes: DraftChanges = {"step": step, "editing": True}
        if step == "photos":
            changes["photos"] = ()
        return await self._store.report_drafts.update(draft.id, changes)

    async def submit(self, resident: Resident, draft_id: int) -> Report:
        """The report, with its reference; the coordinators hear of it at once, and a partner
        taking the category (the first configured) gets it in its group."""
        draft = await self._own(resident, draft_id, "review")
        if draft.category is None or draft.description is None or draft.contact_ok is None:
            raise StaleActionError("the draft is not complete")
        await self.check_limit(resident)
        category = self._policy.category(draft.category)
        partners = self._policy.partners_for(category.id)
        partner = partners[0] if partners else None
        return await self._store.reports.create(
            draft,
            sensitive=category.sensitive,
            language=resident.language,
            route_to=partner.id if partner else None,
            notices=notices.new_report(self._policy),
            partner_notices=notices.routed(partner) if partner else [],
        )

    async def _own(self, resident: Resident, draft_id: int, *steps: DraftStep) -> ReportDraft:
        """The resident's draft if ``draft_id`` is it and it is at one of ``steps``."""
        draft = await self._store.report_drafts.of_resident(resident.id)
        if draft is None or draft.id != draft_id:
            raise StaleActionError("a button of another draft")
        if steps and draft.step not in steps:
            raise StaleActionError(f"the draft is at {draft.step}, not {'/'.join(steps)}")
        return draft

    async def _typed(self, resident: Resident, step: DraftStep) -> ReportDraft:
        draft = await self._store.report_drafts.of_resident(resident.id)
        if draft is None:
            raise StaleActionError("no report is being written")
        if draft.step != step:
            raise UnexpectedInputError(f"the draft is at {draft.step}", step=draft.step)
        return draft

    async def _update(
        self, draft: ReportDraft, done: DraftStep, changes: DraftChanges
    ) -> ReportDraft:
        updated = draft.model_copy(update=dict(changes))
        step = next_step(updated, done)
        editing = draft.editing and step != "review"
        return await self._store.report_drafts.update(
            draft.id, {**changes, "step": step, "editing": editing}
        )

    async def _after_location(self, draft: ReportDraft, changes: DraftChanges) -> ReportDraft:
        updated = draft.model_copy(update=dict(changes))
        has_matches = not draft.editing and bool(await self.matches(updated))
        step = next_step(updated, "location", has_matches=has_matches)
        return await self._store.report_drafts.update(
            draft.id, {**changes, "step": step, "editing": draft.editing and step != "review"}
        )
