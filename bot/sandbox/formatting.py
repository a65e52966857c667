"""Telegram's text formatting rules: HTML, MarkdownV2 and legacy Markdown to plain text + entities.

The parsers follow tdlib's (``MessageEntity.cpp``) behaviour and error wording, so a message the
emulator accepts is one Telegram accepts, and a mistake shows up as the same ``400 Bad Request:
can't parse entities: ...`` the bot would get in production. Offsets and lengths are UTF-16 code
units, like the Bot API's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EntityParseError",
    "ParsedText",
    "UnsupportedParseModeError",
    "parse_entities",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]

Entity = dict[str, Any]

MARKDOWN_V2_RESERVED = "_*[]()~`>#+-=|{}.!"


# Order of entities that cover the same span (outermost first), as tdlib sorts them.
_PRIORITY = {
    kind: rank
    for rank, kind in enumerate(
        (
            "blockquote",
            "expandable_blockquote",
            "pre",
            "code",
            "bold",
            "italic",
            "underline",
            "strikethrough",
            "spoiler",
            "text_link",
            "text_mention",
            "custom_emoji",
        )
    )
}


class EntityParseError(ValueError):
    """The text does not parse in the requested mode; ``str()`` is Telegram's error tail."""


class UnsupportedParseModeError(ValueError):
    """The parse_mode is not one Telegram knows."""


@dataclass(frozen=True)
class ParsedText:
    """Plain text as the recipient sees it, with its entities (UTF-16 offsets)."""

    text: str
    entities: list[Entity] = field(default_factory=list)

    @property
    def utf16_length(self) -> int:
        """Length as Telegram counts it (UTF-16 code units)."""
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    """Count UTF-16 code units: characters outside the BMP (most emoji) count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def parse_entities(text: str, parse_mode: str | None) -> ParsedText:
    """Parse ``text`` in ``parse_mode`` (case-insensitive; ``None``/empty means plain text)."""
    mode = (parse_mode or "").lower()
    if mode == "":
        return ParsedText(text)
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise UnsupportedParseModeError(parse_mode)


class _Builder:
    """Accumulates plain text while tracking the UTF-16 offset of its end."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[Entity] = []

    def append(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.offset += utf16_len(chunk)

    def add_entity(self, kind: str, start: int, **extra: Any) -> None:
        length = self.offset - start
        if length > 0:
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> ParsedText:
        entities = sorted(
            self.entities,
            key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], len(_PRIORITY))),
        )
        return ParsedText("".join(self.parts), entities)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


# --------------------------------------------------------------------------------------------
# HTML

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(?:[xX][0-9a-fA-F]+|[0-9]+)|[a-zA-Z]+)(;?)")
_ATTR_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class _OpenTag:
    name: str
    start: int
    byte_offset: int
    attrs: dict[str, str]
    language: str | None = None


def _decode_html_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode the character reference at ``text[i] == '&'``; ``None`` means a literal '&'."""
    match = _ENTITY_RE.match(text, i)
    if match is None:
        return None
    body = match.group(0)[1:].rstrip(";")
    if body.startswith("#"):
        digits = body[1:]
        code = int(digits[1:], 16) if digits[:1] in ("x", "X") else int(digits)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            if match.group(1):
                raise EntityParseError(
                    f'Invalid numeric character reference "{match.group(0)}" '
                    f"at byte offset {_byte_offset(text, i)}"
                )
            return None
        return chr(code), match.end()
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], match.end()
    if match.group(1):
        raise EntityParseError(
            f'Unsupported HTML entity "{match.group(0)}" at byte offset {_byte_offset(text, i)}; '
            "only &lt; &gt; &amp; &quot; and numeric references are supported"
        )
    return None


def _unescape_attribute(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded = _decode_html_entity(value, i)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def _parse_attributes(text: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse attributes from ``text[i]`` up to and including the closing '>'."""
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        if text[i] == ">":
            return attrs, i + 1
        if text[i] == "/" and text[i + 1 : i + 2] == ">":
            raise EntityParseError(
                f'Unsupported self-closing tag "{tag}" at byte offset {_byte_offset(text, i)}'
            )
        name_match = _ATTR_NAME_RE.match(text, i)
        if name_match is None:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, i)}'
            )
        name = name_match.group(0).lower()
        i = name_match.end()
        while i < n and text[i].isspace():
            i += 1
        if i < n and text[i] != "=":
            attrs[name] = ""
            continue
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        if text[i] in "\"'":
            quote = text[i]
            end = text.find(quote, i + 1)
            if end == -1:
                raise EntityParseError(
                    f'Unclosed value of the attribute "{name}" of the tag "{tag}" '
                    f"at byte offset {_byte_offset(text, i)}"
                )
            attrs[name] = _unescape_attribute(text[i + 1 : end])
            i = end + 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] != ">":
                i += 1
            attrs[name] = _unescape_attribute(text[start:i])


