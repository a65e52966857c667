"""The bot speaks the Bot API as specified: no parameter a method does not have.

The emulator refuses unknown parameters per method (see ``bot.sandbox.spec``); these tests run
the real Application through flows that use every kind of call it makes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from bot.sandbox import BotApiEmulator
from surveys.clock import utcnow
from surveys.registry import SurveyRegistry
from surveys.rounds import create_round
from surveys.store import Store
from tests.support import INVITATION, BotRunner
from tests.support.data import seed

ONE_TEXT = """key = "one-text"
version = 1

[title]
en = "Quick question"
es = "Pregunta rápida"

[intro]
en = "One question about your street."
es = "Una pregunta sobre su calle."

[[questions]]
id = "idea"
type = "text"
max_length = 200
text = { en = "What should change in your street?", es = "¿Qué debería cambiar en su calle?" }

[[questions]]
id = "again"
type = "yes_no"
text = { en = "May we ask you again next year?", es = "¿Podemos volver a preguntarle?" }
"""


async def test_typed_answer_removes_the_answered_keyboard(
    emulator: BotApiEmulator,
    run_bot: BotRunner,
    make_settings: Callable[..., Settings],
    tmp_path: Path,
) -> None:
    """If a resident types the answer to a question shown with buttons, then the bot removes
    those buttons with editMessageReplyMarkup, which has no parse_mode parameter: the bot must
    not send one (PTB's Defaults would add it), and no call carries an unknown parameter."""
    survey = tmp_path / "one-text.toml"
    survey.write_text(ONE_TEXT, encoding="utf-8")
    settings = make_settings(surveys={"files": [str(survey)]})
    (user,) = await seed(settings, emulator, [7100], "north")
    store = await Store.open(settings.database.path)
    try:
        registry = SurveyRegistry(store, settings.community.languages, settings.surveys.files)
        await create_round(
            store,
            registry,
            "one-text",
            opens_at=utcnow(),
            closes_at=utcnow() + timedelta(days=1),
            zone=settings.community.zone,
        )
    finally:
        await store.close()
    async with run_bot(settings):
        await user.wait_for(INVITATION, timeout=15)
        await user.press("Start: Quick question")
        question = await user.wait_for("What should change in your street?")
        assert question.buttons, "the text question offers Skip/Later buttons"
        await user.send_text("More street lights")
        await user.wait_for("May we ask you again next year?")
        await emulator.wait_idle()
    (answered,) = [
        m for m in emulator.transcript(user.chat_id) if m.message_id == question.message_id
    ]
    assert answered.buttons == []
    assert emulator.stats.requests["editMessageReplyMarkup"] >= 1
    assert dict(emulator.stats.unknown_parameters) == {}
