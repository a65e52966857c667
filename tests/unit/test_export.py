"""Exports parsed back (csv, zip, xlsx, json) and compared with the aggregates; privacy of the
raw answers; the audit entry; charts; and the ``export`` / ``demo generate`` commands."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
import shutil
import sqlite3
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from surveys.aggregate import RoundReport, survey_reports, survey_rounds, survey_trend
from surveys.charts import index_trend_chart, question_chart
from surveys.demo import DEMO_SURVEY, generate
from surveys.export import (
    SUPPRESSED,
    TABLE_COLUMNS,
    ExportDocument,
    ExportFormat,
    ExportRequest,
    run_export,
    schema_path,
)
from surveys.library import load_builtin
from surveys.models import Area
from surveys.store import Store

K = 5
TELEGRAM_BASE = 987_654_000_000
RESIDENTS = 160
AREAS = (
    Area(id="north", name="North", population=9000),
    Area(id="south", name="South", population=7000),
    Area(id="tiny", name="Tiny", population=200),
)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two rounds of demo data with distinctive Telegram ids and one tiny area."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    asyncio.run(
        generate(
            path,
            residents=RESIDENTS,
            rounds=2,
            seed=11,
            areas=AREAS,
            languages=["en", "es"],
            telegram_id_base=TELEGRAM_BASE,
        )
    )
    return path


@pytest.fixture
async def store(demo_db: Path, tmp_path: Path) -> AsyncIterator[Store]:
    path = tmp_path / "db.sqlite3"
    shutil.copy(demo_db, path)
    store = await Store.open(path)
    yield store
    await store.close()


async def export(
    store: Store, out: Path, fmt: ExportFormat, **options: object
) -> tuple[list[RoundReport], Path]:
    request = ExportRequest(out=out, format=fmt, min_group_size=K, **options)  # type: ignore[arg-type]
    await run_export(store, request)
    rounds = await survey_rounds(store, DEMO_SURVEY)
    if request.round_id is not None:
        rounds = [r for r in rounds if r.id <= request.round_id]
    reports = await survey_reports(store, rounds, min_group_size=K, language=request.language)
    if request.round_id is not None:
        reports = reports[-1:]
    return reports, out


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def check_tables(
    tables: dict[str, list[dict[str, str]]], reports: list[RoundReport], *, digits: int = 17
) -> None:
    """The exported tables say what the reports say: counts exactly, numbers to ``digits``
    significant digits (csv keeps all 17; openpyxl writes 16)."""

    def same(cell: str, value: float | None) -> bool:
        parsed = number(cell)
        if parsed is None or value is None:
            return parsed is value
        return math.isclose(parsed, value, rel_tol=10.0 ** (1 - digits), abs_tol=0.0)

    assert set(tables) == set(TABLE_COLUMNS)
    by_round = {r.summary.round_id: r for r in reports}
    assert [int(row["round_id"]) for row in tables["summary"]] == list(by_round)
    for row in tables["summary"]:
        summary = by_round[int(row["round_id"])].summary
        assert int(row["invited"]) == summary.invited
        assert int(row["delivered"]) == summary.delivered
        assert int(row["started"]) == summary.started
        assert int(row["completed"]) == summary.completed
        assert summary.response_rate is not None
        assert same(row["response_rate"], summary.response_rate.value)
    shares = {
        (int(row["round_id"]), row["question_id"], row["option"]): row
        for row in tables["questions"]
        if row["measure"] == "share"
    }
    for report in reports:
        for question in report.questions:
            for option in question.options:
                row = shares[(report.summary.round_id, question.question_id, option.code)]
                assert int(row["count"]) == option.share.successes
                assert int(row["n"]) == option.share.n == question.answered
                assert same(row["value"], option.share.value)
                assert same(row["low"], option.share.low)
                assert same(row["high"], option.share.high)
        for index in report.indices:
            row = next(
                r
                for r in tables["indices"]
                if int(r["round_id"]) == report.summary.round_id and r["index"] == index.key
            )
            scale = 100.0 if index.method == "share_agree" else 1.0
            assert index.estimate.value is not None
            assert same(row["value"], index.estimate.value * scale)
            assert int(row["n"]) == index.estimate.n
    statuses = {(int(r["round_id"]), r["area_id"]): r["status"] for r in tables["areas"]}
    for report in reports:
        for area in report.areas:
            expected = "suppressed" if area.suppressed else "published"
            assert statuses[(report.summary.round_id, area.area_id)] == expected
    hidden = {(r.summary.round_id, a.area_id) for r in reports for a in r.areas if a.suppressed}
    assert hidden, "the tiny area should be suppressed in the demo data"
    assert all((int(r["round_id"]), r["area_id"]) not in hidden for r in tables["area_figures"])
    raw_areas = {row["area_id"] for row in tables["responses"]}
    assert SUPPRESSED in raw_areas and "tiny" not in raw_areas


def raw_count(store_path: Path, *, include_text: bool) -> int:
    """Answers in the database; without text, answers to text questions (even skipped) don't
    count."""
    texts = [q.id for q in load_builtin(DEMO_SURVEY, ["en"]).questions if q.type == "text"]
    with sqlite3.connect(store_path) as conn:
        rows = conn.execute("SELECT question_id FROM answers").fetchall()
    return sum(1 for (qid,) in rows if include_text or qid not in texts)


async def test_csv_folder_round_trips(store: Store, tmp_path: Path) -> None:
    """If a survey is exported as a csv folder, then every table parses back to the report's
    numbers, suppressed areas have no figures, and the raw table has one row per answer."""
    reports, out = await export(store, tmp_path / "out", "csv", survey_key=DEMO_SURVEY)
    tables = {name: read_csv((out / f"{name}.csv").read_text("utf-8")) for name in TABLE_COLUMNS}
    check_tables(tables, reports)
    assert len(tables["responses"]) == raw_count(store.db.path, include_text=False)
    assert list(tables["responses"][0]) == list(TABLE_COLUMNS["responses"])


async def test_zip_and_xlsx_hold_the_same_tables(store: Store, tmp_path: Path) -> None:
    """If the same export is written as a zip of csv files and as xlsx, then both hold the
    same tables, with the same numbers as the report."""
    reports, zipped = await export(store, tmp_path / "out.zip", "csv", survey_key=DEMO_SURVEY)
    with zipfile.ZipFile(zipped) as archive:
        assert sorted(archive.namelist()) == sorted(f"{n}.csv" for n in TABLE_COLUMNS)
        from_zip = {
            name: read_csv(archive.read(f"{name}.csv").decode("utf-8")) for name in TABLE_COLUMNS
        }
    check_tables(from_zip, reports)
    _, book_path = await export(store, tmp_path / "out.xlsx", "xlsx", survey_key=DEMO_SURVEY)
    book = load_workbook(book_path, read_only=True)
    assert book.sheetnames == list(TABLE_COLUMNS)
    from_xlsx: dict[str, list[dict[str, str]]] = {}
    for name in TABLE_COLUMNS:
        rows = list(book[name].iter_rows(values_only=True))
        assert rows[0] == TABLE_COLUMNS[name]
        width = len(rows[0])  # read-only sheets drop trailing empty cells
        from_xlsx[name] = [
            {
                col: "" if cell is None else str(cell)
                for col, cell in zip(rows[0], (*row, *[None] * (width - len(row))), strict=True)
            }
            for row in rows[1:]
        ]
    book.close()
    check_tables(from_xlsx, reports, digits=15)
    assert len(from_xlsx["responses"]) == len(from_zip["responses"])


async def test_json_validates_against_its_models(store: Store, tmp_path: Path) -> None:
    """If a survey is exported as JSON, then the document validates as ExportDocument, its
    reports and trend equal the aggregates, and a JSON Schema lies beside it."""
    reports, out = await export(
        store, tmp_path / "out.json", "json", survey_key=DEMO_SURVEY, language="es"
    )
    document = ExportDocument.model_validate_json(out.read_text("utf-8"))
    assert document.reports == reports
    assert [p.round_id for p in document.trend.series[0].points] == [
        r.summary.round_id for r in reports
    ]
    assert document.language == "es" and reports[0].questions[0].text.startswith("¿")
    assert len(document.responses) == raw_count(store.db.path, include_text=False)
    schema = json.loads(schema_path(out).read_text("utf-8"))
    assert schema["title"] == "ExportDocument"
    assert {"reports", "trend", "responses"} <= set(schema["properties"])


async def test_trend_in_json_equals_survey_trend(store: Store, tmp_path: Path) -> None:
    """If a survey is exported, then its trend figures equal survey_trend's."""
    _, out = await export(store, tmp_path / "out.json", "json", survey_key=DEMO_SURVEY)
    document = ExportDocument.model_validate_json(out.read_text("utf-8"))
    trend = await survey_trend(store, DEMO_SURVEY, min_group_size=K)
    assert [s.points for s in document.trend.series] == [s.points for s in trend.series]


