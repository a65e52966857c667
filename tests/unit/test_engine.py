"""The answering engine: validation per type, skip logic, navigation and per-respondent indices."""

from __future__ import annotations

import pytest

from surveys.definitions import SurveyDefinition, parse_definition
from surveys.definitions.reading import read_number
from surveys.engine import (
    AnswerValue,
    Progress,
    apply_answer,
    index_values,
    is_complete,
    next_question,
    previous_question,
    progress,
    skip_question,
    validate_answer,
    visible_questions,
)
from surveys.errors import (
    AnswerError,
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
    UnknownQuestionError,
)

HEADER = """\
key = "engine"
version = 1
title = { en = "T", es = "T" }
intro = { en = "I", es = "I" }
"""


def q(qid: str, kind: str, extra: str = "") -> str:
    return (
        f'\n[[questions]]\nid = "{qid}"\ntype = "{kind}"\ntext = {{ en = "E", es = "S" }}\n{extra}'
    )


def choices(*codes: str) -> str:
    items = ", ".join(
        f'{{ code = "{code}", label = {{ en = "{code.title()}", es = "{code.upper()}" }} }}'
        for code in codes
    )
    return f"choices = [{items}]"


ALL_TYPES = parse_definition(
    HEADER
    + q("colour", "single", choices("red", "green", "blue"))
    + q("pets", "multi", choices("cat", "dog", "fish", "bird") + "\nmax_picks = 2")
    + q("agree", "likert5")
    + q("score", "scale", 'low_label = { en = "L", es = "L" }\nhigh_label = { en = "H", es = "H" }')
    + q("member", "yes_no")
    + q("age", "number", "min = 16\nmax = 120")
    + q("hours", "number", "min = 0\nmax = 24\ninteger = false")
    + q("note", "text", "required = false\nmax_length = 10"),
    source="all-types",
    languages=["en", "es"],
)

VALID_INPUTS: list[tuple[str, object, str, AnswerValue]] = [
    ("colour", "red", "en", "red"),
    ("colour", " green ", "en", "green"),
    ("colour", "Blue", "en", "blue"),  # typed label
    ("colour", "gReEn", "es", "green"),  # typed label (es label is "GREEN"), any case
    ("pets", ["dog", "cat"], "en", ["cat", "dog"]),  # sorted in choice order
    ("pets", ("fish",), "en", ["fish"]),
    ("pets", "dog, cat", "en", ["cat", "dog"]),
    ("pets", ["cat", "cat"], "en", ["cat"]),
    ("agree", 1, "en", 1),
    ("agree", "5", "en", 5),
    ("agree", 4.0, "en", 4),
    ("agree", "strongly agree", "en", 5),
    ("agree", "Ni de acuerdo ni en desacuerdo", "es", 3),
    ("score", 0, "en", 0),
    ("score", "10", "en", 10),
    ("member", True, "en", True),
    ("member", "yes", "en", True),
    ("member", "no", "es", False),
    ("member", "si", "es", True),  # accents do not matter
    ("member", "Sí", "es", True),
    ("age", "42", "en", 42),
    ("age", " 16 ", "en", 16),
    ("age", 120, "en", 120),
    ("age", 30.0, "en", 30),
    ("hours", "7,5", "es", 7.5),
    ("hours", "7.5", "es", 7.5),
    ("hours", "7.5", "en", 7.5),
    ("hours", "8", "en", 8.0),
    ("hours", 3, "en", 3.0),
    ("note", "  hello  ", "en", "hello"),
    ("note", "x" * 10, "en", "x" * 10),
    # strict numbers: one number, optional sign, surrounding space, any script's digits
    ("age", "+42", "en", 42),
    ("age", "\u200b42\u200b", "en", 42),  # zero-width spaces around it
    ("age", "\u0664\u0662", "en", 42),  # Arabic-Indic digits
    ("age", "\uff14\uff12", "en", 42),  # full-width digits
    ("hours", "1,5", "es", 1.5),
    ("hours", "07.50", "en", 7.5),
    ("note", "\u200bhi\ufeff", "en", "hi"),  # invisible characters at the ends are trimmed
    ("note", "a\u200db", "en", "a\u200db"),  # but kept inside (emoji sequences use them)
]


