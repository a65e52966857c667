"""The README's quick start as a first-time user meets it: two commands, the second the one CI
runs verbatim, and nothing it names lies outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")


def section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    """If a first-time user reads the quick start, then it holds two one-line commands, each
    installing what it needs: one starts the sandbox (no token), one runs the tests; .ci/run
    runs that test command verbatim, then ruff and mypy, and installs Chromium; the
    production run with a token is the next section."""
    quick = section("Quick start")
    sandbox, tests = blocks(quick)
    assert "\n" not in sandbox and "\n" not in tests
    assert sandbox.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install")
    assert sandbox.endswith("&& feedbackbot sandbox") and "TOKEN" not in sandbox
    assert "http://127.0.0.1:8080/" in quick
    assert tests.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install")
    assert tests.endswith("&& pytest") and "'.[dev]'" in tests
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    commands = [line.strip() for line in ci.splitlines() if not line.lstrip().startswith("#")]
    assert tests in commands
    assert commands.index(tests) < commands.index("ruff check bot surveys tests")
    assert commands.index("ruff check bot surveys tests") < commands.index("mypy bot surveys")
    assert "apt-get install" in ci and "chromium" in ci and "export CI=true" in commands
    headings = re.findall(r"^## (.+)$", README, flags=re.M)
    assert headings[headings.index("Quick start") + 1] == "Running the bot on Telegram"


def test_readme_names_only_files_in_the_repository() -> None:
    """If the README points at a file or folder (a link or a `path/`), then it exists in the
    repository."""
    links = re.findall(r"\]\(([^)#:]+)\)", README)
    paths = re.findall(r"`((?:bot|surveys|tests|docs|\.ci)/[\w./-]*)`", README)
    assert links and paths
    missing = [p for p in [*links, *paths] if not (ROOT / p).exists()]
    assert missing == []
