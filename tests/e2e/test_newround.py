"""/newround: a coordinator plans a round in chat; residents cannot; the plan survives a
restart; the planned round opens and invites its audience."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.sandbox import BotApiEmulator
from surveys.clock import utcnow
from tests.support import COORDINATOR_ID, BotRunner
from tests.support.chat import onboard
from tests.support.data import plan


async def test_coordinator_plans_a_round(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a coordinator goes through /newround (buttons, a bad typed time, a restart), then the
    round is stored as planned, opens at once, and only the chosen area is invited."""
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        north, riverside = emulator.user(7001), emulator.user(7002)
        await onboard(north, area="North")
        await onboard(riverside, area="Riverside")
        await coordinator.send_command("newround")
        step = await coordinator.wait_for("Which survey?")
        assert "Community trust and safety" in step.button_texts()
        await coordinator.press("Community trust and safety")
        await coordinator.wait_for("Who is invited?")
        await coordinator.press("☐ North")
        chosen = await coordinator.wait_for("Chosen: North")
        assert "☑ North" in chosen.button_texts()
        await coordinator.press("Next ›")
        await coordinator.wait_for("When does it open?")
    async with run_bot():  # the plan is in the database
        await coordinator.send_text("next tuesday")
        assert "could not read" in (await coordinator.next_reply()).text
        await coordinator.press("Now")
        await coordinator.wait_for("When does it close?")
        await coordinator.send_text("2020-01-01 10:00")
        assert "must close after it opens" in (await coordinator.next_reply()).text
        await coordinator.press("7 days")
        await coordinator.wait_for("Remind those")
        await coordinator.send_text("9d")
        assert "before the round closes" in (await coordinator.next_reply()).text
        await coordinator.send_text("2d,5d")
        await coordinator.wait_for("Repeat the round?")
        await coordinator.press("Does not repeat")
        summary = await coordinator.wait_for("Check the round")
        lines = summary.text.splitlines()
        assert "Audience: North" in lines
        assert "Repeats: no" in lines and "Times are in Europe/Madrid." in lines
        reminders = next(line for line in lines if line.startswith("Reminders: "))
        assert len(reminders.split(", ")) == 2
        await coordinator.press("Create round")
        await coordinator.wait_for("is open: invitations are going out now")
        await north.wait_for("A new survey is open")
        await emulator.wait_idle()
    assert not any("A new survey" in m.text for m in riverside.transcript)
    with sqlite3.connect(settings.database.path) as conn:
        rows = conn.execute("SELECT status, remind_after, created_by FROM rounds").fetchall()
        assert rows == [("open", "[172800, 432000]", f"user:{COORDINATOR_ID}")]
        assert conn.execute("SELECT area_id FROM round_areas").fetchall() == [("north",)]
        assert conn.execute("SELECT COUNT(*) FROM drafts").fetchone() == (0,)
    assert emulator.unanswered_callback_queries() == []


async def test_residents_cannot_plan(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident sends /newround or forges its buttons, then nothing is planned."""
    async with run_bot():
        resident = emulator.user(7101)
        await onboard(resident)
        await resident.send_command("newround")
        await resident.wait_for("only for partnership coordinators")
        await resident.press_data("1|nrok")
        await resident.press_data("1|nrs|community-trust-safety")
        await emulator.wait_idle()
    with sqlite3.connect(settings.database.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM rounds").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM drafts").fetchone() == (0,)
    assert emulator.unanswered_callback_queries() == []


async def test_back_on_every_step_and_repeat(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a coordinator goes Back from every step to the first and forward again choosing
    "Every week" and an opening later, then each step offers Back (the first does not), the
    check screen names the time zone and the repetition, and the round is stored as weekly and
    planned (not open) with a reply saying when it opens."""
    coordinator = emulator.user(COORDINATOR_ID)
    later = (utcnow() + timedelta(days=60)).astimezone(ZoneInfo("Europe/Madrid"))
    opens = later.strftime("%Y-%m-%d") + " 18:00"
    async with run_bot():
        await coordinator.send_command("newround")
        first = await coordinator.wait_for("Which survey?")
        assert "‹ Back" not in first.button_texts()
        await coordinator.press("Community trust and safety")
        await coordinator.wait_for("Who is invited?")
        await coordinator.press("All areas")
        await coordinator.wait_for("When does it open?")
        await coordinator.send_text(opens)
        await coordinator.wait_for("When does it close?")
        await coordinator.press("7 days")
        await coordinator.wait_for("Remind those")
        await coordinator.press("No reminders")
        await coordinator.wait_for("Repeat the round?")
        await coordinator.press("Every week")
        await coordinator.wait_for("Check the round")
        for step in ("(6/6)", "(5/6)", "(4/6)", "(3/6)", "(2/6)", "(1/6)"):
            await coordinator.press("‹ Back")
            screen = await coordinator.wait_for(step)
            assert ("‹ Back" in screen.button_texts()) == (step != "(1/6)")
        await coordinator.press("Community trust and safety")
        await coordinator.wait_for("(2/6)")
        await coordinator.press("Next ›")
        await coordinator.wait_for("(3/6)")
        await coordinator.send_text(opens)
        await coordinator.wait_for("(4/6)")
        await coordinator.press("14 days")
        await coordinator.wait_for("(5/6)")
        await coordinator.press("No reminders")
        await coordinator.wait_for("(6/6)")
        await coordinator.press("Every week")
        summary = await coordinator.wait_for("Check the round")
        lines = summary.text.splitlines()
        assert f"Opens: {opens}" in lines and any(line.startswith("Closes: ") for line in lines)
        assert "Repeats: every week" in lines and "Times are in Europe/Madrid." in lines
        await coordinator.press("Create round")
        done = await coordinator.wait_for("is planned")
        assert f"opens {opens} (Europe/Madrid)" in done.text
        await emulator.wait_idle()
    with sqlite3.connect(settings.database.path) as conn:
        assert conn.execute("SELECT status, recurrence FROM rounds").fetchall() == [
            ("scheduled", "weekly")
        ]
    assert emulator.unanswered_callback_queries() == []


async def test_overlapping_round_is_refused_in_chat(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a round of the same survey already runs for North, then planning another for North
    and Riverside over the same days is refused with the reason, and nothing is stored."""
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        existing = await plan(settings, closes_in=7 * 86400, areas=("north",))
        await coordinator.send_command("newround")
        await coordinator.wait_for("Which survey?")
        await coordinator.press("Community trust and safety")
        await coordinator.wait_for("Who is invited?")
        await coordinator.press("☐ North")
        await coordinator.wait_for("Chosen: North")
        await coordinator.press("☐ Riverside")
        await coordinator.wait_for("Chosen: North, Riverside")
        await coordinator.press("Next ›")
        await coordinator.wait_for("When does it open?")
        await coordinator.press("Now")
        await coordinator.wait_for("When does it close?")
        await coordinator.press("3 days")
        await coordinator.wait_for("Remind those")
        await coordinator.press("No reminders")
        await coordinator.wait_for("Repeat the round?")
        await coordinator.press("Does not repeat")
        await coordinator.wait_for("Check the round")
        query_id = await coordinator.press("Create round")
        await emulator.wait_idle()
        answer = emulator.callback_answer(query_id)
        assert answer is not None
        assert f"Round #{existing} of this survey already runs" in answer["text"]
        assert "two identical surveys" in answer["text"]
    assert emulator.unanswered_callback_queries() == []
    with sqlite3.connect(settings.database.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM rounds").fetchone() == (1,)
