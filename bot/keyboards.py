"""The callback-data codec: one small frozen dataclass per button action, ids never positions.

Wire form: ``1|<action>|<field>|...`` (a version, the action, then the fields in order), at most
64 bytes as Telegram requires. Each field is typed: ``int`` (0 or more, at most 12 digits),
``bool`` (``1``/``0``), a ``Literal`` of words, or ``str`` (a token, or the pattern given with
``Annotated[str, Pattern(...)]``). :func:`decode` returns the typed value; anything else (a
forged payload, a button from an older release) raises :class:`CallbackDataError`, a
:class:`~surveys.errors.StaleActionError`, which the error handler answers politely.

Adding a button: declare ``@payload("act") class MyPress: ...`` below, build it with
``button(label, MyPress(...))`` in a view, and add ``MyPress: handler`` to the table in
:mod:`bot.handlers`.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar, dataclass_transform

from bot.texts import Catalogue
from surveys.errors import StaleActionError
from surveys.models import OutboxMessage

if TYPE_CHECKING:
    # Only the button builders need python-telegram-bot; they import it when called, so the
    # codec serves the CLI (queued invitations carry payloads) without the second it takes.
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

VERSION = "1"
MAX_BYTES = 64
LABEL_MAX = 60


class CallbackDataError(StaleActionError):
    """The payload is not one this release produces."""


@dataclass(frozen=True)
class Pattern:
    """Annotated[str, Pattern(r"...")]: the accepted form of a text field."""

    regex: str


Token = Annotated[str, Pattern(r"[A-Za-z0-9_.-]{1,32}")]
_INT = re.compile(r"0|[1-9]\d{0,11}")
_TOKEN = Pattern(r"[A-Za-z0-9_.-]{1,32}")


class Payload:
    """Base of every button payload; ``ACTION`` is its short name on the wire."""

    ACTION: ClassVar[str]


P = TypeVar("P", bound=Payload)
PAYLOADS: dict[str, type[Payload]] = {}
_Field = tuple[str, Callable[[str], Any], Callable[[Any], str]]
_FIELDS: dict[type[Payload], list[_Field]] = {}


def _field_codec(name: str, hint: Any) -> _Field:
    """(name, parse, render) for one annotated field."""
    base, pattern = hint, _TOKEN
    if typing.get_origin(hint) is Annotated:
        base, *extras = typing.get_args(hint)
        pattern = next((e for e in extras if isinstance(e, Pattern)), _TOKEN)
    if base is int:

        def parse_int(text: str) -> int:
            if not _INT.fullmatch(text):
                raise CallbackDataError(f"{name}: not a number")
            return int(text)

        return name, parse_int, str
    if base is bool:

        def parse_bool(text: str) -> bool:
            if text not in ("0", "1"):
                raise CallbackDataError(f"{name}: not 0 or 1")
            return text == "1"

        return name, parse_bool, lambda value: "1" if value else "0"
    if typing.get_origin(base) is Literal:
        words = {str(word) for word in typing.get_args(base)}

        def parse_word(text: str) -> str:
            if text not in words:
                raise CallbackDataError(f"{name}: not one of {sorted(words)}")
            return text

        return name, parse_word, str
    if base is str:
        regex = re.compile(pattern.regex)

        def parse_text(text: str) -> str:
            if not regex.fullmatch(text):
                raise CallbackDataError(f"{name}: malformed")
            return text

        return name, parse_text, str
    raise TypeError(f"unsupported payload field type {hint!r}")


@dataclass_transform(frozen_default=True)
def payload(action: str) -> Callable[[type[P]], type[P]]:
    """Declare a frozen dataclass as the payload of ``action`` (unique, short)."""

    def register(cls: type[P]) -> type[P]:
        if action in PAYLOADS or "|" in action:
            raise ValueError(f"action {action!r} is already taken or malformed")
        frozen = dataclass(frozen=True)(cls)
        frozen.ACTION = action
        hints = typing.get_type_hints(frozen, include_extras=True)
        _FIELDS[frozen] = [
            _field_codec(f.name, hints[f.name])
            for f in dataclasses.fields(typing.cast(Any, frozen))
        ]
        PAYLOADS[action] = frozen
        return frozen

    return register


def encode(value: Payload) -> str:
    """The wire form of ``value``; a payload that would not decode fails here, not at Telegram."""
    fields = _FIELDS[type(value)]
    data = "|".join(
        [VERSION, value.ACTION, *(render(getattr(value, n)) for n, _, render in fields)]
    )
    if decode(data) != value:
        raise ValueError(f"{value!r} does not survive encoding")
    return data


def decode(data: str | None) -> Payload:
    """The typed payload of a button, or :class:`CallbackDataError`."""
    if not data or len(data.encode()) > MAX_BYTES:
        raise CallbackDataError("empty or too long")
    version, _, rest = data.partition("|")
    if version != VERSION:
        raise CallbackDataError(f"unknown version {version!r}")
    action, *args = rest.split("|")
    cls = PAYLOADS.get(action)
    if cls is None or len(args) != len(_FIELDS[cls]):
        raise CallbackDataError(f"unknown action or arity {action!r}")
    values = {name: parse(arg) for (name, parse, _), arg in zip(_FIELDS[cls], args, strict=True)}
    return cls(**values)


def button(label: str, value: Payload) -> InlineKeyboardButton:
    """An inline button carrying ``value``."""
    from telegram import InlineKeyboardButton

    return InlineKeyboardButton(label, callback_data=encode(value))


def keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    """Rows without the empty ones; None when no button is left."""
    from telegram import InlineKeyboardMarkup

    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None


# --- onboarding, settings, privacy ---------------------------------------------------------

YesNo = Literal["yes", "no"]
AreaPurpose = Literal["onb", "set"]  # choosing during onboarding, or changing in /settings


@payload("consent")
class ConsentPress(Payload):
    answer: YesNo


@payload("lang")
class LanguagePress(Payload):
    code: Annotated[str, Pattern(r"[a-z]{2,3}")]


@payload("area")
class AreaPress(Payload):
    purpose: AreaPurpose
    area_id: Token


@payload("areapage")
class AreaPagePress(Payload):
    purpose: AreaPurpose
    page: int


@payload("menu")
class MenuPress(Payload):
    item: Literal["help", "settings"]


@payload("settings")
class SettingsPress(Payload):
    item: Literal["area", "lang"]


@payload("forget")
class ForgetPress(Payload):
    answer: YesNo


# --- the survey conversation ----------------------------------------------------------------
# Answer buttons carry an option's index in the response's survey *version*: a version never
# changes, and the revision check refuses a button made for another state.


@payload("surveys")
class SurveysPress(Payload):
    what: Literal["list"]


@payload("svstart")
class StartPress(Payload):
    round_id: int


class ResponsePress(Payload):
    """A button under a question: it names the response (and the revision it was made for)."""

    response_id: int
    revision: int


@payload("sva")
class AnswerPress(ResponsePress):
    response_id: int
    revision: int
    position: int
    option: int


@payload("svt")
class TogglePress(ResponsePress):
    response_id: int
    revision: int
    position: int
    option: int


@payload("svd")
class DonePress(ResponsePress):
    response_id: int
    revision: int
    position: int


@payload("svs")
class SkipPress(ResponsePress):
    response_id: int
    revision: int
    position: int


@payload("svb")
class BackPress(ResponsePress):
    response_id: int
    revision: int


@payload("svl")
class LaterPress(ResponsePress):
    response_id: int
    revision: int


# --- staff: /newround, /export, /wedid, /audit ----------------------------------------------


@payload("nrs")
class PlanSurveyPress(Payload):
    survey: Token


@payload("nra")
class PlanAreaPress(Payload):
    area_id: Token


@payload("nrc")
class PlanClosesPress(Payload):
    days: int


@payload("nrr")
class PlanRemindPress(Payload):
    reminders: Annotated[str, Pattern(r"none|\d{1,3}d(,\d{1,3}d){0,4}")]


@payload("nr")
class PlanMovePress(Payload):
    move: Literal["all", "next", "now"]


@payload("nrp")
class PlanRepeatPress(Payload):
    repeat: Literal["none", "weekly", "monthly"]


@payload("nrb")
class PlanBackPress(Payload):
    pass


@payload("nrok")
class PlanCreatePress(Payload):
    pass


@payload("nrx")
class PlanCancelPress(Payload):
    pass


@payload("ex")
class ExportPress(Payload):
    """A round (``scope="r"``, ``ident`` its id) or all rounds of a survey (``"s"``, its key)."""

    scope: Literal["r", "s"]
    ident: Token

    def __post_init__(self) -> None:
        if self.scope == "r" and not _INT.fullmatch(self.ident):
            raise CallbackDataError("a round is named by its id")


@payload("exf")
class ExportFormatPress(Payload):
    scope: Literal["r", "s"]
    ident: Token
    format: Literal["xlsx", "csv", "json"]

    def __post_init__(self) -> None:
        if self.scope == "r" and not _INT.fullmatch(self.ident):
            raise CallbackDataError("a round is named by its id")


# --- events (issue 13): answers to an event announcement and its calendar file --------------


@payload("ev")
class EventPress(Payload):
    choice: Literal["going", "maybe", "cant", "ics"]
    event_id: int


@payload("evn")
class EventNewsPress(Payload):
    """/settings: announcements of new events off (``mute``) or on again."""

    mute: bool


NewEventMove = Literal[
    "back", "skip", "cancel", "all", "next", "nolimit", "nopartner", "preview", "send"
]
NewEventStep = Annotated[
    str, Pattern(r"title:[a-z]{2,3}|starts|ends|place|audience|capacity|partner|confirm|preview")
]


@payload("ne")
class NewEventPress(Payload):
    """A /newevent button, naming the step whose screen it is on (an old screen's button is
    recognised as stale)."""

    step: NewEventStep
    move: NewEventMove


@payload("nea")
class NewEventAreaPress(Payload):
    """/newevent audience: tick or untick an area, by id."""

    area_id: Token


@payload("ned")
class NewEventEndsPress(Payload):
    """/newevent end: so many minutes after the start."""

    minutes: int


@payload("nep")
class NewEventPartnerPress(Payload):
    """/newevent partner: a configured partner organisation, by id."""

    partner_id: Token


@payload("nec")
class NewEventCapacityPress(Payload):
    """/newevent capacity: so many places."""

    places: int


@payload("an")
class AnnouncePress(Payload):
    """Send or Cancel under the /announce preview; ``key`` is the command's message id."""

    choice: Literal["send", "cancel"]
    key: int


