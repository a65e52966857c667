"""The whole survey loop in the sandbox page: the demo panel opens a round, a returning
resident answers every question, the clock moves a week, the coordinator gets the summary."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from bot.sandbox.session import RunningSandbox
from tests.browser.cdp import Page
from tests.browser.steps import bot_says, choose_person, press, send, toast

TITLE = "Community trust and safety"


def person(sandbox: RunningSandbox, role: str, language: str = "en") -> Any:
    return next(p for p in sandbox.cast.all() if p.role == role and p.language == language)


async def test_complete_survey_and_close(page: Page, sandbox: RunningSandbox, shot: Any) -> None:
    """If the demo panel opens a round and a resident answers all of it in the page, then the
    answers are stored, the refusals show as pop-ups, and a week later the coordinator reads
    the round's summary."""
    sam = person(sandbox, "resident")
    await choose_person(page, sam.key, sam.name)
    await page.wait_for(
        "[...document.querySelectorAll('#panel-survey option')].some((o) => o.selected"
        f" && o.textContent === '{TITLE}')",
        what="the survey choice in the demo panel",
    )
    await page.click("#panel-open-round")
    confirmation = await page.wait_for(
        "document.querySelector('#panel-status').textContent.includes('is open')"
        " && document.querySelector('#panel-status').textContent",
        what="the panel to confirm the round",
    )
    round_id = int(re.search(r"Round #(\d+)", confirmation).group(1))  # type: ignore[union-attr]
    await page.wait_for(
        "document.querySelector('#panel-rounds').textContent.includes('open')",
        what="the round in the panel's list",
    )
    invitation = await bot_says(page, "A new survey is open")
    await shot(page, "invitation")
    await press(page, f"Start: {TITLE}", then="Question 1 of up to 13")
    assert await bot_says(page, "Question 1 of up to 13") == invitation, "edited in place"
    for label, following in [
        ("8", 2),
        ("6", 3),
        ("7", 4),
        ("Good", 5),
        ("Agree", 6),
        ("Neither agree nor disagree", 7),
        ("Strongly agree", 8),
        ("Disagree", 9),
        ("Agree", 10),
    ]:
        await press(page, label, then=f"Question {following} of up to 13")
    # "Done ✓" with nothing chosen: the bot refuses with a pop-up, which the page shows
    await press(page, "Done ✓")
    await toast(page, "Please choose at least 1.")
    await shot(page, "refusal-pop-up")
    await press(page, "☐ Burglary")
    await page.wait_for(
        "[...document.querySelectorAll('#messages button')]"
        ".some((b) => b.textContent === '☑ Burglary')",
        what="the ticked choice",
    )
    await press(page, "Done ✓", then="Question 11 of up to 13")
    typed = "More patrols near the <b>park</b> & the school"
    await send(page, typed)
    await bot_says(page, "Question 12 of up to 13")
    mine = await page.evaluate(
        "[...document.querySelectorAll('#messages li.mine')].at(-1).innerHTML"
    )
    assert "<b>" not in mine and "&lt;b&gt;park&lt;/b&gt; &amp; the school" in mine
    await press(page, "No", then="Thank you!")
    await shot(page, "thank-you")

    with sqlite3.connect(sandbox.settings.database.path) as db:
        status, text = db.execute(
            "SELECT r.status, (SELECT value FROM answers a WHERE a.response_id = r.id"
            " AND a.question_id = 'top_problem') FROM responses r JOIN residents p"
            " ON p.id = r.resident_id WHERE p.telegram_user_id = ? ORDER BY r.id DESC LIMIT 1",
            (sam.user_id,),
        ).fetchone()
    assert status == "completed" and typed in text

    # a week later the round has closed and the coordinator has its summary
    await page.click(".clock-buttons button", "+1 week")
    await page.wait_for(
        "document.querySelector('#panel-clock').textContent.includes('168 h ahead')",
        what="the clock to move a week",
    )
    coordinator = person(sandbox, "coordinator")
    await choose_person(page, coordinator.key, coordinator.name)
    await bot_says(page, f"Round #{round_id} closed: {TITLE}")
    await send(page, "/results")
    await bot_says(page, f"#{round_id} {TITLE} (closed)", timeout=60)
    await shot(page, "coordinator-results")
