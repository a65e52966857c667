"""Charts of the report figures: drawn only from published figures, hidden groups named but
never drawn as bars; `export reports --charts` writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from surveys.reports.charts import count_figure, report_charts
from surveys.reports.figures import compute
from surveys.store.reports import FigureInputs, ReportTiming

AT = datetime(2026, 3, 1, tzinfo=UTC)


def _inputs(n: int) -> FigureInputs:
    timing = ReportTiming(
        created_at=AT - timedelta(days=10),
        acknowledged_at=AT - timedelta(days=9),
        resolved_at=AT - timedelta(days=8),
        reopen_count=0,
    )
    return FigureInputs(
        by_category={"lighting": n - 1, "domestic": 1},
        by_area={"north": n - 2, "south": 1},
        by_status={"resolved": n},
        supporters=0,
        timings=(timing,) * n,
    )


def test_hidden_groups_are_named_never_drawn() -> None:
    """If a group is hidden, then it has no bar and no tick label, and the note names it."""
    figure = count_figure(
        {"north": 12},
        "Reports by area",
        {"north": "North", "south": "South"},
        "en",
        hidden=("south",),
        min_group_size=5,
    )
    [axes] = figure.axes
    assert [t.get_text() for t in axes.get_yticklabels()] == ["North"]
    assert len(axes.patches) == 1
    notes = [t.get_text() for t in figure.texts]
    assert any("South" in note and "fewer than 5" in note for note in notes)


def test_charts_only_from_published_figures() -> None:
    """If the figures are published, then the four charts are PNGs; if withheld, none."""
    labels = {"status": {"resolved": "Resolved"}, "category": {}, "area": {}}
    published = compute(_inputs(12), min_group_size=5, within_days=7, at=AT)
    charts = report_charts(published, "es", labels)
    assert sorted(charts) == ["by-area", "by-category", "by-status", "timing"]
    assert all(png.startswith(b"\x89PNG") for png in charts.values())
    withheld = compute(_inputs(3), min_group_size=5, within_days=7, at=AT)
    assert report_charts(withheld, "en", labels) == {}
