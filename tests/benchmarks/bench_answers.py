"""Benchmark: residents answering the built-in survey, against a bare PTB echo bot as the floor.

Usage (from the repository root; a script, not collected by pytest, not in the default run)::

    .venv/bin/python tests/benchmarks/bench_answers.py [--residents 50] [--rounds-per-resident 1]
        [--repeat 1] [--pause SECONDS] [--fail-on-miss]
    .venv/bin/python tests/benchmarks/bench_answers.py --help

What it does, in one process under one ``asyncio.run``, for each of ``--repeat`` runs:

1. **ours**: the real Application (``bot.app.build_application`` + ``bot.app.running``) on a
   fresh :class:`~bot.sandbox.BotApiEmulator`, its database in a temporary directory. N
   residents are onboarded, ``--rounds-per-resident`` rounds of ``community-trust-safety`` are
   created, and the bot's round clock opens them and delivers the invitations (not measured).
   For each round every resident presses Start on an invitation (not measured); then all of
   them at once answer the whole survey as fast as the bot replies (measured): 14 actions per
   resident and round (9 button answers, a multi-select toggle and Done, a typed answer to the
   optional text question, Yes, and the follow-up question that Yes brings).
2. **echo**: a bare python-telegram-bot Application on another fresh emulator: a
   MessageHandler that echoes text in a new message with an inline keyboard, and a
   CallbackQueryHandler that answers the query and edits the message. The same N residents do
   the same 14 actions per round in the same order (presses on the keyboard message, one typed
   text that gets a new message, then presses on that one).

Latency is the time from a resident's action (press or typed text) until the bot's reply
appears in the emulator's event log of that chat: the edit of the pressed message, or the new
message after a typed text (an edit that only drops the old keyboard does not count). Throughput
is the measured actions divided by the summed wall time of the measured phases. Every reply is
checked (the expected question follows) and, for ours, every survey must end up stored complete.

Both runs use ``FloodLimits(enabled=False)``: with Telegram's 1 message/s per chat the figures
would measure Telegram's limits, not the bot. Both use the same update processor
(``bot.app.PerUserUpdateProcessor``: users concurrently, one user's updates in order), the same
HTML parse mode and the same long polling; the echo bot has no database and no rate limiter. The
bots, the emulator and the residents share one event loop (one CPU core), so the figures compare
the two bots with each other; they are not production numbers.

Targets (from the issue): ours >= 0.7 of the echo throughput; ours p99 < 100 ms at 50
concurrent residents. With every resident acting the moment the reply arrives, each of the 50
always has one action in flight, so mean latency = 50 / throughput (Little's law): p99 < 100 ms
needs well over 500 actions/s, more than this single-process setup gives even the echo bot.
``--pause`` adds think time between actions to see latency at a realistic pace. Figures vary
by about 10% from run to run; ``--repeat 3`` pools three alternating runs of each bot.
``--fail-on-miss`` turns a missed target into exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.app import PerUserUpdateProcessor, build_application, running
from bot.config import Settings
from bot.context import FeedbackApplication
from bot.sandbox import BotApiEmulator, BotMessage, FloodLimits, SimUser
from surveys.clock import utcnow
from surveys.rounds import create_round

TOKEN = "123456:BENCH-TOKEN"
SURVEY = "community-trust-safety"
FIRST_RESIDENT_ID = 100_000
THROUGHPUT_TARGET = 0.7
P99_TARGET_MS = 100.0
P99_TARGET_RESIDENTS = 50
REPLY_TIMEOUT = 60.0
POLL_TIMEOUT = 1


@dataclass(frozen=True)
class Step:
    """One measured action: press the button ``label``, or type ``label`` as text."""

    kind: Literal["press", "type"]
    label: str
    expect: str  # a substring the bot's reply must contain (checked after timing)


# The built-in survey answered like tests/e2e/test_survey.py does: every question type, the
# multi-select with a toggle and Done, a typed answer, and the conditional follow-up question.
SURVEY_STEPS: tuple[Step, ...] = (
    Step("press", "8", "Question 2 of up to 13"),
    Step("press", "7", "Question 3 of up to 13"),
    Step("press", "5", "Question 4 of up to 13"),
    Step("press", "Good", "Question 5 of up to 13"),
    Step("press", "Agree", "Question 6 of up to 13"),
    Step("press", "Neither agree nor disagree", "Question 7 of up to 13"),
    Step("press", "Strongly agree", "Question 8 of up to 13"),
    Step("press", "Disagree", "Question 9 of up to 13"),
    Step("press", "Agree", "Question 10 of up to 13"),
    Step("press", "☐ Burglary", "Question 10 of up to 13"),
    Step("press", "Done ✓", "Question 11 of up to 13"),
    Step("type", "Speeding on Main Street", "Question 12 of up to 13"),
    Step("press", "Yes", "Question 13 of 13"),
    Step("press", "Very useful", "Thank you!"),
)
ANSWERS_PER_SURVEY = 13  # stored answers per completed response (the toggle is not one)
ECHO_BUTTON = "Press"
INVITATION = "A new survey is open"
START_BUTTON = "Start: Community trust and safety"


def _echo_steps() -> tuple[Step, ...]:
    """The echo bot's actions, in the same order and of the same kinds as the survey's."""
    return tuple(
        Step("type", "Speeding on Main Street", "Echo: Speeding on Main Street")
        if step.kind == "type"
        else Step("press", ECHO_BUTTON, "Pressed")
        for step in SURVEY_STEPS
    )


@dataclass
class RunResult:
    """What one run measured."""

    name: str
    residents: int
    rounds: int
    pause: float = 0.0
    runs: int = 0
    latencies: list[float] = field(default_factory=list)
    measured_seconds: float = 0.0
    cpu_seconds: float = 0.0
    mismatches: list[str] = field(default_factory=list)

    @property
    def actions(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.actions / self.measured_seconds if self.measured_seconds > 0 else 0.0

    def percentile_ms(self, q: float) -> float:
        """The q-th percentile (0-100) of reply latency in ms, linearly interpolated."""
        data = sorted(self.latencies)
        if not data:
            return float("nan")
        rank = (len(data) - 1) * q / 100.0
        low = int(rank)
        high = min(low + 1, len(data) - 1)
        return 1000.0 * (data[low] + (data[high] - data[low]) * (rank - low))


# ---- measuring -----------------------------------------------------------------------------

Reply = tuple[BotMessage, float]  # the bot's reply and when it was seen (perf_counter)


class ReplyWatcher:
    """Sees the bot's replies in the emulator's per-chat event log for every resident at once.

    ``SimUser.wait_for`` wakes each waiting resident on every state change; with 50 residents
    that bookkeeping costs about as much as a bot, so the measured phase uses one waiter on the
    emulator's state signal that checks only the chats with an action in flight.
    """

    def __init__(self, emulator: BotApiEmulator) -> None:
        self._state = emulator.state
        self._pending: dict[int, tuple[int, Callable[[BotMessage], bool], asyncio.Future[Reply]]]
        self._pending = {}

    def expect(
        self, chat_id: int, predicate: Callable[[BotMessage], bool]
    ) -> asyncio.Future[Reply]:
        """Call before the action: the first later event in the chat satisfying ``predicate``."""
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        cursor = len(self._state.chats[chat_id].events)
        self._pending[chat_id] = (cursor, predicate, future)
        return future

    async def run(self) -> None:
        """Check on every state change until cancelled."""
        while True:
            await self._state.signal.wait(1.0)
            self._check(time.perf_counter())

    def _check(self, now: float) -> None:
        chats = self._state.chats
        for chat_id, (cursor, predicate, future) in list(self._pending.items()):
            events = chats[chat_id].events
            if len(events) <= cursor:
                continue
            for event in events[cursor:]:
                if event.kind != "delete" and predicate(event.message):
                    del self._pending[chat_id]
                    if not future.done():
                        future.set_result((event.message, now))
                    break
            else:
                self._pending[chat_id] = (len(events), predicate, future)


async def _timed_step(
    watcher: ReplyWatcher, user: SimUser, step: Step, message_id: int, result: RunResult
) -> int:
    """Do one action, wait for the bot's reply, record the latency; return the message to use
    next (the same message after a press, the new one after a typed text)."""
    if step.kind == "press":
        reply = watcher.expect(user.chat_id, lambda m: m.message_id == message_id)
        started = time.perf_counter()
        await user.press(step.label, message_id=message_id)
    else:
        # a new message; an edit of the old one (its keyboard being dropped) is not the reply
        reply = watcher.expect(user.chat_id, lambda m: m.message_id != message_id)
        started = time.perf_counter()
        await user.send_text(step.label)
    try:
        message, seen = await asyncio.wait_for(reply, REPLY_TIMEOUT)
    except TimeoutError:
        raise RuntimeError(
            f"{result.name}: resident {user.id} got no reply to {step.label!r} within "
            f"{REPLY_TIMEOUT:.0f}s"
        ) from None
    result.latencies.append(seen - started)
    if step.expect not in message.text:
        result.mismatches.append(
            f"{result.name}: resident {user.id} after {step.label!r}: expected "
            f"{step.expect!r} in the reply, got {message.text[:80]!r}"
        )
    return message.message_id


async def _measure_round(
    emulator: BotApiEmulator,
    users: Sequence[SimUser],
    setup: Callable[[SimUser], Awaitable[int]],
    steps: Sequence[Step],
    result: RunResult,
    pause: float,
) -> None:
    """Set every resident up (not measured), then let all of them run ``steps`` at once."""
    first_messages = await asyncio.gather(*(setup(user) for user in users))
    await emulator.wait_idle(timeout=REPLY_TIMEOUT)
    watcher = ReplyWatcher(emulator)
    watching = asyncio.create_task(watcher.run())

    async def resident(user: SimUser, message_id: int) -> None:
        think = random.Random(user.id)  # the same pauses for both bots
        if pause:
            await asyncio.sleep(think.uniform(0, pause))  # residents do not start in step
        for step in steps:
            message_id = await _timed_step(watcher, user, step, message_id, result)
            if pause:
                await asyncio.sleep(think.uniform(0.5 * pause, 1.5 * pause))

    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(resident(u, m) for u, m in zip(users, first_messages, strict=True)))
        result.measured_seconds += time.perf_counter() - started
        result.cpu_seconds += time.process_time() - cpu_started
    finally:
        watching.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watching


# ---- ours ----------------------------------------------------------------------------------


def _settings(emulator: BotApiEmulator, database: Path) -> Settings:
    return Settings(
        telegram={
            "token": TOKEN,
            "api_base_url": emulator.base_url,
            "file_base_url": emulator.base_file_url,
            "poll_timeout": POLL_TIMEOUT,
        },
        database={"path": str(database)},
        community={
            "name": "Benchmark Partnership",
            "timezone": "Europe/Madrid",
            "languages": ["en", "es"],
            "emergency_number": "112",
        },
        areas=[{"id": "north", "name": "North"}, {"id": "riverside", "name": "Riverside"}],
        # the benchmark runs at any hour; everything else keeps its production default
        delivery={"quiet_hours": ""},
    )


async def _onboard(user: SimUser) -> None:
    await user.send_command("start")
    await user.wait_for("Do you agree", timeout=REPLY_TIMEOUT)
    await user.press("Yes, I agree")
    await user.wait_for(lambda m: "English" in m.button_texts(), timeout=REPLY_TIMEOUT)
    await user.press("English")
    await user.wait_for(lambda m: "North" in m.button_texts(), timeout=REPLY_TIMEOUT)
    await user.press("North")
    await user.wait_for(lambda m: "Help" in m.button_texts(), timeout=REPLY_TIMEOUT)


async def _open_round(app: FeedbackApplication) -> None:
    """Create a round opening now; the bot's round clock opens it and invites everyone."""
    services = app.bot_data.services
    assert services is not None
    await create_round(
        services.store,
        services.registry,
        SURVEY,
        opens_at=utcnow(),
        closes_at=utcnow() + timedelta(days=7),
        zone=services.settings.community.zone,
    )


