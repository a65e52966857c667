"""The handler shape through the real Application and the emulator: refusals audited with a
pseudonymous actor, /audit pages and filters, domain errors from buttons and typed input
answered politely, failures reported once (query answered once, admins told), buttons that
carry ids."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import NoReturn

import pytest

from bot.config import Settings
from bot.sandbox import BotApiEmulator
from tests.support import ADMIN_ID, AREAS, COORDINATOR_ID, BotRunner
from tests.support.chat import onboard
from tests.support.data import query as db_rows


def _answers_to(emulator: BotApiEmulator, query_id: str) -> int:
    """How many times the bot tried to answer one callback query."""
    return sum(
        1
        for method, params in emulator.calls
        if method == "answerCallbackQuery" and params.get("callback_query_id") == query_id
    )


async def test_every_refusal_is_audited_with_a_pseudonymous_actor(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident presses a staff button, a stranger sends /export, a coordinator /audit,
    and someone sends /export in a group, then each is refused with an answer and audited:
    staff by role and id, the resident by pseudonym, the stranger as a guest, never by a
    resident's Telegram id; the admin's /audit shows who acted."""
    async with run_bot():
        resident, stranger = emulator.user(5101), emulator.user(5102)
        coordinator, admin = emulator.user(COORDINATOR_ID), emulator.user(ADMIN_ID)
        await onboard(resident)
        query = await resident.press_data("1|exf|r|1|csv")
        # answered (and audited) before the next actor acts, so the log's order is the test's
        await emulator.wait_until(lambda: emulator.callback_answer(query) is not None, timeout=10)
        await stranger.send_command("export")
        await stranger.wait_for("only for partnership coordinators")
        await coordinator.send_command("audit")
        await coordinator.wait_for("only for admins")
        group = emulator.group(-4001)
        await group.send_text(resident, "/export")
        await emulator.wait_until(
            lambda: any("private chat" in m.text for m in emulator.transcript(-4001)), timeout=10
        )
        await emulator.wait_idle()
        answer = emulator.callback_answer(query)
        assert answer is not None and "only for partnership coordinators" in answer["text"]
        await admin.send_command("audit")
        log = await admin.wait_for("Audit log")
    rows = db_rows(
        settings,
        "SELECT actor_role, actor_user_id, actor_pseudonym, action, allowed, detail "
        "FROM audit_log ORDER BY id",
    )
    pseudonym = db_rows(settings, "SELECT pseudonym FROM residents")[0][0]
    assert [row[:5] for row in rows[:4]] == [
        ("resident", None, pseudonym, "export", 0),
        ("resident", None, rows[1][2], "export", 0),
        ("coordinator", COORDINATOR_ID, None, "audit", 0),
        ("resident", None, pseudonym, "export", 0),
    ]
    assert str(rows[1][2]).startswith("guest-") and not any(c.isdigit() for c in rows[1][2])
    assert [row[5] for row in rows[:4]] == [
        '{"via": "button"}',
        '{"via": "command"}',
        '{"via": "command"}',
        '{"via": "group"}',
    ]
    lines = log.text.splitlines()
    assert any(f"coordinator {COORDINATOR_ID} · audit · refused" in line for line in lines)
    assert any(f"resident {pseudonym} · export · refused" in line for line in lines)
    assert any("unregistered guest-" in line for line in lines)
    assert "5101" not in log.text and "5102" not in log.text


