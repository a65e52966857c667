"""Survey definitions: pydantic models and a TOML loader with file/line-precise errors.

A definition is written by coordinators, not developers, so the loader never stops at the first
problem: it collects every issue of a file (syntax, unknown keys, wrong types, missing
translations, broken skip logic, indices, Telegram size limits) and points each one at a line.
The models are what the rest of the system uses; they are frozen so a loaded definition cannot
drift from the stored ``content_hash``.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import math
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from surveys.errors import DefinitionError, DefinitionIssue, UnknownQuestionError

__all__ = [
    "BUILTIN_LIKERT_LABELS",
    "BUILTIN_YES_NO_LABELS",
    "AllCondition",
    "AnyCondition",
    "Choice",
    "ChoiceQuestion",
    "Condition",
    "DefinitionError",
    "DefinitionIssue",
    "Index",
    "Likert5Question",
    "LocalText",
    "MeanRescaledIndex",
    "MultiQuestion",
    "NumberQuestion",
    "NumericQuestion",
    "Question",
    "ScaleQuestion",
    "ShareAgreeIndex",
    "SingleQuestion",
    "SurveyDefinition",
    "TextQuestion",
    "ValueCondition",
    "YesNoQuestion",
    "check_files",
    "load_definition",
    "parse_definition",
]

SURVEY_KEY_PATTERN = r"^[a-z0-9-]{1,64}$"
QUESTION_ID_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
CHOICE_CODE_PATTERN = r"^[a-z0-9_-]{1,24}$"

# Telegram: a message holds 4096 characters; the question text shares it with the progress line
# and the scale labels, and a button shows about 64 characters before clients cut it.
MAX_QUESTION_TEXT = 3500
MAX_INTRO_TEXT = 3500
MAX_TITLE_TEXT = 256
MAX_LABEL = 64
MAX_CHOICES = 20
MAX_TEXT_ANSWER = 3000

BUILTIN_LIKERT_LABELS: Mapping[str, tuple[str, str, str, str, str]] = {
    "en": (
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ),
    "es": (
        "Totalmente en desacuerdo",
        "En desacuerdo",
        "Ni de acuerdo ni en desacuerdo",
        "De acuerdo",
        "Totalmente de acuerdo",
    ),
}
"""Agreement labels (1..5) used when a likert5 question defines no ``labels`` of its own."""

BUILTIN_YES_NO_LABELS: Mapping[str, tuple[str, str]] = {
    "en": ("Yes", "No"),
    "es": ("Sí", "No"),
}
"""(yes, no) labels used when a yes_no question defines no ``labels`` of its own."""

LocalText: TypeAlias = dict[str, str]
"""Text per language code, e.g. ``{"en": "...", "es": "..."}``."""


def _scalar(value: object) -> str | int | float | bool:
    """Accept exactly one TOML scalar (string, number, boolean), so conditions stay comparable."""
    if isinstance(value, str | bool | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise PydanticCustomError("scalar_type", "must be a string, a number or true/false")


def _number(value: object) -> int | float:
    """Accept an int or a finite float but not a boolean (TOML ``true`` is not 1)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number_type", "must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("number_type", "must be a finite number")
    return value


def _version(value: object) -> str | int:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    raise PydanticCustomError("version_type", "must be a string or an integer")


Scalar = Annotated[str | int | float | bool, PlainValidator(_scalar)]
Number = Annotated[int | float, PlainValidator(_number)]
Version = Annotated[str | int, PlainValidator(_version)]


