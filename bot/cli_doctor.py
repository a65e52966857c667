"""``feedbackbot doctor``: is this installation ready to run? One line per check, a verdict
first (OK, WARN or FAIL), exit 1 if anything failed.

Nothing is changed: the database is read read-only, and the token is tried with ``getMe``
(which the Bot API answers without side effects) over plain HTTP, without python-telegram-bot.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from bot.cli_options import EXIT_FAILURE, EXIT_OK, add_database_option, settings_of
from bot.config import ConfigError, Settings, survey_file_problems
from bot.services import load_catalogue
from surveys.store.db import inspect_database

Verdict = Literal["OK", "WARN", "FAIL"]
GETME_TIMEOUT = 10.0


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.verdict:<4} {self.name}: {self.detail}"


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check that everything is ready to run",
        description="Check the configuration, the survey files, the people with access, the "
        "token (asks the Bot API who the bot is) and the database (integrity and schema "
        "version), one line per check: OK, WARN (works, but look at it) or FAIL. Exit 1 if "
        "any check failed. Changes nothing.",
    )
    add_database_option(doctor)
    doctor.set_defaults(handler=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    failed = False
    for check in checks(args):
        print(check, flush=True)
        failed = failed or check.verdict == "FAIL"
    return EXIT_FAILURE if failed else EXIT_OK


def checks(args: argparse.Namespace) -> Iterator[Check]:
    try:
        settings = settings_of(args)
        load_catalogue(settings)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            yield Check("FAIL", "config", line)
        return
    community = settings.community
    yield Check(
        "OK",
        "config",
        f"{settings.source or 'no file, defaults and environment'}: {community.name}, "
        f"{len(settings.areas)} areas, languages {', '.join(community.languages)}, "
        f"time zone {community.timezone}",
    )
    if settings.areas:
        yield Check("OK", "areas", ", ".join(area.id for area in settings.areas))
    else:
        yield Check(
            "WARN",
            "areas",
            f"none: residents cannot say where they live, and nothing is reported per area "
            f"(add [[areas]] to {settings.origin('areas')})",
        )
    yield from _survey_files(settings)
    yield from _access(settings)
    yield _token(settings)
    yield _database(settings)


def _survey_files(settings: Settings) -> Iterator[Check]:
    files = settings.surveys.files
    if not files:
        yield Check("OK", "survey files", "none configured (the built-in library is used)")
        return
    problems = survey_file_problems(settings)
    for line in problems:
        yield Check("FAIL", "survey files", line)
    if not problems:
        yield Check("OK", "survey files", ", ".join(str(path) for path in files))


def _access(settings: Settings) -> Iterator[Check]:
    admins, coordinators = settings.access.admins, settings.access.coordinators
    origin = settings.origin("access.admins")
    if admins:
        yield Check("OK", "admins", f"{len(admins)} configured")
    else:
        yield Check(
            "FAIL",
            "admins",
            f"none: nobody can export results or read the audit log (set access.admins in "
            f"{origin} to Telegram user ids)",
        )
    if coordinators:
        yield Check("OK", "coordinators", f"{len(coordinators)} configured")
    else:
        yield Check(
            "WARN",
            "coordinators",
            f"none: only admins can plan rounds and announce (set access.coordinators in "
            f"{settings.origin('access.coordinators')})",
        )


def _token(settings: Settings) -> Check:
    telegram = settings.telegram
    origin = settings.origin("telegram.token")
    if telegram.token is None:
        return Check("FAIL", "token", f"not set (telegram.token in {origin})")
    if telegram.is_placeholder:
        return Check("FAIL", "token", f"still the example's placeholder ({origin})")
    import httpx

    host = urlsplit(telegram.api_base_url).netloc
    url = f"{telegram.api_base_url}{telegram.token.get_secret_value()}/getMe"
    try:
        response = httpx.get(url, timeout=GETME_TIMEOUT)
    except httpx.HTTPError as exc:
        # the exception's text may contain the URL, and so the token: name its kind only
        return Check(
            "FAIL", "token", f"the Bot API at {host} is unreachable ({type(exc).__name__})"
        )
    if response.status_code in (401, 404):
        return Check(
            "FAIL", "token", f"rejected by the Bot API at {host} (check it with @BotFather)"
        )
    try:
        bot = response.json()["result"]
        name = f"@{bot['username']} (id {bot['id']})"
    except (ValueError, KeyError, TypeError):
        return Check("FAIL", "token", f"the Bot API at {host} answered HTTP {response.status_code}")
    return Check("OK", "token", f"accepted by {host}: the bot is {name}")


def _database(settings: Settings) -> Check:
    state = inspect_database(settings.database.path)
    path = state.path
    if not state.exists:
        return Check("WARN", "database", f"{path} does not exist yet (the bot creates it)")
    if state.problems:
        more = f" (and {len(state.problems) - 1} more)" if len(state.problems) > 1 else ""
        return Check("FAIL", "database", f"{path}: integrity check: {state.problems[0]}{more}")
    if state.too_new:
        return Check(
            "FAIL",
            "database",
            f"{path}: schema version {state.version} is newer than this release supports "
            f"({state.latest}); upgrade community-feedback-bot",
        )
    if state.outdated:
        return Check(
            "WARN",
            "database",
            f"{path}: schema version {state.version} of {state.latest}; the bot migrates it "
            "when it starts (or run `feedbackbot db migrate`)",
        )
    return Check("OK", "database", f"{path}: schema version {state.version}, integrity ok")
