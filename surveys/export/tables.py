"""The aggregate tables of an export, row by row, from round reports and the trend.

Rows hold plain values (int, float, str, bool, datetime, date, None) in the order of the
table's columns (:mod:`surveys.export.columns`); the writers format them. Shares become
percent, share_agree indices 0-100, so every format shows the same numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import TypeAlias

from surveys.aggregate import IndexFigure, QuestionFigures, RoundReport
from surveys.definitions import Question, SurveyDefinition, local
from surveys.export.columns import (
    AREA_FIGURES,
    AREAS,
    CODEBOOK,
    INDICES,
    QUESTIONS,
    SUMMARY,
    TREND,
    Column,
    Table,
)
from surveys.stats import Mean, Share
from surveys.trend import Trend, TrendSeries

__all__ = [
    "Cell",
    "Row",
    "area_figure_rows",
    "area_rows",
    "codebook",
    "index_rows",
    "question_rows",
    "summary_rows",
    "trend_rows",
]

Cell: TypeAlias = str | int | float | bool | datetime | date | None
Row: TypeAlias = tuple[Cell, ...]

PUBLISHED, HIDDEN = "published", "hidden"


def _row(table: Table, values: Mapping[str, Cell]) -> Row:
    unknown = values.keys() - set(table.names)
    if unknown:
        raise KeyError(f"{table.name} has no column {sorted(unknown)}")
    return tuple(values.get(name) for name in table.names)


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100.0


def _share(prefix: str, share: Share | None) -> dict[str, Cell]:
    if share is None:
        return {}
    return {
        f"{prefix}pct": _pct(share.value),
        f"{prefix}pct_low": _pct(share.low),
        f"{prefix}pct_high": _pct(share.high),
    }


def _mean(prefix: str, mean: Mean | None) -> dict[str, Cell]:
    if mean is None:
        return {}
    return {
        f"{prefix}mean": mean.value,
        f"{prefix}mean_low": mean.low,
        f"{prefix}mean_high": mean.high,
    }


def _kish(estimate: Mean | Share | None) -> dict[str, Cell]:
    if estimate is None:
        return {}
    return {"design_effect": estimate.design_effect, "effective_n": estimate.effective_n}


def _index(prefix: str, estimate: Mean | Share | None) -> dict[str, Cell]:
    """An index on 0-100 whatever its method (a share_agree share becomes percent)."""
    if estimate is None:
        return {}
    scale = 100.0 if isinstance(estimate, Share) else 1.0

    def scaled(value: float | None) -> float | None:
        return None if value is None else value * scale

    return {
        f"{prefix}index_0_100": scaled(estimate.value),
        f"{prefix}index_low_0_100": scaled(estimate.low),
        f"{prefix}index_high_0_100": scaled(estimate.high),
    }


def _status(published: bool) -> str:
    return PUBLISHED if published else HIDDEN


# --- summary ----------------------------------------------------------------------------------


def summary_rows(reports: Sequence[RoundReport], raw_status: Mapping[int, str]) -> Iterator[Row]:
    """One row per round; ``raw_status`` says per round whether raw answers are released."""
    for report in reports:
        s = report.summary
        yield _row(
            SUMMARY,
            {
                "round_id": s.round_id,
                "survey": s.survey_key,
                "survey_version_id": s.survey_version_id,
                "title": s.title,
                "status": s.status,
                "opens_at": s.opens_at,
                "closes_at": s.closes_at,
                "closed_at": s.closed_at,
                "audience": ",".join(s.audience) or "all",
                "invited": s.invited,
                "delivered": s.delivered,
                "started": s.started,
                "completed": s.completed,
                "partial": s.partial,
                **_share("rr1_", s.rr1),
                **_share("rr2_", s.rr2),
                "median_minutes_to_complete": None
                if s.median_seconds is None
                else s.median_seconds / 60.0,
                "withheld": s.withheld,
                "weighted": report.weighted,
                "raw_answers": raw_status.get(s.round_id),
            },
        )


# --- questions --------------------------------------------------------------------------------


def _question_figures(question: QuestionFigures) -> Iterator[dict[str, Cell]]:
    """The figure rows of one question (without round and question columns)."""
    if not question.published:
        yield {"measure": None, "status": HIDDEN}
        return
    head: dict[str, Cell] = {
        "status": PUBLISHED,
        "answered": question.answered,
        "skipped": question.skipped,
    }
    for option in question.options:
        yield {
            **head,
            "measure": "share",
            "option": option.code,
            "option_label": option.label,
            "n": option.share.n,
            "count": option.share.successes,
            **_share("", option.share),
            **_share("weighted_", option.weighted),
            **_kish(option.weighted),
        }
    if question.mean is not None:
        low, high = question.scale or (None, None)
        yield {
            **head,
            "measure": "mean",
            "n": question.mean.n,
            **_mean("", question.mean),
            "sd": question.mean.sd,
            "scale_min": low,
            "scale_max": high,
            "interval_clipped": question.mean.clipped,
            **_mean("weighted_", question.weighted_mean),
            **_kish(question.weighted_mean),
        }
    if question.top_box is not None:
        yield {
            **head,
            "measure": "top_box",
            "option": ",".join(question.top_box_codes or []),
            "option_label": question.top_box_label,
            "n": question.top_box.n,
            "count": question.top_box.successes,
            **_share("", question.top_box),
            **_share("weighted_", question.weighted_top_box),
            **_kish(question.weighted_top_box),
        }
    if not question.options and question.mean is None:
        yield {**head, "measure": "answers", "n": question.answered}


def question_rows(reports: Sequence[RoundReport]) -> Iterator[Row]:
    for report in reports:
        for question in report.questions:
            for figure in _question_figures(question):
                yield _row(
                    QUESTIONS,
                    {
                        "round_id": report.summary.round_id,
                        "question_id": question.question_id,
                        "question": question.text,
                        "type": question.type,
                        **figure,
                    },
                )


def _index_figure(index: IndexFigure) -> dict[str, Cell]:
    estimate = index.estimate
    if estimate is None:
        return {"status": HIDDEN}
    return {
        "status": PUBLISHED,
        "n": estimate.n,
        "agree_count": estimate.successes if isinstance(estimate, Share) else None,
        **_index("", estimate),
        "interval_clipped": estimate.clipped if isinstance(estimate, Mean) else False,
    }


def index_rows(reports: Sequence[RoundReport]) -> Iterator[Row]:
    for report in reports:
        for index in report.indices:
            sd = index.estimate.sd if isinstance(index.estimate, Mean) else None
            yield _row(
                INDICES,
                {
                    "round_id": report.summary.round_id,
                    "index": index.key,
                    "title": index.title,
                    "method": index.method,
                    **_index_figure(index),
                    "sd_0_100": sd,
                    **_index("weighted_", index.weighted),
                    **_kish(index.weighted),
                },
            )


# --- areas ------------------------------------------------------------------------------------


def area_rows(reports: Sequence[RoundReport]) -> Iterator[Row]:
    for report in reports:
        for area in report.areas:
            yield _row(
                AREAS,
                {
                    "round_id": report.summary.round_id,
                    "area_id": area.area_id,
                    "area": area.name,
                    "population": area.population,
                    "status": _status(not area.suppressed),
                    "respondents": area.respondents,
                    "completed": area.completed,
                },
            )


_AREA_COLUMNS = frozenset(AREA_FIGURES.names)


def area_figure_rows(reports: Sequence[RoundReport]) -> Iterator[Row]:
    for report in reports:
        for area in report.areas:
            if area.suppressed:
                continue
            head: dict[str, Cell] = {
                "round_id": report.summary.round_id,
                "area_id": area.area_id,
                "area": area.name,
            }
            for question in area.questions:
                for values in _question_figures(question):
                    kept = {k: v for k, v in values.items() if k in _AREA_COLUMNS}
                    yield _row(
                        AREA_FIGURES,
                        {**head, "subject": "question", "key": question.question_id, **kept},
                    )
            for index in area.indices:
                figure: dict[str, Cell] = {
                    k: v for k, v in _index_figure(index).items() if k in _AREA_COLUMNS
                }
                yield _row(
                    AREA_FIGURES,
                    {**head, "subject": "index", "key": index.key, "measure": "index", **figure},
                )


# --- trend ------------------------------------------------------------------------------------


def _trend_estimate(series: TrendSeries, estimate: Mean | Share | None) -> dict[str, Cell]:
    if estimate is None:
        return {}
    counts: dict[str, Cell] = {
        "n": estimate.n,
        "count": estimate.successes if isinstance(estimate, Share) else None,
    }
    if series.subject == "index":
        return {**counts, **_index("", estimate)}
    if isinstance(estimate, Share):
        return {**counts, **_share("", estimate)}
    return {**counts, **_mean("", estimate)}


def _change_column(series: TrendSeries, estimate: Mean | Share | None) -> tuple[str, float]:
    if series.subject == "index":
        return "change_index_points", 100.0 if isinstance(estimate, Share) else 1.0
    if isinstance(estimate, Share):
        return "change_pct_points", 100.0
    return "change_mean", 1.0


def trend_rows(trend: Trend) -> Iterator[Row]:
    for series in trend.series:
        for point in series.points:
            values: dict[str, Cell] = {
                "subject": series.subject,
                "key": series.key,
                "measure": series.measure,
                "option": series.option,
                "label": series.label,
                "round_id": point.round_id,
                "opens_at": point.opens_at,
                **_trend_estimate(series, point.estimate),
            }
            change = point.change
            if change is not None:
                column, scale = _change_column(series, point.estimate)
                if change.difference is not None:
                    values[column] = change.difference * scale
                values["duplicates"] = change.duplicates
                test = change.test
                if test is not None:
                    values |= {
                        "test": "z" if isinstance(point.estimate, Share) else "welch_t",
                        "statistic": test.statistic,
                        "df": test.df,
                        "p_value": test.p_value,
                        "p_adjusted_bh": change.p_adjusted,
                        "significant_bh": change.significant,
                    }
            yield _row(TREND, values)


# --- codebook ---------------------------------------------------------------------------------


def _values(question: Question, languages: Sequence[str]) -> list[tuple[str, dict[str, str]]]:
    """(stored value, label per language) of every answer a question can have."""
    per_language = {lang: question.options(lang) for lang in languages}
    first = per_language[languages[0]] if languages else []
    if first:
        return [
            (option.code, {lang: per_language[lang][n].label for lang in languages})
            for n, option in enumerate(first)
        ]
    bounds = question.value_range
    if question.numeric and bounds is not None:
        return [(f"{bounds[0]}..{bounds[1]}", dict.fromkeys(languages, "number"))]
    return [("", dict.fromkeys(languages, "free text"))]


def codebook(
    definitions: Sequence[SurveyDefinition], languages: Sequence[str]
) -> tuple[Table, list[Row]]:
    """The codebook table (its columns depend on the languages) and its rows: every question
    of the given definitions (newest first, each id once) with every answer value."""
    columns: list[Column] = list(CODEBOOK.columns)
    for lang in languages:
        columns.append(Column(f"question_{lang}", "text", f"question text ({lang})"))
        columns.append(Column(f"label_{lang}", "text", f"answer label ({lang})"))
    table = Table(CODEBOOK.name, CODEBOOK.description, tuple(columns))
    rows: list[Row] = []
    seen: set[str] = set()
    for definition in reversed(definitions):
        for position, question in enumerate(definition.questions, start=1):
            if question.id in seen:
                continue
            seen.add(question.id)
            condition = (
                None
                if question.show_if is None
                else json.dumps(question.show_if.model_dump(exclude_none=True), ensure_ascii=False)
            )
            texts = {f"question_{lang}": local(question.text, lang) for lang in languages}
            for value, labels in _values(question, languages):
                rows.append(
                    _row(
                        table,
                        {
                            "question_id": question.id,
                            "position": position,
                            "type": question.type,
                            "required": question.required,
                            "shown_if": condition,
                            "value": value,
                            **texts,
                            **{f"label_{lang}": text for lang, text in labels.items()},
                        },
                    )
                )
    return table, rows
