"""``feedbackbot export ...`` and ``feedbackbot demo generate ...``: thin wrappers over
:mod:`surveys.export` and :mod:`surveys.demo`.

The CLI acts as an admin (whoever can run it can read the database file anyway); every export
is recorded in the audit log with the role ``cli``. :mod:`surveys.export` (scipy, matplotlib:
about 100 MB) is imported only when an export runs, so other commands start without it. Every
output is checked before anything is written: a bad ``--charts`` never leaves a half export.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from bot.cli_options import (
    add_database_option,
    database_origin,
    open_existing_current,
    settings_of,
)
from bot.config import Settings, load_settings
from bot.reports import method_note
from bot.services import configured_areas
from bot.texts import Catalogue
from surveys.demo import DEFAULT_AREAS, DEMO_SURVEY, generate
from surveys.errors import ExportError, NotFoundError, SchemaOutdatedError, SurveysError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

_EXPORT_HELP = """\
Export the results of one round (--round) or of every open or closed round of a survey
(--survey, optionally --since a date): summary, per-question figures, indices, areas (small
areas suppressed), trend across rounds, and the anonymized raw answers (pseudonyms only).

formats:
  csv   a folder of csv files (one per table), or a zip of them if --out ends with .zip
  xlsx  one workbook (--out ending in .xlsx): README, codebook, one sheet per table
  json  one document (--out ending in .json); its JSON Schema is written beside it as
        <name>.schema.json

Every export starts with a method note (who answered, what the intervals mean, weighting,
suppression, multiple testing). Figures resting on fewer than privacy.min_group_size people
are hidden; anonymous answers come from closed rounds only, under pseudonyms drawn afresh
for every export.

examples:
  feedbackbot export --round 3 --format xlsx --out results.xlsx --charts charts/
  feedbackbot export --survey community-trust-safety --since 2025-01-01 --format csv \\
      --out results.zip
"""

_DEMO_HELP = f"""\
Create a new SQLite database full of realistic synthetic data, to try exports and charts
without real residents: the configured areas (or six default areas with populations),
onboarded residents with pseudonyms and fake Telegram ids, and rounds of
{DEMO_SURVEY} with invitations and answers that follow the survey's skip logic.
The same arguments always give the same data.

example:
  feedbackbot --config config.example.toml demo generate --out /tmp/demo.sqlite3 \\
      --residents 2000 --rounds 3
  FEEDBACKBOT_DATABASE__PATH=/tmp/demo.sqlite3 feedbackbot --config config.example.toml \\
      export --survey {DEMO_SURVEY} --format xlsx --out /tmp/demo.xlsx --charts /tmp/charts