@pytest.mark.parametrize(("qid", "raw", "language", "expected"), VALID_INPUTS)
def test_valid_inputs_become_typed_values(
    qid: str, raw: object, language: str, expected: AnswerValue
) -> None:
    """If the input is acceptable for the type, then validate_answer returns the stored value."""
    value = validate_answer(ALL_TYPES.question(qid), raw, language=language)
    assert value == expected
    assert type(value) is type(expected)


INVALID_INPUTS: list[tuple[str, object, str, type[AnswerError]]] = [
    ("colour", "purple", "en", NotAChoiceError),
    ("colour", "Rojo", "en", NotAChoiceError),  # a Spanish label typed in English
    ("colour", 1, "en", NotAChoiceError),
    ("colour", "", "en", EmptyAnswerError),
    ("colour", None, "en", EmptyAnswerError),
    ("pets", [], "en", TooFewPicksError),
    ("pets", ["cat", "dog", "fish"], "en", TooManyPicksError),
    ("pets", ["cat", "lion"], "en", NotAChoiceError),
    ("pets", [1], "en", NotAChoiceError),
    ("pets", 7, "en", NotAChoiceError),
    ("agree", 0, "en", OutOfRangeError),
    ("agree", 6, "en", OutOfRangeError),
    ("agree", 3.5, "en", NotAnIntegerError),
    ("agree", "lots", "en", NotANumberError),
    ("agree", True, "en", NotANumberError),
    ("score", 11, "en", OutOfRangeError),
    ("score", "-1", "en", OutOfRangeError),
    ("score", float("nan"), "en", NotANumberError),
    ("member", "maybe", "en", NotAChoiceError),
    ("member", 1, "en", NotAChoiceError),
    ("age", "abc", "en", NotANumberError),
    ("age", "7,5", "en", NotANumberError),  # a decimal comma is not English
    ("age", "7,5", "es", NotAnIntegerError),
    ("age", "15", "en", OutOfRangeError),
    ("age", "1.000", "es", OutOfRangeError),  # a thousand in Spanish
    ("age", "1e3", "en", NotANumberError),
    ("age", "9" * 60, "en", NotANumberError),
    ("age", True, "en", NotANumberError),
    ("age", "   ", "en", EmptyAnswerError),
    ("hours", "24.5", "en", OutOfRangeError),
    ("hours", float("inf"), "en", NotANumberError),
    ("note", "x" * 11, "en", TooLongError),
    ("note", "", "en", EmptyAnswerError),
    ("note", 5, "en", NotATextError),
    # strict numbers: inner spaces do not glue digits together, invisible text is empty
    ("age", "4 2", "en", NotANumberError),
    ("age", "4\u00a02", "en", NotANumberError),
    ("age", "42 43", "en", NotANumberError),
    ("age", "- 42", "en", NotANumberError),
    ("age", "42-", "en", NotANumberError),
    ("age", "\u00bd", "en", NotANumberError),  # a vulgar fraction is not a decimal digit
    ("age", "\u200b", "en", EmptyAnswerError),
    ("age", "\u200b\u200c\ufeff ", "en", EmptyAnswerError),
    ("colour", "\u200b", "en", EmptyAnswerError),
    ("note", "\u200b \u2060", "en", EmptyAnswerError),
    ("member", "\u200e", "en", EmptyAnswerError),
]


READ_NUMBERS: list[tuple[str, str | None, int | float | None]] = [
    ("12 000", "en", 12000),  # thousands grouped by a space
    ("12\u202f000", "fr", 12000),  # or a narrow no-break space
    ("1,234.5", "en", 1234.5),
    ("1.234,5", "es", 1234.5),
    ("\u22123", "en", -3),  # the typographic minus sign
    ("-0.5", "en", -0.5),
    (".5", "en", 0.5),
    ("4 2", "en", None),
    ("12 00", "en", None),  # a group of two digits is not a thousands group
    ("1,2,3", "en", None),
    ("3 - 1", "en", None),
    ("0x10", "en", None),
    ("", "en", None),
]


@pytest.mark.parametrize(("text", "language", "expected"), READ_NUMBERS)
def test_read_number_is_strict(text: str, language: str | None, expected: float | None) -> None:
    """If the text is one number as the language writes it, then it is read; anything else
    (inner spaces that are not thousands groups, expressions, other notations) is None."""
    value = read_number(text, language)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(("qid", "raw", "language", "error"), INVALID_INPUTS)