@payload("wd")
class WedidPress(Payload):
    choice: Literal["send", "cancel"]
    round_id: int


@payload("au")
class AuditPagePress(Payload):
    """A page of the audit log: entries older than ``before`` (0: the newest)."""

    show: Literal["all", "refused", "allowed"]
    before: int


# --- concern reports (issue 12): the resident's draft, follow-up, staff and partner cards ----

ReportStep = Literal["skiploc", "nomatch", "photos", "contact_yes", "contact_no"]
ReportField = Literal["category", "area", "description", "photos", "contact"]
ReportStatusWord = Literal[
    "acknowledged",
    "in_progress",
    "action_scheduled",
    "referred",
    "resolved",
    "closed",
    "duplicate",
]
ReportReasonWord = Literal[
    "not_responsible", "no_action_possible", "not_found", "insufficient_info"
]
ReportListWord = Literal["open", "overdue", "new", "resolved", "closed", "all"]


@payload("rs")
class ReportMenuPress(Payload):
    """The main menu's "Report a problem" (a new report, or the one in progress) and "My
    reports"."""

    item: Literal["report", "mine"]


@payload("rc")
class DraftCategoryPress(Payload):
    draft_id: int
    category: Token


@payload("ra")
class DraftAreaPress(Payload):
    draft_id: int
    area_id: Token


