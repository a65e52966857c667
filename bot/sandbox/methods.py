"""The Bot API methods the emulator implements, each as strict as Telegram itself.

Every method validates first and changes state only when it succeeds, so an error answer (400,
403, 429 or an injected fault) never delivers half a message.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.sandbox.flood import FloodControl
from bot.sandbox.formatting import (
    EntityParseError,
    ParsedText,
    UnsupportedParseModeError,
    parse_entities,
    utf16_len,
)
from bot.sandbox.markup import inline_buttons, is_inline, validate_reply_markup
from bot.sandbox.media import guess_extension, sniff_image
from bot.sandbox.params import ApiError, Params, Upload, bad_request
from bot.sandbox.state import (
    BotMessage,
    ChatRecord,
    EmulatorStats,
    MessageKind,
    SandboxState,
    StoredFile,
)

__all__ = ["METHODS", "BotApi"]

JSON = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]

METHODS = {
    name.lower(): name
    for name in (
        "getMe",
        "getUpdates",
        "deleteWebhook",
        "setMyCommands",
        "getMyCommands",
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "deleteMessage",
        "answerCallbackQuery",
        "sendDocument",
        "sendPhoto",
        "sendChatAction",
        "getFile",
    )
}

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_TEXT_LIMIT = 200
DOCUMENT_LIMIT = 50 * 1024 * 1024
PHOTO_LIMIT = 10 * 1024 * 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SCOPES = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}


class BotApi:
    """Method implementations over a :class:`SandboxState`."""

    def __init__(
        self,
        state: SandboxState,
        flood: FloodControl,
        stats: EmulatorStats,
        callback_answer_timeout: float,
    ) -> None:
        self.state = state
        self.flood = flood
        self.stats = stats
        self.callback_answer_timeout = callback_answer_timeout
        self.stopping = False
        self._poller: object | None = None
        self.handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "deleteWebhook": self.delete_webhook,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendDocument": self.send_document,
            "sendPhoto": self.send_photo,
            "sendChatAction": self.send_chat_action,
            "getFile": self.get_file,
        }

    # ---- bot and updates ---------------------------------------------------------------

    async def get_me(self, params: Params) -> JSON:
        """The bot's User with the getMe-only capability flags."""
        return {
            **self.state.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, params: Params) -> list[JSON]:
        """Long polling; a newer concurrent call terminates this one with 409, like Telegram."""
        offset = params.integer("offset")
        limit = min(100, max(1, params.integer("limit") or 100))
        timeout = max(0.0, params.number("timeout") or 0.0)
        allowed = params.json("allowed_updates", "can't parse allowed_updates JSON array")
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
                raise bad_request("can't parse allowed_updates JSON array")
            self.state.allowed_updates = frozenset(allowed)
        if offset is not None:
            self.state.confirm(offset)
        ticket = object()
        self._poller = ticket
        self.state.signal.pulse()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                if self._poller is not ticket:
                    raise ApiError(409, CONFLICT)
                batch = self.state.deliverable(limit)
                remaining = deadline - loop.time()
                if batch or remaining <= 0 or self.stopping:
                    return batch
                await self.state.signal.wait(remaining)
        finally:
            if self._poller is ticket:
                self._poller = None

    @property
    def polling(self) -> bool:
        """True while a getUpdates long poll is waiting for updates."""
        return self._poller is not None

    async def delete_webhook(self, params: Params) -> bool:
        """No webhook is ever set; optionally drop pending updates."""
        if params.boolean("drop_pending_updates"):
            self.state.updates.clear()
            self.state.signal.pulse()
        return True

    # ---- commands ----------------------------------------------------------------------

    def _scope_key(self, params: Params) -> str:
        scope = params.json("scope", "can't parse BotCommandScope JSON object")
        if scope is None:
            return "default"
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise bad_request("wrong bot command scope type specified")
        parts = [str(scope["type"])]
        for key in _SCOPES[str(scope["type"])]:
            if key not in scope:
                raise bad_request(f"{key} is empty")
            value = scope[key]
            if key == "chat_id" and self._find_chat(value) is None:
                raise bad_request("chat not found")
            parts.append(str(value))
        return ":".join(parts)

    @staticmethod
    def _language(params: Params) -> str:
        language = params.string("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return language

    async def set_my_commands(self, params: Params) -> bool:
        """Validate and store the command list per scope and language."""
        commands = params.json("commands", "can't parse commands JSON array")
        if commands is None:
            raise bad_request("commands is empty")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON array")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        stored: list[JSON] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": name, "description": description})
        key = (self._scope_key(params), self._language(params))
        self.state.commands[key] = stored
        self.state.signal.pulse()
        return True

    async def get_my_commands(self, params: Params) -> list[JSON]:
        """What setMyCommands stored for the scope and language ([] if nothing)."""
        key = (self._scope_key(params), self._language(params))
        return list(self.state.commands.get(key, []))

    # ---- chats -------------------------------------------------------------------------

    def _find_chat(self, ref: Any) -> ChatRecord | None:
        if isinstance(ref, bool):
            return None
        if isinstance(ref, int):
            return self.state.find_chat(ref)
        text = str(ref).strip()
        if re.fullmatch(r"-?\d+", text):
            return self.state.find_chat(int(text))
        if text.startswith("@"):
            return self.state.find_chat(text)
        return None

    def _chat(self, params: Params, *, reachable: bool = True) -> ChatRecord:
        """Resolve chat_id: 400 when missing/unknown, 403 when the user blocked the bot."""
        if not params.present("chat_id"):
            raise bad_request("chat_id is empty")
        chat = self._find_chat(params.values["chat_id"])
        if chat is None:
            raise bad_request("chat not found")
        if reachable and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    @staticmethod
    def _message_id(params: Params) -> int:
        if params.present("inline_message_id") and not params.present("message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        message_id = params.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        return message_id

    # ---- text and captions -------------------------------------------------------------

    def _formatted(self, params: Params, *, caption: bool) -> ParsedText:
        """Parse text/caption like Telegram: parse, trim, then check emptiness and length."""
        field = "caption" if caption else "text"
        raw = params.string(field) or ""
        explicit = params.json(
            "caption_entities" if caption else "entities", "can't parse entities JSON array"
        )
        if explicit is not None:
            if not isinstance(explicit, list) or not all(isinstance(e, dict) for e in explicit):
                raise bad_request("can't parse entities JSON array")
            parsed = ParsedText(raw, explicit)
        else:
            try:
                parsed = parse_entities(raw, params.string("parse_mode"))
            except UnsupportedParseModeError:
                raise bad_request("unsupported parse_mode") from None
            except EntityParseError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        parsed = self._mentions(_trim(parsed))
        if caption:
            if parsed.utf16_length > CAPTION_LIMIT:
                raise bad_request("message caption is too long")
        elif not parsed.text:
            raise bad_request("message text is empty")
        elif parsed.utf16_length > TEXT_LIMIT:
            raise bad_request("message is too long")
        return parsed

    def _mentions(self, parsed: ParsedText) -> ParsedText:
        """A ``tg://user?id=`` mention becomes a text_mention carrying the whole User, as
        MessageEntity.user is; a user the bot has never met cannot be mentioned, so that
        entity is dropped and the text stays plain."""
        entities = []
        for entity in parsed.entities:
            if entity.get("type") == "text_mention" and "first_name" not in entity["user"]:
                chat = self.state.chats.get(int(entity["user"]["id"]))
                if chat is None or chat.user is None:
                    continue
                entity = {**entity, "user": dict(chat.user)}
            entities.append(entity)
        return ParsedText(parsed.text, entities)

    # ---- sending -----------------------------------------------------------------------

    def _reply_to(self, chat: ChatRecord, params: Params) -> JSON | None:
        reply = params.json("reply_parameters", "can't parse ReplyParameters JSON object")
        if not isinstance(reply, dict):
            return None
        target = reply.get("message_id") if isinstance(reply.get("message_id"), int) else None
        allow_missing = bool(reply.get("allow_sending_without_reply", False))
        if target is None:
            return None
        original = chat.messages.get(target)
        if original is None:
            if not allow_missing:
                raise bad_request("message to be replied not found")
            return None
        return {k: v for k, v in original.items() if k != "reply_to_message"}

    def _throttle(self, chat: ChatRecord) -> None:
        wait = self.flood.acquire(chat.id)
        if wait:
            self.stats.rate_limited_total += 1
            self.stats.rate_limited_by_chat[chat.id] += 1
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def _deliver(
        self,
        chat: ChatRecord,
        kind: MessageKind,
        parsed: ParsedText,
        params: Params,
        markup: JSON | None,
        reply_to: JSON | None,
        content: JSON,
        stored: StoredFile | None = None,
    ) -> JSON:
        field = "text" if kind == "text" else "caption"
        if parsed.text:
            content[field] = parsed.text
            if parsed.entities:
                content["entities" if kind == "text" else "caption_entities"] = parsed.entities
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        if is_inline(markup):
            content["reply_markup"] = markup
        message = self.state.new_message(chat, self.state.bot_user, content)
        view = BotMessage(
            message_id=message["message_id"],
            chat_id=chat.id,
            text=parsed.text,
            raw_text=params.string(field) or "",
            parse_mode=params.string("parse_mode"),
            reply_markup=markup,
            buttons=inline_buttons(markup),
            kind=kind,
            file_bytes=stored.data if stored else None,
            file_name=stored.file_name if stored else None,
            file_id=stored.file_id if stored else None,
            edit_count=0,
            deleted=False,
            date=message["date"],
            entities=parsed.entities,
        )
        chat.bot_messages[view.message_id] = view
        chat.log("message", view)
        self.stats.sent_total += 1
        self.stats.sent_by_chat[chat.id] += 1
        self.state.signal.pulse()
        return message

    async def send_message(self, params: Params) -> JSON:
        """sendMessage with text limits, parse modes, markup checks and flood control."""
        chat = self._chat(params)
        parsed = self._formatted(params, caption=False)
        markup = validate_reply_markup(params)
        reply_to = self._reply_to(chat, params)
        self._throttle(chat)
        return self._deliver(chat, "text", parsed, params, markup, reply_to, {})

    def _upload(self, params: Params, field: str, kind: str) -> StoredFile:
        """The file for sendDocument/sendPhoto: a fresh upload or a known file_id."""
        value = params.file(field)
        if value is None:
            raise bad_request(f"there is no {field} in the request")
        if isinstance(value, str):
            known = self.state.files.get(value)
            if known is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if known.kind != kind:
                raise bad_request("type of file mismatch")
            return known
        return self._store_upload(value, kind)

    def _store_upload(self, upload: Upload, kind: str) -> StoredFile:
        if not upload.data:
            raise bad_request("file must be non-empty")
        if kind == "photo":
            if len(upload.data) > PHOTO_LIMIT:
                raise bad_request("PHOTO_SAVE_FILE_INVALID")
            image = sniff_image(upload.data)
            if image is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            small, large = sorted((max(1, image.width), max(1, image.height)))
            if image.width + image.height > 10000 or large / small > 20:
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            return self.state.add_file(
                upload.data,
                "photo",
                image.extension,
                mime_type=image.mime_type,
                width=image.width,
                height=image.height,
            )
        if len(upload.data) > DOCUMENT_LIMIT:
            raise ApiError(413, "Request Entity Too Large")
        mime = upload.content_type or "application/octet-stream"
        return self.state.add_file(
            upload.data,
            "document",
            guess_extension(upload.filename, mime),
            file_name=upload.filename or "document",
            mime_type=mime,
        )

    async def send_document(self, params: Params) -> JSON:
        """sendDocument: multipart upload or file_id, caption <= 1024."""
        chat = self._chat(params)
        parsed = self._formatted(params, caption=True)
        markup = validate_reply_markup(params)
        reply_to = self._reply_to(chat, params)
        stored = self._upload(params, "document", "document")
        self._throttle(chat)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "file_size": len(stored.data),
        }
        content = {"document": document}
        return self._deliver(chat, "document", parsed, params, markup, reply_to, content, stored)

    async def send_photo(self, params: Params) -> JSON:
        """sendPhoto: the bytes must be a real image (PNG/JPEG/GIF/WebP)."""
        chat = self._chat(params)
        parsed = self._formatted(params, caption=True)
        markup = validate_reply_markup(params)
        reply_to = self._reply_to(chat, params)
        stored = self._upload(params, "photo", "photo")
        self._throttle(chat)
        content = {"photo": [photo_size(stored)]}
        return self._deliver(chat, "photo", parsed, params, markup, reply_to, content, stored)

    async def send_chat_action(self, params: Params) -> bool:
        """sendChatAction with one of the documented actions."""
        self._chat(params)
        action = params.string("action")
        if not action:
            raise bad_request("action is empty")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # ---- editing -----------------------------------------------------------------------

    def _editable(self, chat: ChatRecord, message_id: int) -> tuple[BotMessage, JSON]:
        view = chat.bot_messages.get(message_id)
        if view is None or view.deleted:
            if message_id in chat.messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return view, chat.messages[message_id]

    def _apply_edit(
        self, chat: ChatRecord, view: BotMessage, message: JSON, markup: JSON | None
    ) -> JSON:
        view.reply_markup = markup
        view.buttons = inline_buttons(markup)
        view.edit_count += 1
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = self.state.now()
        chat.log("edit", view)
        self.state.signal.pulse()
        return message

    async def edit_message_text(self, params: Params) -> JSON:
        """editMessageText; omitting reply_markup removes the keyboard, as on Telegram."""
        chat = self._chat(params)
        message_id = self._message_id(params)
        parsed = self._formatted(params, caption=False)
        markup = validate_reply_markup(params, inline_only=True)
        view, message = self._editable(chat, message_id)
        if view.kind != "text":
            raise bad_request("there is no text in the message to edit")
        if (
            parsed.text == view.text
            and parsed.entities == view.entities
            and markup == (view.reply_markup if is_inline(view.reply_markup) else None)
        ):
            raise bad_request(NOT_MODIFIED)
        view.text = parsed.text
        view.raw_text = params.string("text") or ""
        view.parse_mode = params.string("parse_mode")
        view.entities = parsed.entities
        message["text"] = parsed.text
        if parsed.entities:
            message["entities"] = parsed.entities
        else:
            message.pop("entities", None)
        return self._apply_edit(chat, view, message, markup)

    async def edit_message_reply_markup(self, params: Params) -> JSON:
        """editMessageReplyMarkup; an absent markup removes the inline keyboard."""
        chat = self._chat(params)
        message_id = self._message_id(params)
        markup = validate_reply_markup(params, inline_only=True)
        view, message = self._editable(chat, message_id)
        if markup == (view.reply_markup if is_inline(view.reply_markup) else None):
            raise bad_request(NOT_MODIFIED)
        return self._apply_edit(chat, view, message, markup)

    async def delete_message(self, params: Params) -> bool:
        """deleteMessage for the bot's or the user's messages in a known chat."""
        chat = self._chat(params, reachable=False)
        message_id = self._message_id(params)
        if message_id not in chat.messages:
            raise bad_request("message to delete not found")
        del chat.messages[message_id]
        view = chat.bot_messages.get(message_id)
        if view is not None:
            view.deleted = True
            chat.log("delete", view)
        self.state.signal.pulse()
        return True

    # ---- callbacks and files -----------------------------------------------------------

    async def answer_callback_query(self, params: Params) -> bool:
        """Answer once, within ``callback_answer_timeout`` seconds of the press."""
        query_id = params.string("callback_query_id")
        if not query_id:
            raise bad_request("callback_query_id is empty")
        record = self.state.callbacks.get(query_id)
        if (
            record is None
            or record.answer is not None
            or self.state.clock() - record.created > self.callback_answer_timeout
        ):
            raise bad_request(QUERY_TOO_OLD)
        text = params.string("text") or ""
        if utf16_len(text) > CALLBACK_TEXT_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        record.answer = {
            "text": text,
            "show_alert": params.boolean("show_alert"),
            "url": params.string("url"),
            "cache_time": params.integer("cache_time") or 0,
        }
        self.state.signal.pulse()
        return True

    async def get_file(self, params: Params) -> JSON:
        """File info with a file_path for the download endpoint."""
        file_id = params.string("file_id")
        if not file_id:
            raise bad_request("file_id is empty")
        stored = self.state.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }


def photo_size(stored: StoredFile) -> JSON:
    """The PhotoSize object for a stored photo."""
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "width": stored.width,
        "height": stored.height,
        "file_size": len(stored.data),
    }


def _trim(parsed: ParsedText) -> ParsedText:
    """Strip surrounding whitespace as Telegram does, shifting entity offsets."""
    stripped = parsed.text.strip()
    if stripped == parsed.text:
        return parsed
    lead = utf16_len(parsed.text[: len(parsed.text) - len(parsed.text.lstrip())])
    size = utf16_len(stripped)
    entities: list[JSON] = []
    for entity in parsed.entities:
        try:
            start = max(0, int(entity["offset"]) - lead)
            end = min(size, int(entity["offset"]) + int(entity["length"]) - lead)
        except (KeyError, TypeError, ValueError):
            raise bad_request("can't parse entities: entity must have offset and length") from None
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(stripped, entities)
