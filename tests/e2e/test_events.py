"""Community events end to end: the real Application against the emulator over HTTP, with the
CLI and the chat as coordinators and residents use them."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from bot.cli import main
from bot.config import Settings
from bot.sandbox import BotApiEmulator, BotMessage, SimUser
from surveys.clock import CLOCK, utcnow
from surveys.export import document_model
from surveys.store import Store
from tests.support import AREAS, COORDINATOR_ID, BotRunner
from tests.support.chat import onboard
from tests.support.data import onboarded, seed

ANNOUNCEMENT = "Will you come?"
GOING, MAYBE, CANT, CALENDAR = "✅ Going", "🤔 Maybe", "❌ Can't go", "📅 Add to calendar"
MADRID = ZoneInfo("Europe/Madrid")
IN_A_WEEK = (utcnow() + timedelta(days=7)).astimezone(MADRID).strftime("%Y-%m-%d")
WAIT = 20.0  # seconds: scheduled work is noticed at the next check, under any machine load


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
        f"[privacy]\nmin_group_size = {settings.privacy.min_group_size}\n"
        f'[delivery]\nquiet_hours = ""\n{areas}'
    )
    return path


async def events_cli(config: Path, *args: str) -> int:
    return await asyncio.to_thread(main, ["--config", str(config), "events", *args])


async def create_event(config: Path, title: str, *extra: str, day: str = IN_A_WEEK) -> None:
    """`feedbackbot events create` at 18:00 for two hours in the Library."""
    base = ["--starts", f"{day}T18:00", "--ends", "2h", "--place", "Library"]
    assert await events_cli(config, "create", "--title", title, *base, *extra) == 0


async def answer(user: SimUser, label: str, expected: str) -> BotMessage:
    """Press an answer on the latest message that has it (waiting for the announcement if it
    has not arrived yet); the card then shows ``expected``."""
    if not any(label in message.button_texts() for message in user.transcript):
        await user.wait_for(lambda message: label in message.button_texts(), timeout=WAIT)
    await user.press(label)
    return await user.wait_for(expected, timeout=WAIT)


async def press_answer(
    emulator: BotApiEmulator, user: SimUser, label: str = "", *, data: str = ""
) -> str:
    """Press a button (by label, or forged ``data``) and return the bot's short answer."""
    query = await (user.press_data(data) if data else user.press(label))
    await emulator.wait_until(lambda: emulator.callback_answer(query) is not None, timeout=WAIT)
    answer = emulator.callback_answer(query)
    assert answer is not None
    return str(answer["text"])


def ics(message: BotMessage) -> Event:
    """The single VEVENT of a calendar file the bot sent, with the community's VTIMEZONE."""
    assert message.kind == "document" and message.file_name is not None
    assert message.file_name.endswith(".ics")
    assert message.file_bytes is not None
    calendar = Calendar.from_ical(message.file_bytes)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Madrid"]
    (event,) = calendar.events
    return event


def walk(value: object) -> Iterator[dict[str, Any]]:
    """Every JSON object inside ``value``."""
    if isinstance(value, dict):
        yield value
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from walk(item)