class _Model(BaseModel):
    """Strict and closed: a typo in a key or a quoted number is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# --- skip logic -------------------------------------------------------------------------------


class ValueCondition(_Model):
    """A test on one earlier answer; exactly one operator is set."""

    question: str
    equals: Scalar | None = None
    one_of: list[Scalar] | None = None
    less_than: Number | None = None
    greater_than: Number | None = None
    answered: bool | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> ValueCondition:
        if len(self.operators()) != 1:
            raise PydanticCustomError(
                "condition_operator",
                "needs exactly one of equals, one_of, less_than, greater_than, answered",
            )
        return self

    def operators(self) -> list[str]:
        """Names of the operators that are set (a valid condition has exactly one)."""
        names = ("equals", "one_of", "less_than", "greater_than", "answered")
        return [name for name in names if getattr(self, name) is not None]


class AllCondition(_Model):
    """True when every inner condition is true."""

    all: list[Condition] = Field(min_length=1)


class AnyCondition(_Model):
    """True when at least one inner condition is true."""

    any: list[Condition] = Field(min_length=1)


def _condition_kind(value: Any) -> str:
    """Pick the condition model from the keys present, so errors name the right fields."""
    if isinstance(value, dict):
        if "all" in value:
            return "all-condition"
        if "any" in value:
            return "any-condition"
        return "value-condition"
    if isinstance(value, AllCondition):
        return "all-condition"
    if isinstance(value, AnyCondition):
        return "any-condition"
    return "value-condition"


Condition = Annotated[
    Annotated[ValueCondition, Tag("value-condition")]
    | Annotated[AllCondition, Tag("all-condition")]
    | Annotated[AnyCondition, Tag("any-condition")],
    Discriminator(_condition_kind),
]

_TAGS = frozenset({"value-condition", "all-condition", "any-condition"})

AllCondition.model_rebuild()
AnyCondition.model_rebuild()


def iter_conditions(
    condition: ValueCondition | AllCondition | AnyCondition,
) -> Iterator[ValueCondition]:
    """Yield the leaf conditions of a (possibly nested) show_if."""
    if isinstance(condition, ValueCondition):
        yield condition
        return
    inner = condition.all if isinstance(condition, AllCondition) else condition.any
    for item in inner:
        yield from iter_conditions(item)


# --- questions --------------------------------------------------------------------------------


class Choice(_Model):
    """One button of a single/multi question; ``code`` is what is stored, so it must not change."""

    code: Annotated[str, Field(pattern=CHOICE_CODE_PATTERN)]
    label: LocalText


class _BaseQuestion(_Model):
    id: Annotated[str, Field(pattern=QUESTION_ID_PATTERN)]
    text: LocalText
    required: bool = True
    show_if: Condition | None = None


class SingleQuestion(_BaseQuestion):
    """Pick one choice; the answer is its code."""

    type: Literal["single"] = "single"
    choices: list[Choice]

    @property
    def codes(self) -> list[str]:
        return [choice.code for choice in self.choices]


class MultiQuestion(_BaseQuestion):
    """Pick several choices; the answer is the list of codes in choice order."""

    type: Literal["multi"] = "multi"
    choices: list[Choice]
    min_picks: int | None = None
    max_picks: int | None = None

    @property
    def codes(self) -> list[str]:
        return [choice.code for choice in self.choices]

    @property
    def picks_range(self) -> tuple[int, int]:
        """(min, max) picks: 1 and the number of choices unless the definition says otherwise."""
        low = 1 if self.min_picks is None else self.min_picks
        high = len(self.choices) if self.max_picks is None else self.max_picks
        return low, high


class Likert5Question(_BaseQuestion):
    """A 1..5 rating; labels per language, or the built-in agreement labels."""

    type: Literal["likert5"] = "likert5"
    labels: dict[str, list[str]] | None = None

    @property
    def value_range(self) -> tuple[int, int]:
        return 1, 5

    def labels_for(self, language: str) -> tuple[str, ...]:
        """The five labels shown for ``language`` (KeyError if neither defined nor built in)."""
        if self.labels is not None:
            return tuple(self.labels[language])
        return BUILTIN_LIKERT_LABELS[language]


class ScaleQuestion(_BaseQuestion):
    """A 0..10 rating with the meaning of both ends spelled out per language."""

    type: Literal["scale"] = "scale"
    low_label: LocalText
    high_label: LocalText

    @property
    def value_range(self) -> tuple[int, int]:
        return 0, 10


class YesNoQuestion(_BaseQuestion):
    """Yes or no; stored as a boolean."""

    type: Literal["yes_no"] = "yes_no"
    labels: dict[str, list[str]] | None = None

    @property
    def value_range(self) -> tuple[int, int]:
        return 0, 1

    def labels_for(self, language: str) -> tuple[str, str]:
        """(yes, no) labels for ``language`` (KeyError if neither defined nor built in)."""
        if self.labels is not None:
            yes, no = self.labels[language]
            return yes, no
        return BUILTIN_YES_NO_LABELS[language]


class NumberQuestion(_BaseQuestion):
    """A typed number within [min, max]; whole numbers only unless ``integer = false``."""

    type: Literal["number"] = "number"
    min: Number
    max: Number
    integer: bool = True

    @property
    def value_range(self) -> tuple[int | float, int | float]:
        return self.min, self.max


class TextQuestion(_BaseQuestion):
    """Free text, trimmed, at most ``max_length`` characters."""

    type: Literal["text"] = "text"
    max_length: int = Field(default=500, ge=1, le=MAX_TEXT_ANSWER)


Question = Annotated[
    SingleQuestion
    | MultiQuestion
    | Likert5Question
    | ScaleQuestion
    | YesNoQuestion
    | NumberQuestion
    | TextQuestion,
    Field(discriminator="type"),
]
ChoiceQuestion: TypeAlias = SingleQuestion | MultiQuestion
NumericQuestion: TypeAlias = Likert5Question | ScaleQuestion | NumberQuestion

_QUESTION_TYPES: dict[str, type[_BaseQuestion]] = {
    "single": SingleQuestion,
    "multi": MultiQuestion,
    "likert5": Likert5Question,
    "scale": ScaleQuestion,
    "yes_no": YesNoQuestion,
    "number": NumberQuestion,
    "text": TextQuestion,
}
_NUMERIC = (Likert5Question, ScaleQuestion, NumberQuestion)


# --- indices ----------------------------------------------------------------------------------


class MeanRescaledIndex(_Model):
    """Mean of the items, each rescaled to 0-100 over its own range (``reversed`` ones flipped)."""

    key: Annotated[str, Field(pattern=QUESTION_ID_PATTERN)]
    title: LocalText
    method: Literal["mean_rescaled"] = "mean_rescaled"
    items: list[str]
    reversed: list[str] = Field(default_factory=list)
    min_items: int | None = None

    @property
    def required_items(self) -> int:
        """How many items a respondent must have answered for the index to exist."""
        return len(self.items) if self.min_items is None else self.min_items


class ShareAgreeIndex(_Model):
    """Share of respondents whose single item is at least ``threshold`` (yes counts as 1)."""

    key: Annotated[str, Field(pattern=QUESTION_ID_PATTERN)]
    title: LocalText
    method: Literal["share_agree"] = "share_agree"
    items: list[str]
    threshold: Number | None = None


Index = Annotated[MeanRescaledIndex | ShareAgreeIndex, Field(discriminator="method")]
_INDEX_METHODS: dict[str, type[_Model]] = {
    "mean_rescaled": MeanRescaledIndex,
    "share_agree": ShareAgreeIndex,
}


# --- the definition ---------------------------------------------------------------------------


class SurveyDefinition(_Model):
    """A whole survey: texts per language, ordered questions with skip logic, and indices."""

    key: Annotated[str, Field(pattern=SURVEY_KEY_PATTERN)]
    version: Version
    title: LocalText
    intro: LocalText
    questions: list[Question] = Field(min_length=1)
    indices: list[Index] = Field(default_factory=list)

    def canonical_json(self) -> str:
        """A JSON dump that depends only on content, not on TOML layout, key order or comments."""
        return json.dumps(
            self.model_dump(mode="json"),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @property
    def content_hash(self) -> str:
        """sha256 hex of :meth:`canonical_json`; the store versions definitions by it."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    @property
    def question_ids(self) -> list[str]:
        return [question.id for question in self.questions]

    @property
    def numeric_question_ids(self) -> list[str]:
        """Ids of questions with a numeric range (likert5, scale, number)."""
        return [q.id for q in self.questions if isinstance(q, _NUMERIC)]

    def question(self, question_id: str) -> Question:
        """The question with this id; ``UnknownQuestionError`` for a stale or forged id."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise UnknownQuestionError(question_id)

    def position(self, question_id: str) -> int:
        """0-based position of the question in the definition."""
        for position, question in enumerate(self.questions):
            if question.id == question_id:
                return position
        raise UnknownQuestionError(question_id)

    def index(self, key: str) -> MeanRescaledIndex | ShareAgreeIndex:
        """The index with this key (KeyError if absent)."""
        for index in self.indices:
            if index.key == key:
                return index
        raise KeyError(key)


# --- locating lines in the TOML text ----------------------------------------------------------

_Path: TypeAlias = tuple[str | int, ...]
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class _ScanError(Exception):
    """The text is not shaped as the scanner expects; line numbers become best effort."""


class _TomlLocator:
    """Maps key paths (as pydantic reports them) to 1-based lines of a text tomllib accepted.

    tomllib reports no positions, so this scans the text once and records where each key, table
    header and array element starts. It understands dotted keys, quoted keys, arrays of tables
    (``[[questions]]``, ``[[questions.choices]]``), sub-tables, inline tables and multi-line
    arrays and strings.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1
        self._aot_counts: dict[_Path, int] = {}
        self.lines: dict[_Path, int] = {}
        # On a surprise keep what was found; unlocated issues fall back to their table's line.
        with contextlib.suppress(_ScanError, tomllib.TOMLDecodeError, RecursionError):
            self._scan()

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of the longest known prefix of ``path``."""
        for length in range(len(path), 0, -1):
            line = self.lines.get(tuple(path[:length]))
            if line is not None:
                return line
        return None

    def _peek(self, count: int = 1) -> str:
        return self._text[self._pos : self._pos + count]

    def _skip_blank(self, *, newlines: bool) -> None:
        text = self._text
        while self._pos < len(text):
            char = text[self._pos]
            if char in " \t":
                self._pos += 1
            elif char == "#":
                end = text.find("\n", self._pos)
                self._pos = len(text) if end < 0 else end
            elif newlines and char in "\r\n":
                self._line += char == "\n"
                self._pos += 1
            else:
                return

    def _expect(self, token: str) -> None:
        if self._peek(len(token)) != token:
            raise _ScanError(token)
        self._pos += len(token)

    def _scan(self) -> None:
        table: _Path = ()
        while True:
            self._skip_blank(newlines=True)
            if self._pos >= len(self._text):
                return
            line = self._line
            if self._peek() == "[":
                array = self._peek(2) == "[["
                self._pos += 2 if array else 1
                self._skip_blank(newlines=False)
                keys = self._parse_key()
                self._skip_blank(newlines=False)
                self._expect("]]" if array else "]")
                table = self._resolve(keys, array=array, line=line)
                self.lines.setdefault(table, line)
            else:
                self._parse_pair(table)

    def _resolve(self, keys: tuple[str, ...], *, array: bool, line: int) -> _Path:
        resolved: list[str | int] = []
        for number, key in enumerate(keys):
            resolved.append(key)
            current = tuple(resolved)
            self.lines.setdefault(current, line)
            if array and number == len(keys) - 1:
                count = self._aot_counts.get(current, 0)
                self._aot_counts[current] = count + 1
                resolved.append(count)
            elif current in self._aot_counts:
                resolved.append(self._aot_counts[current] - 1)
        return tuple(resolved)

    def _parse_pair(self, table: _Path) -> None:
        line = self._line
        keys = self._parse_key()
        self._skip_blank(newlines=False)
        self._expect("=")
        self._skip_blank(newlines=False)
        for length in range(1, len(keys) + 1):
            self.lines.setdefault(table + keys[:length], line)
        self._parse_value(table + keys)

    def _parse_key(self) -> tuple[str, ...]:
        keys: list[str] = []
        while True:
            self._skip_blank(newlines=False)
            start = self._pos
            char = self._peek()
            if char in ('"', "'"):
                self._skip_string(char, escapes=char == '"')
                raw = self._text[start : self._pos]
                keys.append(str(tomllib.loads(f"k = {raw}")["k"]))
            else:
                match = _BARE_KEY.match(self._text, self._pos)
                if match is None:
                    raise _ScanError("key")
                keys.append(match.group())
                self._pos = match.end()
            self._skip_blank(newlines=False)
            if self._peek() != ".":
                return tuple(keys)
            self._pos += 1

    def _skip_string(self, quote: str, *, escapes: bool) -> None:
        text = self._text
        self._pos += 1
        while self._pos < len(text):
            char = text[self._pos]
            if escapes and char == "\\":
                self._pos += 2
            elif char == quote:
                self._pos += 1
                return
            elif char == "\n":
                break
            else:
                self._pos += 1
        raise _ScanError("string")

    def _skip_multiline_string(self, delimiter: str, *, escapes: bool) -> None:
        text = self._text
        self._pos += 3
        while self._pos < len(text):
            char = text[self._pos]
            if escapes and char == "\\":
                self._line += text[self._pos + 1 : self._pos + 2] == "\n"
                self._pos += 2
            elif text.startswith(delimiter, self._pos):
                self._pos += 3
                for _ in range(2):  # up to two quotes may touch the closing delimiter
                    if self._peek() == delimiter[0]:
                        self._pos += 1
                return
            else:
                self._line += char == "\n"
                self._pos += 1
        raise _ScanError("multi-line string")

    def _parse_value(self, path: _Path) -> None:
        char = self._peek()
        if self._peek(3) in ('"""', "'''"):
            self._skip_multiline_string(self._peek(3), escapes=char == '"')
        elif char in ('"', "'"):
            self._skip_string(char, escapes=char == '"')
        elif char == "[":
            self._parse_array(path)
        elif char == "{":
            self._parse_inline_table(path)
        else:
            start = self._pos
            while self._pos < len(self._text) and self._text[self._pos] not in ",]}#\r\n":
                self._pos += 1
            if self._pos == start:
                raise _ScanError("value")

    def _parse_array(self, path: _Path) -> None:
        self._pos += 1
        number = 0
        while True:
            self._skip_blank(newlines=True)
            if self._peek() == "]":
                self._pos += 1
                return
            self.lines.setdefault((*path, number), self._line)
            self._parse_value((*path, number))
            number += 1
            self._skip_blank(newlines=True)
            if self._peek() == ",":
                self._pos += 1
            elif self._peek() != "]":
                raise _ScanError("array")

    def _parse_inline_table(self, path: _Path) -> None:
        self._pos += 1
        while True:
            self._skip_blank(newlines=True)
            if self._peek() == "}":
                self._pos += 1
                return
            self._parse_pair(path)
            self._skip_blank(newlines=True)
            if self._peek() == ",":
                self._pos += 1
            elif self._peek() != "}":
                raise _ScanError("inline table")