def parse_html(text: str) -> ParsedText:
    """Parse Telegram-flavoured HTML; raises :class:`EntityParseError` like tdlib does."""
    out = _Builder()
    stack: list[_OpenTag] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
                continue
            out.append(ch)
            i += 1
            continue
        if ch != "<":
            j = i
            while j < n and text[j] not in "<&":
                j += 1
            out.append(text[i:j])
            i = j
            continue
        begin = _byte_offset(text, i)
        if text[i + 1 : i + 2] == "/":
            close = text.find(">", i)
            if close == -1:
                raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
            name = text[i + 2 : close].strip().lower()
            if not stack:
                raise EntityParseError(f'Unexpected end tag "</{name}>" at byte offset {begin}')
            top = stack[-1]
            if name != top.name:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{top.name}>", '
                    f'found "</{name}>"'
                )
            stack.pop()
            _close_html_tag(out, top, stack)
            i = close + 1
            continue
        j = i + 1
        while j < n and not text[j].isspace() and text[j] not in ">/":
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            hint = " (write a literal '<' as &lt;)" if name == "" else ""
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {begin}{hint}')
        attrs, i = _parse_attributes(text, j, name, begin)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise EntityParseError('Tag "tg-emoji" must have attribute "emoji-id"')
        stack.append(_OpenTag(name, out.offset, begin, attrs))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.result()


def _close_html_tag(out: _Builder, tag: _OpenTag, stack: list[_OpenTag]) -> None:
    kind = _HTML_TAGS[tag.name]
    if kind == "text_link":
        href = tag.attrs.get("href", "").strip()
        user_id = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if user_id:
            out.add_entity("text_mention", tag.start, user={"id": int(user_id.group(1))})
        elif href:
            out.add_entity("text_link", tag.start, url=href)
        return
    if kind == "code":
        css = tag.attrs.get("class", "")
        parent = stack[-1] if stack else None
        if parent is not None and parent.name == "pre" and parent.start == tag.start:
            if css.startswith("language-") and len(css) > len("language-"):
                parent.language = css[len("language-") :]
            return
        out.add_entity("code", tag.start)
        return
    if kind == "pre":
        if tag.language:
            out.add_entity("pre", tag.start, language=tag.language)
        else:
            out.add_entity("pre", tag.start)
        return
    if kind == "blockquote" and "expandable" in tag.attrs:
        out.add_entity("expandable_blockquote", tag.start)
        return
    if kind == "custom_emoji":
        out.add_entity("custom_emoji", tag.start, custom_emoji_id=tag.attrs["emoji-id"])
        return
    out.add_entity(kind, tag.start)


# --------------------------------------------------------------------------------------------
# MarkdownV2

_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _MdEntity:
    kind: str
    start: int
    byte_offset: int
    language: str = ""


def _reserved(ch: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
    )


def _is_escape(text: str, i: int) -> bool:
    return text[i] == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) <= 126


