"""Exports parsed back (csv, zip, xlsx, json) and compared with the aggregates and with each
other; what an export lets a reader learn (pseudonyms, hidden areas, withheld rounds, small
bases); resident text as text; the method note; charts; and the ``export`` command."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import json
import math
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bot.cli import main
from bot.reports import headline, method_note
from bot.texts import Catalogue
from surveys.aggregate import RoundReport, survey_reports, survey_rounds
from surveys.charts import (
    area_chart,
    area_figure,
    question_chart,
    question_figure,
    trend_chart,
    trend_figure,
)
from surveys.clock import to_db
from surveys.demo import DEMO_SURVEY, generate
from surveys.export import (
    HIDDEN_AREA,
    REPORT_TABLES,
    RESPONSES,
    ExportFormat,
    ExportRequest,
    ExportResult,
    document_model,
    run_export,
    schema_path,
)
from surveys.export.columns import CODEBOOK
from surveys.export.csv_writer import CsvWriter
from surveys.export.json_writer import JsonWriter
from surveys.export.pseudonyms import Pseudonyms
from surveys.export.raw import LocalDays, Response, WideLayout
from surveys.export.writer import Writer
from surveys.export.xlsx_writer import XlsxWriter
from surveys.library import load_builtin
from surveys.models import Area
from surveys.purposes import invite as invite_purpose
from surveys.store import Store
from surveys.store.bulk import BulkWriter
from surveys.store.results import QUESTION_SEPARATOR, VALUE_SEPARATOR
from surveys.trend import survey_trend
from tests.worlds import World, world_database, worlds

K = 5
ZONE = ZoneInfo("Europe/Madrid")
TELEGRAM_BASE = 987_654_000_000
RESIDENTS = 160
AREAS = (
    Area(id="north", name="North", population=9000),
    Area(id="south", name="South", population=7000),
    Area(id="tiny", name="Tiny", population=200),
)
PNG = b"\x89PNG\r\n\x1a\n"
TEXTS = Catalogue.load(["en", "es"])
SHEETS = ["README", "codebook", *(t.name for t in REPORT_TABLES), "responses", "respondents"]


def note(facts: Any) -> list[str]:
    return method_note(TEXTS, facts)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two closed rounds of demo data with distinctive Telegram ids and one tiny area."""
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
    store: Store, out: Path, fmt: ExportFormat, *, k: int = K, **options: Any
) -> ExportResult:
    request = ExportRequest(
        out=out, format=fmt, min_group_size=k, method_note=note, time_zone=ZONE, **options
    )
    return await run_export(store, request)


async def reports_of(store: Store, language: str | None = None) -> list[RoundReport]:
    rounds = await survey_rounds(store, DEMO_SURVEY)
    return await survey_reports(store, rounds, min_group_size=K, language=language)


# --- reading exports back ---------------------------------------------------------------------

Table = list[dict[str, Any]]


def read_csv(text: str) -> Table:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def csv_tables(folder: Path) -> dict[str, Table]:
    return {p.stem: read_csv(p.read_text("utf-8")) for p in folder.glob("*.csv")}


def xlsx_tables(path: Path) -> dict[str, Table]:
    book = load_workbook(path, read_only=True)
    tables = {}
    for name in book.sheetnames:
        if name == "README":
            continue
        rows = list(book[name].iter_rows(values_only=True))
        header = rows[0]
        tables[name] = [
            dict(zip(header, (*row, *[None] * (len(header) - len(row))), strict=True))
            for row in rows[1:]
        ]
    book.close()
    return tables


def json_tables(path: Path) -> dict[str, Table]:
    document = json.loads(path.read_text("utf-8"))
    return {name: document[name] for name in ("codebook", *(t.name for t in REPORT_TABLES))} | {
        "responses": document["responses"]
    }


def normal(value: Any) -> Any:
    """One comparable form of a cell from any format: numbers as floats, flags as yes/no,
    times as local 'YYYY-MM-DD HH:MM:SS', empty as None."""
    if value is None or value == "":
        return None
    if value is True or value is False:
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, str):
        if re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", value):
            return float(value)
        if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", value):
            return datetime.fromisoformat(value).replace(tzinfo=None).isoformat(sep=" ")
    return value


def normalised(tables: dict[str, Table]) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [{k: normal(v) for k, v in row.items()} for row in rows]
        for name, rows in tables.items()
    }


def released_answers(path: Path, *, include_text: bool) -> int:
    """Answers of the closed rounds; without text, answers to text questions don't count."""
    texts = [q.id for q in load_builtin(DEMO_SURVEY, ["en"]).questions if q.type == "text"]
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT a.question_id FROM answers a JOIN responses r ON r.id = a.response_id "
            "JOIN rounds o ON o.id = r.round_id WHERE o.status = 'closed'"
        ).fetchall()
    return sum(1 for (qid,) in rows if include_text or qid not in texts)


def pct(value: float | None) -> float | None:
    return None if value is None else value * 100.0


# --- tables -----------------------------------------------------------------------------------


async def test_csv_folder_says_what_the_reports_say(store: Store, tmp_path: Path) -> None:
    """If a survey is exported as a csv folder, then every table parses back to the report's
    numbers (shares in percent, exact to the last digit), hidden areas have no figures and
    read (hidden) in the raw rows, and the raw table has one row per released answer."""
    result = await export(store, tmp_path / "out", "csv", survey_key=DEMO_SURVEY)
    tables = csv_tables(tmp_path / "out")
    assert set(tables) == {"codebook", *(t.name for t in REPORT_TABLES), "responses", "respondents"}
    reports = await reports_of(store)
    by_round = {r.summary.round_id: r for r in reports}
    for row in tables["summary"]:
        summary = by_round[int(row["round_id"])].summary
        assert summary.rr1 is not None and summary.rr2 is not None
        assert int(row["started"]) == summary.started
        assert int(row["partial"]) == summary.partial
        assert float(row["rr1_pct"]) == pct(summary.rr1.value)
        assert float(row["rr2_pct_high"]) == pct(summary.rr2.high)
        assert row["raw_answers"] == "released"
    shares = {
        (int(r["round_id"]), r["question_id"], r["option"]): r
        for r in tables["questions"]
        if r["measure"] == "share"
    }
    for report in reports:
        for question in report.questions:
            for option in question.options:
                row = shares[(report.summary.round_id, question.question_id, option.code)]
                assert int(row["count"]) == option.share.successes
                assert int(row["n"]) == option.share.n == question.answered
                assert float(row["pct"]) == pct(option.share.value)
                assert float(row["pct_low"]) == pct(option.share.low)
                if option.weighted is not None:
                    assert float(row["weighted_pct"]) == pct(option.weighted.value)
                    assert float(row["effective_n"]) == option.weighted.effective_n
        for index in report.indices:
            row = next(
                r
                for r in tables["indices"]
                if int(r["round_id"]) == report.summary.round_id and r["index"] == index.key
            )
            assert index.estimate is not None and index.estimate.value is not None
            scale = 100.0 if index.method == "share_agree" else 1.0
            assert float(row["index_0_100"]) == index.estimate.value * scale
    hidden = {(r.summary.round_id, a.area_id) for r in reports for a in r.areas if a.suppressed}
    assert hidden, "the tiny area should be hidden in the demo data"
    assert all((int(r["round_id"]), r["area_id"]) not in hidden for r in tables["area_figures"])
    raw_areas = {row["area_id"] for row in tables["responses"]}
    assert HIDDEN_AREA in raw_areas and "tiny" not in raw_areas
    assert len(tables["responses"]) == result.raw_rows
    assert result.raw_rows == released_answers(store.db.path, include_text=False)
    assert list(tables["responses"][0]) == list(RESPONSES.names)


