"""The one wiring place: which update goes to which handler, in which order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import BotCommand
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import FeedbackApplication
from bot.handlers import (
    admin,
    coordinator,
    errors,
    fallback,
    newround,
    onboarding,
    privacy,
    results,
    settings,
    survey,
)
from bot.keyboards import CallbackDataError, decode
from bot.texts import Catalogue

PRIVATE = filters.ChatType.PRIVATE


def _action(name: str) -> Callable[[object], bool]:
    """A callback pattern that matches only well-formed payloads of one action."""

    def matches(data: object) -> bool:
        try:
            return isinstance(data, str) and decode(data).action == name
        except CallbackDataError:
            return False

    return matches


RESIDENT_COMMANDS = ("start", "surveys", "settings", "help", "stop", "forget")
COORDINATOR_COMMANDS = ("residents", "announce", "newround", "results", "wedid")
ADMIN_COMMANDS = ("audit", "export")


def command_menu(texts: Catalogue, language: str, role: str) -> list[BotCommand]:
    """The command list Telegram shows, for a role, described in ``language``."""
    names = list(RESIDENT_COMMANDS)
    if role in ("coordinator", "admin"):
        names += COORDINATOR_COMMANDS
    if role == "admin":
        names += ADMIN_COMMANDS
    return [BotCommand(name, texts.get(language, f"command_{name}")) for name in names]


def register(app: FeedbackApplication) -> None:
    """Add every handler; order matters within the group: first match wins."""
    commands: list[tuple[str, Any]] = [
        ("start", onboarding.start),
        ("help", settings.help_command),
        ("settings", settings.settings_command),
        ("surveys", survey.surveys_command),
        ("stop", privacy.stop),
        ("forget", privacy.forget),
        ("residents", coordinator.residents),
        ("announce", coordinator.announce),
        ("audit", admin.audit),
        ("newround", newround.newround),
        ("results", results.results),
        ("export", results.export),
        ("wedid", results.wedid),
    ]
    app.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED, fallback.unexpected_edit))
    for name, callback in commands:
        app.add_handler(
            CommandHandler(name, callback, filters=PRIVATE & filters.UpdateType.MESSAGE)
        )
    buttons: list[tuple[str, Any]] = [
        ("consent", onboarding.consent_pressed),
        ("lang", onboarding.language_pressed),
        ("area", onboarding.area_pressed),
        ("areapage", onboarding.area_page_pressed),
        ("menu", settings.menu_pressed),
        ("settings", settings.settings_pressed),
        ("forget", privacy.forget_pressed),
        ("surveys", survey.surveys_command),
        ("svstart", survey.start_pressed),
        ("nr", newround.newround_pressed),
        ("ex", results.export_pressed),
        ("exf", results.export_format_pressed),
        ("wd", results.wedid_pressed),
        *(
            (action, survey.survey_button_pressed)
            for action in ("sva", "svt", "svd", "svs", "svb", "svl")
        ),
    ]
    for action, callback in buttons:
        app.add_handler(CallbackQueryHandler(callback, pattern=_action(action)))
    app.add_handler(CallbackQueryHandler(fallback.unknown_button))
    message = PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(message & filters.COMMAND, fallback.unknown_command))
    app.add_handler(MessageHandler(message & filters.TEXT, fallback.stray_text))
    app.add_handler(MessageHandler(message, fallback.unexpected_media))
    app.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & filters.Command() & filters.Regex(r"^/(start|help)\b"),
            fallback.group_command,
        )
    )
    app.add_error_handler(errors.on_error)
