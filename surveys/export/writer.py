"""What every format writer does, and the cell rules they share.

A writer receives, in order: the README (method note and column list), the codebook and the
aggregate tables as small lists of rows, then the stream of anonymous responses, which it
writes in long form (one row per answer) and, where the format has it, wide form (one row per
response). ``close`` returns the files written.

Text that residents typed is data, never code: the CSV writer defuses spreadsheet formulas
(:func:`csv_text`), the XLSX writer writes every text as an inline string, which a spreadsheet
never evaluates, and escapes characters XML cannot carry (:func:`xml_text`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from surveys.export.columns import Table
from surveys.export.raw import Response, WideLayout
from surveys.export.tables import Row

__all__ = [
    "FORMULA_TRIGGERS",
    "Progress",
    "Writer",
    "csv_text",
    "local_time",
    "xml_text",
]

Progress = Callable[[int], None]
"""Called with the number of answer rows just written."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""First characters that make a spreadsheet read a CSV cell as a formula (OWASP "CSV
injection", plus the full-width forms some spreadsheets accept)."""


class Writer(Protocol):
    def readme(self, lines: Sequence[str], tables: Sequence[Table]) -> None: ...

    def table(self, table: Table, rows: Sequence[Row]) -> None: ...

    def responses(
        self, responses: Iterable[Response], layout: WideLayout, progress: Progress | None
    ) -> int: ...

    def close(self) -> list[Path]: ...


def local_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` in the community's time zone, to the second."""
    return moment.astimezone(zone).replace(microsecond=0)


def iso(value: datetime | date, zone: ZoneInfo) -> str:
    """ISO 8601: a date, or a local time with its UTC offset."""
    if isinstance(value, datetime):
        return local_time(value, zone).isoformat()
    return value.isoformat()


def csv_text(text: str) -> str:
    """A CSV cell holding ``text`` as text: quoted, with a leading ``'`` when the text would
    otherwise start a formula (``=HYPERLINK(...)`` stays visible as typed, never runs)."""
    if text.startswith(FORMULA_TRIGGERS):
        text = "'" + text
    return '"' + text.replace('"', '""') + '"'


_XML_SPECIAL = re.compile(
    r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_"
)
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
XLSX_MAX_TEXT = 32_767


def _escape(match: re.Match[str]) -> str:
    found = match.group(0)
    if found in _XML_ESCAPES:
        return _XML_ESCAPES[found]
    if found.startswith("_x"):
        return "_x005F_" + found[1:]  # a literal "_xHHHH_" must not read as an escape
    code = ord(found)
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"  # a lone surrogate cannot be written in UTF-8 at all
    return f"_x{code:04X}_"  # OOXML's escape for characters XML 1.0 cannot hold


def xml_text(text: str) -> str:
    """``text`` for an XLSX text node: XML-escaped, control characters as ``_xHHHH_`` (Excel
    shows them as typed), within Excel's 32,767 characters per cell."""
    if len(text) > XLSX_MAX_TEXT:
        text = text[:XLSX_MAX_TEXT]
    return _XML_SPECIAL.sub(_escape, text)
