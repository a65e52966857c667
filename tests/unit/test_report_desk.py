"""Working on reports on a real SQLite file: status changes with history, messages to the
reporter and followers, notices to staff and partners, routing, the follow-up, overdue
reminders with the shared clock."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from surveys.clock import CLOCK, utcnow
from surveys.errors import (
    DuplicateTargetError,
    NotAllowedError,
    NoteLengthError,
    ReasonRequiredError,
    RoutingError,
    StaleActionError,
    TransitionError,
)
from surveys.reports.models import Actor, ReportFilter
from surveys.reports.reminders import run_duties
from surveys.store import Store
from tests.support.reports import (
    ADMIN,
    COORDINATOR,
    MEMBER,
    OUTSIDER,
    PARTNER_CHAT,
    POLICY,
    STAFF,
    Messages,
    make_report,
    onboarded,
    open_store,
    services,
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(tmp_path / "db.sqlite3")
    yield store
    await store.close()


def _rows(store: Store, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(store.db.path) as conn:
        return conn.execute(sql, params).fetchall()


def _outbox(store: Store) -> list[tuple[object, ...]]:
    return _rows(store, "SELECT purpose, resident_id FROM outbox ORDER BY id")


def _notices(store: Store) -> list[tuple[object, ...]]:
    return _rows(store, "SELECT kind, report_id, chat_id, audience FROM report_notices ORDER BY id")


async def test_submission_notifies_coordinators_and_routes_to_the_partner(store: Store) -> None:
    """If a report is made in a partner's category, then the coordinators get a "new" notice,
    the report is routed to that partner and its group gets a "routed" notice; history says
    both. A category no partner takes stays with the coordinators."""
    drafting, desk = services(store)
    lighting = await make_report(drafting, await onboarded(store, 1))
    litter = await make_report(drafting, await onboarded(store, 2), category="litter")
    assert lighting.partner_id == "council" and litter.partner_id is None
    assert _notices(store) == [
        ("new", lighting.id, COORDINATOR, "staff"),
        ("routed", lighting.id, PARTNER_CHAT, "partner"),
        ("new", litter.id, COORDINATOR, "staff"),
    ]
    card = await desk.card(lighting.id)
    assert [(e.kind, e.actor_role, e.partner_id) for e in card.history] == [
        ("submitted", "resident", None),
        ("routed", "system", "council"),
    ]
    assert card.history[0].actor_user_id is None  # a resident is never named by Telegram id


async def test_sensitive_report_is_never_routed(store: Store) -> None:
    """If a sensitive report is made, then only the coordinators hear of it; routing it by
    hand is refused."""
    drafting, desk = services(store)
    report = await make_report(drafting, await onboarded(store, 3), category="domestic")
    assert report.sensitive and report.partner_id is None
    assert _notices(store) == [("new", report.id, COORDINATOR, "staff")]
    with pytest.raises(RoutingError):
        await desk.route(STAFF, report.id, "council")


async def test_every_change_reaches_reporter_and_followers(store: Store) -> None:
    """If a coordinator changes the status or posts a note, then one outbox row per change
    reaches the reporter and each follower, in history order, with the note."""
    drafting, desk = services(store)
    reporter, follower = await onboarded(store, 10), await onboarded(store, 11)
    report = await make_report(drafting, reporter, category="litter")
    await store.reports.follow(report.id, follower.id, draft_id=None)
    _, ack = await desk.change(STAFF, report.id, "acknowledged")
    _, note = await desk.add_note(STAFF, report.id, "A crew is booked for Friday.")
    after, done = await desk.change(STAFF, report.id, "resolved", note="Cleared this morning.")
    assert _outbox(store) == [
        (f"report:{report.id}:{entry.id}", who.id)
        for entry in (ack, note, done)
        for who in (reporter, follower)
    ]
    assert (after.status, after.revision, after.owner_user_id) == ("resolved", 3, COORDINATOR)
    assert after.acknowledged_at is not None and after.resolved_at is not None
    history = (await desk.card(report.id)).history
    assert [(e.kind, e.from_status, e.to_status, e.note) for e in history[1:]] == [
        ("status", "new", "acknowledged", None),
        ("note", "acknowledged", "acknowledged", "A crew is booked for Friday."),
        ("status", "acknowledged", "resolved", "Cleared this morning."),
    ]
    assert all(e.actor_user_id == COORDINATOR for e in history[1:])


async def test_stopped_resident_gets_no_updates(store: Store) -> None:
    """If the reporter used /stop, then status changes queue nothing for them."""
    drafting, desk = services(store)
    reporter = await onboarded(store, 12)
    report = await make_report(drafting, reporter, category="litter")
    await store.residents.stop(reporter.id)
    await desk.change(STAFF, report.id, "in_progress")
    assert _outbox(store) == []


async def test_closing_needs_a_reason_and_duplicates_an_original(store: Store) -> None:
    """If a report is closed without a reason, or marked duplicate of itself, of an unknown or
    of a sensitive report, then it is refused and nothing changes."""
    drafting, desk = services(store)
    report = await make_report(drafting, await onboarded(store, 13), category="litter")
    sensitive = await make_report(drafting, await onboarded(store, 14), category="domestic")
    with pytest.raises(ReasonRequiredError):
        await desk.change(STAFF, report.id, "closed")
    for target in (report.reference, sensitive.reference):
        with pytest.raises(DuplicateTargetError):
            await desk.change(STAFF, report.id, "duplicate", duplicate_of=target)
    with pytest.raises(Exception, match="R-999999"):
        await desk.change(STAFF, report.id, "duplicate", duplicate_of="R-999999")
    assert (await desk.card(report.id)).report.revision == 0
    closed, entry = await desk.change(
        STAFF, report.id, "closed", reason="not_responsible", note="The water company is."
    )
    assert (closed.status, closed.close_reason, entry.reason) == (
        "closed",
        "not_responsible",
        "not_responsible",
    )


async def test_duplicate_moves_its_audience_to_the_original(store: Store) -> None:
    """If a report is marked a duplicate, then its reporter and followers follow the original
    from then on, and hear about it."""
    drafting, desk = services(store)
    first = await make_report(drafting, await onboarded(store, 20), category="litter")
    dup_reporter, dup_follower = await onboarded(store, 21), await onboarded(store, 22)
    second = await make_report(
        drafting, dup_reporter, category="litter", area="south", description="Rubbish again"
    )
    await store.reports.follow(second.id, dup_follower.id, draft_id=None)
    marked, entry = await desk.change(STAFF, second.id, "duplicate", duplicate_of=first.reference)
    assert (marked.status, marked.duplicate_of, entry.duplicate_of) == (
        "duplicate",
        first.id,
        first.id,
    )
    assert (await desk.card(first.id)).report.followers == 2
    _, resolved = await desk.change(STAFF, first.id, "resolved")
    purposes = {row[0] for row in _outbox(store) if row[1] == dup_follower.id}
    assert f"report:{first.id}:{resolved.id}" in purposes


async def test_transitions_follow_the_lifecycle(store: Store) -> None:
    """If a change is not in the lifecycle (in_progress to in_progress, resolved to closed),
    then it is refused; a resolved report can be reopened by staff."""
    drafting, desk = services(store)
    report = await make_report(drafting, await onboarded(store, 30), category="litter")
    await desk.change(STAFF, report.id, "in_progress")
    with pytest.raises(TransitionError):
        await desk.change(STAFF, report.id, "in_progress")
    await desk.change(STAFF, report.id, "resolved")
    with pytest.raises(TransitionError):
        await desk.change(STAFF, report.id, "closed", reason="not_found")
    reopened, entry = await desk.change(STAFF, report.id, "in_progress", note="Still broken.")
    assert (entry.kind, reopened.reopen_count, reopened.followup_due_at) == ("reopened", 1, None)


async def test_stale_revision_changes_nothing(store: Store) -> None:
    """If a card's button carries an old revision, then the change is refused."""
    drafting, desk = services(store)
    report = await make_report(drafting, await onboarded(store, 31), category="litter")
    await desk.change(STAFF, report.id, "acknowledged", revision=0)
    with pytest.raises(StaleActionError):
        await desk.change(STAFF, report.id, "in_progress", revision=0)
    assert (await desk.card(report.id)).report.status == "acknowledged"


