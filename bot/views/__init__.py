"""Views: a screen (text and keyboard) from domain values, one module per flow.

Views are pure: they read the catalogue and the values they are given, never the store, so a
handler is ``parse -> call a use case -> await reply(update, context, *some_view(...))``.
"""

from __future__ import annotations

from typing import NamedTuple

from telegram import InlineKeyboardMarkup


class Screen(NamedTuple):
    """What one message shows: HTML text and its inline keyboard (if any)."""

    text: str
    markup: InlineKeyboardMarkup | None = None
