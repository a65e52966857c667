"""Built-in survey definitions, shipped inside the package so a wheel install has them.

Each ``<key>.toml`` file here is a complete definition in English and Spanish; a community can
start from these or copy one as a template for its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from surveys.definitions import SurveyDefinition, load_definition
from surveys.errors import DefinitionError, DefinitionIssue

__all__ = ["builtin_keys", "library_path", "load_builtin"]

_DIRECTORY = Path(__file__).resolve().parent


def builtin_keys() -> list[str]:
    """Keys of the built-in surveys, sorted."""
    return sorted(path.stem for path in _DIRECTORY.glob("*.toml"))


def library_path(key: str) -> Path:
    """The file of a built-in survey; ``DefinitionError`` names the available keys if unknown."""
    if key not in builtin_keys():
        available = ", ".join(builtin_keys())
        message = f"no built-in survey {key!r} (available: {available})"
        raise DefinitionError([DefinitionIssue(key, None, None, message)])
    return _DIRECTORY / f"{key}.toml"


def load_builtin(key: str, languages: Sequence[str]) -> SurveyDefinition:
    """Load and check a built-in survey for the community's configured languages."""
    return load_definition(library_path(key), languages)
