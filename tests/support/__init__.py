"""Shared test tools. Test modules import from here (and get fixtures from ``conftest.py``),
never from each other, so a test module can be moved or deleted without breaking another.

- :mod:`tests.support` (this module): the constants the fixtures and tests agree on.
- :mod:`tests.support.chat`: drive a simulated resident through the emulator.
- :mod:`tests.support.data`: seed and query the SQLite file behind a running bot.
- :mod:`tests.support.process`: the real ``feedbackbot`` entry point in a subprocess.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from bot.delivery import DeliveryPolicy

if TYPE_CHECKING:
    from bot.context import FeedbackApplication

TOKEN = "123456:TEST-TOKEN"
ADMIN_ID = 9001
COORDINATOR_ID = 9002
AREAS = [
    {"id": "north", "name": "North", "population": 12000},
    {"id": "riverside", "name": "Riverside", "population": 8500},
    {"id": "old-town", "name": "Old Town"},
]
SURVEY = "community-trust-safety"
INVITATION = "A new survey is open"
REMINDER = "A reminder: the survey is still open"

# Tests are fast because the worker polls often; the limits stay Telegram's.
TEST_DELIVERY = DeliveryPolicy(poll_interval=0.05)

BotRunner = Callable[..., AbstractAsyncContextManager["FeedbackApplication"]]
