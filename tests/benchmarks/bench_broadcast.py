"""Benchmark: a survey round's invitations to N residents under Telegram's flood limits, against
a naive ``asyncio.gather`` broadcast through python-telegram-bot's ``AIORateLimiter``.

Usage (from the repository root; a script, not collected by pytest, not in the default run)::

    .venv/bin/python tests/benchmarks/bench_broadcast.py                    # 10,000 residents
    .venv/bin/python tests/benchmarks/bench_broadcast.py --residents 1000   # a shorter run
    .venv/bin/python tests/benchmarks/bench_broadcast.py --help

With 10,000 residents each variant takes about 6 minutes (10,000 messages at 30/s is 333 s at
best): that is expected. Progress (messages delivered so far, 429s) goes to stderr every 10 s;
the table and the PASS/FAIL lines go to stdout. The exit status is 0 whatever the figures are
(this is a measurement); it is 1 only if something crashed, 2 for a usage error or when the
baseline's dependency is missing.

The naive baseline needs PTB's ``rate-limiter`` extra (the ``aiolimiter`` package), which the
project does not depend on: ``pip install 'python-telegram-bot[rate-limiter]'``
(``--only ours`` runs without it).

What it does, one variant after the other in the same run, each against a fresh in-process
:class:`~bot.sandbox.BotApiEmulator` enforcing ``FloodLimits(overall_per_second=30,
per_chat_per_second=1)`` (the emulator's per-chat burst of 3 and its overall burst of 30 are
left at their defaults):

1. **ours**: N onboarded residents are written into a fresh SQLite database through the store
   (as ``tests/e2e/test_rounds.py`` seeds them), and the real bot is started as a subprocess,
   ``python -m bot --config CONFIG run`` (= ``feedbackbot run``), with a config that points at
   the emulator and keeps every delivery default (28/s, 1 s per chat, 8 in flight) except
   ``quiet_hours = ""``. Once it is up, a round of ``community-trust-safety`` opening now is
   created (``surveys.rounds.create_round``, as the ``rounds create`` command does); the round
   clock picks it up and queues one invitation per resident in the outbox, which the delivery
   worker drains. The run ends when the outbox has nothing pending or in flight.
2. **naive**: a subprocess builds a PTB Application with
   ``AIORateLimiter(max_retries=N)`` and sends the same invitation text and button to N
   fresh chats with one ``asyncio.gather`` (``return_exceptions=True``), then exits.
   ``--naive-max-retries`` sets N (default 3; several values give one naive row each, e.g.
   ``--naive-max-retries 0 3``). PTB's own default, 0, turns every 429 into a lost message
   without pausing; with retries, every 429 pauses *all* sends for ``retry_after`` + 0.1 s and
   the retries then go out behind a refilled burst.

Figures, per variant:

- **rate**: messages the emulator accepted for the residents' chats / seconds from the first
  accepted message to the last one (times taken by watching the emulator's state in this
  process); **ratio** = rate / 30 (the enforced overall limit). The emulator's burst of 30 lets
  a short run exceed 30/s; ``ours / naive`` compares the two rates of the same run.
- **429s**: "Too Many Requests" answers counted by the emulator; **steady** counts only those
  after the first ``--steady-after`` seconds (default 2) of the broadcast.
- **duplicates**: chats that received the invitation more than once; **misses**: residents
  (chats) that never received it.
- **peak RSS**: ``VmHWM`` of the bot's process from ``/proc/<pid>/status`` (read just before it
  is stopped for ours, by the naive process itself when its broadcast is done; both processes
  are measured the same way, the emulator and this script are not included). Elsewhere than
  Linux the naive process reports ``ru_maxrss`` and ours is not measured.

Targets (from the issue), checked for both rows and printed as PASS/FAIL: ratio >= 0.9, 0
misses, 0 duplicates, no 429 in steady state, peak RSS < 150 MB. The bot and the emulator run
on the same machine (the emulator shares this script's event loop), so the figures compare
the two approaches; they are not production numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import logging
import os
import resource
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, ApplicationBuilder

from bot.sandbox import BotApiEmulator, FloodLimits
from surveys.clock import utcnow
from surveys.models import Area, DeliveryCounts
from surveys.registry import SurveyRegistry
from surveys.rounds import create_round
from surveys.store import Store

SCRIPT = Path(__file__).resolve()
TOKEN = "123456:BENCH-TOKEN"
SURVEY = "community-trust-safety"
FIRST_CHAT_ID = 100_000
ENFORCED_OVERALL = 30.0
ENFORCED_PER_CHAT = 1.0
LIMITS = FloodLimits(overall_per_second=ENFORCED_OVERALL, per_chat_per_second=ENFORCED_PER_CHAT)
INVITATION = "A new survey is open"
# The naive broadcast sends what ours sends: the English invitation and its Start button.
NAIVE_TEXT = (
    "<b>Community trust and safety</b>\n"
    "A new survey is open for your neighbourhood. It takes a few minutes; your answers are only "
    "ever reported for groups of residents."
)
NAIVE_BUTTON = ("Start: Community trust and safety", "1|svstart|1")
RATIO_TARGET = 0.9
RSS_TARGET_MB = 150.0
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
RATE_LIMITER_HINT = (
    "the naive baseline needs PTB's AIORateLimiter, which needs the aiolimiter package: "
    "pip install 'python-telegram-bot[rate-limiter]' (or run with --only ours)"
)


def say(text: str) -> None:
    """Progress for the person waiting, on stderr."""
    print(text, file=sys.stderr, flush=True)


# ---- measurement -----------------------------------------------------------------------------


@dataclass
class Result:
    """The figures of one variant."""

    name: str
    residents: int
    accepted: int = 0
    elapsed: float = 0.0
    rate_limited: int = 0
    rate_limited_steady: int = 0
    duplicates: int = 0
    misses: int = 0
    peak_rss_mb: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.accepted / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def ratio(self) -> float:
        return self.rate / ENFORCED_OVERALL


class Monitor:
    """Watches one emulator: when messages were accepted, when 429s were answered, progress."""

    def __init__(self, emulator: BotApiEmulator, label: str, total: int, every: float) -> None:
        self._emulator = emulator
        self._label = label
        self._total = total
        self._every = every
        self._base_sent = emulator.stats.sent_total
        self.started = time.monotonic()
        self.first_sent: float | None = None
        self.last_sent: float | None = None
        self.rate_limited_at: list[float] = []

    @property
    def sent(self) -> int:
        return self._emulator.stats.sent_total - self._base_sent

    async def run(self) -> None:
        """Record until cancelled, re-checking on every change of the emulator's state."""
        stats = self._emulator.stats
        seen_sent, seen_limited = stats.sent_total, stats.rate_limited_total
        next_report = self.started + self._every
        while True:
            await self._emulator.state.signal.wait(0.05)
            now = time.monotonic()
            if stats.sent_total != seen_sent:
                seen_sent = stats.sent_total
                if self.first_sent is None:
                    self.first_sent = now
                self.last_sent = now
            if stats.rate_limited_total > seen_limited:
                self.rate_limited_at += [now] * (stats.rate_limited_total - seen_limited)
                seen_limited = stats.rate_limited_total
            if now >= next_report:
                next_report += self._every
                self.report(now)

    def report(self, now: float, *, final: bool = False) -> None:
        end = (self.last_sent or now) if final else now
        since = end - (self.first_sent or end)
        rate = f", {self.sent / since:.1f}/s" if since > 1 else ""
        say(
            f"[{self._label}] {now - self.started:6.1f} s: {self.sent}/{self._total} delivered"
            f"{rate}, {len(self.rate_limited_at)} x 429"
        )

    def fill(self, result: Result, chat_ids: Sequence[int], steady_after: float) -> None:
        """Put the timing, 429 and per-chat figures into ``result``."""
        if self.first_sent is not None and self.last_sent is not None:
            result.elapsed = self.last_sent - self.first_sent
            cutoff = self.first_sent + steady_after
            result.rate_limited_steady = sum(at >= cutoff for at in self.rate_limited_at)
        result.rate_limited = self._emulator.stats.rate_limited_total
        by_chat = self._emulator.stats.sent_by_chat
        result.accepted = sum(by_chat[chat_id] for chat_id in chat_ids)
        invitations = Counter(
            {
                chat_id: sum(INVITATION in m.text for m in self._emulator.transcript(chat_id))
                for chat_id in chat_ids
            }
        )
        result.duplicates = sum(count > 1 for count in invitations.values())
        result.misses = sum(invitations[chat_id] == 0 for chat_id in chat_ids)


