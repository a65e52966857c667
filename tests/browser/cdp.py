"""A small Chrome DevTools Protocol client: headless Chromium driven like a person would.

Why not Playwright or Selenium: the tests need a handful of things (open a page, click with
the mouse, type, press keys, wait for the page to show something, take screenshots, catch
downloads and console errors), all of which are single DevTools commands. Talking the protocol
over aiohttp's WebSocket client (already a dependency) adds no package, no bundled driver and
no browser/driver version pairing, and it runs in the test's own event loop beside the sandbox.

Clicks and keys are real input events (``Input.dispatchMouseEvent``/``dispatchKeyEvent``) at
the element's position, after checking nothing covers it, so a hidden or covered button fails
the test as it would fail a person.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
    "--remote-debugging-port=0",
)
_LISTENING = re.compile(r"DevTools listening on (ws://\S+)")
JSON = dict[str, Any]


class Chromium:
    """A headless Chromium process with a fresh profile, reachable over DevTools."""

    def __init__(self, executable: str, profile: Path) -> None:
        self.executable = executable
        self.profile = profile
        self._process: subprocess.Popen[str] | None = None
        self.ws_url = ""

    def start(self, timeout: float = 60.0) -> str:
        """Launch and return the browser's DevTools WebSocket URL."""
        self._process = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: stop() ends every helper process
        )
        assert self._process.stderr is not None
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while time.monotonic() < deadline:
            line = self._process.stderr.readline()
            if not line:
                break
            seen.append(line)
            match = _LISTENING.search(line)
            if match:
                self.ws_url = match.group(1)
                # keep draining stderr so Chromium never blocks on a full pipe
                drain = self._process.stderr
                threading.Thread(target=drain.read, daemon=True).start()
                return self.ws_url
        self.stop()
        raise RuntimeError("Chromium did not start:\n" + "".join(seen[-20:]))

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class DevToolsError(Exception):
    """A DevTools command failed."""


