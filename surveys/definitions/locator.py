"""Line numbers for a TOML text: tomllib reports no positions, so this scans for them."""

from __future__ import annotations

import contextlib
import re
import tomllib
from collections.abc import Sequence
from typing import TypeAlias

_Path: TypeAlias = tuple[str | int, ...]
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class _ScanError(Exception):
    """The text is not shaped as the scanner expects; line numbers become best effort."""


class TomlLocator:
    """Maps key paths (as pydantic reports them) to 1-based lines of a text tomllib accepted.

    tomllib reports no positions, so this scans the text once and records where each key, table
    header and array element starts. It understands dotted keys, quoted keys, arrays of tables
    (``[[questions]]``, ``[[questions.choices]]``), sub-tables, inline tables and multi-line
    arrays and strings.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1
        self._aot_counts: dict[_Path, int] = {}
        self.lines: dict[_Path, int] = {}
        # On a surprise keep what was found; unlocated issues fall back to their table's line.
        with contextlib.suppress(_ScanError, tomllib.TOMLDecodeError, RecursionError):
            self._scan()

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of the longest known prefix of ``path``."""
        for length in range(len(path), 0, -1):
            line = self.lines.get(tuple(path[:length]))
            if line is not None:
                return line
        return None

    def _peek(self, count: int = 1) -> str:
        return self._text[self._pos : self._pos + count]

    def _skip_blank(self, *, newlines: bool) -> None:
        text = self._text
        while self._pos < len(text):
            char = text[self._pos]
            if char in " \t":
                self._pos += 1
            elif char == "#":
                end = text.find("\n", self._pos)
                self._pos = len(text) if end < 0 else end
            elif newlines and char in "\r\n":
                self._line += char == "\n"
                self._pos += 1
            else:
                return

    def _expect(self, token: str) -> None:
        if self._peek(len(token)) != token:
            raise _ScanError(token)
        self._pos += len(token)

    def _scan(self) -> None:
        table: _Path = ()
        while True:
            self._skip_blank(newlines=True)
            if self._pos >= len(self._text):
                return
            line = self._line
            if self._peek() == "[":
                array = self._peek(2) == "[["
                self._pos += 2 if array else 1
                self._skip_blank(newlines=False)
                keys = self._parse_key()
                self._skip_blank(newlines=False)
                self._expect("]]" if array else "]")
                table = self._resolve(keys, array=array, line=line)
                self.lines.setdefault(table, line)
            else:
                self._parse_pair(table)

    def _resolve(self, keys: tuple[str, ...], *, array: bool, line: int) -> _Path:
        resolved: list[str | int] = []
        for number, key in enumerate(keys):
            resolved.append(key)
            current = tuple(resolved)
            self.lines.setdefault(current, line)
            if array and number == len(keys) - 1:
                count = self._aot_counts.get(current, 0)
                self._aot_counts[current] = count + 1
                resolved.append(count)
            elif current in self._aot_counts:
                resolved.append(self._aot_counts[current] - 1)
        return tuple(resolved)

    def _parse_pair(self, table: _Path) -> None:
        line = self._line
        keys = self._parse_key()
        self._skip_blank(newlines=False)
        self._expect("=")
        self._skip_blank(newlines=False)
        for length in range(1, len(keys) + 1):
            self.lines.setdefault(table + keys[:length], line)
        self._parse_value(table + keys)

    def _parse_key(self) -> tuple[str, ...]:
        keys: list[str] = []
        while True:
            self._skip_blank(newlines=False)
            start = self._pos
            char = self._peek()
            if char in ('"', "'"):
                self._skip_string(char, escapes=char == '"')
                raw = self._text[start : self._pos]
                keys.append(str(tomllib.loads(f"k = {raw}")["k"]))
            else:
                match = _BARE_KEY.match(self._text, self._pos)
                if match is None:
                    raise _ScanError("key")
                keys.append(match.group())
                self._pos = match.end()
            self._skip_blank(newlines=False)
            if self._peek() != ".":
                return tuple(keys)
            self._pos += 1

    def _skip_string(self, quote: str, *, escapes: bool) -> None:
        text = self._text
        self._pos += 1
        while self._pos < len(text):
            char = text[self._pos]
            if escapes and char == "\\":
                self._pos += 2
            elif char == quote:
                self._pos += 1
                return
            elif char == "\n":
                break
            else:
                self._pos += 1
        raise _ScanError("string")

    def _skip_multiline_string(self, delimiter: str, *, escapes: bool) -> None:
        text = self._text
        self._pos += 3
        while self._pos < len(text):
            char = text[self._pos]
            if escapes and char == "\\":
                self._line += text[self._pos + 1 : self._pos + 2] == "\n"
                self._pos += 2
            elif text.startswith(delimiter, self._pos):
                self._pos += 3
                for _ in range(2):  # up to two quotes may touch the closing delimiter
                    if self._peek() == delimiter[0]:
                        self._pos += 1
                return
            else:
                self._line += char == "\n"
                self._pos += 1
        raise _ScanError("multi-line string")

    def _parse_value(self, path: _Path) -> None:
        char = self._peek()
        if self._peek(3) in ('"""', "'''"):
            self._skip_multiline_string(self._peek(3), escapes=char == '"')
        elif char in ('"', "'"):
            self._skip_string(char, escapes=char == '"')
        elif char == "[":
            self._parse_array(path)
        elif char == "{":
            self._parse_inline_table(path)
        else:
            start = self._pos
            while self._pos < len(self._text) and self._text[self._pos] not in ",]}#\r\n":
                self._pos += 1
            if self._pos == start:
                raise _ScanError("value")

    def _parse_array(self, path: _Path) -> None:
        self._pos += 1
        number = 0
        while True:
            self._skip_blank(newlines=True)
            if self._peek() == "]":
                self._pos += 1
                return
            self.lines.setdefault((*path, number), self._line)
            self._parse_value((*path, number))
            number += 1
            self._skip_blank(newlines=True)
            if self._peek() == ",":
                self._pos += 1
            elif self._peek() != "]":
                raise _ScanError("array")

    def _parse_inline_table(self, path: _Path) -> None:
        self._pos += 1
        while True:
            self._skip_blank(newlines=True)
            if self._peek() == "}":
                self._pos += 1
                return
            self._parse_pair(path)
            self._skip_blank(newlines=True)
            if self._peek() == ",":
                self._pos += 1
            elif self._peek() != "}":
                raise _ScanError("inline table")
