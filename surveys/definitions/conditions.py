"""Skip logic: ``show_if`` conditions on earlier answers, and their evaluation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from surveys.definitions.base import Number, Scalar, StrictModel
from surveys.definitions.reading import AnswerValue


class ValueCondition(StrictModel):
    """A test on one earlier answer; exactly one operator is set."""

    question: str
    equals: Scalar | None = None
    one_of: list[Scalar] | None = None
    less_than: Number | None = None
    greater_than: Number | None = None
    answered: bool | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> ValueCondition:
        if len(self.operators()) != 1:
            raise PydanticCustomError(
                "condition_operator",
                "needs exactly one of equals, one_of, less_than, greater_than, answered",
            )
        return self

    def operators(self) -> list[str]:
        """Names of the operators that are set (a valid condition has exactly one)."""
        names = ("equals", "one_of", "less_than", "greater_than", "answered")
        return [name for name in names if getattr(self, name) is not None]


class AllCondition(StrictModel):
    """True when every inner condition is true."""

    all: list[Condition] = Field(min_length=1)


class AnyCondition(StrictModel):
    """True when at least one inner condition is true."""

    any: list[Condition] = Field(min_length=1)


def _condition_kind(value: Any) -> str:
    """Pick the condition model from the keys present, so errors name the right fields."""
    if isinstance(value, dict):
        if "all" in value:
            return "all-condition"
        if "any" in value:
            return "any-condition"
        return "value-condition"
    if isinstance(value, AllCondition):
        return "all-condition"
    if isinstance(value, AnyCondition):
        return "any-condition"
    return "value-condition"


Condition = Annotated[
    Annotated[ValueCondition, Tag("value-condition")]
    | Annotated[AllCondition, Tag("all-condition")]
    | Annotated[AnyCondition, Tag("any-condition")],
    Discriminator(_condition_kind),
]

TAGS = frozenset({"value-condition", "all-condition", "any-condition"})

AllCondition.model_rebuild()
AnyCondition.model_rebuild()


def iter_conditions(
    condition: ValueCondition | AllCondition | AnyCondition,
) -> Iterator[ValueCondition]:
    """Yield the leaf conditions of a (possibly nested) show_if."""
    if isinstance(condition, ValueCondition):
        yield condition
        return
    inner = condition.all if isinstance(condition, AllCondition) else condition.any
    for item in inner:
        yield from iter_conditions(item)


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


def holds(
    condition: ValueCondition | AllCondition | AnyCondition, known: Mapping[str, AnswerValue]
) -> bool:
    """Evaluate show_if on the answers of visible questions; unanswered never matches a value."""
    if isinstance(condition, AllCondition):
        return all(holds(inner, known) for inner in condition.all)
    if isinstance(condition, AnyCondition):
        return any(holds(inner, known) for inner in condition.any)
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
