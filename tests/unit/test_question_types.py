"""Question types own their behaviour: every type keeps the same contract, so the keyboard, the
store, exports and reports can treat questions alike without asking for their type."""

from __future__ import annotations

import ast
import json
import random
from pathlib import Path

import pytest

from bot.texts import Catalogue
from surveys.definitions import (
    QUESTION_TYPES,
    AnswerValue,
    MultiQuestion,
    QuestionBase,
    SurveyDefinition,
    parse_definition,
)
from surveys.errors import NotAChoiceError, TooManyPicksError
from surveys.library import builtin_keys, load_builtin

LANGUAGES = ["en", "es"]
ROOT = Path(__file__).resolve().parents[2]

EVERY_TYPE = parse_definition(
    """\
key = "types"
version = 1
title = { en = "T", es = "T" }
intro = { en = "I", es = "I" }

[[questions]]
id = "colour"
type = "single"
text = { en = "Colour?", es = "¿Color?" }
choices = [
  { code = "red", label = { en = "Red", es = "Rojo" } },
  { code = "blue", label = { en = "Blue", es = "Azul" } },
]

[[questions]]
id = "pets"
type = "multi"
text = { en = "Pets?", es = "¿Mascotas?" }
max_picks = 2
choices = [
  { code = "cat", label = { en = "Cat", es = "Gato" } },
  { code = "dog", label = { en = "Dog", es = "Perro" } },
  { code = "fish", label = { en = "Fish", es = "Pez" } },
]

[[questions]]
id = "agree"
type = "likert5"
text = { en = "Agree?", es = "¿De acuerdo?" }

[[questions]]
id = "score"
type = "scale"
text = { en = "Score?", es = "¿Nota?" }
low_label = { en = "Bad", es = "Mal" }
high_label = { en = "Good", es = "Bien" }

[[questions]]
id = "member"
type = "yes_no"
text = { en = "Member?", es = "¿Miembro?" }

[[questions]]
id = "age"
type = "number"
text = { en = "Age?", es = "¿Edad?" }
min = 16
max = 120

[[questions]]
id = "note"
type = "text"
text = { en = "Note?", es = "¿Nota?" }
required = false
""",
    source="types",
    languages=LANGUAGES,
)


def every_question() -> list[tuple[str, QuestionBase]]:
    definitions: list[SurveyDefinition] = [EVERY_TYPE]
    definitions += [load_builtin(key, LANGUAGES) for key in builtin_keys()]
    return [(f"{d.key}.{q.id}", q) for d in definitions for q in d.questions]


QUESTIONS = every_question()


FLAGS = (
    "numeric",
    "continuous",
    "categorical",
    "picks_several",
    "free_text",
    "few_values",
    "expects_ticks",
    "expects_typing",
)
"""What callers ask a question instead of its type name."""


def test_the_contract_covers_every_question_type() -> None:
    """If a question type is added, then it appears in this module's definition (and so every
    contract below runs on it), and that definition shows each flag both set and unset."""
    assert {q.type for q in EVERY_TYPE.questions} == set(QUESTION_TYPES)
    for flag in FLAGS:
        assert {getattr(q, flag) for q in EVERY_TYPE.questions} == {True, False}, flag


@pytest.mark.parametrize(("name", "question"), QUESTIONS, ids=[name for name, _ in QUESTIONS])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_button_stands_for_a_valid_answer(
    name: str, question: QuestionBase, language: str
) -> None:
    """If a button is shown, then its value (for ticks: the one-pick answer) parses to itself,
    is stored so that its JSON round-trips, and reads as a label or a number in exports;
    option numbers are unique."""
    rows = question.buttons(language)
    options = [button.option for row in rows for button in row]
    assert len(options) == len(set(options))
    assert bool(rows) is (question.input != "typed")
    ticks = question.input == "toggles"
    for option in options:
        value = question.toggle([], option) if ticks else question.button_value(option)
        assert question.parse(value, language) == value
        stored = question.stored(value)
        assert json.loads(stored.value_json) == value
        assert question.answer_label(value, language) or isinstance(value, int)


@pytest.mark.parametrize(("name", "question"), QUESTIONS, ids=[name for name, _ in QUESTIONS])
def test_options_match_what_is_stored(name: str, question: QuestionBase) -> None:
    """If figures are given per option, then each option's code or value is exactly what the
    store keeps for that answer (so counts line up with stored rows)."""
    for option in question.options("en"):
        if option.value is None:
            value = question.parse(option.code, "en")
            assert question.stored(value).code == option.code or option.code in (
                question.stored(value).picks
            )
        else:
            assert question.stored(question.button_value(option.value)).num == option.value


