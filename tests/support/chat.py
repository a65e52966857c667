"""Drive simulated residents through the Bot API emulator, as a person would."""

from __future__ import annotations

from bot.sandbox import SimUser


async def onboard(user: SimUser, *, language: str = "English", area: str = "North") -> None:
    """Drive a user from /start to the main menu."""
    await user.send_command("start")
    notice = await user.wait_for("Do you agree")
    assert notice.button_texts() == ["Yes, I agree", "No, thanks"]
    await user.press("Yes, I agree")
    await user.wait_for(lambda m: "English" in m.button_texts())
    await user.press(language)
    await user.wait_for(lambda m: area in m.button_texts())
    await user.press(area)
    await user.wait_for(lambda m: "Help" in m.button_texts())


def received(user: SimUser, needle: str) -> int:
    """How many messages the user received that contain ``needle``."""
    return sum(needle in message.text for message in user.transcript)
