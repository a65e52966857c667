"""/newround: a coordinator plans a round in chat; residents cannot; the plan survives a
restart; the planned round opens and invites its audience."""

from __future__ import annotations

import sqlite3

from bot.config import Settings
from bot.sandbox import BotApiEmulator
from tests.support import COORDINATOR_ID, BotRunner
from tests.support.chat import onboard


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
        summary = await coordinator.wait_for("Check the round")
        lines = summary.text.splitlines()
        assert "Audience: North" in lines
        reminders = next(line for line in lines if line.startswith("Reminders: "))
        assert len(reminders.split(", ")) == 2
        await coordinator.press("Create round")
        await coordinator.wait_for("is planned")
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
