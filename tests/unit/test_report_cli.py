"""``feedbackbot export reports`` through the real entry point: files written, audit entry,
every usage mistake one line and exit 2 before anything is written."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from surveys.reports.open311 import ServiceRequests
from tests.support.reports import STAFF, make_report, onboarded, open_store, services

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A configuration whose categories and partner match the test policy, with a database
    holding two reports (one resolved)."""
    database = tmp_path / "feedback.sqlite3"

    async def fill() -> None:
        store = await open_store(database)
        drafting, desk = services(store)
        report = await make_report(drafting, await onboarded(store, 1001))
        await desk.change(STAFF, report.id, "resolved", note="Fixed.")
        await make_report(drafting, await onboarded(store, 1002), category="domestic")
        await store.close()

    asyncio.run(fill())
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[database]
path = "{database}"
[community]
name = "Test Partnership"
languages = ["en", "es"]
[privacy]
min_group_size = 1
[[reports.categories]]
id = "lighting"
name = {{ en = "Street lighting", es = "Alumbrado" }}
[[reports.categories]]
id = "domestic"
name = {{ en = "Domestic abuse", es = "Violencia doméstica" }}
sensitive = true
[[partners]]
id = "council"
name = "City Council"
chat_id = -100111
members = [501]
categories = ["lighting"]
"""
    )
    return path


def test_open311_export_and_audit(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """If `export reports --format open311` runs, then requests.json validates, names the
    category in the chosen language, and the audit log records the export."""
    out = tmp_path / "out" / "requests.json"
    args = ["--config", str(config), "export", "reports", "--format", "open311"]
    assert main([*args, "--out", str(out), "--language", "es"]) == 0
    assert "exported 2 reports" in capsys.readouterr().out
    requests = ServiceRequests.model_validate_json(out.read_text()).root
    assert [(r.service_code, r.service_name, r.status) for r in requests] == [
        ("lighting", "Alumbrado", "closed"),
        ("domestic", "Violencia doméstica", "open"),
    ]
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as conn:
        audit = conn.execute("SELECT actor_role, action, detail FROM audit_log").fetchall()
    assert audit == [("cli", "export_reports", json.dumps({"format": "open311", "reports": 2}))]


@pytest.mark.parametrize(
    ("fmt", "name"), [("csv", "reports.zip"), ("csv", "folder"), ("xlsx", "r.xlsx")]
)
def test_csv_and_xlsx(config: Path, tmp_path: Path, fmt: str, name: str) -> None:
    """If CSV (zip or folder) or XLSX is asked for, then it is written."""
    out = tmp_path / name
    assert (
        main(["--config", str(config), "export", "reports", "--format", fmt, "--out", str(out)])
        == 0
    )
    assert out.exists()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--format", "xlsx", "--out", "{tmp}/x.csv"], "--format xlsx writes .xlsx"),
        (["--format", "open311", "--out", "{tmp}/x.xlsx"], "--format open311 writes .json"),
        (["--format", "csv", "--out", "{tmp}/config.toml/x.zip"], "is a file, not a folder"),
        (["--format", "csv", "--out", "{tmp}/config.toml"], "writes .zip or a folder"),
        (["--format", "xlsx", "--out", "{tmp}/r.xlsx", "--language", "fr"], "--language fr"),
        (
            ["--format", "xlsx", "--out", "{tmp}/r.xlsx", "--charts", "{tmp}/config.toml"],
            "is a file, not a folder",
        ),
        (["--format", "xlsx", "--out", "{tmp}/r.xlsx", "--since", "soon"], "--since"),
        (
            ["--format", "xlsx", "--out", "{tmp}/r.xlsx", "--database", "{tmp}/none.sqlite3"],
            "no such database",
        ),
    ],
)
def test_usage_errors(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    expected: str,
) -> None:
    """If an option is wrong, then one line says why, the exit code is 2 and nothing is
    written."""
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in extra]
    before = set(tmp_path.iterdir())
    assert main(["--config", str(config), "export", "reports", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err and "Traceback" not in err
    assert set(tmp_path.iterdir()) == before


def test_charts(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """If --charts DIR is given, then the figures are drawn as PNG files named by date."""
    charts = tmp_path / "charts"
    argv = ["--config", str(config), "export", "reports", "--format", "xlsx"]
    assert main([*argv, "--out", str(tmp_path / "r.xlsx"), "--charts", str(charts)]) == 0
    assert "4 charts" in capsys.readouterr().out
    names = sorted(path.name.split("-", 4)[-1] for path in charts.iterdir())
    assert names == ["by-area.png", "by-category.png", "by-status.png", "timing.png"]


def test_results_export_still_needs_its_options(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """If `export` is run without --round/--survey, then it says what is missing (exit 2)."""
    assert main(["--config", str(config), "export", "--format", "csv"]) == 2
    err = capsys.readouterr().err
    assert "--round ID or --survey KEY" in err and "--out" in err


def test_entry_point(config: Path, tmp_path: Path) -> None:
    """If the installed `feedbackbot` command runs the export, then it exits 0 and writes."""
    out = tmp_path / "requests.json"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "export", "reports",
         "--format", "open311", "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(json.loads(out.read_text())) == 2