async def test_partner_members_act_only_on_their_reports(store: Store) -> None:
    """If a partner member changes a report routed to them, then it works and the coordinators
    are not spammed; a non-member, a member on another partner's report, and a member marking a
    duplicate or reopening are refused."""
    drafting, desk = services(store)
    routed = await make_report(drafting, await onboarded(store, 40))
    other = await make_report(drafting, await onboarded(store, 41), category="litter")
    before = len(_notices(store))
    changed, entry = await desk.change(MEMBER, routed.id, "in_progress", note="On our list.")
    assert (changed.status, entry.actor_role, entry.partner_id) == (
        "in_progress",
        "partner",
        "council",
    )
    assert entry.actor_user_id == MEMBER.user_id and changed.owner_user_id is None
    assert len(_notices(store)) == before  # their own change is not echoed to their group
    outsider = Actor(role="partner", user_id=OUTSIDER, partner_id="council")
    for actor, report_id, to in (
        (outsider, routed.id, "resolved"),
        (MEMBER, other.id, "resolved"),
        (MEMBER, routed.id, "duplicate"),
    ):
        with pytest.raises(NotAllowedError):
            await desk.change(actor, report_id, to, duplicate_of=other.reference)
    with pytest.raises(NotAllowedError):
        await desk.add_note(outsider, routed.id, "hello")
    await desk.change(MEMBER, routed.id, "resolved")
    with pytest.raises(NotAllowedError):
        await desk.change(MEMBER, routed.id, "in_progress")
    with pytest.raises(NotAllowedError):
        await desk.route(MEMBER, routed.id, "parks")


