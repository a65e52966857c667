"""Community events end to end: the real Application against the emulator over HTTP, with the
CLI and the chat as coordinators and residents use them."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from bot.cli import main
from bot.config import Settings
from bot.sandbox import BotApiEmulator, BotMessage
from surveys.clock import CLOCK, utcnow
from surveys.store import Store
from tests.support import AREAS, BotRunner
from tests.support.data import seed

ANNOUNCEMENT = "Will you come?"
MADRID = ZoneInfo("Europe/Madrid")
IN_A_WEEK = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%d")


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(events={"check_interval": 0.2})


def cli_config(tmp_path: Path, settings: Settings) -> Path:
    """The same community and database as the running bot, for `feedbackbot events`."""
    areas = "".join(f'[[areas]]\nid = "{a["id"]}"\nname = "{a["name"]}"\n' for a in AREAS)
    path = tmp_path / "cli.toml"
    path.write_text(
        f'[database]\npath = "{settings.database.path}"\n'
        '[community]\ntimezone = "Europe/Madrid"\nlanguages = ["en", "es"]\n'
        f'[delivery]\nquiet_hours = ""\n{areas}'
    )
    return path


async def events_cli(config: Path, *args: str) -> int:
    return await asyncio.to_thread(main, ["--config", str(config), "events", *args])


async def test_cli_event_is_announced_by_the_running_bot_to_its_audience_only(
    emulator: BotApiEmulator,
    run_bot: BotRunner,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """If a coordinator creates an event for North from the CLI while the bot runs, then the
    bot announces it on its own, with the answer and calendar buttons, to North's residents
    who did not mute event news; Riverside and the muted resident get nothing; an event
    created with --no-announce reaches nobody."""
    north, muted = await seed(settings, emulator, [7001, 7002], "north")
    (riverside,) = await seed(settings, emulator, [7003], "riverside")
    store = await Store.open(settings.database.path)
    await store.events.set_muted((await store.residents.by_telegram_id(7002)).id, True)  # type: ignore[union-attr]
    await store.close()
    config = cli_config(tmp_path, settings)
    async with run_bot():
        base = ["--starts", f"{IN_A_WEEK}T18:00", "--ends", "2h", "--place", "Library"]
        assert (
            await events_cli(config, "create", "--title", "Quiet one", *base, "--no-announce") == 0
        )
        code = await events_cli(
            config, "create", "--title", "Coffee with a cop", *base, "--areas", "north"
        )
        assert code == 0
        assert capsys.readouterr().out == "1\n2\n"
        announcement = await north.wait_for(ANNOUNCEMENT)
        assert "Coffee with a cop" in announcement.text and "Library" in announcement.text
        assert announcement.button_texts() == [
            "✅ Going",
            "🤔 Maybe",
            "❌ Can't go",
            "📅 Add to calendar",
        ]
        await emulator.wait_idle()
    assert not any(ANNOUNCEMENT in m.text for m in muted.transcript)
    assert not any(ANNOUNCEMENT in m.text for m in riverside.transcript)
    assert sum(ANNOUNCEMENT in m.text for m in north.transcript) == 1
    assert not any("Quiet one" in m.text for m in north.transcript)
    with sqlite3.connect(settings.database.path) as conn:  # nothing else is queued either
        rows = conn.execute("SELECT purpose, COUNT(*) FROM outbox GROUP BY purpose").fetchall()
    assert rows == [("event:2:announce", 1)]


async def answer_through_store(
    settings: Settings, user_id: int, event_id: int, choice: str
) -> None:
    """An answer as the RSVP buttons give it, written through the domain."""
    from bot.event_scheduling import event_policy
    from surveys.events.board import EventBoard
    from tests.support.events import TextMessages

    store = await Store.open(settings.database.path)
    try:
        board = EventBoard(store, event_policy(settings), TextMessages())
        resident = await store.residents.by_telegram_id(user_id)
        assert resident is not None
        await board.answer(event_id, resident, choice)  # type: ignore[arg-type]
    finally:
        await store.close()


def ics(message: BotMessage) -> Event:
    """The single VEVENT of a calendar file the bot sent."""
    assert message.kind == "document" and message.file_name is not None
    assert message.file_name.endswith(".ics")
    assert message.file_bytes is not None
    calendar = Calendar.from_ical(message.file_bytes)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Madrid"]
    (event,) = calendar.events
    return event


async def test_edit_and_cancel_notify_with_updated_calendar_files(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings, tmp_path: Path
) -> None:
    """If the place of an event changes and it is then cancelled, then residents going, maybe
    or waiting get each notice with a calendar file (same UID, SEQUENCE 1 then 2, the new
    place, STATUS:CANCELLED at the end); a resident who can't go gets neither."""
    going, maybe, waiting, cant = await seed(settings, emulator, [7101, 7102, 7103, 7104], "north")
    config = cli_config(tmp_path, settings)
    async with run_bot():
        base = ["--starts", f"{IN_A_WEEK}T18:00", "--ends", "2h", "--place", "Library"]
        assert (
            await events_cli(
                config, "create", "--title", "Street safety walk", *base, "--capacity", "1"
            )
            == 0
        )
        await going.wait_for(ANNOUNCEMENT, timeout=20)
        for user, choice in (
            (going, "going"),
            (maybe, "maybe"),
            (waiting, "going"),
            (cant, "cant"),
        ):
            await answer_through_store(settings, user.id, 1, choice)
        assert await events_cli(config, "edit", "1", "--place", "Town hall, room 2") == 0
        changed = {
            user.id: await user.wait_for("has changed", timeout=20)
            for user in (going, maybe, waiting)
        }
        for message in changed.values():
            entry = ics(message)
            assert str(entry["location"]) == "Town hall, room 2"
            assert int(entry["sequence"]) == 1 and str(entry["status"]) == "CONFIRMED"
            assert "Town hall, room 2" in message.text
        uid = str(ics(changed[going.id])["uid"])
        assert changed[going.id].file_name == f"{IN_A_WEEK} Street safety walk.ics"
        assert await events_cli(config, "cancel", "1") == 0
        for user in (going, maybe, waiting):
            notice = await user.wait_for("cancelled", timeout=20)
            entry = ics(notice)
            assert str(entry["uid"]) == uid
            assert int(entry["sequence"]) == 2 and str(entry["status"]) == "CANCELLED"
        await emulator.wait_idle()
    assert not any(m.kind == "document" for m in cant.transcript)


