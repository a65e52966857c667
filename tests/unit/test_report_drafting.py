"""Writing a report through the use cases on a real SQLite file: steps, edits, stale buttons,
the daily limit, and "is it one of these?"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from surveys.clock import CLOCK
from surveys.errors import (
    DescriptionLengthError,
    ReportLimitError,
    StaleActionError,
    UnexpectedInputError,
    UnknownCategoryError,
)
from surveys.models import Resident
from surveys.reports.drafting import ReportDrafting, next_step
from surveys.reports.models import Location, ReportDraft
from surveys.store import Store
from tests.support.reports import PLAZA, STAFF, make_report, onboarded, open_store, services


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(tmp_path / "db.sqlite3")
    yield store
    await store.close()


async def test_whole_draft_becomes_a_report(store: Store) -> None:
    """If a resident goes through every step, then the report holds exactly what they gave,
    gets a reference, and the draft row is gone."""
    drafting, _ = services(store)
    ana = await onboarded(store, 101)
    draft = await drafting.begin(ana)
    assert (draft.step, draft.area_id) == ("category", "north")
    draft = await drafting.choose_category(ana, draft.id, "litter")
    assert draft.step == "area"
    draft = await drafting.choose_area(ana, draft.id, "south")
    assert draft.step == "location"
    draft = await drafting.set_location(ana, PLAZA)
    assert draft.step == "description" and draft.location == PLAZA
    draft = await drafting.describe(ana, "  \u200bBags of rubbish dumped by the bins  ")
    assert draft.step == "photos" and draft.description == "Bags of rubbish dumped by the bins"
    draft = await drafting.add_photo(ana, "photo-1")
    draft = await drafting.add_photo(ana, "photo-1")  # the same photo twice counts once
    assert (draft.step, draft.photos) == ("photos", ("photo-1",))
    draft = await drafting.photos_done(ana, draft.id)
    draft = await drafting.set_contact(ana, draft.id, False)
    assert draft.step == "review"
    report = await drafting.submit(ana, draft.id)
    assert report.reference == f"R-{report.id:06d}"
    assert (report.category, report.area_id, report.location) == ("litter", "south", PLAZA)
    assert report.photos == ("photo-1",) and report.contact_ok is False
    assert report.status == "new" and not report.sensitive and report.partner_id is None
    assert await drafting.current(ana) is None


async def test_third_photo_moves_on(store: Store) -> None:
    """If a third photo arrives, then the draft asks about contact; a fourth is refused."""
    drafting, _ = services(store)
    ana = await onboarded(store, 102)
    draft = await drafting.begin(ana)
    draft = await drafting.choose_category(ana, draft.id, "litter")
    draft = await drafting.choose_area(ana, draft.id, "north")
    draft = await drafting.skip_location(ana, draft.id)
    draft = await drafting.describe(ana, "Broken glass all over the playground")
    for photo in ("a", "b", "c"):
        draft = await drafting.add_photo(ana, photo)
    assert draft.step == "contact" and draft.photos == ("a", "b", "c")
    with pytest.raises(UnexpectedInputError) as caught:
        await drafting.add_photo(ana, "d")
    assert caught.value.params["step"] == "contact"


@pytest.mark.parametrize(
    ("text", "ok"),
    [("too short", False), ("x" * 10, True), ("x" * 3000, True), ("x" * 3001, False)],
)
async def test_description_length(store: Store, text: str, ok: bool) -> None:
    """If a description is under 10 or over 3000 characters, then it is refused with both
    limits and its length; otherwise it is kept."""
    drafting, _ = services(store)
    ana = await onboarded(store, 103)
    draft = await drafting.begin(ana)
    draft = await drafting.choose_category(ana, draft.id, "litter")
    draft = await drafting.choose_area(ana, draft.id, "north")
    await drafting.skip_location(ana, draft.id)
    if ok:
        assert (await drafting.describe(ana, text)).description == text
    else:
        with pytest.raises(DescriptionLengthError) as caught:
            await drafting.describe(ana, text)
        assert caught.value.params == {"min": 10, "max": 3000, "length": len(text)}


async def test_invisible_only_description_is_too_short(store: Store) -> None:
    """If a description holds only zero-width characters and spaces, then it counts as empty."""
    drafting, _ = services(store)
    ana = await onboarded(store, 111)
    draft = await drafting.begin(ana)
    draft = await drafting.choose_category(ana, draft.id, "litter")
    draft = await drafting.choose_area(ana, draft.id, "north")
    await drafting.skip_location(ana, draft.id)
    with pytest.raises(DescriptionLengthError) as caught:
        await drafting.describe(ana, "\u200b\u200c \ufeff\u2060" * 5)
    assert caught.value.params["length"] == 0


async def test_edit_from_review_returns_to_review(store: Store) -> None:
    """If a field is edited from the review, then the next step is the review again; a new
    place asks for the location too; photos start again from none."""
    drafting, _ = services(store)
    ana = await onboarded(store, 104)
    report_draft = await _at_review(drafting, ana)
    draft = await drafting.edit(ana, report_draft.id, "description")
    assert (draft.step, draft.editing) == ("description", True)
    draft = await drafting.describe(ana, "Now a much better description")
    assert (draft.step, draft.editing) == ("review", False)
    draft = await drafting.edit(ana, draft.id, "area")
    draft = await drafting.choose_area(ana, draft.id, "east")
    assert draft.step == "location"
    draft = await drafting.set_location(ana, PLAZA)
    assert (draft.step, draft.area_id, draft.location) == ("review", "east", PLAZA)
    draft = await drafting.edit(ana, draft.id, "photos")
    assert draft.photos == () and draft.step == "photos"
    draft = await drafting.photos_done(ana, draft.id)
    assert draft.step == "review"
    draft = await drafting.edit(ana, draft.id, "category")
    draft = await drafting.choose_category(ana, draft.id, "lighting")
    assert (draft.step, draft.category) == ("review", "lighting")


async def test_stale_buttons_change_nothing(store: Store) -> None:
    """If a button of a cancelled draft, of another step, or of someone else's draft is
    pressed, then StaleActionError is raised and the current draft is untouched."""
    drafting, _ = services(store)
    ana, ben = await onboarded(store, 105), await onboarded(store, 106)
    old = await drafting.begin(ana)
    await drafting.cancel(ana, old.id)
    new = await drafting.begin(ana)
    assert new.id != old.id
    with pytest.raises(StaleActionError):
        await drafting.choose_category(ana, old.id, "litter")
    with pytest.raises(StaleActionError):
        await drafting.choose_area(ana, new.id, "north")  # the draft is at "category"
    with pytest.raises(StaleActionError):
        await drafting.choose_category(ben, new.id, "litter")
    with pytest.raises(UnknownCategoryError):
        await drafting.choose_category(ana, new.id, "no-such")
    assert await drafting.current(ana) == new
    draft = await drafting.choose_category(ana, new.id, "litter")
    with pytest.raises(StaleActionError):
        await drafting.choose_area(ana, draft.id, "atlantis")


async def test_typed_input_at_the_wrong_step_names_the_step(store: Store) -> None:
    """If text or a location arrives while the draft asks for something else, then the error
    names the step the draft is at."""
    drafting, _ = services(store)
    ana = await onboarded(store, 107)
    await drafting.begin(ana)
    with pytest.raises(UnexpectedInputError) as caught:
        await drafting.describe(ana, "A perfectly fine description")
    assert caught.value.params["step"] == "category"
    with pytest.raises(UnexpectedInputError):
        await drafting.set_location(ana, PLAZA)


async def test_double_submit_is_stale(store: Store) -> None:
    """If Submit is pressed twice, then there is one report and the second press is stale."""
    drafting, _ = services(store)
    ana = await onboarded(store, 108)
    draft = await _at_review(drafting, ana)
    await drafting.submit(ana, draft.id)
    with pytest.raises(StaleActionError):
        await drafting.submit(ana, draft.id)
    assert len(await store.reports.submitted_since(ana.id, draft.created_at - timedelta(1))) == 1


async def test_daily_limit(store: Store) -> None:
    """If a resident made the limit of reports in 24 hours, then a new one is refused with the
    moment the oldest leaves the window; then it is allowed again."""
    drafting, _ = services(store)
    ana = await onboarded(store, 109)
    first = await make_report(drafting, ana)
    for _ in range(2):
        await make_report(drafting, ana)
    with pytest.raises(ReportLimitError) as caught:
        await drafting.begin(ana)
    assert caught.value.params["limit"] == 3
    assert caught.value.params["retry_at"] == first.created_at + timedelta(hours=24)
    CLOCK.advance(timedelta(hours=24, seconds=1))
    assert (await drafting.begin(ana)).step == "category"


async def test_limit_is_checked_again_at_submit(store: Store) -> None:
    """If the limit was reached while a draft was open (say, on another device), then Submit
    is refused and the draft stays."""
    drafting, _ = services(store)
    ana = await onboarded(store, 110)
    draft = await _at_review(drafting, ana)
    await store.report_drafts.delete(draft.id)
    for _ in range(3):
        await make_report(drafting, ana)
    draft = await _at_review(drafting, ana, check_limit=False)
    with pytest.raises(ReportLimitError):
        await drafting.submit(ana, draft.id)
    assert await drafting.current(ana) == draft


async def test_matches_same_area_or_radius(store: Store) -> None:
    """If open reports of the same category exist in the area or within the radius, then
    they are offered, nearest first; other categories, far places, closed reports, the
    resident's own and sensitive ones are not."""
    drafting, desk = services(store)
    others = [await onboarded(store, 200 + i, area="south") for i in range(6)]
    near = Location(latitude=PLAZA.latitude + 0.001, longitude=PLAZA.longitude)  # ~111 m
    far = Location(latitude=PLAZA.latitude + 0.01, longitude=PLAZA.longitude)  # ~1.1 km
    same_area = await make_report(drafting, others[0], area="north")
    close_by = await make_report(drafting, others[1], area="south", location=near)
    await make_report(drafting, others[2], area="south", location=far)
    await make_report(drafting, others[3], category="litter", area="north")
    closed = await make_report(drafting, others[4], area="north")
    await desk.change(STAFF, closed.id, "resolved")
    await make_report(drafting, others[5], category="domestic", area="north")
    ana = await onboarded(store, 300)
    await make_report(drafting, ana, area="north")  # her own: never offered to her
    draft = await drafting.begin(ana)
    draft = await drafting.choose_category(ana, draft.id, "lighting")
    draft = await drafting.choose_area(ana, draft.id, "north")
    draft = await drafting.set_location(ana, PLAZA)
    assert draft.step == "matches"
    offered = await drafting.matches(draft)
    assert [r.id for r in offered] == [close_by.id, same_area.id]