@contextlib.asynccontextmanager
async def monitoring(
    emulator: BotApiEmulator, label: str, total: int, every: float
) -> AsyncIterator[Monitor]:
    """Run a :class:`Monitor` for the block; a last progress line at its end."""
    monitor = Monitor(emulator, label, total, every)
    task = asyncio.create_task(monitor.run())
    try:
        yield monitor
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        monitor.report(time.monotonic(), final=True)


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """``VmHWM`` (peak resident set size) of a live process in MB; None where unavailable."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def ensure_users(emulator: BotApiEmulator, chat_ids: Sequence[int]) -> None:
    """Make every resident's private chat known to the emulator."""
    for chat_id in chat_ids:
        emulator.user(chat_id)


# ---- ours: feedbackbot run ---------------------------------------------------------------------


def write_config(directory: Path, emulator: BotApiEmulator, database: Path) -> Path:
    """A config for ``feedbackbot run``: every delivery default except quiet hours."""
    config = directory / "config.toml"
    config.write_text(f"""
[telegram]
token = "{TOKEN}"
api_base_url = "{emulator.base_url}"
file_base_url = "{emulator.base_file_url}"
poll_timeout = 1
[database]
path = "{database}"
[community]
name = "Broadcast Benchmark"
languages = ["en"]
timezone = "UTC"
[[areas]]
id = "north"
name = "North"
[delivery]
quiet_hours = ""
""")
    return config


