"""What reporters and followers receive, rendered per language as the delivery worker does; the
follow-up's words from the report-followup survey; every report error explained in the
catalogue with the parameters it carries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.keyboards import FollowupPress, decode, outbox_keyboard
from bot.report_messages import ReportOutbox
from bot.texts import Catalogue, placeholders
from surveys import errors
from surveys.registry import SurveyRegistry
from surveys.reports.desk import PlannedEntry
from surveys.reports.models import Report
from surveys.store import Store
from tests.support.reports import POLICY

TEXTS = Catalogue.load(["en", "es"])
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _report(**changes: object) -> Report:
    base = Report(
        id=42,
        resident_id=1,
        category="lighting",
        sensitive=False,
        area_id="north",
        location=None,
        description="The lamp is out",
        contact_ok=True,
        language="en",
        status="resolved",
        created_at=NOW,
        updated_at=NOW,
        last_activity_at=NOW,
    )
    return base.model_copy(update=changes)


@pytest.fixture
async def outbox(tmp_path: Path) -> ReportOutbox:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.close()
    registry = SurveyRegistry(store, ["en", "es"])
    return ReportOutbox(TEXTS, registry, POLICY, ZoneInfo("Europe/Madrid"))


def test_status_update_in_each_language(outbox: ReportOutbox) -> None:
    """If a report is resolved with a note, then each recipient reads the status, what it
    means and the note in their language, with the history button; never the category."""
    message = outbox.update(
        _report(), PlannedEntry(kind="status", to_status="resolved", note="New bulb <b>fitted</b>")
    )
    english, spanish = TEXTS.render("en", message), TEXTS.render("es", message)
    assert "R-000042" in english and "Resolved" in english and "marked as fixed" in english
    assert "New bulb &lt;b&gt;fitted&lt;/b&gt;" in english  # staff text is data, never markup
    assert "Resuelto" in spanish and "Se ha marcado como resuelto" in spanish
    assert "Street lighting" not in english and "Alumbrado" not in spanish
    keyboard = outbox_keyboard(TEXTS, "es", message, TEXTS.params_of("es", message))
    assert keyboard is not None
    assert keyboard.inline_keyboard[0][0].text == "Ver su historial"


@pytest.mark.parametrize(
    ("entry", "english", "spanish"),
    [
        (
            PlannedEntry(kind="status", to_status="closed", reason="not_responsible"),
            "Another organisation is responsible",
            "Otra organización es responsable",
        ),
        (
            PlannedEntry(kind="status", to_status="duplicate", duplicate_of=7),
            "same problem as R-000007",
            "mismo problema que el R-000007",
        ),
        (
            PlannedEntry(kind="reopened", to_status="in_progress"),
            "reopened and is being looked at again",
            "Se ha reabierto",
        ),
        (
            PlannedEntry(kind="note", to_status="in_progress", note="Crew on Friday"),
            "News about your report <b>R-000042</b>:\nCrew on Friday",
            "Novedades sobre su aviso <b>R-000042</b>:\nCrew on Friday",
        ),
    ],
)
def test_reasons_duplicates_reopenings_and_notes(
    outbox: ReportOutbox, entry: PlannedEntry, english: str, spanish: str
) -> None:
    """If a report is closed, merged, reopened or gets a note, then the message says so in
    plain words in each language."""
    message = outbox.update(_report(), entry)
    assert english in TEXTS.render("en", message)
    assert spanish in TEXTS.render("es", message)


def test_followup_uses_the_survey_words(outbox: ReportOutbox) -> None:
    """If a follow-up is queued, then its title, intro, question and one-tap answers come from
    the report-followup survey, and each answer button carries the report and its cycle."""
    message = outbox.followup(_report(reopen_count=2))
    english, spanish = TEXTS.render("en", message), TEXTS.render("es", message)
    assert "Follow-up on your report" in english and "Has this problem been fixed?" in english
    assert "Street lighting, 2026-03-01" in english
    assert "¿Se ha resuelto este problema?" in spanish and "Alumbrado" in spanish
    keyboard = outbox_keyboard(TEXTS, "es", message, TEXTS.params_of("es", message))
    assert keyboard is not None
    buttons = keyboard.inline_keyboard[0]
    assert [b.text for b in buttons] == ["Sí", "No", "No lo sé"]
    assert decode(buttons[1].callback_data) == FollowupPress(42, 2, "no")  # type: ignore[arg-type]


SAMPLES: list[errors.ReportError] = [
    errors.ReportLimitError("x", limit=5, retry_at=NOW, hours=3),
    errors.DescriptionLengthError("x", min=10, max=3000, length=4),
    errors.NoteLengthError("x", max=1000, length=0),
    errors.TooManyPhotosError("x", max=3),
    errors.UnexpectedInputError("x", step="category"),
    errors.UnknownCategoryError("x"),
    errors.UnknownReportError("R-000001"),
    errors.TransitionError("x", reference="R-000001", status="new", to="new"),
    errors.ReasonRequiredError("x"),
    errors.NotAllowedError("x"),
    errors.RoutingError("x", reference="R-000001"),
    errors.DuplicateTargetError("x", reference="R-000001"),
    errors.ReportError("x"),
]


def test_every_report_error_has_its_message() -> None:
    """If a report error is raised, then the catalogue explains its code in every language
    with placeholders the error fills (so the error handler never fails on it)."""
    classes = {type(sample) for sample in SAMPLES}
    every = {errors.ReportError, *errors.ReportError.__subclasses__()}
    assert every <= classes
    for sample in SAMPLES:
        for language in TEXTS.languages:
            template = TEXTS.section(language, "error_")[f"error_{sample.code}"]
            assert placeholders(template) <= set(sample.params), sample.code
            assert TEXTS.get(language, f"error_{sample.code}", **sample.params)
