"""Logging for the bot process: never a token, never a resident's personal data, at any level.

python-telegram-bot logs whole updates and API calls at DEBUG (``Processing update
Update(callback_query=CallbackQuery(from_user=User(first_name='Ana', id=…``), and exceptions
can quote request parameters. :class:`LogRedactor` sits on the handler, so it sees every record
of every library: it replaces the bot token, and the value of every field that identifies or
quotes a person (ids, names, usernames, phone numbers, the text residents type, locations) in
both spellings PTB uses, ``'key': value`` (dicts, JSON) and ``key=value`` (object reprs).
Operational detail stays: method names, update ids, message ids, error descriptions, timings.
Loggers that dump raw data in a shape the redactor cannot know (aiosqlite's SQL parameters,
httpcore's bytes) are kept above DEBUG.
"""

from __future__ import annotations

import logging
import re
import sys

# Fields of Telegram objects and Bot API parameters that identify or quote a person.
PERSONAL_FIELDS = (
    "id",
    "user_id",
    "chat_id",
    "from_id",
    "sender_chat_id",
    "chat_instance",
    "first_name",
    "last_name",
    "username",
    "active_usernames",
    "phone_number",
    "vcard",
    "email",
    "text",
    "caption",
    "quote",
    "query",
    "bio",
    "file_name",
    "latitude",
    "longitude",
    "address",
    "title",
)
REDACTED = "<redacted>"

_VALUE = (
    r"(?:'(?:[^'\\]|\\.)*'"  # 'single-quoted' (Python repr)
    r'|"(?:[^"\\]|\\.)*"'  # "double-quoted" (JSON, repr of text with a ')
    r"|\[[^\[\]]*\]"  # a flat list, e.g. active_usernames
    r"|-?\d+(?:\.\d+)?)"  # a number
)
_FIELD = re.compile(
    r"(?<![\w])(?P<key>(?P<quote>['\"]?)(?:"
    + "|".join(PERSONAL_FIELDS)
    + r")(?P=quote)\s*(?::|=)\s*)"
    + _VALUE
)


def redact(text: str) -> str:
    """``text`` with the value of every personal field replaced by :data:`REDACTED`."""
    return _FIELD.sub(lambda match: match.group("key") + REDACTED, text)


class LogRedactor(logging.Filter):
    """Rewrite each record (message, arguments, traceback) before any handler formats it."""

    def __init__(self, secret: str | None = None) -> None:
        super().__init__()
        self._secret = secret or None

    def clean(self, text: str) -> str:
        if self._secret:
            text = text.replace(self._secret, "<token>")
        return redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.clean(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self.clean(record.stack_info)
        return True


def configure_logging(level: str, secret: str | None = None) -> None:
    """Log to stderr at ``level`` through a :class:`LogRedactor` (``secret``: the bot token)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(LogRedactor(secret))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # httpx logs every request URL, and Bot API URLs contain the token; httpcore its bytes.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # aiosqlite's DEBUG lines are every SQL statement with its parameters: residents' data.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    # APScheduler logs two INFO lines per job run (the round clock runs every few seconds):
    # nothing an operator needs; --log-level debug shows them.
    logging.getLogger("apscheduler").setLevel(
        logging.NOTSET if level == "DEBUG" else logging.WARNING
    )
