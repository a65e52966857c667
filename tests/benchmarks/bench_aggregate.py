"""Benchmark: a full round report and a 10-round trend against a bare GROUP BY over the answers.

Run from the repository root (generation of the default size takes a minute or two and is not
measured)::

    .venv/bin/python tests/benchmarks/bench_aggregate.py [--residents 100000 --rounds 10]

The synthetic database (``surveys.demo``) is generated in a child process, so the peak RSS
printed is that of the measuring process alone. Every time is the best of ``--repeat`` runs
after one warm-up (the database file is then in the OS page cache for every contender). The
"floor" is what SQLite needs to merely group every answer once::

    SELECT question_id, code, COUNT(*) FROM answers GROUP BY question_id, code

Targets: a full round report at most 3x the floor, peak RSS under 300 MB.

``--export csv`` (``xlsx``, ``json``; repeatable) also times exports of every round: the whole
export (reports of every round, trend, tables, raw answers) and its raw part alone (the
answers streamed into the format's writer), each against the export floor measured in the
same run (every answer of the closed rounds read and dropped). Target: the raw answers stream
at 250,000 answers/s or more; the peak RSS shows memory does not grow with the answers.

Not a pytest module (pytest collects ``test_*.py`` from tests/unit and tests/e2e only).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from surveys.aggregate import round_report
from surveys.demo import DEMO_SURVEY
from surveys.export import ExportRequest, run_export
from surveys.store import Store
from surveys.trend import survey_trend

REPORT_TARGET = 3.0
RSS_TARGET_MB = 300.0
MIN_GROUP_SIZE = 10
FLOORS = {
    "floor: GROUP BY question_id, code": (
        "SELECT question_id, code, COUNT(*) FROM answers GROUP BY question_id, code"
    ),
    "floor: GROUP BY question_id, num": (
        "SELECT question_id, num, COUNT(*) FROM answers GROUP BY question_id, num"
    ),
}

_GENERATE = """
import asyncio, sys, time
from pathlib import Path
from surveys.demo import generate
started = time.perf_counter()
summary = asyncio.run(generate(Path(sys.argv[1]), residents=int(sys.argv[2]),
                               rounds=int(sys.argv[3]), seed=int(sys.argv[4]), progress=True))
