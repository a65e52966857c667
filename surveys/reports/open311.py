"""Reports as an Open311 GeoReport v2 ``requests.json`` document (the response of
``GET /requests.json``): a JSON array of service requests with only the spec's fields.

Mapping: ``service_request_id`` is the reference (``R-000123``); ``status`` is ``closed`` for
resolved, closed and duplicate reports and ``open`` otherwise; ``status_notes`` the latest public
note, or the closing reason in plain words; ``service_code``/``service_name`` the category;
``agency_responsible`` the partner the report is routed to, else the partnership;
``address``/``address_id`` the area; ``lat``/``long`` the shared location rounded to the
configured decimals. Times are ISO 8601 with the community's UTC offset.

Withheld by construction: Telegram ids, usernames and names of reporters and staff (never
read), media (Telegram file ids are not URLs anyone else can open), and for sensitive
categories the location, the area and the resident's text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    PlainSerializer,
    RootModel,
)

from surveys.reports.geo import coarsen
from surveys.reports.models import HistoryEntry, Report, ReportPolicy, reference


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


Timestamp = Annotated[AwareDatetime, PlainSerializer(_iso, return_type=str)]


class ServiceRequest(BaseModel):
    """One service request as GeoReport v2 lists it; nothing else is allowed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service_request_id: str = Field(pattern=r"^R-\d{6,}$")
    status: Literal["open", "closed"]
    status_notes: str | None = None
    service_name: str | None = None
    service_code: str | None = None
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: Timestamp | None = None
    updated_datetime: Timestamp | None = None
    expected_datetime: Timestamp | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    media_url: HttpUrl | None = None


class ServiceRequests(RootModel[list[ServiceRequest]]):
    """The whole ``requests.json`` document."""


class StatusWords(BaseModel):
    """Plain words for notes without a staff note (from the bot's message catalogue)."""

    model_config = ConfigDict(frozen=True)

    reasons: dict[str, str] = Field(default_factory=dict)
    duplicate: str = "Duplicate of {reference}"
    statuses: dict[str, str] = Field(default_factory=dict)


def status_notes(report: Report, history: Sequence[HistoryEntry], words: StatusWords) -> str | None:
    """The latest public note, else for a closed report its reason, for a duplicate its
    original."""
    note = next((entry.note for entry in reversed(history) if entry.note), None)
    if report.status == "closed" and report.close_reason:
        reason = words.reasons.get(report.close_reason, report.close_reason)
        return f"{reason} {note}" if note else reason
    if report.status == "duplicate" and report.duplicate_of:
        original = words.duplicate.format(reference=reference(report.duplicate_of))
        return f"{original}. {note}" if note else original
    return note


def service_request(
    report: Report,
    history: Sequence[HistoryEntry],
    *,
    policy: ReportPolicy,
    language: str,
    areas: Mapping[str, str],
    partners: Mapping[str, str],
    agency: str,
    zone: ZoneInfo,
    words: StatusWords,
) -> ServiceRequest:
    category = policy.category_or_none(report.category)
    sensitive = policy.treats_as_sensitive(report)
    location = None
    if report.location is not None and not sensitive:
        location = coarsen(report.location, policy.location_decimals)
    return ServiceRequest(
        service_request_id=report.reference,
        status="closed" if report.status in ("resolved", "closed", "duplicate") else "open",
        status_notes=status_notes(report, history, words),
        service_name=category.name(language) if category else report.category,
        service_code=report.category,
        description=None if sensitive else report.description,
        agency_responsible=partners.get(report.partner_id or "", agency),
        requested_datetime=report.created_at.astimezone(zone),
        updated_datetime=report.updated_at.astimezone(zone),
        address=None if sensitive or report.area_id is None else areas.get(report.area_id),
        address_id=None if sensitive else report.area_id,
        lat=location.latitude if location else None,
        long=location.longitude if location else None,
    )


def document(requests: Sequence[ServiceRequest]) -> str:
    """The JSON text, every field present (null when unknown), validated on the way out."""
    validated = ServiceRequests.model_validate([r.model_dump() for r in requests])
    return validated.model_dump_json(indent=2)
