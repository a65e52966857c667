"""The sandbox's web chat over HTTP (no browser): the page, the live stream, what a person
does, files, the command menus and the demo panel, against the real bot and the emulator."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.sandbox.community import demo_settings
from bot.sandbox.media import tiny_png
from bot.sandbox.session import RunningSandbox, open_sandbox

RESIDENTS = 40


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[RunningSandbox]:
    async with open_sandbox(
        demo_settings(), tmp_path / "sandbox.sqlite3", port=0, residents=RESIDENTS
    ) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        yield session


class Stream:
    """Reads server-sent events one at a time."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.last_id: str | None = None

    async def next(self) -> tuple[str, Any]:
        kind, data = "message", ""
        while True:
            raw = await self.response.content.readline()
            assert raw, "the stream ended"
            line = raw.decode().rstrip("\n")
            if line == "" and data:
                return kind, json.loads(data)
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                data += line[6:]
            elif line.startswith("id: "):
                self.last_id = line[4:]

    async def until(self, kind: str, text: str = "") -> Any:
        """Skip events until one of ``kind`` whose text contains ``text``."""
        while True:
            found, data = await self.next()
            if found == kind and text in data.get("text", ""):
                return data


async def post(http: aiohttp.ClientSession, url: str, **kwargs: Any) -> tuple[int, Any]:
    async with http.post(url, **kwargs) as response:
        return response.status, await response.json()


def person(sandbox: RunningSandbox, role: str, language: str = "en") -> Any:
    return next(p for p in sandbox.cast.all() if p.role == role and p.language == language)