async def test_audit_pages_and_filters(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If there are more audit entries than fit a page, then /audit pages back by entry id,
    and "Refusals only" shows refusals alone, so refusals cannot push staff actions out."""
    async with run_bot():
        stranger, admin = emulator.user(5201), emulator.user(ADMIN_ID)
        for _ in range(20):
            await stranger.send_command("residents")
            await stranger.wait_for("only for partnership coordinators")
        await admin.send_command("audit")
        first = await admin.wait_for("Audit log")
        assert len(first.text.splitlines()) == 1 + 15
        assert first.button_texts() == ["Older ›", "Refusals only", "Allowed only"]
        await admin.press("Older ›")
        older = await admin.wait_for(lambda m: "« Newest" in m.button_texts())
        assert len(older.text.splitlines()) == 1 + 6  # 21 entries: 15 + 6
        await admin.press("Allowed only")
        allowed = await admin.wait_for("allowed actions only")
        assert all("allowed" in line for line in allowed.text.splitlines()[1:])
        assert len(allowed.text.splitlines()) == 1 + 1  # the admin's own /audit
        await admin.send_command("audit", "refused")
        refused = await admin.wait_for("refusals only")
        assert all("· refused" in line for line in refused.text.splitlines()[1:])
        await emulator.wait_idle()
    assert emulator.unanswered_callback_queries() == []


async def test_domain_errors_from_buttons_and_typed_input_are_answered(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident presses a forged Start for a round that does not exist, or a coordinator
    types 9999-12-31 23:59 as the opening, then each gets a polite answer, nothing is stored,
    and no failure is reported."""
    async with run_bot():
        resident, coordinator = emulator.user(5301), emulator.user(COORDINATOR_ID)
        admin = emulator.user(ADMIN_ID)
        await onboard(resident)
        query = await resident.press_data("1|svstart|999999")
        await resident.wait_for("What would you like to do?")
        await coordinator.send_command("newround")
        await coordinator.wait_for("Which survey?")
        await coordinator.press("Community trust and safety")
        await coordinator.wait_for("Who is invited?")
        await coordinator.press("Next ›")
        await coordinator.wait_for("When does it open?")
        await coordinator.send_text("9999-12-31 23:59")
        assert "too far ahead" in (await coordinator.next_reply()).text
        await emulator.wait_idle()
    answer = emulator.callback_answer(query)
    assert answer is not None and "no longer there" in answer["text"]
    assert not any("went wrong" in m.text for m in resident.transcript + coordinator.transcript)
    assert not any("failed" in m.text for m in admin.transcript)
    assert db_rows(settings, "SELECT COUNT(*) FROM responses") == [(0,)]
    assert db_rows(settings, "SELECT COUNT(*) FROM rounds") == [(0,)]


def _broken_help_view(*args: object, **kwargs: object) -> NoReturn:
    raise KeyError("a bug in a view")


async def test_failures_are_logged_apologised_for_and_told_to_admins(
    emulator: BotApiEmulator,
    run_bot: BotRunner,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """If a handler fails after answering a button, then the failure is logged, the user gets
    an apology message, the query is answered exactly once, and the admins are told once per
    kind of failure (without any personal data)."""
    async with run_bot():
        user, admin = emulator.user(5401), emulator.user(ADMIN_ID)
        await onboard(user)
        monkeypatch.setattr("bot.handlers.settings.help_view", _broken_help_view)
        with caplog.at_level(logging.ERROR):
            query = await user.press("Help")
            await user.wait_for("something went wrong")
            await user.send_command("help")
            await user.wait_for("something went wrong")
            await user.send_command("help")
            await user.wait_for("something went wrong")
            await admin.wait_for("help_command: KeyError")
            await emulator.wait_idle()
    assert _answers_to(emulator, query) == 1
    answer = emulator.callback_answer(query)
    assert answer is not None and answer["text"] == ""
    alerts = [m.text for m in admin.transcript if "The bot failed" in m.text]
    assert len(alerts) == 2  # one per kind: the button's, the command's
    assert all("5401" not in alert for alert in alerts)
    assert sum("error while handling" in r.message for r in caplog.records) == 3


async def test_buttons_carry_ids_not_positions(
    emulator: BotApiEmulator,
    run_bot: BotRunner,
    make_settings: Callable[..., Settings],
    settings: Settings,
) -> None:
    """If the areas change between showing /newround's audience step and pressing one of its
    buttons, then the press selects the area it showed, not whatever now sits at its place."""
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        await coordinator.send_command("newround")
        await coordinator.wait_for("Which survey?")
        await coordinator.press("Community trust and safety")
        audience = await coordinator.wait_for("Who is invited?")
    reordered = make_settings(areas=[{"id": "east", "name": "East"}, *reversed(AREAS)])
    async with run_bot(reordered):
        await coordinator.press("☐ Riverside", message_id=audience.message_id)
        chosen = await coordinator.wait_for("Chosen: Riverside")
        assert "☑ Riverside" in chosen.button_texts()
        await emulator.wait_idle()
    with sqlite3.connect(settings.database.path) as conn:
        (data,) = conn.execute("SELECT data FROM drafts").fetchone()
    assert '"areas": ["riverside"]' in data