@pytest.mark.parametrize(("name", "question"), QUESTIONS, ids=[name for name, _ in QUESTIONS])
def test_drawn_demo_answers_are_valid(name: str, question: QuestionBase) -> None:
    """If the demo draws an answer, then the question accepts it as it is."""
    rng = random.Random(7)
    for attitude in (-2.0, 0.0, 2.0):
        value = question.draw(rng, attitude, ["A concern typed by a resident"])
        if value is None:
            assert not question.required
            continue
        assert question.parse(value, None) == value


@pytest.mark.parametrize(("name", "question"), QUESTIONS, ids=[name for name, _ in QUESTIONS])
@pytest.mark.parametrize("language", LANGUAGES)
def test_hints_exist_in_the_message_catalogue(
    name: str, question: QuestionBase, language: str
) -> None:
    """If a type gives a hint, then the catalogue renders it in every language."""
    hint = question.hint(language)
    if hint is not None:
        assert Catalogue.load(LANGUAGES).get(language, hint.key, **hint.params)


def test_a_tick_beyond_the_maximum_is_refused_at_once() -> None:
    """If a multi question allows 2 picks, then a third tick is refused with the reason and an
    untick always works."""
    pets = EVERY_TYPE.question("pets")
    assert isinstance(pets, MultiQuestion)
    picks = pets.toggle([], 0)
    picks = pets.toggle(picks, 2)
    assert picks == ["cat", "fish"]
    with pytest.raises(TooManyPicksError) as caught:
        pets.toggle(picks, 1)
    assert caught.value.params == {"max_picks": 2}
    assert pets.toggle(picks, 0) == ["fish"]
    with pytest.raises(NotAChoiceError):
        pets.toggle(picks, 3)


def test_only_multi_questions_take_ticks() -> None:
    """If a tick arrives for a question answered otherwise, then it is not a choice."""
    for question in EVERY_TYPE.questions:
        if question.input != "toggles":
            with pytest.raises(NotAChoiceError):
                question.toggle([], 0)


def _answers(question: QuestionBase) -> list[AnswerValue]:
    """Answers a resident can give: every button's, and a drawn one for typed questions."""
    rows = question.buttons("en")
    taps = [b.option for row in rows for b in row]
    if question.expects_ticks:
        return [question.toggle([], option) for option in taps]
    if taps:
        return [question.button_value(option) for option in taps]
    drawn = question.draw(random.Random(3), 0.0, ["A concern typed by a resident"])
    return [] if drawn is None else [drawn]


@pytest.mark.parametrize(("name", "question"), QUESTIONS, ids=[name for name, _ in QUESTIONS])
def test_the_flags_match_what_is_stored(name: str, question: QuestionBase) -> None:
    """If a type says its answers are free text, several picks, categories or few values, then
    its stored answers and options agree: text is stored as text, ticks as picks, categories
    and few values have options (and are not means), typed answers have none."""
    answers = _answers(question)
    assert answers
    for value in answers:
        stored = question.stored(value)
        assert stored.is_text is question.free_text
        assert bool(stored.picks) is question.picks_several
    options = question.options("en")
    assert question.few_values is bool(options)
    assert not question.categorical or (options and not question.numeric)
    assert question.expects_ticks is question.picks_several


@pytest.mark.parametrize(("name", "question"), QUESTIONS, ids=[name for name, _ in QUESTIONS])
def test_wide_columns_hold_the_answer_or_one_tick_per_option(
    name: str, question: QuestionBase
) -> None:
    """If a type takes several picks, then the wide raw table has one 1/0 column per option
    (named id/code); otherwise one column named by the question id."""
    columns = question.wide_columns()
    if question.picks_several:
        codes = [option.code for option in question.options("en")]
        assert columns == {f"{question.id}/{code}": code for code in codes}
    else:
        assert columns == {question.id: None}


@pytest.mark.parametrize(("name", "question"), QUESTIONS, ids=[name for name, _ in QUESTIONS])
def test_choice_labels_are_the_options_in_every_language(name: str, question: QuestionBase) -> None:
    """If a type has choices, then their labels are its options' codes and words in each
    language; types without choices have none."""
    labels = question.choice_labels()
    for language in LANGUAGES:
        options = question.options(language)
        if labels:
            assert [(o.code, o.label) for o in options] == [
                (code, label[language]) for code, label in labels.items()
            ]
        else:
            assert all(option.value is not None for option in options)


@pytest.mark.parametrize(("name", "question"), QUESTIONS, ids=[name for name, _ in QUESTIONS])
def test_a_share_agree_index_restates_only_the_same_answers(
    name: str, question: QuestionBase
) -> None:
    """If a type says a share_agree index on it alone restates one of its figures at some
    threshold, then that figure counts exactly the answers at or above the threshold."""
    options = question.options("en")
    for threshold in (0.0, 0.5, 1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0, 10.0):
        restated = type(question).share_agree_restates(threshold)
        agreeing = {o.code for o in options if o.value is not None and o.value >= threshold}
        if restated == ("top_box", None):
            summary = question.summary("en")
            assert summary is not None and set(summary[0]) == agreeing
        elif restated is not None:
            assert restated[0] == "share" and question.categorical
            assert {restated[1]} == agreeing


