"""Exports of survey results: aggregate tables, anonymous raw answers, codebook and charts.

One job per module:

- :mod:`~surveys.export.columns`: the tables and their columns (one definition for every format);
- :mod:`~surveys.export.tables`: the aggregate tables' rows, from reports and the trend;
- :mod:`~surveys.export.raw`: which rounds release raw answers, decoded once per value;
- :mod:`~surveys.export.pseudonyms`: codes drawn afresh for every export;
- :mod:`~surveys.export.method`: the facts of the method note;
- :mod:`~surveys.export.csv_writer`, :mod:`~surveys.export.xlsx_writer`,
  :mod:`~surveys.export.json_writer`: the formats;
- :mod:`~surveys.export.run`: one export from request to files, off the event loop.

Privacy is described in :mod:`surveys.export.raw` and the README: no Telegram id, chat id or
name is ever read; no figure rests on fewer than ``min_group_size`` people; no raw row of a
withheld round; hidden areas stay hidden; pseudonyms cannot be joined across exports; text
is written as text.
"""

from __future__ import annotations

from surveys.export.columns import HIDDEN_AREA, REPORT_TABLES, RESPONDENTS, RESPONSES, Table
from surveys.export.json_writer import EXPORT_FORMAT, document_model, schema_path
from surveys.export.method import MethodFacts
from surveys.export.run import (
    EXTENSIONS,
    ExportFormat,
    ExportRequest,
    ExportResult,
    NoteRenderer,
    chart_stem,
    check_outputs,
    export,
    run_export,
)

__all__ = [
    "EXPORT_FORMAT",
    "EXTENSIONS",
    "HIDDEN_AREA",
    "REPORT_TABLES",
    "RESPONDENTS",
    "RESPONSES",
    "ExportFormat",
    "ExportRequest",
    "ExportResult",
    "MethodFacts",
    "NoteRenderer",
    "Table",
    "chart_stem",
    "check_outputs",
    "document_model",
    "export",
    "run_export",
    "schema_path",
]
