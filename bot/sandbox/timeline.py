"""A chat as the sandbox page shows it: every message in order, then what changed since.

The emulator keeps the bot's messages with an event log (new, edited, deleted) and the people's
messages as raw Telegram ``Message`` objects. :class:`Timeline` merges both into one JSON shape
the page renders, and a :class:`Cursor` (an index into the event log plus the highest message id
of a person) says what a page has already seen, so a reconnecting page resumes without gaps or
repeats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from bot.sandbox.state import BotMessage, ChatRecord, SandboxState

__all__ = ["Change", "Cursor", "Timeline"]

JSON = dict[str, Any]
ChangeKind = Literal["message", "edit", "delete"]
_CURSOR = re.compile(r"^(\d{1,9})-(\d{1,9})$")
QUOTE_LENGTH = 120


@dataclass(frozen=True)
class Cursor:
    """How far a page has read: bot events seen, and the last person's message id seen."""

    events: int
    messages: int

    def token(self) -> str:
        """The SSE event id (``Last-Event-ID`` when the browser reconnects)."""
        return f"{self.events}-{self.messages}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The cursor of a token, or None if it is missing or malformed."""
        match = _CURSOR.match(token or "")
        return cls(int(match.group(1)), int(match.group(2))) if match else None


@dataclass(frozen=True)
class Change:
    """One thing the page must apply (a new message, an edit, or a deletion) and the cursor
    just after it."""

    kind: ChangeKind
    message: JSON
    cursor: Cursor


class Timeline:
    """One chat seen by one participant (``viewer_id`` marks their own messages)."""

    def __init__(self, state: SandboxState, chat_id: int, viewer_id: int) -> None:
        self._state = state
        self._chat_id = chat_id
        self._viewer_id = viewer_id

    @property
    def _chat(self) -> ChatRecord:
        return self._state.chats[self._chat_id]

    def _is_bot(self, message: JSON) -> bool:
        return bool(message.get("from", {}).get("id") == self._state.bot_user["id"])

    def snapshot(self) -> tuple[list[JSON], Cursor]:
        """Every message now in the chat, in order, and the cursor just after them."""
        chat = self._chat
        people = {
            mid: self._person_json(m) for mid, m in chat.messages.items() if not self._is_bot(m)
        }
        bots = {mid: self._bot_json(m) for mid, m in chat.bot_messages.items() if not m.deleted}
        merged = {**people, **bots}
        return [merged[mid] for mid in sorted(merged)], Cursor(
            len(chat.events), max(people, default=0)
        )

    def since(self, cursor: Cursor) -> list[Change]:
        """What changed after ``cursor``: people's new messages first, then the bot's events.

        ``ValueError`` if the cursor is ahead of this chat (it came from another sandbox).
        """
        chat = self._chat
        if cursor.events > len(chat.events):
            raise ValueError("cursor from another sandbox")
        changes = []
        last_person = cursor.messages
        for mid, message in sorted(chat.messages.items()):
            if mid > cursor.messages and not self._is_bot(message):
                last_person = mid
                after = Cursor(cursor.events, mid)
                changes.append(Change("message", self._person_json(message), after))
        for event in chat.events[cursor.events :]:
            after = Cursor(event.seq + 1, last_person)
            if event.kind == "delete":
                changes.append(Change("delete", {"id": event.message.message_id}, after))
            else:
                changes.append(Change(event.kind, self._bot_json(event.message), after))
        return changes

    # ---- JSON for the page -------------------------------------------------------------

    def _file_json(self, file_id: str, name: str | None) -> JSON:
        stored = self._state.files.get(file_id)
        return {
            "url": f"/api/files/{file_id}",
            "name": name or (stored.file_path.rsplit("/", 1)[-1] if stored else file_id),
            "size": len(stored.data) if stored else None,
            "mime": stored.mime_type if stored else None,
        }

    def _bot_json(self, message: BotMessage) -> JSON:
        item: JSON = {
            "id": message.message_id,
            "mine": False,
            "sender": None,
            "kind": message.kind,
            "text": message.text,
            "entities": message.entities,
            "edited": message.edit_count > 0,
        }
        if message.file_id:
            item["file"] = self._file_json(message.file_id, message.file_name)
        markup = message.reply_markup or {}
        if "inline_keyboard" in markup:
            item["buttons"] = [
                [{"text": str(b["text"]), "url": b.get("url") if "url" in b else None} for b in row]
                for row in markup["inline_keyboard"]
            ]
        elif "keyboard" in markup:
            item["keyboard"] = {
                "rows": [[_reply_button(b) for b in row] for row in markup["keyboard"]],
                "one_time": bool(markup.get("one_time_keyboard")),
                "placeholder": markup.get("input_field_placeholder"),
            }
        elif markup.get("remove_keyboard"):
            item["keyboard"] = {"remove": True}
        elif markup.get("force_reply"):
            item["force_reply"] = {"placeholder": markup.get("input_field_placeholder")}
        raw = self._chat.messages.get(message.message_id)
        if raw is not None and "reply_to_message" in raw:
            item["reply_to"] = self._quote(raw["reply_to_message"])
        return item

    def _quote(self, message: JSON) -> JSON:
        """What a reply shows of the message it answers: who wrote it and how it starts."""
        sender = message.get("from", {})
        text = message.get("text") or message.get("caption") or ""
        return {
            "id": message.get("message_id"),
            "sender": None if self._is_bot(message) else sender.get("first_name"),
            "text": text[:QUOTE_LENGTH],
        }

    def _person_json(self, message: JSON) -> JSON:
        sender = message.get("from", {})
        item: JSON = {
            "id": message["message_id"],
            "mine": sender.get("id") == self._viewer_id,
            "sender": sender.get("first_name"),
            "kind": "text",
            "text": message.get("text") or message.get("caption") or "",
            "entities": message.get("entities") or message.get("caption_entities") or [],
            "edited": "edit_date" in message,
        }
        if "reply_to_message" in message:
            item["reply_to"] = self._quote(message["reply_to_message"])
        if "photo" in message:
            item["kind"] = "photo"
            largest = message["photo"][-1]
            item["file"] = self._file_json(largest["file_id"], None)
        elif "location" in message:
            item["kind"] = "location"
            item["location"] = message["location"]
        elif "contact" in message:
            item["kind"] = "contact"
            item["contact"] = {"phone_number": message["contact"]["phone_number"]}
        elif "sticker" in message:
            item["kind"] = "sticker"
            item["text"] = message["sticker"].get("emoji", "")
        return item


def _reply_button(button: Any) -> JSON:
    if isinstance(button, str):
        return {"text": button, "request": None}
    request = None
    if button.get("request_location"):
        request = "location"
    elif button.get("request_contact"):
        request = "contact"
    return {"text": str(button.get("text", "")), "request": request}