def _contents(path: Path) -> list[bytes]:
    """The bytes of a file, or of every member if it is a zip (xlsx files are zips too)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return [archive.read(name) for name in archive.namelist()]
    return [path.read_bytes()]


async def test_no_telegram_id_in_any_export(store: Store, tmp_path: Path) -> None:
    """If everything is exported in every format, charts and free text included, then no
    resident's Telegram id (or chat id) appears in any byte of any file."""
    for fmt, name in (("csv", "folder"), ("csv", "a.zip"), ("xlsx", "a.xlsx"), ("json", "a.json")):
        await export(
            store,
            tmp_path / "out" / name,
            fmt,  # type: ignore[arg-type]
            survey_key=DEMO_SURVEY,
            include_text=True,
            charts=tmp_path / "out" / "charts" if fmt == "json" else None,
        )
    files = [path for path in (tmp_path / "out").rglob("*") if path.is_file()]
    assert len(files) > 10
    ids = [str(TELEGRAM_BASE + n).encode() for n in range(1, RESIDENTS + 1)]
    for path in files:
        for blob in _contents(path):
            assert str(TELEGRAM_BASE)[:8].encode() not in blob, path
            assert not any(telegram_id in blob for telegram_id in ids), path


async def test_free_text_only_when_asked(store: Store, tmp_path: Path) -> None:
    """If --include-text is off, then the raw table has no free-text answers; on, it has them."""
    await export(store, tmp_path / "plain", "csv", round_id=2)
    await export(store, tmp_path / "text", "csv", round_id=2, include_text=True)
    plain = read_csv((tmp_path / "plain" / "responses.csv").read_text("utf-8"))
    text = read_csv((tmp_path / "text" / "responses.csv").read_text("utf-8"))
    assert all(row["question_type"] != "text" for row in plain)
    written = [row for row in text if row["question_type"] == "text" and row["answer"]]
    assert written and len(text) == len(plain) + sum(
        1 for row in text if row["question_type"] == "text"
    )
    assert {row["round_id"] for row in plain} == {"2"}


