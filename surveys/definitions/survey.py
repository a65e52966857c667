"""A whole survey definition: texts per language, ordered questions, and indices."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import Field

from surveys.definitions.base import (
    QUESTION_ID_PATTERN,
    SURVEY_KEY_PATTERN,
    LocalText,
    Number,
    StrictModel,
    Version,
)
from surveys.definitions.questions import Question
from surveys.errors import UnknownQuestionError


class MeanRescaledIndex(StrictModel):
    """Mean of the items, each rescaled to 0-100 over its own range (``reversed`` ones flipped)."""

    key: Annotated[str, Field(pattern=QUESTION_ID_PATTERN)]
    title: LocalText
    method: Literal["mean_rescaled"] = "mean_rescaled"
    items: list[str]
    reversed: list[str] = Field(default_factory=list)
    min_items: int | None = None

    @property
    def required_items(self) -> int:
        """How many items a respondent must have answered for the index to exist."""
        return len(self.items) if self.min_items is None else self.min_items


class ShareAgreeIndex(StrictModel):
    """Share of respondents whose single item is at least ``threshold`` (yes counts as 1)."""

    key: Annotated[str, Field(pattern=QUESTION_ID_PATTERN)]
    title: LocalText
    method: Literal["share_agree"] = "share_agree"
    items: list[str]
    threshold: Number | None = None


Index = Annotated[MeanRescaledIndex | ShareAgreeIndex, Field(discriminator="method")]
INDEX_METHODS: dict[str, type[StrictModel]] = {
    "mean_rescaled": MeanRescaledIndex,
    "share_agree": ShareAgreeIndex,
}


# --- the definition ---------------------------------------------------------------------------


class SurveyDefinition(StrictModel):
    """A whole survey: texts per language, ordered questions with skip logic, and indices."""

    key: Annotated[str, Field(pattern=SURVEY_KEY_PATTERN)]
    version: Version
    title: LocalText
    intro: LocalText
    questions: list[Question] = Field(min_length=1)
    indices: list[Index] = Field(default_factory=list)

    @classmethod
    def from_stored(cls, definition_json: str) -> SurveyDefinition:
        """The definition a survey version was stored with (its :meth:`canonical_json`).

        Stored definitions were checked when registered, so they are read without the
        community's language checks: a round keeps the exact definition it was answered on.
        """
        return cls.model_validate_json(definition_json)

    def canonical_json(self) -> str:
        """A JSON dump that depends only on content, not on TOML layout, key order or comments."""
        return json.dumps(
            self.model_dump(mode="json"),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @property
    def content_hash(self) -> str:
        """sha256 hex of :meth:`canonical_json`; the store versions definitions by it."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    @property
    def question_ids(self) -> list[str]:
        return [question.id for question in self.questions]

    @property
    def numeric_question_ids(self) -> list[str]:
        """Ids of questions with a numeric range (likert5, scale, number)."""
        return [q.id for q in self.questions if q.numeric]

    def question(self, question_id: str) -> Question:
        """The question with this id; ``UnknownQuestionError`` for a stale or forged id."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise UnknownQuestionError(question_id)

    def position(self, question_id: str) -> int:
        """0-based position of the question in the definition."""
        for position, question in enumerate(self.questions):
            if question.id == question_id:
                return position
        raise UnknownQuestionError(question_id)

    def index(self, key: str) -> MeanRescaledIndex | ShareAgreeIndex:
        """The index with this key (KeyError if absent)."""
        for index in self.indices:
            if index.key == key:
                return index
        raise KeyError(key)
