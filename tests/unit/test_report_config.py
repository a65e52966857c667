"""The [reports] and [[partners]] settings: defaults, cross-section checks, the policy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings, report_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_defaults_work_without_a_reports_section() -> None:
    """If the configuration says nothing about reports, then a sensible list of categories
    (one sensitive) and limits apply."""
    settings = Settings(community={"languages": ["en", "es"]})  # type: ignore[arg-type]
    policy = report_policy(settings)
    assert policy.daily_limit == 5 and policy.location_decimals == 3
    assert policy.default_overdue == timedelta(days=2)
    assert [c.id for c in policy.categories if c.sensitive] == ["domestic"]
    assert policy.partners == ()


def test_example_policy() -> None:
    """If the example is loaded, then its categories, overrides and partner reach the policy."""
    policy = report_policy(load_settings(EXAMPLE))
    assert policy.category("lighting").overdue_after == timedelta(days=5)
    assert policy.category("vandalism").overdue_after == timedelta(days=2)
    assert policy.category("domestic").name("es") == "Violencia doméstica"
    assert [p.id for p in policy.partners_for("lighting")] == ["council-streets"]
    assert policy.partners_for("domestic") == ()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '[[reports.categories]]\nid = "a"\nname = { en = "A" }\n'
            '[[reports.categories]]\nid = "a"\nname = { en = "B" }\n',
            "reports.categories: category ids must be unique",
        ),
        (
            '[community]\nlanguages = ["en", "es"]\n'
            '[[reports.categories]]\nid = "a"\nname = { en = "A" }\n',
            "reports.categories: 'a' has no name for 'es'",
        ),
        (
            '[[reports.categories]]\nid = "a"\nname = { en = "A" }\n'
            '[[partners]]\nid = "p"\nname = "P"\nchat_id = -5\ncategories = ["b"]\n',
            "partners: 'p' names unknown category 'b'",
        ),
        (
            '[[reports.categories]]\nid = "a"\nname = { en = "A" }\nsensitive = true\n'
            '[[partners]]\nid = "p"\nname = "P"\nchat_id = -5\ncategories = ["a"]\n',
            "sensitive reports are never routed to partners",
        ),
        (
            '[[partners]]\nid = "p"\nname = "P"\nchat_id = 5\n',
            "partners.0.chat_id:",
        ),
        ("[reports]\ndaily_limit = 0\n", "reports.daily_limit:"),
        ("[reports]\nlocation_decimals = 9\n", "reports.location_decimals:"),
    ],
)
def test_bad_report_settings_give_one_clear_line(
    tmp_path: Path, content: str, expected: str
) -> None:
    """If the report settings are wrong, then one line names the file, the key and why."""
    path = tmp_path / "config.toml"
    path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and expected in message
    assert len(message.splitlines()) == 1