async def test_round_export_and_audit(store: Store, tmp_path: Path) -> None:
    """If one round is exported, then the tables hold that round, the trend runs up to it,
    and the audit log records the export as an allowed CLI action."""
    _, out = await export(store, tmp_path / "r1", "csv", round_id=1)
    summary = read_csv((out / "summary.csv").read_text("utf-8"))
    assert [row["round_id"] for row in summary] == ["1"]
    trend = read_csv((out / "trend.csv").read_text("utf-8"))
    assert {row["round_id"] for row in trend} == {"1"}
    entry = (await store.audit.recent(1))[0]
    assert (entry.actor_role, entry.action, entry.allowed) == ("cli", "export", True)
    assert entry.detail["rounds"] == [1] and entry.detail["format"] == "csv"


async def test_raw_answers_stream_in_bounded_chunks(store: Store) -> None:
    """If raw answers are read, then they arrive in chunks no larger than asked, so an export
    never holds every answer in memory."""
    sizes = [
        len(chunk) async for chunk in store.results.raw_answers(1, include_text=True, chunk=100)
    ]
    assert len(sizes) > 2 and max(sizes) <= 100
    with sqlite3.connect(store.db.path) as conn:
        expected = conn.execute(
            "SELECT COUNT(*) FROM answers a JOIN responses r ON r.id = a.response_id "
            "WHERE r.round_id = 1"
        ).fetchone()[0]
    assert sum(sizes) == expected


