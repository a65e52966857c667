"""Without Chromium the browser tests are skipped on a developer's machine but fail under CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_without_browser(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "CHROMIUM")}
    environment.update(PATH=str(tmp_path), **env)  # no chromium on this PATH
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/browser/test_page_onboarding.py",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("ci", "code", "says"), [("", 0, " skipped in "), ("true", 1, "CI=true: no Chromium")]
)
def test_missing_browser(tmp_path: Path, ci: str, code: int, says: str) -> None:
    """If Chromium is missing, then the browser tests are skipped, unless CI=true, where the
    run fails and says why."""
    result = run_without_browser(tmp_path, **({"CI": ci} if ci else {}))
    assert result.returncode == code, result.stdout + result.stderr
    assert says in result.stdout
    assert " passed" not in result.stdout, "nothing may run without a browser"
