"""Survey definitions: models whose question types own their behaviour, and a checked loader.

- ``base``: limits, local text and the strict model every part uses;
- ``reading``: how typed text becomes numbers and words;
- ``conditions``: show_if skip logic;
- ``questions``: the question types (parsing, buttons, stored form, labels, their own checks);
- ``survey``: indices and the whole definition;
- ``locator`` and ``checker``: the TOML loader with file/line-precise errors.
"""

from surveys.definitions.base import LocalText, local
from surveys.definitions.checker import check_files, load_definition, parse_definition
from surveys.definitions.conditions import (
    AllCondition,
    AnyCondition,
    Condition,
    ValueCondition,
    holds,
    iter_conditions,
)
from surveys.definitions.locator import TomlLocator
from surveys.definitions.questions import (
    BUILTIN_LIKERT_LABELS,
    BUILTIN_YES_NO_LABELS,
    QUESTION_TYPES,
    Button,
    Choice,
    ChoiceQuestion,
    Hint,
    Likert5Question,
    MultiQuestion,
    NumberQuestion,
    NumericQuestion,
    Option,
    Question,
    QuestionBase,
    ScaleQuestion,
    SingleQuestion,
    StoredForm,
    TextQuestion,
    YesNoQuestion,
)
from surveys.definitions.reading import AnswerValue
from surveys.definitions.survey import (
    Index,
    MeanRescaledIndex,
    ShareAgreeIndex,
    SurveyDefinition,
)
from surveys.errors import DefinitionError, DefinitionIssue

__all__ = [
    "BUILTIN_LIKERT_LABELS",
    "BUILTIN_YES_NO_LABELS",
    "QUESTION_TYPES",
    "AllCondition",
    "AnswerValue",
    "AnyCondition",
    "Button",
    "Choice",
    "ChoiceQuestion",
    "Condition",
    "DefinitionError",
    "DefinitionIssue",
    "Hint",
    "Index",
    "Likert5Question",
    "LocalText",
    "MeanRescaledIndex",
    "MultiQuestion",
    "NumberQuestion",
    "NumericQuestion",
    "Option",
    "Question",
    "QuestionBase",
    "ScaleQuestion",
    "ShareAgreeIndex",
    "SingleQuestion",
    "StoredForm",
    "SurveyDefinition",
    "TextQuestion",
    "TomlLocator",
    "ValueCondition",
    "YesNoQuestion",
    "check_files",
    "holds",
    "iter_conditions",
    "load_definition",
    "local",
    "parse_definition",
]
