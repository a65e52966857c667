"""Log redaction: personal fields never reach a log line, operational detail does."""

from __future__ import annotations

import logging

import pytest

from bot.logs import REDACTED, LogRedactor, redact

R = REDACTED


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # PTB's repr of objects (DEBUG "Processing update ...")
        (
            "User(first_name='Ana', id=7391946, is_bot=False, username='ana_r')",
            f"User(first_name={R}, id={R}, is_bot=False, username={R})",
        ),
        # dicts of API calls and answers
        (
            "{'chat_id': 7391946, 'text': 'I live at 4 Elm St', 'message_id': 12}",
            f"{{'chat_id': {R}, 'text': {R}, 'message_id': 12}}",
        ),
        # JSON
        (
            '{"from": {"id": 7391946, "first_name": "Zoë"}, "update_id": 5}',
            f'{{"from": {{"id": {R}, "first_name": {R}}}, "update_id": 5}}',
        ),
        # quotes and escapes inside resident text
        ('text="it\'s \\"fine\\"" date=1', f"text={R} date=1"),
        ("{'text': 'it\\'s \"x\"', 'a': 1}", f"{{'text': {R}, 'a': 1}}"),
        (
            "Contact(phone_number='+34600111222', user_id=7391946)",
            f"Contact(phone_number={R}, user_id={R})",
        ),
        ("{'active_usernames': ['ana', 'ana2'], 'x': 1}", f"{{'active_usernames': {R}, 'x': 1}}"),
        ("Location(latitude=40.4168, longitude=-3.7038)", f"Location(latitude={R}, longitude={R})"),
        # not personal: other ids, method names, errors
        (
            "message_id=12, update_id=99, callback_query_id",
            "message_id=12, update_id=99, callback_query_id",
        ),
        (
            "sendMessage failed: Bad Request: chat not found",
            "sendMessage failed: Bad Request: chat not found",
        ),
    ],
)
def test_redact(line: str, expected: str) -> None:
    """If a log line holds personal fields in any of PTB's spellings, then their values are
    replaced and nothing else changes."""
    assert redact(line) == expected


def test_filter_cleans_arguments_tracebacks_and_the_token() -> None:
    """If a record carries personal data in its arguments or its exception, or the token, then
    the formatted line holds none of them."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Collect()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(LogRedactor("123456:SECRET"))
    logger = logging.getLogger("test_logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling %s with %s", "https://x/bot123456:SECRET/get", {"chat_id": 4242})
        try:
            raise ValueError("bad {'first_name': 'Quentin'}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    joined = "\n".join(records)
    assert "SECRET" not in joined and "4242" not in joined and "Quentin" not in joined
    assert "https://x/bot<token>/get" in joined and "ValueError" in joined