def test_invalid_inputs_raise_typed_errors(
    qid: str, raw: object, language: str, error: type[AnswerError]
) -> None:
    """If the input is not acceptable, then a typed AnswerError names the question and reason."""
    with pytest.raises(error) as caught:
        validate_answer(ALL_TYPES.question(qid), raw, language=language)
    assert caught.value.question_id == qid
    assert caught.value.code == error.code


def test_error_params_fill_the_message_catalogue() -> None:
    """If an error carries limits, then params exposes them for the resident's message."""
    with pytest.raises(OutOfRangeError) as out_of_range:
        validate_answer(ALL_TYPES.question("age"), "200", language="en")
    assert (out_of_range.value.code, out_of_range.value.params) == (
        "out_of_range",
        {"min": 16, "max": 120},
    )
    with pytest.raises(TooLongError) as too_long:
        validate_answer(ALL_TYPES.question("note"), "x" * 12, language="en")
    assert too_long.value.params == {"max_length": 10, "length": 12}
    with pytest.raises(TooManyPicksError) as too_many:
        validate_answer(ALL_TYPES.question("pets"), ["cat", "dog", "bird"], language="en")
    assert too_many.value.params == {"max_picks": 2}
    assert NotAChoiceError("q").params == {}


# --- skip logic -------------------------------------------------------------------------------

BASE = (
    HEADER
    + q("colour", "single", choices("red", "green", "blue"))
    + q("pets", "multi", choices("cat", "dog", "fish"))
    + q("score", "scale", 'low_label = { en = "L", es = "L" }\nhigh_label = { en = "H", es = "H" }')
    + q("member", "yes_no")
    + q("note", "text", "required = false")
)


def with_target(condition: str) -> SurveyDefinition:
    """The base questions followed by a 'target' question shown only if ``condition`` holds."""
    return parse_definition(
        BASE + q("target", "text", f"show_if = {condition}"),
        source="cond",
        languages=["en"],
    )


FULL: dict[str, AnswerValue] = {
    "colour": "red",
    "pets": ["cat", "fish"],
    "score": 7,
    "member": True,
    "note": "hi",
}

RED = '{ question = "colour", equals = "red" }'
BLUE = '{ question = "colour", equals = "blue" }'

CONDITIONS = [
    ('{ question = "colour", equals = "red" }', FULL, True),
    ('{ question = "colour", equals = "blue" }', FULL, False),
    ('{ question = "pets", equals = "fish" }', FULL, True),  # multi: picked
    ('{ question = "pets", equals = "dog" }', FULL, False),
    ('{ question = "member", equals = true }', FULL, True),
    ('{ question = "member", equals = false }', FULL, False),
    ('{ question = "score", equals = 7 }', FULL, True),
    ('{ question = "colour", one_of = ["green", "red"] }', FULL, True),
    ('{ question = "colour", one_of = ["green", "blue"] }', FULL, False),
    ('{ question = "pets", one_of = ["dog", "fish"] }', FULL, True),  # multi: picked any
    ('{ question = "pets", one_of = ["dog", "cat"] }', {**FULL, "pets": ["fish"]}, False),
    ('{ question = "score", less_than = 8 }', FULL, True),
    ('{ question = "score", less_than = 7 }', FULL, False),
    ('{ question = "score", greater_than = 6.5 }', FULL, True),
    ('{ question = "score", greater_than = 7 }', FULL, False),
    ('{ question = "note", answered = true }', FULL, True),
    ('{ question = "note", answered = true }', {**FULL, "note": None}, False),  # skipped
    ('{ question = "note", answered = false }', {**FULL, "note": None}, True),
    ('{ question = "note", answered = false }', FULL, False),
    ('{ question = "colour", equals = "red" }', {}, False),  # unanswered never matches
    ('{ question = "score", less_than = 100 }', {"colour": "red"}, False),
    ('{ question = "note", equals = "hi" }', {**FULL, "note": None}, False),
    (
        f'{{ all = [{RED}, {{ question = "score", less_than = 8 }}] }}',
        FULL,
        True,
    ),
    (
        f'{{ all = [{RED}, {{ question = "score", less_than = 5 }}] }}',
        FULL,
        False,
    ),
    (
        f'{{ any = [{BLUE}, {{ question = "member", equals = true }}] }}',
        FULL,
        True,
    ),
    (
        f'{{ any = [{BLUE}, {{ question = "member", equals = false }}] }}',
        FULL,
        False,
    ),
    (
        '{ any = [{ question = "colour", equals = "blue" }, { all = ['
        '{ question = "member", equals = true }, { question = "pets", equals = "cat" }] }] }',
        FULL,
        True,
    ),
]


