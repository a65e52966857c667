"""A strict Telegram Bot API emulator over real HTTP, with simulated residents and groups.

Tests point python-telegram-bot at :class:`BotApiEmulator` (``base_url``/``base_file_url``) and
drive :class:`SimUser`/:class:`SimGroup`; the emulator enforces Telegram's limits and error
messages so mistakes surface in tests rather than in production.
"""

from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.flood import FloodLimits
from bot.sandbox.simulation import BotMessage, SimGroup, SimUser

__all__ = ["BotApiEmulator", "BotMessage", "FloodLimits", "SimGroup", "SimUser"]
