"""The ``feedbackbot`` commands as an operator runs them: the real entry point in a process of
its own, one clear line per mistake, read commands that change nothing, and a fast start."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.sandbox import BotApiEmulator
from surveys.models import Area
from surveys.store import Store
from surveys.store.db import Database, bundled_migrations
from tests.support import ADMIN_ID, COORDINATOR_ID, SURVEY, TOKEN
from tests.support.data import onboarded
from tests.support.process import ROOT, Finished, feedbackbot

# Within the two years ahead that a round may be planned.
PLANNED_DAY = f"{date.today().year + 1}-01-01"

BROKEN_SURVEY = (
    'key = "x"\nversion = 1\ntitle = { en = "T" }\nintro = { en = "I" }\n'
    '[[questions]]\nid = "q"\ntype = "stars"\ntext = { en = "Q" }\n'
)
CLOSED_PORT_API = 'api_base_url = "http://127.0.0.1:9/bot"\n'


def config(tmp_path: Path, extra: str = "", *, telegram: str = "") -> Path:
    """A config in tmp_path with its database there too, one area, English only."""
    path = tmp_path / "config.toml"
    path.write_text(
        f"[telegram]\n{telegram}"
        f'[database]\npath = "{tmp_path / "feedback.sqlite3"}"\n'
        '[community]\ntimezone = "Europe/Madrid"\nlanguages = ["en"]\n'
        '[[areas]]\nid = "north"\nname = "North"\n'
        f"{extra}"
    )
    return path


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def one_line_error(done: Finished, code: int = 2) -> str:
    """The only line of stderr, after checking the exit code and that it is no traceback."""
    assert done.code == code, done
    assert len(done.err_lines) == 1, done.err_lines
    assert "Traceback" not in done.err
    return done.err_lines[0]


def imported_modules(done: Finished) -> set[str]:
    """Modules a run imported, from ``PYTHONPROFILEIMPORTTIME`` lines on stderr."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.err.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    } - {"package"}


EVENT = ["--title", "T", "--starts", "2031-01-01T10:00", "--ends", "2h", "--place", "Hall"]
# Every command but the two that talk to Telegram (`run`, `sandbox`), as an operator would
# type it, with the exit code it has on a config with one round and one event.
NON_BOT_COMMANDS: list[tuple[list[str], int]] = [
    (["--help"], 0),
    (["config", "check"], 0),
    (["survey", "list"], 0),
    (["survey", "check", str(ROOT / "surveys" / "library" / "event-feedback.toml")], 0),
    (["db", "migrate"], 0),
    (["rounds", "list"], 0),
    (["rounds", "create", "--survey", SURVEY, "--closes", "7d"], 0),
    (["rounds", "show", "1"], 0),
    (["rounds", "close", "1"], 0),
    (["rounds", "cancel", "1"], 0),
    (["rounds", "open", "--survey", SURVEY], 0),
    (["events", "create", *EVENT], 0),
    (["events", "list"], 0),
    (["events", "show", "1"], 0),
    (["events", "edit", "1", "--place", "Library"], 0),
    (["events", "results"], 0),
    (["events", "cancel", "1", "--yes"], 0),
    (["delivery", "status"], 0),
    (["delivery", "retry"], 1),  # nothing failed, nothing to retry
    (["doctor"], 1),  # no token: nothing to ask the Bot API
    (["export", "--round", "9", "--format", "csv", "--out", "x.zip"], 2),
    (["export", "reports", "--format", "csv", "--out", "reports.zip"], 0),
    (["demo", "generate", "--out", "demo.sqlite3", "--residents", "20", "--rounds", "1"], 0),
]
BOT_COMMANDS = {"run", "sandbox"}


def leaf_commands() -> set[str]:
    """Every runnable command of the real parser, as words (``rounds list``)."""
    from bot.cli import build_parser

    def walk(parser: argparse.ArgumentParser, words: tuple[str, ...]) -> Iterator[str]:
        if parser.get_default("handler") is not None:
            yield " ".join(words)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, (*words, name))

    return set(walk(build_parser(), ()))