async def test_coordinator_change_tells_the_partner(store: Store) -> None:
    """If a coordinator changes a routed report, then the partner's group gets an update."""
    drafting, desk = services(store)
    routed = await make_report(drafting, await onboarded(store, 42))
    await desk.change(STAFF, routed.id, "action_scheduled", note="Monday.")
    assert _notices(store)[-1] == ("update", routed.id, PARTNER_CHAT, "partner")


async def test_rerouting(store: Store) -> None:
    """If a coordinator routes a report to another partner, then that group is told, the
    status stays, residents hear nothing; routing to the same partner again is stale."""
    drafting, desk = services(store)
    report = await make_report(drafting, await onboarded(store, 43))
    routed, entry = await desk.route(STAFF, report.id, "parks")
    assert (routed.partner_id, routed.status, entry.kind) == ("parks", "new", "routed")
    assert _notices(store)[-1] == ("routed", report.id, -100_222, "partner")
    assert _outbox(store) == []
    with pytest.raises(StaleActionError):
        await desk.route(STAFF, report.id, "parks")
    with pytest.raises(RoutingError):
        await desk.route(STAFF, report.id, "nobody")


async def test_note_length(store: Store) -> None:
    """If a note is empty or longer than 1000 characters, then it is refused, not cut."""
    drafting, desk = services(store)
    report = await make_report(drafting, await onboarded(store, 44), category="litter")
    for text in (" \u200b ", "x" * 1001):
        with pytest.raises(NoteLengthError):
            await desk.add_note(STAFF, report.id, text)


async def test_followup_no_reopens_and_tells_coordinators(store: Store) -> None:
    """If a report is resolved, then after the configured delay (not before) its reporter and
    followers are asked once; a "no" reopens it, notifies coordinators and partner, and a
    second "no" or an answer for an old cycle changes nothing."""
    drafting, desk = services(store)
    reporter, follower = await onboarded(store, 50), await onboarded(store, 51)
    report = await make_report(drafting, reporter)
    await store.reports.follow(report.id, follower.id, draft_id=None)
    resolved, _ = await desk.change(STAFF, report.id, "resolved")
    assert resolved.followup_due_at is not None
    assert (await run_duties(store, desk, Messages(), utcnow())).followups == 0
    CLOCK.advance(timedelta(days=3, seconds=1))
    run = await run_duties(store, desk, Messages(), utcnow())
    assert (run.followups, run.followup_messages) == (1, 2)
    assert (await run_duties(store, desk, Messages(), utcnow())).followups == 0
    followups = [row for row in _outbox(store) if str(row[0]).startswith("report-followup")]
    assert followups == [
        (f"report-followup:{report.id}:0", reporter.id),
        (f"report-followup:{report.id}:0", follower.id),
    ]
    outcome = await desk.answer_followup(follower, report.id, 0, "yes")
    assert (outcome.recorded, outcome.reopened) == (True, False)
    before = len(_notices(store))
    outcome = await desk.answer_followup(reporter, report.id, 0, "no")
    assert (outcome.reopened, outcome.report.status, outcome.report.reopen_count) == (
        True,
        "in_progress",
        1,
    )
    assert [n[0] for n in _notices(store)[before:]] == ["reopened", "reopened"]
    assert {n[2] for n in _notices(store)[before:]} == {COORDINATOR, PARTNER_CHAT}
    again = await desk.answer_followup(reporter, report.id, 0, "no")
    assert (again.recorded, again.reopened) == (False, False)
    history = (await desk.card(report.id)).history
    assert (history[-1].kind, history[-1].actor_role) == ("reopened", "resident")


