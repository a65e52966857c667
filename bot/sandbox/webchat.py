"""The sandbox's web chat: a page, its JSON API and a live stream per chat (server-sent events).

The page (``bot/sandbox/page/``: HTML, CSS and one script, no build step) lets a visitor be any
persona of the :class:`~bot.sandbox.cast.Cast`, talk to the real bot through the emulator and use
the demo panel. Everything is served from 127.0.0.1 by this process; the page loads nothing
from elsewhere (its Content-Security-Policy forbids it). People's text reaches the page as JSON
and is shown with ``textContent``: resident text is data, never markup.

    GET  /                                the page (strings from the message catalogue)
    GET  /static/{name}                   chat.js, chat.css, icon.svg
    GET  /api/people                      the personas;  POST {language} adds a new resident
    GET  /api/people/{key}/stream         server-sent events: snapshot, message, edit, delete
    POST /api/people/{key}/text           {text, reply_to?}  (reply_to: in groups)
    POST /api/people/{key}/press          {message_id, text} -> the bot's pop-up answer
    POST /api/people/{key}/location       {latitude, longitude}
    POST /api/people/{key}/contact
    POST /api/people/{key}/photo          multipart: photo, caption
    GET  /api/people/{key}/commands       the command menu the bot published for that chat
    GET  /api/files/{file_id}             a document (as a download with its name) or a photo
    GET  /api/demo ; POST /api/demo/round {survey} ; POST /api/demo/event ;
    POST /api/demo/clock {step}
"""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.sandbox.cast import Cast, Persona
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.panel import CLOCK_STEPS, DemoPanel, NotReadyError
from bot.sandbox.timeline import Cursor, Timeline
from bot.texts import Catalogue
from surveys.errors import SurveysError

__all__ = ["WebChat"]