async def test_every_format_holds_the_same_numbers(store: Store, tmp_path: Path) -> None:
    """If one survey is exported as a zip of csv files, as xlsx and as json, then every table
    holds the same values in all three: same columns, same scales (percent, 0-100, the
    answer scale), same local times; numbers are stored exact in each."""
    await export(store, tmp_path / "out.zip", "csv", survey_key=DEMO_SURVEY)
    await export(store, tmp_path / "out.xlsx", "xlsx", survey_key=DEMO_SURVEY)
    await export(store, tmp_path / "out.json", "json", survey_key=DEMO_SURVEY)
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        assert archive.namelist()[0] == "README.txt"
        from_csv = {
            name.removesuffix(".csv"): read_csv(archive.read(name).decode("utf-8"))
            for name in archive.namelist()
            if name.endswith(".csv")
        }
    from_xlsx = xlsx_tables(tmp_path / "out.xlsx")
    from_json = json_tables(tmp_path / "out.json")
    a, b, c = normalised(from_csv), normalised(from_xlsx), normalised(from_json)
    for name in (t.name for t in REPORT_TABLES):
        assert a[name] == b[name] == c[name], name
    assert a["codebook"] == b["codebook"]
    # Raw answers: the same rows, though pseudonyms are drawn afresh for every export.
    strip = [{k: v for k, v in row.items() if k != "respondent"} for row in a["responses"]]
    assert strip == [{k: v for k, v in row.items() if k != "respondent"} for row in b["responses"]]
    assert strip == [{k: v for k, v in row.items() if k != "respondent"} for row in c["responses"]]
    # One row per response: the same in csv and xlsx, days as days, and as stored.
    wide = [
        {k: day(v) if k.endswith("_on") else v for k, v in row.items() if k != "respondent"}
        for row in a["respondents"]
    ]
    assert wide == [
        {k: day(v) if k.endswith("_on") else v for k, v in row.items() if k != "respondent"}
        for row in b["respondents"]
    ]
    with sqlite3.connect(store.db.path) as conn:
        stored = conn.execute(
            "SELECT r.round_id, r.status, r.started_at, r.completed_at FROM responses r "
            "JOIN rounds o ON o.id = r.round_id WHERE o.status = 'closed' ORDER BY r.round_id, r.id"
        ).fetchall()
    expected = []
    for round_id, status, started_at, completed_at in stored:
        started = datetime.fromisoformat(started_at)
        completed = None if completed_at is None else datetime.fromisoformat(completed_at)
        expected.append(
            (
                float(round_id),
                status,
                started.astimezone(ZONE).date().isoformat(),
                None if completed is None else completed.astimezone(ZONE).date().isoformat(),
                None
                if completed is None
                else float(round((completed - started).total_seconds() / 60)),
            )
        )
    assert [
        (
            row["round_id"],
            row["response_status"],
            row["started_on"],
            row["completed_on"],
            row["minutes_to_complete"],
        )
        for row in wide
    ] == expected


def day(value: Any) -> Any:
    """A day cell of any format as 'YYYY-MM-DD' (xlsx reads it back as midnight)."""
    return value[:10] if isinstance(value, str) else value


async def test_xlsx_reads_like_a_report(store: Store, tmp_path: Path) -> None:
    """If a survey is exported as xlsx, then the README (method note) comes first, then the
    codebook; every table sheet has a bold frozen header with filters and set widths; numbers
    are exact with rounded display formats; times are real date-times in the community's time
    zone; and a wide sheet has one row per response with 0/1 columns per choice."""
    out = tmp_path / "report.xlsx"
    result = await export(store, out, "xlsx", survey_key=DEMO_SURVEY)
    book = load_workbook(out)
    assert book.sheetnames == SHEETS
    readme = book["README"]
    assert readme["A1"].value == f"How to read this export: {result.latest.summary.title}"
    assert readme["A1"].font.b
    for name in SHEETS[1:]:
        sheet = book[name]
        assert sheet.freeze_panes == "A2", name
        assert (
            sheet.auto_filter.ref
            == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        )
        assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb == "FF2F5D8A"
        assert all(sheet.column_dimensions[c.column_letter].width for c in sheet[1])
    summary = book["summary"]
    header = [cell.value for cell in summary[1]]
    first = {h: cell for h, cell in zip(header, summary[2], strict=True)}
    report = (await reports_of(store))[0]
    assert first["rr1_pct"].number_format == "0.0"
    assert report.summary.rr1 is not None
    assert first["rr1_pct"].value == pct(report.summary.rr1.value)  # exact, shown rounded
    assert first["opens_at"].is_date and first["opens_at"].number_format == "yyyy-mm-dd hh:mm"
    assert first["opens_at"].value == report.summary.opens_at.astimezone(ZONE).replace(tzinfo=None)
    assert book["trend"]["A1"].value == "subject"
    wide = book["respondents"]
    columns = [cell.value for cell in wide[1]]
    assert "concerns/burglary" in columns and "top_problem" not in columns
    respondents = wide.max_row - 1
    with sqlite3.connect(store.db.path) as conn:
        (responses,) = conn.execute("SELECT COUNT(*) FROM responses").fetchone()
    assert respondents == responses
    position = columns.index("concerns/burglary")
    assert {row[position].value for row in wide.iter_rows(min_row=2)} <= {0, 1, None}
    assert isinstance(wide.cell(2, columns.index("started_on") + 1).value, datetime)


