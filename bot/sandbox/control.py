"""HTTP control API under ``/_sandbox/``: drive simulated users from another process.

A bot started as a subprocess (``feedbackbot run``) cannot be reached through Python objects, and
a browser chat cannot either; both use these JSON endpoints, which mirror :class:`SimUser`.
Answers are ``{"ok": true, "result": ...}`` or ``{"ok": false, "description": ...}``.

    POST /_sandbox/users                  {id, first_name?, last_name?, username?, language_code?}
    GET  /_sandbox/users
    POST /_sandbox/users/{id}/text        {text}
    POST /_sandbox/users/{id}/command     {name, args?}
    POST /_sandbox/users/{id}/location    {latitude, longitude}
    POST /_sandbox/users/{id}/contact     {phone_number}
    POST /_sandbox/users/{id}/photo       {data_base64?, caption?}
    POST /_sandbox/users/{id}/sticker
    POST /_sandbox/users/{id}/edit        {message_id, text}
    POST /_sandbox/users/{id}/press       {text | data, message_id?} -> {callback_query_id}
    POST /_sandbox/users/{id}/block, /unblock
    POST /_sandbox/groups                 {id, title?};  POST /_sandbox/groups/{id}/text
    GET  /_sandbox/chats/{id}/transcript
    GET  /_sandbox/chats/{id}/events?after=N&timeout=S   (long poll for a browser chat)
    GET  /_sandbox/unanswered, /_sandbox/stats, /_sandbox/commands?scope=&language_code=
    GET  /_sandbox/files/{file_id}
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.simulation import SimUser
from bot.sandbox.state import BotMessage

if TYPE_CHECKING:
    from bot.sandbox.emulator import BotApiEmulator

__all__ = ["add_control_routes", "message_json"]

JSON = dict[str, Any]
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ControlError(Exception):
    """A control request that cannot be served (HTTP status + message)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def message_json(message: BotMessage) -> JSON:
    """A BotMessage as JSON: bytes replaced by size and a download link."""
    data = asdict(message)
    data.pop("file_bytes")
    data["buttons"] = [[list(button) for button in row] for row in message.buttons]
    data["file_size"] = len(message.file_bytes) if message.file_bytes is not None else None
    data["file_url"] = f"/_sandbox/files/{message.file_id}" if message.file_id else None
    return data


def _wrap(handler: Callable[[web.Request], Awaitable[Any]]) -> Route:
    async def route(request: web.Request) -> web.StreamResponse:
        try:
            result = await handler(request)
        except ControlError as error:
            return web.json_response(
                {"ok": False, "description": error.description}, status=error.status
            )
        except LookupError as error:
            return web.json_response({"ok": False, "description": str(error)}, status=404)
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response({"ok": True, "result": result})

    return route


