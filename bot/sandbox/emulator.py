"""The emulator itself: an aiohttp server speaking the Bot API, plus the Python test API.

The real python-telegram-bot ``Application`` talks to it over real HTTP
(``ApplicationBuilder().base_url(emu.base_url).base_file_url(emu.base_file_url)``), so tests
exercise the same request encoding, error mapping and timing as production, while simulated
users (:meth:`BotApiEmulator.user`) play the residents.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.sandbox.control import add_control_routes
from bot.sandbox.flood import FloodControl, FloodLimits
from bot.sandbox.methods import METHODS, BotApi
from bot.sandbox.params import ApiError, Params, Upload, bad_request, decode_for_log
from bot.sandbox.simulation import SimGroup, SimUser
from bot.sandbox.spec import unknown_parameters
from bot.sandbox.state import WAIT_SECONDS, BotMessage, EmulatorStats, SandboxState

__all__ = ["BotApiEmulator"]

_LOG = logging.getLogger(__name__)
_TOKEN_RE = re.compile(r"(\d+):[A-Za-z0-9_-]+")
MAX_REQUEST_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class _Fault:
    status: int = 500
    drop_connection: bool = False
    stall: float = 0.0  # > 0: carry the call out, then hold the answer this long
    chat_id: int | None = None  # only calls for this chat

    def applies(self, values: dict[str, Any]) -> bool:
        return self.chat_id is None or str(values.get("chat_id", "")).strip() == str(self.chat_id)


def _answer(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.code)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Merge query string and body (JSON, urlencoded or multipart) into one dict."""
    values: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return values
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON object")
        values.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                values[key] = Upload(value.filename, value.content_type, value.file.read())
            elif isinstance(value, (bytes, bytearray)):
                values[key] = bytes(value).decode("utf-8", "replace")
            else:
                values[key] = value
    return values


