"""Onboarding and membership through the real Application and the Bot API emulator."""

from __future__ import annotations

import sqlite3

from bot.config import Settings
from bot.sandbox import BotApiEmulator, SimUser
from tests.support import ADMIN_ID, COORDINATOR_ID, BotRunner
from tests.support.chat import onboard
from tests.support.data import query


async def test_full_onboarding(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident consents and picks language and area, then the row is complete and the
    menu is shown; every callback query was answered."""
    async with run_bot():
        user = emulator.user(1001, language_code="es-ES")
        await user.send_command("start")
        notice = await user.wait_for("¿Acepta participar?")
        assert "112" in notice.text and "Riverside Partnership" in notice.text
        await user.press("Sí, acepto")
        language_prompt = await user.next_reply()
        assert language_prompt.message_id == notice.message_id  # edited in place
        assert language_prompt.button_texts() == ["English", "Español"]
        await user.press("English")
        areas = await user.wait_for("Which neighbourhood")
        assert areas.button_texts() == ["North", "Riverside", "Old Town"]
        await user.press("Riverside")
        done = await user.wait_for("registered for")
        assert "Riverside" in done.text
        menu = await user.wait_for("What would you like to do?")
        assert menu.button_texts() == [
            "Surveys",
            "📝 Report a problem",
            "📋 My reports",
            "Settings",
            "Help",
        ]
        await emulator.wait_idle()
    rows = query(
        settings, "SELECT language, area_id, step, consented_at IS NOT NULL FROM residents"
    )
    assert rows == [("en", "riverside", "done", 1)]
    assert emulator.unanswered_callback_queries() == []
    assert [c["command"] for c in emulator.commands() or []][:2] == ["start", "surveys"]
    spanish = {c["command"]: c["description"] for c in emulator.commands("default", "es") or []}
    assert spanish["stop"] == "Dejar de recibir mensajes" and "newround" not in spanish


async def test_declining_consent_keeps_nothing(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident declines consent, then no resident row remains."""
    async with run_bot():
        user = emulator.user(1002)
        await user.send_command("start")
        await user.wait_for("Do you agree")
        await user.press("No, thanks")
        await user.wait_for("nothing about you is kept")
        await emulator.wait_idle()
    assert query(settings, "SELECT COUNT(*) FROM residents") == [(0,)]


async def test_onboarding_resumes_after_restart(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If the bot restarts mid-onboarding, then /start and old buttons continue at the same step."""
    user = emulator.user(1003)
    async with run_bot():
        await user.send_command("start")
        await user.wait_for("Do you agree")
        await user.press("Yes, I agree")
        await user.wait_for("Which language")
        await emulator.wait_idle()
    async with run_bot():
        await user.send_command("start")
        again = await user.wait_for("Which language")
        assert again.button_texts() == ["English", "Español"]
        await user.press("Español")
        await user.wait_for("¿En qué barrio vive?")
        await user.press("Old Town")
        await user.wait_for("Queda registrado")
        await emulator.wait_idle()
    assert query(settings, "SELECT language, area_id, step FROM residents") == [
        ("es", "old-town", "done")
    ]


async def test_area_list_is_paginated(
    emulator: BotApiEmulator, run_bot: BotRunner, make_settings: object
) -> None:
    """If there are more than 8 areas, then Next/Previous page through them."""
    areas = [{"id": f"area-{i}", "name": f"Area {i:02d}"} for i in range(11)]
    custom = make_settings(areas=areas)  # type: ignore[operator]
    async with run_bot(custom):
        user = emulator.user(1004)
        await onboard_until_area(user)
        first = user.last_message
        assert first is not None and "Area 07" in first.button_texts()
        assert "Area 08" not in first.button_texts() and "Next ›" in first.button_texts()
        await user.press("Next ›")
        second = await user.wait_for("Page 2 of 2")
        assert second.button_texts() == ["Area 08", "Area 09", "Area 10", "‹ Previous"]
        await user.press("Area 10")
        await user.wait_for("registered for")
        await emulator.wait_idle()
    assert emulator.unanswered_callback_queries() == []


async def onboard_until_area(user: SimUser) -> None:
    await user.send_command("start")
    await user.wait_for("Do you agree")
    await user.press("Yes, I agree")
    await user.wait_for("Which language")
    await user.press("English")
    await user.wait_for("Which neighbourhood")


async def test_settings_change_area_and_language(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident uses /settings, then area and language change and are stored."""
    async with run_bot():
        user = emulator.user(1005)
        await onboard(user)
        await user.send_command("settings")
        overview = await user.wait_for("Your settings")
        assert "North" in overview.text and "English" in overview.text
        await user.press("Change neighbourhood")
        await user.wait_for("Which neighbourhood")
        await user.press("Riverside")
        await user.wait_for("Saved.")
        await user.send_command("settings")
        await user.wait_for("Riverside")
        await user.press("Change language")
        await user.wait_for("Which language")
        await user.press("Español")
        await user.wait_for("¿Qué desea hacer?")
        await emulator.wait_idle()
    assert query(settings, "SELECT language, area_id FROM residents") == [("es", "riverside")]


async def test_help_lists_commands_of_the_role(
    emulator: BotApiEmulator, run_bot: BotRunner
) -> None:
    """If a resident, a coordinator and an admin ask /help, then each sees their role's commands."""
    resident, coordinator, admin = (
        emulator.user(1006),
        emulator.user(COORDINATOR_ID),
        emulator.user(ADMIN_ID),
    )
    async with run_bot():
        for user in (resident, coordinator, admin):
            await user.send_command("help")
        text_of = {
            u.id: (await u.wait_for("What I can do")).text for u in (resident, coordinator, admin)
        }
    assert "/announce" not in text_of[1006] and "/audit" not in text_of[1006]
    assert "/announce" in text_of[COORDINATOR_ID] and "/audit" not in text_of[COORDINATOR_ID]
    assert "/announce" in text_of[ADMIN_ID] and "/audit" in text_of[ADMIN_ID]
    menus = {
        user_id: [c["command"] for c in emulator.commands(f"chat:{user_id}") or []]
        for user_id in (COORDINATOR_ID, ADMIN_ID)
    }
    assert "newround" in menus[COORDINATOR_ID] and "export" not in menus[COORDINATOR_ID]
    assert {"newround", "export", "audit"} <= set(menus[ADMIN_ID])


async def test_stop_means_no_broadcast(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident sends /stop, then an announcement reaches others but not them, until
    /start brings them back."""
    async with run_bot():
        stays, leaves = emulator.user(1101), emulator.user(1102)
        coordinator = emulator.user(COORDINATOR_ID)
        await onboard(stays)
        await onboard(leaves)
        await leaves.send_command("stop")
        await leaves.wait_for("no more messages")
        await coordinator.send_text("/announce Street party on Saturday <3")
        await coordinator.wait_for("This goes to 1 registered resident,")
        await coordinator.wait_for(lambda m: "Send" in m.button_texts())
        await coordinator.press("Send")
        queued = await coordinator.wait_for("Announcement queued")
        assert "for 1 resident." in queued.text
        announcement = await stays.wait_for("Street party")
        assert "Street party on Saturday <3" in announcement.text
        await emulator.wait_idle()
        assert not any("Street party" in m.text for m in leaves.transcript)
        await leaves.send_command("start")
        await leaves.wait_for("Welcome back")
        await coordinator.send_text("/announce Second notice")
        await coordinator.wait_for(lambda m: "Send" in m.button_texts())
        await coordinator.press("Send")
        await leaves.wait_for("Second notice")
    stops = query(settings, "SELECT stopped_at FROM residents WHERE telegram_user_id = 1102")
    assert stops == [(None,)]


async def test_forget_leaves_no_telegram_id(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident confirms /forget, then no table holds their Telegram id any more."""
    user_id = 777000111
    async with run_bot():
        user = emulator.user(user_id, first_name="Alicia", username="alicia_r")
        await onboard(user)
        await user.send_command("forget")
        await user.wait_for("Erase your data?")
        await user.press("Cancel")
        await user.wait_for("Nothing was erased")
        await user.send_command("forget")
        await user.wait_for("Erase your data?")
        await user.press("Yes, erase")
        await user.wait_for("nothing here links to you")
        await user.send_command("settings")
        await user.wait_for("not registered")
        await emulator.wait_idle()
    with sqlite3.connect(settings.database.path) as conn:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}"):
                flat = " ".join(map(str, row))
                assert str(user_id) not in flat, table
                assert "Alicia" not in flat and "alicia_r" not in flat, table
        assert conn.execute(
            "SELECT COUNT(*) FROM residents WHERE forgotten_at IS NOT NULL"
        ).fetchone() == (1,)


async def test_resident_refused_coordinator_command_is_audited(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident tries a coordinator command, then they are refused politely, the attempt is
    audited by pseudonym, and nothing is queued."""
    async with run_bot():
        user = emulator.user(1201)
        await onboard(user)
        await user.send_text("/announce Hello everyone")
        await user.wait_for("only for partnership coordinators")
        await user.send_command("residents")
        await user.wait_for("only for partnership coordinators")
        admin = emulator.user(ADMIN_ID)
        await admin.send_command("audit")
        log = await admin.wait_for("announce")
        assert "refused" in log.text
        await emulator.wait_idle()
    audit = query(
        settings,
        "SELECT actor_role, actor_user_id, actor_pseudonym IS NOT NULL, "
        "action, allowed FROM audit_log ORDER BY id",
    )
    assert audit == [
        ("resident", None, 1, "announce", 0),
        ("resident", None, 1, "residents", 0),
        ("admin", ADMIN_ID, 0, "audit", 1),
    ]
    assert query(settings, "SELECT COUNT(*) FROM outbox") == [(0,)]


async def test_coordinator_sees_suppressed_counts(
    emulator: BotApiEmulator, run_bot: BotRunner
) -> None:
    """If an area has fewer residents than the minimum, then /residents hides its count and
    the smallest other area too, so the total cannot reveal it, and says why each is hidden."""
    async with run_bot():
        for i in range(4):
            await onboard(emulator.user(1300 + i), area="North")
        for i in range(3):
            await onboard(emulator.user(1320 + i), area="Old Town")
        await onboard(emulator.user(1310), area="Riverside")
        coordinator = emulator.user(COORDINATOR_ID)
        await coordinator.send_command("residents")
        summary = await coordinator.wait_for("Registered residents")
    lines = summary.text.splitlines()
    assert "North: 4" in lines
    assert "Riverside: fewer than 3" in lines
    assert "Old Town: hidden to protect another group" in lines
    assert "Total: 8" in lines
