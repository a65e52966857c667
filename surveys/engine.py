"""The answering engine: pure functions from (definition, stored answers, input) to the next step.

Nothing here keeps state or does I/O: the database holds the answers, and every step (which
question is next, may this be skipped, what does Back show) is derived from them again. That is
what lets a resident resume on another device or after a restart exactly where they were.

Answers are JSON-friendly: single -> code, multi -> codes in choice order, likert5/scale -> int,
yes_no -> bool, number -> int (or float when ``integer = false``), text -> str, and ``None``
for an optional question the resident skipped.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from surveys.definitions import (
    AllCondition,
    AnyCondition,
    Likert5Question,
    MeanRescaledIndex,
    MultiQuestion,
    NumberQuestion,
    Question,
    ScaleQuestion,
    SingleQuestion,
    SurveyDefinition,
    TextQuestion,
    ValueCondition,
    YesNoQuestion,
)
from surveys.errors import (
    EmptyAnswerError,
    NotAChoiceError,
    NotAnIntegerError,
    NotANumberError,
    NotATextError,
    NotSkippableError,
    OutOfRangeError,
    QuestionHiddenError,
    TooFewPicksError,
    TooLongError,
    TooManyPicksError,
)

__all__ = [
    "AnswerValue",
    "Progress",
    "apply_answer",
    "index_values",
    "is_complete",
    "next_question",
    "previous_question",
    "progress",
    "skip_question",
    "validate_answer",
    "visible_questions",
]

AnswerValue: TypeAlias = str | int | float | bool | list[str] | None
"""One stored answer; ``None`` marks an optional question that was skipped."""

# Languages that write 7,5 for seven and a half (and 1.000 for a thousand).
_DECIMAL_COMMA = frozenset({"es", "fr", "de", "it", "pt", "nl", "ca", "ru", "uk", "pl", "tr"})
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_YES = frozenset({"yes", "y", "true"})
_NO = frozenset({"no", "n", "false"})


@dataclass(frozen=True, slots=True)
class Progress:
    """ "Question ``position`` of ``total``"; total counts the questions currently visible."""

    position: int
    total: int


# --- skip logic -------------------------------------------------------------------------------


def _same(value: object, expected: object) -> bool:
    """Equality that never treats true as 1 (a yes_no answer is not a score)."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    return value == expected


def _matches(value: AnswerValue, expected: object) -> bool:
    """For multi answers "equals" means "picked"."""
    if isinstance(value, list):
        return any(_same(item, expected) for item in value)
    return _same(value, expected)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _holds(
    condition: ValueCondition | AllCondition | AnyCondition, known: Mapping[str, AnswerValue]
) -> bool:
    """Evaluate show_if on the answers of visible questions; unanswered never matches a value."""
    if isinstance(condition, AllCondition):
        return all(_holds(inner, known) for inner in condition.all)
    if isinstance(condition, AnyCondition):
        return any(_holds(inner, known) for inner in condition.any)
    value = known.get(condition.question)
    if condition.answered is not None:
        return (value is not None) is condition.answered
    if value is None:
        return False
    if condition.equals is not None:
        return _matches(value, condition.equals)
    if condition.one_of is not None:
        return any(_matches(value, expected) for expected in condition.one_of)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    if condition.less_than is not None:
        return value < condition.less_than
    if condition.greater_than is not None:
        return value > condition.greater_than
    return False


def _walk(
    definition: SurveyDefinition, answers: Mapping[str, AnswerValue]
) -> tuple[list[Question], dict[str, AnswerValue]]:
    """Visible questions in order, and the answers that count (those of visible questions)."""
    visible: list[Question] = []
    known: dict[str, AnswerValue] = {}
    for question in definition.questions:
        if question.show_if is None or _holds(question.show_if, known):
            visible.append(question)
            if question.id in answers:
                known[question.id] = answers[question.id]
    return visible, known


def _is_answered(question: Question, answers: Mapping[str, AnswerValue]) -> bool:
    if question.id not in answers:
        return False
    return answers[question.id] is not None or not question.required


def _visible_question(
    definition: SurveyDefinition, answers: Mapping[str, AnswerValue], question_id: str
) -> Question:
    question = definition.question(question_id)  # UnknownQuestionError for stale/forged ids
    visible, _ = _walk(definition, answers)
    if all(shown.id != question_id for shown in visible):
        raise QuestionHiddenError(question_id)
    return question


def visible_questions(
    definition: SurveyDefinition, answers: Mapping[str, AnswerValue]
) -> list[Question]:
    """Questions shown for these answers, in order; answers of hidden questions are ignored."""
    return _walk(definition, answers)[0]


def next_question(
    definition: SurveyDefinition, answers: Mapping[str, AnswerValue]
) -> Question | None:
    """The first visible question neither answered nor skipped; None when the survey is done."""
    for question in visible_questions(definition, answers):
        if not _is_answered(question, answers):
            return question
    return None