def test_the_restated_figures_are_the_known_ones() -> None:
    """If trends skip testing a figure, then it is one of these: yes at 1, likert top box at 4
    (the figures of each type that the other thresholds do not match)."""
    restating = {
        (kind, threshold): restated
        for kind, cls in QUESTION_TYPES.items()
        for threshold in (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)
        if (restated := cls.share_agree_restates(threshold)) is not None
    }
    assert restating == {("yes_no", 1.0): ("share", "yes"), ("likert5", 4.0): ("top_box", None)}


def _question_classes() -> set[str]:
    """Names of every question class and alias that an isinstance check could name."""
    found, stack = {"QuestionBase", "ChoiceQuestion", "NumericQuestion"}, [QuestionBase]
    while stack:
        for subclass in stack.pop().__subclasses__():
            found.add(subclass.__name__)
            stack.append(subclass)
    return found


def _strings(node: ast.expr) -> set[str]:
    """The string literals of an operand: itself, or the items of a tuple, list or set."""
    items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    return {i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)}


def _type_switches(tree: ast.AST, classes: set[str]) -> list[ast.AST]:
    """Nodes that decide by a question's type name, its input name or its class.

    A comparison counts when it sets ``.type`` or ``.input`` against such a name, or names a
    type that means nothing else ("text" and "number" are also column kinds); isinstance and
    issubclass count when they name a question class.
    """
    names = set(QUESTION_TYPES) | {kind.input for kind in QUESTION_TYPES.values()}
    unambiguous = names - {"text", "number"}
    found: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            strings = set().union(*map(_strings, operands)) & names
            on_type = any(
                isinstance(o, ast.Attribute) and o.attr in ("type", "input") for o in operands
            )
            by_class = any(
                isinstance(o, ast.Name | ast.Attribute)
                and (o.id if isinstance(o, ast.Name) else o.attr) in classes
                for o in operands
            )
            if (strings and (on_type or strings & unambiguous)) or by_class:
                found.append(node)
        elif isinstance(node, ast.Match):
            cases = {
                pattern.value.value
                for case in node.cases
                for pattern in ast.walk(case.pattern)
                if isinstance(pattern, ast.MatchValue) and isinstance(pattern.value, ast.Constant)
            }
            if cases & unambiguous:
                found.append(node)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("isinstance", "issubclass")
            and len(node.args) == 2
        ):
            kinds = node.args[1]
            items = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
            if any(
                (i.id if isinstance(i, ast.Name) else i.attr) in classes
                for i in items
                if isinstance(i, ast.Name | ast.Attribute)
            ):
                found.append(node)
    return found


def type_switches_outside_the_types(root: Path) -> list[str]:
    """``path:line: code`` of every type switch in bot/ and surveys/ outside the definitions."""
    classes = _question_classes()
    offenders = []
    for package in ("bot", "surveys"):
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if relative.parts[:2] == ("surveys", "definitions"):
                continue
            source = path.read_text(encoding="utf-8")
            nodes = _type_switches(ast.parse(source, filename=str(path)), classes)
            for node in sorted(nodes, key=lambda n: getattr(n, "lineno", 0)):
                code = ast.get_source_segment(source, node)
                offenders.append(f"{relative}:{getattr(node, 'lineno', 0)}: {code}")
    return offenders


def test_nothing_outside_the_types_switches_on_a_question_type() -> None:
    """If code in bot/ or surveys/ (outside the definitions) compares a question's type or
    input with a type name, or asks isinstance of a question class, then this test names it:
    such behaviour belongs on the question classes, so that a new type touches only its class
    and its keyboard."""
    assert type_switches_outside_the_types(ROOT) == []


def test_the_type_switch_guard_sees_each_form_of_switch(tmp_path: Path) -> None:
    """If code switches on a type in any of the forms the guard knows, then it is named; column
    kinds and chat types called "text" or "private" are not."""
    package = tmp_path / "surveys"
    package.mkdir()
    (package / "switches.py").write_text(
        "a = question.type == 'multi'\n"
        "b = q.input != 'toggles'\n"
        "c = kind in ('likert5', 'scale')\n"
        "d = isinstance(q, (SingleQuestion, int))\n"
        "e = item.type not in ('number', 'text')\n"
        "match q.type:\n"
        "    case 'yes_no':\n"
        "        pass\n"
        "f = column.kind == 'text'\n"
        "g = chat.type != 'private'\n"
        "h = isinstance(q, dict)\n",
        encoding="utf-8",
    )
    lines = [int(o.split(":")[1]) for o in type_switches_outside_the_types(tmp_path)]
    assert lines == [1, 2, 3, 4, 5, 6]
