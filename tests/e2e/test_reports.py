"""Concern reports, the resident's side, end to end: the real Application against the emulator
over HTTP. A full report with photo and location, a restart mid-draft, stale buttons of a
cancelled draft, the daily limit, "me too", /myreports, edits from the review and a reporter
who may not be contacted."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest

from bot.config import Settings
from bot.sandbox import BotApiEmulator
from tests.support import COORDINATOR_ID, BotRunner
from tests.support.chat import onboard
from tests.support.report_chat import (
    CANCEL,
    CONTACT_NO,
    CONTACT_YES,
    DESCRIPTION,
    NO_LOCATION,
    NO_PHOTOS,
    PARTNER_CHAT,
    SUBMIT,
    WAIT,
    make_report,
    report_settings,
    start_report,
)


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return report_settings(make_settings)


def rows(settings: Settings, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(settings.database.path) as conn:
        return conn.execute(sql, params).fetchall()


async def test_full_report_with_photo_and_location(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident reports with a location and a photo, then the report holds both, they get
    a reference, the coordinator gets the card with a contact link and the photo, and the
    partner's group gets the card without the reporter and the photo."""
    user = emulator.user(4101)
    coordinator = emulator.user(COORDINATOR_ID)
    group = emulator.group(PARTNER_CHAT, "City Council")
    async with run_bot():
        await onboard(user)
        reference = await make_report(user, location=(40.416812, -3.703791), photos=1)
        assert reference == "R-000001"
        card = await coordinator.wait_for("New report R-000001", timeout=WAIT)
        assert "Street lighting" in card.text and DESCRIPTION in card.text
        assert "agreed to be contacted" in card.text
        assert "👀 Acknowledge" in card.button_texts()
        await coordinator.wait_for(lambda m: m.kind == "photo", timeout=WAIT)
        posted = await group.wait_for("Report R-000001 for you", timeout=WAIT)
        assert "contact" not in posted.text and str(user.id) not in str(posted.entities)
        await group.wait_for(lambda m: m.kind == "photo", timeout=WAIT)
    [(category, area, lat, lon, photos, contact, partner)] = rows(
        settings,
        "SELECT category, area_id, latitude, longitude, photos, contact_ok, partner_id "
        "FROM reports",
    )
    assert (category, area, lat, lon, contact, partner) == (
        "lighting", "north", 40.416812, -3.703791, 1, "council",
    )  # fmt: skip
    assert photos.startswith('["photo-')


async def answer_of(emulator: BotApiEmulator, query: str) -> str:
    """The bot's short answer to a pressed button."""
    await emulator.wait_until(lambda: emulator.callback_answer(query) is not None, timeout=WAIT)
    answer = emulator.callback_answer(query)
    assert answer is not None
    return str(answer.get("text", ""))