def is_complete(definition: SurveyDefinition, answers: Mapping[str, AnswerValue]) -> bool:
    """True when every visible question is answered (or, if optional, skipped)."""
    return next_question(definition, answers) is None


def progress(
    definition: SurveyDefinition,
    answers: Mapping[str, AnswerValue],
    question_id: str | None = None,
) -> Progress:
    """Where ``question_id`` (default: the next question) stands among the visible questions.

    When the survey is complete and no question is given, position equals total.
    """
    visible = visible_questions(definition, answers)
    if question_id is None:
        upcoming = next_question(definition, answers)
        if upcoming is None:
            return Progress(len(visible), len(visible))
        question_id = upcoming.id
    else:
        _visible_question(definition, answers, question_id)
    ids = [question.id for question in visible]
    return Progress(ids.index(question_id) + 1, len(visible))


def previous_question(
    definition: SurveyDefinition, answers: Mapping[str, AnswerValue], current_id: str | None
) -> Question | None:
    """The visible question before ``current_id`` (for Back); None on the first question.

    ``current_id=None`` means "past the last question" (e.g. a confirmation screen), so Back
    returns the last visible question.
    """
    visible = visible_questions(definition, answers)
    if current_id is None:
        return visible[-1] if visible else None
    _visible_question(definition, answers, current_id)
    position = [question.id for question in visible].index(current_id)
    return visible[position - 1] if position > 0 else None


def _prune(
    definition: SurveyDefinition, answers: Mapping[str, AnswerValue]
) -> dict[str, AnswerValue]:
    """Drop answers of questions no longer shown, so a changed earlier answer stays consistent."""
    return _walk(definition, answers)[1]


def apply_answer(
    definition: SurveyDefinition,
    answers: Mapping[str, AnswerValue],
    question_id: str,
    value: object,
) -> dict[str, AnswerValue]:
    """A new mapping with the answer set and answers of now-hidden questions dropped.

    ``value`` is checked again (as by :func:`validate_answer` without language-specific
    parsing), so whatever is stored is always well typed.
    """
    question = _visible_question(definition, answers, question_id)
    updated = dict(answers)
    updated[question_id] = _validate(question, value, None)
    return _prune(definition, updated)


def skip_question(
    definition: SurveyDefinition, answers: Mapping[str, AnswerValue], question_id: str
) -> dict[str, AnswerValue]:
    """A new mapping recording the optional question as skipped (``None``)."""
    question = _visible_question(definition, answers, question_id)
    if question.required:
        raise NotSkippableError(question_id)
    updated = dict(answers)
    updated[question_id] = None
    return _prune(definition, updated)


# --- validation -------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Compare typed words loosely: case, accents and surrounding space do not matter."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _uses_decimal_comma(language: str | None) -> bool:
    return language is not None and language.split("-")[0].split("_")[0].lower() in _DECIMAL_COMMA


def _parse_number(text: str, language: str | None) -> int | float | None:
    """Read a typed number the way the resident's language writes it; None if it is not one."""
    compact = re.sub(r"\s", "", text).replace("\u2212", "-")
    if len(compact) > 40:
        return None
    group, decimal = (".", ",") if _uses_decimal_comma(language) else (",", ".")
    grouped = re.fullmatch(
        rf"([+-]?\d{{1,3}}(?:{re.escape(group)}\d{{3}})+)((?:{re.escape(decimal)}\d+)?)", compact
    )
    if grouped:
        compact = grouped.group(1).replace(group, "") + grouped.group(2)
    compact = compact.replace(decimal, ".")
    if not _PLAIN_NUMBER.fullmatch(compact):
        return None
    return int(compact) if _INTEGER.fullmatch(compact) else float(compact)


def _as_whole(question: Question, value: int | float) -> int:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotANumberError(question.id)
        if not value.is_integer():
            raise NotAnIntegerError(question.id)
    return int(value)


def _rating(question: Likert5Question | ScaleQuestion, raw: object, language: str | None) -> int:
    low, high = question.value_range
    value: int | float | None = None
    if isinstance(raw, str):
        if isinstance(question, Likert5Question) and language is not None:
            try:
                labels = [_fold(label) for label in question.labels_for(language)]
            except KeyError:
                labels = []
            if _fold(raw) in labels:
                return labels.index(_fold(raw)) + 1
        value = _parse_number(raw, language)
    elif _is_number(raw):
        assert isinstance(raw, int | float)
        value = raw
    if value is None:
        raise NotANumberError(question.id)
    whole = _as_whole(question, value)
    if not low <= whole <= high:
        raise OutOfRangeError(question.id, min=low, max=high)
    return whole


