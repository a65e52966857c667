"""Pure tests of the emulator's Telegram formatting parsers (HTML, MarkdownV2, Markdown)."""

from __future__ import annotations

import html
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sandbox.formatting import (
    MARKDOWN_V2_RESERVED,
    EntityParseError,
    UnsupportedParseModeError,
    parse_entities,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    utf16_len,
)


def ent(kind: str, offset: int, length: int, **extra: Any) -> dict[str, Any]:
    """Build an expected entity."""
    return {"type": kind, "offset": offset, "length": length, **extra}


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("", 0),
        ("a", 1),
        ("héllo", 5),
        ("中文", 2),
        ("😀", 2),
        ("a😀b", 4),
        ("👍🏽", 4),
        ("€", 1),
        ("𝕏", 2),
    ],
)
def test_utf16_len_counts_astral_characters_twice(text: str, units: int) -> None:
    """If a character lies outside the BMP (emoji, math letters), then it counts as 2 units."""
    assert utf16_len(text) == units


HTML_VALID: list[tuple[str, str, list[dict[str, Any]]]] = [
    ("plain", "plain", []),
    ("<b>bold</b>", "bold", [ent("bold", 0, 4)]),
    ("<strong>s</strong>", "s", [ent("bold", 0, 1)]),
    ("<i>i</i><em>e</em>", "ie", [ent("italic", 0, 1), ent("italic", 1, 1)]),
    ("<u>u</u><ins>n</ins>", "un", [ent("underline", 0, 1), ent("underline", 1, 1)]),
    (
        "<s>a</s><strike>b</strike><del>c</del>",
        "abc",
        [ent("strikethrough", 0, 1), ent("strikethrough", 1, 1), ent("strikethrough", 2, 1)],
    ),
    ('<span class="tg-spoiler">x</span>', "x", [ent("spoiler", 0, 1)]),
    ("<tg-spoiler>x</tg-spoiler>", "x", [ent("spoiler", 0, 1)]),
    (
        '<a href="https://e.org/?a=1&amp;b=2">l</a>',
        "l",
        [ent("text_link", 0, 1, url="https://e.org/?a=1&b=2")],
    ),
    ("<a href='https://e.org'>l</a>", "l", [ent("text_link", 0, 1, url="https://e.org")]),
    ('<a href="tg://user?id=42">me</a>', "me", [ent("text_mention", 0, 2, user={"id": 42})]),
    ("<code>x &lt; y</code>", "x < y", [ent("code", 0, 5)]),
    ("<pre>block</pre>", "block", [ent("pre", 0, 5)]),
    (
        '<pre><code class="language-python">print(1)</code></pre>',
        "print(1)",
        [ent("pre", 0, 8, language="python")],
    ),
    ("<blockquote>q</blockquote>", "q", [ent("blockquote", 0, 1)]),
    ("<blockquote expandable>q</blockquote>", "q", [ent("expandable_blockquote", 0, 1)]),
    (
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "👍",
        [ent("custom_emoji", 0, 2, custom_emoji_id="5368324170671202286")],
    ),
    ("<B>upper</B>", "upper", [ent("bold", 0, 5)]),
    ("<b><i>both</i></b>", "both", [ent("bold", 0, 4), ent("italic", 0, 4)]),
    ("a <b>b</b> c", "a b c", [ent("bold", 2, 1)]),
    ("&lt;&gt;&amp;&quot;", '<>&"', []),
    ("&#65;&#x42;&#128512;", "AB😀", []),
    ("&lt no semicolon", "< no semicolon", []),
    ("Q&A and a & b", "Q&A and a & b", []),
    ("😀<b>x</b>", "😀x", [ent("bold", 2, 1)]),
    ("<b></b>empty", "empty", []),
    ("line1\nline2", "line1\nline2", []),
    ("a > b", "a > b", []),
]


@pytest.mark.parametrize(("source", "plain", "entities"), HTML_VALID)
def test_valid_html_parses_to_plain_text_and_entities(
    source: str, plain: str, entities: list[dict[str, Any]]
) -> None:
    """If HTML uses only Telegram's tags and entities, then it yields the plain text and the
    entities at UTF-16 offsets."""
    parsed = parse_html(source)
    assert parsed.text == plain
    assert parsed.entities == entities
    assert parsed.utf16_length == utf16_len(plain)


