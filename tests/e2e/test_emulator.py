"""The Bot API emulator over real HTTP: every Telegram limit it claims is proven enforced.

python-telegram-bot's own ``Bot`` (and a full ``Application``) talk to the emulator exactly as
they would talk to Telegram; raw aiohttp covers what PTB never sends (bad tokens, JSON bodies).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import telegram
import telegram.request
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.sandbox import BotApiEmulator, BotMessage, FloodLimits
from bot.sandbox.media import tiny_png
from bot.sandbox.methods import METHODS
from bot.sandbox.spec import PARAMETERS
from tests.support import TOKEN

ROOT = Path(__file__).resolve().parents[2]
NO_FLOOD = FloodLimits(enabled=False)


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    """One row of callback buttons."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in buttons]])


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt into PTB's timedelta time periods (else every RetryAfter emits a deprecation)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def retry_seconds(error: RetryAfter) -> float:
    """retry_after in seconds (PTB gives an int or a timedelta depending on its settings)."""
    value = error.retry_after
    return float(value) if isinstance(value, int) else value.total_seconds()


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """A running emulator with default (Telegram-like) flood limits."""
    async with BotApiEmulator(TOKEN) as emulator:
        yield emulator


@pytest.fixture
async def still_emu() -> AsyncIterator[BotApiEmulator]:
    """An emulator whose clock stands still: flood buckets never refill, however slowly the
    machine runs the test."""
    async with BotApiEmulator(TOKEN, clock=lambda: 1000.0) as emulator:
        yield emulator


