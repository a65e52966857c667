"""Report exports: the Open311 document field by field against the spec's models, CSV and
XLSX with history and follower counts, privacy (no Telegram ids or names, sensitive reports
without place or text, rounded locations) and resident text written as text."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from surveys.reports.export import ReportExportRequest, export_reports, safe_text
from surveys.reports.models import Actor, Location
from surveys.reports.open311 import ServiceRequest, ServiceRequests, StatusWords
from surveys.store import Store
from tests.support.reports import POLICY, make_report, onboarded, open_store, services

ZONE = ZoneInfo("Europe/Madrid")
STAFF_ID = 48_151_623
STAFF = Actor(role="coordinator", user_id=STAFF_ID)
RESIDENT_IDS = (712_345_601, 712_345_602, 712_345_603, 712_345_604)
SPEC_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
EXACT = Location(latitude=40.416812, longitude=-3.703791)
INJECTION = '=HYPERLINK("http://evil.example","click")\x07 and more'


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(tmp_path / "db.sqlite3")
    drafting, desk = services(store)
    ana, ben, cai, dee = [await onboarded(store, tid) for tid in RESIDENT_IDS]
    lit = await make_report(drafting, ana, location=EXACT, photos=("AgAC-photo",))
    await store.reports.follow(lit.id, ben.id, draft_id=None)
    await desk.change(STAFF, lit.id, "resolved", note="New bulb fitted.")
    secret = await make_report(
        drafting, cai, category="domestic", location=EXACT, description="My neighbour Ana hits"
    )
    await desk.change(STAFF, secret.id, "acknowledged", note="We will call you.")
    litter = await make_report(drafting, dee, category="litter", description=INJECTION)
    await desk.change(STAFF, litter.id, "closed", reason="not_responsible")
    dup = await make_report(drafting, dee, description="Lamp out near the plaza again")
    await desk.change(STAFF, dup.id, "duplicate", duplicate_of=lit.reference)
    yield store
    await store.close()


def _request(out: Path, fmt: str) -> ReportExportRequest:
    return ReportExportRequest(
        out=out,
        format=fmt,  # type: ignore[arg-type]
        policy=POLICY,
        language="en",
        zone=ZONE,
        agency="Riverside Partnership",
        min_group_size=1,
        words=StatusWords(reasons={"not_responsible": "Another body is responsible."}),
    )


def _assert_private(text: str) -> None:
    for number in (*RESIDENT_IDS, STAFF_ID):
        assert str(number) not in text
    assert "Ana hits" not in text and "AgAC-photo" not in text


async def test_open311_document_field_by_field(store: Store, tmp_path: Path) -> None:
    """If reports are exported as Open311, then the document is a JSON array of objects with
    exactly the spec's fields, each mapped as documented, and it validates against the spec's
    models."""
    out = tmp_path / "requests.json"
    result = await export_reports(store, _request(out, "open311"))
    assert result.files == [out] and result.reports == 4
    text = out.read_text()
    _assert_private(text)
    data = json.loads(text)
    ServiceRequests.model_validate(data)
    assert [set(item) for item in data] == [SPEC_FIELDS] * 4
    lit, secret, litter, dup = data
    assert lit["service_request_id"] == "R-000001" and lit["status"] == "closed"
    assert lit["status_notes"] == "New bulb fitted."
    assert (lit["service_code"], lit["service_name"]) == ("lighting", "Street lighting")
    assert lit["description"].startswith("The street light")
    assert lit["agency_responsible"] == "City Council"
    assert (lit["address"], lit["address_id"]) == ("North", "north")
    assert (lit["lat"], lit["long"]) == (40.417, -3.704)
    for key in ("zipcode", "media_url", "expected_datetime", "service_notice"):
        assert lit[key] is None
    for key in ("requested_datetime", "updated_datetime"):
        moment = datetime.fromisoformat(lit[key])
        assert moment.utcoffset() is not None and moment.tzinfo is not None
        assert lit[key][-6:] in ("+01:00", "+02:00")  # Madrid's offset
    assert datetime.fromisoformat(lit["updated_datetime"]) >= datetime.fromisoformat(
        lit["requested_datetime"]
    )
    assert secret["status"] == "open" and secret["service_code"] == "domestic"
    for key in ("description", "address", "address_id", "lat", "long"):
        assert secret[key] is None
    assert secret["agency_responsible"] == "Riverside Partnership"
    assert litter["status"] == "closed"
    assert litter["status_notes"] == "Another body is responsible."
    assert dup["status"] == "closed" and dup["status_notes"] == "Duplicate of R-000001"


def test_spec_model_refuses_extra_fields_and_bad_values() -> None:
    """If a request carries a field outside the spec, a status other than open/closed, or a
    time without an offset, then the spec's model refuses it."""
    base = {"service_request_id": "R-000001", "status": "open"}
    ServiceRequest.model_validate(base)
    for bad in (
        {**base, "telegram_user_id": 5},
        {**base, "status": "resolved"},
        {**base, "requested_datetime": "2026-03-01T10:00:00"},
        {**base, "lat": 91},
    ):
        with pytest.raises(ValueError):
            ServiceRequest.model_validate(bad)


