"""Survey definition models and the TOML loader: what loads, and how precisely errors point."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.definitions import (
    BUILTIN_LIKERT_LABELS,
    Likert5Question,
    MultiQuestion,
    SingleQuestion,
    SurveyDefinition,
    TextQuestion,
    YesNoQuestion,
    check_files,
    load_definition,
    parse_definition,
)
from surveys.errors import DefinitionError, DefinitionIssue, UnknownQuestionError

LANGS = ["en", "es"]

HEADER = """\
key = "demo"
version = 1
title = { en = "Demo", es = "Demo" }
intro = { en = "Hello", es = "Hola" }
"""

VALID = (
    HEADER
    + """
# comment
[[questions]]
id = "colour"
type = "single"
text = { en = "Colour?", es = "¿Color?" }
choices = [
    { code = "red", label = { en = "Red", es = "Rojo" } },
    { code = "blue", label = { en = "Blue", es = "Azul" } },
]

[[questions]]
id = "score"
type = "scale"
text = { en = "Score?", es = "¿Puntuación?" }
low_label = { en = "Low", es = "Bajo" }
high_label = { en = "High", es = "Alto" }
show_if = { question = "colour", equals = "red" }

[[questions]]
id = "note"
type = "text"
required = false
text = { en = "Note?", es = "¿Nota?" }

