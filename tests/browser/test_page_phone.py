"""The sandbox page on a phone screen, in Spanish: a photo, a location, the demo panel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.sandbox.media import tiny_png
from bot.sandbox.session import RunningSandbox
from tests.browser.cdp import Page
from tests.browser.steps import bot_says, choose_person, send


async def no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is wider than the phone: {width}"


async def test_phone_spanish_photo_and_location(
    page: Page, sandbox: RunningSandbox, shot: Any, tmp_path: Path
) -> None:
    """If a Spanish-speaking visitor uses the page on a phone, sends a photo and shares a
    location, then both show in the chat, the bot answers in Spanish, nothing needs sideways
    scrolling, and the demo panel opens from its button."""
    await page.viewport(390, 844, mobile=True)
    await page.goto(sandbox.url + "?lang=es")
    await page.wait_for("document.body.dataset.ready === 'true'", what="the page in Spanish")
    assert await page.evaluate("document.documentElement.lang") == "es"
    assert await page.evaluate("document.querySelector('h1').textContent") == (
        "Bot de opinión vecinal: entorno de prueba"
    )
    lucia = next(p for p in sandbox.cast.all() if p.role == "new" and p.language == "es")
    await choose_person(page, lucia.key, lucia.name)
    await send(page, "/start")
    await bot_says(page, "¿Acepta participar?")
    await no_sideways_scroll(page)
    await shot(page, "privacy-notice-es")

    picture = tmp_path / "street.png"
    picture.write_bytes(tiny_png(64, 48))
    await page.set_files("#photo-input", [picture])
    await page.wait_for(
        "[...document.querySelectorAll('#messages li.mine img.photo')].some("
        "(img) => img.complete && img.naturalWidth === 64)",
        what="the photo in the chat",
    )
    await bot_says(page, "Solo puedo leer texto")

    await page.click("#location-button")
    await page.wait_for("document.querySelector('#location-dialog').open", what="the dialog")
    await shot(page, "location-dialog")
    await page.click("#location-send")
    await page.wait_for(
        "[...document.querySelectorAll('#messages li.mine')].some("
        "(li) => li.textContent.includes('Ubicación: 51.5074, -0.1278'))",
        what="the shared location",
    )
    await no_sideways_scroll(page)
    await shot(page, "photo-and-location")

    assert not await page.evaluate(
        "document.querySelector('#panel').getBoundingClientRect().height > 0"
    ), "on a phone the panel waits behind its button"
    await page.click("#panel-toggle")
    await page.wait_for(
        "document.querySelector('#panel').getBoundingClientRect().height > 0"
        " && document.querySelector('#panel-open-round').textContent === 'Abrir una ronda ahora'",
        what="the demo panel",
    )
    await no_sideways_scroll(page)
    await shot(page, "demo-panel")