async def test_codebook_gives_every_code_its_text_per_language(
    store: Store, tmp_path: Path
) -> None:
    """If a survey is exported, then the codebook has the question text and the answer label
    in each community language beside every stored code (the police-job item's five codes
    with their English and Spanish labels), and one row per question without choices."""
    await export(store, tmp_path / "out", "csv", survey_key=DEMO_SURVEY)
    rows = csv_tables(tmp_path / "out")["codebook"]
    assert list(rows[0])[:6] == list(CODEBOOK.names)
    assert list(rows[0])[6:] == ["question_en", "label_en", "question_es", "label_es"]
    definition = load_builtin(DEMO_SURVEY, ["en", "es"])
    job = {row["value"]: row for row in rows if row["question_id"] == "job"}
    assert list(job) == ["excellent", "good", "fair", "poor", "very_poor"]
    assert (job["excellent"]["label_en"], job["excellent"]["label_es"]) == (
        "Excellent",
        "Excelente",
    )
    question = definition.question("job")
    assert job["good"]["question_es"] == question.text["es"]
    assert {row["question_id"] for row in rows} == {q.id for q in definition.questions}


async def test_police_job_item_has_the_excellent_or_good_share(
    store: Store, tmp_path: Path
) -> None:
    """If a round is exported, then the police-job item carries the standard "% excellent or
    good" summary: its count is the excellent and good answers together, over all answers."""
    await export(store, tmp_path / "out", "csv", round_id=1)
    job = [r for r in csv_tables(tmp_path / "out")["questions"] if r["question_id"] == "job"]
    shares = {r["option"]: int(r["count"]) for r in job if r["measure"] == "share"}
    (top,) = [r for r in job if r["measure"] == "top_box"]
    assert top["option"] == "excellent,good" and top["status"] == "published"
    assert top["option_label"] == "Excellent or good"
    assert int(top["count"]) == shares["excellent"] + shares["good"]
    assert float(top["pct"]) == 100 * int(top["count"]) / int(top["n"])


async def test_json_validates_and_carries_its_method(store: Store, tmp_path: Path) -> None:
    """If a survey is exported as JSON, then the document validates against its model, holds
    the method note and the codebook in the chosen language, and a JSON Schema lies beside it."""
    out = tmp_path / "out.json"
    await export(store, out, "json", survey_key=DEMO_SURVEY, language="es")
    document = document_model().model_validate_json(out.read_text("utf-8"))
    data = document.model_dump()
    assert data["language"] == "es" and data["time_zone"] == "Europe/Madrid"
    assert data["method"][0].startswith("Cómo leer esta exportación")
    assert any("Benjamini-Hochberg" in line for line in data["method"])
    assert data["questions"][0]["question"].startswith("¿")
    assert len(data["responses"]) == released_answers(store.db.path, include_text=False)
    schema = json.loads(schema_path(out).read_text("utf-8"))
    assert schema["title"] == "ExportDocument"
    assert {"method", "codebook", "summary", "trend", "responses"} <= set(schema["properties"])


async def test_every_export_starts_with_the_method_note(store: Store, tmp_path: Path) -> None:
    """If an export is written in any format, then it opens with the method note: who answered,
    intervals, weighting, the suppression rule with k, the multiple-testing method."""
    await export(store, tmp_path / "folder", "csv", survey_key=DEMO_SURVEY)
    readme = (tmp_path / "folder" / "README.txt").read_text("utf-8")
    for phrase in (
        "not a random sample",
        "95% interval",
        "post-stratified",
        f"fewer than {K} people",
        "Benjamini-Hochberg",
        "AAPOR",
        "cannot be matched with any other export",
    ):
        assert phrase in readme, phrase


# --- privacy ----------------------------------------------------------------------------------


def _contents(path: Path) -> list[bytes]:
    """The bytes of a file, or of every member if it is a zip (xlsx files are zips too)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return [archive.read(name) for name in archive.namelist()]
    return [path.read_bytes()]


async def test_no_telegram_id_or_stored_pseudonym_in_any_export(
    store: Store, tmp_path: Path
) -> None:
    """If everything is exported in every format, charts and free text included, then no
    resident's Telegram id, chat id or stored pseudonym appears in any byte of any file."""
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
    with sqlite3.connect(store.db.path) as conn:
        stored = [row[0].encode() for row in conn.execute("SELECT pseudonym FROM residents")]
    for path in files:
        for blob in _contents(path):
            assert str(TELEGRAM_BASE)[:8].encode() not in blob, path
            assert not any(telegram_id in blob for telegram_id in ids), path
            assert not any(code in blob for code in stored), path


async def test_free_text_only_when_asked(store: Store, tmp_path: Path) -> None:
    """If --include-text is off, then the raw tables have no free-text answers; on, they do."""
    await export(store, tmp_path / "plain", "csv", round_id=2)
    await export(store, tmp_path / "text", "csv", round_id=2, include_text=True)
    plain = csv_tables(tmp_path / "plain")["responses"]
    text = csv_tables(tmp_path / "text")["responses"]
    assert all(row["question_type"] != "text" for row in plain)
    written = [row for row in text if row["question_type"] == "text" and row["answer"]]
    assert written and len(text) == len(plain) + sum(
        1 for row in text if row["question_type"] == "text"
    )
    assert {row["round_id"] for row in plain} == {"2"}


async def test_round_export_runs_the_trend_up_to_it(store: Store, tmp_path: Path) -> None:
    """If one round is exported, then the tables hold that round and the trend runs up to it."""
    await export(store, tmp_path / "r1", "csv", round_id=1)
    tables = csv_tables(tmp_path / "r1")
    assert [row["round_id"] for row in tables["summary"]] == ["1"]
    assert {row["round_id"] for row in tables["trend"]} == {"1"}


async def test_pseudonyms_are_drawn_afresh_for_every_export(store: Store, tmp_path: Path) -> None:
    """If the same round is exported twice, then the two exports share no pseudonym, while
    within each export one response keeps one code."""
    codes = []
    for name in ("a", "b"):
        await export(store, tmp_path / name, "csv", round_id=1)
        rows = csv_tables(tmp_path / name)["respondents"]
        codes.append({row["respondent"] for row in rows})
        assert len(codes[-1]) == len(rows)  # one code per response
    assert codes[0] and not codes[0] & codes[1]