def command_words(argv: list[str]) -> str:
    """``rounds show 1`` -> ``rounds show``: the leading words that name a command."""
    commands, words = leaf_commands(), []
    for word in argv:
        if " ".join([*words, word]) not in {
            " ".join(c.split()[: len(words) + 1]) for c in commands
        }:
            break
        words.append(word)
    return " ".join(words)


def test_the_fast_command_list_is_complete() -> None:
    """If a command is added, then the telegram check below covers it (or it talks to
    Telegram): the list names every command of the parser."""
    tested = {command_words(argv) for argv, _ in NON_BOT_COMMANDS} - {""}
    assert tested | BOT_COMMANDS == leaf_commands()


@pytest.mark.parametrize(
    ("argv", "code"),
    NON_BOT_COMMANDS,
    ids=[" ".join(argv) for argv, _ in NON_BOT_COMMANDS],
)
def test_non_bot_commands_never_import_telegram(tmp_path: Path, argv: list[str], code: int) -> None:
    """If a command does not talk to Telegram, then it runs without importing
    python-telegram-bot (about a second of start-up)."""
    path = config(tmp_path)
    if argv[0] in ("rounds", "events", "export", "delivery") and argv[1] not in ("create", "open"):
        for setup in (
            ["rounds", "open", "--survey", SURVEY, "--closes", "7d"],
            ["events", "create", *EVENT],
        ):
            assert feedbackbot("--config", path, *setup).code == 0
    done = feedbackbot("--config", path, *argv, env={"PYTHONPROFILEIMPORTTIME": "1"}, cwd=tmp_path)
    assert done.code == code, done.err_lines[-3:]
    modules = imported_modules(done)
    assert "bot.cli" in modules  # the profile works
    assert sorted(m for m in modules if m.split(".")[0] == "telegram") == []


async def test_the_bot_does_import_telegram(emulator: BotApiEmulator, tmp_path: Path) -> None:
    """If `run` gets as far as the Bot API (which rejects the token), then python-telegram-bot
    was imported: the check above would see it."""
    path = config(tmp_path, telegram=f'token = "999:WRONG"\napi_base_url = "{emulator.base_url}"\n')
    done = await asyncio.to_thread(
        feedbackbot, "--config", path, "run", env={"PYTHONPROFILEIMPORTTIME": "1"}
    )
    assert done.code == 2 and "rejected the token" in done.err
    assert "telegram" in imported_modules(done)


@pytest.mark.parametrize(
    ("variable", "value", "argv", "expected"),
    [
        ("FEEDBACKBOT_ACCESS__ADMINS", "1,2", ["config", "check"], "not valid JSON"),
        ("FEEDBACKBOT_ACCESS__ADMINS", '[1, "x"]', ["config", "check"], "access.admins.1"),
        ("FEEDBACKBOT_AREAS", "north", ["rounds", "list"], "not valid JSON"),
        ("FEEDBACKBOT_COMMUNITY__TIMEZONE", "Mars/Base", ["config", "check"], "unknown time zone"),
        ("FEEDBACKBOT_TELEGRAM__TOKEN", "", ["run"], "telegram.token: is empty"),
        ("FEEDBACKBOT_TELEGRAM__TOKEN", "abc", ["run"], "telegram.token: is not a bot token"),
    ],
)
def test_environment_errors_name_the_variable(
    tmp_path: Path, variable: str, value: str, argv: list[str], expected: str
) -> None:
    """If an environment variable holds a bad value, then the command prints one line that
    names the variable (not the config file) and exits 2, without a traceback."""
    done = feedbackbot("--config", config(tmp_path), *argv, env={variable: value})
    line = one_line_error(done)
    assert line.startswith(f"error: {variable}: "), line
    assert expected in line
    if value:
        assert f"{variable}={value}" not in line  # a token is never echoed


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("123456789:replace-with-your-token", "still the example's placeholder"),
        ("123:your-token", "still the example's placeholder"),
        ("abc", "is not a bot token"),
        ("", "is empty"),
    ],
)
def test_run_refuses_tokens_that_cannot_work(tmp_path: Path, token: str, expected: str) -> None:
    """If the token is the example's placeholder or not a token at all, then `run` says so in
    one line naming the file and exits 2 at once, instead of retrying against the API."""
    path = config(tmp_path, telegram=f'token = "{token}"\n{CLOSED_PORT_API}')
    line = one_line_error(feedbackbot("run", "--config", path))
    assert line.startswith(f"error: {path}: telegram.token: ")
    assert expected in line
    assert token not in line or not token