async def test_page_is_self_contained(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    """If the page is loaded, then everything it references is served by the sandbox itself,
    a policy forbids anything else, and its strings come from the catalogue of the browser's
    language."""
    async with http.get(sandbox.url) as response:
        assert response.status == 200
        policy = response.headers["Content-Security-Policy"]
        page = await response.text()
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    references = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert references and all(ref.startswith(("/", "#")) for ref in references), references
    for ref in references:
        if ref.startswith("/"):
            async with http.get(sandbox.url.rstrip("/") + ref) as response:
                assert response.status == 200, ref
    texts = json.loads(re.search(r'id="texts">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert texts["sandbox_send"] == "Send"
    async with http.get(sandbox.url, headers={"Accept-Language": "es-ES,es;q=0.9"}) as response:
        spanish = await response.text()
    assert '<html lang="es">' in spanish and "Enviar" in spanish
    async with http.get(sandbox.url + "static/../bot/config.py") as response:
        assert response.status == 404


async def test_stream_shows_messages_edits_and_resumes(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """If a page follows a chat, then it gets a snapshot, the person's and the bot's messages,
    edits of the same message, the bot's pop-up answer to a press, and after reconnecting
    with Last-Event-ID only what it had not seen."""
    alex = person(sandbox, "new")
    base = f"{sandbox.url}api/people/{alex.key}"
    async with http.get(f"{base}/stream") as response:
        assert response.headers["Content-Type"] == "text/event-stream"
        stream = Stream(response)
        assert await stream.next() == ("snapshot", {"messages": []})
        assert (await post(http, f"{base}/text", json={"text": "/start"}))[0] == 200
        mine = await stream.until("message", "/start")
        assert mine["mine"] is True
        notice = await stream.until("message", "Do you agree")
        assert [b["text"] for b in notice["buttons"][0]] == ["Yes, I agree", "No, thanks"]
        status, answer = await post(
            http, f"{base}/press", json={"message_id": notice["id"], "text": "Yes, I agree"}
        )
        assert status == 200 and answer["answered"] is True
        edited = await stream.until("edit", "Which language")
        assert edited["id"] == notice["id"] and edited["edited"] is True
        seen = stream.last_id
    status, body = await post(
        http, f"{base}/press", json={"message_id": notice["id"], "text": "Yes, I agree"}
    )
    assert (status, body["error"]) == (409, "button_gone")
    await post(http, f"{base}/text", json={"text": "/help"})
    async with http.get(f"{base}/stream", headers={"Last-Event-ID": str(seen)}) as response:
        stream = Stream(response)
        kind, first = await stream.next()
        assert (kind, first["text"]) == ("message", "/help"), "no snapshot, nothing repeated"
    instance = str(seen).split(".")[0]
    for other in (f"{instance}.999999-0", f"0000.{str(seen).split('.')[1]}", "junk"):
        async with http.get(f"{base}/stream", headers={"Last-Event-ID": other}) as response:
            kind, _ = await Stream(response).next()
            assert kind == "snapshot", f"{other}: a cursor from elsewhere starts over"


async def test_photo_location_and_bad_input(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """If a person sends a photo and a location, then the chat shows them; junk is refused
    with an error code the page explains, and nothing reaches the bot."""
    lucia = person(sandbox, "new", "es")
    base = f"{sandbox.url}api/people/{lucia.key}"
    form = aiohttp.FormData()
    form.add_field("photo", tiny_png(8, 6), filename="a.png", content_type="image/png")
    form.add_field("caption", "la farola rota")
    assert (await post(http, f"{base}/photo", data=form))[0] == 200
    junk = aiohttp.FormData()
    junk.add_field("photo", b"not an image", filename="a.png")
    assert await post(http, f"{base}/photo", data=junk) == (
        400,
        {"error": "not_an_image", "detail": ""},
    )
    assert (await post(http, f"{base}/location", json={"latitude": 40.4, "longitude": -3.7}))[
        0
    ] == 200
    for bad in ({"latitude": 91, "longitude": 0}, {"latitude": "x", "longitude": 0}):
        assert (await post(http, f"{base}/location", json=bad))[1]["error"] == "location"
    for text in ("", " ", "x" * 4097):
        assert (await post(http, f"{base}/text", json={"text": text}))[1]["error"] == "text_length"
    assert (await post(http, f"{base}/text", data="{"))[1]["error"] == "bad_request"
    assert (await post(http, f"{sandbox.url}api/people/nobody/text", json={"text": "hi"}))[0] == 404
    async with http.get(f"{base}/stream") as response:
        _, snapshot = await Stream(response).next()
    kinds = [(m["kind"], m["mine"]) for m in snapshot["messages"]]
    assert kinds[:2] == [("photo", True), ("location", True)]
    photo = snapshot["messages"][0]
    assert photo["text"] == "la farola rota"
    async with http.get(sandbox.url.rstrip("/") + photo["file"]["url"]) as response:
        assert response.content_type == "image/png" and await response.read() == tiny_png(8, 6)
        assert "Content-Disposition" not in response.headers


async def test_documents_download_under_their_names(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """If the bot sent a document, then the page's link downloads it under its own name, also
    when the name is not ASCII."""
    stored = sandbox.emulator.state.add_file(
        b"BEGIN:VCALENDAR", "document", ".ics", file_name="réunion.ics", mime_type="text/calendar"
    )
    async with http.get(f"{sandbox.url}api/files/{stored.file_id}") as response:
        assert response.status == 200 and await response.read() == b"BEGIN:VCALENDAR"
        disposition = response.headers["Content-Disposition"]
    assert disposition == "attachment; filename=\"r_union.ics\"; filename*=UTF-8''r%C3%A9union.ics"
    async with http.get(f"{sandbox.url}api/files/nope") as response:
        assert response.status == 404


async def test_people_and_command_menus(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """If the page lists who one can be, then it offers new and returning residents in both
    languages, the coordinator, the admin and a partner group, each with the command menu
    the bot published for them; a new resident gets an id nobody has."""
    async with http.get(f"{sandbox.url}api/people") as response:
        people = await response.json()
    roles = [(p["role"], p["language"]) for p in people]
    assert roles == [
        ("new", "en"),
        ("new", "es"),
        ("resident", "en"),
        ("resident", "es"),
        ("coordinator", "en"),
        ("admin", "en"),
        ("partner", "en"),
    ]
    menus = {}
    for p in people:
        async with http.get(f"{sandbox.url}api/people/{p['key']}/commands") as response:
            menus[p["role"], p["language"]] = {c["command"] for c in await response.json()}
    assert "export" in menus["admin", "en"] and "newround" in menus["coordinator", "en"]
    assert "export" not in menus["coordinator", "en"] and "newround" not in menus["new", "es"]
    assert "surveys" in menus["resident", "es"]
    status, created = await post(http, f"{sandbox.url}api/people", json={"language": "es"})
    assert status == 200 and created["role"] == "new" and created["language"] == "es"
    assert created["user_id"] not in {p["user_id"] for p in people}


async def test_partner_group_chat(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    """If the visitor writes in the partner group, then the message shows as theirs, with the
    member's name; the group already holds the demo report routed to the partner."""
    partner = person(sandbox, "partner")
    base = f"{sandbox.url}api/people/{partner.key}"
    assert (await post(http, f"{base}/text", json={"text": "/help"}))[0] == 200
    async with http.get(f"{base}/stream") as response:
        stream = Stream(response)
        _, snapshot = await stream.next()
        mine = [m for m in snapshot["messages"] if m["mine"]]
        assert mine[0] | {"id": 0} == {
            "id": 0,
            "mine": True,
            "sender": "Jo",
            "kind": "text",
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            "edited": False,
        }
        await stream.until("message", "private chat")
        assert any("for you" in m["text"] for m in snapshot["messages"] if not m["mine"])


async def test_demo_panel_opens_a_round_and_moves_the_clock(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """If the demo panel opens a round, then it is open at once and its invitations go out;
    moving the clock a week closes it; bad requests are refused."""
    async with http.get(f"{sandbox.url}api/demo?lang=es") as response:
        state = await response.json()
    assert {"key": "community-trust-safety", "title": "Confianza y seguridad en el barrio"} in (
        state["surveys"]
    )
    assert state["rounds"] == [] and state["ahead_hours"] == 0
    status, body = await post(http, f"{sandbox.url}api/demo/round", json={"survey": "nope"})
    assert status == 400 and body["error"] == "round" and "no survey 'nope'" in body["detail"]
    status, body = await post(
        http, f"{sandbox.url}api/demo/round", json={"survey": "community-trust-safety"}
    )
    assert status == 200
    round_id = body["round"]
    async with http.get(f"{sandbox.url}api/demo") as response:
        rounds = (await response.json())["rounds"]
    assert [(r["id"], r["status"]) for r in rounds] == [(round_id, "open")]
    sam = person(sandbox, "resident")
    await sandbox.emulator.user(sam.user_id).wait_for("A new survey is open", timeout=30)
    assert (await post(http, f"{sandbox.url}api/demo/clock", json={"step": "1y"}))[0] == 400
    status, state = await post(http, f"{sandbox.url}api/demo/clock", json={"step": "1w"})
    assert status == 200 and state["ahead_hours"] == 168
    assert round_id not in [r["id"] for r in state["rounds"]], "closed a week later"
    kim = person(sandbox, "coordinator")
    await sandbox.emulator.user(kim.user_id).wait_for(f"Round #{round_id} closed", timeout=30)


async def test_demo_panel_announces_an_event(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """If the sandbox starts, then a planned event is announced and already has answers; if
    the demo panel announces another, then residents get it at once with its answer buttons,
    in their language, and the panel lists both as upcoming."""
    sam, marta = person(sandbox, "resident"), person(sandbox, "resident", "es")
    planned = await sandbox.emulator.user(sam.user_id).wait_for(
        "Coffee with your neighbourhood officers", timeout=30
    )
    assert "✅ Going" in planned.button_texts()
    status, body = await post(http, f"{sandbox.url}api/demo/event")
    assert status == 200
    async with http.get(f"{sandbox.url}api/demo?lang=es") as response:
        events = (await response.json())["events"]
    listed = {e["title"]: e for e in events}
    assert set(listed) == {"Paseo de seguridad vecinal", "Café con los agentes de tu barrio"}
    walk, coffee = listed["Paseo de seguridad vecinal"], listed["Café con los agentes de tu barrio"]
    assert walk["id"] == body["event"] and walk["going"] == 0
    assert walk["starts"].endswith(" 18:00") and coffee["starts"].endswith(" 10:00")
    assert coffee["going"] > 0 and coffee["maybe"] > 0, "demo residents answered it"
    english = await sandbox.emulator.user(sam.user_id).wait_for("Community safety walk", timeout=30)
    assert "✅ Going" in english.button_texts()
    await sandbox.emulator.user(marta.user_id).wait_for("Paseo de seguridad vecinal", timeout=30)


async def test_fresh_sandbox_has_history_and_stays_quiet_about_it(
    sandbox: RunningSandbox,
) -> None:
    """If a sandbox starts on a fresh database, then it has closed rounds with answers, an
    answered event and reports at every stage, and the coordinators are not sent the old
    rounds' summaries or failed deliveries again."""
    with sqlite3.connect(sandbox.settings.database.path) as db:
        rounds = db.execute(
            "SELECT COUNT(*), SUM(summary_sent_at IS NOT NULL) FROM rounds WHERE status = 'closed'"
        ).fetchone()
        answered = db.execute("SELECT COUNT(*) FROM responses WHERE status = 'completed'")
        statuses = {s for (s,) in db.execute("SELECT status FROM reports")}
        rsvps = db.execute("SELECT COUNT(*) FROM rsvps").fetchone()[0]
        unreported = db.execute(
            "SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND failure_reported_at IS NULL"
        ).fetchone()[0]
        completed = answered.fetchone()[0]
    assert rounds == (3, 3) and completed > 30
    assert statuses == {"new", "acknowledged", "in_progress", "resolved"}
    assert rsvps >= 8 and unreported == 0
    kim = sandbox.emulator.user(person(sandbox, "coordinator").user_id)
    await kim.wait_for("New report", timeout=30)
    await sandbox.emulator.wait_idle(timeout=30)
    texts = [m.text for m in kim.transcript]
    assert not any("closed:" in t or "could not be delivered" in t for t in texts), texts
