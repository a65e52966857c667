"""Typed errors of the domain core.

Every error raised on purpose by ``surveys`` derives from :class:`SurveysError`, so the bot and
the CLI can turn any of them into a friendly message without catching bare ``Exception``. Each
carries a ``code`` (the bot shows the catalogue message ``error_<code>``) and ``params`` for its
placeholders; the bot maps them in one place, handlers never catch them::

    SurveysError
    ├── StoreError                 the database cannot be used as asked
    │   ├── SchemaTooNewError      the file was written by a newer release
    │   ├── SchemaOutdatedError    opened read-only, but the file needs migrating first
    │   ├── DatabaseMissingError   opened read-only, but there is no such file
    │   └── NotFoundError          a row that must exist does not
    ├── DefinitionError            a survey definition file is invalid (file, line, question)
    ├── AnswerError                an answer cannot be accepted (engine validation)
    │   ├── NotAChoiceError        not one of the question's choices
    │   ├── OutOfRangeError        a number outside the question's min..max
    │   ├── NotANumberError        typed text that is not a number
    │   ├── NotAnIntegerError      a fraction where a whole number is asked
    │   ├── NotATextError          a non-text value for a text question
    │   ├── TooLongError           text longer than the question's max_length
    │   ├── EmptyAnswerError       nothing was given
    │   ├── TooFewPicksError       fewer picks than min_picks (multi)
    │   ├── TooManyPicksError      more picks than max_picks (multi)
    │   ├── NotSkippableError      a required question cannot be skipped
    │   ├── UnknownQuestionError   no question with that id in the definition
    │   └── QuestionHiddenError    the question is hidden by skip logic
    ├── RoundError                 a round is not in a state that allows the action
    │   ├── RoundClosedError       the round is not open (not yet, or any more)
    │   └── PlanError              a step of a round plan is not acceptable (chat wizard)
    ├── RefusedError               a request declined with a reason (code given per instance)
    │   ├── PlanError
    │   ├── EventError             an event cannot be created, changed or answered as asked
    │   └── RoundOverlapError      same survey, same residents, same time as another round
    ├── SurveyDoneError            the response is complete; it cannot be answered again
    ├── StaleActionError           an old, double-tapped or forged button; nothing changes
    ├── ReportError                a concern report action cannot be done (``code``, ``params``)
    │   ├── ReportLimitError       the resident reached the daily number of reports
    │   ├── DescriptionLengthError the description is too short or too long
    │   ├── NoteLengthError        a status note is empty or too long
    │   ├── TooManyPhotosError     more photos than a report may carry
    │   ├── UnexpectedInputError   text, a photo or a location when the draft asks for another
    │   ├── UnknownCategoryError   no such category (configuration changed, or forged)
    │   ├── UnknownReportError     no report with that reference
    │   ├── TransitionError        the status cannot change that way
    │   ├── ReasonRequiredError    closing needs a reason
    │   ├── NotAllowedError        this person may not do that to this report
    │   ├── RoutingError           the report cannot go to that partner (sensitive, unknown)
    │   └── DuplicateTargetError   "duplicate of" names itself, an unknown or a sensitive report
    └── ExportError                an export cannot be written where or how it was asked
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


class SurveysError(Exception):
    """Root of every deliberate error raised by the domain core."""

    code: str = "failed"

    @property
    def params(self) -> dict[str, object]:
        """Placeholders of the catalogue message ``error_<code>``."""
        return {}


class StoreError(SurveysError):
    """The database cannot be used as asked."""

    code = "store"


class SchemaTooNewError(StoreError):
    """The database was migrated by a newer release than this one."""


class SchemaOutdatedError(StoreError):
    """A database opened read-only is older than this release: it needs migrating first."""


class DatabaseMissingError(StoreError):
    """A database opened read-only does not exist (read-only use never creates one)."""


class NotFoundError(StoreError):
    """A row that must exist does not (in chat: an old or forged button, or a mistyped id)."""

    code = "not_found"


@dataclass(frozen=True)
class DefinitionIssue:
    """One problem in a survey definition, precise enough to fix without guessing."""

    source: str
    line: int | None
    question_id: str | None
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        about = "" if self.question_id is None else f"[question {self.question_id}] "
        return f"{where}: {about}{self.message}"


class DefinitionError(SurveysError):
    """A survey definition is invalid; ``issues`` lists every problem found, not just the first."""

    code = "definition"

    def __init__(self, issues: Sequence[DefinitionIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self.issues)


class AnswerError(SurveysError):
    """An answer cannot be accepted.

    ``code`` keys the bot's message catalogue and ``params`` fills its placeholders, so the
    resident reads the reason in their own language.
    """

    code = "invalid_answer"
    reason: ClassVar[str] = "the answer cannot be accepted"

    def __init__(self, question_id: str | None = None) -> None:
        self.question_id = question_id
        about = "" if question_id is None else f"question {question_id!r}: "
        super().__init__(f"{about}{self.reason}")


class NotAChoiceError(AnswerError):
    """The value is not one of the question's choices (or a stale button)."""

    code = "not_a_choice"
    reason = "not one of the choices"


class OutOfRangeError(AnswerError):
    """A number outside the question's inclusive range."""

    code = "out_of_range"
    reason = "outside the allowed range"

    def __init__(self, question_id: str | None = None, *, min: float, max: float) -> None:
        self.min = min
        self.max = max
        super().__init__(question_id)

    @property
    def params(self) -> dict[str, object]:
        return {"min": self.min, "max": self.max}


