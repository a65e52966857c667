"""Emulator additions for concern reports, over real HTTP with PTB's own ``Bot``: a member
pressing a button in a group, a reply to the bot's message in a group, text mentions of a user
by id (the entity carries the whole User, as MessageEntity.user is), shared locations, and
photos sent again by file id."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot.sandbox import BotApiEmulator, FloodLimits
from tests.support import TOKEN


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(TOKEN, limits=FloodLimits(enabled=False)) as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(
        TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url
    ) as ptb_bot:
        yield ptb_bot


async def test_member_presses_a_button_in_a_group(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If a member presses an inline button of the bot's message in a group, then the bot gets
    a callback query from that member with the group's message and chat, and can answer it."""
    member = emu.user(31, "Marta")
    group = emu.group(-100_111, "City Council")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="d|1")]])
    sent = await bot.send_message(group.id, "A report", reply_markup=markup)
    query_id = await group.press(member, "Done")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.id == query_id and query.data == "d|1"
    assert query.from_user.id == 31 and query.from_user.first_name == "Marta"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.message.chat.id == group.id and query.message.chat.type == "group"
    assert await bot.answer_callback_query(query.id, "ok")
    assert emu.callback_answer(query_id) is not None
    with pytest.raises(LookupError, match="no inline button 'Nope'"):
        await group.press(member, "Nope")


async def test_reply_in_a_group(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If a member replies to the bot's message in a group, then the update's message carries
    the original as reply_to_message (itself without a nested reply)."""
    member = emu.user(32, "Luis")
    group = emu.group(-100_112, "Parks Trust")
    prompt = await bot.send_message(group.id, "Reply with the note")
    await group.send_text(member, "Parts ordered", reply_to=prompt.message_id)
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None and message.text == "Parts ordered"
    assert message.reply_to_message is not None
    assert message.reply_to_message.message_id == prompt.message_id
    assert message.reply_to_message.text == "Reply with the note"
    with pytest.raises(LookupError):
        await group.send_text(member, "to nothing", reply_to=999)


async def test_text_mention_carries_the_user(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If the bot mentions a known user with tg://user?id=, then the entity is a text_mention
    with the full User; a user the bot never met cannot be mentioned: the text stays plain."""
    emu.user(33, "Ana")
    staff = emu.user(34, "Coordinator")
    message = await bot.send_message(
        staff.id,
        'Contact: <a href="tg://user?id=33">open a chat</a>, '
        'stranger: <a href="tg://user?id=999">nobody</a>',
        parse_mode=ParseMode.HTML,
    )
    [entity] = message.entities
    assert entity.type == "text_mention" and entity.user is not None
    assert (entity.user.id, entity.user.first_name, entity.user.is_bot) == (33, "Ana", False)
    assert message.text == "Contact: open a chat, stranger: nobody"


async def test_location_and_photo_by_file_id(bot: telegram.Bot, emu: BotApiEmulator) -> None:
    """If a user shares a location and a photo, then the bot gets both, and the photo's
    file_id can be sent again to another chat (as report cards do)."""
    user, staff = emu.user(35, "Ben"), emu.user(36, "Coordinator")
    await user.send_location(40.416812, -3.703791)
    await user.send_photo()
    located, photographed = await bot.get_updates()
    assert located.message is not None and located.message.location is not None
    assert (located.message.location.latitude, located.message.location.longitude) == (
        40.416812,
        -3.703791,
    )
    assert photographed.message is not None and photographed.message.photo
    file_id = photographed.message.photo[-1].file_id
    again = await bot.send_photo(staff.id, file_id, caption="R-000001: photo 1 of 1")
    assert again.photo and again.photo[-1].file_id == file_id
    assert staff.transcript[-1].kind == "photo"
