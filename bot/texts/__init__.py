"""The message catalogue: every user-facing string, per language, in ``<lang>.toml``."""

from __future__ import annotations

import html
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources

from surveys.models import OutboxMessage

_TAG = re.compile(r"<[^>]*>")


class CatalogueError(Exception):
    """A catalogue is missing, incomplete or inconsistent."""


def shipped_languages() -> list[str]:
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in resources.files(__name__).iterdir()
        if entry.name.endswith(".toml")
    )


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Catalogue:
    """Messages for the configured languages; the first language is the fallback."""

    def __init__(self, messages: Mapping[str, Mapping[str, str]], default: str) -> None:
        self._messages = messages
        self.default = default

    @classmethod
    def load(cls, languages: Iterable[str]) -> Catalogue:
        languages = list(languages)
        messages: dict[str, dict[str, str]] = {}
        for language in languages:
            resource = resources.files(__name__).joinpath(f"{language}.toml")
            if not resource.is_file():
                raise CatalogueError(
                    f"no message catalogue for language {language!r} "
                    f"(available: {', '.join(shipped_languages())})"
                )
            messages[language] = tomllib.loads(resource.read_text("utf-8"))
        return cls(messages, languages[0])

    @property
    def languages(self) -> list[str]:
        return list(self._messages)

    def problems(self) -> list[str]:
        """Keys missing in a language, or placeholders that differ from the default's."""
        reference = self._messages[self.default]
        found = []
        for language, messages in self._messages.items():
            for key, template in reference.items():
                if key not in messages:
                    found.append(f"{language}: missing key {key!r}")
                elif placeholders(messages[key]) != placeholders(template):
                    found.append(f"{language}: placeholders of {key!r} differ from {self.default}")
            found += [f"{language}: unknown key {key!r}" for key in messages.keys() - reference]
        return found

    def pick_language(self, hint: str | None) -> str:
        """The catalogue language matching a Telegram ``language_code`` such as ``es-MX``."""
        if hint:
            base = hint.split("-")[0].lower()
            if base in self._messages:
                return base
        return self.default

    def section(self, language: str, prefix: str) -> dict[str, str]:
        """Every message whose key starts with ``prefix`` (e.g. the sandbox page's strings)."""
        reference = self._messages[self.default]
        return {key: self.get(language, key) for key in reference if key.startswith(prefix)}

    def get(self, language: str, key: str, /, **params: object) -> str:
        """The message ``key`` in ``language`` with HTML-escaped parameters."""
        messages = self._messages.get(language) or self._messages[self.default]
        template = messages.get(key) or self._messages[self.default][key]
        if not params:
            return template
        return template.format_map({k: html.escape(str(v), quote=False) for k, v in params.items()})

    def plural(self, language: str, key: str, count: int, /, **params: object) -> str:
        """``key_one`` when ``count`` is 1, else ``key_other`` (both take ``{count}``)."""
        return self.get(
            language, f"{key}_{'one' if count == 1 else 'other'}", count=count, **params
        )

    def raw(self, language: str, key: str, /, **params: object) -> str:
        """Like :meth:`get` for params that are already HTML (e.g. composed lines)."""
        messages = self._messages.get(language) or self._messages[self.default]
        template = messages.get(key) or self._messages[self.default][key]
        return template.format_map({k: str(v) for k, v in params.items()})

    def params_of(self, language: str, message: OutboxMessage) -> dict[str, object]:
        """A queued message's parameters in ``language`` (falling back to the default's)."""
        params: dict[str, object] = dict(message.params)
        for name, by_language in message.localized_params.items():
            params[name] = by_language.get(language) or by_language.get(
                self.default, next(iter(by_language.values()), "")
            )
        return params

    def render(self, language: str, message: OutboxMessage) -> str:
        """A queued message as its recipient in ``language`` receives it (HTML)."""
        if message.text_key is not None:
            return self.get(language, message.text_key, **self.params_of(language, message))
        if message.text is not None:
            return message.text
        raise ValueError("outbox message has neither text_key nor text")

    def rendered_lengths(self, message: OutboxMessage) -> dict[str, int]:
        """The visible length of ``message`` in every language, as Telegram counts it."""
        return {
            language: visible_length(self.render(language, message)) for language in self.languages
        }


def visible_length(text: str) -> int:
    """Length of HTML ``text`` as Telegram counts it: tags removed, entities as one character,
    surrounding space trimmed, in UTF-16 code units (most emoji count twice)."""
    plain = html.unescape(_TAG.sub("", text)).strip()
    return len(plain) + sum(1 for ch in plain if ord(ch) > 0xFFFF)