@settings(deadline=None, max_examples=60)
@given(
    st.lists(st.integers(1, 2**40 - 1), min_size=1, max_size=300, unique=True),
    st.integers(0, 2**24 - 1),
)
def test_no_two_releases_share_a_pseudonym(residents: list[int], scope: int) -> None:
    """If two releases code the same residents, then every code is distinct within a release
    (a keyed permutation cannot collide) and no code of one release appears in the other."""
    first, second = Pseudonyms(), Pseudonyms()
    a = [first.of(resident, scope) for resident in residents]
    b = {second.of(resident, scope) for resident in residents}
    assert len(set(a)) == len(a)
    assert not set(a) & b
    assert all(re.fullmatch(r"[0-9a-hjkmnp-tv-z]{13}", code) for code in a)


def test_pseudonyms_are_a_permutation() -> None:
    """If every value of a small range is coded with one key, then no two share a code, and the
    same key always gives the same code (a release is consistent with itself)."""
    key = b"k" * 32
    coder = Pseudonyms(key)
    codes = [coder.of(resident, scope) for scope in range(4) for resident in range(2000)]
    assert len(set(codes)) == len(codes)
    assert Pseudonyms(key).of(7, 1) == coder.of(7, 1)


# --- the linkage attack -----------------------------------------------------------------------


async def _two_rounds(path: Path) -> dict[int, str]:
    """Round 1: 'tiny' has 2 respondents (hidden); round 2: 8 (published). The same tiny
    residents answer both. Returns resident id -> true area."""
    definition = load_builtin(DEMO_SURVEY, ["en"])
    store = await Store.open(path)
    try:
        await store.areas.sync(list(AREAS))
        version = await store.surveys.register(
            definition.key, definition.content_hash, definition.canonical_json()
        )
        writer = BulkWriter(store.db)
        areas = {**dict.fromkeys(range(1, 21), "north"), **dict.fromkeys(range(21, 41), "south")}
        areas |= dict.fromkeys(range(41, 49), "tiny")
        iso = datetime(2025, 1, 6, 9, tzinfo=UTC).isoformat(timespec="microseconds")
        await writer.residents(
            [
                (r, f"stored-{r}", 7_000 + r, 7_000 + r, "en", a, iso, None, iso)
                for r, a in areas.items()
            ]
        )
        response = 0
        for number, tiny in ((0, range(41, 43)), (1, range(41, 49))):
            opens = datetime(2025, 1, 6, 9, tzinfo=UTC) + timedelta(days=30 * number)
            round_id = await writer.round(
                version.id,
                status="closed",
                opens_at=opens.isoformat(timespec="microseconds"),
                closes_at=(opens + timedelta(days=7)).isoformat(timespec="microseconds"),
            )
            people = [*range(1, 41), *tiny]
            responses, answers = [], []
            for resident in people:
                response += 1
                started = (opens + timedelta(minutes=resident)).isoformat(timespec="microseconds")
                done = (opens + timedelta(minutes=resident, seconds=90)).isoformat(
                    timespec="microseconds"
                )
                responses.append(
                    (
                        response,
                        round_id,
                        resident,
                        version.id,
                        areas[resident],
                        "completed",
                        started,
                        done,
                    )
                )
                for question_id, value in (
                    ("safety", resident % 11),
                    ("meeting", resident % 2 == 0),
                ):
                    stored = definition.question(question_id).stored(value)
                    answers.append(
                        (response, question_id, stored.value_json, stored.num, stored.code, 0, done)
                    )
            await writer.results(
                outbox=[(invite_purpose(round_id), r, "{}", "sent", iso, iso) for r in people],
                responses=responses,
                answers=answers,
                picks=[],
            )
        return areas
    finally:
        await store.close()


def _attack(exports: list[Table]) -> dict[str, set[str]]:
    """The attack of the audit: join rows by pseudonym across every export given; a code seen
    with a real area anywhere is attributed that area wherever it reads (hidden)."""
    seen: dict[str, set[str]] = defaultdict(set)
    hidden: set[str] = set()
    for rows in exports:
        for row in rows:
            if row["area_id"] == HIDDEN_AREA:
                hidden.add(row["respondent"])
            else:
                seen[row["respondent"]].add(row["area_id"])
    return {code: seen[code] for code in hidden if seen.get(code)}


async def test_linkage_attack_recovers_nothing(tmp_path: Path) -> None:
    """If an area is hidden in one round and published in the next, and the same residents
    answered both, then joining rows by pseudonym (within one multi-round export, and across
    separate exports of each round) attributes no hidden row to any area, where the stored,
    stable pseudonyms would have exposed every one of them."""
    path = tmp_path / "db.sqlite3"
    truth = await _two_rounds(path)
    store = await Store.open(path)
    try:
        await export(store, tmp_path / "all", "csv", survey_key=DEMO_SURVEY)
        await export(store, tmp_path / "r1", "csv", round_id=1)
        await export(store, tmp_path / "r2", "csv", round_id=2)
        reports = await survey_reports(
            store, await survey_rounds(store, DEMO_SURVEY), min_group_size=K
        )
    finally:
        await store.close()
    hidden = [a.area_id for a in reports[0].areas if a.suppressed]
    assert "tiny" in hidden and not any(a.suppressed for a in reports[1].areas)
    all_rounds = csv_tables(tmp_path / "all")["responses"]
    first, second = (csv_tables(tmp_path / n)["responses"] for n in ("r1", "r2"))
    assert any(row["area_id"] == HIDDEN_AREA for row in first)
    # The attack finds nothing, inside one export or across exports.
    assert _attack([all_rounds]) == {}
    assert _attack([first, second]) == {}
    assert _attack([all_rounds, first, second]) == {}
    # Nor with the wide tables (one row per response) joined in as well.
    wide = [csv_tables(tmp_path / n)["respondents"] for n in ("all", "r1", "r2")]
    assert any(row["area_id"] == HIDDEN_AREA for row in wide[1])
    assert _attack([*wide, all_rounds, first, second]) == {}
    # With stable codes it would have: every hidden tiny resident answered round 2 in 'tiny'.
    with sqlite3.connect(path) as conn:
        stable = [
            {
                "respondent": row[0],
                "area_id": HIDDEN_AREA if row[1] == 1 and row[2] in hidden else row[2],
            }
            for row in conn.execute(
                "SELECT p.pseudonym, r.round_id, r.area_id FROM responses r "
                "JOIN residents p ON p.id = r.resident_id"
            )
        ]
    leaked = _attack([stable])
    assert leaked and all(
        areas == {truth[int(code.split("-")[1])]} for code, areas in leaked.items()
    )


