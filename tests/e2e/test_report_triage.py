"""Concern reports, the partnership's side, end to end: coordinators' /reports and cards,
partner groups (members act, others are refused and audited), every change reaching reporter
and followers through the delivery worker, overdue reminders and the follow-up with the shared
clock, sensitive categories, and the Open311 export of what happened."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.sandbox import BotApiEmulator, BotMessage, SimUser
from surveys.clock import CLOCK
from surveys.reports.open311 import ServiceRequests
from tests.support import AREAS, COORDINATOR_ID, BotRunner
from tests.support.chat import onboard
from tests.support.report_chat import (
    MEMBER_ID,
    OUTSIDER_ID,
    PARTNER_CHAT,
    WAIT,
    make_report,
    report_settings,
)


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return report_settings(make_settings)


def rows(settings: Settings, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(settings.database.path) as conn:
        return conn.execute(sql, params).fetchall()


async def answer_of(emulator: BotApiEmulator, query: str) -> str:
    await emulator.wait_until(lambda: emulator.callback_answer(query) is not None, timeout=WAIT)
    answer = emulator.callback_answer(query)
    assert answer is not None
    return str(answer.get("text", ""))


async def onboard_in_spanish(user: SimUser) -> None:
    await user.send_command("start")
    await user.wait_for("Do you agree", timeout=WAIT)
    await user.press("Yes, I agree")
    await user.wait_for(lambda m: "Español" in m.button_texts(), timeout=WAIT)
    await user.press("Español")
    await user.wait_for(lambda m: "North" in m.button_texts(), timeout=WAIT)
    await user.press("North")
    await user.wait_for(lambda m: "Ayuda" in m.button_texts(), timeout=WAIT)


async def card_showing(chat: SimUser, reference: str, status: str) -> BotMessage:
    """The card of ``reference`` once it shows ``status`` (its buttons carry that revision)."""
    return await chat.wait_for(
        lambda m: (
            m.text.startswith(reference) and f"Status: {status}" in m.text and bool(m.buttons)
        ),
        timeout=WAIT,
    )


async def open_card(coordinator: SimUser, reference: str) -> BotMessage:
    await coordinator.send_command("reports", reference)
    return await coordinator.wait_for(lambda m: m.text.startswith(reference), timeout=WAIT)


async def test_every_change_reaches_reporter_and_followers(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a coordinator acknowledges, sets a status with a public note, posts a note and
    resolves, then the reporter and the follower each get every change, in order, with the
    notes; the card's history shows them."""
    ana, ben = emulator.user(4201), emulator.user(4202)
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        await onboard(ana)
        await onboard_in_spanish(ben)
        reference = await make_report(ana, category="Something else")
        await coordinator.wait_for(f"New report {reference}", timeout=WAIT)
        await ben.send_command("report")
        await ben.wait_for("no es una línea de emergencias", timeout=WAIT)
        await ben.press("Otra cosa")
        await ben.wait_for("¿Dónde es?", timeout=WAIT)
        await ben.press("📍 North (su barrio)")
        await ben.wait_for("lugar exacto", timeout=WAIT)
        await ben.press("Seguir sin ubicación")
        await ben.wait_for("¿Es alguno de estos?", timeout=WAIT)
        await ben.press(f"Yo también: {reference}")
        await ben.wait_for(f"ahora sigue el aviso {reference}", timeout=WAIT)

        card = await open_card(coordinator, reference)
        await coordinator.press("👀 Acknowledge", message_id=card.message_id)
        await ana.wait_for("Acknowledged", timeout=WAIT)
        await ben.wait_for("Recibido", timeout=WAIT)

        card = await card_showing(coordinator, reference, "Acknowledged")
        await coordinator.press("🛠 In progress", message_id=card.message_id)
        await coordinator.wait_for("Type a public note", timeout=WAIT)
        await coordinator.send_text("A crew is booked for Friday morning.")
        await coordinator.wait_for(f"{reference} is now: In progress", timeout=WAIT)
        for user in (ana, ben):
            await user.wait_for("A crew is booked for Friday morning.", timeout=WAIT)

        card = await card_showing(coordinator, reference, "In progress")
        await coordinator.press("💬 Public note", message_id=card.message_id)
        await coordinator.wait_for("Type the public note", timeout=WAIT)
        await coordinator.send_text("The crew has found the cause.")
        await ana.wait_for("The crew has found the cause.", timeout=WAIT)
        await ben.wait_for("The crew has found the cause.", timeout=WAIT)

        card = await card_showing(coordinator, reference, "In progress")
        await coordinator.press("✅ Resolved", message_id=card.message_id)
        await coordinator.wait_for("Type a public note", timeout=WAIT)
        await coordinator.press("Send without a note")
        await ana.wait_for("marked as fixed", timeout=WAIT)
        resolved = await ben.wait_for("Resuelto", timeout=WAIT)
        assert "Se ha marcado como resuelto" in resolved.text
        await ana.press("See its history")
        history = await ana.wait_for("Status: Resolved", timeout=WAIT)
        assert "A crew is booked" in history.text and "coordinator" not in history.text
    sent = rows(
        settings,
        "SELECT r.telegram_user_id, COUNT(*) FROM outbox o JOIN residents r "
        "ON r.id = o.resident_id WHERE o.purpose LIKE 'report:%' AND o.status = 'sent' "
        "GROUP BY 1 ORDER BY 1",
    )
    assert sent == [(ana.id, 4), (ben.id, 4)]
    kinds = rows(settings, "SELECT kind, to_status, actor_role FROM report_history ORDER BY id")
    assert kinds == [
        ("submitted", "new", "resident"),
        ("status", "acknowledged", "coordinator"),
        ("status", "in_progress", "coordinator"),
        ("note", "in_progress", "coordinator"),
        ("status", "resolved", "coordinator"),
    ]


