"""Survey rounds end to end: targeting, delivery under Telegram's limits, blocked residents,
restarts between opening and closing, catch-up after downtime, quiet hours, and a crash."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.sandbox import BotApiEmulator, FloodLimits
from surveys.clock import CLOCK, utcnow
from tests.support import COORDINATOR_ID, INVITATION, REMINDER, SURVEY, BotRunner
from tests.support.chat import onboard, received
from tests.support.data import plan, query, seed, until_db
from tests.support.process import write_config


async def test_blocked_residents_become_unreachable(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If 5 of 50 invited residents blocked the bot, then 45 invitations arrive and the 5 are
    marked unreachable, under the emulator's default flood limits."""
    users = await seed(settings, emulator, range(5000, 5050), "north")
    for user in users[:5]:
        user.block()
    round_id = await plan(settings)
    async with run_bot():
        await emulator.wait_until(
            lambda: sum(received(u, INVITATION) for u in users) == 45,
            timeout=15,
            message="45 invitations were not delivered",
        )
        await until_db(
            settings,
            "SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status",
            [("failed", 5), ("sent", 45)],
        )
    assert all(received(u, INVITATION) == 0 for u in users[:5])
    assert all(received(u, INVITATION) == 1 for u in users[5:])
    unreachable = query(
        settings,
        "SELECT telegram_user_id FROM residents WHERE unreachable_at IS NOT NULL ORDER BY 1",
    )
    assert unreachable == [(i,) for i in range(5000, 5005)]
    assert query(
        settings, "SELECT COUNT(*) FROM outbox WHERE purpose = ?", f"invite:{round_id}"
    ) == [(50,)]