async def test_withheld_and_open_rounds_publish_no_raw_row(store: Store, tmp_path: Path) -> None:
    """If a round is withheld (fewer than k respondents) or still open, then the export holds
    none of its answers, and the summary says why."""
    await export(store, tmp_path / "big-k", "csv", survey_key=DEMO_SURVEY, k=10_000)
    tables = csv_tables(tmp_path / "big-k")
    assert tables["responses"] == [] and tables["respondents"] == []
    assert {row["raw_answers"] for row in tables["summary"]} == {
        "withheld: fewer than 10000 respondents"
    }
    assert all(row["started"] == "" for row in tables["summary"])
    with sqlite3.connect(store.db.path) as conn:
        conn.execute("UPDATE rounds SET status = 'open', closed_at = NULL WHERE id = 2")
    await export(store, tmp_path / "open", "csv", survey_key=DEMO_SURVEY)
    tables = csv_tables(tmp_path / "open")
    assert {row["round_id"] for row in tables["responses"]} == {"1"}
    status = {row["round_id"]: row["raw_answers"] for row in tables["summary"]}
    assert status == {"1": "released", "2": "withheld until the round closes"}


def _small(value: str | None, k: int) -> bool:
    return value not in (None, "") and 0 < float(value) < k


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_no_output_has_a_small_base(world: World) -> None:
    """If any small closed round is exported and headlined in chat, then no figure of any table
    has a base 0 < n < k (counts of groups, shares, means, indices, weighted ones, trend
    points, response rates), every area shown in the raw rows holds at least k respondents and
    so do the hidden ones together, and no chat line shows n below k."""
    k = world.min_group_size
    with world_database(world, status="closed") as (path, round_id):

        async def run() -> tuple[dict[str, Table], RoundReport]:
            store = await Store.open(path)
            try:
                request = ExportRequest(
                    out=path.parent / "out",
                    format="csv",
                    min_group_size=k,
                    method_note=note,
                    round_id=round_id,
                )
                result = await run_export(store, request)
                return csv_tables(path.parent / "out"), result.latest
            finally:
                await store.close()

        tables, report = asyncio.run(run())
    for name in ("questions", "indices", "area_figures", "trend"):
        for row in tables[name]:
            assert not _small(row.get("n"), k), (name, row)
            assert not _small(row.get("answered"), k), (name, row)
    for row in tables["summary"]:
        for column in ("invited", "started"):
            assert not _small(row[column], k), row
        if row["rr1_pct"]:
            assert not _small(row["delivered"], k)
    for row in tables["areas"]:
        assert not _small(row["respondents"], k), row
    per_area: dict[str, set[str]] = defaultdict(set)
    for row in tables["respondents"]:
        per_area[row["area_id"]].add(row["respondent"])
    assert all(len(codes) >= k for codes in per_area.values()), per_area
    for n in re.findall(r"n=(\d+)", headline(TEXTS, "en", report)):
        assert not _small(n, k)


# --- resident text is data ---------------------------------------------------------------------

PAYLOADS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+2",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "bell\x07 escape\x1b nul\x00 vt\x0b ff\x0c us\x1f",
    "literal _x0041_ stays",
    'ordinary text, with "quotes" and; semicolons',
]


def _ooxml_unescape(text: str) -> str:
    """ECMA-376 ST_Xstring: ``_xHHHH_`` is the character U+HHHH (as Excel reads it)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


async def test_typed_text_is_written_as_text(store: Store, tmp_path: Path) -> None:
    """If residents typed formulas (= + - @, tab, CR, full-width =) or control characters,
    then the CSV cell is quoted with a leading ' where it would start a formula, the XLSX cell
    is a string (never a formula) holding exactly what was typed, JSON keeps it verbatim, and
    nothing crashes."""
    with sqlite3.connect(store.db.path) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT r.id FROM responses r JOIN answers a ON a.response_id = r.id "
                "WHERE r.round_id = 1 AND a.question_id = 'top_problem' ORDER BY r.id LIMIT ?",
                (len(PAYLOADS),),
            )
        ]
        for response_id, payload in zip(ids, PAYLOADS, strict=True):
            conn.execute(
                "UPDATE answers SET value = ? "
                "WHERE response_id = ? AND question_id = 'top_problem'",
                (json.dumps(payload), response_id),
            )
    options = {"round_id": 1, "include_text": True}
    await export(store, tmp_path / "t.zip", "csv", **options)
    await export(store, tmp_path / "t.xlsx", "xlsx", **options)
    await export(store, tmp_path / "t.json", "json", **options)
    with zipfile.ZipFile(tmp_path / "t.zip") as archive:
        rows = read_csv(archive.read("responses.csv").decode("utf-8"))
    written = {row["answer"] for row in rows if row["question_type"] == "text"}
    for payload in PAYLOADS:
        dangerous = payload[0] in "=+-@\t\r＝"
        assert ("'" + payload if dangerous else payload) in written, payload
    book = load_workbook(tmp_path / "t.xlsx")
    cells = [
        row[6]
        for row in book["responses"].iter_rows(min_row=2)
        if row[5].value == "text" and row[6].value
    ]
    assert all(cell.data_type == "s" for cell in cells)
    assert {_ooxml_unescape(cell.value) for cell in cells} >= set(PAYLOADS)
    document = json.loads((tmp_path / "t.json").read_text("utf-8"))
    assert {r["answer"] for r in document["responses"]} >= set(PAYLOADS)


# --- charts -----------------------------------------------------------------------------------


async def test_charts_are_png_and_hidden_areas_have_no_bar(store: Store) -> None:
    """If a report is charted, then each question with figures gives a PNG, a text question
    none; the area chart draws one bar per published area and none for a hidden one; the
    trend chart covers every round."""
    reports = await reports_of(store, language="es")
    report = reports[-1]
    charts = {q.question_id: question_chart(q, language="es") for q in report.questions}
    assert charts["top_problem"] is None
    assert all(png and png.startswith(PNG) for q, png in charts.items() if q != "top_problem")
    png = area_chart(report, "trust")
    assert png is not None and png.startswith(PNG)
    figure = area_figure(report, "trust")
    assert figure is not None
    published = [a for a in report.areas if not a.suppressed]
    bars = [p for p in figure.axes[0].patches]
    assert len(bars) == len(published)
    words = [t.get_text() for t in figure.axes[0].texts]
    assert sum("oculta" in w for w in words) == sum(1 for a in report.areas if a.suppressed)
    trend = await survey_trend(store, DEMO_SURVEY, min_group_size=K)
    png = trend_chart(trend)
    assert png is not None and png.startswith(PNG)


async def test_every_question_chart_is_titled_with_the_whole_question(store: Store) -> None:
    """If a question is charted, then its title holds the whole question text (wrapped at
    word boundaries, never cut short) in the report's language, then its base n."""
    report = (await reports_of(store, language="es"))[-1]
    charted = [
        (q, figure)
        for q in report.questions
        if (figure := question_figure(q, language="es")) is not None
    ]
    assert len(charted) >= 5
    for question, figure in charted:
        title = figure.axes[0].get_title(loc="left")
        text, _, subtitle = title.rpartition("\n")
        assert " ".join(text.split()) == " ".join(question.text.split())
        assert subtitle.startswith(f"n = {question.answered:,}")


