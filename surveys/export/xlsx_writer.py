"""XLSX exports that read like a report, written as a stream of SpreadsheetML.

Sheets, in order: ``README`` (how to read the numbers, then every table and column),
``codebook``, the aggregate tables, ``responses`` (one row per answer; ``responses 2``, ... past
Excel's 1,048,576 rows) and ``respondents`` (one row per response). Every table sheet has a
styled, frozen header row with filters and sensible column widths; numbers are stored exact
and shown rounded (one decimal for percentages and indices, two for means, four for
p-values); times are real date-times in the community's time zone. Text is always an inline
string: a spreadsheet never evaluates it, whatever it starts with.

Why not openpyxl: its write-only mode builds a Python object per cell and manages about
6,000 rows per second here (rows of 8 cells, measured 2026-11), and an export of a few million
answers must not take minutes.
Workbooks are plain zip files of XML (ECMA-376); this module writes them directly, formatting
each distinct cell once (shared answers cache their XML). openpyxl reads them back in the tests.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from surveys.export.background import BackgroundWriter
from surveys.export.columns import RESPONDENTS, RESPONSES, Column, Kind, Table
from surveys.export.raw import Answer, Response, WideLayout
from surveys.export.tables import Row
from surveys.export.writer import Progress, local_time, xml_text

__all__ = ["XLSX_MAX_ROWS", "XlsxWriter"]

XLSX_MAX_ROWS = 1_048_576
_FLUSH = 2_000
_EPOCH = datetime(1899, 12, 30)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Cell styles (indexes into cellXfs of styles.xml).
_PLAIN, _HEADER, _INT, _ONE, _TWO, _P, _DATETIME, _DATE, _WRAP, _TITLE = range(10)
_STYLE: dict[Kind, int] = {
    "int": _INT,
    "text": _PLAIN,
    "value": _PLAIN,
    "flag": _PLAIN,
    "pct": _ONE,
    "index": _ONE,
    "number": _ONE,
    "mean": _TWO,
    "ratio": _TWO,
    "p": _P,
    "datetime": _DATETIME,
    "date": _DATE,
}
_WIDTH: dict[Kind, float] = {
    "int": 9,
    "text": 16,
    "value": 12,
    "flag": 9,
    "pct": 10,
    "index": 10,
    "number": 10,
    "mean": 10,
    "ratio": 10,
    "p": 10,
    "datetime": 17,
    "date": 11,
}
_WIDE_TEXT = {"question", "title", "label", "option_label", "answer_label", "description"}

_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="4">'
    '<numFmt numFmtId="164" formatCode="0.0"/>'
    '<numFmt numFmtId="165" formatCode="0.0000"/>'
    '<numFmt numFmtId="166" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="167" formatCode="yyyy-mm-dd"/>'
    "</numFmts>"
    '<fonts count="3">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FF2F5D8A"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="10">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"'
    ' applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _column_letter(number: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _serial(value: datetime | date, zone: ZoneInfo) -> float:
    """Excel's date serial: days since 1899-12-30, in local time."""
    if isinstance(value, datetime):
        naive = local_time(value, zone).replace(tzinfo=None)
        return (naive - _EPOCH).total_seconds() / 86400.0
    return float((value - _EPOCH.date()).days)


def _text_cell(text: str, style: int = _PLAIN) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c t="inlineStr"{s}><is><t xml:space="preserve">{xml_text(text)}</t></is></c>'


def _cell(value: Any, style: int, zone: ZoneInfo) -> str:
    """One cell; ``style`` is the column's style, used for numbers and dates."""
    if value is None:
        return "<c/>"
    if value is True or value is False:
        return _text_cell("yes" if value else "no")
    if isinstance(value, int | float):
        return f'<c s="{style}"><v>{value!r}</v></c>' if style else f"<c><v>{value!r}</v></c>"
    if isinstance(value, datetime | date):
        return f'<c s="{style}"><v>{_serial(value, zone)!r}</v></c>'
    return _text_cell(str(value))


_DAY_ZERO = _EPOCH.date()
_AnswerCells = tuple[str, tuple[tuple[int, str], ...]]


def _day(day: date, style: int) -> str:
    return f'<c s="{style}"><v>{(day - _DAY_ZERO).days}</v></c>'


@dataclass
class _Sheet:
    title: str
    entry: str
    filter_ref: str | None


