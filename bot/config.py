"""One settings model for the whole bot: every key, its default and its help text.

The file is TOML (``config.example.toml`` documents every key); environment variables
``FEEDBACKBOT_<SECTION>__<KEY>`` override it, so secrets can stay out of the file.
Errors are turned into one line per problem that names where the value came from (the file,
or the environment variable) and the key, because the people running this are community
staff, not Python developers.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from surveys.errors import RoundError
from surveys.quiet import QuietHours
from surveys.reports.models import Category, Partner, ReportPolicy
from surveys.rounds import parse_duration

DEFAULT_CONFIG_PATH = Path("config.toml")
TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
TELEGRAM_FILE_BASE_URL = "https://api.telegram.org/file/bot"
ENV_PREFIX = "FEEDBACKBOT_"
ENV_DELIMITER = "__"
# What @BotFather hands out: the bot's numeric id, a colon, then a secret of URL-safe letters.
TOKEN_SHAPE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,200}")
# Placeholders of config.example.toml and the README: a real secret never reads like this.
TOKEN_PLACEHOLDER = re.compile(r"replace|your[-_]?token", re.IGNORECASE)


class ConfigError(Exception):
    """The configuration cannot be used; the message is ready to show as-is."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramSettings(_Section):
    token: SecretStr | None = Field(
        default=None, description="Bot token from @BotFather. Required by `feedbackbot run`."
    )

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # The messages never repeat the value: it may be a real secret with a typo.
        if value is None:
            return None
        secret = value.get_secret_value().strip()
        if not secret:
            raise ValueError("is empty (paste the token from @BotFather, or leave the key out)")
        if not TOKEN_SHAPE.fullmatch(secret):
            raise ValueError(
                "is not a bot token: expected digits, a colon and letters, like "
                "123456789:AAH...; copy it again from @BotFather"
            )
        return SecretStr(secret)

    @property
    def is_placeholder(self) -> bool:
        """True while the token is still an example's placeholder, not a real one."""
        return self.token is not None and bool(
            TOKEN_PLACEHOLDER.search(self.token.get_secret_value())
        )

    api_base_url: str = Field(
        default=TELEGRAM_API_BASE_URL,
        description="Bot API base URL; the token is appended. Point it at a local Bot API "
        "server or at the sandbox emulator.",
    )
    file_base_url: str = Field(
        default=TELEGRAM_FILE_BASE_URL,
        description="Base URL for file downloads; the token is appended.",
    )
    poll_timeout: int = Field(
        default=10, ge=0, le=50, description="Long-polling timeout in seconds for getUpdates."
    )


class DatabaseSettings(_Section):
    path: Path = Field(
        default=Path("feedback.sqlite3"), description="SQLite database file (created if missing)."
    )


