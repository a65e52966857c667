"""The message catalogue: complete in every language, placeholders consistent."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import tomllib
from pathlib import Path

import pytest

import surveys
from bot.texts import Catalogue, CatalogueError, shipped_languages
from surveys.errors import RefusedError, SurveysError

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


def _domain_errors() -> list[type[SurveysError]]:
    """Every error class of the domain core (all of surveys imported first)."""
    for module in pkgutil.walk_packages(surveys.__path__, "surveys."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: list[type[SurveysError]] = []
    todo = [SurveysError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _codes_raised_by_name(root: Path, classes: set[str]) -> set[str]:
    """Codes given per instance: the first argument of ``raise X("code", ...)`` for X in
    ``classes`` anywhere under ``root``."""
    codes = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and isinstance(node.exc.func, ast.Name)
                and node.exc.func.id in classes
                and node.exc.args
                and isinstance(node.exc.args[0], ast.Constant)
                and isinstance(node.exc.args[0].value, str)
            ):
                codes.add(node.exc.args[0].value)
    return codes


def test_every_domain_error_code_has_its_message() -> None:
    """If the domain raises an error, then the catalogue explains its code in every shipped
    language: the error handler maps codes to ``error_<code>`` in one place and must never
    fall back to a generic apology for a refusal the domain meant to explain. Codes are the
    class codes of every error and the codes given per instance to ``RefusedError`` and its
    subclasses (read from every ``raise`` in surveys/ and bot/)."""
    root = Path(surveys.__file__).resolve().parents[1]
    errors = _domain_errors()
    per_instance = {c.__name__ for c in errors if issubclass(c, RefusedError)}
    codes = {c.code for c in errors if isinstance(vars(c).get("code"), str)}
    codes |= _codes_raised_by_name(root / "surveys", per_instance)
    codes |= _codes_raised_by_name(root / "bot", per_instance)
    assert len(codes) > 40  # the classes and the raises were found at all
    texts = Catalogue.load(shipped_languages())
    missing = {
        (language, f"error_{code}")
        for language in shipped_languages()
        for code in codes
        if f"error_{code}" not in texts.section(language, "error_")
    }
    assert missing == set()
