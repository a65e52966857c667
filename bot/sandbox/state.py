"""Everything the emulator remembers: chats, messages, files, callback queries, the update queue.

One :class:`SandboxState` is shared by the Bot API methods (what the bot does) and the simulated
users (what residents do). It is plain synchronous data plus a :class:`StateSignal` that wakes
every waiter (long polls, ``wait_until``, ``next_reply``) whenever something changes.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "BotMessage",
    "CallbackRecord",
    "ChatEvent",
    "ChatRecord",
    "EmulatorStats",
    "SandboxState",
    "StateSignal",
    "StoredFile",
]

JSON = dict[str, Any]

WAIT_SECONDS = 15.0
"""How long a test waits for the bot before calling a condition unmet. Generous, because a loaded
machine (CI on two cores) is slow; a wait ends as soon as its condition holds, so only a
failing test pays for it."""
MessageKind = Literal["text", "document", "photo"]

# Update types delivered when the bot never chose (or passed an empty) allowed_updates.
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class BotMessage:
    """A message the bot sent, as the user sees it (text is the parsed plain text)."""

    message_id: int
    chat_id: int
    text: str
    raw_text: str
    parse_mode: str | None
    reply_markup: JSON | None
    buttons: list[list[tuple[str, str]]]
    kind: MessageKind
    file_bytes: bytes | None
    file_name: str | None
    edit_count: int
    deleted: bool
    date: int
    entities: list[JSON] = field(default_factory=list)
    file_id: str | None = None

    def button_texts(self) -> list[str]:
        """Texts of all inline buttons, row by row."""
        return [text for row in self.buttons for text, _ in row]

    def snapshot(self) -> BotMessage:
        """A deep copy, frozen at this moment (later edits do not change it)."""
        return copy.deepcopy(self)


@dataclass(frozen=True)
class ChatEvent:
    """One thing the bot did in a chat: a new message, an edit or a deletion."""

    seq: int
    kind: Literal["message", "edit", "delete"]
    message: BotMessage


@dataclass
class StoredFile:
    """A file known to the emulator, downloadable via ``/file/bot<token>/<file_path>``."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    kind: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0


@dataclass
class CallbackRecord:
    """A callback query sent to the bot and whether it has been answered."""

    id: str
    from_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answer: JSON | None = None


@dataclass
class ChatRecord:
    """A chat known to the emulator, with every message in it and the bot's event log."""

    info: JSON
    user: JSON | None = None
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, JSON] = field(default_factory=dict)
    bot_messages: dict[int, BotMessage] = field(default_factory=dict)
    events: list[ChatEvent] = field(default_factory=list)

    @property
    def id(self) -> int:
        """The chat id."""
        chat_id: int = self.info["id"]
        return chat_id

    def log(self, kind: Literal["message", "edit", "delete"], message: BotMessage) -> None:
        """Append a bot event with a snapshot of the message."""
        self.events.append(ChatEvent(len(self.events), kind, message.snapshot()))


@dataclass
class EmulatorStats:
    """Counters tests assert on: requests per method, deliveries and 429s."""

    requests: Counter[str] = field(default_factory=Counter)
    sent_total: int = 0
    sent_by_chat: Counter[int] = field(default_factory=Counter)
    rate_limited_total: int = 0
    rate_limited_by_chat: Counter[int] = field(default_factory=Counter)
    faults_injected: Counter[str] = field(default_factory=Counter)
    unknown_parameters: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> JSON:
        """JSON-friendly form for the control API."""
        return {
            "requests": dict(self.requests),
            "sent_total": self.sent_total,
            "sent_by_chat": {str(k): v for k, v in self.sent_by_chat.items()},
            "rate_limited_total": self.rate_limited_total,
            "rate_limited_by_chat": {str(k): v for k, v in self.rate_limited_by_chat.items()},
            "faults_injected": dict(self.faults_injected),
            "unknown_parameters": dict(self.unknown_parameters),
        }


