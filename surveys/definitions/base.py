"""What every part of a survey definition shares: limits, local text, strict models."""

from __future__ import annotations

import math
from typing import Annotated, TypeAlias

from pydantic import BaseModel, ConfigDict, PlainValidator
from pydantic_core import PydanticCustomError

SURVEY_KEY_PATTERN = r"^[a-z0-9-]{1,64}$"
QUESTION_ID_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
CHOICE_CODE_PATTERN = r"^[a-z0-9_-]{1,24}$"

# Telegram: a message holds 4096 characters; the question text shares it with the progress line
# and the scale labels, and a button shows about 64 characters before clients cut it.
MAX_QUESTION_TEXT = 3500
MAX_INTRO_TEXT = 3500
MAX_TITLE_TEXT = 256
MAX_LABEL = 64
MAX_CHOICES = 20
MAX_TEXT_ANSWER = 3000

LocalText: TypeAlias = dict[str, str]
"""Text per language code, e.g. ``{"en": "...", "es": "..."}``."""


def local(text: LocalText, language: str) -> str:
    """The text in ``language``, else in the first language the definition has.

    The one fallback rule for every label shown or exported: a definition checked for the
    community's languages always has them, so the fallback only serves other languages.
    """
    return text.get(language) or next(iter(text.values()), "")


def _scalar(value: object) -> str | int | float | bool:
    """Accept exactly one TOML scalar (string, number, boolean), so conditions stay comparable."""
    if isinstance(value, str | bool | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise PydanticCustomError("scalar_type", "must be a string, a number or true/false")


def _number(value: object) -> int | float:
    """Accept an int or a finite float but not a boolean (TOML ``true`` is not 1)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number_type", "must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("number_type", "must be a finite number")
    return value


def _version(value: object) -> str | int:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    raise PydanticCustomError("version_type", "must be a string or an integer")


Scalar = Annotated[str | int | float | bool, PlainValidator(_scalar)]
Number = Annotated[int | float, PlainValidator(_number)]
Version = Annotated[str | int, PlainValidator(_version)]


class StrictModel(BaseModel):
    """Strict and closed: a typo in a key or a quoted number is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
