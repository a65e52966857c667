"""A weekly round keeps its local time across a daylight-saving change (issue 9 item 6), in
the running bot with the shared clock moved forward."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.sandbox import BotApiEmulator
from surveys.clock import CLOCK, from_db, utcnow
from surveys.registry import SurveyRegistry
from surveys.rounds import create_round
from surveys.store import Store
from tests.support import INVITATION, SURVEY, BotRunner
from tests.support.chat import received
from tests.support.data import query, seed, until_db

MADRID = ZoneInfo("Europe/Madrid")


def _first_monday_before_spring_change(after: datetime) -> datetime:
    """18:00 Madrid on the Monday six days before the last Sunday of March (the change)."""
    year = after.astimezone(MADRID).year + 1
    change = datetime(year, 3, 31)
    while change.weekday() != 6:
        change -= timedelta(days=1)
    return (change - timedelta(days=6)).replace(hour=18, tzinfo=MADRID)


async def test_weekly_round_comes_back_at_the_same_local_time_after_the_change(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a weekly round opens on Monday at 18:00 in Madrid the week before the clocks go
    forward, then the bot opens the next one the following Monday at 18:00 local (16:00 UTC,
    not 17:00 UTC), and invites the residents again."""
    (user,) = await seed(settings, emulator, [6601], "north")
    first = _first_monday_before_spring_change(utcnow())
    store = await Store.open(settings.database.path)
    try:
        registry = SurveyRegistry(store, settings.community.languages)
        await create_round(
            store,
            registry,
            SURVEY,
            opens_at=first,
            closes_at=first + timedelta(hours=1),
            recurrence="weekly",
            zone=settings.community.zone,
        )
    finally:
        await store.close()
    async with run_bot():
        CLOCK.advance(first - utcnow() + timedelta(seconds=1))
        await user.wait_for(INVITATION, timeout=15)
        CLOCK.advance(timedelta(hours=1))
        await until_db(settings, "SELECT COUNT(*) FROM rounds", [(2,)])
        (opens,) = query(settings, "SELECT opens_at FROM rounds WHERE id = 2")[0]
        second = from_db(str(opens))
        CLOCK.advance(second - utcnow() + timedelta(seconds=1))
        await emulator.wait_until(lambda: received(user, INVITATION) == 2, timeout=15)
    assert second.astimezone(MADRID).replace(tzinfo=None) == (first + timedelta(days=7)).replace(
        tzinfo=None
    )
    assert second - first == timedelta(days=7, hours=-1)
