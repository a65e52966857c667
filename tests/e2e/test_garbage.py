"""Unexpected input: every odd update gets a short helpful answer and changes nothing."""

from __future__ import annotations

import sqlite3

from bot.config import Settings
from bot.sandbox import BotApiEmulator
from tests.support import BotRunner
from tests.support.chat import onboard


async def test_garbage_then_a_normal_conversation(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident sends stickers, photos, edits, unknown commands and forged buttons, then
    each gets an answer, every query is answered, and onboarding still completes."""
    async with run_bot():
        user = emulator.user(2001)
        await user.send_sticker()
        assert "only read text" in (await user.next_reply()).text
        await user.send_command("start")
        notice = await user.wait_for("Do you agree")
        await user.send_photo()
        assert "only read text" in (await user.next_reply()).text
        await user.send_location(40.4, -3.7)
        assert "only read text" in (await user.next_reply()).text
        sent = await user.send_text("hello?")
        assert "finish setting you up" in (await user.next_reply()).text
        await user.wait_for("Do you agree")
        await user.edit_text(sent["message_id"], "hello!")
        assert "not edits" in (await user.next_reply()).text
        await user.send_text("/frobnicate now")
        assert "I don't know /frobnicate" in (await user.next_reply()).text
        for forged in (
            "1|consent|maybe",
            "2|consent|yes",
            "garbage",
            "1|area|onb|nowhere",
            "1|lang|fr",
            "x" * 64,
        ):
            await user.press_data(forged, message_id=notice.message_id)
            await user.wait_for("Do you agree")
        await user.press("Yes, I agree")
        await user.wait_for("Which language")
        await user.press_data("1|consent|yes")  # a stale button from the step before
        await user.wait_for("Which language")
        await user.press("English")
        await user.wait_for("Which neighbourhood")
        await user.press_data("1|area|onb|nowhere")
        await user.wait_for("Which neighbourhood")
        await user.press("North")
        await user.wait_for("What would you like to do?")
        await emulator.wait_idle()
    assert emulator.unanswered_callback_queries() == []
    with sqlite3.connect(settings.database.path) as conn:
        assert conn.execute("SELECT language, area_id, step FROM residents").fetchall() == [
            ("en", "north", "done")
        ]


async def test_group_messages_and_button_for_unknown_user(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If the bot gets group chatter, a group /start, and a button press from someone never
    registered, then groups are told to go private, chatter is ignored, the press is answered."""
    async with run_bot():
        member = emulator.user(2101)
        group = emulator.group(-100500, "Partners")
        await group.send_text(member, "hello group")
        await group.send_text(member, "/start")
        await emulator.wait_until(
            lambda: any("private chat" in m.text for m in emulator.transcript(group.id)),
            message="no private-chat hint in the group",
        )
        stranger = emulator.user(2102)
        await stranger.press_data("1|menu|settings")
        await stranger.wait_for("not registered")
        await onboard(emulator.user(2103))
        await emulator.wait_idle()
    assert len(emulator.transcript(group.id)) == 1
    assert emulator.unanswered_callback_queries() == []