class DevTools:
    """One WebSocket to the browser: numbered commands and events, flat sessions."""

    def __init__(self) -> None:
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[JSON]] = {}
        self._listeners: list[tuple[str, str | None, Any]] = []
        self._reader: asyncio.Task[None] | None = None

    async def connect(self, ws_url: str) -> None:
        self._http = aiohttp.ClientSession()
        self._ws = await self._http.ws_connect(ws_url, max_msg_size=0)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()

    async def _read(self) -> None:
        assert self._ws is not None
        async for frame in self._ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            if "id" in message:
                future = self._pending.pop(message["id"], None)
                if future is not None and not future.done():
                    if "error" in message:
                        future.set_exception(DevToolsError(str(message["error"])))
                    else:
                        future.set_result(message.get("result", {}))
                continue
            for method, session, callback in list(self._listeners):
                if method == message.get("method") and session == message.get("sessionId"):
                    callback(message.get("params", {}))
        for future in self._pending.values():
            if not future.done():
                future.set_exception(DevToolsError("the browser connection closed"))

    def on(self, method: str, callback: Any, session: str | None = None) -> None:
        """Call ``callback(params)`` for every ``method`` event of ``session`` (None: browser)."""
        self._listeners.append((method, session, callback))

    async def send(
        self, method: str, params: JSON | None = None, session: str | None = None
    ) -> JSON:
        assert self._ws is not None
        command_id = next(self._ids)
        future: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        self._pending[command_id] = future
        message: JSON = {"id": command_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        await self._ws.send_str(json.dumps(message))
        return await asyncio.wait_for(future, 60)


@dataclass
class Download:
    """A file the page downloaded: the name the browser would save it under, and its bytes."""

    name: str
    path: Path

    def read(self) -> bytes:
        return self.path.read_bytes()


@dataclass
class Page:
    """One tab in its own browser context: fresh storage, its own download folder."""

    devtools: DevTools
    session: str
    context: str
    target: str
    downloads_dir: Path
    problems: list[str] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)
    _names: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def open(
        cls, devtools: DevTools, downloads_dir: Path, *, width: int = 1280, height: int = 860
    ) -> Page:
        context = (await devtools.send("Target.createBrowserContext"))["browserContextId"]
        target = (
            await devtools.send(
                "Target.createTarget", {"url": "about:blank", "browserContextId": context}
            )
        )["targetId"]
        session = (
            await devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        )["sessionId"]
        downloads_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - before any page work
        page = cls(devtools, session, context, target, downloads_dir)
        page._listen()
        for domain in ("Page", "Runtime", "Log"):
            await page.send(f"{domain}.enable")
        await devtools.send(
            "Browser.setDownloadBehavior",
            {
                "behavior": "allowAndName",
                "browserContextId": context,
                "downloadPath": str(downloads_dir),
                "eventsEnabled": True,
            },
        )
        await page.viewport(width, height)
        return page

    def _listen(self) -> None:
        def console(params: JSON) -> None:
            if params.get("type") in ("error", "assert"):
                texts = [str(a.get("value", a.get("description", ""))) for a in params["args"]]
                self.problems.append("console: " + " ".join(texts))

        def exception(params: JSON) -> None:
            details = params.get("exceptionDetails", {})
            description = details.get("exception", {}).get("description") or details.get("text")
            self.problems.append(f"exception: {description}")

        def log_entry(params: JSON) -> None:
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                self.problems.append(f"log ({entry.get('source')}): {entry.get('text')}")

        def will_begin(params: JSON) -> None:
            self._names[params["guid"]] = params["suggestedFilename"]

        def progress(params: JSON) -> None:
            if params.get("state") == "completed" and params["guid"] in self._names:
                name = self._names.pop(params["guid"])
                self.downloads.append(Download(name, self.downloads_dir / params["guid"]))

        self.devtools.on("Runtime.consoleAPICalled", console, self.session)
        self.devtools.on("Runtime.exceptionThrown", exception, self.session)
        self.devtools.on("Log.entryAdded", log_entry, self.session)
        self.devtools.on("Browser.downloadWillBegin", will_begin)
        self.devtools.on("Browser.downloadProgress", progress)

    async def send(self, method: str, params: JSON | None = None) -> JSON:
        return await self.devtools.send(method, params, self.session)

    async def close(self) -> None:
        with contextlib.suppress(DevToolsError):
            await self.devtools.send("Target.closeTarget", {"targetId": self.target})
        with contextlib.suppress(DevToolsError):
            await self.devtools.send(
                "Target.disposeBrowserContext", {"browserContextId": self.context}
            )

    # ---- the page ----------------------------------------------------------------------

    async def viewport(self, width: int, height: int, *, mobile: bool = False) -> None:
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )

    async def goto(self, url: str) -> None:
        await self.send("Page.navigate", {"url": url})
        await self.wait_for("document.readyState === 'complete'", what="the page to load")

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises awaited)."""
        result = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression!r} failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(
        self,
        expression: str,
        *,
        what: str,
        timeout: float = 30.0,  # noqa: ASYNC109 - a polling deadline, named like the emulator's
    ) -> Any:
        """Poll until the expression is truthy; fail naming ``what`` and the chat's text."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                shown = await self.evaluate(
                    "[(document.getElementById('messages') || document.body).innerText,"
                    " 'pop-up: ' + (document.getElementById('toast') || {}).textContent,"
                    " 'panel: ' + (document.getElementById('panel-status') || {}).textContent]"
                    ".join('\\n')"
                )
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; page shows:\n{shown}"
                )
            await asyncio.sleep(0.1)

    async def screenshot(self, path: Path) -> Path:
        data = await self.send("Page.captureScreenshot", {"format": "png"})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data["data"]))  # noqa: ASYNC240
        return path

    # ---- a person's input --------------------------------------------------------------

    async def click(
        self,
        selector: str,
        text: str | None = None,
        *,
        timeout: float = 30.0,  # noqa: ASYNC109 - a polling deadline
    ) -> None:
        """Click the last visible element matching ``selector`` (and exactly ``text``) with the
        mouse, once nothing covers its centre and it has stopped moving (a message arriving
        can scroll the chat between finding the element and pressing the button)."""
        what = f"{selector} {text!r}" if text else selector
        args = f"{json.dumps(selector)}, {json.dumps(text)}"
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            while True:
                spot = await self.wait_for(
                    _FINDER % (args, "true"), what=f"a clickable {what}", timeout=timeout
                )
                x, y = spot["x"], spot["y"]
                await self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
                # still in the same place a moment later: the chat has stopped scrolling
                # (messages arriving in a burst move the target again and again)
                await asyncio.sleep(_STILL_FOR)
                still = await self.evaluate(_FINDER % (args, "false"))
                if still == spot:
                    break
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"{what} kept moving for {timeout}s")
            token = await self.evaluate("window.__cdpToken")
            for kind in ("mousePressed", "mouseReleased"):
                await self.send(
                    "Input.dispatchMouseEvent",
                    {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
                )
            if await self.evaluate("window.__cdpClicked") == token:
                return
            # A message arriving at that instant scrolled the chat: a click that landed on
            # nothing is made again, as a person would; one that hit another control is a
            # wrong action and fails the test.
            if await self.evaluate("window.__cdpMissedControl"):
                raise AssertionError(f"the click at {x:.0f},{y:.0f} missed {what} (it moved)")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the clicks on {what} kept missing for {timeout}s")

    async def type(self, text: str) -> None:
        """Type into the focused element, as an input method would."""
        await self.send("Input.insertText", {"text": text})

    async def key(self, name: str, *, shift: bool = False) -> None:
        """Press and release a key: Enter, Tab, Escape, Space."""
        codes = {"Enter": (13, "\r"), "Tab": (9, ""), "Escape": (27, ""), " ": (32, " ")}
        code, text = codes[name]
        base: JSON = {
            "key": name,
            "code": "Space" if name == " " else name,
            "windowsVirtualKeyCode": code,
            "nativeVirtualKeyCode": code,
            "modifiers": 8 if shift else 0,
        }
        down = {**base, "type": "keyDown", **({"text": text} if text else {})}
        await self.send("Input.dispatchKeyEvent", down)
        await self.send("Input.dispatchKeyEvent", {**base, "type": "keyUp"})

    async def set_files(self, selector: str, paths: list[Path]) -> None:
        """Choose files in a file input, as the file picker would (fires its change event)."""
        document = await self.send("DOM.getDocument", {"depth": 0})
        node = await self.send(
            "DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector}
        )
        await self.send(
            "DOM.setFileInputFiles",
            {"files": [str(p) for p in paths], "nodeId": node["nodeId"]},
        )

    async def wait_download(
        self,
        count: int,
        *,
        timeout: float = 60.0,  # noqa: ASYNC109 - a polling deadline
    ) -> list[Download]:
        """Wait until ``count`` downloads have completed; return them all."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.downloads) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} downloads, got {self.downloads}")
            await asyncio.sleep(0.1)
        return list(self.downloads)


# Finds the element (scrolled into view if asked) and returns its centre if the mouse would hit
# it there; a click on it records the token of this search, so a missed click is noticed.
_STILL_FOR = 0.3
"""Seconds a target must stay in place before it is clicked."""

_FINDER = """(() => {
  const [selector, text, scroll] = [%s, %s];
  const found = [...document.querySelectorAll(selector)].filter((e) => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && (text === null || e.textContent.trim() === text);
  });
  const element = found[found.length - 1];
  if (!element || element.getAttribute('aria-busy') === 'true') return null;
  if (scroll) element.scrollIntoView({block: 'center', inline: 'center'});
  const box = element.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const hit = document.elementFromPoint(x, y);
  if (!hit || (hit !== element && !element.contains(hit))) return null;
  const token = String(Math.random());
  window.__cdpToken = token;
  element.addEventListener('click', () => { window.__cdpClicked = token; },
                           {once: true, capture: true});
  // what a click that misses lands on instead: a control (a wrong action) or nothing
  window.__cdpMissedControl = false;
  document.addEventListener('click', (event) => {
    const target = event.target;
    window.__cdpMissedControl = !(target === element || element.contains(target))
      && !!target.closest('button, a, input, textarea, select, label, [role=button]');
  }, {once: true, capture: true});
  return {x, y};
})()"""
