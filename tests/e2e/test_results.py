"""Results in chat: coordinators' headlines, admins' exports, and "You said, we did"."""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile

import openpyxl

from bot.config import Settings
from bot.context import FeedbackApplication
from bot.sandbox import BotApiEmulator
from surveys.answering import Answering
from surveys.models import Resident
from tests.support import ADMIN_ID, COORDINATOR_ID, INVITATION, BotRunner
from tests.support.chat import received
from tests.support.data import plan, seed

# Distinctive Telegram ids, so finding one in an export cannot be a coincidence.
PEOPLE = [913572468 + i for i in range(6)]
ANSWERS = {
    "safety": 7,
    "respect": 8,
    "listen": 6,
    "job": 1,
    "rely": 4,
    "fair": 4,
    "understand": 5,
    "deal": 3,
    "confidence": 4,
    "meeting": 0,
}


async def answer_everything(answering: Answering, resident: Resident, round_id: int) -> None:
    """Answer the built-in survey through the domain (the chat path is tested elsewhere)."""
    state = await answering.start(resident, round_id)
    while state.question is not None:
        qid, rev = state.question.id, state.response.revision
        pos = state.definition.position(qid)
        if qid == "concerns":
            state = await answering.toggle(resident, state.response.id, rev, pos, 3)
            state = await answering.done(resident, state.response.id, state.response.revision, pos)
        elif qid == "top_problem":
            state = await answering.answer_typed(state, "Speeding near the school", "en")
        else:
            state = await answering.answer_button(
                resident, state.response.id, rev, pos, ANSWERS[qid]
            )


async def closed_round(
    app: FeedbackApplication, settings: Settings, emulator: BotApiEmulator
) -> int:
    services = app.bot_data.services
    assert services is not None
    users = [u for u in emulator.users.values() if u.id in PEOPLE]
    await emulator.wait_until(lambda: all(received(u, INVITATION) for u in users), timeout=10)
    (round_,) = await services.store.rounds.find(["open"])
    for user in users:
        resident = await services.store.residents.by_telegram_id(user.id)
        assert resident is not None
        await answer_everything(services.answering, resident, round_.id)
    await services.store.rounds.close(round_.id)
    return round_.id


async def test_results_export_and_digest(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a round closes with 6 respondents (5 North, 1 Riverside), then coordinators get a
    summary and headlines, an admin exports an XLSX without Telegram ids, and participants
    receive the digest with the coordinator's note; residents may do none of it."""
    await seed(settings, emulator, PEOPLE[:5], "north")
    await seed(settings, emulator, PEOPLE[5:], "riverside")
    await plan(settings, closes_in=3600)
    coordinator, admin = emulator.user(COORDINATOR_ID), emulator.user(ADMIN_ID)
    async with run_bot() as app:
        round_id = await closed_round(app, settings, emulator)
        summary = await coordinator.wait_for(f"Round #{round_id} closed")
        assert "Completed: 6" in summary.text and "Partial: 0" in summary.text
        assert "Response rate (AAPOR RR1): 100%" in summary.text

        await coordinator.send_command("results")
        headline = await coordinator.wait_for(f"#{round_id} Community trust and safety")
        assert "Invited 6 · delivered 6 · completed 6 · partial 0" in headline.text
        assert "RR1 100% · RR2 100% (AAPOR)" in headline.text
        assert "Trust" in headline.text and "n=6" in headline.text
        assert "not a random sample" in headline.text

        await admin.send_command("export")
        await admin.wait_for("which round")
        await admin.press(f"Round #{round_id}: Community trust and safety")
        await admin.wait_for("Which format?")
        await admin.press("XLSX")
        # The export runs in a child process at nice +10: on a busy machine it takes a while.
        document = await admin.wait_for(lambda m: m.kind == "document", timeout=60)
        chart = await admin.wait_for(lambda m: m.kind == "photo", timeout=30)
        assert document.file_bytes is not None and document.file_name is not None
        assert re.fullmatch(
            rf"community-trust-safety_round-{round_id}_\d{{4}}-\d\d-\d\d\.xlsx",
            document.file_name,
        )
        workbook = openpyxl.load_workbook(io.BytesIO(document.file_bytes), read_only=True)
        assert workbook.sheetnames[:2] == ["README", "codebook"]
        assert "summary" in workbook.sheetnames
        for user_id in PEOPLE:
            assert str(user_id).encode() not in _unzipped(document.file_bytes)
        assert "Export of #" in chart.text

        resident = emulator.user(PEOPLE[0])
        for command in ("results", "export", "wedid"):
            await resident.send_command(command)
            await resident.wait_for("only for partnership coordinators")

        await coordinator.send_text(f"/wedid {round_id} Extra patrols near the school from May.")
        preview = await coordinator.wait_for("residents who took part")
        assert "6 residents" in preview.text and "Extra patrols" in preview.text
        await coordinator.press("Send")
        await coordinator.wait_for("Queued for 6 participants")
        digest = await resident.wait_for("You said, we did")
        assert "Extra patrols near the school from May." in digest.text
        assert "Trust" in digest.text
        await emulator.wait_idle()
    assert emulator.unanswered_callback_queries() == []


def _unzipped(xlsx: bytes) -> bytes:
    """All XML inside the XLSX, where any id would appear as text."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


async def test_wedid_refuses_an_open_round(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If /wedid names an open or unknown round, or has no text, then it explains and sends
    nothing."""
    await seed(settings, emulator, [8100], "north")
    round_id = await plan(settings, closes_in=3600)
    coordinator = emulator.user(COORDINATOR_ID)
    async with run_bot():
        await emulator.user(8100).wait_for(INVITATION)
        await coordinator.send_text(f"/wedid {round_id} Thanks")
        await coordinator.wait_for("is not closed yet")
        await coordinator.send_text("/wedid 99 Thanks")
        await coordinator.wait_for("There is no round #99")
        await coordinator.send_text("/wedid")
        await coordinator.wait_for("Usage: /wedid")
    with sqlite3.connect(settings.database.path) as conn:
        digests = conn.execute("SELECT COUNT(*) FROM outbox WHERE purpose LIKE 'digest:%'")
        assert digests.fetchone() == (0,)
