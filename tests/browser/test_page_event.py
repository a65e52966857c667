"""An event in the sandbox page: announced from the demo panel, answered with a button, added
to a calendar with the downloaded .ics file, followed by its feedback survey."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from icalendar import Calendar

from bot.sandbox.session import RunningSandbox
from surveys.clock import utcnow
from tests.browser.cdp import Page
from tests.browser.steps import bot_says, choose_person, press

TITLE = "Community safety walk"


async def test_rsvp_and_calendar_download(page: Page, sandbox: RunningSandbox, shot: Any) -> None:
    """If the demo panel announces an event and a resident answers Going and asks for the
    calendar file, then the card changes in place, the .ics downloads under its name with the
    event at 18:00 local time, the panel counts one going, and a week later the resident is
    asked how it was."""
    sam = next(p for p in sandbox.cast.all() if p.role == "resident" and p.language == "en")
    await choose_person(page, sam.key, sam.name)
    await page.click("#panel-announce-event")
    await page.wait_for(
        "document.querySelector('#panel-status').textContent.includes('is announced')",
        what="the panel to confirm the event",
    )
    card = await page.wait_for(
        "[...document.querySelectorAll('#messages li.bot')].findLast((li) => li.textContent"
        f".includes('{TITLE}') && li.textContent.includes('Will you come?'))?.dataset.id",
        what="the announcement",
    )
    await press(page, "✅ Going", then="Your answer: going")
    popup = await page.wait_for(
        "!document.querySelector('#toast').hidden && document.querySelector('#toast').textContent",
        what="the bot's pop-up answer",
    )
    assert "going" in popup.lower()
    assert await bot_says(page, "Your answer: going") == str(card), "edited in place"
    await page.wait_for(
        "document.querySelector('#panel-events').textContent.includes('1 going')",
        what="the panel to count the answer",
        timeout=30,
    )
    await press(page, "📅 Add to calendar")
    link = "document.querySelector('#messages li.bot a.file')"
    name = await page.wait_for(f"{link} && {link}.download", what="the calendar file")
    zone = sandbox.settings.community.zone
    day = (utcnow().astimezone(zone) + timedelta(days=3)).date()
    assert name == f"{day.isoformat()} {TITLE}.ics"
    await shot(page, "answered-with-calendar-file")
    await page.click("#messages li.bot a.file")
    (download,) = await page.wait_download(1)
    assert download.name == name
    (event,) = Calendar.from_ical(download.read()).events
    assert str(event["summary"]) == TITLE
    assert event.decoded("dtstart") == datetime.combine(day, time(18), tzinfo=zone)

    await page.click(".clock-buttons button", "+1 week")
    await bot_says(page, f"How was {TITLE}?", timeout=60)
    await shot(page, "feedback-invitation")