async def _invitations(user: SimUser, rounds: int) -> list[int]:
    """Wait for one invitation per round; their message ids, in arrival order."""
    found: list[int] = []
    while len(found) < rounds:
        invitation = await user.wait_for(INVITATION, timeout=REPLY_TIMEOUT)
        found.append(invitation.message_id)
    return found


def _start_from(invitations: dict[int, list[int]]) -> Callable[[SimUser], Awaitable[int]]:
    """Setup for one round: press Start on the resident's next unanswered invitation."""

    async def start(user: SimUser) -> int:
        message_id = invitations[user.id].pop(0)
        await user.press(START_BUTTON, message_id=message_id)
        first = await user.wait_for(
            lambda m: m.message_id == message_id and "Question 1 of up to 13" in m.text,
            timeout=REPLY_TIMEOUT,
        )
        return first.message_id

    return start


def _check_database(database: Path, expected: int, result: RunResult) -> None:
    """Every measured survey must have ended as a completed response with all its answers."""
    with sqlite3.connect(database) as conn:
        completed = conn.execute(
            "SELECT COUNT(*) FROM responses WHERE status = 'completed'"
        ).fetchone()[0]
        answers = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    if completed != expected or answers != expected * ANSWERS_PER_SURVEY:
        result.mismatches.append(
            f"ours: {completed} completed responses and {answers} answers stored, expected "
            f"{expected} and {expected * ANSWERS_PER_SURVEY}"
        )


