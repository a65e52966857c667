"""Question types, each owning its behaviour: reading answers, buttons, stored form, labels.

Everything that differs between question types lives on the type, so the rest of the system
never asks "which type is this?": the engine calls :meth:`QuestionBase.parse`, the keyboard
calls :meth:`~QuestionBase.buttons`, the store calls :meth:`~QuestionBase.stored`, exports
call :meth:`~QuestionBase.answer_label`, :meth:`~QuestionBase.options` and
:meth:`~QuestionBase.wide_columns`, the checker calls :meth:`~QuestionBase.check`; reports and
trends read the class flags (``numeric``, ``categorical``, ``picks_several``, ...). Adding a
type (date, ranking) means adding a class here, listing it in :data:`Question` and
:data:`QUESTION_TYPES`, and teaching the keyboard its buttons if it has new ones.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Annotated, ClassVar, Literal, NamedTuple, Protocol, TypeAlias

from pydantic import Field

from surveys.definitions.base import (
    CHOICE_CODE_PATTERN,
    MAX_CHOICES,
    MAX_LABEL,
    MAX_TEXT_ANSWER,
    QUESTION_ID_PATTERN,
    LocalText,
    Number,
    StrictModel,
    local,
)
from surveys.definitions.conditions import Condition
from surveys.definitions.reading import AnswerValue, fold, is_blank, read_number, visible_text
from surveys.errors import (
    EmptyAnswerError,
    NotAChoiceError,
    NotAnIntegerError,
    NotANumberError,
    NotATextError,
    OutOfRangeError,
    TooFewPicksError,
    TooLongError,
    TooManyPicksError,
)

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

_YES_WORDS = frozenset({"yes", "y", "true"})
_NO_WORDS = frozenset({"no", "n", "false"})

Path: TypeAlias = tuple[str | int, ...]
Restated: TypeAlias = tuple[Literal["share", "top_box"], str | None]
"""A figure of a question as trends name it: (measure, option code)."""


class Button(NamedTuple):
    """One answer button: its label, the option number its callback carries, and for
    questions answered with ticks whether it is ticked (None for one-tap answers)."""

    label: str
    option: int
    ticked: bool | None = None


class Option(NamedTuple):
    """One answer that figures are given for, in display order.

    ``value`` is the stored number it stands for (ratings, yes/no); None for choice codes.
    """

    code: str
    label: str
    value: int | None = None


class StoredForm(NamedTuple):
    """What the answers table holds for one answer: JSON, plus num/code/picks for SQL."""

    value_json: str
    num: float | None = None
    code: str | None = None
    picks: tuple[str, ...] = ()
    is_text: bool = False


class Hint(NamedTuple):
    """How to answer, as a message-catalogue key and its parameters."""

    key: str
    params: Mapping[str, object]


class IssueSink(Protocol):
    """Where a question reports problems of its own definition (the definition checker)."""

    languages: list[str]

    def add(self, path: Path, message: str, question_id: str | None = None) -> None: ...

    def local(
        self,
        path: Path,
        table: Mapping[str, object],
        what: str,
        max_length: int,
        question_id: str | None = None,
    ) -> None: ...


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


class Choice(StrictModel):
    """One button of a single/multi question; ``code`` is what is stored, so it must not change."""

    code: Annotated[str, Field(pattern=CHOICE_CODE_PATTERN)]
    label: LocalText


class QuestionBase(StrictModel):
    """What every question has, and the behaviour each type overrides."""

    input: ClassVar[Literal["buttons", "toggles", "typed"]] = "buttons"
    """How a resident answers: one tap, ticks then Done, or typing."""
    numeric: ClassVar[bool] = False
    """Answers are numbers on a range: means, t intervals and mean indices apply."""
    continuous: ClassVar[bool] = False
    """Numbers typed freely: summarised by sums of values, not by counting each value."""
    top_box: ClassVar[frozenset[int]] = frozenset()
    """The values reported together as "top box" (agree + strongly agree); none if empty."""
    categorical: ClassVar[bool] = False
    """Answers are categories (choices, yes/no), so each option's share is a headline figure
    that trends follow; ratings are followed by their mean instead."""
    picks_several: ClassVar[bool] = False
    """A resident may pick several options, so shares need not add up to 1 and the most picked
    ones are worth ranking (the digest's top concerns)."""
    free_text: ClassVar[bool] = False
    """Answers are a resident's own words, which may name people: raw exports leave them out
    unless asked for."""
    few_values: ClassVar[bool] = True
    """Answers take few distinct values, so a raw export decodes each one once and reuses it
    (not typed numbers or text, which would fill the cache with one-offs)."""

    id: Annotated[str, Field(pattern=QUESTION_ID_PATTERN)]
    text: LocalText
    required: bool = True
    show_if: Condition | None = None

    @property
    def value_range(self) -> tuple[int | float, int | float] | None:
        """(low, high) of the stored number, for types stored as one; None otherwise."""
        return None

    @property
    def expects_typing(self) -> bool:
        return self.input == "typed"

    @property
    def expects_ticks(self) -> bool:
        """Answered with ticks, then Done (the keyboard adds that button)."""
        return self.input == "toggles"

    # answering

    def parse(self, raw: object, language: str | None) -> AnswerValue:
        """A button payload or typed text as the stored value; an AnswerError explains why not.

        ``language`` decides how typed text is read (labels in that language, decimal commas);
        already-typed values (int, bool, list of codes) pass through the same checks.
        """
        if is_blank(raw):
            raise EmptyAnswerError(self.id)
        return self._read(raw, language)

    def _read(self, raw: object, language: str | None) -> AnswerValue:
        raise NotImplementedError

    def buttons(self, language: str, picks: Collection[str] = ()) -> list[list[Button]]:
        """Rows of answer buttons (empty for typed answers); ``picks`` are the ticked codes."""
        return []

    def button_value(self, option: int) -> AnswerValue:
        """The answer the button with ``option`` stands for; NotAChoiceError if none does."""
        raise NotAChoiceError(self.id)

    def toggle(self, picks: Sequence[str], option: int) -> list[str]:
        """Tick or untick a choice (questions answered with ticks); NotAChoiceError otherwise."""
        raise NotAChoiceError(self.id)

    def hint(self, language: str) -> Hint | None:
        """How to answer, shown under the question."""
        return None

    # storing and reporting

    def stored(self, value: AnswerValue) -> StoredForm:
        """The stored form of a valid answer (a skipped one is stored as JSON null only)."""
        return StoredForm(json.dumps(value))

    def answer_label(self, value: AnswerValue, language: str) -> str | None:
        """The answer in words for exports; None when the value speaks for itself."""
        return None

    def options(self, language: str) -> list[Option]:
        """Answers that shares are reported for, in display order (none for typed answers)."""
        return []

    def summary(self, language: str) -> tuple[list[str], str] | None:
        """The option codes a summary share counts ("top box": agree or strongly agree,
        excellent or good) and its label; None when the question has no such summary."""
        return None

    @classmethod
    def share_agree_restates(cls, threshold: float) -> Restated | None:
        """The figure of this question (measure, option code) that a share_agree index at
        ``threshold`` on it alone restates, so trends do not test the same evidence twice."""
        return None

    def choice_labels(self) -> dict[str, LocalText]:
        """Each choice's label by code, in every language written; empty without choices.
        Messages that offer the choices outside a survey (the report follow-up) use them."""
        return {}

    def wide_columns(self) -> dict[str, str | None]:
        """Columns of the wide raw table, each with the option code it holds 1/0 for, or None
        for the answer itself: one column, named by the question id."""
        return {self.id: None}

    def rescaled(self, value: AnswerValue) -> float | None:
        """The answer on 0-100 over the question's own range; None if not numeric."""
        bounds = self.value_range
        if not self.numeric or bounds is None or not _is_number(value):
            return None
        assert isinstance(value, int | float)
        low, high = bounds
        return _clamp((value - low) / (high - low) * 100.0, 0.0, 100.0)

    def draw(self, rng: random.Random, attitude: float, texts: Sequence[str]) -> AnswerValue:
        """A plausible answer from a resident with this latent ``attitude`` (demo data)."""
        raise NotImplementedError

    # checking the definition

    def check(self, sink: IssueSink, path: Path) -> None:
        """Report problems of this question's own keys (texts are checked by the caller)."""

    def value_problem(self, value: str | int | float | bool) -> str | None:
        """Why a show_if ``equals``/``one_of`` value can never be an answer (None if it can)."""
        return None


class _ChoiceBase(QuestionBase):
    choices: list[Choice]

    @property
    def codes(self) -> list[str]:
        return [choice.code for choice in self.choices]

    def _code(self, raw: object, language: str | None) -> str:
        """A code from a button, or a typed label in the resident's language."""
        if not isinstance(raw, str):
            raise NotAChoiceError(self.id)
        text = visible_text(raw)
        if text in self.codes:
            return text
        if language is not None:
            for choice in self.choices:
                label = choice.label.get(language)
                if label is not None and fold(label) == fold(text):
                    return choice.code
        raise NotAChoiceError(self.id)

    def _labels(self, language: str) -> dict[str, str]:
        return {choice.code: local(choice.label, language) for choice in self.choices}

    def choice_labels(self) -> dict[str, LocalText]:
        return {choice.code: choice.label for choice in self.choices}

    def options(self, language: str) -> list[Option]:
        return [Option(code, label) for code, label in self._labels(language).items()]

    def check(self, sink: IssueSink, path: Path) -> None:
        count = len(self.choices)
        if count < 2:
            sink.add((*path, "choices"), f"needs at least 2 choices, has {count}", self.id)
        if count > MAX_CHOICES:
            sink.add(
                (*path, "choices"),
                f"has {count} choices; at most {MAX_CHOICES} buttons fit in one message",
                self.id,
            )
        seen: set[str] = set()
        for number, choice in enumerate(self.choices):
            choice_path = (*path, "choices", number)
            if choice.code in seen:
                sink.add((*choice_path, "code"), f"duplicate choice code '{choice.code}'", self.id)
            seen.add(choice.code)
            sink.local(
                (*choice_path, "label"), choice.label, f"choice '{choice.code}'", MAX_LABEL, self.id
            )

    def value_problem(self, value: str | int | float | bool) -> str | None:
        if not isinstance(value, str) or value not in self.codes:
            return f"{value!r} is not one of its choice codes ({', '.join(self.codes)})"
        return None


class SingleQuestion(_ChoiceBase):
    """Pick one choice; the answer is its code.

    ``top_choices`` names the choices a rating question's summary share counts (the standard
    "% excellent or good" of a police-performance item); ``top_choices_label`` says it in words.
    """

    categorical: ClassVar[bool] = True
    type: Literal["single"] = "single"
    top_choices: list[str] | None = None
    top_choices_label: LocalText | None = None

    def summary(self, language: str) -> tuple[list[str], str] | None:
        if not self.top_choices:
            return None
        chosen = [c for c in self.choices if c.code in self.top_choices]
        words = (
            local(self.top_choices_label, language)
            if self.top_choices_label
            else " / ".join(local(c.label, language) for c in chosen)
        )
        return [c.code for c in chosen], words

    def check(self, sink: IssueSink, path: Path) -> None:
        super().check(sink, path)
        if self.top_choices is not None:
            unknown = [code for code in self.top_choices if code not in self.codes]
            if unknown:
                names = ", ".join(map(repr, unknown))
                sink.add((*path, "top_choices"), f"{names} is not one of its choice codes", self.id)
            elif not 0 < len(set(self.top_choices)) < len(self.codes):
                message = "'top_choices' must name some choices, not all"
                sink.add((*path, "top_choices"), message, self.id)
        if self.top_choices_label is not None:
            if self.top_choices is None:
                message = "'top_choices_label' needs 'top_choices'"
                sink.add((*path, "top_choices_label"), message, self.id)
            sink.local(
                (*path, "top_choices_label"),
                self.top_choices_label,
                "top_choices_label",
                MAX_LABEL,
                self.id,
            )

    def _read(self, raw: object, language: str | None) -> AnswerValue:
        return self._code(raw, language)

    def buttons(self, language: str, picks: Collection[str] = ()) -> list[list[Button]]:
        return [[Button(local(c.label, language), i)] for i, c in enumerate(self.choices)]

    def button_value(self, option: int) -> AnswerValue:
        if 0 <= option < len(self.choices):
            return self.choices[option].code
        raise NotAChoiceError(self.id)

    def stored(self, value: AnswerValue) -> StoredForm:
        if value is None:
            return super().stored(value)
        assert isinstance(value, str)
        return StoredForm(json.dumps(value), code=value)

    def answer_label(self, value: AnswerValue, language: str) -> str | None:
        return self._labels(language).get(str(value), str(value))

    def draw(self, rng: random.Random, attitude: float, texts: Sequence[str]) -> AnswerValue:
        # Choices run from best to worst, as in the library's rating questions.
        last = len(self.choices) - 1
        position = last / 2.5 - attitude * last / 4 + rng.gauss(0, 0.7)
        return self.choices[round(_clamp(position, 0, last))].code


class MultiQuestion(_ChoiceBase):
    """Pick several choices; the answer is the list of codes in choice order."""

    input: ClassVar[Literal["buttons", "toggles", "typed"]] = "toggles"
    categorical: ClassVar[bool] = True
    picks_several: ClassVar[bool] = True
    type: Literal["multi"] = "multi"
    min_picks: int | None = None
    max_picks: int | None = None

    @property
    def picks_range(self) -> tuple[int, int]:
        """(min, max) picks: 1 and the number of choices unless the definition says otherwise."""
        low = 1 if self.min_picks is None else self.min_picks
        high = len(self.choices) if self.max_picks is None else self.max_picks
        return low, high

    def ordered(self, codes: Iterable[str]) -> list[str]:
        """Known codes in choice order, each once."""
        picked = set(codes)
        return [code for code in self.codes if code in picked]

    def toggle(self, picks: Sequence[str], option: int) -> list[str]:
        """Tick or untick the choice at ``option``; a tick beyond ``max_picks`` is refused
        at once (TooManyPicksError), not only when the resident presses Done."""
        if not 0 <= option < len(self.choices):
            raise NotAChoiceError(self.id)
        code = self.choices[option].code
        picked = set(picks) ^ {code}
        high = self.picks_range[1]
        if code in picked and len(picked) > high:
            raise TooManyPicksError(self.id, max_picks=high)
        return self.ordered(picked)

    def _read(self, raw: object, language: str | None) -> AnswerValue:
        items: Iterable[object]
        if isinstance(raw, str):
            items = [part for part in raw.split(",") if not is_blank(part)]
        elif isinstance(raw, list | tuple | set | frozenset):
            items = raw
        else:
            raise NotAChoiceError(self.id)
        ordered = self.ordered(self._code(item, language) for item in items)
        low, high = self.picks_range
        if len(ordered) < low:
            raise TooFewPicksError(self.id, min_picks=low)
        if len(ordered) > high:
            raise TooManyPicksError(self.id, max_picks=high)
        return ordered

    def parse(self, raw: object, language: str | None) -> AnswerValue:
        # An empty list of picks is an answer too when min_picks is 0.
        if isinstance(raw, list | tuple) and not raw:
            return self._read(raw, language)
        return super().parse(raw, language)

    def buttons(self, language: str, picks: Collection[str] = ()) -> list[list[Button]]:
        return [
            [Button(local(c.label, language), i, c.code in picks)]
            for i, c in enumerate(self.choices)
        ]

    def hint(self, language: str) -> Hint | None:
        low, high = self.picks_range
        return Hint("hint_multi", {"min": low, "max": high})

    def stored(self, value: AnswerValue) -> StoredForm:
        if value is None:
            return super().stored(value)
        assert isinstance(value, list)
        return StoredForm(json.dumps(value), picks=tuple(value))

    def wide_columns(self) -> dict[str, str | None]:
        # Several choices may be ticked: one 1/0 column each.
        return {f"{self.id}/{code}": code for code in self.codes}

    def answer_label(self, value: AnswerValue, language: str) -> str | None:
        labels = self._labels(language)
        codes = value if isinstance(value, list) else [value]
        return "; ".join(labels.get(str(code), str(code)) for code in codes)

    def draw(self, rng: random.Random, attitude: float, texts: Sequence[str]) -> AnswerValue:
        low, high = self.picks_range
        count = min(rng.randint(max(low, 1), max(high, 1)), len(self.choices))
        # Earlier choices are more popular, so the demo's shares differ visibly.
        weights = [1.0 / (1.0 + 0.4 * position) for position in range(len(self.choices))]
        codes, chosen = list(self.codes), set[str]()
        for _ in range(count):
            code = rng.choices(codes, weights)[0]
            weights.pop(codes.index(code))
            codes.remove(code)
            chosen.add(code)
        return self.ordered(chosen)

    def check(self, sink: IssueSink, path: Path) -> None:
        super().check(sink, path)
        low, high = self.picks_range
        count = len(self.choices)
        if low < 0:
            sink.add((*path, "min_picks"), "'min_picks' cannot be negative", self.id)
        if high < 1 or high > count:
            sink.add(
                (*path, "max_picks"),
                f"'max_picks' must be between 1 and the number of choices ({count})",
                self.id,
            )
        if low > high:
            sink.add((*path, "min_picks"), "'min_picks' must not exceed 'max_picks'", self.id)


def _check_labels(
    sink: IssueSink,
    path: Path,
    question: QuestionBase,
    labels: dict[str, list[str]] | None,
    builtin: Mapping[str, tuple[str, ...]],
) -> None:
    """Own labels: one list per language with the type's count; else built-in ones must exist."""
    count = len(next(iter(builtin.values())))
    kind = getattr(question, "type", "?")
    if labels is None:
        for language in sink.languages:
            if language not in builtin:
                sink.add(
                    (*path, "type"),
                    f"missing translation '{language}' for labels: built-in {kind} labels "
                    f"exist only for {', '.join(builtin)}, so set 'labels'",
                    question.id,
                )
        return
    for language in sink.languages:
        if language not in labels:
            sink.add((*path, "labels"), f"missing translation '{language}' for labels", question.id)
    for language, texts in labels.items():
        where = (*path, "labels", language)
        if len(texts) != count:
            message = f"labels '{language}' must list {count} labels, has {len(texts)}"
            sink.add(where, message, question.id)
        for text in texts:
            if not text.strip():
                sink.add(where, f"empty label in labels '{language}'", question.id)
            elif len(text) > MAX_LABEL:
                sink.add(
                    where,
                    f"label {text[:20]!r}... in '{language}' is longer than {MAX_LABEL} "
                    "characters and would not fit on a button",
                    question.id,
                )


def _labels_in(
    own: dict[str, list[str]] | None, builtin: Mapping[str, tuple[str, ...]], language: str
) -> tuple[str, ...]:
    """Labels for ``language``: the question's own, else built in; else the first available."""
    if own is not None:
        return tuple(own.get(language) or next(iter(own.values())))
    return builtin.get(language) or builtin["en"]


class _RatingBase(QuestionBase):
    """A whole number on a fixed range, answered with one button per value."""

    numeric: ClassVar[bool] = True
    low: ClassVar[int]
    high: ClassVar[int]

    @property
    def value_range(self) -> tuple[int, int]:
        return self.low, self.high

    def _number_label(self, value: int, language: str) -> str | None:
        return None

    def _read(self, raw: object, language: str | None) -> AnswerValue:
        value: int | float | None = None
        if isinstance(raw, str):
            value = read_number(raw, language)
        elif _is_number(raw):
            assert isinstance(raw, int | float)
            value = raw
        if value is None:
            raise NotANumberError(self.id)
        whole = _whole(self.id, value)
        if not self.low <= whole <= self.high:
            raise OutOfRangeError(self.id, min=self.low, max=self.high)
        return whole

    def button_value(self, option: int) -> AnswerValue:
        if self.low <= option <= self.high:
            return option
        raise NotAChoiceError(self.id)

    def stored(self, value: AnswerValue) -> StoredForm:
        if value is None:
            return super().stored(value)
        assert isinstance(value, int | float)
        return StoredForm(json.dumps(value), num=float(value))

    def options(self, language: str) -> list[Option]:
        options = []
        for value in range(self.low, self.high + 1):
            words = self._number_label(value, language)
            options.append(Option(str(value), f"{value} {words}" if words else str(value), value))
        return options

    def answer_label(self, value: AnswerValue, language: str) -> str | None:
        return self._number_label(value, language) if isinstance(value, int) else None

    def value_problem(self, value: str | int | float | bool) -> str | None:
        if not _is_number(value):
            return f"a {getattr(self, 'type', '?')} question is compared with a number"
        return None


def _whole(question_id: str, value: int | float) -> int:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotANumberError(question_id)
        if not value.is_integer():
            raise NotAnIntegerError(question_id)
    return int(value)


class Likert5Question(_RatingBase):
    """A 1..5 rating; labels per language, or the built-in agreement labels."""

    low: ClassVar[int] = 1
    high: ClassVar[int] = 5
    top_box: ClassVar[frozenset[int]] = frozenset({4, 5})
    type: Literal["likert5"] = "likert5"
    labels: dict[str, list[str]] | None = None

    def labels_for(self, language: str) -> tuple[str, ...]:
        """The five labels shown for ``language`` (falling back to the first available)."""
        return _labels_in(self.labels, BUILTIN_LIKERT_LABELS, language)

    def summary(self, language: str) -> tuple[list[str], str] | None:
        labels = self.labels_for(language)
        values = sorted(self.top_box)
        return [str(v) for v in values], " / ".join(labels[v - 1] for v in values)

    @classmethod
    def share_agree_restates(cls, threshold: float) -> Restated | None:
        # Agreeing at the lowest top-box value counts exactly the top box.
        return ("top_box", None) if threshold == min(cls.top_box) else None

    def _number_label(self, value: int, language: str) -> str | None:
        labels = self.labels_for(language)
        return labels[value - 1] if 1 <= value <= len(labels) else None

    def _read(self, raw: object, language: str | None) -> AnswerValue:
        if isinstance(raw, str) and language is not None:
            labels = [fold(label) for label in self.labels_for(language)]
            if fold(raw) in labels:
                return labels.index(fold(raw)) + 1
        return super()._read(raw, language)

    def buttons(self, language: str, picks: Collection[str] = ()) -> list[list[Button]]:
        return [[Button(label, i)] for i, label in enumerate(self.labels_for(language), 1)]

    def draw(self, rng: random.Random, attitude: float, texts: Sequence[str]) -> AnswerValue:
        return round(_clamp(3.2 + 0.9 * attitude + rng.gauss(0, 0.8), 1, 5))

    def check(self, sink: IssueSink, path: Path) -> None:
        _check_labels(sink, path, self, self.labels, BUILTIN_LIKERT_LABELS)


class ScaleQuestion(_RatingBase):
    """A 0..10 rating with the meaning of both ends spelled out per language."""

    low: ClassVar[int] = 0
    high: ClassVar[int] = 10
    type: Literal["scale"] = "scale"
    low_label: LocalText
    high_label: LocalText

    def _number_label(self, value: int, language: str) -> str | None:
        if value == self.low:
            return local(self.low_label, language)
        if value == self.high:
            return local(self.high_label, language)
        return None

    def buttons(self, language: str, picks: Collection[str] = ()) -> list[list[Button]]:
        return [
            [Button(str(i), i) for i in range(0, 6)],
            [Button(str(i), i) for i in range(6, 11)],
        ]

    def hint(self, language: str) -> Hint | None:
        return Hint(
            "hint_scale",
            {"low": local(self.low_label, language), "high": local(self.high_label, language)},
        )

    def draw(self, rng: random.Random, attitude: float, texts: Sequence[str]) -> AnswerValue:
        return round(_clamp(5.5 + 1.8 * attitude + rng.gauss(0, 1.6), 0, 10))

    def check(self, sink: IssueSink, path: Path) -> None:
        sink.local((*path, "low_label"), self.low_label, "low_label", MAX_LABEL, self.id)
        sink.local((*path, "high_label"), self.high_label, "high_label", MAX_LABEL, self.id)


class YesNoQuestion(QuestionBase):
    """Yes or no; stored as a boolean (and as 1/0 for SQL)."""

    categorical: ClassVar[bool] = True
    type: Literal["yes_no"] = "yes_no"
    labels: dict[str, list[str]] | None = None

    @property
    def value_range(self) -> tuple[int, int]:
        return 0, 1

    @classmethod
    def share_agree_restates(cls, threshold: float) -> Restated | None:
        # Yes counts as 1, so agreeing at 1 counts exactly the yes answers.
        return ("share", "yes") if threshold == 1.0 else None

    def labels_for(self, language: str) -> tuple[str, str]:
        """(yes, no) labels for ``language`` (falling back to the first available)."""
        yes, no = _labels_in(self.labels, BUILTIN_YES_NO_LABELS, language)
        return yes, no

    def _read(self, raw: object, language: str | None) -> AnswerValue:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            word = fold(raw)
            yes, no = set(_YES_WORDS), set(_NO_WORDS)
            if language is not None:
                label_yes, label_no = self.labels_for(language)
                yes.add(fold(label_yes))
                no.add(fold(label_no))
            if word in yes and word not in no:
                return True
            if word in no and word not in yes:
                return False
        raise NotAChoiceError(self.id)

    def buttons(self, language: str, picks: Collection[str] = ()) -> list[list[Button]]:
        yes, no = self.labels_for(language)
        return [[Button(yes, 1), Button(no, 0)]]

    def button_value(self, option: int) -> AnswerValue:
        if option in (0, 1):
            return option == 1
        raise NotAChoiceError(self.id)

    def stored(self, value: AnswerValue) -> StoredForm:
        if value is None:
            return super().stored(value)
        return StoredForm(json.dumps(value), num=1.0 if value else 0.0)

    def options(self, language: str) -> list[Option]:
        yes, no = self.labels_for(language)
        return [Option("yes", yes, 1), Option("no", no, 0)]

    def answer_label(self, value: AnswerValue, language: str) -> str | None:
        yes, no = self.labels_for(language)
        return yes if value else no

    def draw(self, rng: random.Random, attitude: float, texts: Sequence[str]) -> AnswerValue:
        return rng.random() < 0.2 + 0.05 * attitude

    def check(self, sink: IssueSink, path: Path) -> None:
        _check_labels(sink, path, self, self.labels, BUILTIN_YES_NO_LABELS)

    def value_problem(self, value: str | int | float | bool) -> str | None:
        if not isinstance(value, bool):
            return "a yes_no question is compared with true or false"
        return None


class NumberQuestion(QuestionBase):
    """A typed number within [min, max]; whole numbers only unless ``integer = false``."""

    input: ClassVar[Literal["buttons", "toggles", "typed"]] = "typed"
    numeric: ClassVar[bool] = True
    continuous: ClassVar[bool] = True
    few_values: ClassVar[bool] = False
    type: Literal["number"] = "number"
    min: Number
    max: Number
    integer: bool = True

    @property
    def value_range(self) -> tuple[int | float, int | float]:
        return self.min, self.max

    def _read(self, raw: object, language: str | None) -> AnswerValue:
        value: int | float | None = None
        if isinstance(raw, str):
            value = read_number(raw, language)
        elif _is_number(raw):
            assert isinstance(raw, int | float)
            value = raw
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            raise NotANumberError(self.id)
        result: int | float = _whole(self.id, value) if self.integer else float(value)
        if not self.min <= result <= self.max:
            raise OutOfRangeError(self.id, min=self.min, max=self.max)
        return result

    def hint(self, language: str) -> Hint | None:
        return Hint("hint_number", {"min": self.min, "max": self.max})

    def stored(self, value: AnswerValue) -> StoredForm:
        if value is None:
            return super().stored(value)
        assert isinstance(value, int | float)
        return StoredForm(json.dumps(value), num=float(value))

    def draw(self, rng: random.Random, attitude: float, texts: Sequence[str]) -> AnswerValue:
        value = rng.uniform(float(self.min), float(self.max))
        return round(value) if self.integer else value

    def check(self, sink: IssueSink, path: Path) -> None:
        if not self.min < self.max:
            sink.add((*path, "min"), "'min' must be less than 'max'", self.id)

    def value_problem(self, value: str | int | float | bool) -> str | None:
        if not _is_number(value):
            return "a number question is compared with a number"
        return None


class TextQuestion(QuestionBase):
    """Free text, trimmed of invisible characters at both ends, at most ``max_length`` long."""

    input: ClassVar[Literal["buttons", "toggles", "typed"]] = "typed"
    free_text: ClassVar[bool] = True
    few_values: ClassVar[bool] = False
    type: Literal["text"] = "text"
    max_length: int = Field(default=500, ge=1, le=MAX_TEXT_ANSWER)

    def _read(self, raw: object, language: str | None) -> AnswerValue:
        if not isinstance(raw, str):
            raise NotATextError(self.id)
        text = visible_text(raw)
        if len(text) > self.max_length:
            raise TooLongError(self.id, max_length=self.max_length, length=len(text))
        return text

    def hint(self, language: str) -> Hint | None:
        return Hint("hint_text", {"max_length": self.max_length})

    def stored(self, value: AnswerValue) -> StoredForm:
        if value is None:
            return super().stored(value)
        return StoredForm(json.dumps(value), is_text=True)

    def draw(self, rng: random.Random, attitude: float, texts: Sequence[str]) -> AnswerValue:
        return rng.choice(texts) if (rng.random() < 0.3 or self.required) and texts else None

    def value_problem(self, value: str | int | float | bool) -> str | None:
        if not isinstance(value, str):
            return "a text question is compared with a string"
        return None


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

QUESTION_TYPES: dict[str, type[QuestionBase]] = {
    "single": SingleQuestion,
    "multi": MultiQuestion,
    "likert5": Likert5Question,
    "scale": ScaleQuestion,
    "yes_no": YesNoQuestion,
    "number": NumberQuestion,
    "text": TextQuestion,
}
"""Every question type by its ``type`` key; the checker and the loader read this table."""
