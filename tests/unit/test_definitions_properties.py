"""Property tests: whatever text a coordinator writes, the loader answers with a model or issues."""

from __future__ import annotations

import copy
import json
import math
import re
import tomllib
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from surveys.definitions import SurveyDefinition, TomlLocator, parse_definition
from surveys.errors import DefinitionError
from surveys.library import builtin_keys, library_path

LANGS = ["en", "es"]
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIBRARY_TEXTS = [library_path(key).read_text(encoding="utf-8") for key in builtin_keys()]
LIBRARY_DOCS = [tomllib.loads(text) for text in LIBRARY_TEXTS]

# Text without surrogates (TOML cannot encode them), but with any other unicode.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
SCALARS = st.one_of(
    TEXT,
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)


def toml_string(text: str) -> str:
    """A TOML basic string: escape quotes, backslashes and every control character."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    assert isinstance(value, dict)
    pairs = ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
    return "{ " + pairs + " }"


def to_toml(document: dict[str, Any], *, tables: bool) -> str:
    """Serialize with inline values, or with [[name]] tables for arrays of tables."""
    lines: list[str] = []
    blocks: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in document.items():
        is_table_array = (
            isinstance(value, list) and value and all(isinstance(item, dict) for item in value)
        )
        if tables and is_table_array:
            blocks.append((key, value))
        else:
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    for key, items in blocks:
        for item in items:
            lines.append(f"\n[[{toml_key(key)}]]  # a comment")
            lines.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in item.items())
    return "\n".join(lines) + "\n"


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.extend(paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for number, inner in enumerate(value):
            found.extend(paths(inner, (*prefix, number)))
    return found


def parent_of(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


def outcome(text: str) -> SurveyDefinition | DefinitionError:
    """Parse, and insist on the contract: a model, or a DefinitionError with issues."""
    try:
        return parse_definition(text, source="prop.toml", languages=LANGS)
    except DefinitionError as error:
        assert error.issues, "a DefinitionError must carry at least one issue"
        for issue in error.issues:
            assert issue.message
            assert issue.line is None or issue.line >= 1
            assert str(issue).startswith("prop.toml")
        return error


@PROPERTY
@given(st.text(max_size=300))
def test_random_text_never_crashes(text: str) -> None:
    """If the input is arbitrary text, then the loader returns a model or a DefinitionError."""
    outcome(text)


@PROPERTY
@given(st.data())
def test_character_mutations_never_crash(data: st.DataObject) -> None:
    """If a valid file is damaged character by character, then only DefinitionError is raised."""
    text = data.draw(st.sampled_from(LIBRARY_TEXTS))
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 20)))
        insert = data.draw(st.sampled_from(["", "[", "]", "=", '"', "\n", "{", ",", "#", "x"]))
        text = text[:start] + insert + text[end:]
    outcome(text)


MUTATIONS = ["drop", "replace", "duplicate", "shuffle", "add_key"]


@PROPERTY
@given(st.data())
def test_document_mutations_never_crash(data: st.DataObject) -> None:
    """If keys are dropped, retyped, duplicated, shuffled or added, then issues come back."""
    document = copy.deepcopy(data.draw(st.sampled_from(LIBRARY_DOCS)))
    for _ in range(data.draw(st.integers(1, 3))):
        mutation = data.draw(st.sampled_from(MUTATIONS))
        targets = paths(document)
        if not targets:
            break
        path = data.draw(st.sampled_from(targets))
        parent = parent_of(document, path)
        if mutation == "drop":
            del parent[path[-1]]
        elif mutation == "replace":
            parent[path[-1]] = data.draw(VALUES)
        elif mutation == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        elif mutation == "shuffle" and isinstance(parent, list):
            parent[:] = data.draw(st.permutations(parent))
        elif mutation == "add_key" and isinstance(parent, dict):
            parent[data.draw(TEXT)] = data.draw(VALUES)
    text = to_toml(document, tables=data.draw(st.booleans()))
    assume(_is_toml(text))  # the writer cannot express every document (an empty key path)
    outcome(text)


@PROPERTY
@given(st.sampled_from(LIBRARY_DOCS), st.booleans())
def test_layout_does_not_change_the_hash(document: dict[str, Any], tables: bool) -> None:
    """If the same content is written in another layout, then it loads with the same hash."""
    original = parse_definition(to_toml(document, tables=not tables), source="a", languages=LANGS)
    relaid = parse_definition(to_toml(document, tables=tables), source="b", languages=LANGS)
    assert relaid.content_hash == original.content_hash


@PROPERTY
@given(st.data())
def test_locator_finds_every_question_id_line(data: st.DataObject) -> None:
    """If a file uses either layout, then each question's 'id' is located on its own line."""
    document = copy.deepcopy(data.draw(st.sampled_from(LIBRARY_DOCS)))
    for question in document["questions"]:
        question["text"]["en"] = data.draw(TEXT)
    text = to_toml(document, tables=data.draw(st.booleans()))
    lines = text.split("\n")
    locator = TomlLocator(text)
    for number, question in enumerate(document["questions"]):
        line = locator.line_of(("questions", number, "id"))
        assert line is not None
        assert f"id = {json.dumps(question['id'])}" in lines[line - 1]


def _is_toml(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True