class CommunitySettings(_Section):
    name: str = Field(default="Our community", min_length=1, description="Shown to residents.")
    timezone: str = Field(
        default="UTC",
        description="IANA time zone used to show and enter times, e.g. Europe/Madrid.",
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en"],
        min_length=1,
        description="Language codes offered to residents; the first is the default.",
    )
    emergency_number: str = Field(
        default="112",
        min_length=1,
        description="Told to residents: the bot is not for emergencies.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as 'Europe/London')"
            ) from exc
        return value

    @field_validator("languages")
    @classmethod
    def _distinct_languages(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("languages must not repeat")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def default_language(self) -> str:
        return self.languages[0]


class AreaSettings(_Section):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$", description="Stable area code.")
    name: str = Field(min_length=1, max_length=60, description="Name shown on the area button.")
    population: int | None = Field(
        default=None, ge=1, description="Residents living there; enables weighted estimates."
    )


class AccessSettings(_Section):
    admins: list[int] = Field(default_factory=list, description="Telegram user ids of admins.")
    coordinators: list[int] = Field(
        default_factory=list, description="Telegram user ids of coordinators."
    )


class PrivacySettings(_Section):
    min_group_size: int = Field(
        default=10, ge=1, description="Groups smaller than this are never reported."
    )


class DeliverySettings(_Section):
    rate_per_second: float = Field(
        default=28.0,
        gt=0,
        le=1000,
        description="Messages per second in all (Telegram allows about 30); replies to "
        "residents go first, broadcasts use the rest.",
    )
    per_chat_interval: float = Field(
        default=1.0, ge=0, description="Minimum seconds between broadcast messages to one chat."
    )
    concurrency: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Requests in flight at once; also the most a crash can send twice.",
    )
    max_attempts: int = Field(
        default=8,
        ge=1,
        description="Send attempts per message (network errors, 5xx; waits of 1, 2, 4 ... s "
        "between them) before it counts as failed and the coordinators are told.",
    )
    quiet_hours: str = Field(
        default="21:00-08:00",
        description="Local HH:MM-HH:MM window without broadcasts or reminders; empty for none.",
    )

    @field_validator("quiet_hours")
    @classmethod
    def _valid_quiet_hours(cls, value: str) -> str:
        QuietHours.parse(value, ZoneInfo("UTC"))
        return value


class RoundSettings(_Section):
    check_interval: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="Seconds between checks for due openings, reminders and closings "
        "(rounds created from the CLI are picked up this fast).",
    )


# --- events (issue 13) -------------------------------------------------------------------


def _duration(value: str) -> timedelta:
    try:
        return parse_duration(value)
    except RoundError as exc:
        raise ValueError(str(exc)) from None


class EventSettings(_Section):
    reminders: list[str] = Field(
        default_factory=lambda: ["24h", "1h"],
        description="Reminders before an event's start to residents going or maybe; whole "
        "days keep the local time of day across daylight-saving changes.",
    )
    quiet_reminders_from: str = Field(
        default="12h",
        description="Reminders at least this long before the start wait for the end of quiet "
        "hours (the day-before one); shorter ones go at once.",
    )
    feedback_survey: str = Field(
        default="event-feedback", description="Survey asked after an event to those going."
    )
    feedback_delay: str = Field(
        default="1h", description="How long after the end the feedback round opens."
    )
    feedback_open_for: str = Field(
        default="7d", description="How long the feedback round stays open."
    )
    feedback_reminders: list[str] = Field(
        default_factory=lambda: ["3d"],
        description="Reminders, after the feedback round opens, to those who have not answered.",
    )
    check_interval: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="Seconds between checks for due announcements, reminders and feedback "
        "(events created from the CLI are announced this fast).",
    )

    @field_validator("quiet_reminders_from", "feedback_delay", "feedback_open_for")
    @classmethod
    def _valid_duration(cls, value: str) -> str:
        _duration(value)
        return value

    @field_validator("reminders", "feedback_reminders")
    @classmethod
    def _valid_durations(cls, value: list[str]) -> list[str]:
        for item in value:
            _duration(item)
        return value

    @model_validator(mode="after")
    def _reminders_before_close(self) -> EventSettings:
        if any(offset >= self.feedback_open_period for offset in self.feedback_reminder_offsets):
            raise ValueError("feedback_reminders must fall before feedback_open_for ends")
        return self

    @property
    def reminder_offsets(self) -> tuple[timedelta, ...]:
        return tuple(sorted({_duration(item) for item in self.reminders}, reverse=True))

    @property
    def feedback_reminder_offsets(self) -> tuple[timedelta, ...]:
        return tuple(sorted({_duration(item) for item in self.feedback_reminders}))

    @property
    def feedback_open_period(self) -> timedelta:
        return _duration(self.feedback_open_for)

    @property
    def feedback_delay_period(self) -> timedelta:
        return _duration(self.feedback_delay)

    @property
    def quiet_period(self) -> timedelta:
        return _duration(self.quiet_reminders_from)


