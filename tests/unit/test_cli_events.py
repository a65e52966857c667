"""``feedbackbot events``: create prints the id, list/show report counts without names, edit
and cancel queue their notices, every mistake is one line with exit 2, nothing prompts when
standard input is not a terminal, and reading never creates a database."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from surveys.clock import utcnow

ROOT = Path(__file__).resolve().parents[2]
DAY_AHEAD = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\npath = "{tmp_path / "db.sqlite3"}"\n'
        '[community]\ntimezone = "Europe/Madrid"\nlanguages = ["en", "es"]\n'
        '[delivery]\nquiet_hours = ""\n'
        '[[areas]]\nid = "north"\nname = "North"\n'
        '[[areas]]\nid = "south"\nname = "South"\n'
    )
    return path


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), "events", *args])


def create(config: Path, *extra: str) -> list[str]:
    return [
        "create",
        "--title",
        "Coffee with a cop",
        "--starts",
        f"{DAY_AHEAD}T18:00",
        "--ends",
        "2h",
        "--place",
        "Library",
        *extra,
    ]


def test_create_list_show_edit_cancel(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """If an event is created, listed, shown, edited and cancelled, then create prints only the
    id, times are local, show counts answers, edit bumps the sequence and cancel says so."""
    code = run(
        config,
        *create(config, "--areas", "north", "--capacity", "20", "--partner", "Riverside School"),
        "--title-in",
        "es",
        "Café con la policía",
        "--description",
        "Questions welcome.",
    )
    assert code == 0
    captured = capsys.readouterr()
    assert captured.out == "1\n"
    assert "a running bot announces it to 0 residents" in captured.err
    assert run(config, "list") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "times in Europe/Madrid"
    assert out[2].startswith(f"1   {DAY_AHEAD} 18:00–20:00") and "0/20" in out[2]
    assert out[2].endswith("Coffee with a cop")
    assert run(config, "show", "1") == 0
    shown = capsys.readouterr().out
    assert "title (es): Café con la policía" in shown
    assert f"when: {DAY_AHEAD} 18:00–20:00 (Europe/Madrid)" in shown
    assert "going 0, maybe 0, can't go 0, waiting 0" in shown
    assert "partner: Riverside School" in shown and "areas: north" in shown
    assert run(config, "edit", "1", "--place", "Town hall", "--capacity", "0") == 0
    assert "#1 updated (sequence 1)" in capsys.readouterr().out
    assert run(config, "edit", "1", "--description-in", "es", "Se admiten preguntas.") == 0
    capsys.readouterr()
    assert run(config, "show", "1") == 0
    shown = capsys.readouterr().out
    assert "place: Town hall" in shown and "capacity: no limit" in shown
    assert "sequence: 2" in shown
    assert run(config, "cancel", "1") == 0  # stdin is not a terminal here: no question
    assert "#1 Coffee with a cop cancelled; 0 residents will be told" in capsys.readouterr().out
    with sqlite3.connect(config.parent / "db.sqlite3") as conn:
        texts = conn.execute(
            "SELECT language, title, description FROM event_texts ORDER BY language"
        ).fetchall()
        actions = [row[0] for row in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert texts == [
        ("en", "Coffee with a cop", "Questions welcome."),
        ("es", "Café con la policía", "Se admiten preguntas."),
    ]
    assert actions == ["events.create", "events.edit", "events.edit", "events.cancel"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--areas", "west"], "error: unknown area(s): west (known: north, south)"),
        (["--capacity", "0"], "error: --capacity must be a positive number of places"),
        (["--starts", "tomorrow"], "error: cannot read 'tomorrow' as a date and time"),
        (["--starts", "2020-01-01T10:00"], "error: the start time has already passed"),
        (["--ends", f"{DAY_AHEAD}T17:00"], "error: an event must end after it starts"),
        (["--description-in", "es", "x"], "error: a description in 'es' needs a title in 'es'"),
        (["--title-in", "fr", "Café"], "error: unknown language(s): fr (configured: en, es)"),
        (["--place", " "], "error: place: String should have at least 1 character"),
    ],
)
def test_create_mistakes_are_one_line(
    config: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """If a create command is wrong, then it prints one error line and exits 2."""
    base = create(config) + args  # a repeated option: the last one counts
    assert run(config, *base) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_unknown_event_and_empty_edit(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """If an event does not exist or an edit changes nothing, then one line says so (exit 2);
    reading before any event exists creates no database."""
    assert run(config, "list") == 2
    assert "no such database" in capsys.readouterr().err
    assert not (config.parent / "db.sqlite3").exists()
    assert run(config, *create(config)) == 0
    capsys.readouterr()
    assert run(config, "show", "9") == 2
    assert capsys.readouterr().err == "error: event 9 does not exist\n"
    assert run(config, "edit", "1") == 2
    assert capsys.readouterr().err == "error: nothing to change: give a new value\n"


def test_no_announce_and_upcoming(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """If an event is created with --no-announce, then show says it is not announced by
    choice; list --upcoming lists only events still to end."""
    assert run(config, *create(config, "--no-announce")) == 0
    capsys.readouterr()
    assert run(config, "show", "1") == 0
    assert "announced: not announced (by choice)" in capsys.readouterr().out
    assert run(config, "list", "--upcoming") == 0
    assert "Coffee with a cop" in capsys.readouterr().out


def test_cancel_through_the_entry_point_never_prompts_without_a_terminal(config: Path) -> None:
    """If `feedbackbot events cancel` runs with standard input from a pipe, then it does not
    wait for an answer: it cancels and exits 0."""
    assert run(config, *create(config)) == 0
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "events", "cancel", "1"],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "cancelled" in done.stdout


def test_results_on_a_database_without_feedback(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """If no event has had its feedback round yet, then `events results` says so in each
    format without failing."""
    assert run(config, *create(config)) == 0
    capsys.readouterr()
    assert run(config, "results") == 0
    text = capsys.readouterr().out
    assert "events: 0" in text and "partners: 0" in text
    assert run(config, "results", "--format", "json") == 0
    assert '"events": []' in capsys.readouterr().out
    assert run(config, "results", "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("table,round_id,event_id,title")