async def test_restart_mid_draft(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If the bot restarts while a resident is writing a report, then the draft is where it
    was: its old buttons still work and /report shows the same step."""
    user = emulator.user(4102)
    async with run_bot():
        await onboard(user)
        await start_report(user)
        await user.press("Vandalism or graffiti")
        await user.wait_for("Where is it?", timeout=WAIT)
        await user.press("Riverside")
        await user.wait_for("exact spot", timeout=WAIT)
    async with run_bot():
        await user.press("Continue without a location")  # a button from before the restart
        await user.wait_for("Describe the problem", timeout=WAIT)
    async with run_bot():
        await user.send_command("report")
        again = await user.wait_for("Describe the problem", timeout=WAIT)
        assert again.button_texts() == [CANCEL]
        await user.send_text("Graffiti sprayed on the bus shelter overnight.")
        await user.wait_for("up to 3 photos", timeout=WAIT)
        await user.press("No photos")
        await user.wait_for("May the coordinators contact you", timeout=WAIT)
        await user.press(CONTACT_YES)
        await user.wait_for("Please check your report", timeout=WAIT)
        await user.press(SUBMIT)
        await user.wait_for("R-000001", timeout=WAIT)
    assert rows(settings, "SELECT category, area_id, description FROM reports") == [
        ("vandalism", "riverside", "Graffiti sprayed on the bus shelter overnight.")
    ]
    assert rows(settings, "SELECT COUNT(*) FROM report_drafts") == [(0,)]


async def test_stale_button_from_a_cancelled_draft(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a button of a cancelled draft is pressed, then the resident is told politely that
    it is out of date, the new draft is shown as it is, and nothing changes."""
    user = emulator.user(4103)
    async with run_bot():
        await onboard(user)
        first = await start_report(user)
        stale = dict(b for row in first.buttons for b in row)["Street lighting"]
        await user.press(CANCEL)
        await user.wait_for("The report was cancelled", timeout=WAIT)
        await start_report(user)
        await user.press("Vandalism or graffiti")
        await user.wait_for("Where is it?", timeout=WAIT)
        answer = await answer_of(
            emulator, await user.press_data(stale, message_id=first.message_id)
        )
        assert "out of date" in answer or "no longer" in answer, answer
        shown = await user.wait_for("Where is it?", timeout=WAIT)
        assert "📍 North (your area)" in shown.button_texts()
        await user.send_text("hello")  # typed text at a button step: a pointer, no change
        await user.wait_for(lambda m: m.message_id > shown.message_id, timeout=WAIT)
    assert rows(settings, "SELECT step, category FROM report_drafts") == [("area", "vandalism")]
    assert rows(settings, "SELECT COUNT(*) FROM reports") == [(0,)]


async def test_daily_limit(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident already made the daily number of reports, then /report says so clearly
    (how many, when the next is possible, the emergency number) and starts no draft."""
    user = emulator.user(4104)
    async with run_bot():
        await onboard(user)
        for number in range(3):
            await make_report(
                user, category="Something else", description=f"Problem number {number} here"
            )
        await user.send_command("report")
        refusal = await user.wait_for("the most for one day", timeout=WAIT)
        assert "3 reports in the last 24 hours" in refusal.text and "24 hours" in refusal.text
    assert rows(settings, "SELECT COUNT(*) FROM report_drafts") == [(0,)]
    assert rows(settings, "SELECT COUNT(*) FROM reports") == [(3,)]


async def test_me_too(emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings) -> None:
    """If a resident's draft matches an open report of the same category in the same area,
    then it is offered; "me too" makes them a follower instead of a duplicate, and both see
    it in /myreports."""
    ana, ben = emulator.user(4105), emulator.user(4106)
    async with run_bot():
        await onboard(ana)
        await onboard(ben)
        reference = await make_report(ana)
        await start_report(ben)
        await ben.press("Street lighting")
        await ben.wait_for("Where is it?", timeout=WAIT)
        await ben.press("📍 North (your area)")
        await ben.wait_for("exact spot", timeout=WAIT)
        await ben.press("Continue without a location")
        offer = await ben.wait_for("Is it one of these?", timeout=WAIT)
        assert reference in offer.text and "Main Street" in offer.text
        assert f"Me too: {reference}" in offer.button_texts()
        await ben.press(f"Me too: {reference}")
        await ben.wait_for(f"you now follow {reference}", timeout=WAIT)
        await ben.send_command("myreports")
        mine = await ben.wait_for("Your reports", timeout=WAIT)
        assert f"👥 {reference}" in mine.text and "New" in mine.text
        await ana.send_command("myreports")
        await ana.wait_for(f"👤 {reference}", timeout=WAIT)
    assert rows(settings, "SELECT COUNT(*) FROM reports") == [(1,)]
    assert rows(settings, "SELECT COUNT(*) FROM report_followers") == [(1,)]


async def test_main_menu_button_starts_a_report(
    emulator: BotApiEmulator, run_bot: BotRunner
) -> None:
    """If a resident taps "Report a problem" in the main menu, then the report starts."""
    user = emulator.user(4107)
    async with run_bot():
        await onboard(user)
        await user.press("📝 Report a problem")
        start = await user.wait_for("not an emergency line", timeout=WAIT)
        assert "call 112" in start.text and "Street lighting" in start.button_texts()
        await user.press("📋 My reports")
        await user.wait_for("You have made no reports yet", timeout=WAIT)


async def test_draft_text_and_media_at_the_wrong_step(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident sends a photo when the draft asks for the description, or a description
    that is too short, then they are told why and the draft does not move."""
    user = emulator.user(4108)
    async with run_bot():
        await onboard(user)
        await start_report(user)
        await user.press("Something else")
        await user.wait_for("Where is it?", timeout=WAIT)
        await user.press("📍 North (your area)")
        await user.wait_for("exact spot", timeout=WAIT)
        await user.press("Continue without a location")
        await user.wait_for("Describe the problem", timeout=WAIT)
        await user.send_photo()
        await user.wait_for("not what this step of your report needs", timeout=WAIT)
        await user.send_text("short")
        await user.wait_for("10 to 3000 characters (that was 5)", timeout=WAIT)
    assert rows(settings, "SELECT step, description FROM report_drafts") == [("description", None)]


async def test_review_edits_and_a_reporter_who_may_not_be_contacted(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident edits the description and the contact answer from the review screen,
    then each edit returns to the review showing the new value; when they said they may not
    be contacted, the coordinator's card says so and carries no way to reach them; a later
    draft can be cancelled at its last step, leaving no draft behind."""
    user = emulator.user(4109)
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        await onboard(user)
        await start_report(user)
        await user.press("Something else")
        await user.wait_for("Where is it?", timeout=WAIT)
        await user.press("📍 North (your area)")
        await user.wait_for("exact spot", timeout=WAIT)
        await user.press(NO_LOCATION)
        await user.wait_for("Describe the problem", timeout=WAIT)
        await user.send_text("A bench in the park is broken.")
        await user.wait_for("up to 3 photos", timeout=WAIT)
        await user.press(NO_PHOTOS)
        await user.wait_for("May the coordinators contact you", timeout=WAIT)
        await user.press(CONTACT_YES)
        review = await user.wait_for("Please check your report", timeout=WAIT)
        assert "May be contacted: yes" in review.text
        edits = ["✏️ Category", "✏️ Place", "✏️ Description", "✏️ Photos", "✏️ Contact"]
        assert all(label in review.button_texts() for label in edits)
        await user.press("✏️ Description", message_id=review.message_id)
        await user.wait_for("Describe the problem", timeout=WAIT)
        await user.send_text("Two benches by the pond have broken slats.")
        review = await user.wait_for(
            lambda m: "Please check your report" in m.text and "Two benches" in m.text,
            timeout=WAIT,
        )
        assert "A bench in the park" not in review.text
        await user.press("✏️ Contact", message_id=review.message_id)
        await user.wait_for("May the coordinators contact you", timeout=WAIT)
        await user.press(CONTACT_NO)
        review = await user.wait_for(
            lambda m: "Please check your report" in m.text and "May be contacted: no" in m.text,
            timeout=WAIT,
        )
        assert "Two benches" in review.text
        await user.press(SUBMIT, message_id=review.message_id)
        await user.wait_for("R-000001", timeout=WAIT)
        card = await coordinator.wait_for("New report R-000001", timeout=WAIT)
        assert "did not ask to be contacted" in card.text
        assert "agreed to be contacted" not in card.text
        assert str(user.id) not in card.text + str(card.entities)

        await start_report(user)
        await user.press("Vandalism or graffiti")
        await user.wait_for("Where is it?", timeout=WAIT)
        await user.press("📍 North (your area)")
        await user.wait_for("exact spot", timeout=WAIT)
        await user.press(NO_LOCATION)
        await user.wait_for("Describe the problem", timeout=WAIT)
        await user.send_text("Paint on the bench, to be cancelled.")
        await user.wait_for("up to 3 photos", timeout=WAIT)
        await user.press(NO_PHOTOS)
        await user.wait_for("May the coordinators contact you", timeout=WAIT)
        await user.press(CONTACT_NO)
        last = await user.wait_for("Please check your report", timeout=WAIT)
        await user.press(CANCEL, message_id=last.message_id)
        await user.wait_for("The report was cancelled", timeout=WAIT)
    assert rows(settings, "SELECT description, contact_ok FROM reports") == [
        ("Two benches by the pond have broken slats.", 0)
    ]
    assert rows(settings, "SELECT COUNT(*) FROM report_drafts") == [(0,)]
