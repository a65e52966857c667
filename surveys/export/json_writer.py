"""JSON exports: one document, validated by :func:`document_model`, with its JSON Schema
written beside it as ``<name>.schema.json``.

The document holds the same tables as the CSV and XLSX exports, with the same column names
and the same units (rows as objects), the method note, the codebook, and ``responses`` (one
object per answer, the long form) last, so it can be streamed. Answers keep their JSON type
(numbers stay numbers); times are ISO 8601 in the community's time zone; flags are booleans.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, create_model

from surveys.export.columns import REPORT_TABLES, RESPONSES, Kind, Table
from surveys.export.events import EVENT_TABLES
from surveys.export.raw import Response, WideLayout
from surveys.export.tables import Row
from surveys.export.writer import Progress, iso

__all__ = ["EXPORT_FORMAT", "FORMAT_VERSION", "JsonWriter", "document_model", "schema_path"]

EXPORT_FORMAT = "community-feedback-bot/export"
FORMAT_VERSION = 2
_FLUSH = 2_000

_FORMAT: Any = Literal["community-feedback-bot/export"]
_VERSION: Any = Literal[2]
_TYPES: dict[Kind, Any] = {
    "int": int,
    "text": str,
    "value": str | int | float,
    "flag": bool,
    "pct": float,
    "mean": float,
    "index": float,
    "p": float,
    "ratio": float,
    "number": float,
    "datetime": datetime,
    "date": date,
}


def _row_model(table: Table) -> type[BaseModel]:
    fields: dict[str, Any] = {
        column.name: (
            _TYPES[column.kind] | None,
            Field(default=None, description=column.description),
        )
        for column in table.columns
    }
    name = "".join(part.title() for part in table.name.split("_")) + "Row"
    return create_model(
        name, __config__=ConfigDict(extra="forbid"), __doc__=table.description, **fields
    )


@cache
def document_model() -> type[BaseModel]:
    """The model of a JSON export (``model_validate_json`` checks a document)."""
    responses = _row_model(RESPONSES)
    tables: dict[str, Any] = {
        table.name: (list[_row_model(table)], Field(description=table.description))  # type: ignore[misc]
        for table in REPORT_TABLES
    }
    for table in EVENT_TABLES:  # only in exports of events' feedback rounds
        tables[table.name] = (
            list[_row_model(table)] | None,  # type: ignore[misc]
            Field(default=None, description=table.description),
        )
    return create_model(
        "ExportDocument",
        __config__=ConfigDict(extra="forbid"),
        __doc__="A community-feedback-bot export; ``responses`` comes last so it can be streamed.",
        format=(_FORMAT, EXPORT_FORMAT),
        format_version=(_VERSION, FORMAT_VERSION),
        generated_at=(datetime, ...),
        survey_key=(str, ...),
        language=(str, ...),
        time_zone=(str, ...),
        min_group_size=(int, ...),
        include_text=(bool, ...),
        method=(list[str], Field(description="how to read the numbers, in the export's language")),
        codebook=(list[dict[str, str | int | bool | None]], ...),
        **tables,
        responses=(list[responses], ...),  # type: ignore[valid-type]
    )


def schema_path(out: Path) -> Path:
    """Where the JSON Schema of a JSON export is written: ``<name>.schema.json`` beside it."""
    return out.with_name(f"{out.stem}.schema.json")


def _value(value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, datetime | date):
        return iso(value, zone)
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class JsonWriter:
    """Writes the document head once the tables are known, then streams the answers."""

    def __init__(self, out: Path, zone: ZoneInfo, head: dict[str, Any]) -> None:
        self._path = out
        self._zone = zone
        self._head = dict(head)
        self._tables: dict[str, list[dict[str, Any]]] = {}
        self._handle = out.open("w", encoding="utf-8", errors="replace")
        self._started = False

    def readme(self, lines: Sequence[str], tables: Sequence[Table]) -> None:
        self._head["method"] = list(lines)

    def table(self, table: Table, rows: Sequence[Row]) -> None:
        zone = self._zone
        self._tables[table.name] = [
            {name: _value(value, zone) for name, value in zip(table.names, row, strict=True)}
            for row in rows
        ]

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        document = {**self._head, "codebook": self._tables.pop("codebook", [])}
        for table in REPORT_TABLES:
            document[table.name] = self._tables.get(table.name, [])
        for table in EVENT_TABLES:
            if table.name in self._tables:
                document[table.name] = self._tables[table.name]
        text = _dumps(document)
        self._handle.write(text[:-1] + ',"responses":[')

    def responses(
        self, responses: Iterable[Response], layout: WideLayout, progress: Progress | None
    ) -> int:
        """One object per answer: a response's fields are encoded once, a shared answer's
        once per export, and one join writes a response's objects."""
        self._start()
        handle = self._handle
        written = count = 0
        blocks: list[str] = []
        strings: dict[str, str] = {}

        def text(value: str) -> str:
            done = strings.get(value)
            if done is None:
                done = strings[value] = _dumps(value)
            return done

        for number, response in enumerate(responses, start=1):
            head = (
                f'{{"round_id":{response.round_id},"respondent":"{response.respondent}",'
                f'"area_id":{text(response.area)},"response_status":{text(response.status)},'
            )
            tails = []
            for answer in response.answers:
                tail = answer.json
                if tail is None:
                    tail = (
                        f'"question_id":{_dumps(answer.question_id)},'
                        f'"question_type":{_dumps(answer.question_type)},'
                        f'"answer":{_dumps(answer.answer)},"answer_label":{_dumps(answer.label)}}}'
                    )
                    if answer.shared:
                        answer.json = tail
                tails.append(tail)
            if tails:
                blocks.append(head + f",\n{head}".join(tails))
                count += len(tails)
            if number % _FLUSH == 0 and blocks:
                handle.write((",\n" if written else "\n") + ",\n".join(blocks))
                written += count
                if progress is not None:
                    progress(count)
                blocks, count = [], 0
        if blocks:
            handle.write((",\n" if written else "\n") + ",\n".join(blocks))
            written += count
            if progress is not None:
                progress(count)
        return written

    def close(self) -> list[Path]:
        self._start()
        self._handle.write("\n]}\n")
        self._handle.close()
        schema = schema_path(self._path)
        schema.write_text(
            json.dumps(document_model().model_json_schema(), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        return [self._path, schema]
