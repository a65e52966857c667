"""``feedbackbot export reports``: concern reports as Open311, CSV or XLSX.

A subcommand of ``export`` (the survey results export keeps ``export --round/--survey``). Every
output is checked before anything is written; the export is recorded in the audit log with the
role ``cli``. openpyxl is imported only when an XLSX is written.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

from bot.cli_options import (
    add_database_option,
    database_origin,
    open_existing_current,
    settings_of,
)
from bot.config import Settings, report_policy
from bot.texts import Catalogue
from surveys.errors import SchemaOutdatedError, SurveysError
from surveys.reports.models import CLOSE_REASONS, STATUSES
from surveys.reports.open311 import StatusWords

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
SUFFIXES = {"open311": (".json",), "xlsx": (".xlsx",), "csv": (".zip", "")}

_HELP = """\
Export every concern report (or those made since a date):

  open311  a GeoReport v2 requests.json document: one service request per report with only
           the spec's fields (reference, open/closed, notes, category, text, responsible
           partner, times with the UTC offset, area, rounded location)
  csv      reports.csv, history.csv and figures.csv in a folder, or a zip if --out ends .zip
  xlsx     one workbook: README, reports, history, figures

--charts DIR also draws the figures (by status, category and area, and how fast reports are
acknowledged and resolved) as PNG files.

No export holds a Telegram id, username or name of a resident or staff member. Sensitive
categories export no area, location or text; other locations are rounded to
reports.location_decimals. Figures suppress small groups like survey results.

examples:
  feedbackbot export reports --format open311 --out requests.json
  feedbackbot export reports --format xlsx --out reports.xlsx --since 2026-01-01
"""


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``reports`` under the ``export`` command."""
    export = commands.choices["export"]
    kinds = export.add_subparsers(dest="export_kind", metavar="WHAT", required=False)
    reports = kinds.add_parser(
        "reports",
        help="concern reports as open311, csv or xlsx",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    reports.add_argument("--format", required=True, choices=sorted(SUFFIXES), help="output format")
    reports.add_argument("--out", required=True, type=Path, metavar="PATH", help="output path")
    reports.add_argument(
        "--since", metavar="DATE", help="only reports made on or after this date (YYYY-MM-DD)"
    )
    reports.add_argument(
        "--language",
        metavar="CODE",
        help="language of category names and reasons (default: the community's first)",
    )
    reports.add_argument(
        "--charts",
        type=Path,
        metavar="DIR",
        help="also write PNG charts of the figures into this folder",
    )
    add_database_option(reports, nested=True)
    reports.set_defaults(handler=cmd_export_reports)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _check_out(out: Path, fmt: str) -> str | None:
    """Why ``out`` cannot take this format, or None; checked before anything is written."""
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES[fmt]:
        wanted = " or ".join(s or "a folder" for s in SUFFIXES[fmt])
        return f"--out {out}: --format {fmt} writes {wanted}"
    if out.is_dir() and suffix:
        return f"--out {out} is a folder"
    if out.exists() and not out.is_dir() and not suffix:
        return f"--out {out} is a file, not a folder"
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"--out {out}: {parent} is a file, not a folder"
    return None


def _since(text: str | None, settings: Settings) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=settings.community.zone)


def _words(settings: Settings, language: str) -> StatusWords:
    texts = Catalogue.load(settings.community.languages)
    return StatusWords(
        reasons={code: texts.get(language, f"report_reason_{code}") for code in CLOSE_REASONS},
        duplicate=texts.raw(language, "report_duplicate_of", reference="{reference}"),
        statuses={status: texts.get(language, f"report_status_{status}") for status in STATUSES},
    )


def cmd_export_reports(args: argparse.Namespace) -> int:
    """Export concern reports; 2 for a usage problem, 1 if writing fails."""
    from surveys.reports.export import ReportExportRequest, export_reports

    settings = settings_of(args)
    language = args.language or settings.community.default_language
    if language not in settings.community.languages:
        return _error(
            f"--language {language}: not one of the community's languages "
            f"({', '.join(settings.community.languages)})"
        )
    problem = _check_out(args.out, args.format)
    if problem:
        return _error(problem)
    if args.charts is not None and args.charts.exists() and not args.charts.is_dir():
        return _error(f"--charts {args.charts} is a file, not a folder")
    try:
        since = _since(args.since, settings)
    except ValueError:
        return _error(f"--since: cannot read {args.since!r} as a date (use YYYY-MM-DD)")
    database = settings.database.path
    if not database.is_file():
        return _error(f"{database}: no such database (check {database_origin(settings, args)})")
    request = ReportExportRequest(
        out=args.out,
        format=args.format,
        policy=report_policy(settings),
        language=language,
        zone=settings.community.zone,
        agency=settings.community.name,
        min_group_size=settings.privacy.min_group_size,
        words=_words(settings, language),
        since=since,
        charts=args.charts,
    )

    async def main() -> int:
        store = await open_existing_current(database)
        try:
            result = await export_reports(store, request)
            await store.audit.record(
                role="cli",
                action="export_reports",
                allowed=True,
                detail={"format": args.format, "reports": result.reports},
            )
        finally:
            await store.close()
        written = ", ".join(str(path) for path in result.files)
        print(f"exported {result.reports:,} reports -> {written}")
        if args.charts is not None:
            print(f"{len(result.charts)} charts -> {args.charts}")
        return EXIT_OK

    try:
        return asyncio.run(main())
    except SchemaOutdatedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (SurveysError, OSError) as exc:
        print(f"error: export failed: {exc}", file=sys.stderr)
        return EXIT_FAILURE