class StateSignal:
    """Wakes every waiter when the state changes; usable from synchronous code."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()
        self.version = 0

    def pulse(self) -> None:
        """Record a change and wake all current waiters."""
        self.version += 1
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109 - a bounded nap
        """Return after the next :meth:`pulse` or after ``timeout`` seconds.

        A bare future and one timer: every change wakes every waiter (each resident of a
        benchmark, each long poll), so a wait must cost little (``asyncio.wait`` builds a
        set, callbacks and a timeout per call)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.add(waiter)
        timer = loop.call_later(max(0.0, timeout), _wake, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiters.discard(waiter)
            if not waiter.done():
                waiter.cancel()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class SandboxState:
    """The emulator's memory; every mutation goes through here and pulses the signal."""

    def __init__(self, bot_user: JSON, clock: Callable[[], float]) -> None:
        self.bot_user = bot_user
        self.clock = clock
        self.signal = StateSignal()
        self.chats: dict[int, ChatRecord] = {}
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.updates: list[JSON] = []
        self.allowed_updates: frozenset[str] | None = None
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self._next_update_id = 1
        self._next_file = 1
        self._next_callback = 1

    @staticmethod
    def now() -> int:
        """Unix time for message dates."""
        return int(time.time())

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float,  # noqa: ASYNC109 - the deadline is the point of this helper
        message: Callable[[], str],
    ) -> None:
        """Re-check ``predicate`` on every state change (and every 50 ms as a fallback)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(message())
            await self.signal.wait(min(remaining, 0.05))

    # ---- chats and messages ------------------------------------------------------------

    def add_chat(self, info: JSON, user: JSON | None = None) -> ChatRecord:
        """Register a chat (create-or-get)."""
        chat_id = int(info["id"])
        if chat_id not in self.chats:
            self.chats[chat_id] = ChatRecord(info=info, user=user)
            self.signal.pulse()
        return self.chats[chat_id]

    def find_chat(self, ref: int | str) -> ChatRecord | None:
        """Look a chat up by id or ``@username``."""
        if isinstance(ref, int):
            return self.chats.get(ref)
        name = ref.removeprefix("@").lower()
        for chat in self.chats.values():
            if str(chat.info.get("username", "")).lower() == name:
                return chat
        return None

    def new_message(self, chat: ChatRecord, sender: JSON, content: JSON) -> JSON:
        """Create and store a Message object in ``chat`` (ids increase per chat)."""
        message = {
            "message_id": chat.next_message_id,
            "from": sender,
            "chat": chat.info,
            "date": self.now(),
            **content,
        }
        chat.next_message_id += 1
        chat.messages[message["message_id"]] = message
        return message

    # ---- updates -----------------------------------------------------------------------

    def enqueue(self, kind: str, payload: JSON) -> JSON:
        """Queue an Update of type ``kind`` (a copy: later edits do not leak into it)."""
        update = {"update_id": self._next_update_id, kind: copy.deepcopy(payload)}
        self._next_update_id += 1
        self.updates.append(update)
        self.signal.pulse()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates confirmed by ``offset`` (negative: keep only the last -offset)."""
        before = len(self.updates)
        if offset < 0:
            self.updates = self.updates[offset:]
        elif offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if len(self.updates) != before:
            self.signal.pulse()

    def deliverable(self, limit: int) -> list[JSON]:
        """Up to ``limit`` pending updates of allowed types (Telegram drops the others)."""
        kept = [u for u in self.updates if self._allowed(u)]
        if len(kept) != len(self.updates):
            self.updates = kept
            self.signal.pulse()
        return kept[:limit]

    def _allowed(self, update: JSON) -> bool:
        kind = next(k for k in update if k != "update_id")
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _DEFAULT_EXCLUDED_UPDATES

    # ---- files and callback queries ----------------------------------------------------

    def add_file(self, data: bytes, kind: str, extension: str, **details: Any) -> StoredFile:
        """Store bytes under a fresh file_id and a downloadable file_path."""
        number = self._next_file
        self._next_file += 1
        folder = {"photo": "photos", "sticker": "stickers"}.get(kind, "documents")
        stored = StoredFile(
            file_id=f"{kind}-{number:06d}",
            file_unique_id=f"u{number:06d}",
            data=data,
            file_path=f"{folder}/file_{number}{extension}",
            kind=kind,
            **details,
        )
        self.files[stored.file_id] = stored
        return stored

    def file_by_path(self, file_path: str) -> StoredFile | None:
        """The stored file with that download path."""
        return next((f for f in self.files.values() if f.file_path == file_path), None)

    def new_callback(
        self, from_id: int, chat_id: int, message_id: int, data: str
    ) -> CallbackRecord:
        """Register a callback query id (numeric string, unique)."""
        record = CallbackRecord(
            id=str(4_000_000_000_000 + self._next_callback),
            from_id=from_id,
            chat_id=chat_id,
            message_id=message_id,
            data=data,
            created=self.clock(),
        )
        self._next_callback += 1
        self.callbacks[record.id] = record
        return record
