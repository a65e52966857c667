"""The admin's export in the sandbox page: files arrive as downloads with their names, the
chart inline."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from bot.sandbox.community import DEMO_TELEGRAM_BASE
from bot.sandbox.session import RunningSandbox
from tests.browser.cdp import Page
from tests.browser.steps import bot_says, choose_person, press, send


async def test_admin_downloads_export(page: Page, sandbox: RunningSandbox, shot: Any) -> None:
    """If the admin asks for an XLSX export of a past round, then the page offers the file as
    a download under its name, the browser saves a workbook without Telegram ids, and the
    chart shows inline."""
    admin = next(p for p in sandbox.cast.all() if p.role == "admin")
    await choose_person(page, admin.key, admin.name)
    await send(page, "/export")
    await bot_says(page, "which round, or all rounds of a survey?")
    await press(page, "Round #3: Community trust and safety", then="Which format?")
    await press(page, "XLSX")
    link = "document.querySelector('#messages li.bot a.file')"
    name = await page.wait_for(f"{link} && {link}.download", what="the exported file", timeout=90)
    assert name.endswith(".xlsx")
    assert (await page.evaluate(f"{link}.textContent")).startswith(name)
    await page.wait_for(
        "[...document.querySelectorAll('#messages img.photo')].some("
        "(img) => img.complete && img.naturalWidth > 100)",
        what="the chart, shown inline",
        timeout=90,
    )
    await shot(page, "export")
    await page.click("#messages li.bot a.file")
    (download,) = await page.wait_download(1)
    assert download.name == name
    workbook = openpyxl.load_workbook(io.BytesIO(download.read()), read_only=True)
    cells = [
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert len(workbook.sheetnames) >= 2 and len(cells) > 50
    assert not any(str(DEMO_TELEGRAM_BASE)[:6] in cell for cell in cells), "no Telegram ids"
