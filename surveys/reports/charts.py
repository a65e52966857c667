"""Charts of the report figures as PNG bytes (matplotlib, Agg backend, no pyplot state).

- :func:`count_chart`: one horizontal bar per status, category or area, each hidden group
  listed as hidden below the bars (never drawn: a bar would publish what suppression hides);
- :func:`timing_chart`: the median hours to acknowledge and to resolve, each with its n, and
  the share resolved within N days and the reopen rate as words under it.

Nothing is drawn when the figures are withheld (fewer reports than the minimum group size):
:func:`report_charts` then returns no chart at all. Labels (statuses, categories, areas) come
from the caller in the export's language; the few words of the axes are below. A figure is
built on its own :class:`~matplotlib.figure.Figure`, so charts can be drawn from any thread.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from surveys.reports.figures import Breakdown, ReportFigures

__all__ = ["count_chart", "count_figure", "report_charts", "timing_chart"]

_BAR = "#3b6ea8"
_HIDDEN = "#8a8a8a"
_DPI = 110

_WORDS = {
    "en": {
        "reports": "reports",
        "hidden": "hidden (fewer than {k} reports, or to protect another group): {groups}",
        "status": "Concern reports by status",
        "category": "Concern reports by category",
        "area": "Concern reports by area (sensitive categories not counted)",
        "timing": "How fast the partnership acts on concern reports",
        "hours": "median hours",
        "acknowledge": "to acknowledge (n={n})",
        "resolve": "to resolve (n={n})",
        "withheld": "withheld: fewer than {k} reports",
        "within": "resolved within {days} days: {share}",
        "reopen": "reopened after being resolved: {share}",
    },
    "es": {
        "reports": "avisos",
        "hidden": "ocultos (menos de {k} avisos, o para proteger a otro grupo): {groups}",
        "status": "Avisos de vecinos por estado",
        "category": "Avisos de vecinos por categoría",
        "area": "Avisos de vecinos por barrio (sin las categorías sensibles)",
        "timing": "Con qué rapidez actúa la asociación ante los avisos",
        "hours": "horas (mediana)",
        "acknowledge": "hasta el acuse (n={n})",
        "resolve": "hasta la resolución (n={n})",
        "withheld": "no publicado: menos de {k} avisos",
        "within": "resueltos en {days} días: {share}",
        "reopen": "reabiertos tras resolverse: {share}",
    },
}


def _word(language: str, key: str, **params: object) -> str:
    return _WORDS.get(language, _WORDS["en"])[key].format(**params)


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight")
    return buffer.getvalue()


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def count_chart(
    counts: Mapping[str, int],
    title: str,
    labels: Mapping[str, str],
    language: str,
    *,
    hidden: tuple[str, ...] = (),
    min_group_size: int = 1,
) -> bytes:
    """:func:`count_figure` as PNG bytes."""
    return _png(
        count_figure(counts, title, labels, language, hidden=hidden, min_group_size=min_group_size)
    )


def count_figure(
    counts: Mapping[str, int],
    title: str,
    labels: Mapping[str, str],
    language: str,
    *,
    hidden: tuple[str, ...] = (),
    min_group_size: int = 1,
) -> Figure:
    """One bar per published group (in the given order); hidden groups named below."""
    names = [_wrap(labels.get(group, group or "–"), 28) for group in counts]
    values = list(counts.values())
    figure = Figure(figsize=(7.5, 1.2 + 0.45 * max(1, len(values))))
    axes = figure.add_subplot()
    positions = list(range(len(values)))[::-1]
    axes.barh(positions, values, color=_BAR)
    axes.set_yticks(positions, names)
    for position, value in zip(positions, values, strict=True):
        axes.annotate(
            str(value), (value, position), xytext=(3, 0), textcoords="offset points", va="center"
        )
    axes.set_xlabel(_word(language, "reports"))
    axes.set_title(_wrap(title, 70), loc="left")
    if hidden:
        groups = ", ".join(labels.get(group, group or "–") for group in hidden)
        figure.text(
            0.01, -0.02, _wrap(_word(language, "hidden", k=min_group_size, groups=groups), 100),
            color=_HIDDEN, fontsize=9, va="top",
        )  # fmt: skip
    for text in (*axes.get_yticklabels(), axes.title):
        text.set_parse_math(False)  # a "$" in a category name stays a "$"
    return figure


def timing_chart(figures: ReportFigures, language: str) -> bytes:
    """Median hours to acknowledge and to resolve (withheld ones say so), then the shares."""
    k = figures.min_group_size
    rows = []
    for key, figure_ in (("acknowledge", figures.acknowledge), ("resolve", figures.resolve)):
        label = _word(language, key, n=figure_.n if figure_.n is not None else "–")
        rows.append((label, figure_.median_hours))
    figure = Figure(figsize=(7.5, 2.8))
    axes = figure.add_subplot()
    positions = [1, 0]
    axes.barh(positions, [value or 0.0 for _, value in rows], color=_BAR)
    axes.set_yticks(positions, [label for label, _ in rows])
    for position, (_, value) in zip(positions, rows, strict=True):
        text = f"{value:.1f}" if value is not None else _word(language, "withheld", k=k)
        axes.annotate(
            text, (value or 0.0, position), xytext=(3, 0), textcoords="offset points", va="center"
        )
    axes.set_xlabel(_word(language, "hours"))
    axes.set_title(_wrap(_word(language, "timing"), 70), loc="left")
    lines = []
    for key, rate, extra in (
        ("within", figures.resolved_within, {"days": figures.resolved_within_days}),
        ("reopen", figures.reopen, {}),
    ):
        share = (
            f"{rate.share:.0%} ({rate.count}/{rate.n})"
            if rate.share is not None
            else _word(language, "withheld", k=k)
        )
        lines.append(_word(language, key, share=share, **extra))
    figure.text(0.01, -0.05, "\n".join(lines), fontsize=9, va="top")
    return _png(figure)


def report_charts(
    figures: ReportFigures, language: str, labels: Mapping[str, Mapping[str, str]]
) -> dict[str, bytes]:
    """Every chart of the figures by name (``by-status``, ``by-category``, ``by-area``,
    ``timing``); none when the figures are withheld. ``labels`` maps ``status``,
    ``category`` and ``area`` to the display name of each group."""
    if figures.withheld:
        return {}
    k = figures.min_group_size
    charts = {
        "by-status": count_chart(
            figures.by_status, _word(language, "status"), labels.get("status", {}), language
        )
    }
    for name, breakdown in (("category", figures.by_category), ("area", figures.by_area)):
        charts[f"by-{name}"] = _breakdown(breakdown, name, labels.get(name, {}), language, k)
    charts["timing"] = timing_chart(figures, language)
    return charts


def _breakdown(
    breakdown: Breakdown, name: str, labels: Mapping[str, str], language: str, k: int
) -> bytes:
    return count_chart(
        breakdown.published,
        _word(language, name),
        labels,
        language,
        hidden=breakdown.suppressed,
        min_group_size=k,
    )
