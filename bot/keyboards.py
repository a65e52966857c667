"""Inline keyboards and the callback-data codec.

Callback data is ``1|<action>|<arg>...``: a version, a short action and validated arguments,
at most 64 bytes as Telegram requires. Anything that does not decode (a forged payload, a button
from an older release) raises :class:`CallbackDataError`, which handlers answer politely.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import Catalogue
from surveys.answering import RoundEntry, SurveyState
from surveys.definitions import Button
from surveys.models import Area, OutboxMessage

VERSION = "1"
MAX_BYTES = 64
AREAS_PER_PAGE = 8

_TOKEN = r"[A-Za-z0-9_-]{1,32}"
_NUMBER = r"\d{1,6}"
_ID = r"[1-9]\d{0,11}"
_REV = r"\d{1,9}"
# action -> one pattern per argument
ACTIONS: dict[str, tuple[str, ...]] = {
    "consent": (r"yes|no",),
    "lang": (r"[a-z]{2,3}",),
    "area": (r"onb|set", _TOKEN),
    "areapage": (r"onb|set", _NUMBER),
    "menu": (r"help|settings",),
    "settings": (r"area|lang",),
    "forget": (r"yes|no",),
    "surveys": (r"list",),
    "svstart": (_ID,),
    # survey buttons carry (response, revision[, question position[, option]])
    "sva": (_ID, _REV, _NUMBER, _NUMBER),
    "svt": (_ID, _REV, _NUMBER, _NUMBER),
    "svd": (_ID, _REV, _NUMBER),
    "svs": (_ID, _REV, _NUMBER),
    "svb": (_ID, _REV),
    "svl": (_ID, _REV),
    "ex": (r"r|s", _NUMBER),
    "exf": (r"r|s", _NUMBER, r"xlsx|csv|json"),
    "wd": (r"send|cancel",),
    "ev": (r"going|maybe|cant|ics", _ID),
    "nr": (
        r"survey|area|all|next|now|closes|remind|create|cancel",
        r"-|\d{1,3}|[0-9dhmw,]{1,20}|none",
    ),
}


class CallbackDataError(ValueError):
    """The payload is not one this release produces."""


@dataclass(frozen=True)
class Callback:
    action: str
    args: tuple[str, ...]


def encode(action: str, *args: str | int) -> str:
    data = "|".join((VERSION, action, *map(str, args)))
    decode(data)  # a programming error surfaces here, not as a Telegram 400
    return data


def decode(data: str | None) -> Callback:
    if not data or len(data.encode()) > MAX_BYTES:
        raise CallbackDataError("empty or too long")
    version, _, rest = data.partition("|")
    if version != VERSION:
        raise CallbackDataError(f"unknown version {version!r}")
    action, *args = rest.split("|")
    patterns = ACTIONS.get(action)
    if patterns is None or len(args) != len(patterns):
        raise CallbackDataError(f"unknown action {action!r}")
    for arg, pattern in zip(args, patterns, strict=True):
        if not re.fullmatch(pattern, arg):
            raise CallbackDataError(f"bad argument {arg!r} for {action}")
    return Callback(action, tuple(args))


def consent_keyboard(texts: Catalogue, language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.get(language, "consent_yes"), callback_data=encode("consent", "yes")
                ),
                InlineKeyboardButton(
                    texts.get(language, "consent_no"), callback_data=encode("consent", "no")
                ),
            ]
        ]
    )


def language_keyboard(texts: Catalogue) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.get(code, "language_name"), callback_data=encode("lang", code)
                )
            ]
            for code in texts.languages
        ]
    )


def area_pages(areas: Sequence[Area]) -> int:
    return max(1, math.ceil(len(areas) / AREAS_PER_PAGE))


def area_keyboard(
    texts: Catalogue, language: str, areas: Sequence[Area], *, page: int, purpose: str
) -> InlineKeyboardMarkup:
    """Two areas per row, eight per page, with Previous/Next when there are more."""
    pages = area_pages(areas)
    page = min(max(page, 0), pages - 1)
    shown = areas[page * AREAS_PER_PAGE : (page + 1) * AREAS_PER_PAGE]
    buttons = [
        InlineKeyboardButton(area.name, callback_data=encode("area", purpose, area.id))
        for area in shown
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                texts.get(language, "button_previous"),
                callback_data=encode("areapage", purpose, page - 1),
            )
        )
    if page < pages - 1:
        nav.append(
            InlineKeyboardButton(
                texts.get(language, "button_next"),
                callback_data=encode("areapage", purpose, page + 1),
            )
        )
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def menu_keyboard(texts: Catalogue, language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.get(language, "menu_surveys"), callback_data=encode("surveys", "list")
                )
            ],
            [
                InlineKeyboardButton(
                    texts.get(language, "menu_settings"), callback_data=encode("menu", "settings")
                ),
                InlineKeyboardButton(
                    texts.get(language, "menu_help"), callback_data=encode("menu", "help")
                ),
            ],
        ]
    )


def rounds_keyboard(
    texts: Catalogue, language: str, entries: Sequence[RoundEntry]
) -> InlineKeyboardMarkup | None:
    """One Start/Continue button per open round not completed yet (None when there is none)."""
    rows = []
    for entry in entries:
        if entry.response is not None and entry.response.completed:
            continue
        key = "button_continue_survey" if entry.response else "button_start_survey"
        title = entry.definition.title[language]
        rows.append(
            [
                InlineKeyboardButton(
                    texts.raw(language, key, title=title)[:60],
                    callback_data=encode("svstart", entry.round.id),
                )
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def question_keyboard(texts: Catalogue, language: str, state: SurveyState) -> InlineKeyboardMarkup:
    """Answer buttons for the question on screen, then Back / Skip / Continue later."""
    question = state.question
    assert question is not None
    response, rev = state.response.id, state.response.revision
    pos = state.definition.position(question.id)

    toggles = question.input == "toggles"

    def button(answer: Button) -> InlineKeyboardButton:
        if answer.ticked is None:
            data = encode("sva", response, rev, pos, answer.option)
            return InlineKeyboardButton(answer.label, callback_data=data)
        tick = "☑ " if answer.ticked else "☐ "
        data = encode("svt", response, rev, pos, answer.option)
        return InlineKeyboardButton(tick + answer.label, callback_data=data)

    rows = [[button(answer) for answer in row] for row in question.buttons(language, state.picks)]
    if toggles:
        rows.append(
            [
                InlineKeyboardButton(
                    texts.get(language, "button_done"),
                    callback_data=encode("svd", response, rev, pos),
                )
            ]
        )
    nav = []
    if state.can_go_back:
        nav.append(
            InlineKeyboardButton(
                texts.get(language, "button_back"), callback_data=encode("svb", response, rev)
            )
        )
    if not question.required:
        nav.append(
            InlineKeyboardButton(
                texts.get(language, "button_skip"), callback_data=encode("svs", response, rev, pos)
            )
        )
    nav.append(
        InlineKeyboardButton(
            texts.get(language, "button_later"), callback_data=encode("svl", response, rev)
        )
    )
    rows.append(nav)
    return InlineKeyboardMarkup(rows)


def settings_keyboard(texts: Catalogue, language: str) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                texts.get(language, "settings_area"), callback_data=encode("settings", "area")
            )
        ]
    ]
    if len(texts.languages) > 1:
        rows.append(
            [
                InlineKeyboardButton(
                    texts.get(language, "settings_language"),
                    callback_data=encode("settings", "lang"),
                )
            ]
        )
    return InlineKeyboardMarkup(rows)


def forget_keyboard(texts: Catalogue, language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.get(language, "forget_yes"), callback_data=encode("forget", "yes")
                ),
                InlineKeyboardButton(
                    texts.get(language, "forget_no"), callback_data=encode("forget", "no")
                ),
            ]
        ]
    )


def outbox_keyboard(
    texts: Catalogue, language: str, message: OutboxMessage, params: dict[str, object]
) -> InlineKeyboardMarkup | None:
    """Buttons of a queued message, labels rendered in the recipient's language."""
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.raw(language, label, **params)[:60], callback_data=data)
                for label, data in row
            ]
            for row in message.buttons
        ]
    )