def _number_answer(question: NumberQuestion, raw: object, language: str | None) -> int | float:
    value: int | float | None = None
    if isinstance(raw, str):
        value = _parse_number(raw, language)
    elif _is_number(raw):
        assert isinstance(raw, int | float)
        value = raw
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        raise NotANumberError(question.id)
    result: int | float = _as_whole(question, value) if question.integer else float(value)
    if not question.min <= result <= question.max:
        raise OutOfRangeError(question.id, min=question.min, max=question.max)
    return result


def _yes_no(question: YesNoQuestion, raw: object, language: str | None) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        word = _fold(raw)
        yes, no = set(_YES), set(_NO)
        if language is not None:
            try:
                label_yes, label_no = question.labels_for(language)
                yes.add(_fold(label_yes))
                no.add(_fold(label_no))
            except (KeyError, ValueError):
                pass
        if word in yes and word not in no:
            return True
        if word in no and word not in yes:
            return False
    raise NotAChoiceError(question.id)


def _choice_code(
    question: SingleQuestion | MultiQuestion, raw: object, language: str | None
) -> str:
    """A code from a button, or a typed label in the resident's language."""
    if not isinstance(raw, str):
        raise NotAChoiceError(question.id)
    text = raw.strip()
    if text in question.codes:
        return text
    if language is not None:
        for choice in question.choices:
            label = choice.label.get(language)
            if label is not None and _fold(label) == _fold(text):
                return choice.code
    raise NotAChoiceError(question.id)


def _picks(question: MultiQuestion, raw: object, language: str | None) -> list[str]:
    items: Iterable[object]
    if isinstance(raw, str):
        items = [part for part in raw.split(",") if part.strip()]
    elif isinstance(raw, list | tuple | set | frozenset):
        items = raw
    else:
        raise NotAChoiceError(question.id)
    picked = {_choice_code(question, item, language) for item in items}
    ordered = [code for code in question.codes if code in picked]
    low, high = question.picks_range
    if len(ordered) < low:
        raise TooFewPicksError(question.id, min_picks=low)
    if len(ordered) > high:
        raise TooManyPicksError(question.id, max_picks=high)
    return ordered


def _text(question: TextQuestion, raw: object) -> str:
    if not isinstance(raw, str):
        raise NotATextError(question.id)
    text = raw.strip()
    if len(text) > question.max_length:
        raise TooLongError(question.id, max_length=question.max_length, length=len(text))
    return text


def _validate(question: Question, raw: object, language: str | None) -> AnswerValue:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise EmptyAnswerError(question.id)
    if isinstance(question, SingleQuestion):
        return _choice_code(question, raw, language)
    if isinstance(question, MultiQuestion):
        return _picks(question, raw, language)
    if isinstance(question, Likert5Question | ScaleQuestion):
        return _rating(question, raw, language)
    if isinstance(question, YesNoQuestion):
        return _yes_no(question, raw, language)
    if isinstance(question, NumberQuestion):
        return _number_answer(question, raw, language)
    return _text(question, raw)


def validate_answer(question: Question, raw: object, *, language: str) -> AnswerValue:
    """Turn a button payload or typed text into the stored value, or raise an AnswerError.

    ``language`` decides how typed text is read: labels are matched in that language and
    decimal-comma languages accept "7,5". Already-typed values (int, bool, list of codes) pass
    through the same range and choice checks.
    """
    return _validate(question, raw, language)


# --- indices ----------------------------------------------------------------------------------


def _rescaled(question: Question, value: AnswerValue) -> float | None:
    """The answer on a 0-100 scale over the question's own range (None if not numeric)."""
    if not isinstance(question, Likert5Question | ScaleQuestion | NumberQuestion):
        return None
    if not _is_number(value):
        return None
    assert isinstance(value, int | float)
    low, high = question.value_range
    share = (value - low) / (high - low) * 100.0
    return min(100.0, max(0.0, share))


def index_values(
    definition: SurveyDefinition, answers: Mapping[str, AnswerValue]
) -> dict[str, float | None]:
    """Each index for one respondent: 0-100 (mean_rescaled) or 0/100 (share_agree), else None.

    Only answers of visible questions count. A mean_rescaled index needs ``min_items`` answered
    items (default: all of them); a share_agree index needs its one item answered.
    """
    _, known = _walk(definition, answers)
    values: dict[str, float | None] = {}
    for index in definition.indices:
        if isinstance(index, MeanRescaledIndex):
            scores: list[float] = []
            for item in index.items:
                score = _rescaled(definition.question(item), known.get(item))
                if score is not None:
                    scores.append(100.0 - score if item in index.reversed else score)
            enough = bool(scores) and len(scores) >= index.required_items
            values[index.key] = sum(scores) / len(scores) if enough else None
            continue
        value = known.get(index.items[0])
        threshold = 1 if index.threshold is None else index.threshold
        if isinstance(value, bool):
            values[index.key] = 100.0 if int(value) >= threshold else 0.0
        elif isinstance(value, int | float):
            values[index.key] = 100.0 if value >= threshold else 0.0
        else:
            values[index.key] = None
    return values