async def test_sensitive_category_never_matches(store: Store) -> None:
    """If the draft's category is sensitive, then nothing is offered, even an open report of
    the same category in the same area."""
    drafting, _ = services(store)
    await make_report(drafting, await onboarded(store, 401), category="domestic")
    ana = await onboarded(store, 402)
    draft = await drafting.begin(ana)
    draft = await drafting.choose_category(ana, draft.id, "domestic")
    draft = await drafting.choose_area(ana, draft.id, "north")
    draft = await drafting.skip_location(ana, draft.id)
    assert draft.step == "description"
    assert await drafting.matches(draft) == []


async def test_me_too_follows_instead_of_duplicating(store: Store) -> None:
    """If a resident says "me too", then they follow the report, the draft ends, no report is
    made and the daily limit is untouched."""
    drafting, _ = services(store)
    original = await make_report(drafting, await onboarded(store, 501))
    ben = await onboarded(store, 502)
    draft = await drafting.begin(ben)
    draft = await drafting.choose_category(ben, draft.id, "lighting")
    draft = await drafting.choose_area(ben, draft.id, "north")
    draft = await drafting.skip_location(ben, draft.id)
    assert draft.step == "matches"
    followed = await drafting.me_too(ben, draft.id, original.id)
    assert followed.id == original.id and followed.followers == 1
    assert await drafting.current(ben) is None
    assert await store.reports.submitted_since(ben.id, original.created_at - timedelta(1)) == []
    assert [(r.id, own) for r, own in await store.reports.of_resident(ben.id)] == [
        (original.id, False)
    ]
    with pytest.raises(StaleActionError):
        await drafting.me_too(ben, draft.id, original.id)