async def test_csv_zip_has_history_area_followers(store: Store, tmp_path: Path) -> None:
    """If reports are exported as a CSV zip, then it holds reports (with area, follower and
    photo counts, rounded locations), history (roles, never ids) and figures; resident text
    that looks like a formula is written as text."""
    out = tmp_path / "reports.zip"
    await export_reports(store, _request(out, "csv"))
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["figures.csv", "history.csv", "reports.csv"]
        texts = {name: archive.read(name).decode() for name in archive.namelist()}
    for text in texts.values():
        _assert_private(text)
    reports = list(csv.DictReader(io.StringIO(texts["reports.csv"])))
    lit, secret, litter, dup = reports
    assert (lit["area_id"], lit["area"], lit["followers"], lit["photos"]) == (
        "north",
        "North",
        "2",
        "1",
    )
    assert (lit["latitude"], lit["longitude"]) == ("40.417", "-3.704")
    assert lit["hours_to_resolve"] != "" and lit["status"] == "resolved"
    assert (secret["area"], secret["latitude"], secret["description"]) == (
        "(withheld)",
        "",
        "(withheld)",
    )
    assert litter["description"].startswith("'=HYPERLINK(") and "\x07" not in litter["description"]
    assert litter["close_reason"] == "not_responsible"
    assert dup["duplicate_of"] == "R-000001"
    history = list(csv.DictReader(io.StringIO(texts["history.csv"])))
    assert {row["actor_role"] for row in history} == {"resident", "system", "coordinator"}
    assert [row["kind"] for row in history if row["reference"] == "R-000001"] == [
        "submitted",
        "routed",
        "status",
    ]
    figures = list(csv.DictReader(io.StringIO(texts["figures.csv"])))
    assert {"figure": "total", "group": "", "value": "4", "n": "", "note": ""} in figures


async def test_csv_folder(store: Store, tmp_path: Path) -> None:
    """If the output is not a .zip, then the three files go into that folder."""
    out = tmp_path / "export"
    result = await export_reports(store, _request(out, "csv"))
    assert sorted(p.name for p in result.files) == ["figures.csv", "history.csv", "reports.csv"]


async def test_xlsx_sheets_and_text_cells(store: Store, tmp_path: Path) -> None:
    """If reports are exported as XLSX, then the README, reports, history and figures sheets
    are there, times are real date-times and no cell is a formula."""
    out = tmp_path / "reports.xlsx"
    await export_reports(store, _request(out, "xlsx"))
    book = load_workbook(out)
    assert book.sheetnames == ["README", "reports", "history", "figures"]
    sheet = book["reports"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    assert len(rows) == 4
    assert isinstance(rows[0]["submitted_at"], datetime)
    assert rows[2]["description"].startswith("'=HYPERLINK(")
    every = [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row if cell.value]
    assert all(cell.data_type != "f" for cell in every)
    _assert_private(" ".join(str(cell.value) for cell in every))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("bell\x07 ok", "bell ok"),
        ("plain", "plain"),
    ],
)
def test_safe_text(text: str, expected: str) -> None:
    """If text starts like a formula or holds control characters, then it is neutralised."""
    assert safe_text(text) == expected
