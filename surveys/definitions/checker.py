"""Checking a definition file: every issue of a file at once, each pointed at its line.

A definition is written by coordinators, not developers, so the loader never stops at the first
problem: it collects every issue of a file (syntax, unknown keys, wrong types, missing
translations, broken skip logic, indices, Telegram size limits) and points each one at a line.
Checks that belong to one question type live on the type (:meth:`QuestionBase.check`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from surveys.definitions.base import (
    CHOICE_CODE_PATTERN,
    MAX_INTRO_TEXT,
    MAX_QUESTION_TEXT,
    MAX_TITLE_TEXT,
    QUESTION_ID_PATTERN,
    SURVEY_KEY_PATTERN,
    LocalText,
    StrictModel,
    Version,
)
from surveys.definitions.conditions import (
    TAGS,
    AllCondition,
    AnyCondition,
    Condition,
    ValueCondition,
)
from surveys.definitions.locator import TomlLocator
from surveys.definitions.questions import QUESTION_TYPES, Choice, QuestionBase
from surveys.definitions.survey import (
    INDEX_METHODS,
    MeanRescaledIndex,
    ShareAgreeIndex,
    SurveyDefinition,
)
from surveys.errors import DefinitionError, DefinitionIssue

_Path = tuple[str | int, ...]

_TOP_KEYS = ("key", "version", "title", "intro", "questions", "indices")
_MODELS: tuple[type[BaseModel], ...] = (
    SurveyDefinition,
    Choice,
    ValueCondition,
    AllCondition,
    AnyCondition,
    *QUESTION_TYPES.values(),
    *INDEX_METHODS.values(),
)
_KNOWN_KEYS = sorted({name for model in _MODELS for name in model.model_fields})
_QUESTION_KEYS = frozenset(name for m in QUESTION_TYPES.values() for name in m.model_fields)
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

    def __init__(self, source: str, locator: TomlLocator, languages: Sequence[str]) -> None:
        self.source = source
        self.locator = locator
        self.languages = list(dict.fromkeys(languages))
        self.issues: list[DefinitionIssue] = []
        self.raw_ids: list[str | None] = []
        self.questions: dict[int, QuestionBase] = {}

    def add(self, path: _Path, message: str, question_id: str | None = None) -> None:
        line = self.locator.line_of(path)
        self.issues.append(DefinitionIssue(self.source, line, question_id, message))

    def add_validation(
        self, error: ValidationError, prefix: _Path, question_id: str | None = None
    ) -> None:
        for detail in error.errors():
            loc = tuple(part for part in detail["loc"] if part not in TAGS)
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
        if not isinstance(kind, str) or kind not in QUESTION_TYPES:
            known = ", ".join(QUESTION_TYPES)
            if kind is None:
                self.add(path, f"missing key 'type' (one of: {known})", qid)
            else:
                self.add((*path, "type"), f"unknown question type {kind!r} (one of: {known})", qid)
            self._check_broken_question(number, raw, qid)
            return
        try:
            self.questions[number] = QUESTION_TYPES[kind].model_validate(raw)
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

    def _check_question(self, number: int, question: QuestionBase) -> None:
        path: _Path = ("questions", number)
        qid = question.id
        self.local((*path, "text"), question.text, "the question text", MAX_QUESTION_TEXT, qid)
        question.check(self, path)
        if question.show_if is not None:
            self._check_condition((*path, "show_if"), number, question.show_if, qid)

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
        self, path: _Path, condition: ValueCondition, referred: QuestionBase, qid: str
    ) -> None:
        target = condition.question
        kind = getattr(referred, "type", "?")
        for name in ("less_than", "greater_than"):
            if getattr(condition, name) is not None and not referred.numeric:
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
            problem = referred.value_problem(value)
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
            if not isinstance(method, str) or method not in INDEX_METHODS:
                self.add(
                    (*path, "method"),
                    f"unknown index method {method!r} (one of: mean_rescaled, share_agree)",
                )
                continue
            try:
                index = INDEX_METHODS[method].model_validate(item)
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
        shares = isinstance(index, ShareAgreeIndex)
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
            if question is None:
                continue
            if not (question.value_range is not None if shares else question.numeric):
                names = "scale, likert5 or number" + (" (or yes_no)" if shares else "")
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
        if question is None or question.value_range is None:
            return
        low, high = question.value_range
        if index.threshold is None:
            if question.numeric:
                self.add(path, f"missing key 'threshold' for share_agree index '{index.key}'")
        elif not low <= index.threshold <= high:
            self.add(
                (*path, "threshold"),
                f"threshold {index.threshold} is outside the range of '{item}' ({low}-{high})",
            )


_LOCAL_TEXT: TypeAdapter[LocalText] = TypeAdapter(LocalText, config=ConfigDict(strict=True))
_CONDITION: TypeAdapter[ValueCondition | AllCondition | AnyCondition] = TypeAdapter(Condition)


class _Header(StrictModel):
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
    checker = _Checker(source, TomlLocator(text), languages)
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