# --- end of events --------------------------------------------------------------------------


class SurveySettings(_Section):
    files: list[Path] = Field(
        default_factory=list,
        description="Extra survey definition files; a file with a built-in key replaces it.",
    )


# --- concern reports (issue 12): categories, partners and the report policy -------------------

_CODE = r"^[a-z0-9][a-z0-9_-]{0,31}$"


class ReportCategorySettings(_Section):
    id: str = Field(pattern=_CODE, description="Stable category code (the Open311 service_code).")
    name: dict[str, str] = Field(
        min_length=1, description="Name per language code, shown on the button and in exports."
    )
    sensitive: bool = Field(
        default=False,
        description="Never routed to partners, never followed up automatically, never offered "
        "as 'is it one of these?', and its locations are never exported.",
    )
    overdue_days: float | None = Field(
        default=None,
        gt=0,
        description="Days without acknowledgement or progress before a report is overdue; "
        "unset: reports.overdue_days.",
    )


def _default_categories() -> list[ReportCategorySettings]:
    names = [
        ("antisocial", "Antisocial behaviour", "Comportamiento incívico", False),
        ("vandalism", "Vandalism or graffiti", "Vandalismo o pintadas", False),
        ("lighting", "Street lighting", "Alumbrado público", False),
        ("traffic", "Traffic and parking", "Tráfico y aparcamiento", False),
        ("drugs", "Drug dealing or use", "Venta o consumo de drogas", False),
        ("domestic", "Domestic abuse", "Violencia doméstica", True),
        ("other", "Something else", "Otra cosa", False),
    ]
    return [
        ReportCategorySettings(id=code, name={"en": en, "es": es}, sensitive=sensitive)
        for code, en, es, sensitive in names
    ]


class ReportSettings(_Section):
    daily_limit: int = Field(
        default=5, ge=1, description="Reports one resident may submit in 24 hours."
    )
    overdue_days: float = Field(
        default=2.0,
        gt=0,
        description="Days without acknowledgement or progress before a report is overdue.",
    )
    match_radius_m: float = Field(
        default=250.0,
        ge=0,
        le=50_000,
        description="Metres around a shared location searched for 'is it one of these?'.",
    )
    location_decimals: int = Field(
        default=3, ge=0, le=6, description="Decimals of latitude/longitude kept in exports."
    )
    followup_after_days: float = Field(
        default=3.0,
        ge=0,
        description="Days after 'resolved' before reporter and followers are asked whether "
        "it has been fixed.",
    )
    resolved_within_days: int = Field(
        default=7, ge=1, description="N of the figure 'share resolved within N days'."
    )
    check_interval: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="Seconds between checks for overdue reports, due follow-ups and notices.",
    )
    categories: list[ReportCategorySettings] = Field(
        default_factory=_default_categories,
        min_length=1,
        description="What residents can report, in the order shown.",
    )

    @field_validator("categories")
    @classmethod
    def _distinct_categories(
        cls, value: list[ReportCategorySettings]
    ) -> list[ReportCategorySettings]:
        ids = [category.id for category in value]
        if len(set(ids)) != len(ids):
            raise ValueError("category ids must be unique")
        return value


class PartnerSettings(_Section):
    id: str = Field(pattern=_CODE, description="Stable partner code.")
    name: str = Field(
        min_length=1, max_length=80, description="Shown on reports (Open311 agency_responsible)."
    )
    chat_id: int = Field(lt=0, description="Telegram group chat id the bot posts reports to.")
    members: list[int] = Field(
        default_factory=list,
        description="Telegram user ids who may act on reports from the group.",
    )
    categories: list[str] = Field(
        default_factory=list, description="Report categories routed to this partner."
    )


