"""CSV exports: a folder of UTF-8 files, or the same files in one zip.

``README.txt`` (how to read the numbers, every column), ``codebook.csv``, one file per
aggregate table, ``responses.csv`` (one row per answer) and ``respondents.csv`` (one row per
response). Text cells are quoted and defused (:func:`surveys.export.writer.csv_text`);
numbers are written exactly (shortest round-trip form), times as ISO 8601 in the community's
time zone, flags as yes/no. Lines end in CRLF, as RFC 4180 and spreadsheets expect.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from surveys.export.columns import RESPONSES, Table
from surveys.export.raw import Response, WideLayout
from surveys.export.tables import Row
from surveys.export.writer import Progress, csv_text, iso

__all__ = ["CsvWriter"]

_EOL = "\r\n"
_FLUSH = 2_000  # responses per write


def _cell(value: Any, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date):
        return iso(value, zone)
    return csv_text(str(value))


def _line(values: Iterable[Any], zone: ZoneInfo) -> str:
    return ",".join(_cell(value, zone) for value in values) + _EOL


class CsvWriter:
    """Writes into a folder, or into a zip when ``out`` ends with ``.zip``."""

    def __init__(self, out: Path, zone: ZoneInfo) -> None:
        self._zone = zone
        self._zip: zipfile.ZipFile | None = None
        self._folder: Path | None = None
        if out.suffix.lower() == ".zip":
            self._path = out
            self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        else:
            out.mkdir(exist_ok=True)
            self._folder = out
        self._files: list[Path] = []

    def _open(self, name: str) -> IO[str]:
        if self._zip is not None:
            binary = self._zip.open(name, "w", force_zip64=True)
            return io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")
        assert self._folder is not None
        path = self._folder / name
        self._files.append(path)
        return path.open("w", encoding="utf-8", errors="replace", newline="")

    def readme(self, lines: Sequence[str], tables: Sequence[Table]) -> None:
        with self._open("README.txt") as handle:
            handle.write("\n".join(lines).replace("\n", _EOL) + _EOL + _EOL)
            for table in tables:
                handle.write(f"{table.name}.csv: {table.description}{_EOL}")
                for column in table.columns:
                    handle.write(f"  {column.name} ({column.kind}): {column.description}{_EOL}")
                handle.write(_EOL)

    def table(self, table: Table, rows: Sequence[Row]) -> None:
        with self._open(f"{table.name}.csv") as handle:
            handle.write(_line(table.names, self._zone))
            handle.writelines(_line(row, self._zone) for row in rows)

    def responses(
        self, responses: Iterable[Response], layout: WideLayout, progress: Progress | None
    ) -> int:
        """Long rows straight into ``responses.csv``; wide rows into a temporary file first
        (a zip takes one entry at a time), copied into ``respondents.csv`` at the end."""
        zone = self._zone
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace", newline="") as wide:
            wide.write(_line((column.name for column in layout.columns), zone))
            with self._open(f"{RESPONSES.name}.csv") as long:
                long.write(_line(RESPONSES.names, zone))
                written = _write_responses(
                    responses, long, wide, len(layout.columns), zone, progress
                )
            wide.seek(0)
            with self._open("respondents.csv") as target:
                shutil.copyfileobj(wide, target, 1 << 20)
        return written

    def close(self) -> list[Path]:
        if self._zip is not None:
            self._zip.close()
            return [self._path]
        return list(self._files)


def _write_responses(
    responses: Iterable[Response],
    long: IO[str],
    wide: IO[str],
    width: int,
    zone: ZoneInfo,
    progress: Progress | None,
) -> int:
    """The hot loop: a response's head cells are formatted once, a shared answer's cells (long
    and wide) once per export; a wide row is filled from those cached cells."""
    written = count = 0
    lines: list[str] = []
    rows: list[str] = []
    blank = [""] * width
    texts: dict[str, str] = {}  # areas and statuses: a handful of distinct values

    def text(value: str) -> str:
        done = texts.get(value)
        if done is None:
            done = texts[value] = csv_text(value)
        return done

    for number, response in enumerate(responses, start=1):
        round_id = str(response.round_id)
        code = f'"{response.respondent}"'  # base 32 (Pseudonyms): nothing to defuse
        area, status = text(response.area), text(response.status)
        cells = blank.copy()
        cells[:7] = (
            round_id,
            code,
            area,
            status,
            response.started_on.isoformat(),
            "" if response.completed_on is None else response.completed_on.isoformat(),
            "" if response.minutes is None else str(response.minutes),
        )
        tails = []
        for answer in response.answers:
            cached = answer.csv
            if cached is None:
                cached = (
                    f"{csv_text(answer.question_id)},{csv_text(answer.question_type)},"
                    f"{_cell(answer.answer, zone)},{_cell(answer.label, zone)}{_EOL}",
                    tuple((position, _cell(value, zone)) for position, value in answer.wide),
                )
                if answer.shared:
                    answer.csv = cached
            tails.append(cached[0])
            for position, cell in cached[1]:
                cells[position] = cell
        if tails:
            head = f"{round_id},{code},{area},{status},"
            lines.append(head + head.join(tails))
            count += len(tails)
        rows.append(",".join(cells) + _EOL)
        if number % _FLUSH == 0:
            long.write("".join(lines))
            wide.write("".join(rows))
            written += count
            if progress is not None:
                progress(count)
            lines, rows, count = [], [], 0
    long.write("".join(lines))
    wide.write("".join(rows))
    written += count
    if progress is not None and count:
        progress(count)
    return written