async def test_trend_lines_stay_apart_and_mark_significant_changes(store: Store) -> None:
    """If the index trend is drawn, then each index is one line over every round it has a
    figure in, no two lines share an x position, a marker or a dash pattern (none hides
    another), every change significant after adjustment gets a "*" and nothing else does,
    and the title names the survey."""
    trend = await survey_trend(store, DEMO_SURVEY, min_group_size=K)
    indices = [s for s in trend.series if s.subject == "index"]
    # Whatever the demo data says, mark the last change of the first index as significant and
    # clear all others, so the count of stars is known.
    marked = []
    for number, series in enumerate(indices):
        points = []
        for position, point in enumerate(series.points):
            if point.change is not None:
                flag = number == 0 and position == len(series.points) - 1
                point = point.model_copy(
                    update={"change": point.change.model_copy(update={"significant": flag})}
                )
            points.append(point)
        marked.append(series.model_copy(update={"points": points}))
    assert marked[0].points[-1].change is not None
    figure = trend_figure(trend.model_copy(update={"series": marked}))
    assert figure is not None
    axes = figure.axes[0]
    lines = [container.lines[0] for container in axes.containers]
    assert len(lines) == len(indices) == 3
    for line, series in zip(lines, indices, strict=True):
        assert len(line.get_xdata()) == sum(1 for p in series.points if p.estimate is not None)
    xs = [x for line in lines for x in line.get_xdata()]
    assert len(set(xs)) == len(xs)
    assert len({(line.get_marker(), line.get_linestyle()) for line in lines}) == len(lines)
    assert sum(text.get_text() == "*" for text in axes.texts) == 1
    assert trend.rounds[-1].title in axes.get_title(loc="left").replace("\n", " ")


async def test_chart_files_are_named_after_survey_round_and_date(
    store: Store, tmp_path: Path
) -> None:
    """If charts are written with an export, then their names start with the survey, the
    round and the date."""
    result = await export(store, tmp_path / "x.json", "json", round_id=2, charts=tmp_path / "c")
    stem = f"{DEMO_SURVEY}_round-2_"
    names = [path.name for path in result.charts]
    assert names and all(name.startswith(DEMO_SURVEY) for name in names)
    assert any(name.startswith(stem) and name.endswith("_trust-by-area.png") for name in names)
    assert all(re.search(r"_\d{4}-\d\d-\d\d", name) for name in names)


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


def _generate(config: Path, tmp_path: Path, residents: int = 20) -> None:
    args = ["--config", str(config), "demo", "generate", "--out", str(tmp_path / "demo.sqlite3")]
    assert main([*args, "--residents", str(residents), "--rounds", "1"]) == 0


