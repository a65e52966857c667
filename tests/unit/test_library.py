"""The built-in survey library: every file loads in English and Spanish with the agreed items."""

from __future__ import annotations

import pytest

from surveys.definitions import (
    Likert5Question,
    MeanRescaledIndex,
    MultiQuestion,
    ScaleQuestion,
    ShareAgreeIndex,
    SingleQuestion,
    SurveyDefinition,
)
from surveys.engine import visible_questions
from surveys.errors import DefinitionError
from surveys.library import builtin_keys, library_path, load_builtin

LANGS = ["en", "es"]


def types_of(definition: SurveyDefinition) -> dict[str, str]:
    return {question.id: question.type for question in definition.questions}


def test_builtin_keys_match_the_files() -> None:
    """If the library is listed, then it holds exactly the three shipped surveys."""
    assert builtin_keys() == ["community-trust-safety", "event-feedback", "report-followup"]
    for key in builtin_keys():
        assert library_path(key).name == f"{key}.toml"
        assert load_builtin(key, LANGS).key == key


def test_unknown_builtin_is_a_definition_error() -> None:
    """If a built-in key does not exist, then DefinitionError lists the available keys."""
    with pytest.raises(DefinitionError, match="event-feedback"):
        library_path("no-such-survey")


def test_community_trust_safety_structure() -> None:
    """If the core trust survey loads, then it has the comparable items, types and indices."""
    definition = load_builtin("community-trust-safety", LANGS)
    assert types_of(definition) == {
        "safety": "scale",
        "respect": "scale",
        "listen": "scale",
        "job": "single",
        "rely": "likert5",
        "fair": "likert5",
        "understand": "likert5",
        "deal": "likert5",
        "confidence": "likert5",
        "concerns": "multi",
        "top_problem": "text",
        "meeting": "yes_no",
        "meeting_useful": "likert5",
    }
    safety = definition.question("safety")
    assert isinstance(safety, ScaleQuestion)
    assert safety.text["en"] == "How safe do you feel from crime in your neighbourhood?"
    assert (safety.low_label["en"], safety.high_label["en"]) == (
        "Not at all safe",
        "Completely safe",
    )
    job = definition.question("job")
    assert isinstance(job, SingleQuestion)
    assert job.codes == ["excellent", "good", "fair", "poor", "very_poor"]
    concerns = definition.question("concerns")
    assert isinstance(concerns, MultiQuestion)
    assert concerns.codes == [
        "burglary",
        "vehicle_crime",
        "antisocial_behaviour",
        "drugs",
        "violence",
        "traffic_speeding",
        "vandalism_graffiti",
        "scams_fraud",
        "other",
    ]
    assert concerns.picks_range == (1, 3)
    assert definition.question("top_problem").required is False
    useful = definition.question("meeting_useful")
    assert isinstance(useful, Likert5Question)
    assert useful.labels_for("en")[0] == "Not at all useful"
    assert useful.labels_for("es")[-1] == "Extremadamente útil"

    indices = {index.key: index for index in definition.indices}
    assert list(indices) == ["safety", "trust", "confidence"]
    assert isinstance(indices["safety"], MeanRescaledIndex)
    assert indices["safety"].items == ["safety"]
    assert isinstance(indices["trust"], MeanRescaledIndex)
    assert indices["trust"].items == ["respect", "listen"]
    confidence = indices["confidence"]
    assert isinstance(confidence, ShareAgreeIndex)
    assert (confidence.items, confidence.threshold) == (["confidence"], 4)


def test_meeting_usefulness_is_asked_only_after_a_meeting() -> None:
    """If the resident attended no meeting, then the usefulness question is not shown."""
    definition = load_builtin("community-trust-safety", LANGS)
    shown = [question.id for question in visible_questions(definition, {"meeting": True})]
    assert "meeting_useful" in shown
    hidden = [question.id for question in visible_questions(definition, {"meeting": False})]
    assert "meeting_useful" not in hidden


def test_event_feedback_structure() -> None:
    """If the event survey loads, then it asks whether the resident attended, how useful it was
    (only if they attended), whether they would come again, and optional comments."""
    definition = load_builtin("event-feedback", LANGS)
    assert types_of(definition) == {
        "attended": "yes_no",
        "useful": "likert5",
        "again": "yes_no",
        "comments": "text",
    }
    useful = definition.question("useful")
    assert isinstance(useful, Likert5Question) and useful.labels is not None
    assert definition.question("comments").required is False
    shown = [question.id for question in visible_questions(definition, {"attended": False})]
    assert "useful" not in shown and "again" in shown


def test_report_followup_structure() -> None:
    """If the follow-up survey loads, then 'fixed' offers yes, no and don't know."""
    definition = load_builtin("report-followup", LANGS)
    assert types_of(definition) == {"fixed": "single", "comment": "text"}
    fixed = definition.question("fixed")
    assert isinstance(fixed, SingleQuestion)
    assert fixed.codes == ["yes", "no", "dont_know"]
    assert fixed.text["es"] == "¿Se ha resuelto este problema?"


@pytest.mark.parametrize("key", builtin_keys())
def test_an_unconfigured_language_is_named(key: str) -> None:
    """If a community configures a language the library lacks, then loading names it."""
    with pytest.raises(DefinitionError) as caught:
        load_builtin(key, ["en", "es", "fr"])
    assert caught.value.issues
    assert all("'fr'" in issue.message for issue in caught.value.issues)


@pytest.mark.parametrize("key", builtin_keys())
def test_spanish_is_a_translation_not_a_copy(key: str) -> None:
    """If a question is shown in Spanish, then its text is not the English text."""
    definition = load_builtin(key, LANGS)
    for question in definition.questions:
        assert question.text["es"] != question.text["en"], question.id
    assert definition.intro["es"] != definition.intro["en"]
