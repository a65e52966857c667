"""A survey never gets stuck: when an answer was stored but the next question never reached
the resident (a crash or failed edits between the commit and the edit), any press on the old
question shows the current one again."""

from __future__ import annotations

from bot.config import Settings
from bot.sandbox import BotApiEmulator
from tests.support import INVITATION, BotRunner
from tests.support.chat import onboard
from tests.support.data import plan, query


async def test_stale_press_rerenders_the_unrendered_current_question(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If question 1's answer is committed but question 2 was never shown, then pressing any
    button of question 1 answers "out of date", shows question 2 in that message, and the
    resident can carry on from there."""
    user = emulator.user(6101)
    async with run_bot() as app:
        await onboard(user)
        await plan(settings)
        await user.wait_for(INVITATION)
        await user.press("Start: Community trust and safety")
        first = await user.wait_for("Question 1 of")
        services = app.bot_data.services
        assert services is not None
        resident = await services.store.residents.by_telegram_id(user.id)
        assert resident is not None
        # The answer is stored (as the handler does) but nothing is rendered: the state a
        # crash or a lost edit right after the commit leaves behind.
        (round_,) = await services.store.rounds.find(["open"])
        state = await services.answering.start(resident, round_.id)
        await services.answering.answer_button(
            resident, state.response.id, state.response.revision, 0, 8
        )
        assert "Question 1 of" in (user.last_message or first).text
        query_id = await user.press("3", message_id=first.message_id)
        shown = await user.wait_for("Question 2 of")
        assert shown.message_id == first.message_id
        await emulator.wait_idle()
        answer = emulator.callback_answer(query_id)
        assert answer is not None and "out of date" in answer["text"]
        await user.press("6", message_id=shown.message_id)
        await user.wait_for("Question 3 of")
        await emulator.wait_idle()
    assert query(settings, "SELECT question_id, value FROM answers ORDER BY question_id") == [
        ("respect", "6"),
        ("safety", "8"),
    ]
    assert emulator.unanswered_callback_queries() == []
