"""Validation of ``reply_markup`` the way Telegram rejects it.

The limits that matter for this project are the ones bots trip over in production: callback_data
must be 1-64 bytes (``BUTTON_DATA_INVALID``), each inline button needs text and exactly one
action, and the JSON must parse at all.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.params import Params, bad_request

__all__ = ["inline_buttons", "is_inline", "validate_reply_markup"]

_PARSE_ERROR = "can't parse reply keyboard markup JSON object"
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
MAX_BUTTONS = 100


def validate_reply_markup(params: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Return the decoded markup or raise the 400 Telegram would send."""
    markup = params.json("reply_markup", _PARSE_ERROR)
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request(_PARSE_ERROR)
    if "inline_keyboard" in markup:
        _validate_inline(markup["inline_keyboard"])
        return markup
    if inline_only:
        raise bad_request("reply markup must be an InlineKeyboardMarkup for this method")
    if "keyboard" in markup:
        _validate_keyboard(markup["keyboard"])
    elif markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        pass
    else:
        raise bad_request(_PARSE_ERROR)
    return markup


def _rows(rows: Any, owner: str) -> list[list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{owner}" of the markup must be an Array of Arrays')
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return rows


def _validate_inline(rows: Any) -> None:
    for row in _rows(rows, "inline_keyboard"):
        for button in row:
            _validate_inline_button(button)


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("can't parse inline keyboard button: button text must be non-empty")
    actions = [name for name in _INLINE_ACTIONS if name in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be "
            f"used, got {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise bad_request("BUTTON_URL_INVALID")


def _validate_keyboard(rows: Any) -> None:
    for row in _rows(rows, "keyboard"):
        for button in row:
            text = button if isinstance(button, str) else None
            if isinstance(button, dict):
                text = button.get("text")
            if not isinstance(text, str) or not text.strip():
                raise bad_request("can't parse keyboard button: button text must be non-empty")


def inline_buttons(markup: dict[str, Any] | None) -> list[list[tuple[str, str]]]:
    """``(text, callback_data)`` per inline button (callback_data ``""`` for other kinds)."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [
        [(str(b["text"]), str(b.get("callback_data", ""))) for b in row]
        for row in markup["inline_keyboard"]
    ]


def is_inline(markup: dict[str, Any] | None) -> bool:
    """True for an InlineKeyboardMarkup (the only markup a Message object carries)."""
    return bool(markup) and "inline_keyboard" in (markup or {})