@pytest.mark.parametrize(("condition", "answers", "shown"), CONDITIONS)
def test_show_if_operators(condition: str, answers: dict[str, AnswerValue], shown: bool) -> None:
    """If show_if holds on the earlier answers, then the question is visible; otherwise hidden."""
    definition = with_target(condition)
    ids = [question.id for question in visible_questions(definition, answers)]
    assert ("target" in ids) is shown


CHAIN = parse_definition(
    HEADER
    + q("member", "yes_no")
    + q("useful", "likert5", 'show_if = { question = "member", equals = true }')
    + q("why", "text", 'required = false\nshow_if = { question = "useful", less_than = 3 }')
    + q("last", "text"),
    source="chain",
    languages=["en"],
)


def test_condition_on_a_hidden_question_is_false() -> None:
    """If a condition refers to a hidden question, then it is false even if an answer is stored."""
    answers: dict[str, AnswerValue] = {"member": False, "useful": 1}
    assert [question.id for question in visible_questions(CHAIN, answers)] == ["member", "last"]


def test_walk_through_with_progress_and_completion() -> None:
    """If answers are applied in order, then next/progress/complete follow the visible path."""
    answers: dict[str, AnswerValue] = {}
    assert progress(CHAIN, answers) == Progress(1, 2)
    first = next_question(CHAIN, answers)
    assert first is not None and first.id == "member"
    answers = apply_answer(CHAIN, answers, "member", True)
    assert progress(CHAIN, answers) == Progress(2, 3)
    answers = apply_answer(CHAIN, answers, "useful", 2)
    assert progress(CHAIN, answers) == Progress(3, 4)
    upcoming = next_question(CHAIN, answers)
    assert upcoming is not None and upcoming.id == "why"
    answers = skip_question(CHAIN, answers, "why")
    assert answers["why"] is None
    upcoming = next_question(CHAIN, answers)
    assert upcoming is not None and upcoming.id == "last"
    assert not is_complete(CHAIN, answers)
    answers = apply_answer(CHAIN, answers, "last", "done")
    assert is_complete(CHAIN, answers)
    assert next_question(CHAIN, answers) is None
    assert progress(CHAIN, answers) == Progress(4, 4)
    assert progress(CHAIN, answers, "useful") == Progress(2, 4)


def test_changing_an_earlier_answer_drops_now_hidden_answers() -> None:
    """If Back changes an answer so later questions hide, then their answers are dropped."""
    answers: dict[str, AnswerValue] = {"member": True, "useful": 1, "why": "noisy", "last": "x"}
    back = previous_question(CHAIN, answers, "useful")
    assert back is not None and back.id == "member"
    changed = apply_answer(CHAIN, answers, "member", False)
    assert changed == {"member": False, "last": "x"}
    assert answers["useful"] == 1, "apply_answer returns a new mapping"
    assert is_complete(CHAIN, changed)


def test_changing_an_answer_keeps_still_visible_answers() -> None:
    """If a changed answer keeps later questions visible, then their answers are kept."""
    answers: dict[str, AnswerValue] = {"member": True, "useful": 1, "why": "noisy", "last": "x"}
    changed = apply_answer(CHAIN, answers, "useful", 4)
    assert changed == {"member": True, "useful": 4, "last": "x"}
    changed = apply_answer(CHAIN, answers, "useful", 2)
    assert changed == {"member": True, "useful": 2, "why": "noisy", "last": "x"}


def test_required_question_cannot_be_skipped() -> None:
    """If a question is required, then skip_question raises NotSkippableError."""
    with pytest.raises(NotSkippableError):
        skip_question(CHAIN, {}, "member")