def next_spring_forward(after: datetime) -> date:
    """The next day on which Madrid's clocks go forward."""
    day = after.astimezone(MADRID).date() + timedelta(days=1)
    while True:
        noon = datetime.combine(day, time(12), tzinfo=MADRID)
        if noon.utcoffset() > (noon - timedelta(days=1)).utcoffset():  # type: ignore[operator]
            return day
        day += timedelta(days=1)


async def test_reminders_across_the_spring_daylight_saving_change(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings, tmp_path: Path
) -> None:
    """If an event is at 19:00 on the day Madrid's clocks go forward, then the day-before
    reminder arrives at 19:00 local the evening before (23 hours before, not at 18:00 as 24
    hours would be), and the 1 h reminder at 18:00 on the day, each once, only to those going
    or maybe."""
    going, maybe, cant = await seed(settings, emulator, [7201, 7202, 7203], "north")
    day = next_spring_forward(utcnow())
    config = cli_config(tmp_path, settings)
    async with run_bot() as app:
        scheduler = app.bot_data.services.events.scheduler  # type: ignore[union-attr]
        code = await events_cli(
            config,
            "create",
            "--title",
            "Spring meeting",
            "--starts",
            f"{day}T19:00",
            "--ends",
            "2h",
            "--place",
            "Library",
        )
        assert code == 0
        await going.wait_for(ANNOUNCEMENT, timeout=20)
        for user, choice in ((going, "going"), (maybe, "maybe"), (cant, "cant")):
            await answer_through_store(settings, user.id, 1, choice)
        # in UTC, so that subtracting hours is exact (aware arithmetic within one zone is not)
        start = datetime.combine(day, time(19), tzinfo=MADRID).astimezone(UTC)
        CLOCK.advance(start - timedelta(hours=24) - utcnow())  # 18:00 the evening before
        assert utcnow().astimezone(MADRID).hour == 18
        assert [h.kind for h in await scheduler.tick()] == []  # no reminder at 24 h
        with sqlite3.connect(settings.database.path) as conn:
            assert conn.execute("SELECT COUNT(*) FROM event_reminders").fetchone() == (0,)
        CLOCK.advance(timedelta(hours=1))  # 19:00 local, 23 hours before the start
        day_before = await going.wait_for("Reminder", timeout=20)
        assert "starts tomorrow" in day_before.text
        assert (await maybe.wait_for("Reminder", timeout=20)).text == day_before.text
        CLOCK.advance(start - timedelta(hours=1) - utcnow())
        last = await going.wait_for("starts in 1 hour", timeout=20)
        assert "19:00–21:00" in last.text
        await maybe.wait_for("starts in 1 hour", timeout=20)
        await emulator.wait_idle()
    assert sum("Reminder" in m.text for m in going.transcript) == 2
    assert not any("Reminder" in m.text for m in cant.transcript)
    with sqlite3.connect(settings.database.path) as conn:
        sent = conn.execute(
            "SELECT purpose, sent_at FROM outbox WHERE purpose LIKE 'event:1:remind:%' "
            "AND resident_id = 1 ORDER BY sent_at"
        ).fetchall()
    moments = [datetime.fromisoformat(at).astimezone(MADRID) for _, at in sent]
    assert [(m.date(), m.hour) for m in moments] == [
        (day - timedelta(days=1), 19),
        (day, 18),
    ]