async def test_followup_only_for_reporter_and_followers(store: Store) -> None:
    """If someone else answers a report's follow-up (a forged button), then it is refused."""
    drafting, desk = services(store)
    report = await make_report(drafting, await onboarded(store, 52))
    await desk.change(STAFF, report.id, "resolved")
    with pytest.raises(NotAllowedError):
        await desk.answer_followup(await onboarded(store, 53), report.id, 0, "no")


async def test_sensitive_report_gets_no_followup(store: Store) -> None:
    """If a sensitive report is resolved, then no follow-up is ever queued."""
    drafting, desk = services(store)
    report = await make_report(drafting, await onboarded(store, 54), category="domestic")
    resolved, _ = await desk.change(STAFF, report.id, "resolved", note="Support arranged.")
    assert resolved.followup_due_at is None
    CLOCK.advance(timedelta(days=30))
    assert (await run_duties(store, desk, Messages(), utcnow())).followup_messages == 0
    assert not [row for row in _outbox(store) if "followup" in str(row[0])]


async def test_reopened_before_the_followup_drops_it(store: Store) -> None:
    """If a resolved report is reopened before its follow-up is due, then none is sent."""
    drafting, desk = services(store)
    report = await make_report(drafting, await onboarded(store, 55))
    await desk.change(STAFF, report.id, "resolved")
    await desk.change(STAFF, report.id, "in_progress")
    CLOCK.advance(timedelta(days=4))
    assert (await run_duties(store, desk, Messages(), utcnow())).followup_messages == 0


async def test_overdue_reminders_once_a_day(store: Store) -> None:
    """If a report has no progress for its category's time, then one reminder goes to its
    partner (routed) or to the coordinators, at most once a day; progress stops them."""
    drafting, desk = services(store)
    routed = await make_report(drafting, await onboarded(store, 60))  # lighting: 2 days
    kept = await make_report(drafting, await onboarded(store, 61), category="litter")  # 5 days
    start = len(_notices(store))
    CLOCK.advance(timedelta(days=2, minutes=1))
    assert (await run_duties(store, desk, Messages(), utcnow())).reminded == 1
    assert _notices(store)[start:] == [("overdue", routed.id, PARTNER_CHAT, "partner")]
    page = await desk.browse(_overdue())
    assert [r.id for r in page.reports] == [routed.id]
    CLOCK.advance(timedelta(hours=12))
    assert (await run_duties(store, desk, Messages(), utcnow())).reminded == 0
    CLOCK.advance(timedelta(hours=12))
    assert (await run_duties(store, desk, Messages(), utcnow())).reminded == 1
    CLOCK.advance(timedelta(days=2))
    await run_duties(store, desk, Messages(), utcnow())
    assert ("overdue", kept.id, COORDINATOR, "staff") in _notices(store)
    await desk.change(STAFF, routed.id, "in_progress")
    assert routed.id not in [r.id for r in (await desk.browse(_overdue())).reports]


async def test_overdue_goes_to_the_coordinator_who_took_it(store: Store) -> None:
    """If a coordinator (here an admin) acted on a report, then its overdue reminder goes to
    them alone."""
    drafting, desk = services(store)
    report = await make_report(drafting, await onboarded(store, 62), category="litter")
    await desk.change(Actor(role="admin", user_id=ADMIN), report.id, "acknowledged")
    CLOCK.advance(timedelta(days=5, minutes=1))
    await run_duties(store, desk, Messages(), utcnow())
    assert _notices(store)[-1] == ("overdue", report.id, ADMIN, "staff")


async def test_browse_filters_and_pages(store: Store) -> None:
    """If coordinators filter by status, area and category, then only matching reports are
    listed, newest first, five per page."""
    drafting, desk = services(store)
    made = []
    for i in range(7):
        resident = await onboarded(store, 70 + i, area="north" if i % 2 else "south")
        made.append(
            await make_report(drafting, resident, category="litter" if i < 6 else "lighting")
        )
    await desk.change(STAFF, made[0].id, "resolved")
    first = await desk.browse(ReportFilter())
    assert (first.total, first.pages, len(first.reports)) == (7, 2, 5)
    assert [r.id for r in first.reports] == [r.id for r in reversed(made)][:5]
    second = await desk.browse(ReportFilter(), page=1)
    assert [r.id for r in second.reports] == [made[1].id, made[0].id]
    north = await desk.browse(ReportFilter(area_id="north", category="litter"))
    assert {r.id for r in north.reports} == {made[1].id, made[3].id, made[5].id}
    resolved = await desk.browse(ReportFilter(statuses=frozenset({"resolved"})))
    assert [r.id for r in resolved.reports] == [made[0].id]
    beyond = await desk.browse(ReportFilter(), page=9)
    assert beyond.page == 1