print(summary.responses, summary.answers, time.perf_counter() - started)
"""


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def generate(path: Path, residents: int, rounds: int, seed: int) -> str:
    """Create the database in a child process; returns a one-line description."""
    done = subprocess.run(
        [sys.executable, "-c", _GENERATE, str(path), str(residents), str(rounds), str(seed)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    responses, answers, seconds = done.stdout.split()
    return (
        f"{residents:,} residents, {rounds} rounds, {int(responses):,} responses, "
        f"{int(answers):,} answers (generated in {float(seconds):.0f} s, not measured)"
    )


def describe(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        residents = conn.execute("SELECT COUNT(*) FROM residents").fetchone()[0]
        rounds = conn.execute("SELECT COUNT(*) FROM rounds").fetchone()[0]
        responses = conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        answers = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    return (
        f"{residents:,} residents, {rounds} rounds, {responses:,} responses, "
        f"{answers:,} answers (existing file)"
    )


def time_floor(path: Path, sql: str, repeat: int) -> float:
    with sqlite3.connect(path) as conn:
        conn.execute(sql).fetchall()  # warm-up
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            conn.execute(sql).fetchall()
            best = min(best, time.perf_counter() - started)
    return best


async def time_async(action: Callable[[], Awaitable[object]], repeat: int) -> float:
    await action()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        await action()
        best = min(best, time.perf_counter() - started)
    return best


async def measure(path: Path, repeat: int, exports: list[str]) -> list[tuple[str, float]]:
    store = await Store.open(path)
    try:
        rounds = [r for r in await store.rounds.find() if r.survey_key == DEMO_SURVEY]
        last = rounds[-1].id
        results = [
            (
                f"full round report (round {last})",
                await time_async(
                    lambda: round_report(store, last, min_group_size=MIN_GROUP_SIZE), repeat
                ),
            ),
            (
                f"{len(rounds)}-round trend",
                await time_async(
                    lambda: survey_trend(store, DEMO_SURVEY, min_group_size=MIN_GROUP_SIZE),
                    max(1, repeat - 1),
                ),
            ),
        ]
        for fmt in exports:
            results.extend(await measure_export(store, fmt, repeat))
        return results
    finally:
        await store.close()


RAW_TARGET = 250_000
"""Answers per second a raw export must stream (issue 10, item 3)."""
RAW_PREFIX = "export raw answers only: "
RAW_RATES: dict[str, float] = {}

EXPORT_FLOOR = (
    "SELECT a.response_id, a.question_id, a.value FROM answers a "
    "JOIN responses r ON r.id = a.response_id JOIN rounds o ON o.id = r.round_id "
    "WHERE o.status = 'closed'"
)
"""What an export must at least read: every answer of the closed rounds, fetched and dropped."""


def time_rows(path: Path, sql: str, repeat: int) -> tuple[float, int]:
    """Best time to fetch every row of ``sql`` in chunks, and the number of rows."""
    best, count = float("inf"), 0
    with sqlite3.connect(path) as conn:
        for _ in range(repeat + 1):  # the first run warms the page cache
            started, count = time.perf_counter(), 0
            cursor = conn.execute(sql)
            while rows := cursor.fetchmany(20_000):
                count += len(rows)
            best = min(best, time.perf_counter() - started)
    return best, count


def stream_raw(store: Store, fmt: str, folder: Path) -> tuple[float, float, int]:
    """Only the raw answers of every closed round, streamed into the format's writer: the part
    of an export that grows with the number of answers (reports are measured above). Returns
    (wall seconds, CPU seconds of the process's threads meanwhile, answers): the stream runs
    in three threads (reading, formatting, deflating), so on a machine shared with other work
    the CPU time says what it costs even when the wall time is stretched."""
    from zoneinfo import ZoneInfo

    from surveys.aggregate import reports_of, rounds_of
    from surveys.definitions import SurveyDefinition
    from surveys.export.csv_writer import CsvWriter
    from surveys.export.json_writer import JsonWriter
    from surveys.export.pseudonyms import Pseudonyms
    from surveys.export.raw import WideLayout, plan_release, responses
    from surveys.export.writer import Writer
    from surveys.export.xlsx_writer import XlsxWriter

    zone = ZoneInfo("Europe/Madrid")
    with store.results.snapshot() as reader:
        rounds = rounds_of(reader, DEMO_SURVEY)
        reports = reports_of(reader, rounds, min_group_size=MIN_GROUP_SIZE, areas_too=False)
        definitions = [
            SurveyDefinition.from_stored(reader.definition_json(r.survey_version_id))
            for r in rounds
        ]
        release = plan_release(rounds, reports, definitions, MIN_GROUP_SIZE)
        layout = WideLayout.of(definitions, False)
        out = folder / f"raw.{'zip' if fmt == 'csv' else fmt}"
        writer: Writer = (
            CsvWriter(out, zone)
            if fmt == "csv"
            else XlsxWriter(out, zone)
            if fmt == "xlsx"
            else JsonWriter(out, zone, {})
        )
        started, cpu = time.perf_counter(), time.process_time()
        count = writer.responses(
            responses(
                reader,
                release,
                language="en",
                layout=layout,
                pseudonyms=Pseudonyms(),
                zone=zone,
                include_text=False,
            ),
            layout,
            None,
        )
        writer.close()
        return time.perf_counter() - started, time.process_time() - cpu, count


async def measure_export(store: Store, fmt: str, repeat: int) -> list[tuple[str, float]]:
    """The whole export (reports, trend, tables, raw answers) and its raw part alone."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"export.{'zip' if fmt == 'csv' else fmt}"
        request = ExportRequest(
            out=out,
            format=fmt,  # type: ignore[arg-type]
            min_group_size=MIN_GROUP_SIZE,
            method_note=lambda facts: ["method"],
            survey_key=DEMO_SURVEY,
        )
        best, rows = float("inf"), 0
        for _ in range(max(1, repeat - 1)):
            started = time.perf_counter()
            rows = (await run_export(store, request)).raw_rows
            best = min(best, time.perf_counter() - started)
        results.append((f"export {fmt}: whole ({rows / best:,.0f} answers/s)", best))
        raw = [await asyncio.to_thread(stream_raw, store, fmt, Path(folder)) for _ in range(repeat)]
        seconds, cpu, rows = min(raw)
        results.append(
            (
                f"{RAW_PREFIX}{fmt} ({rows / seconds:,.0f} answers/s; "
                f"CPU of all threads {cpu:.2f} s)",
                seconds,
            )
        )
        RAW_RATES[fmt] = rows / seconds
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best)")
    parser.add_argument("--db", type=Path, help="reuse (or create and keep) this database")
    parser.add_argument(
        "--export",
        choices=["csv", "xlsx", "json"],
        action="append",
        default=[],
        help="also time an export of every round in this format (repeatable)",
    )
    args = parser.parse_args()
    baseline = peak_rss_mb()  # Python, SQLite, pydantic, scipy, matplotlib, openpyxl loaded

    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "bench.sqlite3"
        if path.exists():
            data = describe(path)
        else:
            data = generate(path, args.residents, args.rounds, args.seed)
        floors = {name: time_floor(path, sql, args.repeat) for name, sql in FLOORS.items()}
        export_floor = time_rows(path, EXPORT_FLOOR, args.repeat) if args.export else None
        measured = asyncio.run(measure(path, args.repeat, args.export))
    floor = next(iter(floors.values()))
    rss = peak_rss_mb()

    print(f"\ndata: {data}")
    print(f"sqlite {sqlite3.sqlite_version}, best of {args.repeat} after a warm-up\n")
    print(f"{'measurement':<48}{'seconds':>9}{'x floor':>9}  target")
    print("-" * 80)
    ok = True
    for name, seconds in [*floors.items(), *(m for m in measured if not m[0].startswith("export"))]:
        target = ""
        if name.startswith("full round report"):
            passed = seconds / floor <= REPORT_TARGET
            ok &= passed
            target = f"<= {REPORT_TARGET:.0f}x  {'OK' if passed else 'MISSED'}"
        print(f"{name:<48}{seconds:>9.3f}{seconds / floor:>9.2f}  {target}")
    if export_floor is not None:
        floor_seconds, floor_rows = export_floor
        print(
            f"\nexports: floor = read every answer of the closed rounds ({floor_rows:,} rows): "
            f"{floor_seconds:.3f} s, {floor_rows / floor_seconds:,.0f} rows/s"
        )
        print(f"{'measurement':<66}{'seconds':>9}{'x floor':>9}  target")
        print("-" * 100)
        for name, seconds in measured:
            if not name.startswith("export"):
                continue
            target = ""
            if name.startswith(RAW_PREFIX):
                fmt = name.removeprefix(RAW_PREFIX).split()[0]
                passed = RAW_RATES[fmt] >= RAW_TARGET
                ok &= passed
                target = f">= {RAW_TARGET:,}/s  {'OK' if passed else 'MISSED'}"
            print(f"{name:<66}{seconds:>9.3f}{seconds / floor_seconds:>9.2f}  {target}")
    print(f"{'RSS after imports, before any work':<48}{baseline:>6.0f} MB")
    passed = rss < RSS_TARGET_MB
    ok &= passed
    print(
        f"{'peak RSS of this process':<48}{rss:>6.0f} MB{'':>9}  "
        f"< {RSS_TARGET_MB:.0f} MB  {'OK' if passed else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
