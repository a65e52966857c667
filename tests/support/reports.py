"""Shared builders for the concern-report tests: a policy, a migrated store with areas and
partners, onboarded residents, and whole reports made through the real use cases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from surveys.models import Area, OutboxMessage, Resident
from surveys.reports.desk import PlannedEntry, ReportDesk
from surveys.reports.drafting import ReportDrafting
from surveys.reports.models import (
    Actor,
    Category,
    Location,
    Partner,
    Report,
    ReportPolicy,
)
from surveys.store import Store

COORDINATOR = 9002
ADMIN = 9001
PARTNER_CHAT = -100_111
PARTNER_MEMBER = 501
OUTSIDER = 777

POLICY = ReportPolicy(
    categories=(
        Category(
            id="lighting",
            names={"en": "Street lighting", "es": "Alumbrado"},
            overdue_after=timedelta(days=2),
        ),
        Category(
            id="litter", names={"en": "Litter", "es": "Basura"}, overdue_after=timedelta(days=5)
        ),
        Category(
            id="domestic",
            names={"en": "Domestic abuse", "es": "Violencia doméstica"},
            sensitive=True,
            overdue_after=timedelta(days=1),
        ),
    ),
    partners=(
        Partner(
            id="council",
            name="City Council",
            chat_id=PARTNER_CHAT,
            members=frozenset({PARTNER_MEMBER}),
            categories=frozenset({"lighting"}),
        ),
        Partner(
            id="parks",
            name="Parks Trust",
            chat_id=-100_222,
            members=frozenset({502}),
            categories=frozenset(),
        ),
    ),
    daily_limit=3,
    match_radius_m=300,
    coordinators=frozenset({COORDINATOR}),
    admins=frozenset({ADMIN}),
)

STAFF = Actor(role="coordinator", user_id=COORDINATOR)
MEMBER = Actor(role="partner", user_id=PARTNER_MEMBER, partner_id="council")
PLAZA = Location(latitude=40.4168, longitude=-3.7038)


class Messages:
    """The bot's message factory, reduced to catalogue keys and parameters."""

    def update(self, report: Report, entry: PlannedEntry) -> OutboxMessage:
        return OutboxMessage(
            text_key=f"report_update_{entry.kind}",
            params={
                "reference": report.reference,
                "status": entry.to_status,
                "note": entry.note or "",
            },
        )

    def followup(self, report: Report) -> OutboxMessage:
        return OutboxMessage(text_key="report_followup", params={"reference": report.reference})


async def open_store(path: Path) -> Store:
    store = await Store.open(path)
    await store.areas.sync(
        [
            Area(id="north", name="North"),
            Area(id="south", name="South"),
            Area(id="east", name="East"),
        ]
    )
    await store.reports.sync_partners(POLICY.partners)
    return store


async def onboarded(
    store: Store, telegram_id: int, area: str = "north", language: str = "en"
) -> Resident:
    resident = await store.residents.register(telegram_id, telegram_id, language)
    await store.residents.consent(resident.id, "area")
    return await store.residents.set_area(resident.id, area, "done")


async def make_report(
    drafting: ReportDrafting,
    resident: Resident,
    *,
    category: str = "lighting",
    area: str | None = None,
    location: Location | None = None,
    description: str = "The street light at the corner has been out for a week.",
    photos: tuple[str, ...] = (),
    contact: bool = True,
) -> Report:
    """Walk the whole draft through the use cases; "is it one of these?" is answered "no"."""
    draft = await drafting.begin(resident)
    draft = await drafting.choose_category(resident, draft.id, category)
    draft = await drafting.choose_area(resident, draft.id, area or resident.area_id or "north")
    if location is not None:
        draft = await drafting.set_location(resident, location)
    else:
        draft = await drafting.skip_location(resident, draft.id)
    if draft.step == "matches":
        draft = await drafting.none_match(resident, draft.id)
    draft = await drafting.describe(resident, description)
    for photo in photos:
        draft = await drafting.add_photo(resident, photo)
    if draft.step == "photos":
        draft = await drafting.photos_done(resident, draft.id)
    draft = await drafting.set_contact(resident, draft.id, contact)
    return await drafting.submit(resident, draft.id)


def services(store: Store, policy: ReportPolicy = POLICY) -> tuple[ReportDrafting, ReportDesk]:
    return ReportDrafting(store, policy), ReportDesk(store, policy, Messages())
