"""The survey conversation through the real Application and the emulator: the whole built-in
survey with skip logic, Back, multi-select, typed answers, a restart, stale and forged buttons."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.config import Settings
from bot.context import FeedbackApplication
from bot.sandbox import BotApiEmulator, BotMessage, SimUser
from surveys.clock import utcnow
from surveys.rounds import create_round
from tests.support import SURVEY, BotRunner
from tests.support.chat import onboard


async def open_round(app: FeedbackApplication, *, areas: tuple[str, ...] = ()) -> int:
    services = app.bot_data.services
    assert services is not None
    round_ = await create_round(
        services.store,
        services.registry,
        SURVEY,
        opens_at=utcnow(),
        closes_at=utcnow() + timedelta(days=7),
        area_ids=areas,
        zone=services.settings.community.zone,
    )
    # the bot's round clock opens it within its check interval and invites the audience
    return round_.id


def stored_answers(settings: Settings) -> dict[str, str]:
    with sqlite3.connect(settings.database.path) as conn:
        return dict(conn.execute("SELECT question_id, value FROM answers").fetchall())


async def press_and_wait(user: SimUser, button: str, expected: str) -> BotMessage:
    await user.press(button)
    return await user.wait_for(expected)


async def test_whole_survey(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident answers the built-in survey with Back, multi-select (a tick beyond the
    maximum refused at once), a typed answer, a restart, stale and forged buttons, then exactly
    the intended answers are stored."""
    user = emulator.user(4001)
    async with run_bot() as app:
        await onboard(user)
        round_id = await open_round(app)
        invitation = await user.wait_for("A new survey is open")
        assert invitation.button_texts() == ["Start: Community trust and safety"]
        await user.press("Start: Community trust and safety")
        first = await user.wait_for("Question 1 of up to 13")
        assert first.message_id == invitation.message_id  # edited in place
        assert "This short survey" in first.text and "0 = Not at all safe" in first.text
        stale_data = dict(first.buttons[0])["3"]
        await user.press("8")
        second = await user.wait_for("Question 2 of up to 13")
        assert second.message_id == first.message_id
        # a button from question 1 pressed again: refused, nothing changes
        await user.press_data(stale_data, message_id=first.message_id)
        await emulator.wait_idle()
        assert stored_answers(settings) == {"safety": "8"}
        # forged payloads: another response, an option that does not exist, garbage
        current = user.last_message
        assert current is not None
        response_data = dict(b for row in current.buttons for b in row)["6"]
        _, _, response, revision, position, _ = response_data.split("|")
        for forged in (
            f"1|sva|{int(response) + 50}|{revision}|{position}|6",
            f"1|sva|{response}|{revision}|{position}|99",
            f"1|sva|{response}|{revision}|0|6",
            "1|sva|x|y|z|w",
        ):
            await user.press_data(forged, message_id=current.message_id)
        await emulator.wait_idle()
        assert stored_answers(settings) == {"safety": "8"}
        # double tap: the same payload twice before the bot answers
        await user.press_data(response_data, message_id=current.message_id)
        await user.press_data(response_data, message_id=current.message_id)
        await user.wait_for("Question 3 of up to 13")
        await emulator.wait_idle()
        assert stored_answers(settings) == {"safety": "8", "respect": "6"}
        # Back, then change the answer
        await press_and_wait(user, "‹ Back", "Question 2 of up to 13")
        await press_and_wait(user, "7", "Question 3 of up to 13")
        await press_and_wait(user, "5", "Question 4 of up to 13")
        await press_and_wait(user, "Good", "Question 5 of up to 13")
        for label, nxt in [
            ("Agree", 6),
            ("Neither agree nor disagree", 7),
            ("Strongly agree", 8),
            ("Disagree", 9),
        ]:
            await press_and_wait(user, label, f"Question {nxt} of up to 13")
    # restart in the middle of the survey
    async with run_bot():
        await user.send_command("surveys")
        await user.wait_for("Open surveys")
        await user.press("Continue: Community trust and safety")
        await user.wait_for("Question 9 of up to 13")
        await press_and_wait(user, "Agree", "Question 10 of up to 13")
        # multi-select: toggles, a change of mind, too many, then Done
        await press_and_wait(user, "☐ Burglary", "Question 10 of up to 13")
        toggled = await press_and_wait(user, "☐ Drug dealing or drug use", "Question 10")
        assert "☑ Burglary" in toggled.button_texts()
        await press_and_wait(user, "☑ Burglary", "Question 10")
        await press_and_wait(user, "☐ Violence", "Question 10")
        three = await press_and_wait(user, "☐ Vandalism and graffiti", "Question 10")
        # a fourth tick on "choose up to 3" is refused at once, with the reason
        too_many = await user.press("☐ Scams and fraud")
        await emulator.wait_idle()
        refusal = emulator.callback_answer(too_many)
        assert refusal is not None and refusal["text"] == "Please choose at most 3."
        unchanged = user.last_message
        assert unchanged is not None and unchanged.button_texts() == three.button_texts()
        assert "☐ Scams and fraud" in unchanged.button_texts()
        await press_and_wait(user, "Done ✓", "Question 11 of up to 13")
        # a typed answer with garbage first
        await user.send_text("x" * 501)
        assert "the limit is 500" in (await user.next_reply()).text
        await user.send_text("  Speeding on Main Street <b>  ")
        useful = await user.wait_for("Question 12 of up to 13")
        await press_and_wait(user, "Yes", "Question 13 of 13")
        assert useful.message_id != first.message_id
        await press_and_wait(user, "Very useful", "Thank you!")
        await emulator.wait_idle()
        await user.send_command("surveys")
        done = await user.wait_for("answered, thank you")
        assert done.button_texts() == []
    assert stored_answers(settings) == {
        "safety": "8",
        "respect": "7",
        "listen": "5",
        "job": '"good"',
        "rely": "4",
        "fair": "3",
        "understand": "5",
        "deal": "2",
        "confidence": "4",
        "concerns": '["drugs", "violence", "vandalism_graffiti"]',
        "top_problem": '"Speeding on Main Street <b>"',
        "meeting": "true",
        "meeting_useful": "4",
    }
    with sqlite3.connect(settings.database.path) as conn:
        assert conn.execute("SELECT status, round_id FROM responses").fetchall() == [
            ("completed", round_id)
        ]
    assert emulator.unanswered_callback_queries() == []


async def test_closed_round_refuses_politely(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If the round closes while a resident is mid-survey, then their next press is refused
    with a polite message, the partial answers stay, and nothing new is stored."""
    user = emulator.user(4101)
    async with run_bot() as app:
        await onboard(user)
        round_id = await open_round(app)
        await user.wait_for("A new survey is open")
        await user.press("Start: Community trust and safety")
        await user.wait_for("Question 1 of up to 13")
        await press_and_wait(user, "9", "Question 2 of up to 13")
        services = app.bot_data.services
        assert services is not None
        await services.store.rounds.close(round_id)
        query_id = await user.press("4")
        closed = await user.wait_for("This survey is closed")
        await emulator.wait_idle()
        answer = emulator.callback_answer(query_id)
        assert answer is not None and "closed" in answer["text"]
        assert closed.buttons == []
    assert stored_answers(settings) == {"safety": "9"}
    with sqlite3.connect(settings.database.path) as conn:
        assert conn.execute("SELECT status FROM responses").fetchall() == [("in_progress",)]
