"""`feedbackbot sandbox`: the terminal chat drives the real bot through the emulator."""

from __future__ import annotations

import io
from collections.abc import Callable

from bot.config import Settings
from bot.sandbox.terminal import chat


async def test_terminal_chat_onboards(make_settings: Callable[..., Settings]) -> None:
    """If a person types /start and presses the buttons by label, then they see the privacy
    notice, the steps and the menu, and a wrong label is explained."""
    lines = iter(["/start\n", "!Yes, I agree\n", "!Klingon\n", "!English\n", "!North\n", ""])
    out = io.StringIO()
    await chat(make_settings(), user_id=42, read_line=lambda: next(lines), out=out)
    text = out.getvalue()
    assert "bot › Do you agree to take part?" in text
    assert "[Yes, I agree]  [No, thanks]" in text
    assert "(no such button:" in text
    assert "Which neighbourhood do you live in?" in text
    assert "bot › What would you like to do?" in text