@pytest.fixture
async def still_bot(still_emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    """PTB's Bot pointed at the still emulator."""
    async with telegram.Bot(
        TOKEN, base_url=still_emu.base_url, base_file_url=still_emu.base_file_url
    ) as ptb_bot:
        yield ptb_bot


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    """PTB's Bot pointed at the emulator."""
    async with telegram.Bot(
        TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url
    ) as ptb_bot:
        yield ptb_bot


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A raw HTTP client for requests PTB would never make."""
    async with aiohttp.ClientSession() as session:
        yield session


async def post(http: aiohttp.ClientSession, url: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """POST and return (status, decoded JSON body)."""
    async with http.post(url, **kwargs) as response:
        return response.status, await response.json()


# ---- protocol --------------------------------------------------------------------------


async def test_get_me_returns_the_bot_user(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If the bot calls getMe, then it gets a bot User with the configured username."""
    me = await bot.get_me()
    assert me.is_bot is True
    assert me.id == 123456
    assert me.username == "community_feedback_bot"
    assert me.can_join_groups is True
    assert emu.bot_user == {
        "id": 123456,
        "is_bot": True,
        "first_name": "Community Feedback",
        "username": "community_feedback_bot",
    }


async def test_wrong_token_is_401(emu: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    """If the token in the URL is not the emulator's, then the answer is Telegram's 401."""
    status, body = await post(http, f"{emu.url}/bot999:WRONG/getMe")
    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with telegram.Bot("999:WRONG", base_url=emu.base_url):
            pass


async def test_unknown_method_is_404(emu: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    """If the method is not emulated, then the answer is 404 Not Found (and it is logged)."""
    status, body = await post(http, f"{emu.url}/bot{TOKEN}/sendPoll", data={"chat_id": "1"})
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert emu.calls[-1] == ("sendPoll", {"chat_id": 1})


async def test_parameters_are_read_from_every_encoding(
    emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    """If parameters come as query string, urlencoded form or JSON (with real or stringified
    nested objects), and the method name in any case, then they are all understood."""
    emu.limits = NO_FLOOD
    emu.user(7)
    base = f"{emu.url}/bot{TOKEN}"
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    async with http.get(f"{base}/sendMessage", params={"chat_id": "7", "text": "q"}) as r:
        assert (r.status, (await r.json())["result"]["text"]) == (200, "q")
    form = {"chat_id": "7", "text": "f", "reply_markup": json.dumps(markup)}
    status, body = await post(http, f"{base}/sendmessage", data=form)
    assert (status, body["result"]["reply_markup"]) == (200, markup)
    status, body = await post(
        http, f"{base}/SENDMESSAGE", json={"chat_id": 7, "text": "j", "reply_markup": markup}
    )
    assert (status, body["result"]["text"]) == (200, "j")
    status, body = await post(http, f"{base}/sendMessage", json=[1, 2])
    assert status == 400
    assert [m.text for m in emu.transcript(7)] == ["q", "f", "j"]
    assert [name for name, _ in emu.calls] == ["sendMessage"] * 4
    assert emu.calls[-1][1] == {}
    assert emu.calls[1][1]["reply_markup"] == markup


async def test_text_message_has_the_real_message_shape(
    bot: telegram.Bot, emu: BotApiEmulator
) -> None:
    """If the bot sends a text with an inline keyboard, then Telegram's Message comes back and
    the transcript records it with its buttons."""
    user = emu.user(10, "Ann", username="ann")
    sent = await bot.send_message(10, "Pick one", reply_markup=keyboard(("Yes", "y"), ("No", "n")))
    assert sent.chat.id == 10
    assert sent.chat.type == "private"
    assert sent.chat.first_name == "Ann"
    assert sent.from_user is not None and sent.from_user.is_bot
    assert sent.reply_markup == keyboard(("Yes", "y"), ("No", "n"))
    assert user.last_message is not None
    assert user.last_message.buttons == [[("Yes", "y"), ("No", "n")]]
    assert user.last_message.button_texts() == ["Yes", "No"]
    assert user.last_message.kind == "text"
    asked = await user.send_text("Which area?")
    reply = await bot.send_message(
        10, "North", reply_parameters=telegram.ReplyParameters(asked["message_id"])
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "Which area?"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(10, "x", reply_parameters=telegram.ReplyParameters(999))


# ---- text limits and formatting ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Message text is empty"),
        ("   \n\t ", "Message text is empty"),
        ("a" * 4096, None),
        ("a" * 4097, "Message is too long"),
        ("😀" * 2048, None),
        ("😀" * 2048 + "a", "Message is too long"),
        ("  " + "a" * 4096 + "  ", None),
    ],
    ids=["empty", "whitespace", "4096", "4097", "2048-emoji", "emoji-plus-one", "trimmed"],
)
async def test_text_length_is_counted_in_utf16_after_trimming(
    bot: telegram.Bot, emu: BotApiEmulator, text: str, error: str | None
) -> None:
    """If a text is empty/blank or longer than 4096 UTF-16 units (emoji count 2), then
    sendMessage fails with Telegram's message and nothing is delivered; otherwise it is sent."""
    emu.user(1)
    if error is None:
        sent = await bot.send_message(1, text)
        assert sent.text == text.strip()
        assert len(emu.transcript(1)) == 1
    else:
        with pytest.raises(BadRequest, match=error):
            await bot.send_message(1, text)
        assert emu.transcript(1) == []


async def test_length_limit_applies_to_parsed_text(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If markup tags push the raw text over 4096 but the parsed text is within it, then the
    message is accepted and the transcript keeps both forms."""
    emu.user(1)
    raw = "<b>" + "a" * 4096 + "</b>"
    await bot.send_message(1, raw, parse_mode="HTML")
    message = emu.transcript(1)[0]
    assert (len(message.text), message.raw_text, message.parse_mode) == (4096, raw, "HTML")
    assert message.entities == [{"type": "bold", "offset": 0, "length": 4096}]
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1, "<b>" + "a" * 4097 + "</b>", parse_mode="HTML")


@pytest.mark.parametrize(
    "text",
    ["<b>unclosed", "<b><i>x</b></i>", "<p>para</p>", "3 < 4", "line<br>break", "&nbsp;"],
    ids=["unclosed", "mismatched", "unknown-tag", "bare-lt", "br", "unknown-entity"],
)
async def test_bad_html_is_rejected(bot: telegram.Bot, emu: BotApiEmulator, text: str) -> None:
    """If HTML has an unclosed/mismatched/unknown tag, a bare '<' or an unknown entity, then
    the bot gets 400 "can't parse entities" and nothing is delivered."""
    emu.user(1)
    with pytest.raises(BadRequest, match="Can't parse entities: "):
        await bot.send_message(1, text, parse_mode="HTML")
    assert emu.transcript(1) == []


async def test_good_html_becomes_entities(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If HTML is valid, then the Message has the plain text and entities at UTF-16 offsets."""
    emu.user(1)
    sent = await bot.send_message(
        1, '😀 <b>Bold</b> &amp; <a href="https://e.org">link</a>', parse_mode="HTML"
    )
    assert sent.text == "😀 Bold & link"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 3, 4),
        ("text_link", 10, 4),
    ]


async def test_markdown_v2_requires_escaping(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If MarkdownV2 leaves '.' unescaped, then Telegram's exact error comes back; escaped, the
    same text is accepted."""
    emu.user(1)
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(1, "*Thanks* for your report.", parse_mode="MarkdownV2")
    assert caught.value.message == (
        "Can't parse entities: character '.' is reserved and must be escaped with the "
        "preceding '\\'"
    )
    sent = await bot.send_message(1, "*Thanks* for your report\\.", parse_mode="MarkdownV2")
    assert sent.text == "Thanks for your report."
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: can't find end of bold"):
        await bot.send_message(1, "*unclosed", parse_mode="MarkdownV2")


async def test_unknown_parse_mode_is_rejected(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If parse_mode is not a Telegram mode, then sendMessage fails with unsupported parse_mode."""
    emu.user(1)
    with pytest.raises(BadRequest, match="Unsupported parse_mode"):
        await bot.send_message(1, "x", parse_mode="Markdown2")


async def test_caption_limit_is_1024(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If a caption has 1025 characters, then the send fails; 1024 is accepted."""
    emu.limits = NO_FLOOD
    emu.user(1)
    sent = await bot.send_document(1, b"data", filename="a.txt", caption="c" * 1024)
    assert sent.caption == "c" * 1024
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(1, tiny_png(), caption="c" * 1025)
    assert len(emu.transcript(1)) == 1


# ---- reply markup ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "ok"),
    [("x" * 64, True), ("x" * 65, False), ("é" * 32, True), ("é" * 33, False), ("😀" * 17, False)],
    ids=["64-bytes", "65-bytes", "64-bytes-multibyte", "66-bytes-multibyte", "68-bytes-emoji"],
)
async def test_callback_data_is_limited_to_64_bytes(
    bot: telegram.Bot, emu: BotApiEmulator, data: str, ok: bool
) -> None:
    """If callback_data exceeds 64 UTF-8 bytes, then the send fails with BUTTON_DATA_INVALID."""
    emu.user(1)
    if ok:
        await bot.send_message(1, "k", reply_markup=keyboard(("b", data)))
        assert emu.transcript(1)[0].buttons == [[("b", data)]]
    else:
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(1, "k", reply_markup=keyboard(("b", data)))
        assert emu.transcript(1) == []


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("{not json", "can't parse reply keyboard markup JSON object"),
        ('"string"', "can't parse reply keyboard markup JSON object"),
        ('{"inline_keyboard": [[{"text": "a"}]]}', "Text buttons are unallowed"),
        ('{"inline_keyboard": [[{"text": "", "callback_data": "a"}]]}', "button text"),
        (
            '{"inline_keyboard": [[{"text": "a", "callback_data": "a", "url": "https://e.org"}]]}',
            "exactly one",
        ),
        ('{"inline_keyboard": [[{"text": "a", "callback_data": ""}]]}', "BUTTON_DATA_INVALID"),
        ('{"inline_keyboard": {"text": "a"}}', "Array of Arrays"),
    ],
    ids=["junk", "not-object", "no-action", "empty-text", "two-actions", "empty-data", "shape"],
)
async def test_malformed_reply_markup_is_rejected(
    emu: BotApiEmulator, http: aiohttp.ClientSession, markup: str, error: str
) -> None:
    """If reply_markup is malformed JSON or a button breaks Telegram's rules, then 400."""
    emu.user(1)
    status, body = await post(
        http,
        f"{emu.url}/bot{TOKEN}/sendMessage",
        data={"chat_id": "1", "text": "x", "reply_markup": markup},
    )
    assert status == 400
    assert body["description"].startswith("Bad Request: ")
    assert error in body["description"]


async def test_reply_keyboards_are_accepted(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If the markup is a reply keyboard, its removal or ForceReply, then it is accepted and
    the message carries no inline buttons."""
    emu.limits = NO_FLOOD
    emu.user(1)
    await bot.send_message(1, "a", reply_markup=telegram.ReplyKeyboardMarkup([["Share"]]))
    await bot.send_message(1, "b", reply_markup=telegram.ReplyKeyboardRemove())
    await bot.send_message(1, "c", reply_markup=telegram.ForceReply())
    transcript = emu.transcript(1)
    assert [m.buttons for m in transcript] == [[], [], []]
    assert transcript[0].reply_markup == {"keyboard": [[{"text": "Share"}]]}


# ---- chats -------------------------------------------------------------------------------


async def test_unknown_chat_is_not_found(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If the chat was never created, then sends fail with "chat not found"."""
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(404, "hello")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_chat_action(404, "typing")


async def test_missing_chat_id_is_reported(
    emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    """If chat_id is missing, then the answer is "chat_id is empty"."""
    status, body = await post(http, f"{emu.url}/bot{TOKEN}/sendMessage", data={"text": "x"})
    assert (status, body["description"]) == (400, "Bad Request: chat_id is empty")


async def test_blocked_user_is_forbidden(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If the user blocked the bot, then sends answer 403 until they unblock it."""
    emu.limits = NO_FLOOD
    user = emu.user(5)
    user.block()
    assert user.blocked
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(5, "hi")
    with pytest.raises(Forbidden):
        await bot.send_document(5, b"x", filename="x.txt")
    user.unblock()
    await bot.send_message(5, "hi again")
    assert [m.text for m in user.transcript] == ["hi again"]
    updates = await bot.get_updates()
    kinds = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert kinds == ["kicked", "member"]


async def test_group_chat_messages(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If a member writes in a group, then the bot gets it with the group chat and the bot's
    reply lands in the group transcript."""
    member = emu.user(3, "Officer")
    group = emu.group(-100, "Youth Centre")
    await group.send_text(member, "/status@community_feedback_bot 12")
    [update] = await bot.get_updates()
    assert update.message is not None
    assert (update.message.chat.type, update.message.chat.title) == ("group", "Youth Centre")
    assert update.message.from_user is not None and update.message.from_user.id == 3
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/status@community_feedback_bot")
    await bot.send_message(-100, "Report 12: in progress")
    assert (await group.next_reply()).text == "Report 12: in progress"
    assert emu.transcript(-100)[0].chat_id == -100


# ---- edits, deletions, callback answers ----------------------------------------------------


async def test_edit_message_text(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If the bot edits its message, then the transcript shows the new text and edit_count;
    an identical edit is "not modified" and an unknown id is "not found"."""
    user = emu.user(1)
    sent = await bot.send_message(1, "Question?", reply_markup=keyboard(("A", "a")))
    edited = await bot.edit_message_text(
        "Question?", chat_id=1, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
    )
    assert isinstance(edited, telegram.Message)
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message is not modified: specified new message"):
        await bot.edit_message_text(
            "Question?", chat_id=1, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
        )
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=1, message_id=999)
    await bot.edit_message_text("Thanks!", chat_id=1, message_id=sent.message_id)
    [message] = user.transcript
    assert (message.text, message.edit_count, message.buttons) == ("Thanks!", 2, [])


async def test_edit_reply_markup(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If the bot replaces the keyboard, then the buttons change; the same keyboard again is
    "not modified"."""
    emu.user(1)
    sent = await bot.send_message(1, "Q", reply_markup=keyboard(("A", "a")))
    await bot.edit_message_reply_markup(1, sent.message_id, reply_markup=keyboard(("C", "c")))
    assert emu.transcript(1)[0].buttons == [[("C", "c")]]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(1, sent.message_id, reply_markup=keyboard(("C", "c")))
    await bot.edit_message_reply_markup(1, sent.message_id)
    assert emu.transcript(1)[0].buttons == []


async def test_delete_message(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If the bot deletes a message, then the transcript flags it; deleting again (or an
    unknown id) is "message to delete not found", and it can no longer be edited."""
    user = emu.user(1)
    sent = await bot.send_message(1, "temporary")
    assert await bot.delete_message(1, sent.message_id) is True
    assert user.transcript[0].deleted is True
    assert user.last_message is None
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(1, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(1, 777)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=1, message_id=sent.message_id)


async def test_answer_callback_query_once(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If a callback query is answered, then it leaves the unanswered list; a second answer or
    an unknown id is "query is too old ... or query ID is invalid"."""
    user = emu.user(1)
    await bot.send_message(1, "Q", reply_markup=keyboard(("Yes", "yes")))
    query_id = await user.press("Yes")
    [pending] = emu.unanswered_callback_queries()
    assert (pending["id"], pending["from_id"], pending["data"]) == (query_id, 1, "yes")
    assert await bot.answer_callback_query(query_id, text="Saved") is True
    assert emu.unanswered_callback_queries() == []
    assert emu.callback_answer(query_id) == {
        "text": "Saved",
        "show_alert": False,
        "url": None,
        "cache_time": 0,
    }
    with pytest.raises(BadRequest, match="Query is too old and response timeout expired"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query("12345")


async def test_answer_callback_text_is_limited(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If the answer text exceeds 200 characters, then answerCallbackQuery fails."""
    user = emu.user(1)
    await bot.send_message(1, "Q", reply_markup=keyboard(("Yes", "yes")))
    query_id = await user.press("Yes")
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="x" * 200)


async def test_late_callback_answer_is_too_old() -> None:
    """If the bot answers after callback_answer_timeout, then Telegram's "query is too old"
    error comes back and the query stays unanswered."""
    async with BotApiEmulator(TOKEN, callback_answer_timeout=0.05) as emu:
        user = emu.user(1)
        async with telegram.Bot(TOKEN, base_url=emu.base_url) as bot:
            await bot.send_message(1, "Q", reply_markup=keyboard(("Yes", "yes")))
            query_id = await user.press("Yes")
            await emu.wait_until(
                lambda: emu.unanswered_callback_queries()[0]["age"] > 0.05, timeout=2
            )
            with pytest.raises(BadRequest, match="Query is too old"):
                await bot.answer_callback_query(query_id)
        assert [q["id"] for q in emu.unanswered_callback_queries()] == [query_id]


async def test_chat_action_must_be_documented(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If sendChatAction names an unknown action, then 400; a documented one is accepted."""
    emu.user(1)
    assert await bot.send_chat_action(1, "typing") is True
    assert await bot.send_chat_action(1, "upload_document") is True
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(1, "dancing")


async def test_commands_are_validated_and_stored(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If setMyCommands gets valid commands, then they are stored per scope and language and
    getMyCommands returns them; an invalid name or description is rejected."""
    emu.user(9)
    assert emu.commands() is None
    await bot.set_my_commands([("start", "Begin"), ("report_2", "Report a concern")])
    await bot.set_my_commands([("start", "Beginnen")], language_code="nl")
    await bot.set_my_commands([("triage", "Triage reports")], scope=telegram.BotCommandScopeChat(9))
    assert emu.commands() == [
        {"command": "start", "description": "Begin"},
        {"command": "report_2", "description": "Report a concern"},
    ]
    assert emu.commands(language_code="nl") == [{"command": "start", "description": "Beginnen"}]
    assert emu.commands("chat:9") == [{"command": "triage", "description": "Triage reports"}]
    assert [c.command for c in await bot.get_my_commands(language_code="nl")] == ["start"]
    for name, description, error in [
        ("Start", "x", "Bot_command_invalid"),
        ("a" * 33, "x", "Bot_command_invalid"),
        ("with-dash", "x", "Bot_command_invalid"),
        ("ok", "", "Bot_command_description_invalid"),
        ("ok", "d" * 257, "Bot_command_description_invalid"),
    ]:
        with pytest.raises(BadRequest, match=error):
            await bot.set_my_commands([(name, description)])
    assert emu.commands() is not None and len(emu.commands() or []) == 2


# ---- flood control -----------------------------------------------------------------------


async def test_per_chat_burst_then_429(still_bot: telegram.Bot, still_emu: BotApiEmulator) -> None:
    """If one chat gets more than the burst at 1 msg/s, then 429 with retry_after >= 1 and the
    rejected message is not delivered; both counters record it."""
    user = still_emu.user(1)
    for n in range(3):
        await still_bot.send_message(1, f"m{n}")
    with pytest.raises(RetryAfter) as caught:
        await still_bot.send_message(1, "too fast")
    assert retry_seconds(caught.value) >= 1
    assert [m.text for m in user.transcript] == ["m0", "m1", "m2"]
    assert (still_emu.stats.sent_total, still_emu.stats.sent_by_chat[1]) == (3, 3)
    assert (still_emu.stats.rate_limited_total, still_emu.stats.rate_limited_by_chat[1]) == (1, 1)


async def test_429_body_is_telegrams(
    still_emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    """If flood control trips, then the body carries parameters.retry_after as an integer."""
    still_emu.limits = FloodLimits(per_chat_burst=1)
    still_emu.user(1)
    url = f"{still_emu.url}/bot{TOKEN}/sendMessage"
    assert (await post(http, url, data={"chat_id": "1", "text": "a"}))[0] == 200
    status, body = await post(http, url, data={"chat_id": "1", "text": "b"})
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }


async def test_overall_limit_across_chats(
    still_bot: telegram.Bot, still_emu: BotApiEmulator
) -> None:
    """If the bot sends to many chats faster than the overall rate, then 429 even though each
    chat got only one message."""
    still_emu.limits = FloodLimits(overall_per_second=5.0)
    for chat_id in range(1, 9):
        still_emu.user(chat_id)
    outcomes: list[int] = []
    for chat_id in range(1, 9):
        try:
            await still_bot.send_message(chat_id, "broadcast")
            outcomes.append(0)
        except RetryAfter as error:
            outcomes.append(int(retry_seconds(error)))
    assert outcomes[:5] == [0] * 5
    assert all(wait >= 1 for wait in outcomes[5:])
    assert still_emu.stats.sent_total == 5
    assert still_emu.stats.rate_limited_total == 3


async def test_group_limit_per_minute(still_bot: telegram.Bot, still_emu: BotApiEmulator) -> None:
    """If a group gets more than per_group_per_minute messages, then 429 with a wait measured
    in tens of seconds."""
    still_emu.limits = FloodLimits(per_chat_burst=10, per_group_per_minute=2)
    still_emu.group(-5)
    await still_bot.send_message(-5, "one")
    await still_bot.send_message(-5, "two")
    with pytest.raises(RetryAfter) as caught:
        await still_bot.send_message(-5, "three")
    assert retry_seconds(caught.value) >= 20
    assert still_emu.stats.rate_limited_by_chat[-5] == 1


async def test_disabled_limits_never_429(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If limits are swapped at run time for disabled ones, then a burst of 40 all arrive."""
    emu.user(1)
    emu.limits = FloodLimits(enabled=False)
    for n in range(40):
        await bot.send_message(1, f"m{n}")
    assert len(emu.transcript(1)) == 40
    assert emu.stats.rate_limited_total == 0


async def test_edits_and_answers_are_not_rate_limited(
    bot: telegram.Bot, emu: BotApiEmulator
) -> None:
    """If the per-chat budget is exhausted, then edits and callback answers still succeed."""
    user = emu.user(1)
    emu.limits = FloodLimits(per_chat_burst=1)
    sent = await bot.send_message(1, "v0", reply_markup=keyboard(("Go", "go")))
    for n in range(1, 6):
        await bot.edit_message_text(f"v{n}", chat_id=1, message_id=sent.message_id)
    query_id = await user.press_data("go", message_id=sent.message_id)
    assert await bot.answer_callback_query(query_id)
    assert emu.stats.rate_limited_total == 0


# ---- updates -------------------------------------------------------------------------------


async def test_long_poll_returns_when_an_update_arrives(
    bot: telegram.Bot, emu: BotApiEmulator
) -> None:
    """If getUpdates is waiting with a long timeout, then it returns as soon as a user writes."""
    user = emu.user(1)
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emu.wait_until(lambda: emu.long_polling, timeout=5, message="long poll never started")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await user.send_text("hello")
    updates = await asyncio.wait_for(poll, timeout=5)
    assert loop.time() - started < 5
    assert [u.message.text for u in updates if u.message] == ["hello"]


async def test_offset_confirms_updates(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If getUpdates is called with offset = last id + 1, then the earlier updates are gone;
    limit caps the batch."""
    user = emu.user(1)
    for text in ("a", "b", "c"):
        await user.send_text(text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["a", "b"]
    assert emu.pending_updates() == 3
    again = await bot.get_updates()
    assert [u.update_id for u in again] == [u.update_id for u in first] + [again[-1].update_id]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["c"]
    assert emu.pending_updates() == 1
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
    assert emu.pending_updates() == 0


async def test_stop_ends_a_pending_long_poll() -> None:
    """If the emulator stops while a long poll is waiting, then the poll returns at once with
    no updates instead of holding the shutdown for its whole timeout."""
    emu = BotApiEmulator(TOKEN)
    await emu.start()
    try:
        async with telegram.Bot(TOKEN, base_url=emu.base_url) as bot:
            poll = asyncio.create_task(bot.get_updates(timeout=30))
            await emu.wait_until(lambda: emu.long_polling, timeout=5)
            await asyncio.wait_for(emu.stop(), timeout=5)
            assert await asyncio.wait_for(poll, timeout=5) == ()
    finally:
        await emu.stop()


async def test_wait_idle_reports_unconfirmed_updates(emu: BotApiEmulator) -> None:
    """If nobody confirms a user's update, then wait_idle fails saying what is pending."""
    await emu.user(1).send_text("hello?")
    assert emu.pending_updates() == 1
    with pytest.raises(AssertionError, match="1 unconfirmed updates"):
        await emu.wait_idle(timeout=0.1)


async def test_allowed_updates_filters_delivery(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If the bot asks only for messages, then callback queries are dropped, not delivered."""
    user = emu.user(1)
    await bot.send_message(1, "Q", reply_markup=keyboard(("Yes", "yes")))
    await user.press("Yes")
    await user.send_text("text")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in updates if u.message] == ["text"]
    assert all(u.callback_query is None for u in updates)


async def test_second_poller_conflicts(emu: BotApiEmulator) -> None:
    """If a second getUpdates arrives while one is pending, then the older one is terminated
    with 409 Conflict (as Telegram does) and the newer one proceeds."""
    async with (
        telegram.Bot(TOKEN, base_url=emu.base_url) as first,
        telegram.Bot(TOKEN, base_url=emu.base_url) as second,
    ):
        poll = asyncio.create_task(first.get_updates(timeout=30))
        await emu.wait_until(lambda: emu.long_polling, timeout=5)
        assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(poll, timeout=5)


async def test_user_actions_produce_realistic_updates(
    bot: telegram.Bot, emu: BotApiEmulator
) -> None:
    """If a user sends a command, location, contact, sticker and edits a text, then the bot
    gets the matching Update types with increasing ids."""
    user = emu.user(2, "Bo", language_code="nl")
    await user.send_command("start", "area_3")
    await user.send_location(52.37, 4.89)
    await user.send_contact("+31600000000")
    await user.send_sticker()
    typed = await user.send_text("Broken lamp")
    await user.edit_text(typed["message_id"], "Broken street lamp")
    updates = await bot.get_updates()
    ids = [u.update_id for u in updates]
    assert ids == sorted(ids) and len(set(ids)) == 6
    command = updates[0].message
    assert command is not None and command.text == "/start area_3"
    assert command.from_user is not None and command.from_user.language_code == "nl"
    assert updates[1].message is not None and updates[1].message.location is not None
    assert updates[1].message.location.latitude == pytest.approx(52.37)
    assert updates[2].message is not None and updates[2].message.contact is not None
    assert updates[2].message.contact.user_id == 2
    assert updates[3].message is not None and updates[3].message.sticker is not None
    edited = updates[5].edited_message
    assert edited is not None and edited.text == "Broken street lamp"
    assert edited.message_id == typed["message_id"] and edited.edit_date is not None
    with pytest.raises(LookupError):
        await user.edit_text(999, "nope")


# ---- files ---------------------------------------------------------------------------------


async def test_document_upload_round_trips(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If the bot uploads a document, then the transcript has its bytes and name, and getFile
    plus download return the same bytes; the file_id can be re-sent."""
    emu.limits = NO_FLOOD
    user = emu.user(1)
    payload = b"area,score\nnorth,4.2\n" * 50
    sent = await bot.send_document(1, payload, filename="export.csv", caption="Export")
    assert sent.document is not None
    assert (sent.document.file_name, sent.document.file_size) == ("export.csv", len(payload))
    message = user.transcript[0]
    assert (message.kind, message.file_name, message.file_bytes) == (
        "document",
        "export.csv",
        payload,
    )
    assert message.text == "Export"
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == payload
    again = await bot.send_document(1, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_document(1, "no-such-file")


async def test_send_photo(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If the bot sends a real image, then the Message has photo sizes; junk bytes are refused
    with IMAGE_PROCESS_FAILED."""
    emu.limits = NO_FLOOD
    emu.user(1)
    chart = tiny_png(40, 30)
    sent = await bot.send_photo(1, chart, caption="Trend")
    assert (sent.photo[-1].width, sent.photo[-1].height) == (40, 30)
    assert emu.transcript(1)[0].kind == "photo"
    assert emu.transcript(1)[0].file_bytes == chart
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(1, b"definitely not an image")
    resent = await bot.send_photo(1, sent.photo[-1].file_id)
    assert resent.photo[-1].file_id == sent.photo[-1].file_id


async def test_user_photo_can_be_downloaded(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If a user sends a photo, then the bot can getFile it and download the exact bytes."""
    user = emu.user(1)
    image = tiny_png(3, 2)
    await user.send_photo(image, caption="pothole")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.caption == "pothole"
    photo_file = await update.message.photo[-1].get_file()
    assert bytes(await photo_file.download_as_bytearray()) == image
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("missing")


# ---- faults ------------------------------------------------------------------------------


async def test_fail_next_answers_500_then_recovers(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If a fault is injected, then the next calls answer 500 without delivering anything, and
    the call after that succeeds."""
    emu.user(1)
    emu.fail_next("sendmessage", 2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(1, "lost?")
    assert emu.transcript(1) == []
    await bot.send_message(1, "delivered")
    assert [m.text for m in emu.transcript(1)] == ["delivered"]
    assert emu.stats.faults_injected["sendMessage"] == 2
    assert emu.stats.requests["sendMessage"] == 3


async def test_fail_next_can_drop_the_connection(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If a dropped connection is injected, then the client sees a network error and the
    message is not delivered."""
    emu.user(1)
    emu.fail_next("sendMessage", drop_connection=True)
    with pytest.raises(NetworkError):
        await bot.send_message(1, "lost")
    assert emu.transcript(1) == []
    await bot.send_message(1, "ok")
    assert [m.text for m in emu.transcript(1)] == ["ok"]
    with pytest.raises(ValueError, match="unknown Bot API method"):
        emu.fail_next("sendPoll")


async def test_stall_carries_the_call_out_but_holds_the_answer(emu: BotApiEmulator) -> None:
    """If a call is stalled longer than the client's read timeout, then the client times out
    although the message was delivered (Telegram got it, the answer was lost)."""
    emu.user(1)
    emu.stall_next("sendMessage", seconds=2.0)
    async with telegram.Bot(
        TOKEN,
        base_url=emu.base_url,
        request=telegram.request.HTTPXRequest(read_timeout=0.5),
    ) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(1, "slow")
        assert [m.text for m in emu.transcript(1)] == ["slow"]
        await impatient.send_message(1, "fast")
    assert [m.text for m in emu.transcript(1)] == ["slow", "fast"]
    with pytest.raises(ValueError, match="positive"):
        emu.stall_next("sendMessage", seconds=0)


# ---- the specification: parameters per method ---------------------------------------------


def test_every_emulated_method_has_its_parameter_list() -> None:
    """If a method is emulated, then its parameter list from the specification is known."""
    assert set(PARAMETERS) == set(METHODS.values())


@pytest.mark.parametrize("method", sorted(METHODS.values()))
async def test_unknown_parameter_is_refused_by_every_method(
    method: str, emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    """If a request carries a parameter its method does not have, then 400 names it, whatever
    else is wrong with the request."""
    status, body = await post(http, f"{emu.url}/bot{TOKEN}/{method}", data={"colour": "red"})
    assert (status, body["description"]) == (
        400,
        f"Bad Request: unknown parameter colour for method {method}",
    )
    assert emu.stats.unknown_parameters[method] == 1


async def test_parse_mode_is_refused_where_the_method_has_none(
    bot: telegram.Bot, emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    """If parse_mode goes to editMessageReplyMarkup, then 400 and the keyboard stays; the same
    edit without it succeeds; attach:// parts are files, not parameters."""
    emu.limits = NO_FLOOD
    emu.user(1)
    sent = await bot.send_message(1, "pick", reply_markup=keyboard(("A", "a")))
    url = f"{emu.url}/bot{TOKEN}/editMessageReplyMarkup"
    fields = {"chat_id": "1", "message_id": str(sent.message_id)}
    status, body = await post(http, url, data={**fields, "parse_mode": "HTML"})
    assert (status, body["description"]) == (
        400,
        "Bad Request: unknown parameter parse_mode for method editMessageReplyMarkup",
    )
    assert emu.transcript(1)[0].buttons
    assert (await post(http, url, data=fields))[0] == 200
    assert emu.transcript(1)[0].buttons == []
    form = aiohttp.FormData()
    form.add_field("chat_id", "1")
    form.add_field("document", "attach://report")
    form.add_field("report", b"a,b\n", filename="report.csv", content_type="text/csv")
    status, _ = await post(http, f"{emu.url}/bot{TOKEN}/sendDocument", data=form)
    assert status == 200


# ---- simulated users -----------------------------------------------------------------------


async def test_press_and_cursor_helpers(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If a user presses a button, then the callback names that message; next_reply and
    wait_for see only events after the user's last action; a missing button raises
    LookupError listing the available ones."""
    emu.limits = NO_FLOOD
    user = emu.user(1)
    old = await bot.send_message(1, "Old", reply_markup=keyboard(("Yes", "old-yes")))
    new = await bot.send_message(1, "New", reply_markup=keyboard(("Yes", "new-yes")))
    await user.press("Yes")
    await user.press("Yes", message_id=old.message_id)
    updates = await bot.get_updates()
    pressed = [
        (u.callback_query.data, u.callback_query.message.message_id)
        for u in updates
        if u.callback_query and u.callback_query.message
    ]
    assert pressed == [("new-yes", new.message_id), ("old-yes", old.message_id)]
    with pytest.raises(LookupError, match=r"available buttons: #1: \['Yes'\]; #2: \['Yes'\]"):
        await user.press("Maybe")
    forged = await user.press_data("x" * 100)
    assert [q["data"] for q in emu.unanswered_callback_queries() if q["id"] == forged] == [
        "x" * 100
    ]
    await bot.edit_message_text("Edited", chat_id=1, message_id=new.message_id)
    await bot.send_message(1, "Third")
    first = await user.next_reply()
    assert (first.text, first.edit_count) == ("Edited", 1)
    assert (await user.wait_for("Third")).text == "Third"
    with pytest.raises(AssertionError, match="no a reply containing 'Never'"):
        await user.wait_for("Never", timeout=0.2)


async def test_next_reply_timeout_shows_transcript(emu: BotApiEmulator) -> None:
    """If the bot does not answer in time, then next_reply fails with the chat's transcript."""
    user = emu.user(1)
    await user.send_text("anyone?")
    with pytest.raises(AssertionError, match="the bot has sent nothing"):
        await user.next_reply(timeout=0.1)


async def test_stale_press_carries_an_inaccessible_message(
    bot: telegram.Bot, emu: BotApiEmulator
) -> None:
    """If a stale payload is pressed on a deleted message (or in a chat where the bot never
    wrote), then the callback carries an inaccessible message (date 0) so the bot can still
    answer politely."""
    user = emu.user(1)
    sent = await bot.send_message(1, "Q", reply_markup=keyboard(("Yes", "yes")))
    await bot.delete_message(1, sent.message_id)
    await user.press_data("v1:stale", message_id=sent.message_id)
    [update] = await bot.get_updates()
    assert update.callback_query is not None and update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id
    assert update.callback_query.message.is_accessible is False
    stranger = emu.user(2)
    await stranger.press_data("v1:menu")
    [update] = await bot.get_updates(offset=update.update_id + 1)
    assert update.callback_query is not None and update.callback_query.message is not None
    assert update.callback_query.data == "v1:menu"
    assert update.callback_query.message.message_id == 0


# ---- a real PTB Application ------------------------------------------------------------------


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text back with a button."""
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(
        f"echo: {update.effective_message.text}", reply_markup=keyboard(("Like", "like"))
    )


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and edit the message."""
    query = update.callback_query
    assert query is not None
    await query.answer("Thanks")
    await query.edit_message_text(f"pressed {query.data}")


async def test_real_application_echo_and_callback(emu: BotApiEmulator) -> None:
    """If a PTB Application polls the emulator, then a user's text gets the echo reply and a
    button press is answered (nothing left unanswered) and edits the message."""
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .get_updates_read_timeout(5)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(on_press))
    user = emu.user(77, "Resident")
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        await app.start()
        try:
            await user.send_text("streetlight out")
            reply = await user.next_reply()
            assert reply.text == "echo: streetlight out"
            assert reply.button_texts() == ["Like"]
            query_id = await user.press("Like")
            edit = await user.next_reply()
            assert (edit.text, edit.edit_count, edit.buttons) == ("pressed like", 1, [])
            await emu.wait_idle()
            assert emu.unanswered_callback_queries() == []
            assert emu.callback_answer(query_id) == {
                "text": "Thanks",
                "show_alert": False,
                "url": None,
                "cache_time": 0,
            }
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()
    assert emu.pending_updates() == 0
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= set(emu.stats.requests)


# ---- control API and entry point ---------------------------------------------------------------


async def test_control_api_drives_users(
    bot: telegram.Bot, emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    """If a test in another process uses /_sandbox/, then it can create users, send, press,
    block and read transcripts, stats and unanswered queries."""
    control = f"{emu.url}/_sandbox"
    status, body = await post(http, f"{control}/users", json={"id": 50, "first_name": "Cy"})
    assert (status, body["result"]["first_name"]) == (200, "Cy")
    status, body = await post(http, f"{control}/users/50/text", json={"text": "/start"})
    assert status == 200 and body["result"]["entities"][0]["type"] == "bot_command"
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.text == "/start"
    await bot.send_message(50, "Welcome", reply_markup=keyboard(("Join", "join")))
    status, body = await post(http, f"{control}/users/50/press", json={"text": "Join"})
    query_id = body["result"]["callback_query_id"]
    async with http.get(f"{control}/unanswered") as response:
        assert [q["id"] for q in (await response.json())["result"]] == [query_id]
    async with http.get(f"{control}/chats/50/transcript") as response:
        [message] = (await response.json())["result"]
    assert (message["text"], message["buttons"]) == ("Welcome", [[["Join", "join"]]])
    status, body = await post(http, f"{control}/users/50/press", json={"text": "Nope"})
    assert status == 404 and "available buttons" in body["description"]
    assert (await post(http, f"{control}/users/50/block"))[0] == 200
    with pytest.raises(Forbidden):
        await bot.send_message(50, "still there?")
    async with http.get(f"{control}/stats") as response:
        stats = (await response.json())["result"]
    assert stats["sent_total"] == 1 and stats["requests"]["sendMessage"] == 2
    status, body = await post(http, f"{control}/users/51/text", json={"text": "hi"})
    assert status == 404


async def test_entry_point_serves_until_sigterm(tmp_path: Path) -> None:
    """If the module is run with --port 0, then it prints its base URL, answers getMe, and
    exits 0 on SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.sandbox.server",
        "--port",
        "0",
        "--no-flood",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=10)
        base_url = line.decode().strip().removeprefix("base_url=")
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/bot")
        async with telegram.Bot(TOKEN, base_url=base_url) as remote:
            assert (await remote.get_me()).username == "community_feedback_bot"
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_bot_message_helpers() -> None:
    """If a message has rows of buttons, then button_texts flattens them in order."""
    message = BotMessage(
        message_id=1,
        chat_id=1,
        text="t",
        raw_text="t",
        parse_mode=None,
        reply_markup=None,
        buttons=[[("A", "a"), ("B", "b")], [("C", "c")]],
        kind="text",
        file_bytes=None,
        file_name=None,
        edit_count=0,
        deleted=False,
        date=0,
    )
    assert message.button_texts() == ["A", "B", "C"]
