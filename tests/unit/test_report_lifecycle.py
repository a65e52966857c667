"""The lifecycle rules as one table: every (status, target, actor) and what it yields; the
reference format; distances and rounding."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from surveys.clock import utcnow
from surveys.errors import NotAllowedError, TransitionError
from surveys.reports import lifecycle
from surveys.reports.geo import bounding_box, coarsen, distance_m
from surveys.reports.models import (
    STATUSES,
    Actor,
    Location,
    Report,
    ReportStatus,
    parse_reference,
    reference,
)
from tests.support.reports import MEMBER, OUTSIDER, POLICY, STAFF

RESIDENT = Actor(role="resident", resident_id=1)
ADMIN = Actor(role="admin", user_id=1)
STRANGER_PARTNER = Actor(role="partner", user_id=OUTSIDER, partner_id="council")
OTHER_PARTNER = Actor(role="partner", user_id=502, partner_id="parks")


def _report(
    status: ReportStatus, *, partner: str | None = "council", sensitive: bool = False
) -> Report:
    now = utcnow()
    return Report(
        id=7,
        resident_id=1,
        category="domestic" if sensitive else "lighting",
        sensitive=sensitive,
        area_id="north",
        location=None,
        description="x" * 10,
        contact_ok=False,
        language="en",
        status=status,
        partner_id=partner,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )


OPEN = ("new", "acknowledged", "in_progress", "action_scheduled", "referred")

# (from, to) -> what coordinators may do: "status", "reopened" or None (refused)
STAFF_TABLE: dict[tuple[str, str], str | None] = {}
for _from in STATUSES:
    for _to in STATUSES:
        if _from in OPEN:
            ok = (
                _to != _from
                and _to not in ("new",)
                and not (_to == "acknowledged" and _from != "new")
            )
            STAFF_TABLE[(_from, _to)] = "status" if ok else None
        else:
            STAFF_TABLE[(_from, _to)] = "reopened" if _to == "in_progress" else None


@pytest.mark.parametrize(("from_", "to"), sorted(STAFF_TABLE))
@pytest.mark.parametrize("actor", [STAFF, ADMIN], ids=["coordinator", "admin"])
def test_staff_transitions(from_: ReportStatus, to: ReportStatus, actor: Actor) -> None:
    """If staff move a report, then only lifecycle transitions are allowed, and leaving a
    finished status is a reopening."""
    expected = STAFF_TABLE[(from_, to)]
    if expected is None:
        with pytest.raises(TransitionError):
            lifecycle.check_change(_report(from_), actor, to, POLICY)
    else:
        assert lifecycle.check_change(_report(from_), actor, to, POLICY) == expected


@pytest.mark.parametrize(("from_", "to"), sorted(STAFF_TABLE))
def test_partner_member_transitions(from_: ReportStatus, to: ReportStatus) -> None:
    """If a member of the partner a report is routed to moves it, then they may make every
    staff change except marking a duplicate or reopening."""
    allowed = STAFF_TABLE[(from_, to)] == "status" and to != "duplicate"
    if allowed:
        assert lifecycle.check_change(_report(from_), MEMBER, to, POLICY) == "status"
    else:
        with pytest.raises((TransitionError, NotAllowedError)):
            lifecycle.check_change(_report(from_), MEMBER, to, POLICY)


@pytest.mark.parametrize(
    ("actor", "report"),
    [
        (STRANGER_PARTNER, _report("new")),
        (OTHER_PARTNER, _report("new")),
        (MEMBER, _report("new", partner=None)),
        (MEMBER, _report("new", partner="parks")),
        (MEMBER, _report("new", sensitive=True)),
        (RESIDENT, _report("new")),
        (Actor(role="system"), _report("new")),
    ],
    ids=[
        "non-member",
        "other-partner",
        "unrouted",
        "routed-elsewhere",
        "sensitive",
        "resident",
        "system",
    ],
)
def test_who_may_not_act(actor: Actor, report: Report) -> None:
    """If someone who is neither staff nor a member of the report's partner acts, then it is
    refused, for status changes and notes alike."""
    with pytest.raises(NotAllowedError):
        lifecycle.check_change(report, actor, "in_progress", POLICY)
    with pytest.raises(NotAllowedError):
        lifecycle.check_note(report, actor, POLICY)


def test_allowed_targets_are_in_lifecycle_order() -> None:
    """If a card lists the buttons, then it offers exactly the allowed targets in order."""
    assert lifecycle.allowed_targets(_report("new"), STAFF, POLICY) == [
        "acknowledged",
        "in_progress",
        "action_scheduled",
        "referred",
        "resolved",
        "closed",
        "duplicate",
    ]
    assert lifecycle.allowed_targets(_report("in_progress"), MEMBER, POLICY) == [
        "action_scheduled",
        "referred",
        "resolved",
        "closed",
    ]
    assert lifecycle.allowed_targets(_report("resolved"), STAFF, POLICY) == ["in_progress"]
    assert lifecycle.allowed_targets(_report("resolved"), MEMBER, POLICY) == []


def test_overdue_moment_per_category() -> None:
    """If a report is open, then it is overdue after its category's time; closed never."""
    report = _report("acknowledged")
    assert lifecycle.overdue_since(report, POLICY) == report.last_activity_at + timedelta(days=2)
    assert not lifecycle.is_overdue(report, POLICY, report.last_activity_at + timedelta(days=1))
    assert lifecycle.is_overdue(report, POLICY, report.last_activity_at + timedelta(days=2))
    assert lifecycle.overdue_since(_report("resolved"), POLICY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("R-000123", 123), ("r-123", 123), ("#42", 42), (" 7 ", 7), ("R-0", None), ("abc", None)],
)
def test_references(text: str, expected: int | None) -> None:
    """If a reference is typed in any usual form, then it reads back to the report id."""
    assert parse_reference(text) == expected
    if expected is not None:
        assert parse_reference(reference(expected)) == expected


def test_distance_and_box() -> None:
    """If two points are 0.001 degrees of latitude apart, then they are about 111 m apart, and
    every point within a radius lies inside its bounding box."""
    a = Location(latitude=40.0, longitude=-3.0)
    b = Location(latitude=40.001, longitude=-3.0)
    assert math.isclose(distance_m(a, b), 111.2, rel_tol=0.01)
    min_lat, max_lat, min_lon, max_lon = bounding_box(a, 500)
    for bearing in range(0, 360, 15):
        rad = math.radians(bearing)
        point = Location(
            latitude=40.0 + 0.0044 * math.cos(rad),
            longitude=-3.0 + 0.0044 * math.sin(rad) / math.cos(math.radians(40)),
        )
        if distance_m(a, point) <= 500:
            assert min_lat <= point.latitude <= max_lat and min_lon <= point.longitude <= max_lon


def test_coarsen() -> None:
    """If a location is exported, then it keeps only the configured decimals."""
    assert coarsen(Location(latitude=40.416812, longitude=-3.703791), 3) == Location(
        latitude=40.417, longitude=-3.704
    )