HTML_INVALID = [
    ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("<p>para</p>", 'Unsupported start tag "p" at byte offset 0'),
    ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
    ("<br/>", 'Unsupported start tag "br" at byte offset 0'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("1 <2", "Unclosed start tag at byte offset 2"),
    ("1 <2 and 3", 'Unsupported start tag "2" at byte offset 2'),
    ("x</b>", 'Unexpected end tag "</b>" at byte offset 1'),
    ("<b", "Unclosed start tag at byte offset 0"),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ('<a href="x>l</a>', 'Unclosed value of the attribute "href"'),
    ("&nbsp;", 'Unsupported HTML entity "&nbsp;" at byte offset 0'),
    ("é &copy;", 'Unsupported HTML entity "&copy;" at byte offset 3'),
    ("&#0;", "Invalid numeric character reference"),
    ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
    ("<tg-emoji>x</tg-emoji>", 'Tag "tg-emoji" must have attribute "emoji-id"'),
    ("<i>a<b>b</i>", 'Unmatched end tag at byte offset 8, expected "</b>", found "</i>"'),
]


@pytest.mark.parametrize(("source", "error"), HTML_INVALID)
def test_invalid_html_is_rejected_with_tdlib_wording(source: str, error: str) -> None:
    """If HTML has an unknown tag/entity, an unclosed or mismatched tag, or a bare '<', then
    parsing fails with Telegram's message (positions are UTF-8 byte offsets)."""
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert error in str(caught.value)


MDV2_VALID: list[tuple[str, str, list[dict[str, Any]]]] = [
    ("plain text", "plain text", []),
    ("*bold*", "bold", [ent("bold", 0, 4)]),
    ("_italic_", "italic", [ent("italic", 0, 6)]),
    ("__under__", "under", [ent("underline", 0, 5)]),
    ("~strike~", "strike", [ent("strikethrough", 0, 6)]),
    ("||spoiler||", "spoiler", [ent("spoiler", 0, 7)]),
    ("`code`", "code", [ent("code", 0, 4)]),
    ("`a.b!`", "a.b!", [ent("code", 0, 4)]),
    ("```\nblock.\n```", "block.\n", [ent("pre", 0, 7)]),
    ("```python\nx = 1\n```", "x = 1\n", [ent("pre", 0, 6, language="python")]),
    ("[link](https://e.org)", "link", [ent("text_link", 0, 4, url="https://e.org")]),
    ("[x](https://e.org/a\\)b)", "x", [ent("text_link", 0, 1, url="https://e.org/a)b")]),
    ("[me](tg://user?id=7)", "me", [ent("text_mention", 0, 2, user={"id": 7})]),
    (
        "![👍](tg://emoji?id=5368324170671202286)",
        "👍",
        [ent("custom_emoji", 0, 2, custom_emoji_id="5368324170671202286")],
    ),
    ("*bold _both_*", "bold both", [ent("bold", 0, 9), ent("italic", 5, 4)]),
    ("1\\.5\\!", "1.5!", []),
    ("\\_\\*\\[\\]\\(\\)\\~\\`\\>\\#\\+\\-\\=\\|\\{\\}\\.\\!", "_*[]()~`>#+-=|{}.!", []),
    ("a\\\\b", "a\\b", []),
    ("😀 *x*", "😀 x", [ent("bold", 3, 1)]),
    (">quote", "quote", [ent("blockquote", 0, 5)]),
    (">one\n>two\nafter", "one\ntwo\nafter", [ent("blockquote", 0, 7)]),
    ("**>hidden\n>more||", "hidden\nmore", [ent("expandable_blockquote", 0, 11)]),
    ("**", "", []),
]


@pytest.mark.parametrize(("source", "plain", "entities"), MDV2_VALID)
def test_valid_markdown_v2_parses_to_plain_text_and_entities(
    source: str, plain: str, entities: list[dict[str, Any]]
) -> None:
    """If MarkdownV2 escapes every reserved character outside entities, then it yields the
    plain text and entities."""
    parsed = parse_markdown_v2(source)
    assert parsed.text == plain
    assert parsed.entities == entities
    assert parsed.utf16_length == utf16_len(plain)


MDV2_INVALID = [
    ("Thanks.", "Character '.' is reserved and must be escaped with the preceding '\\'"),
    ("Wow!", "Character '!' is reserved"),
    ("a-b", "Character '-' is reserved"),
    ("1+1=2", "Character '+' is reserved"),
    ("(x)", "Character '(' is reserved"),
    ("#tag", "Character '#' is reserved"),
    ("a|b", "Character '|' is reserved"),
    ("{x}", "Character '{' is reserved"),
    ("a > b", "Character '>' is reserved"),
    ("*bold", "Can't find end of Bold entity at byte offset 0"),
    ("x _it", "Can't find end of Italic entity at byte offset 2"),
    ("__u", "Can't find end of Underline entity at byte offset 0"),
    ("~s", "Can't find end of Strikethrough entity at byte offset 0"),
    ("||s", "Can't find end of Spoiler entity at byte offset 0"),
    ("`code", "Can't find end of Code entity at byte offset 0"),
    ("```pre", "Can't find end of Pre entity at byte offset 0"),
    ("[text", "Can't find end of TextUrl entity at byte offset 0"),
    ("[t](https://e.org", "Can't find end of a URL at byte offset 4"),
    ("é *b", "Can't find end of Bold entity at byte offset 3"),
    ("*a _b* c_", "Can't find end of Italic entity at byte offset 8"),
    ("![x]", "Custom emoji entity must contain a tg://emoji URL"),
]


@pytest.mark.parametrize(("source", "error"), MDV2_INVALID)
def test_invalid_markdown_v2_is_rejected_with_tdlib_wording(source: str, error: str) -> None:
    """If MarkdownV2 leaves a reserved character unescaped or an entity unclosed, then parsing
    fails with Telegram's message."""
    with pytest.raises(EntityParseError) as caught:
        parse_markdown_v2(source)
    assert error in str(caught.value)


MARKDOWN_VALID: list[tuple[str, str, list[dict[str, Any]]]] = [
    ("*bold* _it_", "bold it", [ent("bold", 0, 4), ent("italic", 5, 2)]),
    ("`code`", "code", [ent("code", 0, 4)]),
    ("```py\nx\n```", "x\n", [ent("pre", 0, 2, language="py")]),
    ("[l](http://e.org)", "l", [ent("text_link", 0, 1, url="http://e.org")]),
    ("1.5! (ok) - #1", "1.5! (ok) - #1", []),
    ("\\*not bold\\*", "*not bold*", []),
    ("**", "", []),
]


@pytest.mark.parametrize(("source", "plain", "entities"), MARKDOWN_VALID)
def test_legacy_markdown_parses_basic_entities(
    source: str, plain: str, entities: list[dict[str, Any]]
) -> None:
    """If legacy Markdown is well formed, then it yields plain text and entities, leaving
    MarkdownV2's reserved characters alone."""
    parsed = parse_markdown(source)
    assert parsed.text == plain
    assert parsed.entities == entities


@pytest.mark.parametrize("source", ["*open", "_open", "`open", "[open", "2*3"])
def test_legacy_markdown_rejects_unclosed_entities(source: str) -> None:
    """If a legacy Markdown entity is never closed, then parsing fails like Telegram's."""
    with pytest.raises(EntityParseError, match="Can't find end of the entity starting at byte"):
        parse_markdown(source)


@pytest.mark.parametrize(
    ("mode", "source", "plain"),
    [
        (None, "<b>raw</b>", "<b>raw</b>"),
        ("", "*raw*", "*raw*"),
        ("HTML", "<b>x</b>", "x"),
        ("html", "<b>x</b>", "x"),
        ("MarkdownV2", "*x*", "x"),
        ("markdownv2", "*x*", "x"),
        ("Markdown", "*x*", "x"),
    ],
)
def test_parse_mode_is_case_insensitive(mode: str | None, source: str, plain: str) -> None:
    """If parse_mode is any casing of a known mode (or absent), then the matching parser runs."""
    assert parse_entities(source, mode).text == plain


@pytest.mark.parametrize("mode", ["Markdown2", "htm", "rich"])
def test_unknown_parse_mode_is_refused(mode: str) -> None:
    """If parse_mode is not HTML/MarkdownV2/Markdown, then parsing refuses it."""
    with pytest.raises(UnsupportedParseModeError):
        parse_entities("text", mode)


@given(st.text())
def test_html_escaped_text_round_trips(text: str) -> None:
    """If any text is escaped with html.escape, then the HTML parser returns it unchanged."""
    parsed = parse_html(html.escape(text))
    assert parsed.text == text
    assert parsed.entities == []


@given(st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=126)))
def test_markdown_v2_escaped_text_round_trips(text: str) -> None:
    """If every reserved character and backslash is escaped, then MarkdownV2 returns the text."""
    escaped = "".join("\\" + ch if ch in MARKDOWN_V2_RESERVED + "\\" else ch for ch in text)
    parsed = parse_markdown_v2(escaped)
    assert parsed.text == text
    assert parsed.entities == []
