"""Simulated residents and partner groups that talk to the bot through the emulator.

Each action creates the Update a real Telegram client would cause and queues it for getUpdates.
A per-user cursor into the chat's event log lets a test say "after I pressed this, the bot's next
reply was ..." without sleeping: :meth:`SimUser.next_reply` waits on state changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.sandbox.formatting import utf16_len
from bot.sandbox.media import sniff_image, tiny_png
from bot.sandbox.methods import photo_size
from bot.sandbox.state import WAIT_SECONDS, BotMessage, ChatRecord, SandboxState

__all__ = ["BotMessage", "SimGroup", "SimUser", "format_transcript"]

JSON = dict[str, Any]
Match = str | Callable[[BotMessage], bool]

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@/])")
_TINY_WEBP = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00"
    b"\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
)


def command_entities(text: str) -> list[JSON]:
    """bot_command entities Telegram would attach to a user's text."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group(0)),
        }
        for match in _COMMAND_RE.finditer(text)
    ]


def format_transcript(messages: list[BotMessage]) -> str:
    """Human-readable transcript for assertion messages."""
    if not messages:
        return "  (the bot has sent nothing in this chat)"
    lines = []
    for m in messages:
        flags: list[str] = [m.kind]
        if m.edit_count:
            flags.append(f"edited x{m.edit_count}")
        if m.deleted:
            flags.append("deleted")
        buttons = f" buttons={m.button_texts()}" if m.buttons else ""
        lines.append(f"  #{m.message_id} [{', '.join(flags)}] {m.text!r}{buttons}")
    return "\n".join(lines)


class _Conversation:
    """A chat seen from one participant: transcript, cursor and waiting for the bot."""

    def __init__(self, state: SandboxState, chat: ChatRecord) -> None:
        self._state = state
        self._chat = chat
        self._cursor = 0

    @property
    def transcript(self) -> list[BotMessage]:
        """The bot's messages in this chat, in send order, as they are now."""
        return [m.snapshot() for _, m in sorted(self._chat.bot_messages.items())]

    @property
    def last_message(self) -> BotMessage | None:
        """The bot's most recent message that is not deleted."""
        alive = [m for m in self.transcript if not m.deleted]
        return alive[-1] if alive else None

    def _mark(self) -> None:
        self._cursor = len(self._chat.events)

    async def next_reply(
        self,
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109 - part of the test API contract
    ) -> BotMessage:
        """The bot's next new message or edit in this chat after the last action."""
        return await self.wait_for(lambda _: True, timeout=timeout)

    async def wait_for(
        self,
        match: Match,
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109 - part of the test API contract
    ) -> BotMessage:
        """First bot message/edit after the cursor containing ``match`` (or satisfying it)."""
        predicate = match if callable(match) else (lambda m: match in m.text)
        events = self._chat.events
        found: list[BotMessage] = []

        def check() -> bool:
            for event in events[self._cursor :]:
                if event.kind != "delete" and predicate(event.message):
                    self._cursor = event.seq + 1
                    found.append(event.message)
                    return True
            return False

        def explain() -> str:
            wanted = "a reply" if callable(match) else f"a reply containing {match!r}"
            return (
                f"chat {self._chat.id}: no {wanted} from the bot within {timeout}s; "
                f"transcript:\n{format_transcript(self.transcript)}"
            )

        await self._state.wait_until(check, timeout, explain)
        return found[0]

    def _send(self, sender: JSON, content: JSON) -> JSON:
        self._mark()
        message = self._state.new_message(self._chat, sender, content)
        self._state.enqueue("message", message)
        return message

    def _callback(self, sender: JSON, message_id: int, data: str) -> str:
        """A callback query from ``sender`` on a message of this chat (Bot API CallbackQuery:
        id, from, message, chat_instance, data)."""
        self._mark()
        record = self._state.new_callback(sender["id"], self._chat.id, message_id, data)
        message = self._chat.messages.get(message_id)
        if message is None:  # deleted or never existed: Telegram's InaccessibleMessage
            message = {"chat": self._chat.info, "message_id": message_id, "date": 0}
        self._state.enqueue(
            "callback_query",
            {
                "id": record.id,
                "from": sender,
                "message": message,
                "chat_instance": str(8_000_000_000_000 + abs(self._chat.id)),
                "data": data,
            },
        )
        return record.id

    def _find_button(self, button_text: str, message_id: int | None) -> tuple[int, str]:
        """(message id, callback data) of the inline button with exactly this text, in the
        given message or the latest one that has it."""
        alive = [m for _, m in sorted(self._chat.bot_messages.items()) if not m.deleted]
        if message_id is not None:
            candidates = [m for m in alive if m.message_id == message_id]
        else:
            candidates = [m for m in reversed(alive) if button_text in m.button_texts()]
        for view in candidates:
            for row in view.buttons:
                for text, data in row:
                    if text == button_text:
                        if not data:
                            raise LookupError(
                                f"button {button_text!r} in message #{view.message_id} "
                                "has no callback_data (url or other button)"
                            )
                        return view.message_id, data
        keyboards = [f"#{m.message_id}: {m.button_texts()}" for m in alive if m.buttons]
        where = f"message #{message_id}" if message_id is not None else f"chat {self._chat.id}"
        raise LookupError(
            f"no inline button {button_text!r} in {where}; available buttons: "
            + ("; ".join(keyboards) if keyboards else "none")
        )