def test_example_config_placeholder_is_recognised() -> None:
    """If config.example.toml is checked, then it is valid but its token is flagged as the
    placeholder that `run` will refuse."""
    example = ROOT / "config.example.toml"
    done = feedbackbot("--config", example, "config", "check")
    assert done.code == 0 and f"OK {example}" in done.out
    assert "placeholder" in done.err


def test_survey_files_are_checked_before_anything_starts(tmp_path: Path) -> None:
    """If a file in surveys.files is broken or missing, then `config check`, `run` and
    `sandbox` report each problem as file:line and exit 2; `run` never reaches the network and
    `sandbox` never serves."""
    broken = tmp_path / "broken.toml"
    broken.write_text(BROKEN_SURVEY)
    missing = tmp_path / "missing.toml"
    path = config(
        tmp_path,
        f'[surveys]\nfiles = ["{broken}", "{missing}"]\n',
        telegram=f'token = "{TOKEN}"\n{CLOSED_PORT_API}',
    )
    for argv in (["config", "check"], ["run"], ["sandbox", "--port", "0"]):
        done = feedbackbot("--config", path, *argv)
        assert done.code == 2
        assert done.err_lines == [
            f"error: {broken}:7: [question q] unknown question type 'stars' (one of: single, "
            "multi, likert5, scale, yes_no, number, text)",
            f"error: {missing}: cannot read: No such file or directory",
        ]
    broken.write_text(BROKEN_SURVEY.replace("stars", "yes_no"))
    missing.write_text(BROKEN_SURVEY.replace("stars", "yes_no").replace('"x"', '"y"'))
    done = feedbackbot("--config", path, "config", "check")
    assert done.code == 0 and "2 survey files" in done.out


NEEDS_A_DATABASE = [
    ["rounds", "list"],
    ["rounds", "show", "1"],
    ["rounds", "close", "1"],
    ["rounds", "cancel", "1"],
    ["events", "list"],
    ["events", "show", "1"],
    ["events", "results"],
    ["events", "edit", "1", "--place", "Library"],
    ["events", "cancel", "1", "--yes"],
    ["delivery", "status"],
    ["delivery", "retry"],
    ["export", "--round", "1", "--format", "csv", "--out", "x.zip"],
    ["export", "reports", "--format", "csv", "--out", "reports.zip"],
]
# Commands that open no database: they read files, or write the one given with --out.
NO_DATABASE = {"config check", "survey check", "survey list", "demo generate"}


@pytest.mark.parametrize("argv", NEEDS_A_DATABASE, ids=" ".join)
def test_commands_on_a_missing_database_never_create_it(tmp_path: Path, argv: list[str]) -> None:
    """If a command that reads, or changes what is already there, runs before any database
    exists, then it says so in one line naming where the path came from (the config, or
    --database) and creates nothing."""
    path = config(tmp_path)
    before = files_in(tmp_path)
    line = one_line_error(feedbackbot("--config", path, *argv, cwd=tmp_path))
    assert f"{tmp_path / 'feedback.sqlite3'}: no such database" in line
    assert line.endswith(f"check database.path in {path})")
    elsewhere = tmp_path / "elsewhere.sqlite3"
    line = one_line_error(
        feedbackbot("--config", path, *argv, "--database", elsewhere, cwd=tmp_path)
    )
    assert f"{elsewhere}: no such database" in line and line.endswith("check --database)")
    assert files_in(tmp_path) == before


