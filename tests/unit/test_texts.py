"""The message catalogue: complete in every language, placeholders consistent."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.texts import Catalogue, CatalogueError, shipped_languages

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_every_key_exists_in_every_shipped_language() -> None:
    """If a message key exists in the default language, then every catalogue has it too."""
    catalogue = Catalogue.load(shipped_languages())
    assert catalogue.problems() == []


def test_configured_languages_are_shipped() -> None:
    """If the example config names languages, then each has a catalogue."""
    languages = tomllib.loads(EXAMPLE.read_text())["community"]["languages"]
    assert set(languages) <= set(shipped_languages())
    assert {"en", "es"} <= set(shipped_languages())


def test_missing_key_is_reported() -> None:
    """If a language lacks a key or changes a placeholder, then problems() names it."""
    catalogue = Catalogue({"en": {"a": "x {n}", "b": "y"}, "es": {"a": "x {m}"}}, "en")
    assert catalogue.problems() == ["es: placeholders of 'a' differ from en", "es: missing key 'b'"]


def test_unknown_language_is_refused() -> None:
    """If a configured language has no catalogue, then loading names it."""
    with pytest.raises(CatalogueError, match="'xx'"):
        Catalogue.load(["en", "xx"])


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("es", "es"), ("es-MX", "es"), ("EN-gb", "en"), ("fr", "en"), (None, "en"), ("", "en")],
)
def test_language_hint(hint: str | None, expected: str) -> None:
    """If Telegram reports a language, then the closest catalogue language is used."""
    assert Catalogue.load(["en", "es"]).pick_language(hint) == expected


def test_parameters_are_html_escaped() -> None:
    """If a parameter contains HTML, then it is escaped before sending with parse_mode HTML."""
    catalogue = Catalogue.load(["en"])
    text = catalogue.get("en", "onboarding_done", area="<b>North & South</b>")
    assert "&lt;b&gt;North &amp; South&lt;/b&gt;" in text