def parse_markdown_v2(text: str) -> ParsedText:
    """Parse MarkdownV2 exactly as strictly as Telegram (every reserved character escaped)."""
    out = _Builder()
    stack: list[_MdEntity] = []
    quote_start: int | None = None
    quote_expandable = False
    n = len(text)
    i = 0

    def at(k: int) -> str:
        return text[k] if k < n else ""

    while i < n:
        ch = text[i]
        in_code = bool(stack) and stack[-1].kind in ("code", "pre")
        line_start = i == 0 or text[i - 1] == "\n"
        quote_marker = ch == ">" or (ch == "*" and at(i + 1) == "*" and at(i + 2) == ">")
        if not in_code and line_start and quote_marker:
            if quote_start is None:
                quote_start = out.offset
                quote_expandable = False
            i += 1 if ch == ">" else 3
            continue
        if ch == "\n" and quote_start is not None and not in_code:
            nxt = at(i + 1)
            continues = nxt == ">" or (nxt == "*" and at(i + 2) == "*" and at(i + 3) == ">")
            if not continues:
                kind = "expandable_blockquote" if quote_expandable else "blockquote"
                out.add_entity(kind, quote_start)
                quote_start = None
        if (
            quote_start is not None
            and not in_code
            and ch == "|"
            and at(i + 1) == "|"
            and at(i + 2) in ("", "\n")
            and not (stack and stack[-1].kind == "spoiler")
        ):
            quote_expandable = True
            i += 2
            continue
        if _is_escape(text, i):
            out.append(text[i + 1])
            i += 2
            continue
        reserved = "`" if in_code else MARKDOWN_V2_RESERVED
        if ch not in reserved:
            out.append(ch)
            i += 1
            continue
        top = stack[-1].kind if stack else None
        closes = (
            (top == "bold" and ch == "*")
            or (top == "italic" and ch == "_" and at(i + 1) != "_")
            or (top == "underline" and ch == "_" and at(i + 1) == "_")
            or (top == "strikethrough" and ch == "~")
            or (top == "spoiler" and ch == "|" and at(i + 1) == "|")
            or (top == "code" and ch == "`")
            or (top == "pre" and ch == "`" and at(i + 1) == "`" and at(i + 2) == "`")
            or (top in ("text_link", "custom_emoji") and ch == "]")
        )
        if closes:
            i = _close_markdown_v2(text, i, stack.pop(), out)
            continue
        begin = _byte_offset(text, i)
        if ch == "_" and at(i + 1) == "_":
            stack.append(_MdEntity("underline", out.offset, begin))
            i += 2
        elif ch == "_":
            stack.append(_MdEntity("italic", out.offset, begin))
            i += 1
        elif ch == "*":
            stack.append(_MdEntity("bold", out.offset, begin))
            i += 1
        elif ch == "~":
            stack.append(_MdEntity("strikethrough", out.offset, begin))
            i += 1
        elif ch == "|" and at(i + 1) == "|":
            stack.append(_MdEntity("spoiler", out.offset, begin))
            i += 2
        elif ch == "[":
            stack.append(_MdEntity("text_link", out.offset, begin))
            i += 1
        elif ch == "!" and at(i + 1) == "[":
            stack.append(_MdEntity("custom_emoji", out.offset, begin))
            i += 2
        elif ch == "`" and at(i + 1) == "`" and at(i + 2) == "`":
            i += 3
            end = i
            while end < n and not text[end].isspace() and text[end] != "`":
                end += 1
            language = ""
            if end != i and end < n and text[end] != "`":
                language = text[i:end]
                i = end
            if at(i) in ("\n", "\r"):
                i += 2 if at(i + 1) in ("\n", "\r") and at(i + 1) != at(i) else 1
            stack.append(_MdEntity("pre", out.offset, begin, language))
        elif ch == "`":
            stack.append(_MdEntity("code", out.offset, begin))
            i += 1
        else:
            raise _reserved(ch)
    if stack:
        top_entity = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[top_entity.kind]} entity "
            f"at byte offset {top_entity.byte_offset}"
        )
    if quote_start is not None:
        out.add_entity("expandable_blockquote" if quote_expandable else "blockquote", quote_start)
    return out.result()


