"""Concern reports through the emulator: the settings of the report tests, and a resident
walking the /report conversation as a person would."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.config import Settings
from bot.sandbox import BotMessage, SimUser

PARTNER_CHAT = -100_111
MEMBER_ID = 501
OUTSIDER_ID = 777
WAIT = 20.0  # seconds: scheduled work is noticed at the next check, under any machine load

SUBMIT = "✅ Send the report"
NO_LOCATION = "Continue without a location"
NO_PHOTOS = "No photos"
PHOTOS_DONE = "Done with photos"
CONTACT_YES = "Yes, you may contact me"
CONTACT_NO = "No, please don't"
NOT_THESE = "None of these: a new report"
CANCEL = "✖ Cancel this report"
DESCRIPTION = "The street light at the corner of Main Street has been out for a week."


def report_settings(make_settings: Callable[..., Settings], **reports: Any) -> Settings:
    """Fast checks, a small daily limit, one partner taking street lighting."""
    return make_settings(
        reports={"check_interval": 0.2, "daily_limit": 3, **reports},
        partners=[
            {
                "id": "council",
                "name": "City Council",
                "chat_id": PARTNER_CHAT,
                "members": [MEMBER_ID],
                "categories": ["lighting"],
            }
        ],
    )


async def start_report(user: SimUser) -> BotMessage:
    """/report: the notice and the categories."""
    await user.send_command("report")
    return await user.wait_for("not an emergency line", timeout=WAIT)


async def make_report(
    user: SimUser,
    *,
    category: str = "Street lighting",
    area: str = "📍 North (your area)",
    location: tuple[float, float] | None = None,
    description: str = DESCRIPTION,
    photos: int = 0,
    contact: bool = True,
) -> str:
    """Walk the whole conversation ("is it one of these?" answered "none"); the reference."""
    await start_report(user)
    await user.press(category)
    await user.wait_for("Where is it?", timeout=WAIT)
    await user.press(area)
    await user.wait_for("exact spot", timeout=WAIT)
    if location is not None:
        await user.send_location(*location)
    else:
        await user.press(NO_LOCATION)
    step = await user.wait_for(
        lambda m: "Describe the problem" in m.text or "Is it one of these?" in m.text,
        timeout=WAIT,
    )
    if "Is it one of these?" in step.text:
        await user.press(NOT_THESE)
        await user.wait_for("Describe the problem", timeout=WAIT)
    await user.send_text(description)
    await user.wait_for("up to 3 photos", timeout=WAIT)
    for number in range(photos):
        await user.send_photo()
        if number < 2:
            await user.wait_for(f"{number + 1} of 3 added", timeout=WAIT)
    if photos < 3:
        await user.press(PHOTOS_DONE if photos else NO_PHOTOS)
    await user.wait_for("May the coordinators contact you", timeout=WAIT)
    await user.press(CONTACT_YES if contact else CONTACT_NO)
    await user.wait_for("Please check your report", timeout=WAIT)
    await user.press(SUBMIT)
    done = await user.wait_for("Your report is", timeout=WAIT)
    found = re.search(r"R-\d{6}", done.text)
    assert found, done.text
    return found.group()