# --- checking ---------------------------------------------------------------------------------

_TOP_KEYS = ("key", "version", "title", "intro", "questions", "indices")
_MODELS: tuple[type[BaseModel], ...] = (
    SurveyDefinition,
    Choice,
    ValueCondition,
    AllCondition,
    AnyCondition,
    *_QUESTION_TYPES.values(),
    *_INDEX_METHODS.values(),
)
_KNOWN_KEYS = sorted({name for model in _MODELS for name in model.model_fields})
_QUESTION_KEYS = frozenset(name for m in _QUESTION_TYPES.values() for name in m.model_fields)
_PATTERN_HELP = {
    QUESTION_ID_PATTERN: "must start with a lowercase letter and use only a-z, 0-9 and _ "
    "(at most 32 characters)",
    CHOICE_CODE_PATTERN: "must use only a-z, 0-9, _ and - (1 to 24 characters)",
    SURVEY_KEY_PATTERN: "must use only a-z, 0-9 and - (1 to 64 characters)",
}
_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "true or false",
    "float_type": "a number",
    "list_type": "an array",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}

_CUSTOM_TYPES = frozenset({"scalar_type", "number_type", "version_type"})
_BOUNDS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})


def _toml_type(value: object) -> str:
    """The TOML name of a parsed value's type, for 'must be X, not Y' messages."""
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    for kind, name in names.items():
        if type(value) is kind:
            return name
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def _short(value: object) -> str:
    """A value quoted for a message, cut so one issue stays one readable line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _dotted(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _describe(error: ErrorDetails, loc: tuple[str | int, ...]) -> str:
    """A one-line message for a pydantic error, in the vocabulary of the TOML file."""
    kind = error["type"]
    where = _dotted(loc)
    if kind == "missing":
        parent = f" in '{_dotted(loc[:-1])}'" if len(loc) > 1 else ""
        return f"missing key '{loc[-1]}'{parent}"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        if len(loc) == 1 and key in _QUESTION_KEYS:
            return f"unknown key '{key}' (not used by this question type)"
        close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1, cutoff=0.75)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key '{where}'{hint}"
    if kind in _EXPECTED:
        return f"'{where}' must be {_EXPECTED[kind]}, not {_toml_type(error['input'])}"
    if kind in _CUSTOM_TYPES:
        return f"'{where}' {error['msg']}, not {_toml_type(error['input'])}"
    if kind == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        help_text = _PATTERN_HELP.get(pattern, f"must match {pattern}")
        return f"'{where}' {help_text} (got {_short(error['input'])})"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    message = message[:1].lower() + message[1:]
    if kind in _BOUNDS:
        message += f" (got {_short(error['input'])})"
    return f"'{where}': {message}" if where else message


class _Checker:
    """Collects every issue of one document; each check reads already-validated models."""

    def __init__(self, source: str, locator: _TomlLocator, languages: Sequence[str]) -> None:
        self.source = source
        self.locator = locator
        self.languages = list(dict.fromkeys(languages))
        self.issues: list[DefinitionIssue] = []
        self.raw_ids: list[str | None] = []
        self.questions: dict[int, _BaseQuestion] = {}

    def add(self, path: _Path, message: str, question_id: str | None = None) -> None:
        line = self.locator.line_of(path)
        self.issues.append(DefinitionIssue(self.source, line, question_id, message))

    def add_validation(
        self, error: ValidationError, prefix: _Path, question_id: str | None = None
    ) -> None:
        for detail in error.errors():
            loc = tuple(part for part in detail["loc"] if part not in _TAGS)
            self.add(prefix + loc, _describe(detail, loc), question_id)

    def check(self, document: dict[str, Any]) -> SurveyDefinition | None:
        for key in document:
            if key not in _TOP_KEYS:
                close = difflib.get_close_matches(key, _TOP_KEYS, n=1, cutoff=0.75)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.add((key,), f"unknown key '{key}'{hint}")
        self._check_header(document)
        self._check_questions(document.get("questions"))
        self._check_indices(document.get("indices", []))
        if self.issues:
            return None
        try:
            return SurveyDefinition.model_validate(document)
        except ValidationError as error:  # a gap in the checks above; still report, never crash
            self.add_validation(error, ())
            return None

    def _check_header(self, document: dict[str, Any]) -> None:
        header = {
            key: document[key] for key in ("key", "version", "title", "intro") if key in document
        }
        try:
            _Header.model_validate(header)
        except ValidationError as error:
            self.add_validation(error, ())
        title, intro = document.get("title"), document.get("intro")
        if isinstance(title, dict):
            self.local(("title",), title, "title", MAX_TITLE_TEXT)
        if isinstance(intro, dict):
            self.local(("intro",), intro, "intro", MAX_INTRO_TEXT)

    def local(
        self,
        path: _Path,
        table: Mapping[str, object],
        what: str,
        max_length: int,
        question_id: str | None = None,
    ) -> None:
        """Every configured language present and non-empty; every text within its limit."""
        for language in self.languages:
            value = table.get(language)
            if value is None:
                self.add(path, f"missing translation '{language}' for {what}", question_id)
            elif isinstance(value, str) and not value.strip():
                self.add((*path, language), f"empty '{language}' text for {what}", question_id)
        for language, value in table.items():
            if isinstance(value, str) and len(value) > max_length:
                self.add(
                    (*path, language),
                    f"{what} in '{language}' has {len(value)} characters; at most {max_length} "
                    "fit in a Telegram message",
                    question_id,
                )

    # questions

    def _check_questions(self, raw: object) -> None:
        if raw is None:
            self.add((), "missing key 'questions' (a survey needs at least one [[questions]])")
            return
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            self.add(("questions",), "'questions' must be an array of tables ([[questions]])")
            return
        if not raw:
            self.add(("questions",), "a survey needs at least one question")
        self.raw_ids = [item.get("id") if isinstance(item.get("id"), str) else None for item in raw]
        for number, item in enumerate(raw):
            self._parse_question(number, item)
        first_seen: dict[str, int] = {}
        for number, qid in enumerate(self.raw_ids):
            if qid is None:
                continue
            if qid in first_seen:
                line = self.locator.line_of(("questions", first_seen[qid], "id"))
                at = f" (first used on line {line})" if line else ""
                self.add(("questions", number, "id"), f"duplicate question id '{qid}'{at}", qid)
            else:
                first_seen[qid] = number
        for number, question in self.questions.items():
            self._check_question(number, question)

    def _parse_question(self, number: int, raw: dict[str, Any]) -> None:
        path: _Path = ("questions", number)
        qid = self.raw_ids[number]
        kind = raw.get("type")
        if not isinstance(kind, str) or kind not in _QUESTION_TYPES:
            known = ", ".join(_QUESTION_TYPES)
            if kind is None:
                self.add(path, f"missing key 'type' (one of: {known})", qid)
            else:
                self.add((*path, "type"), f"unknown question type {kind!r} (one of: {known})", qid)
            self._check_broken_question(number, raw, qid)
            return
        try:
            self.questions[number] = _QUESTION_TYPES[kind].model_validate(raw)
        except ValidationError as error:
            self.add_validation(error, path, qid)
            self._check_broken_question(number, raw, qid)

    def _check_broken_question(self, number: int, raw: dict[str, Any], qid: str | None) -> None:
        """Checks that still make sense when other keys of the question are invalid."""
        path: _Path = ("questions", number)
        try:
            text = _LOCAL_TEXT.validate_python(raw.get("text"))
            self.local((*path, "text"), text, "the question text", MAX_QUESTION_TEXT, qid)
        except ValidationError:
            pass  # already reported by the question's own validation
        if qid is None or "show_if" not in raw:
            return
        try:
            condition = _CONDITION.validate_python(raw["show_if"])
        except ValidationError:
            return
        self._check_condition((*path, "show_if"), number, condition, qid)

    def _check_question(self, number: int, question: _BaseQuestion) -> None:
        path: _Path = ("questions", number)
        qid = question.id
        self.local((*path, "text"), question.text, "the question text", MAX_QUESTION_TEXT, qid)
        if isinstance(question, SingleQuestion | MultiQuestion):
            self._check_choices(path, question)
        if isinstance(question, MultiQuestion):
            self._check_picks(path, question)
        if isinstance(question, Likert5Question | YesNoQuestion):
            count, builtin = (
                (5, BUILTIN_LIKERT_LABELS)
                if isinstance(question, Likert5Question)
                else (2, BUILTIN_YES_NO_LABELS)
            )
            self._check_labels(path, question, question.labels, count, builtin)
        if isinstance(question, ScaleQuestion):
            self.local((*path, "low_label"), question.low_label, "low_label", MAX_LABEL, qid)
            self.local((*path, "high_label"), question.high_label, "high_label", MAX_LABEL, qid)
        if isinstance(question, NumberQuestion) and not question.min < question.max:
            self.add((*path, "min"), "'min' must be less than 'max'", qid)
        if question.show_if is not None:
            self._check_condition((*path, "show_if"), number, question.show_if, qid)

    def _check_choices(self, path: _Path, question: SingleQuestion | MultiQuestion) -> None:
        qid = question.id
        count = len(question.choices)
        if count < 2:
            self.add((*path, "choices"), f"needs at least 2 choices, has {count}", qid)
        if count > MAX_CHOICES:
            self.add(
                (*path, "choices"),
                f"has {count} choices; at most {MAX_CHOICES} buttons fit in one message",
                qid,
            )
        seen: set[str] = set()
        for number, choice in enumerate(question.choices):
            choice_path = (*path, "choices", number)
            if choice.code in seen:
                self.add((*choice_path, "code"), f"duplicate choice code '{choice.code}'", qid)
            seen.add(choice.code)
            self.local(
                (*choice_path, "label"), choice.label, f"choice '{choice.code}'", MAX_LABEL, qid
            )

    def _check_picks(self, path: _Path, question: MultiQuestion) -> None:
        low, high = question.picks_range
        count = len(question.choices)
        if low < 0:
            self.add((*path, "min_picks"), "'min_picks' cannot be negative", question.id)
        if high < 1 or high > count:
            self.add(
                (*path, "max_picks"),
                f"'max_picks' must be between 1 and the number of choices ({count})",
                question.id,
            )
        if low > high:
            self.add((*path, "min_picks"), "'min_picks' must not exceed 'max_picks'", question.id)

    def _check_labels(
        self,
        path: _Path,
        question: _BaseQuestion,
        labels: dict[str, list[str]] | None,
        count: int,
        builtin: Mapping[str, tuple[str, ...]],
    ) -> None:
        qid = question.id
        kind = "likert5" if count == 5 else "yes_no"
        if labels is None:
            for language in self.languages:
                if language not in builtin:
                    self.add(
                        (*path, "type"),
                        f"missing translation '{language}' for labels: built-in {kind} labels "
                        f"exist only for {', '.join(builtin)}, so set 'labels'",
                        qid,
                    )
            return
        for language in self.languages:
            if language not in labels:
                self.add((*path, "labels"), f"missing translation '{language}' for labels", qid)
        for language, texts in labels.items():
            where = (*path, "labels", language)
            if len(texts) != count:
                self.add(
                    where, f"labels '{language}' must list {count} labels, has {len(texts)}", qid
                )
            for text in texts:
                if not text.strip():
                    self.add(where, f"empty label in labels '{language}'", qid)
                elif len(text) > MAX_LABEL:
                    self.add(
                        where,
                        f"label {text[:20]!r}... in '{language}' is longer than {MAX_LABEL} "
                        "characters and would not fit on a button",
                        qid,
                    )

    def _check_condition(
        self,
        path: _Path,
        number: int,
        condition: ValueCondition | AllCondition | AnyCondition,
        qid: str,
    ) -> None:
        if isinstance(condition, AllCondition | AnyCondition):
            name = "all" if isinstance(condition, AllCondition) else "any"
            inner = condition.all if isinstance(condition, AllCondition) else condition.any
            for position, item in enumerate(inner):
                self._check_condition((*path, name, position), number, item, qid)
            return
        target = condition.question
        if target not in self.raw_ids:
            self.add((*path, "question"), f"show_if refers to unknown question '{target}'", qid)
            return
        if self.raw_ids.index(target) >= number:
            what = "itself" if target == qid else f"'{target}', which comes later"
            self.add(
                (*path, "question"),
                f"show_if refers to {what}; it may only use earlier questions",
                qid,
            )
            return
        referred = self.questions.get(self.raw_ids.index(target))
        if referred is not None:
            self._check_operator(path, condition, referred, qid)

    def _check_operator(
        self, path: _Path, condition: ValueCondition, referred: _BaseQuestion, qid: str
    ) -> None:
        target = condition.question
        kind = getattr(referred, "type", "?")
        for name in ("less_than", "greater_than"):
            if getattr(condition, name) is not None and not isinstance(referred, _NUMERIC):
                self.add(
                    (*path, name),
                    f"'{name}' needs a numeric question, but '{target}' is a {kind} question",
                    qid,
                )
        values: list[str | int | float | bool] = []
        if condition.equals is not None:
            values.append(condition.equals)
        values.extend(condition.one_of or [])
        operator = "equals" if condition.equals is not None else "one_of"
        for value in values:
            problem = _value_problem(referred, value)
            if problem:
                self.add((*path, operator), f"show_if on '{target}': {problem}", qid)

    # indices

    def _check_indices(self, raw: object) -> None:
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            self.add(("indices",), "'indices' must be an array of tables ([[indices]])")
            return
        seen: set[str] = set()
        for number, item in enumerate(raw):
            path: _Path = ("indices", number)
            method = item.get("method")
            if method is None:
                self.add(path, "missing key 'method' (mean_rescaled or share_agree)")
                continue
            if not isinstance(method, str) or method not in _INDEX_METHODS:
                self.add(
                    (*path, "method"),
                    f"unknown index method {method!r} (one of: mean_rescaled, share_agree)",
                )
                continue
            try:
                index = _INDEX_METHODS[method].model_validate(item)
            except ValidationError as error:
                self.add_validation(error, path)
                continue
            assert isinstance(index, MeanRescaledIndex | ShareAgreeIndex)
            if index.key in seen:
                self.add((*path, "key"), f"duplicate index key '{index.key}'")
            seen.add(index.key)
            self.local((*path, "title"), index.title, f"index '{index.key}' title", MAX_TITLE_TEXT)
            self._check_index(path, index)

    def _check_index(self, path: _Path, index: MeanRescaledIndex | ShareAgreeIndex) -> None:
        allowed: tuple[type[_BaseQuestion], ...] = _NUMERIC
        if isinstance(index, ShareAgreeIndex):
            allowed = (*_NUMERIC, YesNoQuestion)
        if not index.items:
            self.add((*path, "items"), f"index '{index.key}' needs at least one item")
        if len(set(index.items)) != len(index.items):
            self.add((*path, "items"), f"index '{index.key}' lists an item twice")
        for position, item in enumerate(index.items):
            if item not in self.raw_ids:
                self.add(
                    (*path, "items", position),
                    f"index '{index.key}' uses unknown question '{item}'",
                )
                continue
            question = self.questions.get(self.raw_ids.index(item))
            if question is not None and not isinstance(question, allowed):
                names = "scale, likert5 or number" + (
                    " (or yes_no)" if isinstance(index, ShareAgreeIndex) else ""
                )
                self.add(
                    (*path, "items", position),
                    f"index '{index.key}' needs {names} questions, but '{item}' is a "
                    f"{getattr(question, 'type', '?')} question",
                )
        if isinstance(index, MeanRescaledIndex):
            for item in index.reversed:
                if item not in index.items:
                    self.add((*path, "reversed"), f"reversed item '{item}' is not in 'items'")
            if index.min_items is not None and not 1 <= index.min_items <= len(index.items):
                self.add(
                    (*path, "min_items"),
                    f"'min_items' must be between 1 and the number of items ({len(index.items)})",
                )
        else:
            self._check_share(path, index)

    def _check_share(self, path: _Path, index: ShareAgreeIndex) -> None:
        if len(index.items) != 1:
            self.add(
                (*path, "items"),
                f"share_agree index '{index.key}' uses exactly one item, has {len(index.items)}",
            )
            return
        item = index.items[0]
        question = self.questions.get(self.raw_ids.index(item)) if item in self.raw_ids else None
        if not isinstance(question, (*_NUMERIC, YesNoQuestion)):
            return
        low, high = question.value_range
        if index.threshold is None:
            if not isinstance(question, YesNoQuestion):
                self.add(path, f"missing key 'threshold' for share_agree index '{index.key}'")
        elif not low <= index.threshold <= high:
            self.add(
                (*path, "threshold"),
                f"threshold {index.threshold} is outside the range of '{item}' ({low}-{high})",
            )


def _value_problem(referred: _BaseQuestion, value: str | int | float | bool) -> str | None:
    """Why ``value`` can never be an answer of ``referred`` (None if it can)."""
    if isinstance(referred, SingleQuestion | MultiQuestion):
        if not isinstance(value, str) or value not in referred.codes:
            return f"{value!r} is not one of its choice codes ({', '.join(referred.codes)})"
    elif isinstance(referred, YesNoQuestion):
        if not isinstance(value, bool):
            return "a yes_no question is compared with true or false"
    elif isinstance(referred, _NUMERIC):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"a {getattr(referred, 'type', '?')} question is compared with a number"
    elif isinstance(referred, TextQuestion) and not isinstance(value, str):
        return "a text question is compared with a string"
    return None


_LOCAL_TEXT: TypeAdapter[LocalText] = TypeAdapter(LocalText, config=ConfigDict(strict=True))
_CONDITION: TypeAdapter[ValueCondition | AllCondition | AnyCondition] = TypeAdapter(Condition)


class _Header(_Model):
    model_config = ConfigDict(extra="ignore")

    key: Annotated[str, Field(pattern=SURVEY_KEY_PATTERN)]
    version: Version
    title: LocalText
    intro: LocalText


_SYNTAX_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _syntax_issue(error: tomllib.TOMLDecodeError, text: str, source: str) -> DefinitionIssue:
    """tomllib puts the position in its message; move it into the issue's line."""
    message = str(error)
    match = _SYNTAX_POSITION.search(message)
    line: int | None = None
    if match:
        line = int(match.group(1))
        message = f"{message[: match.start()]} (column {match.group(2)})"
    elif message.endswith("(at end of document)"):
        line = text.count("\n") + 1
        message = message.removesuffix(" (at end of document)") + " (at end of file)"
    return DefinitionIssue(source, line, None, f"TOML syntax error: {message}")


