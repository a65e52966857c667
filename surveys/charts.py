"""Charts of survey results as PNG bytes (matplotlib, Agg backend, no pyplot state).

Three kinds, each meant to be pasted into a report as it is:

- :func:`question_chart`: one horizontal bar per answer (share of respondents, 95 % interval as
  an error bar), or one bar for the mean of a number question;
- :func:`area_chart`: an index per area, with every hidden area listed as hidden (never as a
  bar: a bar of a hidden area would publish what suppression hides);
- :func:`trend_chart`: indices across every round, with 95 % intervals, each line drawn with
  its own marker and a small sideways offset so none hides another, and every change that is
  significant after the Benjamini-Hochberg adjustment marked.

Titles are the full question or index text (wrapped, never cut). Labels come from the report,
so they are in the report's language; the few words of the axes are below. Text is drawn
literally (no mathtext: a ``$`` in a label stays a ``$``). A figure is built on its own
:class:`~matplotlib.figure.Figure` (not through pyplot), so charts can be drawn from any thread.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from surveys.aggregate import AreaFigures, QuestionFigures, RoundReport
from surveys.stats import Mean, Share
from surveys.trend import Trend, TrendSeries

__all__ = [
    "area_chart",
    "area_figure",
    "question_chart",
    "question_figure",
    "trend_chart",
    "trend_figure",
    "wrap",
]

_BAR = "#3b6ea8"
_HIDDEN = "#8a8a8a"
_ERROR = "#1f2d3d"
_COLOURS = ("#3b6ea8", "#d0743c", "#4f9a5b", "#9b59b6", "#c0392b", "#7f8c8d")
_MARKERS = ("o", "s", "^", "D", "v", "P")
_LINES = ("-", "--", "-.", ":", "-", "--")
_DPI = 110

_WORDS = {
    "en": {
        "share": "% of respondents (95% interval)",
        "mean": "mean",
        "mean_axis": "mean (95% interval)",
        "index_axis": "index (0-100) with 95% interval",
        "hidden": "hidden (too few respondents, or to protect another area)",
        "by_area": "{title}: by area, round #{round}",
        "trend": "{title}: indices in every round",
        "significant": "* significant change from the previous round (Benjamini-Hochberg)",
    },
    "es": {
        "share": "% de quienes respondieron (intervalo del 95%)",
        "mean": "media",
        "mean_axis": "media (intervalo del 95%)",
        "index_axis": "índice (0-100) con intervalo del 95%",
        "hidden": "oculta (pocas respuestas, o para proteger a otra zona)",
        "by_area": "{title}: por zona, ronda n.º {round}",
        "trend": "{title}: índices en cada ronda",
        "significant": "* cambio significativo respecto a la ronda anterior (Benjamini-Hochberg)",
    },
}
"""Axis words per language (question texts and labels come from the survey definition)."""


def _word(language: str, key: str, **params: object) -> str:
    return _WORDS.get(language, _WORDS["en"])[key].format(**params)


def wrap(text: str, width: int) -> str:
    """Break ``text`` into lines of at most ``width`` characters (words are kept whole)."""
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def _literal(texts: Iterable[Text]) -> None:
    for text in texts:
        text.set_parse_math(False)


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    _literal(figure.texts)
    for axes in figure.axes:
        _literal([axes.title, axes.xaxis.label, axes.yaxis.label])
        _literal(axes.get_xticklabels() + axes.get_yticklabels())
        _literal(axes.texts)
        legend = axes.get_legend()
        if legend is not None:
            _literal(legend.get_texts())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight")
    return buffer.getvalue()


def _errors(
    values: Sequence[float], lows: Sequence[float], highs: Sequence[float]
) -> list[list[float]]:
    return [
        [max(0.0, v - low) for v, low in zip(values, lows, strict=True)],
        [max(0.0, high - v) for v, high in zip(values, highs, strict=True)],
    ]


def _percent(share: Share) -> tuple[float, float, float]:
    """(value, low, high) in percent; an empty share is drawn as 0 without an interval."""
    if share.value is None or share.low is None or share.high is None:
        return 0.0, 0.0, 0.0
    return share.value * 100, share.low * 100, share.high * 100


def question_chart(
    figures: QuestionFigures, *, language: str = "en", caption: str = ""
) -> bytes | None:
    """:func:`question_figure` as PNG."""
    figure = question_figure(figures, language=language, caption=caption)
    return None if figure is None else _png(figure)


def question_figure(
    figures: QuestionFigures, *, language: str = "en", caption: str = ""
) -> Figure | None:
    """A bar chart of one question, titled with the whole question (wrapped, never cut);
    None for a question without figures (text, no answers, or hidden because too few
    answered)."""
    if not figures.published or not figures.answered:
        return None
    if not figures.options and figures.mean is None:
        return None
    subtitle = f"n = {figures.answered:,}"
    if figures.mean is not None and figures.mean.value is not None:
        subtitle += f" · {_word(language, 'mean')} {figures.mean.value:.2f}"
        if figures.mean.low is not None and figures.mean.high is not None:
            subtitle += f" ({figures.mean.low:.2f}-{figures.mean.high:.2f})"
    if caption:
        subtitle += f" · {caption}"
    if figures.options:
        labels = [wrap(option.label, 30) for option in figures.options]
        points = [_percent(option.share) for option in figures.options]
        top = max(p[2] for p in points)
        unit, limit = _word(language, "share"), min(100.0, 10.0 * (top * 1.15 // 10 + 1))
    else:
        mean = figures.mean
        assert mean is not None and mean.value is not None
        labels = [_word(language, "mean")]
        low = mean.low if mean.low is not None else mean.value
        high = mean.high if mean.high is not None else mean.value
        points = [(mean.value, low, high)]
        ceiling = figures.scale[1] if figures.scale else max(high, mean.value) * 1.15
        unit, limit = _word(language, "mean_axis"), ceiling or 1.0
    values = [p[0] for p in points]
    lines = sum(label.count("\n") + 1 for label in labels)
    figure = Figure(figsize=(8.0, 1.6 + 0.28 * lines + 0.12 * len(labels)))
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    axes.barh(
        positions,
        values,
        color=_BAR,
        xerr=_errors(values, [p[1] for p in points], [p[2] for p in points]),
        error_kw={"ecolor": _ERROR, "capsize": 3, "linewidth": 1},
    )
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_xlim(0, limit)
    axes.set_xlabel(unit)
    for position, (value, _, high) in zip(positions, points, strict=True):
        text = f"{value:.0f}%" if figures.options else f"{value:.2f}"
        axes.text(min(high, limit * 0.9) + limit * 0.01, position, text, va="center", fontsize=8)
    axes.set_title(f"{wrap(figures.text, 80)}\n{subtitle}", fontsize=10, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def _points(estimate: Mean | Share | None) -> tuple[float, float, float] | None:
    """(value, low, high) on 0-100 (a share_agree index in percent)."""
    if estimate is None or estimate.value is None:
        return None
    scale = 100.0 if isinstance(estimate, Share) else 1.0
    low = estimate.low if estimate.low is not None else estimate.value
    high = estimate.high if estimate.high is not None else estimate.value
    return estimate.value * scale, low * scale, high * scale


def area_chart(report: RoundReport, index_key: str) -> bytes | None:
    """:func:`area_figure` as PNG."""
    figure = area_figure(report, index_key)
    return None if figure is None else _png(figure)


def area_figure(report: RoundReport, index_key: str) -> Figure | None:
    """One index of the round per area: a bar with its interval for each published area, the
    word "hidden" (no bar) for each hidden one; None if the round has no such published index
    or no area breakdown."""
    overall = next((i for i in report.indices if i.key == index_key), None)
    if overall is None or not overall.published or not report.areas:
        return None
    language = report.language
    rows: list[tuple[str, tuple[float, float, float] | None]] = []
    for area in report.areas:
        rows.append((wrap(area.name, 28), _area_point(area, index_key)))
    figure = Figure(figsize=(8.0, 1.6 + 0.36 * len(rows)))
    axes = figure.add_subplot()
    positions = list(range(len(rows)))
    shown = [
        (position, point)
        for position, (_, point) in zip(positions, rows, strict=True)
        if point is not None
    ]
    if shown:
        values = [point[0] for _, point in shown]
        axes.barh(
            [p for p, _ in shown],
            values,
            color=_BAR,
            xerr=_errors(values, [pt[1] for _, pt in shown], [pt[2] for _, pt in shown]),
            error_kw={"ecolor": _ERROR, "capsize": 3, "linewidth": 1},
        )
        for position, (value, _, high) in shown:
            axes.text(min(high, 90) + 1, position, f"{value:.0f}", va="center", fontsize=8)
    for position, (_, hidden) in zip(positions, rows, strict=True):
        if hidden is None:
            axes.text(
                1,
                position,
                _word(language, "hidden"),
                va="center",
                fontsize=8,
                color=_HIDDEN,
                style="italic",
            )
    axes.set_yticks(positions, [name for name, _ in rows])
    axes.set_ylim(len(rows) - 0.4, -0.6)
    axes.set_xlim(0, 100)
    axes.set_xlabel(_word(language, "index_axis"))
    title = _word(language, "by_area", title=overall.title, round=report.summary.round_id)
    axes.set_title(wrap(title, 80), fontsize=10, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def _area_point(area: AreaFigures, index_key: str) -> tuple[float, float, float] | None:
    if area.suppressed:
        return None
    figure = next((i for i in area.indices if i.key == index_key), None)
    return None if figure is None or not figure.published else _points(figure.estimate)


def trend_chart(trend: Trend, series: Sequence[TrendSeries] | None = None) -> bytes | None:
    """:func:`trend_figure` as PNG."""
    figure = trend_figure(trend, series)
    return None if figure is None else _png(figure)


def trend_figure(trend: Trend, series: Sequence[TrendSeries] | None = None) -> Figure | None:
    """Indices (or the given series, on 0-100) across every round of the trend, each line
    with its own colour, marker, dash and sideways offset, a "*" over every change that is
    significant after adjustment; None when there is nothing to draw."""
    chosen = [s for s in trend.series if s.subject == "index"] if series is None else list(series)
    if not chosen or not trend.rounds:
        return None
    language = trend.language
    count = len(chosen)
    figure = Figure(figsize=(8.5, 4.8 + 0.18 * count))
    axes = figure.add_subplot()
    rounds = [f"#{r.round_id}\n{r.opens_at:%Y-%m-%d}" for r in trend.rounds]
    marked = False
    for number, line in enumerate(chosen):
        colour = _COLOURS[number % len(_COLOURS)]
        offset = (number - (count - 1) / 2) * min(0.08, 0.3 / count)
        known = [
            (x + offset, point, p.change is not None and p.change.significant)
            for x, p in enumerate(line.points)
            if (point := _points(p.estimate)) is not None
        ]
        if not known:
            continue
        xs = [x for x, _, _ in known]
        values = [p[0] for _, p, _ in known]
        lows = [p[1] for _, p, _ in known]
        highs = [p[2] for _, p, _ in known]
        axes.errorbar(
            xs,
            values,
            yerr=_errors(values, lows, highs),
            color=colour,
            marker=_MARKERS[number % len(_MARKERS)],
            linestyle=_LINES[number % len(_LINES)],
            capsize=3,
            linewidth=1.6,
            markersize=6,
            label=wrap(line.label, 60),
        )
        for x, point, significant in known:
            if significant:
                marked = True
                axes.annotate(
                    "*",
                    (x, point[2]),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    fontsize=14,
                    color=colour,
                    fontweight="bold",
                )
    axes.set_xticks(range(len(rounds)), rounds, fontsize=8)
    axes.set_xlim(-0.5, len(rounds) - 0.5)
    axes.set_ylim(0, 105)
    axes.set_ylabel(_word(language, "index_axis"))
    title = trend.rounds[-1].title if trend.rounds else trend.survey_key
    axes.set_title(wrap(_word(language, "trend", title=title), 80), fontsize=11, loc="left")
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=1, fontsize=8, frameon=False)
    if marked:
        figure.text(0.01, 0.0, _word(language, "significant"), fontsize=8, ha="left", va="top")
    return figure
