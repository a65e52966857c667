"""A new resident onboards in the sandbox page, using the keyboard and the mouse."""

from __future__ import annotations

from typing import Any

from bot.sandbox.session import RunningSandbox
from tests.browser.cdp import Page
from tests.browser.steps import tab_to

LAST_BOT = "[...document.querySelectorAll('#messages li.bot')].at(-1)"


async def test_new_resident_onboards(page: Page, sandbox: RunningSandbox, shot: Any) -> None:
    """If a new resident sends /start and answers consent, language and area, then the page
    shows the privacy notice edited in place into each step, and the menu at the end."""
    await page.wait_for("document.querySelector('#chat-title').textContent === 'Alex'", what="Alex")
    await page.click("#composer-input")
    await page.type("/start")
    await page.key("Enter")
    await page.wait_for(
        f"{LAST_BOT} && {LAST_BOT}.textContent.includes('Do you agree to take part?')",
        what="the privacy notice",
    )
    notice_id = await page.evaluate(f"{LAST_BOT}.dataset.id")
    assert (
        await page.evaluate(
            "[...document.querySelectorAll('#messages li.mine')].at(-1).textContent"
        )
        == "/start"
    )
    await shot(page, "privacy-notice")

    await tab_to(page, "Yes, I agree")
    await page.key("Enter")
    await page.wait_for(
        f"document.querySelector('li[data-id=\"{notice_id}\"]').textContent"
        ".includes('Which language do you prefer?')",
        what="the language step in the same message",
    )
    await page.click("li.bot button.inline-button", "English")
    await page.wait_for(
        f"{LAST_BOT}.textContent.includes('Which neighbourhood do you live in?')",
        what="the area step",
    )
    await shot(page, "area-step")
    await page.click("li.bot button.inline-button", "Riverside")
    await page.wait_for(
        "[...document.querySelectorAll('#messages li.bot')].some("
        "(li) => li.textContent.includes('You are registered for Riverside'))",
        what="the confirmation",
    )
    await page.wait_for(
        f"{LAST_BOT}.textContent.includes('What would you like to do?')", what="the menu"
    )
    assert await page.evaluate(
        f"document.querySelector('li[data-id=\"{notice_id}\"] .edited') !== null"
    ), "the privacy notice was edited in place, and the page says so"
    resident = await sandbox.app.bot_data.services.store.residents.by_telegram_id(2001)  # type: ignore[union-attr]
    assert resident is not None and resident.area_id == "riverside" and resident.onboarded
    await shot(page, "menu")


async def test_command_menu_by_keyboard(page: Page, sandbox: RunningSandbox, shot: Any) -> None:
    """If a keyboard user opens the command menu, then focus lands on the first command, Enter
    sends it, and Escape closes the menu back onto its button."""
    coordinator = next(p for p in sandbox.cast.all() if p.role == "coordinator")
    await page.click(f"#people-list button[data-key='{coordinator.key}']")
    await page.wait_for(
        f"document.querySelector('#chat-title').textContent === '{coordinator.name}'",
        what="the coordinator's chat",
    )
    await page.click("#composer-input")
    await page.key("Tab", shift=True)
    assert await page.evaluate("document.activeElement.id") == "menu-button"
    await page.key("Enter")
    await page.wait_for(
        "document.activeElement.classList.contains('command')", what="focus on the first command"
    )
    commands = await page.evaluate(
        "[...document.querySelectorAll('#command-menu .command-name')].map((c) => c.textContent)"
    )
    assert "/newround" in commands and "/results" in commands and "/export" not in commands
    await shot(page, "command-menu")
    await page.key("Escape")
    await page.wait_for(
        "document.querySelector('#command-menu').hidden"
        " && document.activeElement.id === 'menu-button'",
        what="the menu to close onto its button",
    )
    await page.key("Enter")
    await tab_to(page, "/residents")
    await page.key("Enter")
    await page.wait_for(
        "[...document.querySelectorAll('#messages li.bot')].some("
        "(li) => li.textContent.includes('Registered residents'))",
        what="the /residents answer",
    )
