"""The command line's parser: every command has help, usage errors exit 2 with one clear line.
(The commands themselves run as processes in tests/e2e/test_cli_commands.py.)"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import build_parser, main


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str | None]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), sub, helps.get(name)
                yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(build_parser()))


def test_there_are_commands() -> None:
    """If the parser is built, then the documented subcommands exist."""
    names = {" ".join(path) for path, _, _ in COMMANDS}
    assert {
        "run",
        "config check",
        "survey check",
        "rounds create",
        "rounds list",
        "rounds show",
        "rounds close",
        "rounds cancel",
    } <= names


@pytest.mark.parametrize(
    ("path", "parser", "summary"), COMMANDS, ids=[" ".join(c[0]) for c in COMMANDS]
)
def test_every_command_has_help(
    path: tuple[str, ...],
    parser: argparse.ArgumentParser,
    summary: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """If a subcommand exists, then it has a one-line summary, a description and --help."""
    assert summary, f"{path} has no help summary"
    assert parser.description, f"{path} has no description"
    with pytest.raises(SystemExit) as exited:
        main([*path, "--help"])
    assert exited.value.code == 0
    assert "usage: feedbackbot" in capsys.readouterr().out


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """If a command is misspelled, then argparse prints usage and exits 2."""
    with pytest.raises(SystemExit) as exited:
        main(["rounds", "craete"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_survey_check_reports_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """If a definition file has errors, then `survey check` prints file:line and exits 1;
    a good file prints OK and exits 0."""
    from surveys.library import library_path

    good = library_path("report-followup")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'key = "x"\nversion = 1\ntitle = { en = "T" }\nintro = { en = "I" }\n'
        '[[questions]]\nid = "q"\ntype = "stars"\ntext = { en = "Q" }\n'
    )
    code = main(["survey", "check", "--languages", "en", str(good), str(bad)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"OK {good}" in out
    assert f"{bad}:" in out and "stars" in out
    assert main(["survey", "check", "--languages", "en", str(good)]) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "{c}", "config", "check"],
        ["config", "check", "--config", "{c}"],
        ["--config", "nowhere.toml", "config", "check", "--config", "{c}"],
    ],
)
def test_config_option_before_or_after_the_command(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """If --config is given before or after the subcommand, then it is used (the later wins)."""
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    assert main([part.format(c=example) for part in argv]) == 0
    assert f"OK {example}" in capsys.readouterr().out
