"""Who a visitor of the sandbox page can be: residents, staff and a partner group.

A :class:`Persona` is one chat seen by one person: a resident's or a staff member's private chat
with the bot, or a partner organisation's group where the visitor writes as one of its members.
The cast registers every persona with the emulator, so the bot can write to them at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.simulation import SimGroup, SimUser

__all__ = ["Cast", "Persona", "PersonaRole"]

PersonaRole = Literal["new", "resident", "coordinator", "admin", "partner"]

_ORDER: tuple[PersonaRole, ...] = ("new", "resident", "coordinator", "admin", "partner")
# Telegram first names of the people a visitor plays; the bot never stores names.
FIRST_NAMES = ("Alex", "Lucía", "Sam", "Marta", "Jordan", "Inés", "Robin", "Pablo", "Kit", "Nora")


class Persona(BaseModel):
    """One chat a visitor can take part in, as whom, and what to call it in the page."""

    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    role: PersonaRole
    chat_id: int
    user_id: int
    language: str
    area: str | None = None
    history: bool = False
    group_title: str | None = None


class Cast:
    """The personas of one sandbox, in the order the page lists them."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self._emulator = emulator
        self._personas: dict[str, Persona] = {}
        self._next_new_id = 2001

    def add(self, persona: Persona) -> Persona:
        """Register the persona's user (and group) with the emulator and list it."""
        self._emulator.user(persona.user_id, persona.name, language_code=persona.language)
        if persona.group_title is not None:
            self._emulator.group(persona.chat_id, persona.group_title)
        self._personas[persona.key] = persona
        return persona

    async def new_resident(self, language: str, known: Callable[[int], Awaitable[bool]]) -> Persona:
        """A resident who has never talked to the bot: a Telegram id neither listed here nor
        ``known`` to the database (a kept sandbox database remembers earlier visitors)."""
        used = {p.user_id for p in self._personas.values()}
        while self._next_new_id in used or await known(self._next_new_id):
            self._next_new_id += 1
        user_id = self._next_new_id
        self._next_new_id += 1
        name = FIRST_NAMES[(user_id - 2001) % len(FIRST_NAMES)]
        return self.add(
            Persona(
                key=f"u{user_id}",
                name=name,
                role="new",
                chat_id=user_id,
                user_id=user_id,
                language=language,
            )
        )

    def get(self, key: str) -> Persona:
        """The persona with this key; ``KeyError`` if there is none."""
        return self._personas[key]

    def all(self) -> list[Persona]:
        """Every persona: residents first, then staff and groups, each in order of arrival."""
        return sorted(self._personas.values(), key=lambda p: _ORDER.index(p.role))

    def user(self, persona: Persona) -> SimUser:
        """The simulated Telegram user who acts for the persona."""
        return self._emulator.user(persona.user_id)

    def group(self, persona: Persona) -> SimGroup | None:
        """The persona's group chat, if it is a group."""
        if persona.group_title is None:
            return None
        return self._emulator.group(persona.chat_id, persona.group_title)