async def test_partner_member_acts_non_member_is_refused(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If someone who is not a member presses a card's button in the partner's group, then
    they are refused and the refusal is audited; a member's change (with a note given as a
    reply) goes through and reaches the reporter."""
    ana = emulator.user(4203)
    member = emulator.user(MEMBER_ID, first_name="Marta")
    outsider = emulator.user(OUTSIDER_ID, first_name="Olaf")
    group = emulator.group(PARTNER_CHAT, "City Council")
    async with run_bot():
        await onboard(ana)
        reference = await make_report(ana)
        posted = await group.wait_for(f"Report {reference} for you", timeout=WAIT)
        assert "🛠 In progress" in posted.button_texts()
        assert "📨 Send to a partner" not in posted.button_texts()
        refused = await answer_of(emulator, await group.press(outsider, "🛠 In progress"))
        assert "Only members of City Council" in refused
        await group.press(member, "🛠 In progress", message_id=posted.message_id)
        prompt = await group.wait_for("reply to this message", timeout=WAIT)
        await group.send_text(
            member, "Parts ordered, fitting next week.", reply_to=prompt.message_id
        )
        await group.wait_for(f"{reference} is now: In progress", timeout=WAIT)
        update = await ana.wait_for("Parts ordered, fitting next week.", timeout=WAIT)
        assert "In progress" in update.text
    assert rows(settings, "SELECT status, partner_id FROM reports") == [("in_progress", "council")]
    [(role, user_id, partner)] = rows(
        settings,
        "SELECT actor_role, actor_user_id, partner_id FROM report_history WHERE kind = 'status'",
    )
    assert (role, user_id, partner) == ("partner", MEMBER_ID, "council")
    audit = rows(settings, "SELECT action, allowed, actor_user_id, detail FROM audit_log")
    assert [(a, allowed, uid) for a, allowed, uid, _ in audit] == [("report_status", 0, None)]
    assert json.loads(str(audit[0][3]))["partner"] == "council"
    assert str(OUTSIDER_ID) not in str(audit)


async def test_overdue_reminder_with_the_clock(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a report gets no acknowledgement for its category's time, then the coordinators are
    reminded at the next poll, once a day, and /reports overdue lists it; progress stops it."""
    ana = emulator.user(4204)
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        await onboard(ana)
        reference = await make_report(ana, category="Something else")
        await coordinator.wait_for(f"New report {reference}", timeout=WAIT)
        CLOCK.advance(timedelta(days=2, minutes=5))
        reminder = await coordinator.wait_for(f"{reference} is overdue", timeout=WAIT)
        assert "👀 Acknowledge" in reminder.button_texts()
        await coordinator.send_command("reports", "overdue")
        listed = await coordinator.wait_for("Reports: overdue", timeout=WAIT)
        assert reference in listed.text and "⏰" in listed.text
        CLOCK.advance(timedelta(hours=20))
        await coordinator.send_command("help")  # a round trip: the polls kept running
        await coordinator.wait_for("For coordinators", timeout=WAIT)
        CLOCK.advance(timedelta(hours=5))
        await coordinator.wait_for(
            lambda m: m.message_id > reminder.message_id and f"{reference} is overdue" in m.text,
            timeout=WAIT,
        )
        await coordinator.press("👀 Acknowledge")
        await ana.wait_for("Acknowledged", timeout=WAIT)
        await coordinator.send_command("reports", "overdue")
        await coordinator.wait_for("No report matches", timeout=WAIT)
    reminders = rows(settings, "SELECT COUNT(*) FROM report_notices WHERE kind = 'overdue'")
    assert reminders == [(2,)]


