"""A concern report in the sandbox page: a resident reports with a location and a photo, the
partner group acts on it with a reply, the coordinator resolves it, and a few days later the
resident is asked whether it was fixed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.sandbox.media import tiny_png
from bot.sandbox.session import RunningSandbox
from tests.browser.cdp import Page
from tests.browser.steps import bot_says, choose_person, press, send

CATEGORY = "Vandalism or graffiti"  # the demo community routes it to its partner group
DESCRIPTION = "Graffiti sprayed over the bus shelter <b>again</b> & the bench is broken."


async def last_bot_text(page: Page) -> str:
    return str(
        await page.evaluate("[...document.querySelectorAll('#messages li.bot')].at(-1).textContent")
    )


async def test_report_routed_acted_on_and_followed_up(
    page: Page, sandbox: RunningSandbox, shot: Any, tmp_path: Path
) -> None:
    """If a resident reports vandalism with a location and a photo, then the partner group gets
    it, a member's status change with a reply reaches the resident, the coordinator resolves it,
    and a week later the resident is asked whether it has been fixed."""
    sam = next(p for p in sandbox.cast.all() if p.role == "resident" and p.language == "en")
    partner = next(p for p in sandbox.cast.all() if p.role == "partner")
    coordinator = next(p for p in sandbox.cast.all() if p.role == "coordinator")

    await choose_person(page, sam.key, sam.name)
    await send(page, "/report")
    await bot_says(page, "not an emergency line")
    await press(page, CATEGORY, then="Where is it?")
    area = await page.evaluate(
        "[...document.querySelectorAll('#messages li.bot button.inline-button')]"
        ".map((b) => b.textContent).find((t) => t.includes('(your area)'))"
    )
    await press(page, area, then="exact spot")
    await page.click("#location-button")
    await page.wait_for("document.querySelector('#location-dialog').open", what="the dialog")
    await page.click("#location-send")
    await page.wait_for(
        "['Describe the problem', 'Is it one of these?'].some((t) => "
        "[...document.querySelectorAll('#messages li.bot')].at(-1).textContent.includes(t))",
        what="the description step",
    )
    if "Is it one of these?" in await last_bot_text(page):
        await press(page, "None of these: a new report", then="Describe the problem")
    await send(page, DESCRIPTION)
    await bot_says(page, "up to 3 photos")
    picture = tmp_path / "shelter.png"
    picture.write_bytes(tiny_png(48, 32))
    await page.set_files("#photo-input", [picture])
    await bot_says(page, "1 of 3 added")
    await press(page, "Done with photos", then="May the coordinators contact you")
    await press(page, "Yes, you may contact me", then="Please check your report")
    await shot(page, "review")
    await press(page, "✅ Send the report", then="Your report is")
    done = await last_bot_text(page)
    reference = re.search(r"R-\d{6}", done)
    assert reference, done
    ref = reference.group()

    await choose_person(page, partner.key, partner.group_title)
    card = await bot_says(page, f"Report {ref} for you", timeout=60)
    assert "bus shelter" in await page.evaluate(
        f"document.querySelector('li[data-id=\"{card}\"]').textContent"
    )
    await page.click(f"li[data-id='{card}'] button.inline-button", "🛠 In progress")
    prompt = await bot_says(page, "reply to this message")
    await page.click(f"li[data-id='{prompt}'] button.reply-to")
    await page.wait_for("!document.querySelector('#replying').hidden", what="the reply bar")
    await send(page, "Cleaning crew booked for Thursday.")
    await bot_says(page, f"{ref} is now: In progress")
    assert await page.evaluate(
        "[...document.querySelectorAll('#messages li.mine')].at(-1)"
        f".querySelector('.quote-text').textContent.startsWith('{ref} →')"
    ), "the member's message quotes the prompt it answers"
    await shot(page, "partner-group")

    await choose_person(page, sam.key, sam.name)
    await bot_says(page, "Cleaning crew booked for Thursday.")
    await choose_person(page, coordinator.key, coordinator.name)
    await send(page, f"/reports {ref}")
    staff_card = await page.wait_for(
        "[...document.querySelectorAll('#messages li.bot')].findLast((li) => "
        f"li.textContent.startsWith('{ref}') && li.querySelector('button'))?.dataset.id",
        what="the report's card",
    )
    await page.click(f"li[data-id='{staff_card}'] button.inline-button", "✅ Resolved")
    await press(page, "Send without a note")
    await page.wait_for(
        "[...document.querySelectorAll('#messages li.bot')].some((li) => "
        f"li.textContent.startsWith('{ref}') && li.textContent.includes('Status: Resolved'))",
        what="the card showing Resolved",
    )

    await page.click(".clock-buttons button", "+1 week")
    await choose_person(page, sam.key, sam.name)
    await bot_says(page, "Has this problem been fixed?", timeout=60)
    await press(page, "Yes", then=f"Good to hear that {ref} is fixed")
    await shot(page, "follow-up")