class SimUser(_Conversation):
    """A resident in a private chat with the bot (chat id == user id)."""

    def __init__(self, state: SandboxState, info: JSON) -> None:
        chat_info = {"id": info["id"], "type": "private", "first_name": info["first_name"]}
        for key in ("last_name", "username"):
            if info.get(key):
                chat_info[key] = info[key]
        super().__init__(state, state.add_chat(chat_info, user=info))
        self.info = info

    @property
    def id(self) -> int:
        """Telegram user id."""
        user_id: int = self.info["id"]
        return user_id

    @property
    def chat_id(self) -> int:
        """The private chat's id (same as the user id)."""
        return self.id

    @property
    def first_name(self) -> str:
        """First name shown to the bot."""
        return str(self.info["first_name"])

    @property
    def blocked(self) -> bool:
        """True while the user has blocked the bot."""
        return self._chat.blocked

    def as_dict(self) -> JSON:
        """The Telegram User object."""
        return dict(self.info)

    def _member_update(self, old: str, new: str) -> None:
        def member(status: str) -> JSON:
            found: JSON = {"user": self._state.bot_user, "status": status}
            if status == "kicked":
                found["until_date"] = 0
            return found

        self._state.enqueue(
            "my_chat_member",
            {
                "chat": self._chat.info,
                "from": self.info,
                "date": self._state.now(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    def block(self) -> None:
        """Block the bot: sends to this chat answer 403 (a my_chat_member update is queued)."""
        if not self._chat.blocked:
            self._chat.blocked = True
            self._member_update("member", "kicked")

    def unblock(self) -> None:
        """Unblock the bot again."""
        if self._chat.blocked:
            self._chat.blocked = False
            self._member_update("kicked", "member")

    def _act(self, content: JSON) -> JSON:
        self.unblock()  # writing to a blocked bot restarts it, as in the Telegram apps
        return self._send(self.info, content)

    async def send_text(self, text: str) -> JSON:
        """Send text; ``/commands`` (also ``/cmd@bot``) get bot_command entities."""
        content: JSON = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return self._act(content)

    async def send_command(self, name: str, args: str = "") -> JSON:
        """Send ``/name args``."""
        return await self.send_text(f"/{name.lstrip('/')}" + (f" {args}" if args else ""))

    async def send_location(self, latitude: float, longitude: float) -> JSON:
        """Share a location."""
        return self._act({"location": {"latitude": latitude, "longitude": longitude}})

    async def send_photo(self, data: bytes | None = None, caption: str | None = None) -> JSON:
        """Send a photo (a tiny valid PNG by default); getFile + download return ``data``."""
        data = tiny_png() if data is None else data
        image = sniff_image(data)
        if image is None:
            raise ValueError("a simulated photo must be a PNG, JPEG, GIF or WebP image")
        stored = self._state.add_file(
            data,
            "photo",
            image.extension,
            mime_type=image.mime_type,
            width=image.width,
            height=image.height,
        )
        content: JSON = {"photo": [photo_size(stored)]}
        if caption:
            content["caption"] = caption
        return self._act(content)

    async def send_sticker(self) -> JSON:
        """Send a (static WebP) sticker."""
        stored = self._state.add_file(_TINY_WEBP, "sticker", ".webp", mime_type="image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "\N{THUMBS UP SIGN}",
            "file_size": len(stored.data),
        }
        return self._act({"sticker": sticker})

    async def send_contact(self, phone_number: str) -> JSON:
        """Share the user's own contact."""
        contact = {"phone_number": phone_number, "first_name": self.first_name, "user_id": self.id}
        return self._act({"contact": contact})

    async def edit_text(self, message_id: int, new_text: str) -> JSON:
        """Edit a text the user sent earlier; the bot gets an edited_message update."""
        message = self._chat.messages.get(message_id)
        if message is None or message["from"]["id"] != self.id or "text" not in message:
            raise LookupError(f"user {self.id} sent no text message {message_id}")
        self._mark()
        message["text"] = new_text
        message.pop("entities", None)
        entities = command_entities(new_text)
        if entities:
            message["entities"] = entities
        message["edit_date"] = self._state.now()
        self._state.enqueue("edited_message", message)
        return message

    def _press(self, message_id: int, data: str) -> str:
        return self._callback(self.info, message_id, data)

    async def press(self, button_text: str, *, message_id: int | None = None) -> str:
        """Press the inline button with exactly this text; return the callback query id."""
        found_id, data = self._find_button(button_text, message_id)
        return self._press(found_id, data)

    async def press_data(self, data: str, *, message_id: int | None = None) -> str:
        """Send a forged or stale callback payload against the given or latest bot message.

        With no bot message at all (say, a button from before the bot lost its data), the query
        carries an inaccessible message with id 0.
        """
        if message_id is None:
            alive = [m for _, m in sorted(self._chat.bot_messages.items()) if not m.deleted]
            message_id = alive[-1].message_id if alive else 0
        return self._press(message_id, data)


class SimGroup(_Conversation):
    """A partner organisation's group chat (negative id) the bot is a member of."""

    def __init__(self, state: SandboxState, chat_id: int, title: str) -> None:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
        super().__init__(state, state.add_chat({"id": chat_id, "type": kind, "title": title}))

    @property
    def id(self) -> int:
        """The group's chat id."""
        return self._chat.id

    @property
    def title(self) -> str:
        """The group's title."""
        return str(self._chat.info["title"])

    async def send_text(
        self, from_user: SimUser, text: str, *, reply_to: int | None = None
    ) -> JSON:
        """A member writes in the group, optionally as a reply to message ``reply_to`` (the
        update then carries that message as ``reply_to_message``, without its own reply)."""
        content: JSON = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            original = self._chat.messages.get(reply_to)
            if original is None:
                raise LookupError(f"chat {self._chat.id} has no message {reply_to}")
            content["reply_to_message"] = {
                k: v for k, v in original.items() if k != "reply_to_message"
            }
        return self._send(from_user.as_dict(), content)

    async def press(
        self, member: SimUser, button_text: str, *, message_id: int | None = None
    ) -> str:
        """``member`` presses an inline button of a bot message in the group; returns the
        callback query id."""
        found_id, data = self._find_button(button_text, message_id)
        return self._callback(member.as_dict(), found_id, data)