def test_every_command_that_opens_a_database_takes_database() -> None:
    """If a command opens the database, then it has --database PATH."""
    from bot.cli import build_parser

    def options(parser: argparse.ArgumentParser, words: list[str]) -> set[str]:
        for word in words:
            (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
            parser = commands.choices[word]
        return {option for action in parser._actions for option in action.option_strings}

    missing = [
        command
        for command in sorted(leaf_commands() - NO_DATABASE)
        if "--database" not in options(build_parser(), command.split())
    ]
    assert missing == []


def test_read_commands_never_migrate(tmp_path: Path) -> None:
    """If `doctor` runs before any database exists, or a read command (or an export, which
    only adds its audit entry) on one that needs migrating, then it says so and leaves the
    folder and the file as they were."""
    path = config(tmp_path)
    before = files_in(tmp_path)
    assert "WARN database: " in feedbackbot("--config", path, "doctor", cwd=tmp_path).out
    assert files_in(tmp_path) == before

    async def old_database() -> None:
        db = await Database.open(tmp_path / "feedback.sqlite3", migrations=bundled_migrations()[:1])
        await db.close()

    asyncio.run(old_database())
    latest = bundled_migrations()[-1].version
    exports = (
        ["export", "--survey", SURVEY, "--format", "json", "--out", str(tmp_path / "x.json")],
        ["export", "reports", "--format", "csv", "--out", str(tmp_path / "reports.zip")],
    )
    reads = (
        ["rounds", "list"],
        ["rounds", "show", "1"],
        ["events", "list"],
        ["events", "show", "1"],
        ["events", "results"],
        ["delivery", "status"],
    )
    for argv in (*reads, *exports):
        line = one_line_error(feedbackbot("--config", path, *argv))
        assert "older than this release" in line and "feedbackbot db migrate" in line
    doctor = feedbackbot("--config", path, "doctor").out.splitlines()
    assert doctor[-1].startswith("WARN database: ")
    assert f"schema version 1 of {latest}; the bot migrates it" in doctor[-1]
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    done = feedbackbot("--config", path, "db", "migrate")
    assert done.code == 0
    assert f"migrated from schema version 1 to {latest}" in done.out
    assert feedbackbot("--config", path, "rounds", "list").out.startswith("no rounds yet")


def test_rounds_list_is_a_table_that_shows_early_closing(tmp_path: Path) -> None:
    """If rounds exist, then `rounds list` prints a header and one line per round, and a round
    closed before its planned time shows when it actually closed."""
    path = config(tmp_path)
    create = ["rounds", "create", "--survey", SURVEY]
    assert feedbackbot("--config", path, *create, "--closes", "7d").code == 0
    assert (
        feedbackbot(
            "--config",
            path,
            *create,
            "--opens",
            f"{PLANNED_DAY}T09:00",
            "--closes",
            "7d",
            "--areas",
            "north",
        ).code
        == 0
    )
    assert (
        feedbackbot(
            "--config",
            path,
            "rounds",
            "open",
            "--survey",
            SURVEY,
            "--closes",
            "2d",
            "--allow-overlap",
        ).code
        == 0
    )
    closed = feedbackbot("--config", path, "rounds", "close", "3")
    assert closed.code == 0 and "closes " in closed.out and "(closed early, " in closed.out
    done = feedbackbot("--config", path, "rounds", "list")
    assert done.code == 0 and done.err == ""
    lines = done.out.splitlines()
    assert lines[0] == "times in Europe/Madrid"
    assert lines[1].split() == ["ID", "SURVEY", "STATUS", "OPENS", "CLOSES", "CLOSED", "AREAS"]
    rows = [line.split() for line in lines[2:]]
    assert [row[:3] for row in rows] == [
        ["#1", SURVEY, "open"],
        ["#2", SURVEY, "scheduled"],
        ["#3", SURVEY, "closed"],
    ]
    assert rows[1][3:5] == [PLANNED_DAY, "09:00"] and rows[1][-1] == "north"
    assert rows[0][-2:] == ["-", "all"] and "(early)" in lines[4]
    show = feedbackbot("--config", path, "rounds", "show", "3")
    assert "(closed early, " in show.out


def test_database_option_on_every_command(tmp_path: Path) -> None:
    """If --database is given, then the command uses that file instead of the configured one,
    before or after its other options."""
    path = config(tmp_path)
    other = tmp_path / "elsewhere" / "other.sqlite3"
    done = feedbackbot(
        "--config",
        path,
        "rounds",
        "create",
        "--survey",
        SURVEY,
        "--closes",
        "7d",
        "--database",
        other,
    )
    assert done.code == 0 and other.is_file()
    assert not (tmp_path / "feedback.sqlite3").exists()
    assert "#1" in feedbackbot("rounds", "list", "--database", other, "--config", path).out
    assert one_line_error(feedbackbot("--config", path, "rounds", "list")).endswith(
        f"check database.path in {path})"
    )
    assert "no such database (the bot creates it when it first starts; check --database)" in (
        feedbackbot("--config", path, "rounds", "show", "1", "--database", tmp_path / "none.db").err
    )
    # given before a nested command, as after it
    line = one_line_error(
        feedbackbot(
            "--config", path, "export", "--database", tmp_path / "none.db",
            "reports", "--format", "csv", "--out", tmp_path / "r.zip",
        )
    )  # fmt: skip
    assert line == f"error: {tmp_path / 'none.db'}: no such database (check --database)"


async def test_doctor_all_good(emulator: BotApiEmulator, tmp_path: Path) -> None:
    """If everything is in order, then `doctor` prints one OK line per check and exits 0;
    the token check names the bot the Bot API answered with."""
    path = config(
        tmp_path,
        f"[access]\nadmins = [{ADMIN_ID}]\ncoordinators = [{COORDINATOR_ID}]\n",
        telegram=f'token = "{TOKEN}"\napi_base_url = "{emulator.base_url}"\n',
    )
    assert (await asyncio.to_thread(feedbackbot, "--config", path, "db", "migrate")).code == 0
    done = await asyncio.to_thread(feedbackbot, "--config", path, "doctor")
    assert done.code == 0, done.out
    names = [line.split(":")[0].split(maxsplit=1) for line in done.out.splitlines()]
    assert names == [
        ["OK", "config"],
        ["OK", "areas"],
        ["OK", "survey files"],
        ["OK", "admins"],
        ["OK", "coordinators"],
        ["OK", "token"],
        ["OK", "database"],
    ]
    me = emulator.bot_user
    assert f"the bot is @{me['username']} (id {me['id']})" in done.out
    assert TOKEN.split(":")[1] not in done.out + done.err


async def test_doctor_reports_every_problem(emulator: BotApiEmulator, tmp_path: Path) -> None:
    """If the survey file, admins, token and database all have problems, then `doctor` reports
    each with FAIL (or WARN when the bot still works), keeps going, and exits 1."""
    broken = tmp_path / "broken.toml"
    broken.write_text(BROKEN_SURVEY)
    path = config(
        tmp_path,
        f'[surveys]\nfiles = ["{broken}"]\n',
        telegram=f'token = "999:WRONG"\napi_base_url = "{emulator.base_url}"\n',
    )
    (tmp_path / "feedback.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    done = await asyncio.to_thread(feedbackbot, "--config", path, "doctor")
    assert done.code == 1
    lines = done.out.splitlines()
    assert lines[0].startswith("OK   config: ")
    assert f"FAIL survey files: {broken}:7: " in done.out
    assert "FAIL admins: none" in done.out
    assert "WARN coordinators: none" in done.out
    assert "FAIL token: rejected by the Bot API at 127.0.0.1:" in done.out
    assert "FAIL database: " in done.out
    assert "WRONG" not in done.out


def test_doctor_names_the_unreachable_api_host(tmp_path: Path) -> None:
    """If nothing answers at the configured Bot API, then the token check fails naming the host
    it tried (never the URL, which holds the token), and the other checks still run."""
    path = config(tmp_path, telegram=f'token = "{TOKEN}"\n{CLOSED_PORT_API}')
    done = feedbackbot("--config", path, "doctor")
    assert done.code == 1
    assert "FAIL token: the Bot API at 127.0.0.1:9 is unreachable (" in done.out
    assert done.out.splitlines()[-1].startswith("WARN database: ")
    assert TOKEN.split(":")[1] not in done.out + done.err


def test_doctor_on_a_broken_config_exits_1(tmp_path: Path) -> None:
    """If the configuration itself is wrong, then `doctor` says so as a FAIL line per problem
    and exits 1."""
    path = tmp_path / "config.toml"
    path.write_text('[community]\ntimezone = "Nowhere/City"\n')
    done = feedbackbot("--config", path, "doctor")
    assert done.code == 1
    assert done.out.splitlines() == [
        f"FAIL config: {path}: community.timezone: unknown time zone 'Nowhere/City' (use an "
        "IANA name such as 'Europe/London')"
    ]


@pytest.mark.parametrize(
    ("content", "argv", "expected"),
    [
        ('[community]\ntimezone = "Nowhere/City"\n', ["config", "check"], "community.timezone"),
        ('[community]\nname = "X"\n', ["run"], "telegram.token: required"),
        ('[community]\nlanguages = ["en", "fr"]\n', ["config", "check"], "'fr'"),
        ("[database]\npath = 3\n", ["run"], "database.path"),
    ],
)
def test_config_errors_are_one_line_with_exit_2(
    tmp_path: Path, content: str, argv: list[str], expected: str
) -> None:
    """If the CLI meets a bad config, then it prints one line naming file and key, exit 2."""
    path = tmp_path / "config.toml"
    path.write_text(content)
    line = one_line_error(feedbackbot("--config", path, *argv))
    assert line.startswith(f"error: {path}: ")
    assert expected in line


def test_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    """If the config file does not exist, then `run` says how to create it and exits 2."""
    line = one_line_error(feedbackbot("--config", tmp_path / "none.toml", "run"))
    assert "copy config.example.toml" in line


def test_rounds_create_show_cancel(tmp_path: Path) -> None:
    """If rounds are created, shown and cancelled from the CLI, then each prints a clear line;
    an unknown round or survey is a one-line error with exit 2."""
    path = config(tmp_path)
    done = feedbackbot(
        "--config", path, "rounds", "create", "--survey", SURVEY, "--closes", "7d",
        "--remind", "2d", "--areas", "north",
    )  # fmt: skip
    assert done.code == 0 and f"#1 {SURVEY} scheduled" in done.out
    assert "reminders: " in feedbackbot("--config", path, "rounds", "show", "1").out
    assert "cancelled" in feedbackbot("--config", path, "rounds", "cancel", "1").out
    line = one_line_error(feedbackbot("--config", path, "rounds", "show", "7"))
    assert line == "error: round 7 does not exist"
    unknown = feedbackbot(
        "--config", path, "rounds", "create", "--survey", "nope", "--closes", "7d"
    )
    assert "no survey 'nope'" in one_line_error(unknown)


async def test_rounds_open_queues_invitations(tmp_path: Path) -> None:
    """If `rounds open` runs, then the round is open at once with one invitation queued per
    eligible resident of its audience (delivered by a running bot)."""
    store = await Store.open(tmp_path / "feedback.sqlite3")
    await store.areas.sync([Area(id="north", name="North"), Area(id="south", name="South")])
    for user_id, area in ((1, "north"), (2, "north"), (3, "south")):
        await onboarded(store, user_id, area)
    await store.close()
    path = config(
        tmp_path, '[[areas]]\nid = "south"\nname = "South"\n[delivery]\nquiet_hours = ""\n'
    )
    done = await asyncio.to_thread(
        feedbackbot, "--config", path, "rounds", "open", "--survey", SURVEY, "--areas", "north"
    )
    assert done.code == 0
    assert f"#1 {SURVEY} open" in done.out and "2 invitations queued" in done.out
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as conn:
        assert conn.execute(
            "SELECT purpose, status, COUNT(*) FROM outbox GROUP BY 1, 2"
        ).fetchall() == [("invite:1", "pending", 2)]
