"""One running sandbox: the Bot API emulator, the real bot pointed at it, and the web chat.

``feedbackbot sandbox`` and the browser tests both use :func:`open_sandbox`. The bot is built and
run by the same functions as ``feedbackbot run`` (:func:`bot.app.build_application` and
:func:`bot.app.running`); only its settings differ: the emulator's address and token, and a
sandbox database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from bot.app import build_application, running
from bot.config import ConfigError, Settings
from bot.context import FeedbackApplication
from bot.sandbox.cast import Cast, Persona
from bot.sandbox.community import (
    ADMIN_ID,
    COORDINATOR_ID,
    DEMO_RESIDENTS,
    PARTNER_MEMBER_ID,
    demo_resident_ids,
    is_sandbox_database,
    playable_residents,
    seed,
)
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.history import seed_activity
from bot.sandbox.panel import DemoPanel, running_services
from bot.sandbox.webchat import WebChat
from bot.services import load_catalogue
from surveys.store import Store

__all__ = ["RunningSandbox", "open_sandbox", "sandboxed"]

TOKEN = "123456:SANDBOX-TOKEN"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class RunningSandbox:
    """What a started sandbox offers its caller."""

    url: str
    settings: Settings
    app: FeedbackApplication
    emulator: BotApiEmulator
    cast: Cast
    seeded: bool


def sandboxed(settings: Settings, emulator: BotApiEmulator, database: Path) -> Settings:
    """``settings`` with the emulator as Bot API and ``database`` as the database."""
    telegram = settings.telegram.model_copy(
        update={
            "token": SecretStr(emulator.token),
            "api_base_url": emulator.base_url,
            "file_base_url": emulator.base_file_url,
            "poll_timeout": 1,
        }
    )
    return settings.model_copy(
        update={
            "telegram": telegram,
            "database": settings.database.model_copy(update={"path": database}),
        }
    )


@asynccontextmanager
async def open_sandbox(
    settings: Settings,
    database: Path,
    *,
    port: int,
    residents: int = DEMO_RESIDENTS,
) -> AsyncIterator[RunningSandbox]:
    """Run the sandbox until the block ends.

    A missing ``database`` is created with ``residents`` demo residents and their history; an
    existing one must be a sandbox's (never a real community's, whose residents the emulator
    does not know).
    """
    texts = load_catalogue(settings)  # a bad language list fails before anything is written
    async with BotApiEmulator(TOKEN, host=HOST) as emulator:
        bot_settings = sandboxed(settings, emulator, database)
        app = build_application(bot_settings)

        async def known(telegram_id: int) -> bool:
            store = running_services(app).store
            return await store.residents.by_telegram_id(telegram_id) is not None

        cast = Cast(emulator)
        web = WebChat(emulator, cast, DemoPanel(app), texts, known_resident=known)
        url = await web.start(HOST, port)  # a busy port fails before any work
        try:
            seeded = await _prepare_database(settings, database, residents)
            for telegram_id in demo_resident_ids(residents):
                emulator.user(telegram_id, f"Resident {telegram_id % 100000}")
            _add_staff(cast, bot_settings)  # before the bot starts, which publishes their menus
            async with running(app):
                services = running_services(app)
                if seeded:
                    await seed_activity(services, residents)
                await _add_residents(cast, services.store, bot_settings, known)
                yield RunningSandbox(url, bot_settings, app, emulator, cast, seeded)
        finally:
            await web.stop()


async def _prepare_database(settings: Settings, database: Path, residents: int) -> bool:
    """Create and fill a missing database (True), or check an existing one is a sandbox's."""
    if not database.exists():  # noqa: ASYNC240 - one stat before the sandbox starts
        database.parent.mkdir(parents=True, exist_ok=True)
        await seed(settings, database, residents=residents)
        return True
    if not await is_sandbox_database(database):
        raise ConfigError(
            f"{database}: not a sandbox database; the sandbox never uses a real community's "
            "data (give a new file name, or leave out --database)"
        )
    return False


def _add_staff(cast: Cast, settings: Settings) -> None:
    """The configured coordinators and admins, and each partner group (the visitor writes as
    its first member)."""
    language = settings.community.default_language
    staff = [(uid, "coordinator") for uid in settings.access.coordinators] + [
        (uid, "admin") for uid in settings.access.admins
    ]
    for user_id, role in staff:
        name = {COORDINATOR_ID: "Kim", ADMIN_ID: "Lee"}.get(user_id, f"{role.title()} {user_id}")
        cast.add(
            Persona(
                key=f"u{user_id}",
                name=name,
                role="admin" if role == "admin" else "coordinator",
                chat_id=user_id,
                user_id=user_id,
                language=language,
            )
        )
    for partner in settings.partners:
        member = partner.members[0] if partner.members else PARTNER_MEMBER_ID
        cast.add(
            Persona(
                key=f"g{abs(partner.chat_id)}",
                name="Jo" if member == PARTNER_MEMBER_ID else f"Member {member}",
                role="partner",
                chat_id=partner.chat_id,
                user_id=member,
                language=language,
                group_title=partner.name,
            )
        )


async def _add_residents(
    cast: Cast, store: Store, settings: Settings, known: Callable[[int], Awaitable[bool]]
) -> None:
    """A new resident per language (two at most) and demo residents with history."""
    languages = settings.community.languages
    areas = {a.id: a.name for a in settings.areas}
    for language in languages[:2]:
        await cast.new_resident(language, known)
    history = await playable_residents(store, languages)
    for number, resident in enumerate(history.residents):
        assert resident.telegram_user_id is not None
        cast.add(
            Persona(
                key=f"u{resident.telegram_user_id}",
                name=("Sam", "Marta")[number],
                role="resident",
                chat_id=resident.telegram_user_id,
                user_id=resident.telegram_user_id,
                language=resident.language,
                area=areas.get(resident.area_id or "", resident.area_id),
                history=True,
            )
        )
