"""The built-in demo community of ``feedbackbot sandbox`` and the history it starts with.

Without ``--config`` the sandbox runs a small partnership: four neighbourhoods with populations,
English and Spanish, the built-in surveys, a coordinator, an admin and a partner group. Its fresh
database is filled by :func:`surveys.demo.generate` (residents who answered three past rounds),
so ``/results`` and ``/export`` have something to show from the first minute. The demo
residents are ordinary residents of the database with fake Telegram ids in one block, which the
sandbox registers with the emulator so broadcasts reach them like anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.services import configured_areas
from surveys.clock import utcnow
from surveys.demo import generate
from surveys.events.models import EventSpec, EventText
from surveys.models import Area, Resident
from surveys.store import Store

__all__ = [
    "ADMIN_ID",
    "COORDINATOR_ID",
    "DEMO_EVENTS",
    "DEMO_RESIDENTS",
    "DEMO_TELEGRAM_BASE",
    "PARTNER_GROUP_ID",
    "PARTNER_MEMBER_ID",
    "PARTNER_NAME",
    "DemoEvent",
    "DemoHistory",
    "demo_event",
    "demo_resident_ids",
    "demo_settings",
    "is_sandbox_database",
    "playable_residents",
    "seed",
    "with_demo_staff",
]


@dataclass(frozen=True)
class DemoEvent:
    """A sample event: title and description per language, and when it is, from now."""

    texts: dict[str, tuple[str, str]]
    place: str
    in_days: int
    starts: time
    length: timedelta
    capacity: int | None


ADMIN_ID = 1001
COORDINATOR_ID = 1002
PARTNER_MEMBER_ID = 1003
PARTNER_GROUP_ID = -1001000000001
PARTNER_NAME = "Riverside Youth Trust"
DEMO_TELEGRAM_BASE = 5_100_000_000
DEMO_RESIDENTS = 320
DEMO_ROUNDS = 3
DEMO_SEED = 7

# Sample events, like the demo residents' answers: one is planned when the sandbox starts (with
# answers from demo residents), the demo panel announces the other.
DEMO_EVENTS: dict[str, DemoEvent] = {
    "coffee": DemoEvent(
        texts={
            "en": (
                "Coffee with your neighbourhood officers",
                "Meet the officers who patrol your streets, ask questions and tell them what "
                "worries you. Coffee and biscuits provided.",
            ),
            "es": (
                "Café con los agentes de tu barrio",
                "Conoce a los agentes que patrullan tus calles, pregunta y cuéntales lo que te "
                "preocupa. Habrá café y galletas.",
            ),
        },
        place="Old Town Library, Market Square",
        in_days=5,
        starts=time(10, 0),
        length=timedelta(minutes=90),
        capacity=None,
    ),
    "walk": DemoEvent(
        texts={
            "en": (
                "Community safety walk",
                "Walk the neighbourhood with local officers and the youth trust: point out dark "
                "corners, broken lights and places that feel unsafe.",
            ),
            "es": (
                "Paseo de seguridad vecinal",
                "Recorre el barrio con agentes locales y la asociación juvenil: señala rincones "
                "oscuros, farolas rotas y lugares que dan inseguridad.",
            ),
        },
        place="Riverside Community Centre, 12 Mill Lane",
        in_days=3,
        starts=time(18, 0),
        length=timedelta(hours=2),
        capacity=30,
    ),
}

DEMO_AREAS = (
    Area(id="north", name="North", population=12000),
    Area(id="riverside", name="Riverside", population=8500),
    Area(id="old-town", name="Old Town", population=6200),
    Area(id="harbour", name="Harbour", population=4300),
)


def demo_settings() -> Settings:
    """The demo community's settings (the sandbox sets the Bot API address and database)."""
    data: dict[str, Any] = {
        "community": {
            "name": "Riverside Community Partnership",
            "timezone": "Europe/London",
            "languages": ["en", "es"],
            "emergency_number": "999",
        },
        "areas": [area.model_dump() for area in DEMO_AREAS],
        "access": {"admins": [ADMIN_ID], "coordinators": [COORDINATOR_ID]},
        "privacy": {"min_group_size": 10},
        "partners": [
            {
                "id": "youth-trust",
                "name": PARTNER_NAME,
                "chat_id": PARTNER_GROUP_ID,
                "members": [PARTNER_MEMBER_ID],
                "categories": ["antisocial", "vandalism"],
            }
        ],
        # a visitor tries the bot at any hour; quiet hours would hold invitations until morning
        "delivery": {"quiet_hours": ""},
    }
    return Settings(**data)