[[indices]]
key = "score"
method = "mean_rescaled"
title = { en = "Score", es = "Puntuación" }
items = ["score"]
"""
)


def parse(text: str, languages: list[str] | None = None) -> SurveyDefinition:
    return parse_definition(text, source="demo.toml", languages=languages or LANGS)


def issues_of(text: str, languages: list[str] | None = None) -> list[DefinitionIssue]:
    with pytest.raises(DefinitionError) as caught:
        parse(text, languages)
    assert caught.value.issues, "a DefinitionError always carries at least one issue"
    return caught.value.issues


def question(qid: str, kind: str, extra: str = "", text: str = "") -> str:
    """One [[questions]] table; ``text`` replaces the default bilingual text line."""
    text = text or f'text = {{ en = "{qid}?", es = "¿{qid}?" }}'
    return f'\n[[questions]]\nid = "{qid}"\ntype = "{kind}"\n{text}\n{extra}'


YES_NO = question("member", "yes_no")


def test_valid_definition_loads_with_defaults() -> None:
    """If a definition is valid, then it loads with defaults filled in (required, max_length)."""
    definition = parse(VALID)
    assert definition.key == "demo"
    assert definition.question_ids == ["colour", "score", "note"]
    colour = definition.question("colour")
    assert isinstance(colour, SingleQuestion)
    assert colour.required is True
    assert colour.codes == ["red", "blue"]
    note = definition.question("note")
    assert isinstance(note, TextQuestion)
    assert (note.required, note.max_length) == (False, 500)
    assert definition.numeric_question_ids == ["score"]
    assert definition.index("score").items == ["score"]


def test_unknown_question_lookup_raises_typed_error() -> None:
    """If a question id is not in the definition, then question() raises UnknownQuestionError."""
    with pytest.raises(UnknownQuestionError):
        parse(VALID).question("nope")


def test_content_hash_ignores_layout_comments_and_key_order() -> None:
    """If only layout, comments, key order or explicit defaults change, the hash stays the same."""
    relaid = (
        HEADER.replace("version = 1\n", "")
        + "version = 1 # moved\n"
        + VALID[len(HEADER) :]
        .replace("required = false\n", "")
        .replace('type = "text"', 'type = "text"\nrequired = false\nmax_length = 500')
        .replace("# comment\n", "\n\n")
    )
    assert parse(relaid).content_hash == parse(VALID).content_hash
    assert len(parse(VALID).content_hash) == 64


def test_content_hash_changes_with_content() -> None:
    """If any wording changes, then the content hash changes (a new stored version)."""
    changed = VALID.replace('"Colour?"', '"Favourite colour?"')
    assert parse(changed).content_hash != parse(VALID).content_hash


def test_json_round_trip_keeps_the_hash() -> None:
    """If a definition is stored as JSON and read back, then it is equal and hashes the same."""
    definition = parse(VALID)
    again = SurveyDefinition.model_validate_json(definition.canonical_json())
    assert again == definition
    assert again.content_hash == definition.content_hash


def test_multi_picks_default_and_builtin_labels() -> None:
    """If multi picks or likert/yes_no labels are not set, then built-in defaults apply."""
    text = (
        HEADER
        + question(
            "pets",
            "multi",
            'choices = [{ code = "cat", label = { en = "Cat", es = "Gato" } },'
            ' { code = "dog", label = { en = "Dog", es = "Perro" } }]',
        )
        + question("agree", "likert5")
        + YES_NO
    )
    definition = parse(text)
    pets = definition.question("pets")
    assert isinstance(pets, MultiQuestion)
    assert pets.picks_range == (1, 2)
    agree = definition.question("agree")
    assert isinstance(agree, Likert5Question)
    assert agree.labels_for("es") == BUILTIN_LIKERT_LABELS["es"]
    member = definition.question("member")
    assert isinstance(member, YesNoQuestion)
    assert member.labels_for("es") == ("Sí", "No")


def test_extra_languages_in_the_file_are_allowed() -> None:
    """If the file has more languages than configured, then it loads for the configured ones."""
    assert parse(VALID, ["en"]).title["es"] == "Demo"


def test_issue_string_names_file_line_and_question() -> None:
    """If an issue has a line and a question, then str() is 'path:line: [question q] message'."""
    issue = DefinitionIssue("s.toml", 7, "q1", "boom")
    assert str(issue) == "s.toml:7: [question q1] boom"
    assert str(DefinitionIssue("s.toml", None, None, "boom")) == "s.toml: boom"
    error = DefinitionError([issue, DefinitionIssue("s.toml", 9, None, "bang")])
    assert str(error).splitlines() == ["s.toml:7: [question q1] boom", "s.toml:9: bang"]


# Each case: a broken document, the line and question the first matching issue must carry, and
# words its message must contain.
ERROR_CASES = [
    pytest.param(
        HEADER + '\n[[questions]]\nid = "a"\ntype = "text\n',
        8,
        None,
        ["TOML syntax error"],
        id="toml-syntax",
    ),
    pytest.param(
        HEADER + question("a", "ranking"),
        8,
        "a",
        ["unknown question type 'ranking'"],
        id="unknown-type",
    ),
    pytest.param(
        HEADER + question("a", "text") + question("a", "text"),
        12,
        "a",
        ["duplicate question id 'a'", "line 7"],
        id="duplicate-id",
    ),
    pytest.param(
        HEADER
        + question(
            "a",
            "single",
            "choices = [\n"
            '  { code = "x", label = { en = "X", es = "X" } },\n'
            '  { code = "x", label = { en = "Y", es = "Y" } },\n'
            "]",
        ),
        12,
        "a",
        ["duplicate choice code 'x'"],
        id="duplicate-choice-code",
    ),
    pytest.param(
        HEADER + question("a", "text", 'show_if = { question = "zz", answered = true }'),
        10,
        "a",
        ["unknown question 'zz'"],
        id="show-if-unknown",
    ),
    pytest.param(
        HEADER
        + question("a", "text", 'show_if = { question = "b", answered = true }')
        + question("b", "text"),
        10,
        "a",
        ["'b', which comes later"],
        id="show-if-later",
    ),
    pytest.param(
        HEADER + question("a", "text", 'show_if = { question = "a", answered = true }'),
        10,
        "a",
        ["itself"],
        id="show-if-same",
    ),
    pytest.param(
        HEADER + question("a", "text", text='text = { en = "A?" }'),
        9,
        "a",
        ["missing translation 'es'", "question text"],
        id="missing-translation",
    ),
    pytest.param(
        HEADER.replace('intro = { en = "Hello", es = "Hola" }', 'intro = { en = "Hello" }')
        + question("a", "text"),
        4,
        None,
        ["missing translation 'es'", "intro"],
        id="missing-translation-intro",
    ),
    pytest.param(
        HEADER
        + question(
            "a",
            "single",
            'choices = [{ code = "x", label = { en = "X" } },'
            ' { code = "y", label = { en = "Y", es = "Y" } }]',
        ),
        10,
        "a",
        ["missing translation 'es'", "choice 'x'"],
        id="missing-translation-choice",
    ),
    pytest.param(
        HEADER + question("a", "text") + '\n[[indices]]\nkey = "i"\nmethod = "mean_rescaled"\n'
        'title = { en = "I", es = "I" }\nitems = ["a"]\n',
        15,
        None,
        ["index 'i'", "'a' is a text question"],
        id="index-non-numeric",
    ),
    pytest.param(
        HEADER + question("a", "likert5") + '\n[[indices]]\nkey = "i"\nmethod = "mean_rescaled"\n'
        'title = { en = "I", es = "I" }\nitems = ["a", "ghost"]\n',
        15,
        None,
        ["unknown question 'ghost'"],
        id="index-unknown-question",
    ),
    pytest.param(
        HEADER + question("a", "likert5") + '\n[[indices]]\nkey = "i"\nmethod = "share_agree"\n'
        'title = { en = "I", es = "I" }\nitems = ["a"]\nthreshold = 9\n',
        16,
        None,
        ["threshold 9 is outside"],
        id="index-threshold-range",
    ),
    pytest.param(
        HEADER
        + question(
            "a",
            "single",
            "choices = [\n"
            + "".join(
                f'  {{ code = "c{n}", label = {{ en = "C", es = "C" }} }},\n' for n in range(21)
            )
            + "]",
        ),
        10,
        "a",
        ["21 choices", "at most 20"],
        id="too-many-choices",
    ),
    pytest.param(
        HEADER
        + question(
            "a",
            "single",
            f'choices = [{{ code = "x", label = {{ en = "{"L" * 65}", es = "X" }} }},'
            ' { code = "y", label = { en = "Y", es = "Y" } }]',
        ),
        10,
        "a",
        ["65 characters", "at most 64"],
        id="label-too-long",
    ),
    pytest.param(
        HEADER + question("a", "text", text=f'text = {{ en = "{"T" * 3501}", es = "T" }}'),
        9,
        "a",
        ["3501 characters", "at most 3500"],
        id="question-text-too-long",
    ),
    pytest.param(
        HEADER + "titel = 'x'\n" + question("a", "text"),
        5,
        None,
        ["unknown key 'titel'", "did you mean 'title'"],
        id="unknown-top-key",
    ),
    pytest.param(
        HEADER + question("a", "text", "requird = false"),
        10,
        "a",
        ["unknown key 'requird'", "did you mean 'required'"],
        id="unknown-question-key",
    ),
    pytest.param(
        HEADER + question("a", "text", "min_picks = 1"),
        10,
        "a",
        ["unknown key 'min_picks'", "not used by this question type"],
        id="key-of-another-type",
    ),
    pytest.param(
        HEADER
        + question(
            "a",
            "single",
            "choices = [\n"
            '  { code = "x", label = { en = "X", es = "X" } },\n'
            '  { code = "y", lable = { en = "Y", es = "Y" } },\n'
            "]",
        ),
        12,
        "a",
        ["unknown key 'choices[1].lable'"],
        id="unknown-choice-key",
    ),
    pytest.param(
        HEADER + YES_NO + question("a", "text", 'show_if = { question = "member", equal = true }'),
        15,
        "a",
        ["unknown key 'show_if.equal'", "did you mean 'equals'"],
        id="unknown-condition-key",
    ),
    pytest.param(
        HEADER + question("a", "text", 'required = "no"'),
        10,
        "a",
        ["'required' must be true or false, not a string"],
        id="wrong-type-bool",
    ),
    pytest.param(
        HEADER + question("a", "number", 'min = "0"\nmax = 10'),
        10,
        "a",
        ["'min' must be a number, not a string"],
        id="wrong-type-number",
    ),
    pytest.param(
        HEADER + question("a", "text", "max_length = 5000"),
        10,
        "a",
        ["'max_length'", "3000", "got 5000"],
        id="text-max-length",
    ),
    pytest.param(
        HEADER + question("a", "scale"),
        6,
        "a",
        ["missing key 'low_label'"],
        id="missing-key",
    ),
    pytest.param(
        HEADER + question("Bad-Id", "text"),
        7,
        "Bad-Id",
        ["'id' must start with a lowercase letter"],
        id="bad-question-id",
    ),
    pytest.param(
        HEADER + YES_NO + question("a", "text", 'show_if = { question = "member", equals = 1 }'),
        15,
        "a",
        ["compared with true or false"],
        id="show-if-type-mismatch",
    ),
    pytest.param(
        HEADER + YES_NO + question("a", "text", 'show_if = { question = "member", less_than = 1 }'),
        15,
        "a",
        ["'less_than' needs a numeric question"],
        id="show-if-less-than-non-numeric",
    ),
    pytest.param(
        HEADER + YES_NO + question("a", "text", 'show_if = { question = "member" }'),
        15,
        "a",
        ["exactly one of equals"],
        id="show-if-no-operator",
    ),
    pytest.param(
        HEADER
        + YES_NO
        + question(
            "a",
            "text",
            'show_if = { any = [{ question = "member", equals = true },'
            ' { question = "nobody", answered = true }] }',
        ),
        15,
        "a",
        ["unknown question 'nobody'"],
        id="show-if-nested-unknown",
    ),
    pytest.param(
        HEADER
        + question(
            "a",
            "multi",
            'min_picks = 3\nchoices = [{ code = "x", label = { en = "X", es = "X" } },'
            ' { code = "y", label = { en = "Y", es = "Y" } }]',
        ),
        10,
        "a",
        ["'min_picks' must not exceed 'max_picks'"],
        id="multi-picks",
    ),
    pytest.param(
        HEADER + question("a", "likert5", 'labels = { en = ["1", "2", "3"], es = ["1"] }'),
        10,
        "a",
        ["labels 'en' must list 5 labels, has 3"],
        id="likert-label-count",
    ),
    pytest.param(
        HEADER.replace("version = 1\n", ""),
        None,
        None,
        ["missing key 'version'"],
        id="missing-version",
    ),
]


@pytest.mark.parametrize(("text", "line", "qid", "words"), ERROR_CASES)
def test_loader_errors_point_at_the_line(
    text: str, line: int | None, qid: str | None, words: list[str]
) -> None:
    """If a definition is broken, then an issue names the line, the question and the reason."""
    issues = issues_of(text)
    matching = [issue for issue in issues if all(word in issue.message for word in words)]
    assert matching, f"no issue mentions {words}: {[str(issue) for issue in issues]}"
    assert (matching[0].line, matching[0].question_id) == (line, qid), str(matching[0])
    assert matching[0].source == "demo.toml"


def test_all_issues_of_a_file_are_collected() -> None:
    """If a file has several unrelated problems, then every one of them is reported, by line."""
    text = (
        HEADER.replace('key = "demo"', 'key = "Demo Survey"')
        + question("a", "text", "requird = true")
        + question("a", "single", 'choices = [{ code = "x", label = { en = "X" } }]')
        + question("b", "likert5", 'show_if = { question = "zz", answered = true }')
    )
    issues = issues_of(text)
    messages = " | ".join(str(issue) for issue in issues)
    for expected in ("'key'", "requird", "duplicate question id", "at least 2 choices", "zz"):
        assert expected in messages
    lines = [issue.line or 0 for issue in issues]
    assert lines == sorted(lines)


def test_a_language_without_builtin_labels_needs_explicit_labels() -> None:
    """If a configured language has no built-in likert labels, then 'labels' are required."""
    text = HEADER.replace('es = "Demo" }', 'es = "Demo", fr = "Démo" }')
    text = text.replace('es = "Hola" }', 'es = "Hola", fr = "Salut" }')
    text += question("a", "likert5", text='text = { en = "A", es = "A", fr = "A" }')
    issues = issues_of(text, ["en", "es", "fr"])
    assert any("'fr'" in issue.message and "labels" in issue.message for issue in issues)
    labelled = (
        text + '\nlabels = { en = ["1", "2", "3", "4", "5"], es = ["1", "2", "3", "4", "5"] }'
    )
    issues = issues_of(labelled, ["en", "es", "fr"])
    assert any("missing translation 'fr' for labels" in issue.message for issue in issues)


def test_lines_are_found_in_inline_and_sub_table_layouts() -> None:
    """If questions or choices use inline arrays or [[questions.choices]], lines are still right."""
    inline = (
        HEADER
        + "questions = [\n"
        + '  { id = "a", type = "text", text = { en = "A", es = "A" } },\n'
        + '  { id = "a", type = "text", text = { en = "B", es = "B" } },\n'
        + "]\n"
    )
    (issue,) = issues_of(inline)
    assert (issue.line, issue.message) == (7, "duplicate question id 'a' (first used on line 6)")
    sub_tables = (
        HEADER
        + question("a", "single")
        + '\n[[questions.choices]]\ncode = "x"\nlabel = { en = "X", es = "X" }\n'
        + '\n[[questions.choices]]\ncode = "x"\nlabel = { en = "X" }\n'
    )
    issues = issues_of(sub_tables)
    found = {issue.message: issue.line for issue in issues}
    assert found["duplicate choice code 'x'"] == 16
    assert found["missing translation 'es' for choice 'x'"] == 17


def test_multi_line_strings_do_not_shift_lines() -> None:
    """If a text spans several lines, then later issues still carry their true line numbers."""
    text = (
        HEADER
        + question(
            "a", "text", text="text.en = \"\"\"A\nlong\nquestion\"\"\"\ntext.es = '''B\nB'''"
        )
        + question("b", "text", "colour = 1")
    )
    (issue,) = issues_of(text)
    assert (issue.line, issue.question_id) == (19, "b")


def test_end_of_document_syntax_error_has_a_line() -> None:
    """If the TOML ends in the middle of a value, then the issue points at the end of the file."""
    (issue,) = issues_of(HEADER + "x = [1,\n2,\n")
    assert issue.line == 7
    assert "TOML syntax error" in issue.message


def test_check_files_reports_every_file(tmp_path: Path) -> None:
    """If some files are broken, then check_files returns their issues and nothing for good ones."""
    good = tmp_path / "good.toml"
    good.write_text(VALID, encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(VALID.replace('type = "scale"', 'type = "slider"'), encoding="utf-8")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'key = "x"\n\xff\xfe')
    missing = tmp_path / "missing.toml"
    assert check_files([good], LANGS) == []
    issues = check_files([good, bad, binary, missing], LANGS)
    assert [issue.source for issue in issues] == [str(bad), str(binary), str(missing)]
    assert "slider" in issues[0].message
    assert (issues[1].line, issues[1].message) == (2, "the file is not UTF-8 text")
    assert issues[2].message.startswith("cannot read")


def test_load_definition_reads_a_file(tmp_path: Path) -> None:
    """If a file is valid, then load_definition returns the same model as parsing its text."""
    path = tmp_path / "demo.toml"
    path.write_text(VALID, encoding="utf-8")
    assert load_definition(path, LANGS).content_hash == parse(VALID).content_hash
