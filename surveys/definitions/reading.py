"""How typed text is read: numbers as the resident's language writes them, words loosely.

Residents type on phones: autocorrect adds spaces, keyboards insert invisible characters, and
languages write numbers differently ("7,5" in Spanish, "7.5" in English, "١٢" in Arabic). Reading
is strict where a mistake would change the stored value ("4 2" is not 42) and loose where it
cannot (case, accents, surrounding space).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypeAlias

AnswerValue: TypeAlias = str | int | float | bool | list[str] | None
"""One stored answer; ``None`` marks an optional question that was skipped.

single -> code, multi -> codes in choice order, likert5/scale -> int, yes_no -> bool,
number -> int (or float when ``integer = false``), text -> str.
"""

# Languages that write 7,5 for seven and a half (and 1.000 for a thousand).
_DECIMAL_COMMA = frozenset({"es", "fr", "de", "it", "pt", "nl", "ca", "ru", "uk", "pl", "tr"})
# Spaces a keyboard may put between groups of thousands ("12 000").
_GROUP_SPACES = " \u00a0\u202f\u2009"
_MINUS = "\u2212\u2012\u2013\ufe63\uff0d"
_MAX_NUMBER_TEXT = 40


def _invisible(char: str) -> bool:
    """Whitespace, control and format characters (zero-width space, BOM, direction marks)."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def visible_text(text: str) -> str:
    """The text without invisible characters at either end; "" if nothing visible is left."""
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def is_blank(raw: object) -> bool:
    """No answer at all: None, or text with nothing visible in it."""
    return raw is None or (isinstance(raw, str) and not visible_text(raw))


def fold(text: str) -> str:
    """Compare typed words loosely: case, accents and surrounding space do not matter."""
    decomposed = unicodedata.normalize("NFKD", visible_text(text))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def uses_decimal_comma(language: str | None) -> bool:
    return language is not None and language.split("-")[0].split("_")[0].lower() in _DECIMAL_COMMA


def _ascii_digits(text: str) -> str:
    """Any Unicode decimal digit (Arabic-Indic, Devanagari, full-width ...) as 0-9."""
    return "".join(
        str(unicodedata.decimal(char)) if unicodedata.decimal(char, None) is not None else char
        for char in text
    )


def read_number(text: str, language: str | None) -> int | float | None:
    """One number with an optional sign, as ``language`` writes it; None if it is not one.

    Accepted: surrounding space, a leading + or minus sign, the language's decimal mark (both
    marks in decimal-comma languages), thousands grouped by the language's separator or a space
    in groups of exactly three digits. Refused: anything else, e.g. "4 2", "5-", "1e3", "½".
    """
    compact = _ascii_digits(visible_text(text))
    if not compact or len(compact) > _MAX_NUMBER_TEXT:
        return None
    for minus in _MINUS:
        compact = compact.replace(minus, "-")
    comma = uses_decimal_comma(language)
    group, decimal = (".", ",") if comma else (",", ".")
    separators = re.escape(group + _GROUP_SPACES)
    grouped = re.fullmatch(
        rf"([+-]?)(\d{{1,3}}(?:[{separators}]\d{{3}})+)({re.escape(decimal)}\d+)?", compact
    )
    if grouped:
        digits = re.sub(rf"[{separators}]", "", grouped.group(2))
        compact = grouped.group(1) + digits + (grouped.group(3) or "").replace(decimal, ".")
    elif comma:
        compact = compact.replace(",", ".")
    if re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", compact) is None:
        return None
    return float(compact) if "." in compact else int(compact)