"""


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export",
        help="export results, raw answers and charts",
        description=_EXPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # not required here: `export reports ...` (bot/cli_reports.py) shares this command;
    # cmd_export checks them instead
    which = export.add_mutually_exclusive_group()
    which.add_argument("--round", type=int, metavar="ID", help="export this round")
    which.add_argument("--survey", metavar="KEY", help="export every round of this survey")
    export.add_argument(
        "--since",
        metavar="DATE",
        help="with --survey: only rounds opening on or after this date (YYYY-MM-DD)",
    )
    export.add_argument(
        "--format", choices=["csv", "xlsx", "json"], help="output format (required)"
    )
    export.add_argument("--out", type=Path, metavar="PATH", help="output path (required)")
    export.add_argument(
        "--charts", type=Path, metavar="DIR", help="also write PNG charts into this folder"
    )
    export.add_argument(
        "--include-text",
        action="store_true",
        help="include free-text answers in the raw table (they may name people; default off)",
    )
    export.add_argument(
        "--language",
        metavar="CODE",
        help="language of question texts and labels (default: the community's first)",
    )
    add_database_option(export)
    export.set_defaults(handler=cmd_export)

    demo = commands.add_parser(
        "demo", help="synthetic demo data", description="Synthetic data for trying things out."
    )
    demo_commands = demo.add_subparsers(dest="demo_command", metavar="COMMAND", required=True)
    generate_ = demo_commands.add_parser(
        "generate",
        help="create a database of synthetic residents, rounds and answers",
        description=_DEMO_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    generate_.add_argument(
        "--out", required=True, type=Path, metavar="DB", help="new database file to create"
    )
    generate_.add_argument(
        "--residents", type=int, default=2000, metavar="N", help="residents (default 2000)"
    )
    generate_.add_argument(
        "--rounds", type=int, default=3, metavar="R", help="survey rounds (default 3)"
    )
    generate_.add_argument(
        "--seed", type=int, default=1, metavar="S", help="random seed (default 1)"
    )
    generate_.add_argument("--force", action="store_true", help="replace the file if it exists")
    generate_.set_defaults(handler=cmd_demo_generate)


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _since(text: str | None, settings: Settings) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=settings.community.zone)


def cmd_export(args: argparse.Namespace) -> int:
    """Export results; 2 for a usage error (unknown round or survey, an output that cannot be
    written, options that do not fit), 1 if writing fails midway."""
    from surveys.export import ExportRequest, check_outputs, run_export
    from surveys.publishing import record_export

    missing = [
        name
        for name, value in (
            ("--round ID or --survey KEY", args.survey if args.round is None else args.round),
            ("--format", args.format),
            ("--out", args.out),
        )
        if value is None
    ]
    if missing:
        _error(f"export: give {', '.join(missing)} (or `export reports` for concern reports)")
        return EXIT_USAGE
    settings = settings_of(args)
    if args.since is not None and args.round is not None:
        _error("--since applies to --survey, not to --round")
        return EXIT_USAGE
    try:
        since = _since(args.since, settings)
    except ValueError:
        _error(f"--since: cannot read {args.since!r} as a date (use YYYY-MM-DD)")
        return EXIT_USAGE
    languages = settings.community.languages
    language = args.language or settings.community.default_language
    if language not in languages:
        _error(
            f"--language {language}: not one of the community's languages ({', '.join(languages)})"
        )
        return EXIT_USAGE
    database = settings.database.path
    if not database.is_file():
        _error(f"{database}: no such database (check {database_origin(settings, args)})")
        return EXIT_USAGE
    texts = Catalogue.load(languages)
    request = ExportRequest(
        out=args.out,
        format=args.format,
        min_group_size=settings.privacy.min_group_size,
        method_note=lambda facts: method_note(texts, facts),
        round_id=args.round,
        survey_key=args.survey,
        since=since,
        include_text=args.include_text,
        language=language,
        charts=args.charts,
        time_zone=settings.community.zone,
    )
    try:
        check_outputs(request)
    except ExportError as exc:
        _error(str(exc))
        return EXIT_USAGE

    async def main() -> int:
        store = await open_existing_current(database)
        bar = tqdm(
            desc="raw answers", unit=" answers", disable=not sys.stderr.isatty(), leave=False
        )
        try:
            result = await run_export(store, request, bar.update)
            await record_export(store, request, result, role="cli", user_id=None)
        finally:
            bar.close()
            await store.close()
        rounds = ", ".join(f"#{r}" for r in result.rounds)
        written = ", ".join(str(path) for path in result.files)
        print(f"exported round(s) {rounds}: {result.raw_rows:,} raw answers -> {written}")
        if result.charts:
            print(f"{len(result.charts)} charts -> {args.charts}")
        return EXIT_OK

    try:
        return asyncio.run(main())
    except (NotFoundError, ExportError, SchemaOutdatedError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except (SurveysError, OSError) as exc:
        _error(f"export failed: {exc}")
        return EXIT_FAILURE


def cmd_demo_generate(args: argparse.Namespace) -> int:
    """Create the synthetic database; 2 for bad arguments or an existing file without --force."""
    settings = load_settings(args.config, required=False)
    if args.residents < 1 or args.rounds < 1:
        _error("--residents and --rounds must be at least 1")
        return EXIT_USAGE
    out: Path = args.out
    if out.exists():
        if not args.force:
            _error(f"{out} exists; pass --force to replace it")
            return EXIT_USAGE
        for path in (out, Path(f"{out}-wal"), Path(f"{out}-shm")):
            path.unlink(missing_ok=True)
    areas = configured_areas(settings) or list(DEFAULT_AREAS)
    try:
        summary = asyncio.run(
            generate(
                out,
                residents=args.residents,
                rounds=args.rounds,
                seed=args.seed,
                areas=areas,
                languages=settings.community.languages,
                progress=sys.stderr.isatty(),
            )
        )
    except (SurveysError, OSError) as exc:
        _error(f"demo data failed: {exc}")
        return EXIT_FAILURE
    print(
        f"{out}: {summary.residents:,} residents, {summary.rounds} rounds of {DEMO_SURVEY}, "
        f"{summary.responses:,} responses, {summary.answers:,} answers"
    )
    return EXIT_OK