def with_demo_staff(settings: Settings) -> Settings:
    """A configuration without staff gets the demo coordinator and admin, and a partner group
    without members gets the demo member, so a visitor can play every role; configured staff
    and members are kept as they are."""
    access = settings.access
    if not access.admins and not access.coordinators:
        access = access.model_copy(update={"admins": [ADMIN_ID], "coordinators": [COORDINATOR_ID]})
    partners = [
        p if p.members else p.model_copy(update={"members": [PARTNER_MEMBER_ID]})
        for p in settings.partners
    ]
    return settings.model_copy(update={"access": access, "partners": partners})


@dataclass(frozen=True)
class DemoHistory:
    """Two demo residents a visitor can play: one per language when there are two."""

    residents: tuple[Resident, ...]


def demo_resident_ids(count: int = DEMO_RESIDENTS) -> range:
    """The fake Telegram ids of the demo residents (and of their private chats)."""
    return range(DEMO_TELEGRAM_BASE + 1, DEMO_TELEGRAM_BASE + count + 1)


async def seed(settings: Settings, database: Path, *, residents: int = DEMO_RESIDENTS) -> None:
    """Create ``database`` with demo residents of the community who answered past rounds
    (refuses an existing file)."""
    areas = configured_areas(settings)
    summary = await generate(
        database,
        residents=residents,
        rounds=DEMO_ROUNDS,
        seed=DEMO_SEED,
        areas=areas or [Area(id="centre", name="Centre")],
        languages=settings.community.languages,
        telegram_id_base=DEMO_TELEGRAM_BASE,
    )
    # The coordinators had the rounds' summaries and the failed invitations reported back
    # then; a fresh sandbox does not tell them all again.
    store = await Store.open(database)
    try:
        for round_id in summary.round_ids:
            await store.rounds.set_summary_sent(round_id)
        failed = await store.outbox.unreported_failures(limit=residents * DEMO_ROUNDS)
        await store.outbox.mark_reported([f.id for f in failed])
    finally:
        await store.close()


async def is_sandbox_database(path: Path) -> bool:
    """True if ``path`` holds demo residents, i.e. a sandbox made it: the sandbox must never
    write to a real community's database (its fake residents would be marked unreachable)."""
    store = await Store.open(path)
    try:
        return await store.residents.by_telegram_id(DEMO_TELEGRAM_BASE + 1) is not None
    finally:
        await store.close()


async def playable_residents(
    store: Store, languages: list[str], *, search: int = 60
) -> DemoHistory:
    """The first active demo resident of each language (at most two), to play in the page."""
    found: dict[str, Resident] = {}
    for telegram_id in demo_resident_ids(search):
        resident = await store.residents.by_telegram_id(telegram_id)
        if resident is None or not resident.receives_broadcasts:
            continue
        if resident.language in languages[:2] and resident.language not in found:
            found[resident.language] = resident
        if len(found) == min(2, len(languages)):
            break
    return DemoHistory(tuple(found[lang] for lang in languages[:2] if lang in found))


def demo_event(settings: Settings, sample: DemoEvent) -> EventSpec:
    """A sample event for the community's languages, run with its first partner (if any)."""
    zone = settings.community.zone
    day = (utcnow().astimezone(zone) + timedelta(days=sample.in_days)).date()
    starts = datetime.combine(day, sample.starts, tzinfo=zone)
    languages = settings.community.languages
    texts = {
        language: EventText(title=title, description=description)
        for language, (title, description) in sample.texts.items()
        if language in languages
    } or {languages[0]: EventText(title=sample.texts["en"][0], description=sample.texts["en"][1])}
    return EventSpec(
        texts=texts,
        starts_at=starts,
        ends_at=starts + sample.length,
        place=sample.place,
        capacity=sample.capacity,
        partner=settings.partners[0].name if settings.partners else None,
    )