def test_unknown_and_hidden_questions_are_refused() -> None:
    """If an id is unknown or hidden, then answering, skipping and Back raise typed errors."""
    with pytest.raises(UnknownQuestionError):
        apply_answer(CHAIN, {}, "ghost", 1)
    with pytest.raises(QuestionHiddenError):
        apply_answer(CHAIN, {"member": False}, "useful", 3)
    with pytest.raises(QuestionHiddenError):
        skip_question(CHAIN, {"member": False}, "why")
    with pytest.raises(UnknownQuestionError):
        previous_question(CHAIN, {}, "ghost")
    with pytest.raises(QuestionHiddenError):
        progress(CHAIN, {}, "useful")


def test_apply_answer_validates_the_value() -> None:
    """If apply_answer gets an invalid value, then it raises and stores nothing."""
    answers: dict[str, AnswerValue] = {"member": True}
    with pytest.raises(OutOfRangeError):
        apply_answer(CHAIN, answers, "useful", 9)
    assert answers == {"member": True}


def test_previous_question_at_the_edges() -> None:
    """If Back is pressed on the first question, then there is none; past the end, the last one."""
    answers: dict[str, AnswerValue] = {"member": False, "last": "x"}
    assert previous_question(CHAIN, answers, "member") is None
    last = previous_question(CHAIN, answers, None)
    assert last is not None and last.id == "last"
    skipped = previous_question(CHAIN, answers, "last")
    assert skipped is not None and skipped.id == "member", "hidden questions are stepped over"


def test_a_stored_none_on_a_required_question_is_not_an_answer() -> None:
    """If a required question somehow holds None, then it is asked again."""
    upcoming = next_question(CHAIN, {"member": None})
    assert upcoming is not None and upcoming.id == "member"


# --- indices ----------------------------------------------------------------------------------

INDICES = parse_definition(
    HEADER
    + q("a", "scale", 'low_label = { en = "L", es = "L" }\nhigh_label = { en = "H", es = "H" }')
    + q("b", "likert5")
    + q("c", "number", "min = 10\nmax = 20")
    + q("d", "yes_no")
    + q("e", "likert5", 'required = false\nshow_if = { question = "d", equals = true }')
    + """
[[indices]]
key = "mean_all"
method = "mean_rescaled"
title = { en = "M", es = "M" }
items = ["a", "b", "c"]
reversed = ["c"]

[[indices]]
key = "mean_two"
method = "mean_rescaled"
title = { en = "M", es = "M" }
items = ["a", "b", "c"]
min_items = 2

[[indices]]
key = "agree"
method = "share_agree"
title = { en = "A", es = "A" }
items = ["b"]
threshold = 4

[[indices]]
key = "yes"
method = "share_agree"
title = { en = "Y", es = "Y" }
items = ["d"]

[[indices]]
key = "hidden"
method = "share_agree"
title = { en = "H", es = "H" }
items = ["e"]
threshold = 4
""",
    source="indices",
    languages=["en"],
)

INDEX_CASES: list[tuple[dict[str, AnswerValue], dict[str, float | None]]] = [
    (
        {"a": 10, "b": 2, "c": 12, "d": True, "e": 5},  # rescaled: 100, 25, 20 (reversed: 80)
        {"mean_all": 205 / 3, "mean_two": 145 / 3, "agree": 0.0, "yes": 100.0, "hidden": 100.0},
    ),
    (
        {"a": 0, "b": 5, "c": 20, "d": False, "e": 5},  # e is hidden: its answer is ignored
        {"mean_all": 100 / 3, "mean_two": 200 / 3, "agree": 100.0, "yes": 0.0, "hidden": None},
    ),
    (
        {"a": 5, "b": None},
        {"mean_all": None, "mean_two": None, "agree": None, "yes": None, "hidden": None},
    ),
    (
        {"a": 5, "c": 10},
        {"mean_all": None, "mean_two": 25.0, "agree": None, "yes": None, "hidden": None},
    ),
]


@pytest.mark.parametrize(("answers", "expected"), INDEX_CASES)
def test_index_values_per_respondent(
    answers: dict[str, AnswerValue], expected: dict[str, float | None]
) -> None:
    """If items are answered, then indices are 0-100 (or 0/100); too few items give None."""
    values = index_values(INDICES, answers)
    assert values.keys() == expected.keys()
    for key, value in expected.items():
        assert values[key] == (None if value is None else pytest.approx(value)), key
