"""What a visitor does in the sandbox page, as small steps shared by the browser tests."""

from __future__ import annotations

import json

from tests.browser.cdp import Page

BOT_MESSAGES = "[...document.querySelectorAll('#messages li.bot')]"


async def choose_person(page: Page, key: str, name: str) -> None:
    """Click the persona in the people list and wait for its chat."""
    await page.click(f"#people-list button[data-key={json.dumps(key)}]")
    await page.wait_for(
        f"document.querySelector('#chat-title').textContent === {json.dumps(name)}"
        " && document.body.dataset.ready === 'true'",
        what=f"the chat of {name}",
    )


async def send(page: Page, text: str) -> None:
    """Type ``text`` in the message box and press Enter."""
    await page.click("#composer-input")
    await page.type(text)
    await page.key("Enter")
    await page.wait_for(
        "document.querySelector('#composer-input').value === ''", what="the message to be sent"
    )


async def bot_says(
    page: Page,
    text: str,
    *,
    timeout: float = 30.0,  # noqa: ASYNC109 - a polling deadline
) -> str:
    """Wait until a bot message contains ``text``; return that message's id."""
    found = await page.wait_for(
        f"({BOT_MESSAGES}.findLast((li) => li.textContent.includes({json.dumps(text)}))"
        " || {}).dataset?.id",
        what=f"a bot message containing {text!r}",
        timeout=timeout,
    )
    return str(found)


async def press(page: Page, label: str, *, then: str | None = None) -> None:
    """Click the newest inline button with this label; optionally wait for the bot's reply."""
    await page.click("#messages li.bot button.inline-button", label)
    if then is not None:
        await bot_says(page, then)


async def tab_to(page: Page, text: str, limit: int = 80) -> None:
    """Press Tab until the focused element is the one labelled ``text`` (or, for a command in
    the menu, starting with it)."""
    for _ in range(limit):
        focused = await page.evaluate(
            "document.activeElement && document.activeElement.textContent.trim()"
        )
        if focused == text or (text.startswith("/") and str(focused).startswith(text + " ")):
            return
        await page.key("Tab")
    raise AssertionError(f"{text!r} cannot be reached with the Tab key")


async def toast(page: Page, text: str) -> None:
    """Wait for a pop-up (the bot's answer to a button press) showing ``text``."""
    await page.wait_for(
        "!document.querySelector('#toast').hidden && "
        f"document.querySelector('#toast').textContent === {json.dumps(text)}",
        what=f"the pop-up {text!r}",
    )