async def run_ours(result: RunResult) -> None:
    """One run of the real bot on a fresh emulator and database: onboard, open the rounds,
    then measure answering (see the module docstring); adds to ``result``."""
    with tempfile.TemporaryDirectory(prefix="bench-answers-") as workdir:
        database = Path(workdir) / "bench.sqlite3"
        async with BotApiEmulator(token=TOKEN, limits=FloodLimits(enabled=False)) as emulator:
            app = build_application(_settings(emulator, database))
            async with running(app):
                users = [emulator.user(FIRST_RESIDENT_ID + i) for i in range(result.residents)]
                await asyncio.gather(*(_onboard(user) for user in users))
                for _ in range(result.rounds):
                    await _open_round(app)
                invited = await asyncio.gather(
                    *(_invitations(user, result.rounds) for user in users)
                )
                invitations = {user.id: ids for user, ids in zip(users, invited, strict=True)}
                for _ in range(result.rounds):
                    await _measure_round(
                        emulator,
                        users,
                        _start_from(invitations),
                        SURVEY_STEPS,
                        result,
                        result.pause,
                    )
                await emulator.wait_idle(timeout=REPLY_TIMEOUT)
        _check_database(database, result.residents * result.rounds, result)
    result.runs += 1


# ---- the echo floor ------------------------------------------------------------------------