JSON = dict[str, Any]
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
PHOTO_LIMIT = 10 * 1024 * 1024
PRESS_ANSWER_WAIT = 10.0
KEEPALIVE = 15.0
STATIC = {
    "chat.js": "text/javascript",
    "chat.css": "text/css",
    "icon.svg": "image/svg+xml",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
SAMPLE_PHONE = "+44 20 7946 0000"


class PageError(Exception):
    """A request the page made that cannot be served: an HTTP status and an error code the
    page translates (``sandbox_error_<code>`` in the catalogue)."""

    def __init__(self, status: int, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail


def _page_file(name: str) -> bytes:
    return resources.files("bot.sandbox").joinpath("page", name).read_bytes()


class WebChat:
    """The page's HTTP server for one running sandbox."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        cast: Cast,
        panel: DemoPanel,
        texts: Catalogue,
        *,
        known_resident: Callable[[int], Awaitable[bool]],
    ) -> None:
        self._emulator = emulator
        self._cast = cast
        self._panel = panel
        self._texts = texts
        self._known_resident = known_resident
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._url: str | None = None
        # Event ids carry it: a page that reconnects to another sandbox starts over.
        self._instance = secrets.token_hex(4)

    # ---- lifecycle ---------------------------------------------------------------------

    async def start(self, host: str, port: int) -> str:
        """Serve on ``host:port`` (0 = any free port) and return the page's URL."""
        app = web.Application(client_max_size=PHOTO_LIMIT + 64 * 1024)
        self._add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound = runner.addresses[0]
        self._url = f"http://{host}:{bound[1]}/"
        return self._url

    async def stop(self) -> None:
        """End the live streams and stop serving."""
        self._closing = True
        self._emulator.state.signal.pulse()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the web chat is not started")
        return self._url

    # ---- routing -----------------------------------------------------------------------

    def _add_routes(self, app: web.Application) -> None:
        person = "/api/people/{key}"
        routes: list[tuple[str, str, Callable[[web.Request], Awaitable[Any]]]] = [
            ("GET", "/", self._page),
            ("GET", "/static/{name}", self._static),
            ("GET", "/api/people", self._people),
            ("POST", "/api/people", self._new_resident),
            ("GET", f"{person}/stream", self._stream),
            ("POST", f"{person}/text", self._text),
            ("POST", f"{person}/press", self._press),
            ("POST", f"{person}/location", self._location),
            ("POST", f"{person}/contact", self._contact),
            ("POST", f"{person}/photo", self._photo),
            ("GET", f"{person}/commands", self._commands),
            ("GET", "/api/files/{file_id}", self._file),
            ("GET", "/api/demo", self._demo),
            ("POST", "/api/demo/round", self._demo_round),
            ("POST", "/api/demo/event", self._demo_event),
            ("POST", "/api/demo/clock", self._demo_clock),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, _wrap(handler))

    # ---- the page ----------------------------------------------------------------------

    def _language(self, request: web.Request) -> str:
        """``?lang=``, else the browser's first language the catalogue has, else the default."""
        asked = request.query.get("lang")
        if asked in self._texts.languages:
            return asked
        for part in request.headers.get("Accept-Language", "").split(","):
            code = part.split(";")[0].strip().split("-")[0].lower()
            if code in self._texts.languages:
                return code
        return self._texts.default

    async def _page(self, request: web.Request) -> web.Response:
        language = self._language(request)
        strings = self._texts.section(language, "sandbox_")
        values = {key.removeprefix("sandbox_"): html.escape(text) for key, text in strings.items()}
        values["lang"] = language
        values["languages"] = "".join(
            f'<option value="{code}"{" selected" if code == language else ""}>'
            f"{html.escape(self._texts.get(code, 'language_name'))}</option>"
            for code in self._texts.languages
        )
        # JSON inside <script type="application/json">: "</" must not end the element
        values["texts_json"] = _script_json(strings)
        values["language_names_json"] = _script_json(
            {code: self._texts.get(code, "language_name") for code in self._texts.languages}
        )
        template = _page_file("index.html").decode("utf-8")
        body = _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
        return web.Response(
            text=body, content_type="text/html", charset="utf-8", headers=SECURITY_HEADERS
        )

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise PageError(404, "not_found")
        return web.Response(
            body=_page_file(name), content_type=STATIC[name], headers=SECURITY_HEADERS
        )

    # ---- people ------------------------------------------------------------------------

    def _persona(self, request: web.Request) -> Persona:
        try:
            return self._cast.get(request.match_info["key"])
        except KeyError:
            raise PageError(404, "not_found", "no such person") from None

    async def _people(self, request: web.Request) -> list[JSON]:
        return [p.model_dump() for p in self._cast.all()]

    async def _new_resident(self, request: web.Request) -> JSON:
        body = await _body(request)
        language = body.get("language")
        if language not in self._texts.languages:
            language = self._texts.default
        persona = await self._cast.new_resident(str(language), self._known_resident)
        return persona.model_dump()

    # ---- the live stream ---------------------------------------------------------------

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events for one persona's chat until the page or the sandbox goes."""
        persona = self._persona(request)
        timeline = Timeline(self._emulator.state, persona.chat_id, persona.user_id)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        signal = self._emulator.state.signal
        cursor = self._cursor(request.headers.get("Last-Event-ID"))
        try:
            await response.write(b"retry: 1000\n\n")
            if cursor is None or not _resumable(timeline, cursor):
                messages, cursor = timeline.snapshot()
                await _event(response, "snapshot", {"messages": messages}, cursor, self._instance)
            while not self._closing:
                changes = timeline.since(cursor)
                for change in changes:
                    await _event(
                        response, change.kind, change.message, change.cursor, self._instance
                    )
                    cursor = change.cursor
                if changes:
                    continue
                version = signal.version  # no await since since(): no change can slip by
                await signal.wait(KEEPALIVE)
                if signal.version == version and not self._closing:
                    await response.write(b": keep-alive\n\n")
        except ConnectionResetError:
            pass  # the page went away
        return response

    def _cursor(self, last_event_id: str | None) -> Cursor | None:
        """The cursor of a ``Last-Event-ID`` given out by this sandbox, else None."""
        instance, _, token = (last_event_id or "").partition(".")
        return Cursor.parse(token) if instance == self._instance else None

    # ---- what a person does ------------------------------------------------------------

    async def _text(self, request: web.Request) -> JSON:
        """Send text; in a group, optionally as a reply to one of its messages."""
        persona = self._persona(request)
        body = await _body(request)
        text, reply_to = str(body.get("text", "")), body.get("reply_to")
        if not text.strip() or len(text) > TEXT_LIMIT:
            raise PageError(400, "text_length")
        if reply_to is not None and not isinstance(reply_to, int):
            raise PageError(400, "bad_request", "reply_to must be a message id")
        group = self._cast.group(persona)
        try:
            if group is not None:
                sent = await group.send_text(self._cast.user(persona), text, reply_to=reply_to)
            else:
                sent = await self._cast.user(persona).send_text(text)
        except LookupError:
            raise PageError(409, "reply_gone") from None
        return {"message_id": sent["message_id"]}

    async def _press(self, request: web.Request) -> JSON:
        """Press an inline button, then wait for the bot's answer (the pop-up, if any)."""
        persona = self._persona(request)
        body = await _body(request)
        message_id, text = body.get("message_id"), body.get("text")
        if not isinstance(message_id, int) or not isinstance(text, str):
            raise PageError(400, "bad_request", "message_id and text are required")
        group, user = self._cast.group(persona), self._cast.user(persona)
        try:
            if group is not None:
                query_id = await group.press(user, text, message_id=message_id)
            else:
                query_id = await user.press(text, message_id=message_id)
        except LookupError:
            raise PageError(409, "button_gone") from None
        emulator = self._emulator
        try:
            await emulator.wait_until(
                lambda: emulator.callback_answer(query_id) is not None, PRESS_ANSWER_WAIT
            )
        except AssertionError:
            return {"answered": False}
        answer = emulator.callback_answer(query_id) or {}
        return {
            "answered": True,
            "text": answer.get("text") or "",
            "show_alert": bool(answer.get("show_alert")),
        }

    async def _location(self, request: web.Request) -> JSON:
        persona = self._private(request)
        body = await _body(request)
        latitude, longitude = body.get("latitude"), body.get("longitude")
        if (
            not isinstance(latitude, (int, float))
            or not isinstance(longitude, (int, float))
            or not -90 <= latitude <= 90
            or not -180 <= longitude <= 180
        ):
            raise PageError(400, "location")
        sent = await self._cast.user(persona).send_location(float(latitude), float(longitude))
        return {"message_id": sent["message_id"]}

    async def _contact(self, request: web.Request) -> JSON:
        persona = self._private(request)
        sent = await self._cast.user(persona).send_contact(SAMPLE_PHONE)
        return {"message_id": sent["message_id"]}

    async def _photo(self, request: web.Request) -> JSON:
        persona = self._private(request)
        form = await request.post()
        upload = form.get("photo")
        if not isinstance(upload, web.FileField):
            raise PageError(400, "not_an_image")
        data = upload.file.read()
        caption = str(form.get("caption") or "").strip()
        if len(caption) > CAPTION_LIMIT:
            raise PageError(400, "text_length")
        try:
            sent = await self._cast.user(persona).send_photo(data, caption=caption or None)
        except ValueError:
            raise PageError(400, "not_an_image") from None
        return {"message_id": sent["message_id"]}

    def _private(self, request: web.Request) -> Persona:
        persona = self._persona(request)
        if self._cast.group(persona) is not None:
            raise PageError(400, "bad_request", "only in a private chat")
        return persona

    async def _commands(self, request: web.Request) -> list[JSON]:
        """The menu Telegram would show: the chat's own list, else the language's, else all."""
        persona = self._persona(request)
        emulator = self._emulator
        scopes = [(f"chat:{persona.chat_id}", "")]
        if persona.group_title is not None:
            scopes += [("all_group_chats", "")]
        else:
            scopes += [("all_private_chats", persona.language), ("all_private_chats", "")]
        scopes += [("default", persona.language), ("default", "")]
        for scope, language in scopes:
            found = emulator.commands(scope, language)
            if found is not None:
                return found
        return []

    async def _file(self, request: web.Request) -> web.Response:
        stored = self._emulator.state.files.get(request.match_info["file_id"])
        if stored is None:
            raise PageError(404, "not_found")
        headers = dict(SECURITY_HEADERS)
        if stored.kind == "document":
            name = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
            fallback = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "download"
            headers["Content-Disposition"] = (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
            )
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type or "application/octet-stream",
            headers=headers,
        )

    # ---- demo panel --------------------------------------------------------------------

    async def _demo(self, request: web.Request) -> JSON:
        state = await self._panel.state(self._language(request))
        return state.model_dump()

    async def _demo_round(self, request: web.Request) -> JSON:
        survey = (await _body(request)).get("survey")
        if not isinstance(survey, str):
            raise PageError(400, "bad_request", "survey is required")
        try:
            round_id = await self._panel.open_round(survey)
        except SurveysError as exc:
            raise PageError(400, "round", str(exc)) from None
        return {"round": round_id}

    async def _demo_event(self, request: web.Request) -> JSON:
        try:
            event_id = await self._panel.announce_event()
        except SurveysError as exc:
            raise PageError(400, "event", str(exc)) from None
        return {"event": event_id}

    async def _demo_clock(self, request: web.Request) -> JSON:
        step = (await _body(request)).get("step")
        if step not in CLOCK_STEPS:
            raise PageError(400, "bad_request", f"step must be one of {', '.join(CLOCK_STEPS)}")
        await self._panel.advance(str(step))
        state = await self._panel.state(self._language(request))
        return state.model_dump()


def _wrap(handler: Callable[[web.Request], Awaitable[Any]]) -> Route:
    async def route(request: web.Request) -> web.StreamResponse:
        try:
            result = await handler(request)
        except NotReadyError:
            return web.json_response(
                {"error": "starting", "detail": "the sandbox is still starting"}, status=503
            )
        except PageError as error:
            return web.json_response(
                {"error": error.code, "detail": error.detail}, status=error.status
            )
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response(result, headers={"Cache-Control": "no-cache"})

    return route


async def _body(request: web.Request) -> JSON:
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise PageError(400, "bad_request", "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise PageError(400, "bad_request", "the body must be a JSON object")
    return body


def _script_json(data: object) -> str:
    """JSON for a ``<script type="application/json">``: "</" must not end the element."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _resumable(timeline: Timeline, cursor: Cursor) -> bool:
    try:
        timeline.since(cursor)
    except ValueError:
        return False
    return True


async def _event(
    response: web.StreamResponse, kind: str, data: JSON, cursor: Cursor, instance: str
) -> None:
    payload = json.dumps(data, ensure_ascii=False)
    event_id = f"{instance}.{cursor.token()}"
    await response.write(f"id: {event_id}\nevent: {kind}\ndata: {payload}\n\n".encode())
