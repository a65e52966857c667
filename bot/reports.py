"""Round reports as short chat text: headlines for coordinators, digests for residents.

Only aggregates reach this module (:mod:`surveys.aggregate` has already suppressed small
groups), and a withheld round shows no answer-derived figure at all.
"""

from __future__ import annotations

import html

from bot.texts import Catalogue
from surveys.aggregate import IndexFigure, QuestionFigures, RoundReport
from surveys.stats import Mean, Share

TOP_OPTIONS = 3


def _number(value: float, percent: bool) -> str:
    return f"{value * 100:.0f}%" if percent else f"{value:.0f}"


def estimate_text(texts: Catalogue, language: str, estimate: Mean | Share) -> str:
    """``62 (57–67, n=120)`` for a 0-100 mean, ``48% (41%–55%, n=120)`` for a share."""
    percent = isinstance(estimate, Share)
    if estimate.value is None:
        return "–"
    value = _number(estimate.value, percent)
    if estimate.low is None or estimate.high is None:
        return f"{value} (n={estimate.n})"
    return texts.get(
        language,
        "results_interval",
        value=value,
        low=_number(estimate.low, percent),
        high=_number(estimate.high, percent),
        n=estimate.n,
    )


def index_lines(
    texts: Catalogue, language: str, indices: list[IndexFigure], *, html_out: bool = True
) -> list[str]:
    """One line per composite index; ``html_out=False`` leaves labels unescaped."""
    render = texts.get if html_out else texts.raw
    return [
        render(
            language,
            "results_line",
            label=index.title,
            value=estimate_text(texts, language, index.estimate),
        )
        for index in indices
    ]


def top_option_lines(
    texts: Catalogue, language: str, question: QuestionFigures, *, html_out: bool = True
) -> list[str]:
    """The most chosen answers of a multiple-choice question (e.g. the concerns)."""
    render = texts.get if html_out else texts.raw
    ranked = sorted(question.options, key=lambda o: -(o.share.value or 0))[:TOP_OPTIONS]
    return [
        render(
            language,
            "results_line",
            label=option.label,
            value=estimate_text(texts, language, option.share),
        )
        for option in ranked
        if option.share.value
    ]


def _withheld(status: str) -> str:
    """Why no figure is shown: not yet (still open), or not at all (closed, too few)."""
    return "results_withheld" if status == "open" else "results_withheld_closed"


def headline(texts: Catalogue, language: str, report: RoundReport) -> str:
    """Process figures, then the indices (or why they are withheld)."""
    summary = report.summary
    rate = (
        estimate_text(texts, language, summary.response_rate)
        if summary.response_rate is not None
        else texts.get(language, "rate_unknown")
    )
    text = texts.raw(
        language,
        "results_round",
        round=summary.round_id,
        title=html.escape(summary.title, quote=False),
        status=texts.get(language, f"status_{summary.status}"),
        invited=summary.invited,
        delivered=summary.delivered,
        completed=summary.completed if summary.completed is not None else "–",
        rate=rate,
    )
    if summary.withheld:
        return (
            text + "\n" + texts.get(language, _withheld(summary.status), min=report.min_group_size)
        )
    return "\n".join([text, *index_lines(texts, language, report.indices)])


def digest_results(texts: Catalogue, language: str, report: RoundReport) -> str:
    """What residents are told about a closed round: indices and their top concerns.

    Plain text (not HTML): it becomes a parameter of the ``digest`` message, escaped there.
    """
    if report.summary.withheld:
        return texts.raw(language, _withheld(report.summary.status), min=report.min_group_size)
    lines = index_lines(texts, language, report.indices, html_out=False)
    for question in report.questions:
        if question.type == "multi":
            lines += top_option_lines(texts, language, question, html_out=False)
            break
    return "\n".join(lines)