def test_demo_generate_then_export(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """If demo data is generated and exported from the command line, then both exit 0, the
    files exist, the export is in the audit log, and a second generate without --force is a
    usage error."""
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
    with sqlite3.connect(database) as conn:
        role, action, detail = conn.execute(
            "SELECT actor_role, action, detail FROM audit_log ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert (role, action) == ("cli", "export")
    assert json.loads(detail)["format"] == "json"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--round", "999", "--format", "csv", "--out", "x"], "round 999 does not exist"),
        (
            ["--survey", "nope", "--format", "csv", "--out", "x"],
            f"unknown survey 'nope' (surveys in the database: {DEMO_SURVEY})",
        ),
        (
            ["--round", "1", "--since", "2025-01-01", "--format", "csv", "--out", "x"],
            "--since applies to --survey",
        ),
        (
            ["--survey", DEMO_SURVEY, "--since", "yesterday", "--format", "csv", "--out", "x"],
            "cannot read 'yesterday'",
        ),
        (
            ["--round", "1", "--format", "xlsx", "--out", "x.csv"],
            "an xlsx export is written to '.xlsx'",
        ),
        (["--round", "1", "--format", "json", "--out", "x.zip"], "written to '.json'"),
        (["--round", "1", "--format", "csv", "--out", "x.json"], "a folder or '.zip'"),
        (
            ["--round", "1", "--format", "csv", "--out", "x", "--language", "fr"],
            "--language fr: not one of the community's languages (en, es)",
        ),
        (
            ["--round", "1", "--format", "xlsx", "--out", "file/x.xlsx"],
            "--out file/x.xlsx: file is a file, not a folder",
        ),
        (
            ["--round", "1", "--format", "csv", "--out", "file/x"],
            "--out file/x: file is a file, not a folder",
        ),
        (
            ["--round", "1", "--format", "xlsx", "--out", "x.xlsx", "--charts", "file"],
            "--charts file: exists and is not a folder",
        ),
        (
            ["--round", "1", "--format", "xlsx", "--out", "x.xlsx", "--charts", "file/charts"],
            "--charts file/charts: file is a file, not a folder",
        ),
        (["--round", "1", "--format", "xlsx", "--out", "folder"], "written to '.xlsx'"),
        (["--round", "1", "--format", "json", "--out", "file"], "written to '.json'"),
    ],
)
def test_export_usage_errors(cli_world: Path, extra: list[str], message: str) -> None:
    """If the export names an unknown round or survey, mixes options, names an unknown
    language, an --out that does not fit the format, or an output whose parent (or --charts)
    is a file, then the installed `feedbackbot` command exits 2 with one clear line, no
    traceback, and writes nothing at all (every output is checked before any is written)."""
    before = sorted(p.name for p in cli_world.iterdir())
    done = subprocess.run(
        [*FEEDBACKBOT, "--config", str(cli_world / "config.toml"), "export", *extra],
        capture_output=True,
        text=True,
        cwd=cli_world,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not done.stdout
    assert sorted(p.name for p in cli_world.iterdir()) == before


FEEDBACKBOT = (
    [str(Path(sys.executable).with_name("feedbackbot"))]
    if Path(sys.executable).with_name("feedbackbot").is_file()
    else [sys.executable, "-m", "bot"]
)
"""The installed console script (``python -m bot`` where it is not installed)."""


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a config, a small demo database, a file and a folder to misuse."""
    folder = tmp_path_factory.mktemp("cli")
    config = folder / "config.toml"
    config.write_text(
        f'[database]\npath = "{folder / "demo.sqlite3"}"\n'
        '[community]\nlanguages = ["en", "es"]\n'
        f"[privacy]\nmin_group_size = {K}\n",
        encoding="utf-8",
    )
    args = ["--config", str(config), "demo", "generate", "--out", str(folder / "demo.sqlite3")]
    assert main([*args, "--residents", "20", "--rounds", "1"]) == 0
    (folder / "file").write_text("not a folder")
    (folder / "folder").mkdir()
    return folder


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


async def test_raw_answers_stream_in_bounded_chunks(store: Store) -> None:
    """If raw answers are read, then they arrive in chunks of at most the asked number of
    responses, in response order, each response with all its own answers (question ids and
    stored JSON paired one to one), so an export never holds every answer in memory."""
    with store.results.snapshot() as reader:
        chunks = list(reader.raw_responses(1, include_text=True, chunk=10))
    sizes = [len(chunk) for chunk in chunks]
    assert len(sizes) > 2 and max(sizes) <= 10
    rows = [row for chunk in chunks for row in chunk]
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    read = set()
    for row in rows:
        ids = row[6].split(QUESTION_SEPARATOR) if row[6] else []
        values = row[7].split(VALUE_SEPARATOR) if row[7] else []
        assert len(ids) == len(values)
        read |= {(row[0], qid, value) for qid, value in zip(ids, values, strict=True)}
    with sqlite3.connect(store.db.path) as conn:
        expected = conn.execute(
            "SELECT a.response_id, a.question_id, a.value FROM answers a "
            "JOIN responses r ON r.id = a.response_id WHERE r.round_id = 1"
        ).fetchall()
        responses = conn.execute("SELECT COUNT(*) FROM responses WHERE round_id = 1").fetchone()[0]
    assert read == set(expected) and len(expected) > 100
    assert len(rows) == responses


async def test_interleaved_rounds_keep_their_own_answers(tmp_path: Path) -> None:
    """If two rounds run at once, so that their responses' ids interleave, then reading one
    round's raw answers gives each of its responses exactly its own answers and nothing of the
    other round."""
    definition = load_builtin(DEMO_SURVEY, ["en"])
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        await store.areas.sync(list(AREAS))
        version = await store.surveys.register(
            definition.key, definition.content_hash, definition.canonical_json()
        )
        writer = BulkWriter(store.db)
        iso = datetime(2025, 1, 6, 9, tzinfo=UTC).isoformat(timespec="microseconds")
        await writer.residents(
            [
                (r, f"p{r}", 9_000 + r, 9_000 + r, "en", "north", iso, None, iso)
                for r in range(1, 21)
            ]
        )
        first = await writer.round(version.id, status="closed", opens_at=iso, closes_at=iso)
        second = await writer.round(version.id, status="closed", opens_at=iso, closes_at=iso)
        responses, answers = [], []
        for number in range(1, 21):
            round_id = first if number % 2 else second
            responses.append((number, round_id, number, version.id, "north", "completed", iso, iso))
            stored = definition.question("safety").stored(number % 11)
            answers.append((number, "safety", stored.value_json, stored.num, None, 0, iso))
        await writer.results(outbox=[], responses=responses, answers=answers, picks=[])
        with store.results.snapshot() as reader:
            read = {
                round_id: [
                    (row[0], row[7].split(VALUE_SEPARATOR))
                    for chunk in reader.raw_responses(round_id, include_text=False, chunk=3)
                    for row in chunk
                ]
                for round_id in (first, second)
            }
    finally:
        await store.close()
    assert read[first] == [(n, [str(n % 11)]) for n in range(1, 21, 2)]
    assert read[second] == [(n, [str(n % 11)]) for n in range(2, 21, 2)]


async def test_long_answers_continue_on_a_second_sheet(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the answers exceed Excel's rows per sheet, then they continue on 'responses 2', ...,
    each sheet with its header, and no answer is lost or doubled."""
    import surveys.export.xlsx_writer as xlsx_writer

    monkeypatch.setattr(xlsx_writer, "XLSX_MAX_ROWS", 500)
    result = await export(store, tmp_path / "x.xlsx", "xlsx", round_id=1)
    book = load_workbook(tmp_path / "x.xlsx", read_only=True)
    sheets = [name for name in book.sheetnames if name.startswith("responses")]
    assert sheets[:2] == ["responses", "responses 2"] and len(sheets) == -(-result.raw_rows // 499)
    rows = 0
    for name in sheets:
        data = list(book[name].iter_rows(values_only=True))
        assert data[0] == RESPONSES.names and len(data) <= 500
        rows += len(data) - 1
    book.close()
    assert rows == result.raw_rows


@settings(max_examples=300, deadline=None)
@given(
    moments=st.lists(
        st.datetimes(
            min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
        ),
        min_size=1,
        max_size=20,
    ),
    zone=st.sampled_from(
        [
            "Europe/Madrid",
            "America/St_Johns",
            "Australia/Lord_Howe",
            "Asia/Kathmandu",
            "Pacific/Kiritimati",
            "America/Santiago",
            "UTC",
        ]
    ),
)
def test_local_days_match_parsing_each_moment(moments: list[datetime], zone: str) -> None:
    """If stored UTC times are turned into the community's local days hour by hour, then every
    day is the one parsing that moment gives, in zones with half-hour and 45-minute offsets and
    DST switches off the UTC hour too (the cache is shared across the moments)."""
    days = LocalDays(ZoneInfo(zone))
    for moment in moments:
        assert days(to_db(moment)) == moment.astimezone(ZoneInfo(zone)).date()


@pytest.mark.parametrize("zone", ["America/St_Johns", "Australia/Lord_Howe", "Europe/Madrid"])
def test_local_days_across_a_year_of_switches(zone: str) -> None:
    """If every 7th minute of 2024 is turned into a local day, then each is the day parsing
    gives: DST switches (at half past a UTC hour in St John's and Lord Howe) included."""
    days, local = LocalDays(ZoneInfo(zone)), ZoneInfo(zone)
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    wrong = []
    while moment.year == 2024:
        if days(to_db(moment)) != moment.astimezone(local).date():
            wrong.append(moment)
        moment += timedelta(minutes=7)
    assert not wrong


# --- trend tests recomputed from the published tables ---------------------------------------


def _f(value: str) -> float:
    return float(value)


def _recomputed_p(
    previous: dict[str, Any], current: dict[str, Any], sd: dict[int, float]
) -> float | None:
    """The raw two-sided p of one trend step from the published cells alone, with scipy:
    Pearson's chi-square of the 2x2 table (= the pooled z test) for shares, Welch's t from the
    round's n, mean and sd for means and mean indices; None where no test can tell."""
    from scipy.stats import chi2_contingency, ttest_ind_from_stats

    n1, n2 = int(current["n"]), int(previous["n"])
    if current["count"] != "":
        x1, x2 = int(current["count"]), int(previous["count"])
        if 0 in (n1, n2) or x1 + x2 in (0, n1 + n2):
            return None
        table = [[x1, n1 - x1], [x2, n2 - x2]]
        return float(chi2_contingency(table, correction=False).pvalue)
    value = "mean" if current["mean"] != "" else "index_0_100"
    s1, s2 = sd[int(current["round_id"])], sd[int(previous["round_id"])]
    if min(n1, n2) < 2 or s1 == s2 == 0:
        return None
    result = ttest_ind_from_stats(
        _f(current[value]), s1, n1, _f(previous[value]), s2, n2, equal_var=False
    )
    return float(result.pvalue)


async def test_trend_p_values_recompute_from_the_export(store: Store, tmp_path: Path) -> None:
    """If a survey's export is read back, then every tested trend step's raw p-value is what
    scipy gives from the published n, counts, means and sds; the adjusted p-values are
    scipy's Benjamini-Hochberg over exactly the export's tests; a change is flagged on the
    adjusted value; and figures that restate another (the "no" of a yes/no question, a
    one-item index) are not tested and name what they restate."""
    from scipy.stats import false_discovery_control

    await export(store, tmp_path / "out", "csv", survey_key=DEMO_SURVEY)
    tables = csv_tables(tmp_path / "out")
    sds: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for row in tables["questions"]:
        if row["measure"] == "mean" and row["sd"] != "":
            sds[("question", row["question_id"])][int(row["round_id"])] = _f(row["sd"])
    for row in tables["indices"]:
        if row["sd_0_100"] != "":
            sds[("index", row["index"])][int(row["round_id"])] = _f(row["sd_0_100"])
    series: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in tables["trend"]:
        series[(row["subject"], row["key"], row["measure"], row["option"])].append(row)
    tested: list[tuple[dict[str, Any], float]] = []
    for (subject, key, _, _), rows in series.items():
        rows.sort(key=lambda r: int(r["round_id"]))
        for previous, current in itertools.pairwise(rows):
            if current["duplicates"]:
                assert current["test"] == current["p_value"] == current["p_adjusted_bh"] == ""
                continue
            if current["test"] == "":
                continue
            expected = _recomputed_p(previous, current, sds.get((subject, key), {}))
            if expected is None:
                assert current["p_value"] == ""
                continue
            assert math.isclose(_f(current["p_value"]), expected, rel_tol=1e-9, abs_tol=1e-12)
            tested.append((current, expected))
    assert len(tested) > 20, len(tested)
    assert {row["test"] for row, _ in tested} == {"z", "welch_t"}
    adjusted = false_discovery_control([p for _, p in tested], method="bh")
    for (row, _), p in zip(tested, adjusted, strict=True):
        assert math.isclose(_f(row["p_adjusted_bh"]), float(p), rel_tol=1e-9, abs_tol=1e-12)
        assert row["significant_bh"] == ("yes" if p < 0.05 else "no")
    restating = {(r["key"], r["measure"], r["option"]): r["duplicates"] for r in tables["trend"]}
    assert restating[("meeting", "share", "no")] == "question meeting share yes"
    assert restating[("safety", "index", "")] == "question safety mean"
    assert restating[("confidence", "index", "")] == "question confidence top_box"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_any_typed_text_survives_xlsx_and_csv_cells(text: str) -> None:
    """If a resident typed any Unicode at all (control characters, U+FFFE, literal _xHHHH_),
    then its XLSX text node is well-formed XML that reads back, OOXML escapes undone, as
    exactly what was typed, and its CSV cell parses back as typed, with a leading ' only
    where the text would start a formula, so no cell ever starts one."""
    from xml.etree import ElementTree

    from surveys.export.writer import FORMULA_TRIGGERS, csv_text, xml_text

    node = ElementTree.fromstring(f'<t xml:space="preserve">{xml_text(text)}</t>')
    assert _ooxml_unescape(node.text or "") == text
    (cell,) = next(csv.reader(io.StringIO(csv_text(text) + "\r\n", newline="")))
    assert cell == ("'" + text if text.startswith(FORMULA_TRIGGERS) else text)
    assert not cell.startswith(FORMULA_TRIGGERS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_an_error_midway_surfaces_as_itself(tmp_path: Path, fmt: str) -> None:
    """If the answers stop with an error halfway through the raw rows (a full disk, a broken
    read), then that error reaches the caller, and closing the writer afterwards, as the
    export does, neither hides it nor fails."""
    definition = load_builtin(DEMO_SURVEY, ["en"])
    layout = WideLayout.of([definition], False)
    day = datetime(2025, 1, 6).date()

    def failing() -> Iterator[Response]:
        for number in range(5):
            yield Response(1, f"code{number}", "north", "completed", day, day, 3, [])
        raise OSError("No space left on device")

    out = tmp_path / {"csv": "x.zip", "xlsx": "x.xlsx", "json": "x.json"}[fmt]
    writer: Writer = (
        CsvWriter(out, ZONE)
        if fmt == "csv"
        else XlsxWriter(out, ZONE)
        if fmt == "xlsx"
        else JsonWriter(out, ZONE, {})
    )
    files: list[Path] = []
    with pytest.raises(OSError, match="No space left"):
        try:
            writer.responses(failing(), layout, None)
        finally:  # as run_export does, while the error is on its way up
            files = writer.close()
    assert out in files and out.exists()