class BotApiEmulator:
    """A strict, local Telegram Bot API server with simulated users (see ``bot.sandbox``)."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "community_feedback_bot",
        bot_first_name: str = "Community Feedback",
        limits: FloodLimits | None = None,
        callback_answer_timeout: float = 15.0,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        match = _TOKEN_RE.fullmatch(token)
        if match is None:
            raise ValueError("token must look like a Telegram token: '<digits>:<letters>'")
        self.token = token
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        bot_user = {
            "id": int(match.group(1)),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.state = SandboxState(bot_user, clock)
        self.stats = EmulatorStats()
        self._flood = FloodControl(limits or FloodLimits(), clock)
        self.api = BotApi(self.state, self._flood, self.stats, callback_answer_timeout)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._in_flight = 0
        self._last_activity = 0.0
        self._users: dict[int, SimUser] = {}
        self._groups: dict[int, SimGroup] = {}
        self._runner: web.AppRunner | None = None

    # ---- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving on ``host:port`` (port 0 picks a free one)."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        self.api.stopping = False
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        add_control_routes(app, self)
        app.router.add_route("*", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self._requested_port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])

    async def stop(self) -> None:
        """End pending long polls and shut the server down."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self.api.stopping = True
        self.state.signal.pulse()
        await runner.cleanup()

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---- addresses ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self._port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot's User object."""
        return dict(self.state.bot_user)

    @property
    def limits(self) -> FloodLimits:
        """Flood limits in force; assign new ones at run time (buckets restart)."""
        return self._flood.limits

    @limits.setter
    def limits(self, limits: FloodLimits) -> None:
        self._flood.limits = limits

    # ---- HTTP handlers -----------------------------------------------------------------

    def _touch(self) -> None:
        self._last_activity = asyncio.get_running_loop().time()
        self.state.signal.pulse()

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _answer(ApiError(401, "Unauthorized"))
        name = request.match_info["method"]
        method = METHODS.get(name.lower())
        polling = method == "getUpdates"
        if not polling:
            self._in_flight += 1
        self._touch()
        try:
            return await self._dispatch(request, name, method)
        finally:
            if not polling:
                self._in_flight -= 1
            self._touch()

    async def _dispatch(
        self, request: web.Request, name: str, method: str | None
    ) -> web.StreamResponse:
        label = method or name
        try:
            values = await _read_params(request)
        except ApiError as error:
            self.calls.append((label, {}))
            self.stats.requests[label] += 1
            return _answer(error)
        self.calls.append((label, decode_for_log(values)))
        self.stats.requests[label] += 1
        if method is None:
            return _answer(ApiError(404, "Not Found"))
        fault = self._take_fault(method, values)
        if fault is not None:
            self.stats.faults_injected[method] += 1
        if fault is not None and not fault.stall:
            if fault.drop_connection:
                if request.transport is not None:
                    request.transport.close()
                await asyncio.sleep(0)
                return web.Response(status=500)
            if fault.status == 429:
                return _answer(ApiError(429, "Too Many Requests: retry after 1", retry_after=1))
            return _answer(ApiError(fault.status, HTTPStatus(fault.status).phrase))
        attached = [
            value.removeprefix("attach://")
            for value in values.values()
            if isinstance(value, str) and value.startswith("attach://")
        ]
        unknown = unknown_parameters(method, values, attached)
        if unknown:
            self.stats.unknown_parameters[method] += 1
            return _answer(bad_request(f"unknown parameter {unknown[0]} for method {method}"))
        try:
            result = await self.api.handlers[method](Params(values))
        except ApiError as error:
            return _answer(error)
        except Exception:
            _LOG.exception("emulator bug while handling %s", method)
            return _answer(ApiError(500, "Internal Server Error"))
        if fault is not None and fault.stall:
            await asyncio.sleep(fault.stall)  # done, but the answer is late (or never read)
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str, values: dict[str, Any]) -> _Fault | None:
        queue = self._faults.get(method)
        for fault in queue or ():
            if fault.applies(values):
                queue.remove(fault)  # type: ignore[union-attr]
                return fault
        return None

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _answer(ApiError(401, "Unauthorized"))
        stored = self.state.file_by_path(request.match_info["path"])
        if stored is None:
            return _answer(ApiError(404, "Not Found"))
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.data, content_type=content_type)

    async def _handle_unknown(self, request: web.Request) -> web.StreamResponse:
        return _answer(ApiError(404, "Not Found"))

    # ---- simulated world ---------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Resident",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> SimUser:
        """Create (or get) a resident; their private chat (id == user_id) becomes known."""
        if user_id in self._users:
            return self._users[user_id]
        if user_id <= 0:
            raise ValueError("user ids are positive")
        info: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            info["last_name"] = last_name
        if username:
            info["username"] = username
        if language_code:
            info["language_code"] = language_code
        user = SimUser(self.state, info)
        self._users[user_id] = user
        return user

    def group(self, chat_id: int, title: str = "Partners") -> SimGroup:
        """Create (or get) a group chat (negative id) the bot is a member of."""
        if chat_id not in self._groups:
            self._groups[chat_id] = SimGroup(self.state, chat_id, title)
        return self._groups[chat_id]

    @property
    def users(self) -> dict[int, SimUser]:
        """All simulated users by id."""
        return dict(self._users)

    def transcript(self, chat_id: int) -> list[BotMessage]:
        """The bot's messages in a chat in send order, as they are now (deleted ones flagged)."""
        chat = self.state.chats.get(chat_id)
        if chat is None:
            return []
        return [m.snapshot() for _, m in sorted(chat.bot_messages.items())]

    def unanswered_callback_queries(self) -> list[dict[str, Any]]:
        """Callback queries the bot never answered (each with its age in seconds)."""
        now = self.state.clock()
        return [
            {
                "id": r.id,
                "from_id": r.from_id,
                "chat_id": r.chat_id,
                "message_id": r.message_id,
                "data": r.data,
                "age": now - r.created,
            }
            for r in self.state.callbacks.values()
            if r.answer is None
        ]

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """How the bot answered a callback query (text, show_alert, url, cache_time)."""
        record = self.state.callbacks.get(query_id)
        return None if record is None or record.answer is None else dict(record.answer)

    def commands(
        self, scope: str = "default", language_code: str = ""
    ) -> list[dict[str, Any]] | None:
        """Commands stored by setMyCommands; scope is its type (``chat:<id>`` for chat scopes)."""
        stored = self.state.commands.get((scope, language_code))
        return None if stored is None else [dict(c) for c in stored]

    def pending_updates(self) -> int:
        """Updates the bot has not confirmed yet (via a later getUpdates offset)."""
        return len(self.state.updates)

    @property
    def long_polling(self) -> bool:
        """True while the bot has a getUpdates long poll waiting."""
        return self.api.polling

    @property
    def requests_in_flight(self) -> int:
        """Bot API requests being handled right now, long polls excluded."""
        return self._in_flight

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109 - part of the test API contract
        message: str = "",
    ) -> None:
        """Wait until ``predicate()`` holds, re-checking on every state change."""
        await self.state.wait_until(
            predicate, timeout, lambda: message or f"condition not met within {timeout}s"
        )

    async def wait_idle(
        self,
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109 - part of the test API contract
        *,
        settle: float = 0.1,
    ) -> None:
        """Wait until every update is confirmed, no request is in flight and nothing has
        happened for ``settle`` seconds (the bot's handler runs after confirming an update)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            now = loop.time()
            idle = self.pending_updates() == 0 and self._in_flight == 0
            quiet_for = now - self._last_activity
            if idle and quiet_for >= settle:
                return
            if now >= deadline:
                raise AssertionError(
                    f"emulator not idle within {timeout}s: {self.pending_updates()} unconfirmed "
                    f"updates, {self._in_flight} requests in flight"
                )
            pause = settle - quiet_for if idle else 0.05
            await self.state.signal.wait(min(max(pause, 0.001), deadline - now))

    def fail_next(
        self,
        method: str,
        count: int = 1,
        *,
        status: int = 500,
        drop_connection: bool = False,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (for ``chat_id`` only, if given) fail
        without doing anything: answer ``status`` (e.g. 500) or drop the connection."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        self._add_faults(method, count, _Fault(status, drop_connection, chat_id=chat_id))

    def stall_next(self, method: str, count: int = 1, *, seconds: float = 3.0) -> None:
        """Carry out the next ``count`` calls of ``method``, then hold each answer ``seconds``:
        a client whose read timeout is shorter never learns that the call succeeded."""
        if seconds <= 0:
            raise ValueError("seconds must be positive")
        self._add_faults(method, count, _Fault(stall=seconds))

    def clear_faults(self) -> None:
        """Forget the faults not injected yet."""
        self._faults.clear()

    def _add_faults(self, method: str, count: int, fault: _Fault) -> None:
        canonical = METHODS.get(method.lower())
        if canonical is None:
            raise ValueError(
                f"unknown Bot API method {method!r} (emulated: {sorted(METHODS.values())})"
            )
        self._faults.setdefault(canonical, deque()).extend(fault for _ in range(count))
