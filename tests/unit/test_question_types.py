"""Question types own their behaviour: every type keeps the same contract, so the keyboard, the
store, exports and reports can treat questions alike without asking for their type."""

from __future__ import annotations

import json
import random

import pytest

from bot.texts import Catalogue
from surveys.definitions import (
    QUESTION_TYPES,
    MultiQuestion,
    QuestionBase,
    SurveyDefinition,
    parse_definition,
)
from surveys.errors import NotAChoiceError, TooManyPicksError
from surveys.library import builtin_keys, load_builtin

LANGUAGES = ["en", "es"]

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


def test_the_contract_covers_every_question_type() -> None:
    """If a question type is added, then it appears in this module's definition (and so every
    contract below runs on it)."""
    assert {q.type for q in EVERY_TYPE.questions} == set(QUESTION_TYPES)


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