async def test_feedback_round_opens_after_the_event_for_those_going(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings, tmp_path: Path
) -> None:
    """If an event ends, then an hour later a feedback round opens on its own: those who were
    going are invited and can answer it; a resident who only said maybe is not invited and
    cannot see it in /surveys."""
    going, maybe = await seed(settings, emulator, [7301, 7302], "north")
    config = cli_config(tmp_path, settings)
    async with run_bot():
        code = await events_cli(
            config,
            "create",
            "--title",
            "Coffee with a cop",
            "--starts",
            f"{IN_A_WEEK}T18:00",
            "--ends",
            "2h",
            "--place",
            "Library",
            "--partner",
            "Bakery",
        )
        assert code == 0
        await going.wait_for(ANNOUNCEMENT, timeout=20)
        await answer_through_store(settings, going.id, 1, "going")
        await answer_through_store(settings, maybe.id, 1, "maybe")
        end = datetime.combine(date.fromisoformat(IN_A_WEEK), time(20), tzinfo=MADRID)
        CLOCK.advance(end + timedelta(minutes=59) - utcnow())
        CLOCK.advance(timedelta(minutes=2))
        invitation = await going.wait_for("How was Coffee with a cop?", timeout=20)
        await going.press(invitation.button_texts()[0])
        await going.wait_for("Did you attend the event?", timeout=20)
        await going.press("Yes")
        await going.wait_for("How useful was it for you?", timeout=20)
        await maybe.send_command("surveys")
        listing = await maybe.next_reply(timeout=20)
        assert "Coffee" not in " ".join(listing.button_texts())
        await emulator.wait_idle()
    assert not any("How was" in m.text for m in maybe.transcript)
    with sqlite3.connect(settings.database.path) as conn:
        assert conn.execute(
            "SELECT r.invited_only, r.created_by, e.feedback_round_id = r.id FROM rounds r "
            "JOIN events e ON e.id = 1"
        ).fetchall() == [(1, "event:1", 1)]