class NotANumberError(AnswerError):
    """Typed text that cannot be read as a number."""

    code = "not_a_number"
    reason = "not a number"


class NotAnIntegerError(AnswerError):
    """A fraction where the question asks for a whole number."""

    code = "not_an_integer"
    reason = "not a whole number"


class NotATextError(AnswerError):
    """A value that is not text for a text question."""

    code = "not_a_text"
    reason = "not a text"


class TooLongError(AnswerError):
    """Text longer than the question allows."""

    code = "too_long"
    reason = "the text is too long"

    def __init__(self, question_id: str | None = None, *, max_length: int, length: int) -> None:
        self.max_length = max_length
        self.length = length
        super().__init__(question_id)

    @property
    def params(self) -> dict[str, object]:
        return {"max_length": self.max_length, "length": self.length}


class EmptyAnswerError(AnswerError):
    """Nothing was given (skipping is a separate, explicit action)."""

    code = "empty_answer"
    reason = "the answer is empty"


class TooFewPicksError(AnswerError):
    """Fewer picks than the multi-choice question requires."""

    code = "too_few_picks"
    reason = "too few choices picked"

    def __init__(self, question_id: str | None = None, *, min_picks: int) -> None:
        self.min_picks = min_picks
        super().__init__(question_id)

    @property
    def params(self) -> dict[str, object]:
        return {"min_picks": self.min_picks}


class TooManyPicksError(AnswerError):
    """More picks than the multi-choice question allows."""

    code = "too_many_picks"
    reason = "too many choices picked"

    def __init__(self, question_id: str | None = None, *, max_picks: int) -> None:
        self.max_picks = max_picks
        super().__init__(question_id)

    @property
    def params(self) -> dict[str, object]:
        return {"max_picks": self.max_picks}


class NotSkippableError(AnswerError):
    """A required question cannot be skipped."""

    code = "not_skippable"
    reason = "this question is required"


class UnknownQuestionError(AnswerError):
    """No question with that id exists in the definition (stale or forged input)."""

    code = "unknown_question"
    reason = "no such question"


class QuestionHiddenError(AnswerError):
    """The question is hidden by skip logic for the answers given so far."""

    code = "question_hidden"
    reason = "the question is not shown for the answers given"


class RoundError(SurveysError):
    """A round is not in a state that allows the action."""

    code = "round"


class RoundClosedError(RoundError):
    """The round is not open (not yet, or any more)."""

    code = "round_closed"


class SurveyDoneError(SurveysError):
    """The response is complete and cannot be answered again."""

    code = "survey_done"


class StaleActionError(SurveysError):
    """An action made for an earlier state: an old or double-tapped button, a forged payload."""

    code = "stale"


class RefusedError(SurveysError):
    """A request a person made that the domain declines, with a reason to show them.

    ``code`` is given per instance (``error_<code>`` in the catalogue) with its ``params``, so a
    use case can explain itself without a new class per sentence.
    """

    def __init__(self, code: str, detail: str = "", **params: object) -> None:
        self.code = code
        self._params = params
        super().__init__(detail or code)

    @property
    def params(self) -> dict[str, object]:
        return dict(self._params)


class PlanError(RefusedError, RoundError):
    """A step of a round plan cannot be accepted (the /newround wizard)."""


class EventError(RefusedError):
    """An event cannot be created, changed or answered as asked.

    ``code`` keys the bot's message catalogue (``error_<code>``, ``params`` fills it); ``str()``
    is one line for the CLI.
    """


# --- concern reports (issue 12) -------------------------------------------------------------


class ReportError(SurveysError):
    """A report action cannot be done; ``code`` keys the bot's message catalogue and
    ``params`` fills its placeholders."""

    code = "report_error"

    def __init__(self, detail: str = "", **params: object) -> None:
        self._params = params
        super().__init__(detail or self.code)

    @property
    def params(self) -> dict[str, object]:
        return dict(self._params)


class ReportLimitError(ReportError):
    """The resident has submitted ``limit`` reports in the window; ``retry_at`` says when the
    next one is possible."""

    code = "report_limit"


class DescriptionLengthError(ReportError):
    code = "report_description_length"


class NoteLengthError(ReportError):
    code = "report_note_length"


class TooManyPhotosError(ReportError):
    code = "report_too_many_photos"


class UnexpectedInputError(ReportError):
    """Input the draft is not waiting for (``step`` names what it waits for)."""

    code = "report_unexpected_input"


class UnknownCategoryError(ReportError):
    code = "report_unknown_category"

    def __init__(self, category: str) -> None:
        super().__init__(f"no report category {category!r}", category=category)


class UnknownReportError(ReportError):
    code = "report_unknown"

    def __init__(self, reference: str) -> None:
        super().__init__(f"no report {reference}", reference=reference)


class TransitionError(ReportError):
    code = "report_transition"


class ReasonRequiredError(ReportError):
    code = "report_reason_required"


class NotAllowedError(ReportError):
    code = "report_not_allowed"


class RoutingError(ReportError):
    code = "report_routing"


class DuplicateTargetError(ReportError):
    code = "report_duplicate_target"


class RoundOverlapError(RefusedError, RoundError):
    """A round would run at the same time as another of the same survey for some of the same
    residents (they would see two identical Start buttons)."""


class ExportError(SurveysError):
    """An export cannot be written as asked (an output path that is a file, a folder, or has
    the wrong extension for the format); nothing was written."""

    code = "export"