async def test_followup_no_reopens(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resolved report's reporter answers "No" to "Has this been fixed?" (asked after the
    configured delay), then the report is reopened and the coordinators are told."""
    ana = emulator.user(4205)
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        await onboard(ana)
        reference = await make_report(ana, category="Something else")
        card = await open_card(coordinator, reference)
        await coordinator.press("✅ Resolved", message_id=card.message_id)
        await coordinator.wait_for("Type a public note", timeout=WAIT)
        await coordinator.send_text("Fixed by the street team.")
        await ana.wait_for("Fixed by the street team.", timeout=WAIT)
        CLOCK.advance(timedelta(days=3, minutes=1))
        followup = await ana.wait_for("Has this problem been fixed?", timeout=WAIT)
        assert followup.button_texts() == ["Yes", "No", "I don't know"]
        assert reference in followup.text and "Follow-up on your report" in followup.text
        await ana.press("No")
        await ana.wait_for(f"{reference} has been reopened", timeout=WAIT)
        notice = await coordinator.wait_for(f"{reference} was reopened", timeout=WAIT)
        assert "In progress" in notice.text
        await ana.wait_for("reopened and is being looked at again", timeout=WAIT)
    assert rows(settings, "SELECT status, reopen_count FROM reports") == [("in_progress", 1)]
    assert rows(settings, "SELECT answer FROM report_followups") == [("no",)]


async def test_sensitive_category_gets_no_routing_and_no_followup(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a report is in a sensitive category, then no partner hears of it (even a partner
    configured for everything else), the card offers no routing, and resolving it never
    queues a follow-up."""
    ana = emulator.user(4206)
    coordinator = emulator.user(COORDINATOR_ID)
    group = emulator.group(PARTNER_CHAT, "City Council")
    async with run_bot():
        await onboard(ana)
        await ana.send_command("report")
        await ana.wait_for("not an emergency line", timeout=WAIT)
        await ana.press("Domestic abuse")
        hint = await ana.wait_for("Where is it?", timeout=WAIT)
        assert "only to the partnership's coordinators" in hint.text
        await ana.press("📍 North (your area)")
        await ana.wait_for("exact spot", timeout=WAIT)
        await ana.press("Continue without a location")
        await ana.wait_for("Describe the problem", timeout=WAIT)
        await ana.send_text("I hear shouting and crying next door every night.")
        await ana.wait_for("up to 3 photos", timeout=WAIT)
        await ana.press("No photos")
        await ana.wait_for("May the coordinators contact you", timeout=WAIT)
        await ana.press("Yes, you may contact me")
        await ana.wait_for("Please check your report", timeout=WAIT)
        await ana.press("✅ Send the report")
        await ana.wait_for("only the coordinators see it", timeout=WAIT)
        card = await coordinator.wait_for("New report R-000001", timeout=WAIT)
        assert "🔒 Sensitive" in card.text
        assert "📨 Send to a partner" not in card.button_texts()
        await coordinator.press("✅ Resolved", message_id=card.message_id)
        await coordinator.wait_for("Type a public note", timeout=WAIT)
        await coordinator.send_text("Support has been arranged.")
        update = await ana.wait_for("Support has been arranged.", timeout=WAIT)
        assert "Domestic" not in update.text
        CLOCK.advance(timedelta(days=30))
        await coordinator.send_command("reports", "all")
        await coordinator.wait_for("Reports: all", timeout=WAIT)
    assert group.transcript == []
    assert rows(settings, "SELECT COUNT(*) FROM outbox WHERE purpose LIKE 'report-followup%'") == [
        (0,)
    ]
    assert rows(settings, "SELECT audience FROM report_notices") == [("staff",)]