async def test_a_report_no_longer_offered_cannot_be_followed(store: Store) -> None:
    """If "me too" names a report that was not offered (forged), then it is stale."""
    drafting, _ = services(store)
    litter = await make_report(drafting, await onboarded(store, 601), category="litter")
    await make_report(drafting, await onboarded(store, 602))
    ben = await onboarded(store, 603)
    draft = await drafting.begin(ben)
    draft = await drafting.choose_category(ben, draft.id, "lighting")
    draft = await drafting.choose_area(ben, draft.id, "north")
    draft = await drafting.skip_location(ben, draft.id)
    with pytest.raises(StaleActionError):
        await drafting.me_too(ben, draft.id, litter.id)


@pytest.mark.parametrize(
    ("done", "editing", "has_matches", "expected"),
    [
        ("category", False, False, "area"),
        ("area", False, False, "location"),
        ("location", False, True, "matches"),
        ("location", False, False, "description"),
        ("matches", False, False, "description"),
        ("description", False, False, "photos"),
        ("photos", False, False, "contact"),
        ("contact", False, False, "review"),
        ("category", True, False, "review"),
        ("area", True, False, "location"),
        ("location", True, True, "review"),
        ("description", True, False, "review"),
        ("photos", True, False, "review"),
        ("contact", True, False, "review"),
    ],
)
def test_next_step(done: str, editing: bool, has_matches: bool, expected: str) -> None:
    """If a step is done (from the review or not), then the draft goes to the expected one."""
    draft = ReportDraft(
        id=1,
        resident_id=1,
        step=done,  # type: ignore[arg-type]
        editing=editing,
        created_at=CLOCK.now(),
        updated_at=CLOCK.now(),
    )
    assert next_step(draft, done, has_matches=has_matches) == expected  # type: ignore[arg-type]


async def _at_review(
    drafting: ReportDrafting, resident: Resident, *, check_limit: bool = True
) -> ReportDraft:
    """A litter draft at the review screen (without the limit check: started directly)."""
    if check_limit:
        draft = await drafting.begin(resident)
    else:
        draft = await drafting._store.report_drafts.start(resident.id, resident.area_id)
    draft = await drafting.choose_category(resident, draft.id, "litter")
    draft = await drafting.choose_area(resident, draft.id, "north")
    draft = await drafting.skip_location(resident, draft.id)
    if draft.step == "matches":
        draft = await drafting.none_match(resident, draft.id)
    draft = await drafting.describe(resident, "Overflowing bins behind the market")
    draft = await drafting.photos_done(resident, draft.id)
    result: ReportDraft = await drafting.set_contact(resident, draft.id, True)
    return result