def parse_definition(text: str, *, source: str, languages: Sequence[str]) -> SurveyDefinition:
    """Parse and check a definition; ``DefinitionError`` lists every issue found.

    ``languages`` are the community's configured languages: each must be present in every
    per-language text. Other languages in the file are kept but not required.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DefinitionError([_syntax_issue(error, text, source)]) from None
    except RecursionError:
        raise DefinitionError(
            [DefinitionIssue(source, None, None, "TOML syntax error: nested too deeply")]
        ) from None
    checker = _Checker(source, _TomlLocator(text), languages)
    definition = checker.check(document)
    if definition is None:
        issues = sorted(checker.issues, key=lambda issue: (issue.line is None, issue.line or 0))
        raise DefinitionError(issues)
    return definition


def load_definition(path: Path, languages: Sequence[str]) -> SurveyDefinition:
    """Read a UTF-8 TOML definition file and check it (see :func:`parse_definition`)."""
    source = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise DefinitionError(
            [DefinitionIssue(source, None, None, f"cannot read: {reason}")]
        ) from None
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise DefinitionError(
            [DefinitionIssue(source, line, None, "the file is not UTF-8 text")]
        ) from None
    return parse_definition(text, source=source, languages=languages)


def check_files(paths: Sequence[Path], languages: Sequence[str]) -> list[DefinitionIssue]:
    """Every issue of every file, in order; an empty list means all files are valid."""
    issues: list[DefinitionIssue] = []
    for path in paths:
        try:
            load_definition(path, languages)
        except DefinitionError as error:
            issues.extend(error.issues)
    return issues
