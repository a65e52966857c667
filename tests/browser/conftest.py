"""Browser tests: headless Chromium (from Debian's ``chromium`` package) drives the sandbox page.

Without a browser these tests are skipped, except under ``CI=true`` where a missing browser fails
the run: CI must prove the page works. Screenshots of every step land in
``artifacts/browser/`` at the top of the repository.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.sandbox.community import demo_settings
from bot.sandbox.session import RunningSandbox, open_sandbox
from tests.browser.cdp import Chromium, DevTools, Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "browser"
# Small enough to seed in a second, large enough that results clear min_group_size.
DEMO_RESIDENTS = 80


def chromium_executable() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One headless Chromium for the session (each test gets its own browser context)."""
    executable = chromium_executable()
    if executable is None:
        message = "no Chromium found (apt-get install chromium, or set CHROMIUM=/path)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)
    browser = Chromium(executable, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield browser.start()
    finally:
        browser.stop()


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[RunningSandbox]:
    """The sandbox with the demo community, on a free port."""
    async with open_sandbox(
        demo_settings(), tmp_path / "sandbox.sqlite3", port=0, residents=DEMO_RESIDENTS
    ) as running:
        yield running


@pytest.fixture
async def page(chromium: str, sandbox: RunningSandbox, tmp_path: Path) -> AsyncIterator[Page]:
    """A fresh tab on the sandbox page; the test fails if the page logged any error."""
    devtools = DevTools()
    await devtools.connect(chromium)
    tab = await Page.open(devtools, tmp_path / "downloads")
    try:
        await tab.goto(sandbox.url)
        await tab.wait_for("document.body.dataset.ready === 'true'", what="the chat to connect")
        yield tab
        assert tab.problems == [], "the page logged errors:\n" + "\n".join(tab.problems)
    finally:
        await tab.close()
        await devtools.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> object:
    """``await shot(page, "step")`` saves artifacts/browser/<test>-<nn>-<step>.png."""
    counter = iter(range(1, 100))
    test = request.node.name

    async def take(tab: Page, step: str) -> Path:
        return await tab.screenshot(SCREENSHOTS / f"{test}-{next(counter):02d}-{step}.png")

    return take