class XlsxWriter:
    """One workbook; sheets are written one after another, the wide sheet via a temp file."""

    def __init__(self, out: Path, zone: ZoneInfo) -> None:
        self._path = out
        self._zone = zone
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._sheets: list[_Sheet] = []
        self._strings: dict[str, int] = {}

    def _shared(self, text: str) -> str:
        """A cell of a string that repeats (areas, question ids, answer labels): stored once
        in the shared-string table, referenced by number in every row."""
        number = self._strings.get(text)
        if number is None:
            number = self._strings[text] = len(self._strings)
        return f'<c t="s"><v>{number}</v></c>'

    # --- sheets ---------------------------------------------------------------------------

    def _add(self, title: str) -> _Sheet:
        sheet = _Sheet(title, f"xl/worksheets/sheet{len(self._sheets) + 1}.xml", None)
        self._sheets.append(sheet)
        return sheet

    def _start(self, widths: Sequence[float], frozen: bool) -> str:
        pane = (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            if frozen
            else ""
        )
        tab = ' tabSelected="1"' if not self._sheets[:-1] else ""
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{width:.1f}" customWidth="1"/>'
            for n, width in enumerate(widths, start=1)
        )
        return (
            f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<sheetViews><sheetView workbookViewId="0"{tab}>{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
        )

    @staticmethod
    def _end(sheet: _Sheet, columns: int, rows: int) -> str:
        if rows < 1:
            return "</sheetData></worksheet>"
        sheet.filter_ref = f"A1:{_column_letter(columns)}{rows}"
        return f'</sheetData><autoFilter ref="{sheet.filter_ref}"/></worksheet>'

    @staticmethod
    def _header(columns: Sequence[Column]) -> str:
        return '<row r="1">' + "".join(_text_cell(c.name, _HEADER) for c in columns) + "</row>"

    def _widths(self, columns: Sequence[Column], rows: Sequence[Row] = ()) -> list[float]:
        widths = []
        for position, column in enumerate(columns):
            width = max(float(len(column.name) + 2), _WIDTH[column.kind])
            if column.kind == "text":
                longest = max((len(str(row[position] or "")) for row in rows[:500]), default=0)
                limit = 60 if column.name in _WIDE_TEXT else 30
                width = min(max(width, longest + 2), limit)
            widths.append(width)
        return widths

    def readme(self, lines: Sequence[str], tables: Sequence[Table]) -> None:
        sheet = self._add("README")
        parts = [self._start([28, 14, 100], frozen=False)]
        number = 0

        def row(*cells: str) -> None:
            nonlocal number
            number += 1
            parts.append(f'<row r="{number}">{"".join(cells)}</row>')

        for position, line in enumerate(lines):
            style = _TITLE if position == 0 else _WRAP
            row(_text_cell(line, style) if line else "<c/>")
        row("<c/>")
        row(*(_text_cell(name, _HEADER) for name in ("sheet / column", "kind", "description")))
        for table in tables:
            row(_text_cell(table.name, _TITLE), "<c/>", _text_cell(table.description, _WRAP))
            for column in table.columns:
                row(
                    _text_cell(column.name),
                    _text_cell(column.kind),
                    _text_cell(column.description, _WRAP),
                )
        parts.append("</sheetData></worksheet>")
        self._zip.writestr(sheet.entry, "".join(parts))

    def table(self, table: Table, rows: Sequence[Row]) -> None:
        sheet = self._add(table.name)
        columns = table.columns
        styles = [_STYLE[c.kind] for c in columns]
        zone = self._zone
        parts = [self._start(self._widths(columns, rows), frozen=True), self._header(columns)]
        for number, row in enumerate(rows, start=2):
            cells = "".join(_cell(v, s, zone) for v, s in zip(row, styles, strict=True))
            parts.append(f'<row r="{number}">{cells}</row>')
        parts.append(self._end(sheet, len(columns), len(rows) + 1))
        self._zip.writestr(sheet.entry, "".join(parts))

    # --- the raw sheets -------------------------------------------------------------------

    def responses(
        self,
        responses: Iterable[Response],
        layout: WideLayout,
        progress: Progress | None,
    ) -> int:
        """Long rows stream into ``responses`` sheets; wide rows into a temporary file that
        becomes the ``respondents`` sheet afterwards (a zip takes one entry at a time). A
        response's head cells are formatted once, a shared answer's cells once per export,
        and repeating strings go to the shared-string table."""
        long = _Stream(self, RESPONSES.name, RESPONSES.columns)
        try:
            with tempfile.TemporaryFile("w+b") as wide:
                wide_rows = self._rows(responses, layout, long, wide, progress)
                long.close()  # a zip takes one entry at a time
                sheet = self._add(RESPONDENTS.name)
                columns = layout.columns
                with self._zip.open(sheet.entry, "w", force_zip64=True) as entry:
                    head = self._start(self._widths(columns), True) + self._header(columns)
                    entry.write(head.encode())
                    wide.seek(0)
                    shutil.copyfileobj(wide, entry, 1 << 22)
                    entry.write(self._end(sheet, len(columns), wide_rows).encode())
        finally:
            long.close()
        return long.rows

    def _rows(
        self,
        responses: Iterable[Response],
        layout: WideLayout,
        long: _Stream,
        wide: IO[bytes],
        progress: Progress | None,
    ) -> int:
        """The hot loop: long rows into ``long``, wide rows into ``wide``; the number of the
        last wide row."""
        wide_columns = layout.columns
        zone = self._zone
        blank = ["<c/>"] * (len(wide_columns) - 7)
        cells_of = _Cells(self, _STYLE["date"])
        written = 0
        wide_rows = 1
        batch: list[str] = []
        for number, response in enumerate(responses, start=1):
            head = cells_of.head(response)
            cells = head + blank
            formatted = [
                answer.xlsx or self._answer_cells(answer, zone) for answer in response.answers
            ]
            for _, wide_cells in formatted:
                for position, cell in wide_cells:
                    cells[position] = cell
            if formatted:
                long.add(head[0] + head[1] + head[2] + head[3], formatted)
                written += len(formatted)
            wide_rows += 1
            batch.append(f'<row r="{wide_rows}">{"".join(cells)}</row>')
            if number % _FLUSH == 0:
                long.flush()
                wide.write("".join(batch).encode("utf-8", "replace"))
                batch = []
                if progress is not None:
                    progress(written)
                    written = 0
        long.flush()
        wide.write("".join(batch).encode("utf-8", "replace"))
        if progress is not None and written:
            progress(written)
        return wide_rows

    def _answer_cells(self, answer: Answer, zone: ZoneInfo) -> _AnswerCells:
        """(the long row's answer cells and its end, the wide row's cells by column) of one
        answer: strings of a shared answer repeat, so they go to the shared-string table, and
        a shared answer keeps its cells (``answer.xlsx``) for the next rows with it."""

        def cell(value: Any) -> str:
            if isinstance(value, str) and answer.shared:
                return self._shared(value)
            return _cell(value, _PLAIN, zone)

        long = (
            f"{self._shared(answer.question_id)}{self._shared(answer.question_type)}"
            f"{cell(answer.answer)}{cell(answer.label)}</row>"
        )
        cells = long, tuple((position, cell(value)) for position, value in answer.wide)
        if answer.shared:
            answer.xlsx = cells
        return cells

    # --- the package ----------------------------------------------------------------------

    def close(self) -> list[Path]:
        sheets = self._sheets
        overrides = "".join(
            f'<Override PartName="/{s.entry}" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for s in sheets
        )
        self._zip.writestr(
            "[Content_Types].xml",
            f'{_HEAD}<Types xmlns="{_PKG}/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            f"{overrides}</Types>",
        )
        self._zip.writestr(
            "_rels/.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        styles_id = len(sheets) + 1
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG}/relationships">{rels}'
            f'<Relationship Id="rId{styles_id}" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{styles_id + 1}" Type="{_REL}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        entries = "".join(
            f'<sheet name="{xml_text(s.title)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, s in enumerate(sheets, start=1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
            f"'{xml_text(s.title)}'!${_absolute(s.filter_ref)}</definedName>"
            for n, s in enumerate(sheets)
            if s.filter_ref
        )
        self._zip.writestr(
            "xl/workbook.xml",
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{entries}</sheets>"
            f"{f'<definedNames>{names}</definedNames>' if names else ''}</workbook>",
        )
        self._zip.writestr("xl/styles.xml", _STYLES)
        strings = "".join(
            f'<si><t xml:space="preserve">{xml_text(text)}</t></si>' for text in self._strings
        )
        count = len(self._strings)
        self._zip.writestr(
            "xl/sharedStrings.xml",
            f'{_HEAD}<sst xmlns="{_MAIN}" count="{count}" uniqueCount="{count}">{strings}</sst>',
        )
        self._zip.close()
        return [self._path]


