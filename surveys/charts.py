"""Charts of survey results as PNG bytes (matplotlib, Agg backend, no pyplot state).

Two kinds, both meant to be pasted into a report as they are:

- :func:`question_chart`: one horizontal bar per answer (share of respondents, 95 % interval as
  an error bar), or one bar for the mean of a number question;
- :func:`index_trend_chart`: each composite index across rounds (0-100, share_agree indices in
  percent) with its 95 % interval as a band.

Labels come from the report, so they are in the report's language; long ones are wrapped.
A figure is built on its own :class:`~matplotlib.figure.Figure` (not through pyplot), so
charts can be drawn from any thread and nothing leaks between them.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from surveys.aggregate import QuestionFigures, Trend
from surveys.stats import Mean, Share

__all__ = ["index_trend_chart", "question_chart", "wrap"]

_BAR = "#3b6ea8"
_ERROR = "#1f2d3d"
_COLOURS = ("#3b6ea8", "#d0743c", "#4f9a5b", "#9b59b6", "#c0392b", "#7f8c8d")
_DPI = 110

_WORDS = {
    "en": {
        "share": "% of respondents (95% interval)",
        "mean": "mean",
        "mean_axis": "mean (95% interval)",
        "index_axis": "index (0-100) with 95% interval",
    },
    "es": {
        "share": "% de quienes respondieron (intervalo del 95%)",
        "mean": "media",
        "mean_axis": "media (intervalo del 95%)",
        "index_axis": "índice (0-100) con intervalo del 95%",
    },
}
"""Axis words per language (question texts and labels come from the survey definition)."""


def _word(language: str, key: str) -> str:
    return _WORDS.get(language, _WORDS["en"])[key]


def wrap(text: str, width: int) -> str:
    """Break ``text`` into lines of at most ``width`` characters (words are kept whole)."""
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
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
    """A bar chart of one question; None for a question without figures (text, no answers)."""
    if figures.answered == 0 or (not figures.options and figures.mean is None):
        return None
    title = wrap(figures.text, 70)
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
        unit, limit = _word(language, "mean_axis"), max(high, mean.value) * 1.15 or 1.0
    values = [p[0] for p in points]
    lines = sum(label.count("\n") + 1 for label in labels)
    figure = Figure(figsize=(8.0, 1.4 + 0.28 * lines + 0.12 * len(labels)))
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
    axes.set_title(f"{title}\n{subtitle}", fontsize=10, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def _index_points(estimate: Mean | Share | None) -> tuple[float, float, float] | None:
    if estimate is None or estimate.value is None:
        return None
    scale = 100.0 if isinstance(estimate, Share) else 1.0
    low = estimate.low if estimate.low is not None else estimate.value
    high = estimate.high if estimate.high is not None else estimate.value
    return estimate.value * scale, low * scale, high * scale


def index_trend_chart(trend: Trend) -> bytes | None:
    """Every index of the trend across its rounds; None when the survey has no index."""
    series = [s for s in trend.series if s.subject == "index"]
    if not series:
        return None
    figure = Figure(figsize=(8.5, 4.6))
    axes = figure.add_subplot()
    rounds = [f"#{r.round_id}\n{r.opens_at:%Y-%m-%d}" for r in trend.rounds]
    for number, line in enumerate(series):
        colour = _COLOURS[number % len(_COLOURS)]
        known = [
            (x, point)
            for x, p in enumerate(line.points)
            if (point := _index_points(p.estimate)) is not None
        ]
        if not known:
            continue
        xs = [x for x, _ in known]
        values = [p[0] for _, p in known]
        lows = [p[1] for _, p in known]
        highs = [p[2] for _, p in known]
        axes.plot(xs, values, marker="o", color=colour, label=wrap(line.label, 45))
        axes.fill_between(xs, lows, highs, color=colour, alpha=0.18, linewidth=0)
        axes.errorbar(
            xs, values, yerr=_errors(values, lows, highs), fmt="none", ecolor=colour, capsize=3
        )
    axes.set_xticks(range(len(rounds)), rounds, fontsize=8)
    axes.set_xlim(-0.5, len(rounds) - 0.5)
    axes.set_ylim(0, 100)
    axes.set_ylabel(_word(trend.language, "index_axis"))
    title = trend.rounds[-1].title if trend.rounds else trend.survey_key
    axes.set_title(wrap(title, 70), fontsize=11, loc="left")
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1, fontsize=8, frameon=False)
    return _png(figure)