async def seed(store: Store, chat_ids: Sequence[int]) -> None:
    """Onboarded residents written through the store (chat onboarding is not measured)."""
    await store.areas.sync([Area(id="north", name="North")])
    last_report = time.monotonic()
    for done, chat_id in enumerate(chat_ids, 1):
        resident = await store.residents.register(chat_id, chat_id, "en")
        await store.residents.consent(resident.id, "area")
        await store.residents.set_area(resident.id, "north", "done")
        if time.monotonic() - last_report >= 5:
            last_report = time.monotonic()
            say(f"[ours] seeding: {done}/{len(chat_ids)} residents")


async def open_round(store: Store) -> int:
    """A round opening now and closing in a day, as ``feedbackbot rounds create`` makes one."""
    now = utcnow()
    round_ = await create_round(
        store,
        SurveyRegistry(store, ["en"]),
        SURVEY,
        opens_at=now,
        closes_at=now + timedelta(days=1),
        zone=ZoneInfo("UTC"),
    )
    return round_.id


async def stop_process(process: asyncio.subprocess.Process) -> int:
    """SIGTERM, then SIGKILL if it does not stop in time; the exit status."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


async def run_ours(args: argparse.Namespace, workdir: Path) -> Result:
    residents = args.residents
    chat_ids = range(FIRST_CHAT_ID, FIRST_CHAT_ID + residents)
    result = Result("ours (feedbackbot run)", residents)
    database = workdir / "feedback.sqlite3"
    log_path = workdir / "bot.log"
    async with BotApiEmulator(token=TOKEN, limits=LIMITS) as emulator:
        ensure_users(emulator, chat_ids)
        store = await Store.open(database)
        try:
            say(f"[ours] seeding {residents} residents into {database}")
            await seed(store, chat_ids)
            config = write_config(workdir, emulator, database)
            command = [sys.executable, "-m", "bot", "--config", str(config), "run"]
            say(f"[ours] starting {' '.join(command)} (log: {log_path})")
            with log_path.open("wb") as log_file:
                bot = await asyncio.create_subprocess_exec(
                    *command, stdout=asyncio.subprocess.DEVNULL, stderr=log_file
                )
            try:
                await wait_started(emulator, bot, log_path)
                async with monitoring(emulator, "ours", residents, args.progress_every) as monitor:
                    round_id = await open_round(store)
                    say(f"[ours] round #{round_id} created; waiting for the round clock")
                    timed_out = not await drained(store, bot, log_path, deadline(residents))
                    await emulator.wait_idle(timeout=10)
                result.peak_rss_mb = peak_rss_mb(bot.pid)
            finally:
                status = await stop_process(bot)
            if status != 0:
                result.notes.append(f"ours: the bot exited with status {status}")
        finally:
            await store.close()
        monitor.fill(result, chat_ids, args.steady_after)
        counts = await outbox_counts(database)
    if timed_out:
        result.notes.append("ours: stopped at the time limit with messages still queued")
    if result.peak_rss_mb is None:
        result.notes.append("ours: peak RSS not measured (no /proc)")
    result.notes.append(
        f"ours: outbox at the end: {counts.sent} sent, {counts.failed} failed, "
        f"{counts.pending} pending"
    )
    return result


async def outbox_counts(database: Path) -> DeliveryCounts:
    store = await Store.open(database)
    try:
        return await store.outbox.counts()
    finally:
        await store.close()


def deadline(residents: int) -> float:
    """Give up at three times the best possible duration, plus start-up slack."""
    return time.monotonic() + 120 + 3 * residents / ENFORCED_OVERALL


async def wait_started(
    emulator: BotApiEmulator, bot: asyncio.subprocess.Process, log_path: Path
) -> None:
    """Until the bot has published its commands (it does that once its services are up)."""
    limit = time.monotonic() + STARTUP_TIMEOUT
    while emulator.stats.requests["setMyCommands"] == 0:
        if bot.returncode is not None or time.monotonic() > limit:
            raise RuntimeError(f"the bot did not start; its log ends with:\n{log_tail(log_path)}")
        await asyncio.sleep(0.1)


async def drained(
    store: Store, bot: asyncio.subprocess.Process, log_path: Path, until: float
) -> bool:
    """Until the round's invitations are queued and none is pending or in flight; False if
    the time ran out first."""
    while time.monotonic() < until:
        if bot.returncode is not None:
            raise RuntimeError(
                f"the bot exited with status {bot.returncode} during the broadcast; its log "
                f"ends with:\n{log_tail(log_path)}"
            )
        counts = await store.outbox.counts()
        if counts.queued and counts.pending == 0 and counts.sending == 0:
            return True
        await asyncio.sleep(0.5)
    return False


# ---- naive: asyncio.gather + AIORateLimiter ------------------------------------------------------


async def run_naive(args: argparse.Namespace, retries: int) -> Result:
    residents = args.residents
    chat_ids = range(FIRST_CHAT_ID, FIRST_CHAT_ID + residents)
    result = Result(f"naive (gather, AIORateLimiter max_retries={retries})", residents)
    async with BotApiEmulator(token=TOKEN, limits=LIMITS) as emulator:
        ensure_users(emulator, chat_ids)
        command = [
            sys.executable,
            str(SCRIPT),
            "--naive-child",
            emulator.base_url,
            "--residents",
            str(residents),
            "--naive-max-retries",
            str(retries),
        ]
        say(f"[naive] starting the gather broadcast to {residents} chats in a subprocess")
        async with monitoring(emulator, "naive", residents, args.progress_every) as monitor:
            child = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
            try:
                out, _ = await asyncio.wait_for(
                    child.communicate(), deadline(residents) - time.monotonic()
                )
            except TimeoutError:
                child.kill()
                await child.wait()
                out = b""
                result.notes.append("naive: killed at the time limit")
            await emulator.wait_idle(timeout=10)
        if child.returncode != 0:
            raise RuntimeError(f"the naive broadcast exited with status {child.returncode}")
        monitor.fill(result, chat_ids, args.steady_after)
    report = json.loads(out.decode().strip().splitlines()[-1]) if out.strip() else {}
    result.peak_rss_mb = report.get("peak_rss_mb")
    errors: dict[str, int] = report.get("errors", {})
    if errors:
        summary = ", ".join(f"{count} x {name}" for name, count in sorted(errors.items()))
        result.notes.append(f"naive: send_message raised {summary} (after retries)")
    if report.get("rss_source") == "ru_maxrss":
        result.notes.append("naive: peak RSS from ru_maxrss (no /proc)")
    return result


async def naive_broadcast(base_url: str, residents: int, retries: int) -> dict[str, Any]:
    """What a PTB user would write: one gather over every chat, AIORateLimiter in charge."""
    logging.getLogger("telegram").setLevel(logging.CRITICAL)  # no traceback per failed send
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(base_url)
        .rate_limiter(AIORateLimiter(max_retries=retries))
        .build()
    )
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(NAIVE_BUTTON[0], callback_data=NAIVE_BUTTON[1])]]
    )
    async with app:
        outcomes = await asyncio.gather(
            *(
                app.bot.send_message(
                    chat_id, NAIVE_TEXT, parse_mode=ParseMode.HTML, reply_markup=markup
                )
                for chat_id in range(FIRST_CHAT_ID, FIRST_CHAT_ID + residents)
            ),
            return_exceptions=True,
        )
    errors = Counter(type(o).__name__ for o in outcomes if isinstance(o, BaseException))
    rss = peak_rss_mb()
    source = "VmHWM"
    if rss is None:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        source = "ru_maxrss"
    return {"errors": dict(errors), "peak_rss_mb": rss, "rss_source": source}


# ---- report --------------------------------------------------------------------------------------


def table(results: Sequence[Result]) -> str:
    header = (
        f"{'variant':<44} {'sent':>6} {'secs':>7} {'msg/s':>6} {'ratio':>6} {'429s':>5} "
        f"{'steady':>6} {'dups':>5} {'misses':>6} {'RSS MB':>7}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        rss = f"{r.peak_rss_mb:.1f}" if r.peak_rss_mb is not None else "n/a"
        lines.append(
            f"{r.name:<44} {r.accepted:>6} {r.elapsed:>7.1f} {r.rate:>6.2f} {r.ratio:>6.3f} "
            f"{r.rate_limited:>5} {r.rate_limited_steady:>6} {r.duplicates:>5} {r.misses:>6} "
            f"{rss:>7}"
        )
    return "\n".join(lines)


def verdicts(result: Result) -> list[str]:
    def line(ok: bool, text: str) -> str:
        return f"  {'PASS' if ok else 'FAIL'}  {text}"

    rss = result.peak_rss_mb
    return [
        f"{result.name}:",
        line(
            result.ratio >= RATIO_TARGET, f"rate {result.ratio:.3f} of the limit >= {RATIO_TARGET}"
        ),
        line(result.misses == 0, f"{result.misses} misses == 0"),
        line(result.duplicates == 0, f"{result.duplicates} duplicates == 0"),
        line(
            result.rate_limited_steady == 0,
            f"{result.rate_limited_steady} x 429 in steady state == 0 "
            f"({result.rate_limited} in all)",
        ),
        line(rss < RSS_TARGET_MB, f"peak RSS {rss:.1f} MB < {RSS_TARGET_MB:.0f} MB")
        if rss is not None
        else "  ----  peak RSS not measured",
    ]


def print_report(args: argparse.Namespace, results: Sequence[Result]) -> None:
    print()
    print(
        f"Broadcast to {args.residents} residents; emulator limits: {ENFORCED_OVERALL:.0f}/s "
        f"overall, {ENFORCED_PER_CHAT:.0f}/s per chat; steady state = after the first "
        f"{args.steady_after:g} s"
    )
    print(table(results))
    ours = next((r for r in results if r.name.startswith("ours")), None)
    for naive in results:
        if ours and naive is not ours and naive.rate > 0:
            print(f"ours / {naive.name}: rate x{ours.rate / naive.rate:.3f}")
    print()
    for result in results:
        print("\n".join(verdicts(result)))
    for result in results:
        for note in result.notes:
            print(f"note: {note}")


# ---- entry point -------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python tests/benchmarks/bench_broadcast.py",
        description=(
            "Broadcast a survey round's invitations to N residents with the real bot "
            "(feedbackbot run) and with a naive asyncio.gather + PTB AIORateLimiter, both "
            "against the Bot API emulator enforcing 30 messages/s overall and 1/s per chat; "
            "print the achieved rate as a ratio of the limit, 429s, duplicates, misses and peak "
            "RSS. About 6 minutes per variant for 10,000 residents. The naive baseline needs "
            "pip install 'python-telegram-bot[rate-limiter]'."
        ),
    )
    parser.add_argument(
        "--residents",
        type=int,
        default=10_000,
        help="residents (chats) to invite (default %(default)s)",
    )
    parser.add_argument(
        "--only",
        choices=("ours", "naive"),
        help="run one variant only (default: both, ours first)",
    )
    parser.add_argument(
        "--naive-max-retries",
        type=int,
        nargs="+",
        default=[3],
        metavar="N",
        help="AIORateLimiter(max_retries=N) for the naive baseline; several values run one "
        "naive row each (PTB's default is 0; default: 3)",
    )
    parser.add_argument(
        "--steady-after",
        type=float,
        default=2.0,
        help="seconds after the first message from which a 429 counts as steady state "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--progress-every",
        type=float,
        default=10.0,
        help="seconds between progress lines on stderr (default %(default)s)",
    )
    parser.add_argument("--naive-child", metavar="BASE_URL", help=argparse.SUPPRESS)
    return parser


async def run(args: argparse.Namespace) -> list[Result]:
    results = []
    if args.only in (None, "ours"):
        with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as workdir:
            results.append(await run_ours(args, Path(workdir)))
    if args.only in (None, "naive"):
        for retries in args.naive_max_retries:
            results.append(await run_naive(args, retries))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.residents < 1:
        parser().error("--residents must be at least 1")
    if min(args.naive_max_retries) < 0:
        parser().error("--naive-max-retries must be 0 or more")
    if args.naive_child:
        report = asyncio.run(
            naive_broadcast(args.naive_child, args.residents, args.naive_max_retries[0])
        )
        print(json.dumps(report), flush=True)
        return 0
    if args.only != "ours" and importlib.util.find_spec("aiolimiter") is None:
        print(f"error: {RATE_LIMITER_HINT}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    print_report(args, asyncio.run(run(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