async def test_charts_are_png(store: Store) -> None:
    """If a report is charted, then each question with figures gives a PNG, a text question
    none, and the index trend a PNG."""
    rounds = await survey_rounds(store, DEMO_SURVEY)
    report = (await survey_reports(store, rounds[-1:], min_group_size=K))[0]
    charts = {q.question_id: question_chart(q, language="es") for q in report.questions}
    assert charts["top_problem"] is None
    assert all(
        png is not None and png.startswith(PNG) for q, png in charts.items() if q != "top_problem"
    )
    trend = await survey_trend(store, DEMO_SURVEY, min_group_size=K)
    png = index_trend_chart(trend)
    assert png is not None and png.startswith(PNG)


# --- the commands -----------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\npath = "{tmp_path / "demo.sqlite3"}"\n'
        '[community]\nlanguages = ["en", "es"]\n'
        f"[privacy]\nmin_group_size = {K}\n",
        encoding="utf-8",
    )
    return path


def test_demo_generate_then_export(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """If demo data is generated and exported from the command line, then both exit 0, the
    files exist, and a second generate without --force is a usage error."""
    database = tmp_path / "demo.sqlite3"
    args = ["--config", str(config), "demo", "generate", "--out", str(database)]
    assert main([*args, "--residents", "80", "--rounds", "2"]) == 0
    assert main([*args, "--residents", "80"]) == 2
    assert "--force" in capsys.readouterr().err
    out = tmp_path / "e.json"
    code = main(
        [
            "--config",
            str(config),
            "export",
            "--survey",
            DEMO_SURVEY,
            "--format",
            "json",
            "--out",
            str(out),
            "--charts",
            str(tmp_path / "charts"),
        ]
    )
    assert code == 0
    assert out.is_file() and schema_path(out).is_file()
    assert any((tmp_path / "charts").glob("*.png"))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--round", "999"], "round 999 does not exist"),
        (["--survey", "nope"], "no open or closed rounds of survey 'nope'"),
        (["--round", "1", "--since", "2025-01-01"], "--since applies to --survey"),
        (["--survey", DEMO_SURVEY, "--since", "yesterday"], "cannot read 'yesterday'"),
    ],
)
def test_export_usage_errors(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    """If the export names an unknown round or survey, or mixes options, then it exits 2 with
    one clear line and writes nothing."""
    main(
        [
            "--config",
            str(config),
            "demo",
            "generate",
            "--out",
            str(tmp_path / "demo.sqlite3"),
            "--residents",
            "20",
            "--rounds",
            "1",
        ]
    )
    capsys.readouterr()
    out = tmp_path / "x.csv"
    code = main(["--config", str(config), "export", *extra, "--format", "csv", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and message in err
    assert not out.exists()


def test_export_without_database(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """If the configured database does not exist, then export exits 2 instead of creating it."""
    code = main(
        [
            "--config",
            str(config),
            "export",
            "--round",
            "1",
            "--format",
            "csv",
            "--out",
            str(tmp_path / "x"),
        ]
    )
    assert code == 2 and "no such database" in capsys.readouterr().err
    assert not (tmp_path / "demo.sqlite3").exists()