@payload("rd")
class DraftStepPress(Payload):
    """A draft's step buttons: skip the location, none of the offered reports, photos done,
    contact yes/no."""

    draft_id: int
    step: ReportStep


@payload("ry")
class DraftSubmitPress(Payload):
    """Review screen: send the report."""

    draft_id: int


@payload("re")
class DraftEditPress(Payload):
    """Review screen: edit one field."""

    draft_id: int
    field: ReportField


@payload("rx")
class DraftCancelPress(Payload):
    draft_id: int


@payload("rm")
class MeTooPress(Payload):
    """ "Is it one of these?": follow this report instead of making a new one."""

    draft_id: int
    report_id: int


@payload("rh")
class MyReportPress(Payload):
    """/myreports: one report's status and history."""

    report_id: int


@payload("rf")
class FollowupPress(Payload):
    """ "Has this been fixed?" for one resolution (``cycle``) of a report."""

    report_id: int
    cycle: int
    answer: Literal["yes", "no", "dont_know"]


ANY = "-"
"""A report list filter that lets every area or category through."""


@payload("rl")
class ReportListPress(Payload):
    """/reports: a page of a filtered list (``-``: any area or category)."""

    show: ReportListWord
    area_id: Token
    category: Token
    page: int

    @property
    def area(self) -> str | None:
        """The area filter (None: any area)."""
        return None if self.area_id == ANY else self.area_id

    @property
    def category_code(self) -> str | None:
        """The category filter (None: any category)."""
        return None if self.category == ANY else self.category


@payload("rlf")
class ReportFilterPress(Payload):
    """/reports: choose the value of one filter (the others are kept)."""

    dimension: Literal["show", "area", "category"]
    show: ReportListWord
    area_id: Token
    category: Token


@payload("rv")
class ReportCardPress(Payload):
    """Open a report's card."""

    report_id: int


@payload("rph")
class ReportPhotosPress(Payload):
    """Send a report's photos into the chat."""

    report_id: int


@payload("rt")
class ReportStatusPress(Payload):
    """A status button on a card; carries the revision it was drawn for."""

    report_id: int
    revision: int
    to: ReportStatusWord


@payload("rr")
class ReportReasonPress(Payload):
    """Closing: the reason, shown to the reporter in plain words."""

    report_id: int
    revision: int
    reason: ReportReasonWord


@payload("rn")
class ReportNotePress(Payload):
    """Post a public note without changing the status."""

    report_id: int
    revision: int


@payload("rpm")
class ReportRouteMenuPress(Payload):
    """Show the partners a report can be sent to."""

    report_id: int


@payload("rp")
class ReportRoutePress(Payload):
    """Route to this partner."""

    report_id: int
    revision: int
    partner_id: Token


@payload("rw")
class PendingChangePress(Payload):
    """The change waiting for its note: send it without one, or drop it."""

    report_id: int
    action: Literal["send", "cancel"]


def outbox_keyboard(
    texts: Catalogue, language: str, message: OutboxMessage, params: dict[str, object]
) -> InlineKeyboardMarkup | None:
    """Buttons of a queued message (stored payloads), labels in the recipient's language."""
    from telegram import InlineKeyboardButton

    return keyboard(
        [
            [
                InlineKeyboardButton(
                    texts.raw(language, label, **params)[:LABEL_MAX], callback_data=data
                )
                for label, data in row
            ]
            for row in message.buttons
        ]
    )