async def test_flood_control_still_delivers_everything_once(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If Telegram answers 429 because the overall limit is lower than the worker's pace, then
    every invitation still arrives exactly once."""
    users = await seed(settings, emulator, range(5100, 5140), "north")
    emulator.limits = FloodLimits(overall_per_second=10.0)
    await plan(settings)
    async with run_bot():
        await emulator.wait_until(
            lambda: all(received(u, INVITATION) for u in users),
            timeout=20,
            message="not every resident was invited",
        )
        await emulator.wait_idle()
    assert emulator.stats.rate_limited_total > 0
    assert [received(u, INVITATION) for u in users] == [1] * len(users)
    assert query(settings, "SELECT status, COUNT(*) FROM outbox GROUP BY status") == [("sent", 40)]


async def test_audience_areas_and_newcomers(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a round is for North only, then Riverside residents get nothing, and someone who
    joins North while it is open is invited too."""
    north = await seed(settings, emulator, [5200, 5201], "north")
    riverside = await seed(settings, emulator, [5210, 5211], "riverside")
    await plan(settings, areas=("north",))
    async with run_bot():
        await emulator.wait_until(lambda: all(received(u, INVITATION) for u in north))
        newcomer = emulator.user(5220)
        await onboard(newcomer, area="North")
        await newcomer.wait_for(INVITATION)
        await emulator.wait_idle()
    assert all(received(u, INVITATION) == 0 for u in riverside)
    assert [received(u, INVITATION) for u in north] == [1, 1]


async def test_interactive_replies_do_not_wait_for_a_broadcast(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a broadcast to 120 residents is draining (several seconds at 28/s), then a resident's
    /help is answered while invitations are still pending."""
    users = await seed(settings, emulator, range(5300, 5420), "north")
    await plan(settings)
    async with run_bot():
        await emulator.wait_until(lambda: any(received(u, INVITATION) for u in users))
        asker = users[-1]
        await asker.send_command("help")
        await asker.wait_for("What I can do", timeout=2)
        delivered_when_answered = sum(received(u, INVITATION) for u in users)
        await emulator.wait_until(lambda: all(received(u, INVITATION) for u in users), timeout=20)
    assert delivered_when_answered < len(users) / 2


async def test_restart_between_open_and_close(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If the bot is down when a reminder is due, then after a restart the reminder still goes
    to those who have not completed, the round still closes, and coordinators get a summary.
    The demo clock moves the time on while the bot is down, so the test does not race it."""
    users = await seed(settings, emulator, [5500, 5501], "north")
    coordinator = emulator.user(COORDINATOR_ID)
    round_id = await plan(settings, remind=(600,), closes_in=1200)
    async with run_bot():
        await emulator.wait_until(lambda: all(received(u, INVITATION) for u in users))
    assert query(settings, "SELECT reminders_done FROM rounds") == [(0,)]
    CLOCK.advance(timedelta(seconds=601))  # the reminder falls due while the bot is down
    async with run_bot():
        await emulator.wait_until(
            lambda: all(received(u, REMINDER) for u in users),
            message="no reminder after the restart",
        )
        CLOCK.advance(timedelta(seconds=600))  # and the round closes
        summary = await coordinator.wait_for(f"Round #{round_id} closed")
    # Two residents are fewer than min_group_size (3): the summary hides their counts.
    assert "Invited: hidden (fewer than 3)" in summary.text
    assert "Response rate (AAPOR RR1): hidden (fewer than 3)" in summary.text
    assert query(
        settings, "SELECT status, reminders_done, summary_sent_at IS NOT NULL FROM rounds"
    ) == [("closed", 1, 1)]
    assert [received(u, REMINDER) for u in users] == [1, 1]


async def test_times_missed_while_down_are_caught_up(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If the bot was down across a reminder and the close, then at start the round closes,
    the summary is sent, and the reminder (now after the close) is skipped."""
    users = await seed(settings, emulator, [5600], "north")
    coordinator = emulator.user(COORDINATOR_ID)
    round_id = await plan(settings, remind=(600,), closes_in=1200)
    async with run_bot():
        await emulator.wait_until(lambda: received(users[0], INVITATION) == 1)
    CLOCK.advance(timedelta(seconds=1201))  # the reminder and the close pass while it is down
    async with run_bot():
        await coordinator.wait_for(f"Round #{round_id} closed")
        await emulator.wait_idle()
    assert received(users[0], REMINDER) == 0
    assert query(settings, "SELECT status, reminders_done FROM rounds") == [("closed", 1)]


async def test_late_opening_still_opens(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a round's opening time passed while the bot was down, then it opens at start."""
    users = await seed(settings, emulator, [5700], "north")
    await plan(settings, opens_in=-600, closes_in=3600)
    async with run_bot():
        await users[0].wait_for(INVITATION)
    assert query(settings, "SELECT status FROM rounds") == [("open",)]


async def test_quiet_hours_defer_invitations(
    emulator: BotApiEmulator, run_bot: BotRunner, make_settings: object
) -> None:
    """If the round opens during quiet hours, then invitations wait for their end."""
    now = utcnow().astimezone(ZoneInfo("Europe/Madrid"))
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    end = (now + timedelta(hours=2)).strftime("%H:%M")
    settings: Settings = make_settings(delivery={"quiet_hours": f"{start}-{end}"})  # type: ignore[operator]
    users = await seed(settings, emulator, [5800], "north")
    await plan(settings)
    async with run_bot(settings):
        await until_db(settings, "SELECT status FROM rounds", [("open",)])
        await emulator.wait_idle()
    assert received(users[0], INVITATION) == 0
    (not_before,) = query(settings, "SELECT not_before FROM outbox")[0]
    assert str(not_before) > (utcnow() + timedelta(minutes=90)).isoformat()


async def test_sigkill_mid_delivery_loses_nothing(
    emulator: BotApiEmulator, tmp_path: Path, make_settings: object
) -> None:
    """If the bot is killed with SIGKILL in the middle of a broadcast and restarted, then every
    resident is invited and at most `concurrency` (8) invitations arrive twice; a round created
    from the CLI while the bot runs is picked up within 5 seconds."""
    settings: Settings = make_settings(database={"path": str(tmp_path / "crash.sqlite3")})  # type: ignore[operator]
    users = await seed(settings, emulator, range(6000, 6080), "north")
    config = write_config(
        tmp_path / "config.toml", emulator, settings.database.path, rate_per_second=10.0
    )
    command = [sys.executable, "-m", "bot", "--config", str(config)]

    async def start() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            *command, "run", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )

    bot = await start()
    try:
        await emulator.wait_until(
            lambda: emulator.stats.requests["setMyCommands"] > 0,
            timeout=15,
            message="the bot did not start",
        )
        created = await asyncio.create_subprocess_exec(
            *command,
            "rounds",
            "create",
            "--survey",
            SURVEY,
            "--closes",
            "2h",
            stdout=asyncio.subprocess.DEVNULL,
        )
        assert await created.wait() == 0
        created_at = time.monotonic()
        await emulator.wait_until(
            lambda: any(received(u, INVITATION) for u in users),
            timeout=6,
            message="the CLI round was not picked up",
        )
        assert time.monotonic() - created_at < 5
        await emulator.wait_until(
            lambda: sum(received(u, INVITATION) for u in users) >= 25, timeout=10
        )
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        before = sum(received(u, INVITATION) for u in users)
        assert before < len(users), "the kill came too late to test anything"
        bot = await start()
        await emulator.wait_until(
            lambda: all(received(u, INVITATION) for u in users),
            timeout=30,
            message="not every resident was invited",
        )
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), 20) == 0
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()
    counts = [received(u, INVITATION) for u in users]
    duplicates = sum(count - 1 for count in counts)
    print(f"killed after {before} of {len(users)} invitations; {duplicates} duplicates")
    assert min(counts) == 1
    assert duplicates <= 8
    assert query(settings, "SELECT status, COUNT(*) FROM outbox GROUP BY status") == [("sent", 80)]
