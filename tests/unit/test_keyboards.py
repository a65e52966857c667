"""The callback-data codec: short, versioned, and strict about what it accepts."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.keyboards import (
    MAX_BYTES,
    PAYLOADS,
    AnswerPress,
    AreaPagePress,
    AreaPress,
    CallbackDataError,
    ConsentPress,
    EventNewsPress,
    EventPress,
    ExportFormatPress,
    ExportPress,
    ForgetPress,
    LanguagePress,
    MenuPress,
    NewEventAreaPress,
    NewEventCapacityPress,
    NewEventEndsPress,
    NewEventPartnerPress,
    NewEventPress,
    Payload,
    PlanAreaPress,
    PlanCreatePress,
    PlanRemindPress,
    PlanSurveyPress,
    WedidPress,
    decode,
    encode,
)
from bot.texts import Catalogue
from bot.views.onboarding import AREAS_PER_PAGE, area_keyboard
from surveys.models import Area


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (ConsentPress("yes"), "1|consent|yes"),
        (LanguagePress("es"), "1|lang|es"),
        (AreaPress("onb", "old-town"), "1|area|onb|old-town"),
        (AreaPagePress("set", 3), "1|areapage|set|3"),
        (MenuPress("help"), "1|menu|help"),
        (ForgetPress("no"), "1|forget|no"),
        (AnswerPress(12, 3, 0, 7), "1|sva|12|3|0|7"),
        (PlanSurveyPress("community-trust-safety"), "1|nrs|community-trust-safety"),
        (PlanAreaPress("old-town"), "1|nra|old-town"),
        (PlanRemindPress("2d,5d"), "1|nrr|2d,5d"),
        (PlanCreatePress(), "1|nrok"),
        (ExportPress("r", "42"), "1|ex|r|42"),
        (
            ExportFormatPress("s", "community-trust-safety", "csv"),
            "1|exf|s|community-trust-safety|csv",
        ),
        (WedidPress("send", 7), "1|wd|send|7"),
        (EventPress("going", 12), "1|ev|going|12"),
        (EventNewsPress(True), "1|evn|1"),
        (NewEventPress("title:es", "skip"), "1|ne|title:es|skip"),
        (NewEventAreaPress("old-town"), "1|nea|old-town"),
        (NewEventEndsPress(90), "1|ned|90"),
        (NewEventCapacityPress(25), "1|nec|25"),
        (NewEventPartnerPress("council-streets"), "1|nep|council-streets"),
    ],
)
def test_round_trip(value: Payload, wire: str) -> None:
    """If a payload is encoded, then it is the expected short wire form and decodes to an
    equal typed value (ids, never list positions, for surveys, areas and rounds)."""
    data = encode(value)
    assert data == wire
    assert len(data.encode()) <= MAX_BYTES
    decoded = decode(data)
    assert decoded == value and type(decoded) is type(value)


def test_every_action_is_dispatched() -> None:
    """If a payload type exists, then the one button table routes it to a handler."""
    from bot.handlers import BUTTONS

    assert set(BUTTONS) == set(PAYLOADS.values())


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
        "1|ex|r|north",
        "1|exf|r|abc|csv",
        "1|wd|send",
        "1|nrr|3x",
        "1|nrok|x",
        "1|ev|go|1",
        "1|ev|ics|-1",
        "1|ne|opens|back",
        "1|ne|title:EN|skip",
        "1|evn|yes",
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
        rows = area_keyboard(texts, "en", areas, page=page, purpose="onb")
        assert rows is not None
        area_buttons = [
            b for row in rows.inline_keyboard for b in row if "|area|" in str(b.callback_data)
        ]
        nav = [
            b.text
            for row in rows.inline_keyboard
            for b in row
            if "areapage" in str(b.callback_data)
        ]
        assert len(area_buttons) <= AREAS_PER_PAGE
        seen += [b.text for b in area_buttons]
        assert ("Next ›" in nav) == (page < pages - 1)
        assert ("‹ Previous" in nav) == (page > 0)
    assert seen == [area.name for area in areas]
