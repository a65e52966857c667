"""The callback-data codec: short, versioned, and strict about what it accepts."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.keyboards import (
    AREAS_PER_PAGE,
    MAX_BYTES,
    CallbackDataError,
    area_keyboard,
    decode,
    encode,
)
from bot.texts import Catalogue
from surveys.models import Area


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("consent", ("yes",)),
        ("lang", ("es",)),
        ("area", ("onb", "old-town")),
        ("areapage", ("set", "3")),
        ("menu", ("help",)),
        ("forget", ("no",)),
    ],
)
def test_round_trip(action: str, args: tuple[str, ...]) -> None:
    """If a payload is encoded, then it decodes to the same action and arguments."""
    data = encode(action, *args)
    assert len(data.encode()) <= MAX_BYTES
    decoded = decode(data)
    assert (decoded.action, decoded.args) == (action, args)


@pytest.mark.parametrize(
    "data",
    [
        "",
        None,
        "2|consent|yes",
        "1|consent|maybe",
        "1|consent",
        "1|consent|yes|x",
        "1|nope|x",
        "1|area|onb|" + "a" * 40,
        "1|areapage|onb|-1",
        "1|lang|ES",
        "x" * 65,
        "1|area|onb|a b",
    ],
)
def test_forged_payloads_are_rejected(data: str | None) -> None:
    """If a payload was not produced by encode(), then decode() raises CallbackDataError."""
    with pytest.raises(CallbackDataError):
        decode(data)


@given(st.text(max_size=80))
def test_decode_never_crashes(data: str) -> None:
    """If any text arrives as callback data, then decode returns or raises CallbackDataError."""
    with contextlib.suppress(CallbackDataError):
        decode(data)


@pytest.mark.parametrize("count", [1, 8, 9, 17, 40])
def test_area_keyboard_pages(count: int) -> None:
    """If there are more than eight areas, then pages show eight each with navigation."""
    texts = Catalogue.load(["en"])
    areas = [Area(id=f"a{i}", name=f"Area {i}") for i in range(count)]
    pages = -(-count // AREAS_PER_PAGE)
    seen = []
    for page in range(pages):
        rows = area_keyboard(texts, "en", areas, page=page, purpose="onb").inline_keyboard
        area_buttons = [b for row in rows for b in row if "|area|" in str(b.callback_data)]
        nav = [b.text for row in rows for b in row if "areapage" in str(b.callback_data)]
        assert len(area_buttons) <= AREAS_PER_PAGE
        seen += [b.text for b in area_buttons]
        assert ("Next ›" in nav) == (page < pages - 1)
        assert ("‹ Previous" in nav) == (page > 0)
    assert seen == [area.name for area in areas]