class _Cells:
    """The head cells of responses (round, code, area, status, days, minutes), each distinct
    value formatted once: rounds, areas, statuses, days and minutes repeat across responses."""

    _KEPT = 100_000  # distinct values kept at most (memory stays bounded)

    def __init__(self, writer: XlsxWriter, date_style: int) -> None:
        self._shared = writer._shared
        self._date_style = date_style
        self._known: dict[object, str] = {}

    def _new(self, value: object) -> str:
        """The cell of a value not formatted yet: a day, a number or a repeating string."""
        if len(self._known) > self._KEPT:
            self._known.clear()
        if value is None:
            cell = "<c/>"
        elif isinstance(value, date):
            cell = _day(value, self._date_style)
        elif isinstance(value, str):
            cell = self._shared(value)
        else:
            cell = f"<c><v>{value}</v></c>"
        self._known[value] = cell
        return cell

    def head(self, response: Response) -> list[str]:
        """The seven head cells of a response, in the order of :data:`RESPONDENTS` (the round
        id and the minutes are numbers, the area and the status strings: never equal)."""
        known, new = self._known.get, self._new
        return [
            known(response.round_id) or new(response.round_id),
            # base 32 (Pseudonyms): nothing to escape
            f'<c t="inlineStr"><is><t>{response.respondent}</t></is></c>',
            known(response.area) or new(response.area),
            known(response.status) or new(response.status),
            known(response.started_on) or new(response.started_on),
            known(response.completed_on) or new(response.completed_on),
            known(response.minutes) or new(response.minutes),
        ]