async def test_mine_and_history_for_residents(store: Store) -> None:
    """If a resident asks for their reports, then they see their own and the followed ones;
    another resident cannot open a report's history."""
    drafting, desk = services(store)
    ana, ben = await onboarded(store, 80), await onboarded(store, 81)
    own = await make_report(drafting, ana, category="litter")
    followed = await make_report(drafting, ben)
    await store.reports.follow(followed.id, ana.id, draft_id=None)
    assert [(r.id, mine) for r, mine in await desk.mine(ana)] == [
        (followed.id, False),
        (own.id, True),
    ]
    assert (await desk.history_of(ana, followed.id)).report.id == followed.id
    with pytest.raises(Exception, match=own.reference):
        await desk.history_of(ben, own.id)


async def test_forget_keeps_reports_but_unlinks_them(store: Store) -> None:
    """If a reporter uses /forget, then their draft goes, their reports stay (the partnership
    works on them) but no longer say they may be contacted."""
    drafting, _ = services(store)
    ana = await onboarded(store, 90)
    report = await make_report(drafting, ana, contact=True)
    await drafting.begin(ana)
    await store.residents.forget(ana.id)
    assert await store.report_drafts.of_resident(ana.id) is None
    assert (await store.reports.require(report.id)).contact_ok is False


def _overdue() -> ReportFilter:
    return ReportFilter(overdue=True)


async def test_pending_change_waits_for_its_text(store: Store) -> None:
    """If a change waits for its note, then only the same person in the same chat completes
    it; a status change may go without a note, a note may not; closing without a reason or a
    refused change is not even asked; a wrong duplicate reference can be typed again."""
    from surveys.reports.changes import PendingChanges

    drafting, desk = services(store)
    pending = PendingChanges(store, desk)
    report = await make_report(drafting, await onboarded(store, 95), category="litter")
    other = await make_report(drafting, await onboarded(store, 96), category="litter")
    with pytest.raises(ReasonRequiredError):
        await pending.ask(STAFF, COORDINATOR, report.id, 0, "closed")
    with pytest.raises(NotAllowedError):
        await pending.ask(MEMBER, PARTNER_CHAT, report.id, 0, "in_progress")
    asked = await pending.ask(STAFF, COORDINATOR, report.id, 0, None)
    assert asked.note_required and await pending.current(STAFF, PARTNER_CHAT) is None
    with pytest.raises(StaleActionError):
        await pending.complete(STAFF, COORDINATOR, None)
    _, entry = await pending.complete(STAFF, COORDINATOR, "We are on it.")
    assert (entry.kind, entry.note) == ("note", "We are on it.")
    assert await pending.current(STAFF, COORDINATOR) is None
    await pending.ask(STAFF, COORDINATOR, report.id, 1, "action_scheduled")
    changed, entry = await pending.complete(STAFF, COORDINATOR, None)
    assert (changed.status, entry.note) == ("action_scheduled", None)
    await pending.ask(STAFF, COORDINATOR, report.id, 2, "duplicate")
    with pytest.raises(Exception, match="R-999999"):
        await pending.complete(STAFF, COORDINATOR, "R-999999")
    merged, _ = await pending.complete(STAFF, COORDINATOR, other.reference)
    assert (merged.status, merged.duplicate_of) == ("duplicate", other.id)


async def test_category_made_sensitive_later_protects_old_reports(store: Store) -> None:
    """If a category is marked sensitive after reports were made in it, then those reports
    get no follow-up and their partner can no longer act on them."""
    drafting, _ = services(store)
    report = await make_report(drafting, await onboarded(store, 97))  # lighting, routed
    categories = tuple(
        c.model_copy(update={"sensitive": True}) if c.id == "lighting" else c
        for c in POLICY.categories
    )
    stricter = POLICY.model_copy(update={"categories": categories})
    _, later = services(store, stricter)
    with pytest.raises(NotAllowedError):
        await later.change(MEMBER, report.id, "in_progress")
    resolved, _ = await later.change(STAFF, report.id, "resolved")
    assert resolved.followup_due_at is None