async def test_reports_list_filters_pages_and_actions(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a coordinator browses /reports, then filters by area and category and pages work,
    closing asks the reason first (shown to the reporter in plain words), a duplicate takes
    the original's reference, and routing sends the card to the partner."""
    residents = [emulator.user(4300 + i) for i in range(4)]
    coordinator = emulator.user(COORDINATOR_ID)
    group = emulator.group(PARTNER_CHAT, "City Council")
    references = []
    async with run_bot():
        for number, user in enumerate(residents):
            await onboard(user, area="Riverside" if number % 2 else "North")
            area = "📍 Riverside (your area)" if number % 2 else "📍 North (your area)"
            for kind in ("Something else", "Vandalism or graffiti"):
                references.append(
                    await make_report(
                        user,
                        category=kind,
                        area=area,
                        description=f"{kind} seen by resident {number}",
                    )
                )
        await coordinator.send_command("reports")
        first = await coordinator.wait_for("Reports: open", timeout=WAIT)
        assert "8 in total · page 1 of 2" in first.text
        await coordinator.press("Next ›")
        second = await coordinator.wait_for("page 2 of 2", timeout=WAIT)
        assert references[0] in second.text
        await coordinator.press("Area ▾")
        await coordinator.wait_for("Which area?", timeout=WAIT)
        await coordinator.press("Riverside")
        await coordinator.wait_for("area: Riverside", timeout=WAIT)
        await coordinator.press("Category ▾")
        await coordinator.wait_for("Which category?", timeout=WAIT)
        await coordinator.press("Vandalism or graffiti")
        filtered = await coordinator.wait_for("category: Vandalism or graffiti", timeout=WAIT)
        assert "2 in total" in filtered.text
        assert references[3] in filtered.text and references[7] in filtered.text

        card = await open_card(coordinator, references[0])
        await coordinator.press("⛔ Close…", message_id=card.message_id)
        await coordinator.wait_for("Why is", timeout=WAIT)
        await coordinator.press("Another body is responsible")
        await coordinator.wait_for("Type a public note", timeout=WAIT)
        await coordinator.send_text("The water company handles this: call 0800 123 456.")
        closed = await residents[0].wait_for("Closed", timeout=WAIT)
        assert "Another organisation is responsible" in closed.text
        assert "0800 123 456" in closed.text

        card = await open_card(coordinator, references[2])
        await coordinator.press("🔁 Duplicate…", message_id=card.message_id)
        await coordinator.wait_for("duplicates which report", timeout=WAIT)
        await coordinator.send_text("R-999999")
        await coordinator.wait_for("There is no report R-999999", timeout=WAIT)
        await coordinator.send_text(references[4])
        dup = await residents[1].wait_for("Duplicate", timeout=WAIT)
        assert references[4] in dup.text

        card = await open_card(coordinator, references[5])
        await coordinator.press("📨 Send to a partner", message_id=card.message_id)
        await coordinator.wait_for("to which partner", timeout=WAIT)
        await coordinator.press("City Council")
        await group.wait_for(f"Report {references[5]} for you", timeout=WAIT)
    statuses = dict(rows(settings, "SELECT id, status FROM reports"))
    assert (statuses[1], statuses[3]) == ("closed", "duplicate")
    followers = "SELECT COUNT(*) FROM report_followers WHERE report_id = ?"
    assert rows(settings, followers, 5) == [(1,)]


async def test_open311_export_of_what_happened(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings, tmp_path: Path
) -> None:
    """If reports were made and worked on through the bot, then `feedbackbot export reports
    --format open311` writes them field by field as GeoReport v2, with no Telegram id."""
    ana = emulator.user(4401)
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        await onboard(ana)
        reference = await make_report(ana, location=(40.416812, -3.703791))
        card = await open_card(coordinator, reference)
        await coordinator.press("✅ Resolved", message_id=card.message_id)
        await coordinator.wait_for("Type a public note", timeout=WAIT)
        await coordinator.send_text("New lamp fitted.")
        await ana.wait_for("New lamp fitted.", timeout=WAIT)
    config = tmp_path / "cli.toml"
    areas = "".join(f'[[areas]]\nid = "{a["id"]}"\nname = "{a["name"]}"\n' for a in AREAS)
    config.write_text(
        f'[database]\npath = "{settings.database.path}"\n'
        '[community]\nname = "Riverside Partnership"\ntimezone = "Europe/Madrid"\n'
        f'languages = ["en", "es"]\n[privacy]\nmin_group_size = 1\n{areas}'
        '[[partners]]\nid = "council"\nname = "City Council"\nchat_id = -100111\n'
        'categories = ["lighting"]\n'
    )
    out = tmp_path / "requests.json"
    argv = ["--config", str(config), "export", "reports", "--format", "open311", "--out", str(out)]
    assert await asyncio.to_thread(main, argv) == 0
    text = out.read_text()
    assert str(ana.id) not in text and str(COORDINATOR_ID) not in text
    [request] = ServiceRequests.model_validate_json(text).root
    assert request.service_request_id == reference and request.status == "closed"
    assert request.status_notes == "New lamp fitted."
    assert (request.service_code, request.service_name) == ("lighting", "Street lighting")
    assert request.agency_responsible == "City Council"
    assert (request.address, request.address_id) == ("North", "north")
    assert (request.lat, request.long) == (40.417, -3.704)
    assert request.description is not None and "Main Street" in request.description


async def test_undeliverable_partner_notice_is_shown_to_coordinators(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a partner's group cannot be reached (the bot is not in it), then the notice is
    marked failed, never silently dropped, and /reports warns the coordinators about it."""
    ana = emulator.user(4501)
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        await onboard(ana)
        reference = await make_report(ana)  # street lighting: routed to the council's group
        await coordinator.wait_for(f"New report {reference}", timeout=WAIT)
        await emulator.wait_until(
            lambda: (
                rows(settings, "SELECT status FROM report_notices WHERE audience = 'partner'")
                == [("failed",)]
            ),
            timeout=WAIT,
        )
        await coordinator.send_command("reports")
        listing = await coordinator.wait_for("Reports: open", timeout=WAIT)
        assert f"A message about {reference} could not be delivered" in listing.text
        assert "Chat not found" in listing.text


async def test_results_show_report_figures_with_small_groups_hidden(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If coordinators ask for /results, then the report figures follow the survey headlines:
    withheld while there are fewer reports than the minimum group size; then counts by status,
    category and area with small groups (and the one protecting them) hidden, and medians only
    from enough reports."""
    residents = [emulator.user(4600 + i) for i in range(4)]
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        for user in residents:
            await onboard(user)
        await make_report(residents[0], category="Vandalism or graffiti")
        await coordinator.send_command("results")
        await coordinator.wait_for("fewer than 3 so far", timeout=WAIT)
        for user in residents[1:]:
            await make_report(user, category="Something else")
        for reference in ("R-000002", "R-000003", "R-000004"):
            card = await open_card(coordinator, reference)
            await coordinator.press("👀 Acknowledge", message_id=card.message_id)
            await card_showing(coordinator, reference, "Acknowledged")
        await coordinator.send_command("results")
        figures = await coordinator.wait_for("Concern reports (all time): 4", timeout=WAIT)
    assert "By status: New 1 · Acknowledged 3" in figures.text
    assert "By category: 2 hidden" in figures.text
    assert "Vandalism" not in figures.text and "Something else" not in figures.text
    assert "By area (sensitive categories not counted): North 4" in figures.text
    assert "Median time to acknowledge:" in figures.text and "(n=3)" in figures.text
    assert "Median time to resolve: not shown (fewer than 3 reports)" in figures.text


async def test_scheduled_and_referred_reach_reporter_and_follower(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a coordinator sets "Action scheduled" and then "Referred", each with a public note,
    then the reporter and a follower get both changes with their notes, and the history
    keeps them in order with the coordinator as author."""
    ana, ben = emulator.user(4211), emulator.user(4212)
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        await onboard(ana)
        await onboard(ben)
        reference = await make_report(ana, category="Something else")
        await ben.send_command("report")
        await ben.wait_for("not an emergency line", timeout=WAIT)
        await ben.press("Something else")
        await ben.wait_for("Where is it?", timeout=WAIT)
        await ben.press("📍 North (your area)")
        await ben.wait_for("exact spot", timeout=WAIT)
        await ben.press("Continue without a location")
        await ben.wait_for("Is it one of these?", timeout=WAIT)
        await ben.press(f"Me too: {reference}")
        await ben.wait_for(f"you now follow {reference}", timeout=WAIT)
        for label, status, note in (
            ("📅 Action scheduled", "Action scheduled", "Repair booked for Monday."),
            ("↪️ Referred", "Referred", "Passed to the water company."),
        ):
            card = await open_card(coordinator, reference)
            await coordinator.press(label, message_id=card.message_id)
            await coordinator.wait_for("Type a public note", timeout=WAIT)
            await coordinator.send_text(note)
            await coordinator.wait_for(f"{reference} is now: {status}", timeout=WAIT)
            for user in (ana, ben):
                update = await user.wait_for(note, timeout=WAIT)
                assert status in update.text and reference in update.text
    assert rows(settings, "SELECT status FROM reports") == [("referred",)]
    history = rows(
        settings,
        "SELECT to_status, actor_role, note FROM report_history WHERE kind = 'status' ORDER BY id",
    )
    assert history == [
        ("action_scheduled", "coordinator", "Repair booked for Monday."),
        ("referred", "coordinator", "Passed to the water company."),
    ]
