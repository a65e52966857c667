"""The tables of an export and their columns: one definition for every format.

CSV headers, XLSX headers and number formats, the JSON Schema, and the column list in the
README all come from here, so the formats cannot drift apart. Units are in the column names
and the same in every format: shares in percent (``*_pct``, 0-100), indices on 0-100
(``index_*``), means on the question's own answer scale (``mean*`` with ``scale_min`` and
``scale_max`` beside them), changes in percentage points, scale points or index points, times
in the community's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CODEBOOK",
    "HIDDEN_AREA",
    "REPORT_TABLES",
    "RESPONDENTS",
    "RESPONSES",
    "Column",
    "Kind",
    "Table",
]

Kind = Literal[
    "int",
    "text",
    "value",
    "flag",
    "pct",
    "mean",
    "index",
    "p",
    "ratio",
    "number",
    "datetime",
    "date",
]
"""What a column holds: ``value`` is an answer as stored (a code, a number or text), ``flag``
is yes/no (true/false in JSON), ``pct`` percent 0-100, ``index`` 0-100, ``mean`` the
question's answer scale, ``p`` a p-value, ``ratio`` and ``number`` plain numbers."""

HIDDEN_AREA = "(hidden)"
"""What every table writes for an area that is hidden for privacy (small or protecting one)."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def _c(name: str, kind: Kind, description: str) -> Column:
    return Column(name, kind, description)


ROUND = _c("round_id", "int", "the survey round")


def _share(prefix: str, what: str) -> tuple[Column, ...]:
    return (
        _c(f"{prefix}pct", "pct", f"{what} in percent (0-100)"),
        _c(f"{prefix}pct_low", "pct", f"{what}: lower bound of the 95% interval, percent"),
        _c(f"{prefix}pct_high", "pct", f"{what}: upper bound of the 95% interval, percent"),
    )


def _mean(prefix: str, what: str) -> tuple[Column, ...]:
    return (
        _c(f"{prefix}mean", "mean", f"{what} on the answer scale (scale_min to scale_max)"),
        _c(f"{prefix}mean_low", "mean", f"{what}: lower bound of the 95% interval"),
        _c(f"{prefix}mean_high", "mean", f"{what}: upper bound of the 95% interval"),
    )


def _index(prefix: str, what: str) -> tuple[Column, ...]:
    return (
        _c(f"{prefix}index_0_100", "index", f"{what} on 0-100"),
        _c(f"{prefix}index_low_0_100", "index", f"{what}: lower bound of the 95% interval"),
        _c(f"{prefix}index_high_0_100", "index", f"{what}: upper bound of the 95% interval"),
    )


KISH = (
    _c("design_effect", "ratio", "Kish design effect of the weights (1 = no loss)"),
    _c("effective_n", "number", "Kish effective sample size; the weighted interval rests on it"),
)
CLIPPED = _c(
    "interval_clipped", "flag", "the interval reached past the scale and was cut at its end"
)
STATUS = _c("status", "text", "published, or hidden (base below the minimum group size)")

SUMMARY = Table(
    "summary",
    "One row per round: who was asked, who answered, AAPOR response rates.",
    (
        ROUND,
        _c("survey", "text", "survey key"),
        _c("survey_version_id", "int", "the exact version of the questions"),
        _c("title", "text", "survey title"),
        _c("status", "text", "open or closed"),
        _c("opens_at", "datetime", "when the round opened (community time zone)"),
        _c("closes_at", "datetime", "when the round was planned to close"),
        _c("closed_at", "datetime", "when the round actually closed"),
        _c("audience", "text", "areas invited (all: every area)"),
        _c("invited", "int", "invitations queued"),
        _c("delivered", "int", "invitations Telegram accepted: the eligible sample"),
        _c("started", "int", "responses started"),
        _c("completed", "int", "responses completed"),
        _c("partial", "int", "responses started but not completed"),
        *_share("rr1_", "AAPOR response rate 1: completes of delivered invitations"),
        *_share("rr2_", "AAPOR response rate 2: completes and partials of delivered invitations"),
        _c("median_minutes_to_complete", "number", "median time to complete, minutes"),
        _c("withheld", "flag", "too few respondents: no figure about them is published"),
        _c("weighted", "flag", "weighted (post-stratified by area population) figures given"),
        _c("raw_answers", "text", "whether this export holds the round's anonymous answers"),
    ),
)

QUESTIONS = Table(
    "questions",
    "One row per figure of a question: each answer's share, the mean, the top-box share.",
    (
        ROUND,
        _c("question_id", "text", "question id (see the codebook)"),
        _c("question", "text", "question text"),
        _c("type", "text", "question type"),
        _c("measure", "text", "share, mean, top_box (share of the top answers) or answers"),
        _c("option", "text", "answer code the share is for (top_box: the codes counted)"),
        _c("option_label", "text", "that answer in words"),
        STATUS,
        _c("answered", "int", "respondents who answered: the base of every figure here"),
        _c("skipped", "int", "respondents who skipped the (optional) question"),
        _c("n", "int", "base of the figure"),
        _c("count", "int", "respondents counted by a share"),
        *_share("", "share of respondents"),
        *_mean("", "mean"),
        _c("sd", "mean", "standard deviation of the answers"),
        _c("scale_min", "number", "lowest possible answer"),
        _c("scale_max", "number", "highest possible answer"),
        CLIPPED,
        *_share("weighted_", "weighted share"),
        *_mean("weighted_", "weighted mean"),
        *KISH,
    ),
)

INDICES = Table(
    "indices",
    "One row per composite index and round, on 0-100.",
    (
        ROUND,
        _c("index", "text", "index key"),
        _c("title", "text", "index title"),
        _c("method", "text", "mean_rescaled (mean of items on 0-100) or share_agree (% agree)"),
        STATUS,
        _c("n", "int", "respondents with an index value: the base"),
        _c("agree_count", "int", "share_agree: respondents who agree"),
        *_index("", "index"),
        _c("sd_0_100", "index", "standard deviation of the respondents' index values"),
        CLIPPED,
        *_index("weighted_", "weighted index"),
        *KISH,
    ),
)

AREAS = Table(
    "areas",
    "One row per area and round: its respondents, or hidden.",
    (
        ROUND,
        _c("area_id", "text", "area id"),
        _c("area", "text", "area name"),
        _c("population", "int", "configured population (used for weighting)"),
        _c("status", "text", "published, or hidden (small, or hidden to protect another area)"),
        _c("respondents", "int", "responses started in the area"),
        _c("completed", "int", "responses completed in the area"),
    ),
)

AREA_FIGURES = Table(
    "area_figures",
    "The figures of the questions and indices for every published area.",
    (
        ROUND,
        _c("area_id", "text", "area id"),
        _c("area", "text", "area name"),
        _c("subject", "text", "question or index"),
        _c("key", "text", "question id or index key"),
        _c("measure", "text", "share, mean, top_box, answers or index"),
        _c("option", "text", "answer code the share is for"),
        _c("option_label", "text", "that answer in words"),
        STATUS,
        _c("n", "int", "base of the figure"),
        _c("count", "int", "respondents counted by a share"),
        *_share("", "share of the area's respondents"),
        *_mean("", "mean"),
        CLIPPED,
        *_index("", "index"),
    ),
)

TREND = Table(
    "trend",
    "Each figure across rounds, the change from the previous round and its test.",
    (
        _c("subject", "text", "question or index"),
        _c("key", "text", "question id or index key"),
        _c("measure", "text", "share, mean, top_box or index"),
        _c("option", "text", "answer code the share is for"),
        _c("label", "text", "what the figure is"),
        ROUND,
        _c("opens_at", "datetime", "when the round opened"),
        _c("n", "int", "base of the figure"),
        _c("count", "int", "respondents counted by a share"),
        *_share("", "share"),
        *_mean("", "mean"),
        *_index("", "index"),
        _c("change_pct_points", "pct", "change of a share from the previous round"),
        _c("change_mean", "mean", "change of a mean from the previous round"),
        _c("change_index_points", "index", "change of an index from the previous round"),
        _c("test", "text", "z (two proportions) or welch_t; empty: not tested"),
        _c("statistic", "ratio", "test statistic"),
        _c("df", "number", "degrees of freedom (Welch)"),
        _c("p_value", "p", "raw two-sided p-value"),
        _c("p_adjusted_bh", "p", "Benjamini-Hochberg adjusted p-value over the export's tests"),
        _c("significant_bh", "flag", "adjusted p-value below 0.05"),
        _c("duplicates", "text", "not tested: this figure restates the one named"),
    ),
)

REPORT_TABLES = (SUMMARY, QUESTIONS, INDICES, AREAS, AREA_FIGURES, TREND)
"""The aggregate tables, in the order they are written."""

RESPONSES = Table(
    "responses",
    "The anonymous answers, one row per answer (long format).",
    (
        ROUND,
        _c("respondent", "text", "pseudonym drawn for this export only"),
        _c("area_id", "text", f"area id, or {HIDDEN_AREA} where the area is hidden"),
        _c("response_status", "text", "completed or in_progress (partial)"),
        _c("question_id", "text", "question id (see the codebook)"),
        _c("question_type", "text", "question type"),
        _c("answer", "value", "the answer: code, codes joined by ;, number, yes/no or text"),
        _c("answer_label", "text", "the answer in words; (skipped) for a skipped question"),
    ),
)

RESPONDENTS = Table(
    "respondents",
    "The anonymous answers, one row per response (wide format, one column per question;"
    " a multiple-choice question has one 1/0 column per choice).",
    (
        ROUND,
        _c("respondent", "text", "pseudonym drawn for this export only"),
        _c("area_id", "text", f"area id, or {HIDDEN_AREA} where the area is hidden"),
        _c("response_status", "text", "completed or in_progress (partial)"),
        _c("started_on", "date", "day the response was started (community time zone)"),
        _c("completed_on", "date", "day it was completed"),
        _c("minutes_to_complete", "number", "minutes from start to completion, rounded"),
    ),
)
"""The fixed columns of the wide table; one column per question follows."""

CODEBOOK = Table(
    "codebook",
    "Every question and answer code, with texts and labels per language.",
    (
        _c("question_id", "text", "question id"),
        _c("position", "int", "position in the survey"),
        _c("type", "text", "question type"),
        _c("required", "flag", "whether the question must be answered"),
        _c("shown_if", "text", "condition under which it is shown"),
        _c("value", "text", "an answer code or number as stored"),
    ),
)
"""The fixed columns of the codebook; question and label columns per language follow."""