async def _body(request: web.Request) -> JSON:
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ControlError(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def _field(body: JSON, name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ControlError(400, f"field {name!r} ({kind.__name__}) is required")
    return value


def _int_arg(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise ControlError(400, f"{name} must be an integer") from None


def add_control_routes(app: web.Application, emulator: BotApiEmulator) -> None:
    """Register the ``/_sandbox/`` routes for ``emulator`` on ``app``."""

    def user(request: web.Request) -> SimUser:
        user_id = _int_arg(request, "user_id")
        found = emulator.users.get(user_id)
        if found is None:
            raise ControlError(404, f"user {user_id} not found; POST /_sandbox/users first")
        return found

    async def create_user(request: web.Request) -> JSON:
        body = await _body(request)
        created = emulator.user(
            _field(body, "id", int),
            str(body.get("first_name") or "Resident"),
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code", "en"),
        )
        return created.as_dict()

    async def list_users(request: web.Request) -> list[JSON]:
        return [u.as_dict() for u in emulator.users.values()]

    async def text(request: web.Request) -> JSON:
        return await user(request).send_text(_field(await _body(request), "text", str))

    async def command(request: web.Request) -> JSON:
        body = await _body(request)
        return await user(request).send_command(
            _field(body, "name", str), str(body.get("args", ""))
        )

    async def location(request: web.Request) -> JSON:
        body = await _body(request)
        latitude, longitude = body.get("latitude"), body.get("longitude")
        if not isinstance(latitude, (int, float)) or not isinstance(longitude, (int, float)):
            raise ControlError(400, "fields 'latitude' and 'longitude' (numbers) are required")
        return await user(request).send_location(float(latitude), float(longitude))

    async def contact(request: web.Request) -> JSON:
        body = await _body(request)
        return await user(request).send_contact(_field(body, "phone_number", str))

    async def photo(request: web.Request) -> JSON:
        body = await _body(request)
        data = None
        if "data_base64" in body:
            try:
                data = base64.b64decode(_field(body, "data_base64", str), validate=True)
            except binascii.Error:
                raise ControlError(400, "data_base64 is not valid base64") from None
        try:
            return await user(request).send_photo(data, caption=body.get("caption"))
        except ValueError as error:
            raise ControlError(400, str(error)) from None

    async def sticker(request: web.Request) -> JSON:
        return await user(request).send_sticker()

    async def edit(request: web.Request) -> JSON:
        body = await _body(request)
        return await user(request).edit_text(
            _field(body, "message_id", int), _field(body, "text", str)
        )

    async def press(request: web.Request) -> JSON:
        body = await _body(request)
        target = body.get("message_id")
        if target is not None and not isinstance(target, int):
            raise ControlError(400, "message_id must be an integer")
        if isinstance(body.get("text"), str):
            query_id = await user(request).press(body["text"], message_id=target)
        elif isinstance(body.get("data"), str):
            query_id = await user(request).press_data(body["data"], message_id=target)
        else:
            raise ControlError(400, "give the button 'text' or raw callback 'data'")
        return {"callback_query_id": query_id}

    async def block(request: web.Request) -> JSON:
        user(request).block()
        return {"blocked": True}

    async def unblock(request: web.Request) -> JSON:
        user(request).unblock()
        return {"blocked": False}

    async def create_group(request: web.Request) -> JSON:
        body = await _body(request)
        try:
            group = emulator.group(_field(body, "id", int), str(body.get("title") or "Partners"))
        except ValueError as error:
            raise ControlError(400, str(error)) from None
        return {"id": group.id, "title": group.title}

    async def group_text(request: web.Request) -> JSON:
        body = await _body(request)
        chat_id = _int_arg(request, "chat_id")
        if chat_id not in emulator.state.chats or chat_id >= 0:
            raise ControlError(404, f"group {chat_id} not found; POST /_sandbox/groups first")
        sender = emulator.users.get(_field(body, "from_user_id", int))
        if sender is None:
            raise ControlError(404, "from_user_id is not a known user")
        return await emulator.group(chat_id).send_text(sender, _field(body, "text", str))

    async def transcript(request: web.Request) -> list[JSON]:
        return [message_json(m) for m in emulator.transcript(_int_arg(request, "chat_id"))]

    async def events(request: web.Request) -> JSON:
        """Bot events after index ``after``; waits up to ``timeout`` s for one (long poll)."""
        chat = emulator.state.chats.get(_int_arg(request, "chat_id"))
        if chat is None:
            raise ControlError(404, "chat not found")
        try:
            after = int(request.query.get("after", "0"))
            timeout = min(30.0, float(request.query.get("timeout", "0")))
        except ValueError:
            raise ControlError(400, "after and timeout must be numbers") from None
        if timeout > 0:
            with contextlib.suppress(AssertionError):
                await emulator.wait_until(lambda: len(chat.events) > after, timeout)
        found = [
            {"seq": e.seq, "kind": e.kind, "message": message_json(e.message)}
            for e in chat.events[after:]
        ]
        return {"events": found, "next": len(chat.events)}

    async def unanswered(request: web.Request) -> list[JSON]:
        return emulator.unanswered_callback_queries()

    async def stats(request: web.Request) -> JSON:
        return {**emulator.stats.as_dict(), "pending_updates": emulator.pending_updates()}

    async def commands(request: web.Request) -> list[JSON] | None:
        return emulator.commands(
            request.query.get("scope", "default"), request.query.get("language_code", "")
        )

    async def file(request: web.Request) -> web.StreamResponse:
        stored = emulator.state.files.get(request.match_info["file_id"])
        if stored is None:
            raise ControlError(404, "file not found")
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.data, content_type=content_type)

    prefix = "/_sandbox"
    per_user = f"{prefix}/users/{{user_id}}"
    routes: list[tuple[str, str, Callable[[web.Request], Awaitable[Any]]]] = [
        ("POST", f"{prefix}/users", create_user),
        ("GET", f"{prefix}/users", list_users),
        ("POST", f"{per_user}/text", text),
        ("POST", f"{per_user}/command", command),
        ("POST", f"{per_user}/location", location),
        ("POST", f"{per_user}/contact", contact),
        ("POST", f"{per_user}/photo", photo),
        ("POST", f"{per_user}/sticker", sticker),
        ("POST", f"{per_user}/edit", edit),
        ("POST", f"{per_user}/press", press),
        ("POST", f"{per_user}/block", block),
        ("POST", f"{per_user}/unblock", unblock),
        ("POST", f"{prefix}/groups", create_group),
        ("POST", f"{prefix}/groups/{{chat_id}}/text", group_text),
        ("GET", f"{prefix}/chats/{{chat_id}}/transcript", transcript),
        ("GET", f"{prefix}/chats/{{chat_id}}/events", events),
        ("GET", f"{prefix}/unanswered", unanswered),
        ("GET", f"{prefix}/stats", stats),
        ("GET", f"{prefix}/commands", commands),
        ("GET", f"{prefix}/files/{{file_id}}", file),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, _wrap(handler))