def _absolute(ref: str | None) -> str:
    """``A1:H9`` -> ``A$1:$H$9`` (after the leading ``$`` the caller writes)."""
    assert ref is not None
    start, end = ref.split(":")
    return f"{_split(start)}:${_split(end)}"


def _split(cell: str) -> str:
    letters = "".join(ch for ch in cell if ch.isalpha())
    return f"{letters}${cell[len(letters) :]}"


class _Stream:
    """Rows into ``name``, ``name 2``, ... sheets, each at most Excel's row limit."""

    def __init__(self, writer: XlsxWriter, name: str, columns: Sequence[Column]) -> None:
        self._writer = writer
        self._name = name
        self._columns = columns
        self._number = 0
        self._entry: IO[bytes] | None = None
        self._out: BackgroundWriter | None = None
        self._sheet: _Sheet | None = None
        self._row = 0
        self._batch: list[str] = []
        self.rows = 0
        self._next()

    def _next(self) -> None:
        self._finish()
        self._number += 1
        title = self._name if self._number == 1 else f"{self._name} {self._number}"
        writer = self._writer
        self._sheet = writer._add(title)
        self._entry = writer._zip.open(self._sheet.entry, "w", force_zip64=True)
        self._out = BackgroundWriter(self._entry)
        start = writer._start(writer._widths(self._columns), frozen=True)
        self._out.write((start + writer._header(self._columns)).encode())
        self._row = 1

    def add(self, head: str, answers: list[_AnswerCells]) -> None:
        """The rows of one response: its head cells, then each answer's cells (which end the
        row). Rows keep their ``r`` number (optional in ECMA-376, but some readers need
        it)."""
        room = XLSX_MAX_ROWS - self._row
        if len(answers) > room:
            if room:
                self.add(head, answers[:room])
            self.flush()
            self._next()
            answers = answers[room:]
        first = self._row + 1
        self._row += len(answers)
        self.rows += len(answers)
        self._batch.extend(
            [f'<row r="{n}">{head}{tail}' for n, (tail, _) in enumerate(answers, first)]
        )

    def flush(self) -> None:
        if self._batch and self._out is not None:
            self._out.write("".join(self._batch).encode("utf-8", "replace"))
            self._batch = []

    def _finish(self) -> None:
        if self._entry is None or self._sheet is None or self._out is None:
            return
        try:
            self.flush()
            self._out.write(XlsxWriter._end(self._sheet, len(self._columns), self._row).encode())
        finally:
            out, self._out = self._out, None
            entry, self._entry = self._entry, None
            try:
                out.close()
            finally:
                entry.close()  # even after an error: the zip takes no other entry while open

    def close(self) -> None:
        self._finish()