def check_reports(settings: Settings) -> None:
    """Cross-section rules: names in every language, partners only for known, non-sensitive
    categories; raised as ValueError so they read like any other configuration error."""
    categories = {category.id: category for category in settings.reports.categories}
    for category in settings.reports.categories:
        missing = [code for code in settings.community.languages if code not in category.name]
        if missing:
            raise ValueError(
                f"reports.categories: {category.id!r} has no name for "
                + ", ".join(repr(code) for code in missing)
            )
    ids = [partner.id for partner in settings.partners]
    if len(set(ids)) != len(ids):
        raise ValueError("partners: partner ids must be unique")
    for partner in settings.partners:
        for code in partner.categories:
            if code not in categories:
                raise ValueError(f"partners: {partner.id!r} names unknown category {code!r}")
            if categories[code].sensitive:
                raise ValueError(
                    f"partners: {partner.id!r} names sensitive category {code!r}; sensitive "
                    "reports are never routed to partners"
                )


def report_policy(settings: Settings) -> ReportPolicy:
    """The report rules of the configuration, as the domain takes them."""
    reports = settings.reports
    default = timedelta(days=reports.overdue_days)
    return ReportPolicy(
        categories=tuple(
            Category(
                id=c.id,
                names=dict(c.name),
                sensitive=c.sensitive,
                overdue_after=timedelta(days=c.overdue_days) if c.overdue_days else default,
            )
            for c in reports.categories
        ),
        partners=tuple(
            Partner(
                id=p.id,
                name=p.name,
                chat_id=p.chat_id,
                members=frozenset(p.members),
                categories=frozenset(p.categories),
            )
            for p in settings.partners
        ),
        daily_limit=reports.daily_limit,
        default_overdue=default,
        match_radius_m=reports.match_radius_m,
        location_decimals=reports.location_decimals,
        followup_after=timedelta(days=reports.followup_after_days),
        resolved_within_days=reports.resolved_within_days,
        min_group_size=settings.privacy.min_group_size,
        coordinators=frozenset(settings.access.coordinators),
        admins=frozenset(settings.access.admins),
    )


