"""The outbox counts real send attempts only, and a message given up on reaches a person
(issue 9 item 1): the coordinators are told, ``feedbackbot delivery status`` lists it, and
``feedbackbot delivery retry`` sends it again."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.delivery import DeliveryPolicy
from bot.sandbox import BotApiEmulator, FloodLimits, SimUser
from surveys.models import OutboxMessage
from surveys.store import Store
from tests.support import COORDINATOR_ID, TEST_DELIVERY, TOKEN, BotRunner
from tests.support.data import query, seed, until_db


async def announce(settings: Settings, purpose: str, text: str) -> int:
    store = await Store.open(settings.database.path)
    try:
        return await store.outbox.enqueue_audience(purpose, OutboxMessage(text=text))
    finally:
        await store.close()


def texts(user: SimUser, prefix: str) -> list[str]:
    return [m.text for m in user.transcript if m.text.startswith(prefix)]


async def test_deferred_rows_keep_their_tries(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If six announcements wait for one resident's chat (1 message/s), then the last one sent
    was claimed and put back many times by pacing, yet one 502 on its turn does not use up its
    two tries: every announcement arrives once, and attempts count real sends only."""
    (user,) = await seed(settings, emulator, [8001], "north")
    for n in range(1, 7):
        await announce(settings, f"announce:test:{n}", f"News {n}")
    policy = DeliveryPolicy(poll_interval=0.05, max_attempts=2)
    async with run_bot(policy=policy):
        await emulator.wait_until(lambda: len(texts(user, "News")) == 5, timeout=20)
        emulator.fail_next("sendMessage", 1, status=502)
        await emulator.wait_until(lambda: len(texts(user, "News")) == 6, timeout=20)
    assert sorted(texts(user, "News")) == [f"News {n}" for n in range(1, 7)]
    rows = query(settings, "SELECT status, attempts FROM outbox ORDER BY attempts")
    assert rows == [("sent", 1)] * 5 + [("sent", 2)]


async def test_failures_reach_the_coordinators_and_the_status_view(
    emulator: BotApiEmulator,
    run_bot: BotRunner,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """If one resident blocked the bot and another's message fails every try, then the
    coordinator gets one notice counting both (by purpose, no names), a restart does not
    repeat it, `delivery status` lists both by pseudonym, and `delivery retry` sends the
    failed one."""
    blocked, unlucky = await seed(settings, emulator, [8101, 8102], "north")
    coordinator = emulator.user(COORDINATOR_ID)
    blocked.block()
    emulator.limits = FloodLimits(enabled=False)
    emulator.fail_next("sendMessage", 2, status=502, chat_id=unlucky.chat_id)
    await announce(settings, "announce:test:1", "Street party on Saturday")
    policy = DeliveryPolicy(poll_interval=0.05, max_attempts=2)
    async with run_bot(policy=policy):
        notice = await coordinator.wait_for("could not be delivered", timeout=20)
        await emulator.wait_idle()
    assert "2 messages could not be delivered" in notice.text
    assert "1 to residents who blocked the bot" in notice.text
    assert "announce:test:1: 2" in notice.text
    assert "8101" not in notice.text and "8102" not in notice.text
    async with run_bot(policy=policy):
        await emulator.wait_idle(settle=1.0)
    assert len(texts(coordinator, "2 messages could not")) == 1

    config = tmp_path / "cli.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\n[database]\npath = "{settings.database.path}"\n'
        '[community]\ntimezone = "Europe/Madrid"\n'
    )
    assert await asyncio.to_thread(main, ["--config", str(config), "delivery", "status"]) == 0
    out = capsys.readouterr().out
    pseudonyms = dict(query(settings, "SELECT telegram_user_id, pseudonym FROM residents"))
    assert "announce:test:1" in out and "failed (2 most recent of 2)" in out
    assert str(pseudonyms[8101]) in out and str(pseudonyms[8102]) in out
    assert "(unreachable)" in out and "502" not in out.split("(unreachable)")[0].splitlines()[-1]
    assert "8101" not in out and "8102" not in out

    (failed_id,) = query(
        settings,
        "SELECT o.id FROM outbox o JOIN residents r ON r.id = o.resident_id "
        "WHERE r.telegram_user_id = 8102",
    )
    retry = ["--config", str(config), "delivery", "retry", str(failed_id[0])]
    assert await asyncio.to_thread(main, retry) == 0
    async with run_bot(policy=TEST_DELIVERY):
        await unlucky.wait_for("Street party on Saturday", timeout=15)
        await until_db(
            settings,
            "SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status",
            [("failed", 1), ("sent", 1)],
        )
    assert texts(blocked, "Street") == []
    with sqlite3.connect(settings.database.path) as conn:
        audit = conn.execute("SELECT action FROM audit_log").fetchall()
    assert ("delivery.retry",) in audit