def _echo_keyboard(counter: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(ECHO_BUTTON, callback_data=f"press:{counter}")]]
    )


async def _echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text back in a new message, with a keyboard to press."""
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(f"Echo: {message.text}", reply_markup=_echo_keyboard(0))


async def _echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the query and edit the pressed message (the counter keeps every edit distinct)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    counter = int(query.data.removeprefix("press:")) + 1
    await query.answer()
    await query.edit_message_text(f"Pressed {counter}", reply_markup=_echo_keyboard(counter))


def build_echo_application(emulator: BotApiEmulator) -> Application[Any, Any, Any, Any, Any, Any]:
    """A bare PTB bot with the same update processor and defaults as ours, no database."""
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(PerUserUpdateProcessor())
        .get_updates_read_timeout(POLL_TIMEOUT + 10)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo_text))
    app.add_handler(CallbackQueryHandler(_echo_press))
    return app


async def _echo_setup(user: SimUser) -> int:
    await user.send_text("hello")
    first = await user.wait_for("Echo: hello", timeout=REPLY_TIMEOUT)
    return first.message_id


async def run_echo(result: RunResult) -> None:
    """One run of the bare echo bot on a fresh emulator, driven by the same number of residents
    doing the same actions; adds to ``result``."""
    async with BotApiEmulator(token=TOKEN, limits=FloodLimits(enabled=False)) as emulator:
        app = build_echo_application(emulator)
        async with app:
            assert app.updater is not None
            await app.updater.start_polling(
                poll_interval=0.0,
                timeout=POLL_TIMEOUT,
                drop_pending_updates=False,
                allowed_updates=Update.ALL_TYPES,
            )
            await app.start()
            try:
                users = [emulator.user(FIRST_RESIDENT_ID + i) for i in range(result.residents)]
                for _ in range(result.rounds):
                    await _measure_round(
                        emulator, users, _echo_setup, _echo_steps(), result, result.pause
                    )
                await emulator.wait_idle(timeout=REPLY_TIMEOUT)
            finally:
                await app.updater.stop()
                await app.stop()
    result.runs += 1


# ---- report --------------------------------------------------------------------------------


def report(ours: RunResult, echo: RunResult) -> list[str]:
    """Print the table and the PASS/FAIL lines; return the names of missed targets."""
    print(
        f"bench_answers: {ours.residents} concurrent residents x {ours.rounds} round(s) of "
        f"{SURVEY}, {len(SURVEY_STEPS)} actions per round, {ours.runs} run(s) per bot "
        "(alternating, each on a fresh emulator)"
    )
    print(
        "emulator: FloodLimits(enabled=False): Telegram's flood limits are off, so the bots "
        "are measured, not Telegram"
    )
    print(
        "both bots: PerUserUpdateProcessor (users concurrently, one user's updates in order), "
        f"parse_mode=HTML, long polling ({POLL_TIMEOUT}s); echo: no database, no rate limiter"
    )
    pacing = (
        f"a random pause of {500 * ours.pause:.0f}-{1500 * ours.pause:.0f} ms after each reply"
        if ours.pause
        else "each action as soon as the previous reply arrived"
    )
    print(f"residents: {pacing}")
    print()
    header = (
        f"{'bot':<6} {'runs':>4} {'answers':>8} {'seconds':>8} {'answers/s':>10} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'cpu %':>6} "
        f"{'cpu ms/answer':>13}"
    )
    print(header)
    print("-" * len(header))
    for r in (ours, echo):
        print(
            f"{r.name:<6} {r.runs:>4} {r.actions:>8} {r.measured_seconds:>8.2f} "
            f"{r.per_second:>10.1f} {r.percentile_ms(50):>8.1f} {r.percentile_ms(95):>8.1f} "
            f"{r.percentile_ms(99):>8.1f} {1000 * max(r.latencies, default=float('nan')):>8.1f} "
            f"{100 * r.cpu_seconds / r.measured_seconds:>6.0f} "
            f"{1000 * r.cpu_seconds / r.actions:>13.2f}"
        )
    print("-" * len(header))
    ratio = ours.per_second / echo.per_second if echo.per_second else 0.0
    print(
        f"ours/echo: throughput {ratio:.2f}, latency p50 "
        f"{ours.percentile_ms(50) / echo.percentile_ms(50):.2f}x, p99 "
        f"{ours.percentile_ms(99) / echo.percentile_ms(99):.2f}x"
    )
    print(
        "(an answer is one measured action with its reply: per round 13 answers plus the "
        "multi-select toggle; the echo bot gets the same number of presses and one typed text;\n"
        " cpu is the whole process: bot, emulator and residents, all threads)"
    )
    starved = [r.name for r in (ours, echo) if r.cpu_seconds < 0.9 * r.measured_seconds]
    if starved and not ours.pause:
        print(
            f"WARNING: {' and '.join(starved)} used less than 90% of a CPU while residents were "
            "always waiting: something else may have competed for the CPU; rerun, or pool runs "
            "with --repeat 3"
        )
    print()
    missed: list[str] = []
    throughput_ok = ratio >= THROUGHPUT_TARGET
    if ours.pause:
        print("SKIP  throughput ours/echo: with --pause the pauses set the pace, not the bots")
    else:
        if not throughput_ok:
            missed.append("throughput")
        print(
            f"{'PASS' if throughput_ok else 'FAIL'}  throughput ours/echo {ratio:.2f} >= "
            f"{THROUGHPUT_TARGET}"
        )
    p99 = ours.percentile_ms(99)
    latency_ok = p99 < P99_TARGET_MS
    if not latency_ok:
        missed.append("p99")
    note = ""
    if ours.residents != P99_TARGET_RESIDENTS:
        note = f" (the target is stated for {P99_TARGET_RESIDENTS} residents)"
    print(
        f"{'PASS' if latency_ok else 'FAIL'}  ours p99 {p99:.1f} ms < {P99_TARGET_MS:.0f} ms{note}"
    )
    if not ours.pause:
        print(
            f"      (Little's law: {ours.residents} residents always in flight / "
            f"{ours.per_second:.0f} answers/s = {1000 * ours.residents / ours.per_second:.0f} ms "
            f"mean latency; the echo floor's own p99 is {echo.percentile_ms(99):.0f} ms)"
        )
    mismatches = ours.mismatches + echo.mismatches
    if mismatches:
        missed.append("correctness")
        print(f"FAIL  {len(mismatches)} unexpected replies or stored results; the first ones:")
        for line in mismatches[:5]:
            print(f"      {line}")
    else:
        print("PASS  every reply was the expected one and every survey was stored completely")
    return missed


async def bench(
    residents: int, rounds: int, *, repeat: int = 1, pause: float = 0.0
) -> tuple[RunResult, RunResult]:
    """Run ours and the echo bot ``repeat`` times each, alternating, in the running loop."""
    ours = RunResult("ours", residents, rounds, pause)
    echo = RunResult("echo", residents, rounds, pause)
    for _ in range(repeat):
        await run_ours(ours)
        await run_echo(echo)
    return ours, echo


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench_answers.py",
        description=(
            "N simulated residents answer the built-in survey through the Bot API emulator as "
            "fast as the bot replies; prints answers/s and p50/p95/p99 reply latency for the "
            "bot and for a bare python-telegram-bot echo bot on the same emulator, and the ratio."
        ),
    )
    parser.add_argument(
        "--residents", type=int, default=50, help="concurrent residents (default: 50)"
    )
    parser.add_argument(
        "--rounds-per-resident",
        type=int,
        default=1,
        help="survey rounds each resident answers, one after the other (default: 1)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per bot, alternating ours and echo; figures pool all runs (default: 1)",
    )
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="think time of each resident after a reply, varied 0.5-1.5x with a fixed seed "
        "(default: 0, as fast as the bot replies)",
    )
    parser.add_argument(
        "--fail-on-miss",
        action="store_true",
        help="exit with status 1 when a target is missed (default: always exit 0)",
    )
    args = parser.parse_args(argv)
    if args.residents < 1 or args.rounds_per_resident < 1 or args.repeat < 1:
        parser.error("--residents, --rounds-per-resident and --repeat must be at least 1")
    if args.pause < 0:
        parser.error("--pause cannot be negative")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ours, echo = asyncio.run(
        bench(args.residents, args.rounds_per_resident, repeat=args.repeat, pause=args.pause)
    )
    missed = report(ours, echo)
    return 1 if missed and args.fail_on_miss else 0


if __name__ == "__main__":
    sys.exit(main())