class Settings(BaseSettings):
    """Everything the bot can be told, read from TOML with environment overrides."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        extra="forbid",
        frozen=True,
    )
    _source: Path | None = PrivateAttr(default=None)

    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    community: CommunitySettings = Field(default_factory=CommunitySettings)
    areas: list[AreaSettings] = Field(
        default_factory=list, description="Neighbourhoods residents choose from."
    )
    access: AccessSettings = Field(default_factory=AccessSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    surveys: SurveySettings = Field(default_factory=SurveySettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    rounds: RoundSettings = Field(default_factory=RoundSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    partners: list[PartnerSettings] = Field(
        default_factory=list, description="Partner organisations that receive reports."
    )

    @field_validator("areas")
    @classmethod
    def _distinct_areas(cls, value: list[AreaSettings]) -> list[AreaSettings]:
        ids = [area.id for area in value]
        if len(set(ids)) != len(ids):
            raise ValueError("area ids must be unique")
        return value

    @model_validator(mode="after")
    def _reports_consistent(self) -> Settings:
        check_reports(self)
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init arguments; the environment wins over them.
        return (env_settings, init_settings)

    @property
    def source(self) -> Path | None:
        """The file these settings were read from (None: defaults and environment only)."""
        return self._source

    def origin(self, key: str) -> str:
        """Where the value of a dotted ``key`` came from, for error messages: the environment
        variable that set it, else the file."""
        variable = env_variable(key.split("."))
        if variable is not None:
            return variable
        return str(self._source) if self._source is not None else "(default settings)"

    def role_of(self, user_id: int) -> Literal["admin", "coordinator", "resident"]:
        """Return the configured role of a Telegram user: admin, coordinator or resident."""
        if user_id in self.access.admins:
            return "admin"
        if user_id in self.access.coordinators:
            return "coordinator"
        return "resident"


def load_settings(path: Path | None = None, *, required: bool = True) -> Settings:
    """Read settings from ``path`` (default ``./config.toml``) plus the environment.

    A missing file is an error only when ``required``; then defaults and environment apply.
    """
    path = path or DEFAULT_CONFIG_PATH
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    elif required:
        raise ConfigError(
            f"{path}: no such file (copy config.example.toml to {path} and edit it, "
            "or pass --config PATH)"
        )
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, path)) from None
    except SettingsError as exc:
        raise ConfigError(describe_environment_error(exc)) from None
    settings._source = path if path.exists() else None
    return settings


def describe_validation_error(exc: ValidationError, path: Path) -> str:
    """Turn pydantic's report into ``origin: section.key: problem`` lines, the origin being
    the environment variable that set the value, else the file."""
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            problem = "unknown key (check the spelling against config.example.toml)"
        elif error["type"] == "missing":
            problem = "required key is missing"
        else:
            problem = error["msg"].removeprefix("Value error, ")
        origin = env_variable([str(part) for part in error["loc"]]) or str(path)
        # cross-section rules name their keys themselves
        lines.append(f"{origin}: {key}: {problem}" if error["loc"] else f"{origin}: {problem}")
    return "\n".join(lines)


def env_variable(loc: Sequence[str]) -> str | None:
    """The ``FEEDBACKBOT_...`` variable that sets the value at ``loc`` (or a whole section
    holding it), if one is set. Names match case-insensitively, as pydantic-settings reads them.
    """
    present = {name.upper(): name for name in os.environ}
    keys = [part for part in loc if not part.isdigit()]
    for depth in range(len(keys), 0, -1):
        name = ENV_PREFIX + ENV_DELIMITER.join(keys[:depth]).upper()
        if name in present:
            return present[name]
    return None


def describe_environment_error(exc: SettingsError) -> str:
    """One line for a variable pydantic-settings could not even decode (lists and sections
    are JSON), naming the variable rather than pydantic-settings' internals."""
    field = re.search(r'field "(\w+)"', str(exc))
    prefix = ENV_PREFIX + (field.group(1).upper() if field else "")
    candidates = sorted(
        name
        for name in os.environ
        if name.upper() == prefix or name.upper().startswith(prefix + ENV_DELIMITER)
    )
    for name in candidates:
        path = name[len(ENV_PREFIX) :].lower().split(ENV_DELIMITER)
        if not _is_structured(path):
            continue
        try:
            json.loads(os.environ[name])
        except ValueError as error:
            example = _json_example(path)
            return (
                f"{name}: not valid JSON ({error.args[0].split(':')[0].lower()}); lists and "
                f"sections are written as JSON, e.g. {name}={example}"
            )
    named = ", ".join(candidates) or f"{prefix}..."
    return f"{named}: cannot be read ({exc.__cause__ or exc})"


def _field_annotation(path: Sequence[str]) -> Any:
    model: Any = Settings
    annotation: Any = None
    for part in path:
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return None
        annotation = fields[part].annotation
        model = annotation
    return annotation


def _json_example(path: Sequence[str]) -> str:
    annotation = _field_annotation(path)
    if get_origin(annotation) is not list:
        return '\'{"key": "value"}\''
    (item,) = getattr(annotation, "__args__", (None,))
    models = isinstance(item, type) and issubclass(item, BaseModel)
    return "'[{...}, {...}]'" if models else "'[1, 2]'"


def _is_structured(path: Sequence[str]) -> bool:
    annotation = _field_annotation(path)
    return get_origin(annotation) in (list, dict) or (
        isinstance(annotation, type) and issubclass(annotation, BaseModel)
    )


def survey_file_problems(settings: Settings) -> list[str]:
    """``file:line: problem`` for every problem of every file in ``surveys.files`` (a missing
    file included), checked against the community's languages; empty when all load."""
    from surveys.definitions import check_files

    issues = check_files(settings.surveys.files, settings.community.languages)
    return [str(issue) for issue in issues]
