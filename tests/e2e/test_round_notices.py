"""What coordinators and residents are told about a round's timing: quiet hours that hold the
invitations (and until when), and the closing time in every invitation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.sandbox import BotApiEmulator
from surveys.clock import from_db
from tests.support import ADMIN_ID, COORDINATOR_ID, INVITATION, BotRunner
from tests.support.data import plan, query, seed

MADRID = ZoneInfo("Europe/Madrid")


async def test_quiet_hours_hold_is_told_to_coordinators(
    emulator: BotApiEmulator, run_bot: BotRunner, make_settings: Callable[..., Settings]
) -> None:
    """If a coordinator opens a round now during quiet hours, then the /newround reply and a
    message to every staff member say the invitations wait, until when (local time and zone),
    and no resident is invited meanwhile."""
    now = datetime.now(MADRID)
    start, end = (now - timedelta(hours=1)).strftime("%H:%M"), (now + timedelta(hours=2))
    settings = make_settings(delivery={"quiet_hours": f"{start}-{end:%H:%M}"})
    resident = (await seed(settings, emulator, [6301], "north"))[0]
    coordinator, admin = emulator.user(COORDINATOR_ID), emulator.user(ADMIN_ID)
    async with run_bot(settings):
        await coordinator.send_command("newround")
        await coordinator.wait_for("Which survey?")
        await coordinator.press("Community trust and safety")
        await coordinator.wait_for("Who is invited?")
        await coordinator.press("All areas")
        await coordinator.wait_for("When does it open?")
        await coordinator.press("Now")
        await coordinator.wait_for("When does it close?")
        await coordinator.press("7 days")
        await coordinator.wait_for("Remind those")
        await coordinator.press("No reminders")
        await coordinator.wait_for("Repeat the round?")
        await coordinator.press("Does not repeat")
        await coordinator.wait_for("Check the round")
        await coordinator.press("Create round")
        created = await coordinator.wait_for("is open")
        until = f"{end:%Y-%m-%d %H:%M} (Europe/Madrid)"
        assert f"Quiet hours: the invitations wait until {until}" in created.text
        notice = await coordinator.wait_for("its 1 invitation waits until")
        assert until in notice.text
        await admin.wait_for("its 1 invitation waits until")
        await emulator.wait_idle()
    assert not any(INVITATION in m.text for m in resident.transcript)
    assert query(settings, "SELECT status FROM outbox") == [("pending",)]


async def test_invitation_says_when_the_survey_closes(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a round closing at a given time opens, then its invitation names that time in the
    community's time zone."""
    resident = (await seed(settings, emulator, [6302], "north"))[0]
    await plan(settings, closes_in=5 * 86400)
    async with run_bot():
        invitation = await resident.wait_for(INVITATION)
    ((closes,),) = query(settings, "SELECT closes_at FROM rounds")
    local = from_db(str(closes)).astimezone(MADRID).strftime("%Y-%m-%d %H:%M")
    assert f"open for your neighbourhood until {local}." in invitation.text


async def test_closed_round_with_too_few_respondents_is_not_reported_not_yet(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a round closes with fewer respondents than the minimum group size, then /results
    says its answers are not reported to keep them anonymous (not "not reported yet", which
    only fits an open round)."""
    resident = (await seed(settings, emulator, [6303], "north"))[0]
    coordinator = emulator.user(COORDINATOR_ID)
    await plan(settings, closes_in=3600)
    async with run_bot() as app:
        await resident.wait_for(INVITATION)
        services = app.bot_data.services
        assert services is not None
        (round_,) = await services.store.rounds.find(["open"])
        person = await services.store.residents.by_telegram_id(resident.id)
        assert person is not None
        state = await services.answering.start(person, round_.id)
        await services.answering.answer_button(
            person, state.response.id, state.response.revision, 0, 6
        )
        await coordinator.send_command("results")
        open_headline = await coordinator.wait_for(f"#{round_.id} ")
        assert "answers are not reported yet" in open_headline.text
        await services.store.rounds.close(round_.id)
        await coordinator.send_command("results")
        closed = await coordinator.wait_for("(closed)")
        assert "answers are not reported, to keep them anonymous" in closed.text
        assert "yet" not in closed.text
