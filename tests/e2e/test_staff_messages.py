"""Messages staff send to many residents are checked before anything is queued: an
announcement too long for Telegram in any language, a /wedid note over its limit, and a
second digest for the same round are refused with the reason."""

from __future__ import annotations

from bot.config import Settings
from bot.context import FeedbackApplication
from bot.sandbox import BotApiEmulator
from tests.support import COORDINATOR_ID, INVITATION, BotRunner
from tests.support.chat import received
from tests.support.data import plan, query, seed

PEOPLE = [6201, 6202]


async def test_announcement_too_long_in_any_language_is_refused(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If an announcement fits Telegram's 4096 characters under the short Spanish heading but
    not under the longer English one (even though no resident reads English), then nothing is
    queued and the coordinator is told by how much; a shorter one is queued for everyone."""
    await seed(settings, emulator, PEOPLE, "north")
    coordinator = emulator.user(COORDINATOR_ID)
    spanish_heading = len("Aviso de Riverside Partnership\n")
    english_heading = len("Announcement from Riverside Partnership\n")
    text = "x" * (4096 - spanish_heading)  # fits in Spanish, 9 over in English
    async with run_bot():
        await coordinator.send_text(f"/announce {text}")
        refusal = await coordinator.wait_for("Telegram allows 4096")
        over = english_heading - spanish_heading
        assert "(en)" in refusal.text and f"shorten it by {over} characters" in refusal.text
        assert "Nothing was sent" in refusal.text
        await coordinator.send_text("/announce " + "y" * 4000)
        await coordinator.wait_for("This goes to 2 registered residents")
        await coordinator.wait_for(lambda m: "Send" in m.button_texts())
        await coordinator.press("Send")
        await coordinator.wait_for("queued for 2")
        await emulator.wait_until(
            lambda: all(received(emulator.user(p), "yyyy") for p in PEOPLE), timeout=15
        )
    assert query(settings, "SELECT COUNT(*), status FROM outbox GROUP BY status") == [(2, "sent")]


async def _closed_round_with_participants(
    app: FeedbackApplication, emulator: BotApiEmulator
) -> int:
    services = app.bot_data.services
    assert services is not None
    await emulator.wait_until(
        lambda: all(received(emulator.user(p), INVITATION) for p in PEOPLE), timeout=10
    )
    (round_,) = await services.store.rounds.find(["open"])
    for user_id in PEOPLE:
        resident = await services.store.residents.by_telegram_id(user_id)
        assert resident is not None
        state = await services.answering.start(resident, round_.id)
        await services.answering.answer_button(
            resident, state.response.id, state.response.revision, 0, 7
        )
    await services.store.rounds.close(round_.id)
    return round_.id


async def test_wedid_refuses_long_notes_and_a_second_digest(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a /wedid note is over 1500 characters, then it is refused with its length (not cut);
    once a digest was sent, a second /wedid for that round explains that it would reach
    nobody instead of previewing "goes to 2" and queueing 0."""
    await seed(settings, emulator, PEOPLE, "north")
    await plan(settings, closes_in=3600)
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot() as app:
        round_id = await _closed_round_with_participants(app, emulator)
        await coordinator.send_text(f"/wedid {round_id} " + "n" * 1501)
        refusal = await coordinator.wait_for("The note is 1501 characters")
        assert "limit is 1500" in refusal.text
        await coordinator.send_text(f"/wedid {round_id} More patrols.")
        preview = await coordinator.wait_for("residents who took part")
        assert "2 residents" in preview.text
        await coordinator.press("Send")
        await coordinator.wait_for("Queued for 2 participants")
        await coordinator.send_text(f"/wedid {round_id} Even more patrols.")
        again = await coordinator.wait_for("already sent to its 2 participants")
        assert again.buttons == []
        await emulator.wait_idle()
    digests = query(settings, "SELECT COUNT(*) FROM outbox WHERE purpose LIKE 'digest:%'")
    assert digests == [(2,)]
    assert query(settings, "SELECT COUNT(*) FROM drafts") == [(0,)]


async def test_announce_is_previewed_with_its_audience_then_sent_or_cancelled(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a coordinator sends /announce, then they see the announcement as residents will,
    with how many it reaches and Send/Cancel; Cancel sends nothing, Send queues it once (a
    second press of the same Send is out of date), and the plural fits the count."""
    await seed(settings, emulator, PEOPLE[:1], "north")
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        await coordinator.send_text("/announce Road closed on <Main> Street")
        await coordinator.wait_for("This goes to 1 registered resident,")
        preview = await coordinator.wait_for("Announcement from Riverside Partnership")
        assert "Road closed on <Main> Street" in preview.text
        assert preview.button_texts() == ["Send", "Cancel"]
        await coordinator.press("Cancel")
        await coordinator.wait_for("Nothing was sent.")
        assert query(settings, "SELECT COUNT(*) FROM outbox") == [(0,)]
        await coordinator.send_text("/announce Meeting on Friday")
        await coordinator.wait_for("This goes to 1 registered resident,")
        second = await coordinator.wait_for("Meeting on Friday")
        send = dict(b for row in second.buttons for b in row)["Send"]
        await coordinator.press("Send")
        await coordinator.wait_for("Announcement queued for 1 resident.")
        again = await coordinator.press_data(send, message_id=second.message_id)
        await emulator.user(PEOPLE[0]).wait_for("Meeting on Friday")
        await emulator.wait_idle()
        answer = emulator.callback_answer(again)
        assert answer is not None and "out of date" in answer["text"]
    assert query(settings, "SELECT COUNT(*) FROM outbox WHERE purpose LIKE 'announce:%'") == [(1,)]
    assert query(
        settings, "SELECT action, allowed FROM audit_log WHERE action LIKE 'announce%'"
    ) == [
        ("announce", 1),
        ("announce", 1),
        ("announce.send", 1),
    ]
