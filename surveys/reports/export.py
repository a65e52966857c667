"""Exports of concern reports: Open311 ``requests.json``, CSV and XLSX.

================  ==========================================================================
table             rows
================  ==========================================================================
``reports``       one per report: reference, category, status, reason, duplicate of, partner,
                  area, rounded location, photos and followers counts, times (community time
                  zone), hours to acknowledge and to resolve, reopen count, overdue, the text
``history``       one per change: reference, time, kind, from and to status, the actor's ROLE
                  (never who), partner, public note, reason, duplicate of
``figures``       the report figures of :mod:`surveys.reports.figures` (suppressed as stated)
================  ==========================================================================

Formats: ``open311`` (one JSON array validated by :class:`~surveys.reports.open311.
ServiceRequests`; history and figures have no place in it), ``csv`` (a folder of the three
files, or a zip when the path ends with ``.zip``) and ``xlsx`` (a README sheet, then one sheet
per table).

Privacy: no Telegram id, username or name of a reporter or staff member is read or written
(history names roles only); sensitive categories export no area, location or text; other
locations are rounded to ``location_decimals``; resident and staff text is written as text,
never as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from surveys.clock import utcnow
from surveys.reports import lifecycle
from surveys.reports.figures import ReportFigures, report_figures
from surveys.reports.geo import coarsen
from surveys.reports.models import HistoryEntry, Report, ReportPolicy, reference
from surveys.reports.open311 import StatusWords, document, service_request
from surveys.store import Store

ReportExportFormat = Literal["open311", "csv", "xlsx"]
Cell = str | int | float | datetime | None
WITHHELD = "(withheld)"
SUPPRESSED = "(suppressed)"

REPORT_COLUMNS = (
    "reference",
    "category",
    "category_name",
    "sensitive",
    "status",
    "close_reason",
    "duplicate_of",
    "partner",
    "area_id",
    "area",
    "latitude",
    "longitude",
    "photos",
    "followers",
    "submitted_at",
    "acknowledged_at",
    "resolved_at",
    "updated_at",
    "hours_to_acknowledge",
    "hours_to_resolve",
    "reopen_count",
    "overdue",
    "description",
)
HISTORY_COLUMNS = (
    "reference",
    "at",
    "kind",
    "from_status",
    "to_status",
    "actor_role",
    "partner",
    "note",
    "reason",
    "duplicate_of",
)
FIGURE_COLUMNS = ("figure", "group", "value", "n", "note")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(value: str) -> str:
    """Text that a spreadsheet shows as text: a leading ``= + - @`` tab or newline gets a
    quote in front (OWASP CSV injection), XML-illegal control characters are dropped."""
    value = _ILLEGAL_XML.sub("", value)
    return "'" + value if value.startswith(_FORMULA_START) else value


@dataclass(frozen=True)
class ReportExportRequest:
    out: Path
    format: ReportExportFormat
    policy: ReportPolicy
    language: str
    zone: ZoneInfo
    agency: str
    min_group_size: int
    words: StatusWords = field(default_factory=StatusWords)
    since: datetime | None = None
    charts: Path | None = None


@dataclass(frozen=True)
class ReportExportResult:
    reports: int
    files: list[Path]
    figures: ReportFigures
    charts: list[Path] = field(default_factory=list)


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds() / 3600, 2)


class _Tables:
    """The rows of every table, cells as Python values (formatting is the writer's)."""

    def __init__(
        self,
        request: ReportExportRequest,
        reports: Sequence[Report],
        history: Mapping[int, Sequence[HistoryEntry]],
        areas: Mapping[str, str],
        partners: Mapping[str, str],
        figures: ReportFigures,
    ) -> None:
        self._request = request
        self._reports = reports
        self._history = history
        self._areas = areas
        self._partners = partners
        self._figures = figures

    def reports(self) -> Iterable[tuple[Cell, ...]]:
        policy, language, now = self._request.policy, self._request.language, utcnow()
        for report in self._reports:
            category = policy.category_or_none(report.category)
            sensitive = policy.treats_as_sensitive(report)
            location = (
                coarsen(report.location, policy.location_decimals)
                if report.location is not None and not sensitive
                else None
            )
            yield (
                report.reference,
                report.category,
                category.name(language) if category else report.category,
                int(sensitive),
                report.status,
                report.close_reason,
                reference(report.duplicate_of) if report.duplicate_of else None,
                self._partners.get(report.partner_id) if report.partner_id else None,
                WITHHELD if sensitive else report.area_id,
                WITHHELD if sensitive else self._areas.get(report.area_id or "", report.area_id),
                location.latitude if location else None,
                location.longitude if location else None,
                len(report.photos),
                report.followers,
                report.created_at,
                report.acknowledged_at,
                report.resolved_at,
                report.updated_at,
                _hours(report.created_at, report.acknowledged_at),
                _hours(report.created_at, report.resolved_at),
                report.reopen_count,
                int(lifecycle.is_overdue(report, policy, now)),
                WITHHELD if sensitive else report.description,
            )

    def history(self) -> Iterable[tuple[Cell, ...]]:
        for report in self._reports:
            for entry in self._history.get(report.id, ()):
                yield (
                    report.reference,
                    entry.at,
                    entry.kind,
                    entry.from_status,
                    entry.to_status,
                    entry.actor_role,
                    self._partners.get(entry.partner_id) if entry.partner_id else None,
                    entry.note,
                    entry.reason,
                    reference(entry.duplicate_of) if entry.duplicate_of else None,
                )

    def figures(self) -> Iterable[tuple[Cell, ...]]:
        f = self._figures
        if f.withheld:
            yield ("total", None, SUPPRESSED, None, f"fewer than {f.min_group_size} reports")
            return
        yield ("total", None, f.total, None, None)
        yield (
            "supporters",
            None,
            f.supporters if f.supporters is not None else SUPPRESSED,
            None,
            None,
        )
        for status, count in f.by_status.items():
            yield ("reports by status", status, count, None, None)
        for name, breakdown in (("category", f.by_category), ("area", f.by_area)):
            note = "non-sensitive reports" if name == "area" else None
            for group, count in breakdown.published.items():
                yield (f"reports by {name}", group or "(none)", count, None, note)
            for group in breakdown.suppressed:
                yield (f"reports by {name}", group or "(none)", SUPPRESSED, None, note)
        for label, duration in (
            ("median hours to acknowledge", f.acknowledge),
            ("median hours to resolve", f.resolve),
        ):
            value = round(duration.median_hours, 2) if duration.median_hours is not None else None
            yield (label, None, SUPPRESSED if duration.withheld else value, duration.n, None)
        for label, rate in (
            (f"share resolved within {f.resolved_within_days} days", f.resolved_within),
            ("reopen rate", f.reopen),
        ):
            value = round(rate.share, 4) if rate.share is not None else None
            yield (label, None, SUPPRESSED if rate.withheld else value, rate.n, None)

    def method_note(self) -> list[str]:
        f = self._figures
        return [
            "Concern reports made through the community feedback bot.",
            f"Exported {utcnow().astimezone(self._request.zone).isoformat(timespec='seconds')}; "
            f"times in {self._request.zone.key}.",
            "No Telegram id, username or name of residents or staff is exported; the history "
            "names roles only.",
            "Sensitive categories show no area, location or text. Other locations are rounded "
            f"to {self._request.policy.location_decimals} decimals.",
            f"Figures: groups of fewer than {f.min_group_size} reports are suppressed, with a "
            "second group where subtraction would reveal them; per-area counts leave sensitive "
            "reports out. Medians and shares are withheld when their n is below that minimum.",
            "Acknowledged: the first response of any kind. Resolved within N days: among "
            "reports at least N days old or already resolved. Reopen rate: among reports ever "
            "resolved.",
        ]


def _csv_text(value: Cell, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat(timespec="seconds")
    if isinstance(value, str):
        return safe_text(value)
    return str(value)


def _csv_bytes(columns: Sequence[str], rows: Iterable[tuple[Cell, ...]], zone: ZoneInfo) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows([_csv_text(cell, zone) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def _write_csv(tables: _Tables, out: Path, zone: ZoneInfo) -> list[Path]:
    files = {
        "reports.csv": _csv_bytes(REPORT_COLUMNS, tables.reports(), zone),
        "history.csv": _csv_bytes(HISTORY_COLUMNS, tables.history(), zone),
        "figures.csv": _csv_bytes(FIGURE_COLUMNS, tables.figures(), zone),
    }
    if out.suffix.lower() == ".zip":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    return [out / name for name in files]


def _write_xlsx(tables: _Tables, out: Path, zone: ZoneInfo) -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    readme = book.create_sheet("README")
    for line in tables.method_note():
        readme.append([safe_text(line)])
    for title, columns, rows in (
        ("reports", REPORT_COLUMNS, tables.reports()),
        ("history", HISTORY_COLUMNS, tables.history()),
        ("figures", FIGURE_COLUMNS, tables.figures()),
    ):
        sheet = book.create_sheet(title)
        sheet.freeze_panes = "A2"
        header = []
        for name in columns:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in rows:
            cells = []
            for value in row:
                if isinstance(value, datetime):
                    cell = WriteOnlyCell(sheet, value=value.astimezone(zone).replace(tzinfo=None))
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, str):
                    cell = WriteOnlyCell(sheet, value=safe_text(value))
                    cell.data_type = "s"  # never a formula, whatever the text
                else:
                    cell = WriteOnlyCell(sheet, value=value)
                cells.append(cell)
            sheet.append(cells)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return [out]


def _write_open311(
    request: ReportExportRequest,
    reports: Sequence[Report],
    history: Mapping[int, Sequence[HistoryEntry]],
    areas: Mapping[str, str],
    partners: Mapping[str, str],
) -> list[Path]:
    requests = [
        service_request(
            report,
            history.get(report.id, ()),
            policy=request.policy,
            language=request.language,
            areas=areas,
            partners=partners,
            agency=request.agency,
            zone=request.zone,
            words=request.words,
        )
        for report in reports
    ]
    request.out.parent.mkdir(parents=True, exist_ok=True)
    request.out.write_text(document(requests) + "\n", encoding="utf-8")
    return [request.out]


async def export_reports(store: Store, request: ReportExportRequest) -> ReportExportResult:
    """Write the export; the caller checks the output path and records the audit entry."""
    reports, history = await store.reports.every(request.since)
    areas = await store.reports.area_names()
    partners = await store.reports.partner_names()
    figures = await report_figures(
        store,
        min_group_size=request.min_group_size,
        within_days=request.policy.resolved_within_days,
        at=utcnow(),
        since=request.since,
    )
    if request.format == "open311":
        files = _write_open311(request, reports, history, areas, partners)
    else:
        tables = _Tables(request, reports, history, areas, partners, figures)
        if request.format == "csv":
            files = _write_csv(tables, request.out, request.zone)
        else:
            files = _write_xlsx(tables, request.out, request.zone)
    charts = _write_charts(request, figures, areas) if request.charts else []
    return ReportExportResult(reports=len(reports), files=files, figures=figures, charts=charts)


def _write_charts(
    request: ReportExportRequest, figures: ReportFigures, areas: Mapping[str, str]
) -> list[Path]:
    """The figures' charts as PNG files named after the export's date (none if withheld)."""
    from surveys.reports.charts import report_charts

    assert request.charts is not None
    language = request.language
    labels = {
        "status": dict(request.words.statuses),
        "category": {c.id: c.name(language) for c in request.policy.categories},
        "area": {**areas, "": "–"},
    }
    request.charts.mkdir(parents=True, exist_ok=True)
    day = utcnow().astimezone(request.zone).date().isoformat()
    written = []
    for name, png in report_charts(figures, language, labels).items():
        path = request.charts / f"reports-{day}-{name}.png"
        path.write_bytes(png)
        written.append(path)
    return written
