"""The parameters each emulated method accepts, copied from the Bot API specification (10.1).

Telegram documents a fixed parameter list per method; a bot that sends anything else (e.g.
``parse_mode`` to ``editMessageReplyMarkup``) is relying on behaviour the specification does not
promise. The emulator refuses such requests with a 400 naming the parameter, so the mistake
shows up in tests instead of in production. Forms that Telegram removed from the specification
(``reply_to_message_id``, ``allow_sending_without_reply``, ``disable_web_page_preview``) are
refused too. Adding a method to the emulator means adding its row here.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["PARAMETERS", "unknown_parameters"]

_SEND_COMMON = (
    "business_connection_id",
    "chat_id",
    "message_thread_id",
    "direct_messages_topic_id",
    "disable_notification",
    "protect_content",
    "allow_paid_broadcast",
    "message_effect_id",
    "suggested_post_parameters",
    "reply_parameters",
    "reply_markup",
)

PARAMETERS: dict[str, frozenset[str]] = {
    name: frozenset(fields)
    for name, fields in {
        "getMe": (),
        "getUpdates": ("offset", "limit", "timeout", "allowed_updates"),
        "deleteWebhook": ("drop_pending_updates",),
        "setMyCommands": ("commands", "scope", "language_code"),
        "getMyCommands": ("scope", "language_code"),
        "sendMessage": (*_SEND_COMMON, "text", "parse_mode", "entities", "link_preview_options"),
        "editMessageText": (
            "business_connection_id",
            "chat_id",
            "message_id",
            "inline_message_id",
            "text",
            "parse_mode",
            "entities",
            "link_preview_options",
            "rich_message",
            "reply_markup",
        ),
        "editMessageReplyMarkup": (
            "business_connection_id",
            "chat_id",
            "message_id",
            "inline_message_id",
            "reply_markup",
        ),
        "deleteMessage": ("chat_id", "message_id"),
        "answerCallbackQuery": ("callback_query_id", "text", "show_alert", "url", "cache_time"),
        "sendDocument": (
            *_SEND_COMMON,
            "document",
            "thumbnail",
            "caption",
            "parse_mode",
            "caption_entities",
            "disable_content_type_detection",
        ),
        "sendPhoto": (
            *_SEND_COMMON,
            "photo",
            "caption",
            "parse_mode",
            "caption_entities",
            "show_caption_above_media",
            "has_spoiler",
        ),
        "sendChatAction": ("business_connection_id", "chat_id", "message_thread_id", "action"),
        "getFile": ("file_id",),
    }.items()
}


def unknown_parameters(
    method: str, names: Iterable[str], attached: Iterable[str] = ()
) -> list[str]:
    """Parameters of a request that ``method`` does not have, sorted.

    ``attached`` are multipart parts referenced as ``attach://<name>`` by a known parameter:
    they carry a file, not a parameter of their own.
    """
    allowed = PARAMETERS[method] | set(attached)
    return sorted(name for name in names if name not in allowed)