def _close_markdown_v2(text: str, i: int, entity: _MdEntity, out: _Builder) -> int:
    """Emit ``entity`` closed at ``text[i]``; return the index after its closing syntax."""
    kind = entity.kind
    if kind in ("underline", "spoiler"):
        out.add_entity(kind, entity.start)
        return i + 2
    if kind == "pre":
        if entity.language:
            out.add_entity("pre", entity.start, language=entity.language)
        else:
            out.add_entity("pre", entity.start)
        return i + 3
    if kind not in ("text_link", "custom_emoji"):
        out.add_entity(kind, entity.start)
        return i + 1
    n = len(text)
    if i + 1 >= n or text[i + 1] != "(":
        if kind == "custom_emoji":
            raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
        url = _tail_text(out, entity.start)
        if url:
            out.add_entity("text_link", entity.start, url=url)
        return i + 1
    j = i + 2
    url_begin = _byte_offset(text, j)
    chars: list[str] = []
    while j < n and text[j] != ")":
        if _is_escape(text, j):
            chars.append(text[j + 1])
            j += 2
            continue
        chars.append(text[j])
        j += 1
    if j >= n:
        raise EntityParseError(f"Can't find end of a URL at byte offset {url_begin}")
    url = "".join(chars)
    if kind == "custom_emoji":
        emoji = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
        if emoji is None:
            raise EntityParseError("Custom emoji URL must have an emoji identifier")
        out.add_entity("custom_emoji", entity.start, custom_emoji_id=emoji.group(1))
    else:
        user_id = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if user_id:
            out.add_entity("text_mention", entity.start, user={"id": int(user_id.group(1))})
        elif url:
            out.add_entity("text_link", entity.start, url=url)
    return j + 1


def _tail_text(out: _Builder, start16: int) -> str:
    """The plain text emitted since UTF-16 offset ``start16``."""
    full = "".join(out.parts)
    units = 0
    for index, ch in enumerate(full):
        if units >= start16:
            return full[index:]
        units += 2 if ord(ch) > 0xFFFF else 1
    return ""


# --------------------------------------------------------------------------------------------
# Legacy Markdown


def parse_markdown(text: str) -> ParsedText:
    """Parse legacy Markdown (``*bold*``, ``_italic_``, code, pre, links; no nesting)."""
    out = _Builder()
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            i += 2
            continue
        if ch not in "_*`[":
            out.append(ch)
            i += 1
            continue
        begin = _byte_offset(text, i)
        end_char = "]" if ch == "[" else ch
        is_pre = False
        language = ""
        i += 1
        if ch == "`" and text[i : i + 2] == "``":
            i += 2
            is_pre = True
            end = i
            while end < n and not text[end].isspace() and text[end] != "`":
                end += 1
            if end != i and end < n and text[end] != "`":
                language = text[i:end]
                i = end
            if i < n and text[i] in "\r\n":
                i += 2 if i + 1 < n and text[i + 1] in "\r\n" and text[i + 1] != text[i] else 1
        start = out.offset
        content_start = i
        while i < n and (text[i] != end_char or (is_pre and text[i + 1 : i + 3] != "``")):
            out.append(text[i])
            i += 1
        if i >= n:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        if ch == "[":
            if text[i + 1 : i + 2] == "(":
                close = text.find(")", i + 2)
                url = text[i + 2 :] if close == -1 else text[i + 2 : close]
                i = n - 1 if close == -1 else close
            else:
                url = text[content_start:i]
            if url:
                out.add_entity("text_link", start, url=url)
        elif ch == "`":
            if is_pre:
                if language:
                    out.add_entity("pre", start, language=language)
                else:
                    out.add_entity("pre", start)
                i += 2
            else:
                out.add_entity("code", start)
        else:
            out.add_entity("bold" if ch == "*" else "italic", start)
        i += 1
    return out.result()
