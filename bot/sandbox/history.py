"""What a fresh sandbox starts with besides past survey rounds: activity of the running bot.

A planned event that demo residents have already answered, and concern reports at different
stages (new, acknowledged, in progress, resolved), made through the same use cases residents
and coordinators use in chat, so ``/events``, ``/reports``, the partner group and the figures
have something to show from the first minute. Residents 1 and 2 (played in the page) are left
alone; the texts are sample content, like the demo residents' answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Services
from bot.sandbox.community import COORDINATOR_ID, DEMO_EVENTS, demo_event, demo_resident_ids
from surveys.events.models import RsvpChoice
from surveys.models import Resident
from surveys.reports.models import Actor, ReportStatus

__all__ = ["seed_activity"]

# How demo residents 3 to 18 answer the planned event.
_ANSWERS: tuple[RsvpChoice, ...] = (
    "going", "going", "maybe", "cant", "going", "maybe", "going", "cant",
)  # fmt: skip


@dataclass(frozen=True)
class _SampleReport:
    category: str
    area: str
    texts: dict[str, str]
    status: ReportStatus
    note: str | None = None


_REPORTS = (
    _SampleReport(
        "lighting",
        "north",
        {
            "en": "The street light outside 14 Elm Road has been out for over a week.",
            "es": "La farola frente al número 14 de Elm Road lleva más de una semana apagada.",
        },
        "in_progress",
        "The council has booked a repair crew.",
    ),
    _SampleReport(
        "vandalism",
        "riverside",
        {
            "en": "New graffiti all over the underpass on the river path.",
            "es": "Pintadas nuevas por todo el paso subterráneo del camino del río.",
        },
        "acknowledged",
    ),
    _SampleReport(
        "traffic",
        "old-town",
        {
            "en": "Cars park on the pavement by the primary school every morning.",
            "es": "Los coches aparcan en la acera junto al colegio todas las mañanas.",
        },
        "resolved",
        "Parking enforcement now visits at drop-off time.",
    ),
    _SampleReport(
        "antisocial",
        "harbour",
        {
            "en": "Groups drinking and shouting in the harbour car park late at night.",
            "es": "Grupos bebiendo y gritando en el aparcamiento del puerto por la noche.",
        },
        "new",
    ),
)


async def seed_activity(services: Services, residents: int) -> None:
    """Plan the demo event with answers, and file the sample reports."""
    people = [
        resident
        for telegram_id in demo_resident_ids(min(residents, 18))[2:]
        if (resident := await services.store.residents.by_telegram_id(telegram_id)) is not None
        and resident.receives_broadcasts
    ]
    await _event(services, people)
    for sample, resident in zip(_REPORTS, people, strict=False):
        await _report(services, sample, resident)
    await services.events.scheduler.tick()
    await services.reports.scheduler.tick()


async def _event(services: Services, people: list[Resident]) -> None:
    board = services.events.board
    event = await board.create(
        demo_event(services.settings, DEMO_EVENTS["coffee"]), created_by="sandbox"
    )
    for number, resident in enumerate(people):
        await board.answer(event.id, resident, _ANSWERS[number % len(_ANSWERS)])


async def _report(services: Services, sample: _SampleReport, resident: Resident) -> None:
    """File a report as the resident would in chat, then move it as a coordinator would."""
    policy, drafting = services.reports.policy, services.reports.drafting
    known = {category.id for category in policy.categories}
    areas = {area.id for area in services.settings.areas}
    if sample.category not in known:
        return
    draft = await drafting.begin(resident)
    draft = await drafting.choose_category(resident, draft.id, sample.category)
    area = sample.area if sample.area in areas else resident.area_id
    if area is not None and draft.step == "area":
        draft = await drafting.choose_area(resident, draft.id, area)
    draft = await drafting.skip_location(resident, draft.id)
    if draft.step == "matches":
        draft = await drafting.none_match(resident, draft.id)
    text = sample.texts.get(resident.language, sample.texts["en"])
    draft = await drafting.describe(resident, text)
    draft = await drafting.photos_done(resident, draft.id)
    draft = await drafting.set_contact(resident, draft.id, False)
    report = await drafting.submit(resident, draft.id)
    coordinator = Actor(role="coordinator", user_id=COORDINATOR_ID)
    path: dict[ReportStatus, tuple[ReportStatus, ...]] = {
        "new": (),
        "acknowledged": ("acknowledged",),
        "in_progress": ("acknowledged", "in_progress"),
        "resolved": ("acknowledged", "in_progress", "resolved"),
    }
    steps = path.get(sample.status, ())
    for number, status in enumerate(steps):
        last = number == len(steps) - 1
        await services.reports.desk.change(
            coordinator, report.id, status, note=sample.note if last else None
        )