def count(settings: Settings, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(settings.database.path) as conn:
        return conn.execute(sql, params).fetchall()


async def test_cli_event_is_announced_to_its_audience_only_and_respects_the_mute(
    emulator: BotApiEmulator,
    run_bot: BotRunner,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """If a coordinator creates an event for North from the CLI while the bot runs, then the
    bot announces it on its own, with the answer and calendar buttons, to North's residents
    who did not turn event announcements off in /settings; Riverside and the muted resident
    get nothing; an event created with --no-announce reaches nobody."""
    north, muted = await seed(settings, emulator, [7001, 7002], "north")
    (riverside,) = await seed(settings, emulator, [7003], "riverside")
    config = cli_config(tmp_path, settings)
    async with run_bot():
        await muted.send_command("settings")
        await muted.wait_for("Event announcements: on")
        await muted.press("🔕 Turn event announcements off")
        screen = await muted.wait_for("Event announcements: off")
        assert "🔔 Turn event announcements on" in screen.button_texts()
        await create_event(config, "Quiet one", "--no-announce")
        await create_event(config, "Coffee with a cop", "--areas", "north")
        assert capsys.readouterr().out == "1\n2\n"
        announcement = await north.wait_for(ANNOUNCEMENT, timeout=WAIT)
        assert "Coffee with a cop" in announcement.text and "Library" in announcement.text
        assert announcement.button_texts() == [GOING, MAYBE, CANT, CALENDAR]
        await emulator.wait_idle()
    assert not any(ANNOUNCEMENT in m.text for m in muted.transcript)
    assert not any(ANNOUNCEMENT in m.text for m in riverside.transcript)
    assert sum(ANNOUNCEMENT in m.text for m in north.transcript) == 1
    assert not any("Quiet one" in m.text for m in north.transcript)
    # nothing else is queued either
    assert count(settings, "SELECT purpose, COUNT(*) FROM outbox GROUP BY purpose") == [
        ("event:2:announce", 1)
    ]
    assert emulator.unanswered_callback_queries() == []


async def test_answer_change_events_list_and_calendar_file(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings, tmp_path: Path
) -> None:
    """If a resident answers Going on the announcement and then Maybe, then the card shows
    their current answer, /events lists the event with it, and the calendar button sends an
    .ics file in the community's zone that icalendar reads back."""
    (resident,) = await seed(settings, emulator, [7051], "north")
    config = cli_config(tmp_path, settings)
    async with run_bot():
        await create_event(config, "Coffee with a cop", "--capacity", "30")
        await resident.wait_for(ANNOUNCEMENT, timeout=WAIT)
        card = await answer(resident, GOING, "Your answer: going")
        assert f"✓ {GOING}" in card.button_texts()
        card = await answer(resident, MAYBE, "Your answer: maybe")
        assert f"✓ {MAYBE}" in card.button_texts() and "Places left: 30" in card.text
        await resident.send_command("events")
        listed = await resident.wait_for("Coffee with a cop", timeout=WAIT)
        assert "Your answer: maybe" in listed.text
        await resident.press(CALENDAR, message_id=listed.message_id)
        document = await resident.wait_for(lambda m: m.kind == "document", timeout=WAIT)
        entry = ics(document)
        assert str(entry["summary"]) == "Coffee with a cop"
        assert entry.decoded("dtstart") == datetime.combine(
            date.fromisoformat(IN_A_WEEK), time(18), tzinfo=MADRID
        )
        assert int(entry["sequence"]) == 0 and str(entry["status"]) == "CONFIRMED"
        assert document.file_name == f"{IN_A_WEEK} Coffee with a cop.ics"
        await emulator.wait_idle()
    assert count(settings, "SELECT status FROM rsvps") == [("maybe",)]
    assert emulator.unanswered_callback_queries() == []


async def test_concurrent_presses_never_overbook_and_the_waiting_list_moves_up(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings, tmp_path: Path
) -> None:
    """If twelve residents press Going at the same moment for three places, then exactly three
    get a place and nine wait in order; when one with a place says Can't go, the first on the
    waiting list gets the place and is told; the coordinator sees counts and positions,
    never who."""
    users = await seed(settings, emulator, range(7100, 7112), "north")
    coordinator = emulator.user(COORDINATOR_ID)
    config = cli_config(tmp_path, settings)
    async with run_bot():
        await create_event(config, "Station open day", "--capacity", "3")
        await asyncio.gather(*(u.wait_for(ANNOUNCEMENT, timeout=WAIT) for u in users))
        await asyncio.gather(*(u.press(GOING) for u in users))
        await asyncio.gather(*(u.wait_for("Your answer: going", timeout=WAIT) for u in users))
        rows = count(settings, "SELECT status, COUNT(*) FROM rsvps GROUP BY status ORDER BY 1")
        assert rows == [("going", 3), ("waiting", 9)]
        by_resident = {u.id: u for u in users}
        (leaver,) = count(
            settings,
            "SELECT r.telegram_user_id FROM rsvps v JOIN residents r ON r.id = v.resident_id "
            "WHERE v.status = 'going' LIMIT 1",
        )
        (first,) = count(
            settings,
            "SELECT r.telegram_user_id FROM rsvps v JOIN residents r ON r.id = v.resident_id "
            "WHERE v.status = 'waiting' ORDER BY v.waiting_seq LIMIT 1",
        )
        await answer(by_resident[int(leaver[0])], CANT, "Your answer: can't go")  # type: ignore[call-overload]
        told = await by_resident[int(first[0])].wait_for("A place has freed up", timeout=WAIT)  # type: ignore[call-overload]
        assert "Station open day" in told.text
        await coordinator.send_command("events")
        overview = await coordinator.wait_for("Upcoming events", timeout=WAIT)
        assert "Going 3/3 · Maybe 0 · Can't go 1 · Waiting 8" in overview.text
        assert "Waiting list: #1 since" in overview.text and "#8 since" in overview.text
        assert not any(str(u.id) in overview.text for u in users)
        await emulator.wait_idle()
    rows = count(settings, "SELECT status, COUNT(*) FROM rsvps GROUP BY status ORDER BY 1")
    assert rows == [("cant", 1), ("going", 3), ("waiting", 8)]
    promoted = [u for u in users if any("A place has freed up" in m.text for m in u.transcript)]
    assert [u.id for u in promoted] == [int(first[0])]  # type: ignore[call-overload]
    assert emulator.unanswered_callback_queries() == []


async def test_edit_and_cancel_notify_with_updated_calendar_files(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings, tmp_path: Path
) -> None:
    """If the place of an event changes and it is then cancelled, then residents going, maybe
    or waiting get each notice with a calendar file (same UID, SEQUENCE 1 then 2, the new
    place, STATUS:CANCELLED at the end); a resident who can't go gets neither."""
    going, maybe, waiting, cant = await seed(settings, emulator, [7201, 7202, 7203, 7204], "north")
    config = cli_config(tmp_path, settings)
    async with run_bot():
        await create_event(config, "Street safety walk", "--capacity", "1")
        await going.wait_for(ANNOUNCEMENT, timeout=WAIT)
        await answer(going, GOING, "Your answer: going")
        await answer(maybe, MAYBE, "Your answer: maybe")
        await answer(waiting, GOING, "waiting list")
        await answer(cant, CANT, "Your answer: can't go")
        await waiting.press(CALENDAR)
        before = ics(await waiting.wait_for(lambda m: m.kind == "document", timeout=WAIT))
        assert await events_cli(config, "edit", "1", "--place", "Town hall, room 2") == 0
        changed = {
            user.id: await user.wait_for("has changed", timeout=WAIT)
            for user in (going, maybe, waiting)
        }
        for message in changed.values():
            entry = ics(message)
            assert str(entry["location"]) == "Town hall, room 2"
            assert int(entry["sequence"]) == 1 and str(entry["status"]) == "CONFIRMED"
            assert str(entry["uid"]) == str(before["uid"])
            assert "Town hall, room 2" in message.text
        assert changed[going.id].file_name == f"{IN_A_WEEK} Street safety walk.ics"
        assert await events_cli(config, "cancel", "1") == 0
        for user in (going, maybe, waiting):
            entry = ics(await user.wait_for("cancelled", timeout=WAIT))
            assert str(entry["uid"]) == str(before["uid"])
            assert int(entry["sequence"]) == 2 and str(entry["status"]) == "CANCELLED"
        assert await press_answer(emulator, going, MAYBE) == "This event has been cancelled."
        await emulator.wait_idle()
    assert not any(m.kind == "document" for m in cant.transcript)
    assert emulator.unanswered_callback_queries() == []


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
    going, maybe, cant = await seed(settings, emulator, [7301, 7302, 7303], "north")
    day = next_spring_forward(utcnow())
    config = cli_config(tmp_path, settings)
    async with run_bot() as app:
        scheduler = app.bot_data.services.events.scheduler  # type: ignore[union-attr]
        code = await events_cli(
            config,
            *("create", "--title", "Spring meeting", "--starts", f"{day}T19:00"),
            *("--ends", "2h", "--place", "Library"),
        )
        assert code == 0
        await going.wait_for(ANNOUNCEMENT, timeout=WAIT)
        await answer(going, GOING, "Your answer: going")
        await answer(maybe, MAYBE, "Your answer: maybe")
        await answer(cant, CANT, "Your answer: can't go")
        # in UTC, so that subtracting hours is exact (aware arithmetic within one zone is not)
        start = datetime.combine(day, time(19), tzinfo=MADRID).astimezone(UTC)
        CLOCK.advance(start - timedelta(hours=24) - utcnow())  # 18:00 the evening before
        assert utcnow().astimezone(MADRID).hour == 18
        assert [h.kind for h in await scheduler.tick()] == []  # no reminder at 24 h
        assert count(settings, "SELECT COUNT(*) FROM event_reminders") == [(0,)]
        CLOCK.advance(timedelta(hours=1))  # 19:00 local, 23 hours before the start
        day_before = await going.wait_for("Reminder", timeout=WAIT)
        assert "starts tomorrow" in day_before.text
        assert (await maybe.wait_for("Reminder", timeout=WAIT)).text == day_before.text
        CLOCK.advance(start - timedelta(hours=1) - utcnow())
        last = await going.wait_for("starts in 1 hour", timeout=WAIT)
        assert "19:00–21:00" in last.text
        await maybe.wait_for("starts in 1 hour", timeout=WAIT)
        await emulator.wait_idle()
    assert sum("Reminder" in m.text for m in going.transcript) == 2
    assert not any("Reminder" in m.text for m in cant.transcript)
    sent = count(
        settings,
        "SELECT o.sent_at FROM outbox o JOIN residents r ON r.id = o.resident_id WHERE "
        "o.purpose LIKE 'event:1:remind:%' AND r.telegram_user_id = ? ORDER BY o.sent_at",
        going.id,
    )
    moments = [datetime.fromisoformat(str(at)).astimezone(MADRID) for (at,) in sent]
    assert [(m.date(), m.hour) for m in moments] == [(day - timedelta(days=1), 19), (day, 18)]


async def test_feedback_round_opens_after_the_event_for_those_going(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings, tmp_path: Path
) -> None:
    """If an event ends, then an hour later a feedback round opens on its own: those who were
    going are invited and can answer it; a resident who only said maybe is not invited and
    does not see it in /surveys."""
    going, maybe = await seed(settings, emulator, [7401, 7402], "north")
    config = cli_config(tmp_path, settings)
    async with run_bot():
        await create_event(config, "Coffee with a cop", "--partner", "Bakery")
        await going.wait_for(ANNOUNCEMENT, timeout=WAIT)
        await answer(going, GOING, "Your answer: going")
        await answer(maybe, MAYBE, "Your answer: maybe")
        end = datetime.combine(date.fromisoformat(IN_A_WEEK), time(20), tzinfo=MADRID)
        CLOCK.advance(end.astimezone(UTC) + timedelta(minutes=59) - utcnow())
        CLOCK.advance(timedelta(minutes=2))
        invitation = await going.wait_for("How was Coffee with a cop?", timeout=WAIT)
        await going.press(invitation.button_texts()[0])
        await going.wait_for("Did you attend the event?", timeout=WAIT)
        await going.press("Yes")
        await going.wait_for("How useful was it for you?", timeout=WAIT)
        await maybe.send_command("surveys")
        listing = await maybe.next_reply(timeout=WAIT)
        assert "Coffee" not in listing.text + " ".join(listing.button_texts())
        await emulator.wait_idle()
    assert not any("How was" in m.text for m in maybe.transcript)
    assert count(
        settings,
        "SELECT r.invited_only, r.created_by, e.feedback_round_id = r.id FROM rounds r "
        "JOIN events e ON e.id = 1",
    ) == [(1, "event:1", 1)]


async def test_coordinator_creates_an_event_in_chat(
    emulator: BotApiEmulator, run_bot: BotRunner, make_settings: Callable[..., Settings]
) -> None:
    """If a coordinator goes through /newevent, pressing Back on every step once and
    restarting the bot halfway, then the check screen names the time zone, the preview is the
    announcement, Send creates the event as planned and only the chosen area hears of it."""
    settings = make_settings(
        events={"check_interval": 0.2},
        partners=[{"id": "school", "name": "Riverside School", "chat_id": -100123}],
    )
    (north,) = await seed(settings, emulator, [7501], "north")
    (riverside,) = await seed(settings, emulator, [7502], "riverside")
    coordinator = emulator.user(COORDINATOR_ID)

    async with run_bot(settings):
        await coordinator.send_command("newevent")
        await coordinator.wait_for("Send the title in English")
        await coordinator.send_text("Coffee with a cop\nBring your questions.")
        await coordinator.wait_for("title in Español")
        await coordinator.press("‹ Back")
        await coordinator.wait_for("Send the title in English")
        await coordinator.send_text("Coffee with a cop\nBring your questions.")
        await coordinator.wait_for("title in Español")
        await coordinator.send_text("Café con la policía")
        await coordinator.wait_for("When does it start?")
    async with run_bot(settings):  # the plan is in the database
        await coordinator.press("‹ Back")
        await coordinator.wait_for("title in Español")
        await coordinator.send_text("Café con la policía")
        step = await coordinator.wait_for("When does it start?")
        assert "Europe/Madrid" in step.text
        await coordinator.send_text("next tuesday")
        assert "could not read" in (await coordinator.next_reply()).text
        await coordinator.send_text(f"{IN_A_WEEK} 18:00")
        await coordinator.wait_for("How long does it last?")
        await coordinator.press("‹ Back")
        await coordinator.wait_for("When does it start?")
        await coordinator.send_text(f"{IN_A_WEEK} 18:00")
        await coordinator.wait_for("How long does it last?")
        await coordinator.press("2 h")
        await coordinator.wait_for("Where does it happen?")
        await coordinator.press("‹ Back")
        await coordinator.wait_for("How long does it last?")
        await coordinator.press("90 min")
        await coordinator.wait_for("Where does it happen?")
        await coordinator.send_text("Library, Main St 1")
        await coordinator.wait_for("Who is invited?")
        await coordinator.press("‹ Back")
        await coordinator.wait_for("Where does it happen?")
        await coordinator.send_text("Library, Main St 1")
        await coordinator.wait_for("Who is invited?")
        await coordinator.press("☐ North")
        await coordinator.wait_for("Chosen: North")
        await coordinator.press("Next ›")
        await coordinator.wait_for("How many places")
        await coordinator.press("‹ Back")
        await coordinator.wait_for("Chosen: North")
        await coordinator.press("Next ›")
        await coordinator.wait_for("How many places")
        await coordinator.press("20")
        await coordinator.wait_for("partner organisation")
        await coordinator.press("‹ Back")
        await coordinator.wait_for("How many places")
        await coordinator.send_text("25")
        await coordinator.wait_for("partner organisation")
        await coordinator.press("Riverside School")  # a configured partner, by id
        check = await coordinator.wait_for("Check the event")
        lines = check.text.splitlines()
        assert "Title (English): Coffee with a cop" in lines
        assert "Title (Español): Café con la policía" in lines
        assert any("18:00–19:30 (time zone Europe/Madrid)" in line for line in lines)
        assert "Audience: North — 1 residents get the announcement now" in lines
        assert "Places: 25" in lines and "Partner: Riverside School" in lines
        await coordinator.press("‹ Back")
        await coordinator.wait_for("partner organisation")
        await coordinator.send_text("Riverside School")
        await coordinator.wait_for("Check the event")
        await coordinator.press("Preview ›")
        preview = await coordinator.wait_for("Preview")
        assert "Coffee with a cop" in preview.text and ANNOUNCEMENT in preview.text
        assert "Bring your questions." in preview.text
        await coordinator.press("‹ Back")
        await coordinator.wait_for("Check the event")
        await coordinator.press("Preview ›")
        await coordinator.wait_for("Preview")
        await coordinator.press("📣 Send (1)")
        await coordinator.wait_for("Event #1 is created")
        announcement = await north.wait_for(ANNOUNCEMENT, timeout=WAIT)
        assert (
            "Coffee with a cop" in announcement.text and "Library, Main St 1" in announcement.text
        )
        await emulator.wait_idle()
    assert not any(ANNOUNCEMENT in m.text for m in riverside.transcript)
    assert count(
        settings,
        "SELECT capacity, partner, created_by, sequence FROM events",
    ) == [(25, "Riverside School", f"user:{COORDINATOR_ID}", 0)]
    assert count(settings, "SELECT area_id FROM event_areas") == [("north",)]
    assert count(settings, "SELECT COUNT(*) FROM drafts") == [(0,)]
    assert count(
        settings, "SELECT action, allowed FROM audit_log WHERE action LIKE 'events.%'"
    ) == [("events.create", 1)]
    assert emulator.unanswered_callback_queries() == []


async def test_residents_cannot_create_events_and_old_buttons_change_nothing(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If a resident sends /newevent or forges its buttons, or presses an answer for an event
    that does not exist, then nothing is created or answered and every press is answered."""
    async with run_bot():
        resident = emulator.user(7601)
        await onboard(resident)
        await resident.send_command("newevent")
        await resident.wait_for("only for partnership coordinators")
        refused = "Sorry, that is only for partnership coordinators."
        assert await press_answer(emulator, resident, data="1|ne|preview|send") == refused
        assert await press_answer(emulator, resident, data="1|nea|north") == refused
        gone = await press_answer(emulator, resident, data="1|ev|going|99")
        assert gone.startswith("That is no longer there")
        await emulator.wait_idle()
    assert count(settings, "SELECT COUNT(*) FROM events") == [(0,)]
    assert count(settings, "SELECT COUNT(*) FROM rsvps") == [(0,)]
    assert emulator.unanswered_callback_queries() == []


async def test_feedback_figures_per_event_and_partner_reach_the_results_and_the_export(
    emulator: BotApiEmulator,
    run_bot: BotRunner,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """If three residents (k = 3) go to a partner's event and answer its feedback round in
    chat, then `events results` shows the event's and the partner's attendance and
    satisfaction, and the export of the event-feedback survey carries the round's figures."""
    users = await seed(settings, emulator, [7701, 7702, 7703], "north")
    config = cli_config(tmp_path, settings)
    async with run_bot():
        await create_event(config, "Coffee with a cop", "--partner", "Bakery")
        for user in users:
            await answer(user, GOING, "Your answer: going")
        end = datetime.combine(date.fromisoformat(IN_A_WEEK), time(20), tzinfo=MADRID)
        CLOCK.advance(end.astimezone(UTC) + timedelta(hours=1) - utcnow())
        for user, useful in zip(
            users, ("Very useful", "Extremely useful", "Somewhat useful"), strict=True
        ):
            invitation = await user.wait_for("How was Coffee with a cop?", timeout=WAIT)
            await user.press(invitation.button_texts()[0])
            await user.wait_for("Did you attend the event?", timeout=WAIT)
            await user.press("Yes")
            await user.wait_for("How useful was it for you?", timeout=WAIT)
            await user.press(useful)
            await user.wait_for("Would you come to an event like this again?", timeout=WAIT)
            await user.press("Yes")
            await user.wait_for("Any other comments", timeout=WAIT)
            await user.press("Skip")
            await user.wait_for("Thank you", timeout=WAIT)
        await emulator.wait_idle()
    capsys.readouterr()
    assert await events_cli(config, "results", "--format", "csv") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    tables: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row[0] == "table":
            header = row[1:]
        else:
            tables.setdefault(row[0], []).append(dict(zip(header, row[1:], strict=True)))
    (event,) = tables["events"]
    assert (event["title"], event["partner"], event["status"], event["respondents"]) == (
        "Coffee with a cop",
        "Bakery",
        "published",
        "3",
    )
    assert (event["attended_pct"], event["useful_pct"], event["useful_mean"]) == (
        "100.0",
        "66.7",
        "4.0",
    )
    assert (event["again_pct"], event["going"], event["maybe"]) == ("100.0", "3", "0")
    (bakery,) = tables["partners"]
    assert (bakery["partner"], bakery["people"], bakery["useful_pct"]) == ("Bakery", "3", "66.7")
    out = tmp_path / "feedback.json"
    export = ["--config", str(config), "export", "--survey", "event-feedback"]
    code = await asyncio.to_thread(main, [*export, "--format", "json", "--out", str(out)])
    assert code == 0
    answered: dict[str, int] = {}
    for item in walk(json.loads(out.read_text())):
        if "question_id" in item and "answered" in item:
            question = item["question_id"]
            answered[question] = max(answered.get(question, 0), item["answered"])
    assert answered == {"attended": 3, "useful": 3, "again": 3, "comments": 0}
    document = json.loads(out.read_text())
    document_model().model_validate(document)  # the schema knows the event tables
    (row,) = document["events"]
    assert (row["title"], row["status"], row["respondents"], row["attended_pct"]) == (
        "Coffee with a cop",
        "published",
        3,
        100.0,
    )
    assert [(p["partner"], p["people"]) for p in document["partners"]] == [("Bakery", 3)]


async def test_events_lists_the_residents_area_in_their_language_and_takes_answers(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings, tmp_path: Path
) -> None:
    """If events exist for North, for Riverside and for every area, then a North resident's
    /events shows North's and the all-area one (not Riverside's, nor one cancelled since),
    each in the resident's language with the answer buttons; answering on that card counts."""
    (ana,) = await seed(settings, emulator, [7801], "north")
    store = await Store.open(settings.database.path)
    try:
        await onboarded(store, 7802, "north", language="es")
    finally:
        await store.close()
    eva = emulator.user(7802)
    config = cli_config(tmp_path, settings)
    await create_event(config, "Riverside walk", "--areas", "riverside", "--no-announce")
    await create_event(
        config,
        "Coffee with a cop",
        *("--areas", "north", "--title-in", "es", "Café con la policía", "--no-announce"),
    )
    await create_event(config, "Town meeting", "--no-announce")
    async with run_bot():
        await ana.send_command("events")
        coffee = await ana.wait_for("Coffee with a cop", timeout=WAIT)
        assert "You have not answered yet." in coffee.text
        assert coffee.button_texts() == [GOING, MAYBE, CANT, CALENDAR]
        await ana.wait_for("Town meeting", timeout=WAIT)
        await ana.press(GOING, message_id=coffee.message_id)
        await ana.wait_for("Your answer: going", timeout=WAIT)
        await eva.send_command("events")
        cafe = await eva.wait_for("Café con la policía", timeout=WAIT)
        assert "Aún no ha respondido." in cafe.text and "🤔 Quizá" in cafe.button_texts()
        await eva.press("🤔 Quizá", message_id=cafe.message_id)
        await eva.wait_for("quizá", timeout=WAIT)
        assert await events_cli(config, "cancel", "3") == 0
        await emulator.wait_idle()
        seen = len(ana.transcript)
        await ana.send_command("events")
        again = await ana.wait_for("Coffee with a cop", timeout=WAIT)
        assert "Your answer: going" in again.text
        await emulator.wait_idle()
        later = ana.transcript[seen:]
    assert not any("Riverside walk" in m.text for m in ana.transcript + eva.transcript)
    assert not any("Town meeting" in m.text for m in later)
    assert not any("Coffee with a cop" in m.text for m in eva.transcript)
    assert count(settings, "SELECT event_id, status FROM rsvps ORDER BY event_id, status") == [
        (2, "going"),
        (2, "maybe"),
    ]
    assert emulator.unanswered_callback_queries() == []
