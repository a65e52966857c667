"""Request parameters as Telegram reads them, and the error type every method raises.

Telegram accepts the same parameter as a query-string value, a form field, a multipart part or
a JSON member, and nested objects either as real JSON or as JSON inside a string (that is what
python-telegram-bot sends). :class:`Params` hides those differences from the methods.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["ApiError", "Params", "Upload", "decode_for_log"]

# Parameters whose string form is JSON; decoded in the call log so tests read objects.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
    }
)
INT_FIELDS = frozenset(
    {"message_id", "offset", "limit", "timeout", "cache_time", "message_thread_id"}
)


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": code, "description": ...}``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram would send."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """A 400 with Telegram's ``Bad Request:`` prefix."""
    return ApiError(400, f"Bad Request: {detail}")


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:
        return f"Upload(filename={self.filename!r}, size={len(self.data)})"


class Params:
    """Typed access to one request's parameters, with Telegram's coercions and errors."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def present(self, name: str) -> bool:
        """True if the parameter was sent with a non-empty value."""
        value = self.values.get(name)
        return value is not None and value != ""

    def string(self, name: str) -> str | None:
        """The value as a string (numbers are stringified), ``None`` if absent."""
        value = self.values.get(name)
        if value is None or isinstance(value, Upload):
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return str(value)

    def integer(self, name: str) -> int | None:
        """The value as an integer, ``None`` if absent; a non-number is a 400."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str) -> float | None:
        """The value as a float, ``None`` if absent."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def boolean(self, name: str) -> bool:
        """Telegram's truthiness: true/1 (any case) is True."""
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        return str(value).strip().lower() in ("true", "1")

    def json(self, name: str, error: str) -> Any:
        """Decode a JSON parameter (already-decoded JSON bodies pass through); ``error`` on junk."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error) from None
        if isinstance(value, Upload):
            raise bad_request(error)
        return value

    def file(self, name: str) -> Upload | str | None:
        """An uploaded part, a part referenced as ``attach://name``, or a file_id/URL string."""
        value = self.values.get(name)
        if isinstance(value, Upload):
            return value
        if value is None or value == "":
            return None
        text = str(value)
        if text.startswith("attach://"):
            attached = self.values.get(text.removeprefix("attach://"))
            if isinstance(attached, Upload):
                return attached
            raise bad_request(f"file {text} not found in the request")
        return text


def decode_for_log(values: dict[str, Any]) -> dict[str, Any]:
    """A readable copy of the parameters: JSON fields decoded, known integers as int."""
    decoded: dict[str, Any] = {}
    for key, value in values.items():
        if key in JSON_FIELDS and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        elif (key in INT_FIELDS or key == "chat_id") and isinstance(value, str):
            stripped = value.strip()
            if stripped.lstrip("-").isdigit():
                value = int(stripped)
        decoded[key] = value
    return decoded
