"""The answering engine: pure functions from (definition, stored answers, input) to the next step.

Nothing here keeps state or does I/O: the database holds the answers, and every step (which
question is next, may this be skipped, what does Back show) is derived from them again. That is
what lets a resident resume on another device or after a restart exactly where they were.

Answers are JSON-friendly: single -> code, multi -> codes in choice order, likert5/scale -> int,
yes_no -> bool, number -> int (or float when ``integer = false``), text -> str, and ``None``
for an optional question the resident skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from surveys.definitions import (
    AnswerValue,
    MeanRescaledIndex,
    Question,
    SurveyDefinition,
    holds,
    iter_conditions,
)
from surveys.errors import NotSkippableError, QuestionHiddenError

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


@dataclass(frozen=True, slots=True)
class Progress:
    """ "Question ``position`` of ``total``"; total counts the questions currently visible."""

    position: int
    total: int


# --- skip logic -------------------------------------------------------------------------------


def _walk(
    definition: SurveyDefinition, answers: Mapping[str, AnswerValue]
) -> tuple[list[Question], dict[str, AnswerValue]]:
    """Visible questions in order, and the answers that count (those of visible questions)."""
    visible: list[Question] = []
    known: dict[str, AnswerValue] = {}
    for question in definition.questions:
        if question.show_if is None or holds(question.show_if, known):
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


def possible_total(definition: SurveyDefinition, answers: Mapping[str, AnswerValue]) -> int:
    """How many questions the resident may see in all: the visible ones, plus hidden ones whose
    ``show_if`` still depends on an unanswered question (so progress can say "of up to N")."""
    visible, known = _walk(definition, answers)
    shown = {question.id for question in visible}
    undecided = sum(
        1
        for question in definition.questions
        if question.id not in shown
        and question.show_if is not None
        and any(leaf.question not in known for leaf in iter_conditions(question.show_if))
    )
    return len(visible) + undecided


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
    updated[question_id] = question.parse(value, None)
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


def validate_answer(question: Question, raw: object, *, language: str) -> AnswerValue:
    """Turn a button payload or typed text into the stored value, or raise an AnswerError.

    ``language`` decides how typed text is read: labels are matched in that language and
    decimal-comma languages accept "7,5". Already-typed values (int, bool, list of codes) pass
    through the same range and choice checks.
    """
    return question.parse(raw, language)


# --- indices ----------------------------------------------------------------------------------


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
                score = definition.question(item).rescaled(known.get(item))
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
