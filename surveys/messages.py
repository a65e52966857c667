"""Messages staff send to many residents must fit Telegram's limit in every language before
anything is queued: a queued message that cannot be delivered would only fail later, unseen."""

from __future__ import annotations

from collections.abc import Callable

from surveys.errors import RefusedError
from surveys.models import OutboxMessage

MESSAGE_MAX = 4096  # Telegram's limit for a message's text (after formatting is applied)
# The visible length of a message in each language it can be sent in (the bot renders it).
Lengths = Callable[[OutboxMessage], dict[str, int]]


def ensure_fits(message: OutboxMessage, lengths: Lengths, *, code: str) -> None:
    """Refuse (``error_<code>``, with the longest language's figures) a message that would be
    longer than Telegram allows once rendered in any language."""
    measured = lengths(message)
    language, length = max(measured.items(), key=lambda item: item[1])
    if length > MESSAGE_MAX:
        raise RefusedError(
            code,
            f"{length} characters in {language}, limit {MESSAGE_MAX}",
            length=length,
            language=language,
            max=MESSAGE_MAX,
            over=length - MESSAGE_MAX,
        )
