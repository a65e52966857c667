"""Results as chat text: headlines for coordinators, digests for residents, the summary of a
closed round, and the method note that travels with every export.

Only publishable figures reach this module (:mod:`surveys.aggregate` and
:mod:`surveys.participation` have already hidden every figure resting on fewer than
``privacy.min_group_size`` people); a hidden figure is shown as hidden, never as a number.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING

from bot.texts import Catalogue
from surveys.participation import Participation, participation
from surveys.stats import Mean, Share

if TYPE_CHECKING:
    from surveys.aggregate import IndexFigure, QuestionFigures, RoundReport
    from surveys.export import MethodFacts
    from surveys.models import RoundProgress

TOP_OPTIONS = 3


def _number(value: float, percent: bool) -> str:
    return f"{value * 100:.0f}%" if percent else f"{value:.0f}"


def _percent(value: float | None, texts: Catalogue, language: str, k: int) -> str:
    return texts.get(language, "hidden_figure", min=k) if value is None else f"{value:.0%}"


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
    texts: Catalogue,
    language: str,
    indices: list[IndexFigure],
    min_group_size: int,
    *,
    html_out: bool = True,
) -> list[str]:
    """One line per composite index (hidden ones say so); ``html_out=False`` leaves labels
    unescaped."""
    render = texts.get if html_out else texts.raw
    return [
        render(
            language,
            "results_line",
            label=index.title,
            value=texts.raw(language, "hidden_figure", min=min_group_size)
            if index.estimate is None
            else estimate_text(texts, language, index.estimate),
        )
        for index in indices
    ]


def top_option_lines(
    texts: Catalogue, language: str, question: QuestionFigures, *, html_out: bool = True
) -> list[str]:
    """The most chosen answers of a multiple-choice question (e.g. the concerns)."""
    if not question.published:
        return []
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


def _count(value: int | None, texts: Catalogue, language: str, k: int) -> str:
    return texts.get(language, "hidden_figure", min=k) if value is None else str(value)


def participation_params(
    texts: Catalogue, language: str, figures: Participation, k: int
) -> dict[str, str]:
    """The counts and rates of a round as message parameters, hidden ones as "hidden"."""
    return {
        "invited": _count(figures.invited, texts, language, k),
        "delivered": _count(figures.delivered, texts, language, k),
        "started": _count(figures.started, texts, language, k),
        "completed": _count(figures.completed, texts, language, k),
        "partial": _count(figures.partial, texts, language, k),
        "rr1": _percent(figures.rr1, texts, language, k),
        "rr2": _percent(figures.rr2, texts, language, k),
    }


def headline(texts: Catalogue, language: str, report: RoundReport) -> str:
    """Participation, then the indices (or why they are withheld)."""
    summary, k = report.summary, report.min_group_size
    figures = Participation(
        invited=summary.invited,
        delivered=summary.delivered,
        started=summary.started,
        completed=summary.completed,
        partial=summary.partial,
        rr1=None if summary.rr1 is None else summary.rr1.value,
        rr2=None if summary.rr2 is None else summary.rr2.value,
        withheld=summary.withheld,
    )
    params = participation_params(texts, language, figures, k)
    rate = (
        texts.get(language, "results_rates", rr1=params["rr1"], rr2=params["rr2"])
        if summary.rr1 is not None
        else texts.get(language, "rate_unknown")
    )
    text = texts.raw(
        language,
        "results_round",
        round=summary.round_id,
        title=html.escape(summary.title, quote=False),
        status=texts.get(language, f"status_{summary.status}"),
        invited=params["invited"],
        delivered=params["delivered"],
        completed=params["completed"],
        partial=params["partial"],
        rate=rate,
    )
    if summary.withheld:
        return text + "\n" + texts.get(language, _withheld(summary.status), min=k)
    return "\n".join([text, *index_lines(texts, language, report.indices, k)])


def results_note(texts: Catalogue, language: str, min_group_size: int) -> str:
    """The one-line method note under ``/results``."""
    return texts.get(language, "results_note", min=min_group_size)


def digest_results(texts: Catalogue, language: str, report: RoundReport) -> str:
    """What residents are told about a closed round: indices and their top concerns.

    Plain text (not HTML): it becomes a parameter of the ``digest`` message, escaped there.
    """
    k = report.min_group_size
    if report.summary.withheld:
        return texts.raw(language, _withheld(report.summary.status), min=k)
    lines = index_lines(texts, language, report.indices, k, html_out=False)
    for question in report.questions:
        if question.question_class.picks_several:
            lines += top_option_lines(texts, language, question, html_out=False)
            break
    return "\n".join(lines)


def round_summary(
    texts: Catalogue,
    language: str,
    *,
    round_id: int,
    title: str,
    progress: RoundProgress,
    min_group_size: int,
) -> str:
    """The message staff receive when a round closes."""
    figures = participation(progress, min_group_size)
    return texts.get(
        language,
        "round_summary",
        round=round_id,
        title=title,
        **participation_params(texts, language, figures, min_group_size),
    )


def participation_line(progress: RoundProgress, min_group_size: int) -> str:
    """One plain line for ``feedbackbot rounds show`` (the CLI speaks English)."""
    figures = participation(progress, min_group_size)

    def shown(value: int | float | None, percent: bool = False) -> str:
        if value is None:
            return f"hidden (<{min_group_size})"
        return f"{value:.0%}" if percent else str(value)

    return (
        f"invited {shown(figures.invited)}, delivered {shown(figures.delivered)}, "
        f"started {shown(figures.started)}, completed {shown(figures.completed)}, "
        f"partial {shown(figures.partial)}, response rate RR1 {shown(figures.rr1, True)}, "
        f"RR2 {shown(figures.rr2, True)} (AAPOR)"
    )


def method_note(texts: Catalogue, facts: MethodFacts) -> list[str]:
    """The method note of an export, in its language: title first, then one paragraph each."""
    lang = facts.language
    raw = texts.raw
    rounds = ", ".join(f"#{r}" for r in facts.raw_rounds)
    lines = [
        raw(lang, "method_title", title=facts.title),
        raw(lang, "method_panel"),
        raw(lang, "method_intervals"),
    ]
    if facts.clipped:
        lines.append(raw(lang, "method_clipped"))
    lines.append(raw(lang, "method_weighted" if facts.weighted else "method_unweighted"))
    lines.append(
        raw(
            lang,
            "method_privacy",
            min=facts.min_group_size,
            areas=facts.hidden_areas,
            figures=facts.hidden_figures,
        )
    )
    lines.append(
        raw(
            lang,
            "method_tests",
            tests=facts.tests,
            method=facts.multiple_testing,
            significant=facts.significant,
            alpha=f"{facts.alpha:.0%}",
        )
    )
    lines.append(raw(lang, "method_rates"))
    if facts.raw_rounds:
        lines.append(
            raw(
                lang,
                "method_raw",
                rounds=rounds,
                linking=raw(lang, "method_linked" if facts.linked else "method_unlinked"),
                text=raw(lang, "method_text_in" if facts.include_text else "method_text_out"),
            )
        )
    else:
        lines.append(raw(lang, "method_raw_none"))
    lines.append(
        raw(lang, "method_time", zone=facts.time_zone, generated=_when(facts.generated_at, facts))
    )
    return lines


def _when(moment: datetime, facts: MethodFacts) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(facts.time_zone)).strftime("%Y-%m-%d %H:%M")
