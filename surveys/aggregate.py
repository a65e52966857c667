"""Round reports, area breakdowns and trends: grouped numbers from SQL, statistics in Python.

:mod:`surveys.store.results` counts and sums in SQLite (a handful of GROUP BY queries per
round, each returning a few rows per area, question and value); everything here is a pure
function of those numbers and :mod:`surveys.stats`. Every figure carries its ``n``.

What counts, and why:

- **Process**: ``invited`` are the outbox rows ``invite:<round>``, ``delivered`` those Telegram
  accepted (``sent``); ``started`` and ``completed`` count responses. The **response rate** is
  the share of delivered invitations that led to a completed response (Wilson interval; None
  when nothing was delivered), so it is a true proportion even when residents answer a round
  from ``/surveys`` without an invitation. The median time to complete is over completed
  responses (``completed_at - started_at``, to about a millisecond).
- **Questions**: every stored answer counts, from completed **and** partial responses, because
  a resident who stopped halfway still answered the first questions; ``answered`` (the ``n``
  of every figure) and ``skipped`` say how many. Shares are per respondent (a multi question's
  shares may add up to more than 1); likert5, scale and number questions get a mean with a t
  interval; likert5 a top-2-box share (4 or 5).
- **Indices**: each respondent's index as :func:`surveys.engine.index_values` defines it
  (computed inside SQLite per response), then a t interval (mean_rescaled, 0-100) or a Wilson
  interval (share_agree, a share of 0-1). The same responses count as for questions.
- **Areas and privacy**: respondents per area (the area snapshot of each response) go through
  :func:`surveys.suppression.suppress` with the configured ``min_group_size``. A suppressed area
  shows no figure at all, and every per-area table uses that one suppressed set, so nothing is
  recovered by subtraction. If the whole round is too small (the suppression withholds the
  total), every answer-derived figure of the round is withheld too, and so are the respondent
  counts; only invitations remain.
- **Weighting**: when every area of the audience (and of the respondents) has a population,
  post-stratified estimates (weighted by population) are given beside the unweighted ones.
  Suppressed areas are pooled into one stratum for this, so the weighted figures reveal no
  more about them than the unweighted total does.
- **Trends**: rounds of one survey key in order; a question is compared between two rounds
  when its id and type exist in both versions (a choice when its code does); shares are tested
  with a two-proportion z test, means with Welch's t test.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple, TypeAlias

from pydantic import BaseModel, ConfigDict

from surveys.definitions import (
    MeanRescaledIndex,
    Question,
    SurveyDefinition,
    local,
)
from surveys.errors import NotFoundError
from surveys.models import Round
from surveys.stats import (
    Change,
    Mean,
    Share,
    ShareStratum,
    Stratum,
    choice_shares,
    index_interval,
    mean_change,
    mean_interval,
    post_stratified_mean,
    post_stratified_share,
    share_change,
    top_box,
    wilson_interval,
)
from surveys.store import Store
from surveys.store.results import (
    AnswerCell,
    IndexCell,
    KnownArea,
    MeanIndexSpec,
    NumberCell,
    PickCell,
    ScaledItem,
    ShareIndexSpec,
)
from surveys.suppression import suppress

__all__ = [
    "NO_AREA",
    "AreaFigures",
    "IndexFigure",
    "OptionFigure",
    "QuestionFigures",
    "RoundReport",
    "RoundSummary",
    "Trend",
    "TrendPoint",
    "TrendSeries",
    "build_trend",
    "index_specs",
    "round_report",
    "survey_reports",
    "survey_rounds",
    "survey_trend",
]

NO_AREA = ""
"""Area key of responses without an area snapshot (no configured id can be empty)."""

Estimate: TypeAlias = Mean | Share
QuestionType = Literal["single", "multi", "likert5", "scale", "yes_no", "number", "text"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OptionFigure(_Model):
    """Share of respondents who gave one answer (a choice, a rating value, yes or no)."""

    code: str
    label: str
    share: Share
    weighted: Share | None = None


class QuestionFigures(_Model):
    """Figures of one question; ``answered`` is the ``n`` of every share and mean here."""

    question_id: str
    type: QuestionType
    text: str
    answered: int
    skipped: int
    options: list[OptionFigure]
    mean: Mean | None = None
    weighted_mean: Mean | None = None
    top_box: Share | None = None
    weighted_top_box: Share | None = None


class IndexFigure(_Model):
    """A composite index: a 0-100 mean (mean_rescaled) or a 0-1 share (share_agree)."""

    key: str
    title: str
    method: Literal["mean_rescaled", "share_agree"]
    estimate: Mean | Share
    weighted: Mean | Share | None = None


class AreaFigures(_Model):
    """One area of the round; a suppressed area carries no number at all."""

    area_id: str
    name: str
    population: int | None
    suppressed: bool
    respondents: int | None
    completed: int | None
    questions: list[QuestionFigures]
    indices: list[IndexFigure]


class RoundSummary(_Model):
    """Who was asked and who answered; respondent figures are None when ``withheld``."""

    round_id: int
    survey_key: str
    survey_version_id: int
    title: str
    status: str
    opens_at: datetime
    closes_at: datetime | None
    audience: list[str]
    invited: int
    delivered: int
    started: int | None
    completed: int | None
    response_rate: Share | None
    median_seconds: float | None
    withheld: bool


class RoundReport(_Model):
    """Everything reported about one round, in one language."""

    summary: RoundSummary
    language: str
    min_group_size: int
    weighted: bool
    questions: list[QuestionFigures]
    indices: list[IndexFigure]
    areas: list[AreaFigures]


class TrendPoint(_Model):
    """One round of a series: its figure (None if absent or withheld) and the step to it."""

    round_id: int
    opens_at: datetime
    estimate: Mean | Share | None
    change: Change | None


class TrendSeries(_Model):
    """One figure followed across rounds (an index, a mean, a top-box or an option share)."""

    subject: Literal["index", "question"]
    key: str
    measure: Literal["index", "mean", "top_box", "share"]
    option: str | None
    label: str
    points: list[TrendPoint]


class Trend(_Model):
    """Rounds of one survey key, oldest first, and the series compared between them."""

    survey_key: str
    language: str
    rounds: list[RoundSummary]
    series: list[TrendSeries]


# --- index specs --------------------------------------------------------------------------------


def index_specs(definition: SurveyDefinition) -> tuple[list[MeanIndexSpec], list[ShareIndexSpec]]:
    """What the index query needs from the definition: item scales and thresholds."""
    means: list[MeanIndexSpec] = []
    shares: list[ShareIndexSpec] = []
    for index in definition.indices:
        if isinstance(index, MeanRescaledIndex):
            items = []
            for item in index.items:
                question = definition.question(item)
                bounds = question.value_range
                assert bounds is not None and question.numeric
                low, high = bounds
                items.append(
                    ScaledItem(item, float(low), float(high - low), item in index.reversed)
                )
            means.append(MeanIndexSpec(index.key, tuple(items), index.required_items))
        else:
            threshold = 1 if index.threshold is None else index.threshold
            shares.append(ShareIndexSpec(index.key, index.items[0], float(threshold)))
    return means, shares


# --- tallies: the grouped numbers of one group of respondents ---------------------------------


@dataclass
class _QuestionTally:
    answered: int = 0
    skipped: int = 0
    codes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    values: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    n_num: int = 0
    totals: list[float] = field(default_factory=list)
    squares: list[float] = field(default_factory=list)

    def merge(self, other: _QuestionTally) -> None:
        self.answered += other.answered
        self.skipped += other.skipped
        for code, count in other.codes.items():
            self.codes[code] += count
        for value, count in other.values.items():
            self.values[value] += count
        self.n_num += other.n_num
        self.totals.extend(other.totals)
        self.squares.extend(other.squares)

    def moments(self, question: Question) -> tuple[int, float, float]:
        """(n, Σx, Σx²): exact integers from the value counts of discrete questions."""
        if question.continuous:
            return self.n_num, math.fsum(self.totals), math.fsum(self.squares)
        n = sum(self.values.values())
        return (
            n,
            sum(value * count for value, count in self.values.items()),
            sum(value * value * count for value, count in self.values.items()),
        )


@dataclass
class _IndexTally:
    n: int = 0
    totals: list[float] = field(default_factory=list)
    squares: list[float] = field(default_factory=list)
    successes: int = 0

    def merge(self, other: _IndexTally) -> None:
        self.n += other.n
        self.totals.extend(other.totals)
        self.squares.extend(other.squares)
        self.successes += other.successes


@dataclass
class _Tally:
    """Everything counted for one group (an area, or several pooled)."""

    questions: dict[str, _QuestionTally] = field(
        default_factory=lambda: defaultdict(_QuestionTally)
    )
    indices: dict[str, _IndexTally] = field(default_factory=lambda: defaultdict(_IndexTally))

    @classmethod
    def pooled(cls, tallies: Iterable[_Tally]) -> _Tally:
        pooled = cls()
        for tally in tallies:
            for qid, question in tally.questions.items():
                pooled.questions[qid].merge(question)
            for key, index in tally.indices.items():
                pooled.indices[key].merge(index)
        return pooled


def _area_key(area_id: str | None) -> str:
    return NO_AREA if area_id is None else area_id


def _tallies(
    answers: Sequence[AnswerCell],
    numbers: Sequence[NumberCell],
    picks: Sequence[PickCell],
    indices: Sequence[IndexCell],
) -> dict[str, _Tally]:
    """The grouped rows of one round, sorted into one tally per area."""
    by_area: dict[str, _Tally] = defaultdict(_Tally)
    for cell in answers:
        tally = by_area[_area_key(cell.area_id)].questions[cell.question_id]
        if cell.skipped:
            tally.skipped += cell.count
            continue
        tally.answered += cell.count
        if cell.code is not None:
            tally.codes[cell.code] += cell.count
        if cell.value is not None:
            tally.values[int(cell.value)] += cell.count
    for number in numbers:
        tally = by_area[_area_key(number.area_id)].questions[number.question_id]
        tally.n_num += number.n
        tally.totals.append(number.total)
        tally.squares.append(number.total_sq)
    for pick in picks:
        by_area[_area_key(pick.area_id)].questions[pick.question_id].codes[pick.code] += pick.count
    for index in indices:
        tally_index = by_area[_area_key(index.area_id)].indices[index.key]
        tally_index.n += index.n
        tally_index.totals.append(index.total)
        tally_index.squares.append(index.total_sq)
        tally_index.successes += index.successes
    return by_area


# --- figures ----------------------------------------------------------------------------------


def _option_counts(question: Question, tally: _QuestionTally, language: str) -> dict[str, int]:
    return {
        option.code: tally.codes.get(option.code, 0)
        if option.value is None
        else tally.values.get(option.value, 0)
        for option in question.options(language)
    }


def _question_figures(
    question: Question,
    language: str,
    tally: _QuestionTally,
    strata: Sequence[tuple[int, _QuestionTally]] | None,
) -> QuestionFigures:
    """Figures of one question from its tally; ``strata`` (population, tally) for weighting."""
    counts = _option_counts(question, tally, language)
    shares = choice_shares(counts, tally.answered)
    weighted: dict[str, Share] = {}
    if strata is not None:
        stratum_counts = [(pop, t, _option_counts(question, t, language)) for pop, t in strata]
        for code in counts:
            weighted[code] = post_stratified_share(
                [
                    ShareStratum(population=p, n=t.answered, successes=c[code])
                    for p, t, c in stratum_counts
                ]
            )
    options = [
        OptionFigure(
            code=option.code,
            label=option.label,
            share=shares[option.code],
            weighted=weighted.get(option.code),
        )
        for option in question.options(language)
    ]
    figures = QuestionFigures(
        question_id=question.id,
        type=question.type,
        text=local(question.text, language),
        answered=tally.answered,
        skipped=tally.skipped,
        options=options,
    )
    if question.numeric:
        n, total, total_sq = tally.moments(question)
        update: dict[str, object] = {"mean": mean_interval(n, total, total_sq)}
        if strata is not None:
            update["weighted_mean"] = post_stratified_mean(
                [_stratum(pop, t.moments(question)) for pop, t in strata]
            )
        if question.top_box:
            update["top_box"] = top_box(tally.values, question.top_box)
            if strata is not None:
                update["weighted_top_box"] = post_stratified_share(
                    [
                        ShareStratum(
                            population=pop,
                            n=sum(t.values.values()),
                            successes=sum(
                                c for v, c in t.values.items() if v in question.top_box
                            ),
                        )
                        for pop, t in strata
                    ]
                )
        figures = figures.model_copy(update=update)
    return figures


def _stratum(population: int, moments: tuple[int, float, float]) -> Stratum:
    n, total, total_sq = moments
    return Stratum(population=population, n=n, total=total, total_sq=total_sq)


def _index_figures(
    definition: SurveyDefinition,
    language: str,
    tally: _Tally,
    strata: Sequence[tuple[int, _Tally]] | None,
) -> list[IndexFigure]:
    figures = []
    for index in definition.indices:
        counted = tally.indices.get(index.key, _IndexTally())
        estimate: Estimate
        weighted: Estimate | None = None
        if isinstance(index, MeanRescaledIndex):
            estimate = index_interval(
                counted.n, math.fsum(counted.totals), math.fsum(counted.squares)
            )
            if strata is not None:
                weighted = post_stratified_mean(
                    [
                        _stratum(pop, (i.n, math.fsum(i.totals), math.fsum(i.squares)))
                        for pop, t in strata
                        for i in [t.indices.get(index.key, _IndexTally())]
                    ]
                )
        else:
            estimate = wilson_interval(counted.successes, counted.n)
            if strata is not None:
                weighted = post_stratified_share(
                    [
                        ShareStratum(population=pop, n=i.n, successes=i.successes)
                        for pop, t in strata
                        for i in [t.indices.get(index.key, _IndexTally())]
                    ]
                )
        figures.append(
            IndexFigure(
                key=index.key,
                title=local(index.title, language),
                method=index.method,
                estimate=estimate,
                weighted=weighted,
            )
        )
    return figures


def _all_figures(
    definition: SurveyDefinition,
    language: str,
    tally: _Tally,
    strata: Sequence[tuple[int, _Tally]] | None,
) -> tuple[list[QuestionFigures], list[IndexFigure]]:
    questions = [
        _question_figures(
            question,
            language,
            tally.questions.get(question.id, _QuestionTally()),
            None
            if strata is None
            else [(pop, t.questions.get(question.id, _QuestionTally())) for pop, t in strata],
        )
        for question in definition.questions
    ]
    return questions, _index_figures(definition, language, tally, strata)


# --- a round ----------------------------------------------------------------------------------


def _partition(
    round_: Round, areas: Sequence[KnownArea], started: Mapping[str, int]
) -> dict[str, int]:
    """Respondents per area: every audience area (0 when nobody answered) and any other area
    responses were given in, in the areas' configured order. A round for every area has the
    areas configured now as its audience."""
    audience = set(round_.area_ids) if round_.area_ids else {a.id for a in areas if a.active}
    keys = [a.id for a in areas if a.id in audience or a.id in started]
    keys += sorted(key for key in started if key not in keys)
    return {key: started.get(key, 0) for key in keys}


async def round_report(
    store: Store, round_id: int, *, min_group_size: int, language: str | None = None
) -> RoundReport:
    """The full report of one round (``NotFoundError`` if there is no such round)."""
    round_ = await store.rounds.get(round_id)
    version = await store.surveys.version(round_.survey_version_id)
    definition = SurveyDefinition.from_stored(version.definition_json)
    return await _round_report(store, round_, definition, min_group_size, language)


async def _round_report(
    store: Store,
    round_: Round,
    definition: SurveyDefinition,
    min_group_size: int,
    language: str | None,
    *,
    areas_too: bool = True,
) -> RoundReport:
    """The report of a round; without ``areas_too`` only the overall figures (for trends):
    no per-area tables, no weighting, and SQLite sorts about half as much."""
    language = language or next(iter(definition.title))
    results = store.results
    areas = await results.areas()
    names = {area.id: area for area in areas}
    invitations = await results.invitations(round_.id)
    counts = {_area_key(c.area_id): c for c in await results.respondents(round_.id)}
    partition = _partition(round_, areas, {key: c.started for key, c in counts.items()})
    privacy = suppress(partition, min_group_size)
    withheld = privacy.total_suppressed
    started = sum(c.started for c in counts.values())
    completed = sum(c.completed for c in counts.values())

    number_ids = [q.id for q in definition.questions if q.continuous]
    means, shares = index_specs(definition)
    by_area = _tallies(
        await results.answer_cells(round_.id, number_ids, by_area=areas_too),
        await results.number_cells(round_.id, number_ids, by_area=areas_too),
        await results.pick_cells(round_.id, by_area=areas_too),
        await results.index_cells(round_.id, means, shares),
    )
    overall = _Tally.pooled(by_area.values())

    populations = {key: names[key].population if key in names else None for key in partition}
    weighted = areas_too and not withheld and all(populations.values()) and NO_AREA not in partition
    strata: list[tuple[int, _Tally]] | None = None
    if weighted:
        strata = [
            (populations[key] or 0, by_area.get(key, _Tally()))
            for key in partition
            if key not in privacy.suppressed
        ]
        if privacy.suppressed:
            strata.append(
                (
                    sum(populations[key] or 0 for key in privacy.suppressed),
                    _Tally.pooled(by_area.get(key, _Tally()) for key in privacy.suppressed),
                )
            )

    questions, indices = (
        ([], []) if withheld else _all_figures(definition, language, overall, strata)
    )
    area_figures = []
    for key, respondents in partition.items():
        if not areas_too:
            break
        area = names.get(key)
        hidden = key in privacy.suppressed
        area_questions: list[QuestionFigures] = []
        area_indices: list[IndexFigure] = []
        if not hidden:
            area_questions, area_indices = _all_figures(
                definition, language, by_area.get(key, _Tally()), None
            )
        area_figures.append(
            AreaFigures(
                area_id=key,
                name=area.name if area else "(no area)",
                population=area.population if area else None,
                suppressed=hidden,
                respondents=None if hidden else respondents,
                completed=None if hidden else (counts[key].completed if key in counts else 0),
                questions=area_questions,
                indices=area_indices,
            )
        )

    median = None if withheld else await results.median_completion_seconds(round_.id, completed)
    summary = RoundSummary(
        round_id=round_.id,
        survey_key=round_.survey_key,
        survey_version_id=round_.survey_version_id,
        title=local(definition.title, language),
        status=round_.status,
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        audience=list(round_.area_ids),
        invited=invitations.invited,
        delivered=invitations.delivered,
        started=None if withheld else started,
        completed=None if withheld else completed,
        response_rate=None
        if withheld or invitations.delivered == 0
        else wilson_interval(invitations.responded, invitations.delivered),
        median_seconds=median,
        withheld=withheld,
    )
    return RoundReport(
        summary=summary,
        language=language,
        min_group_size=min_group_size,
        weighted=weighted,
        questions=questions,
        indices=indices,
        areas=area_figures,
    )


# --- several rounds ---------------------------------------------------------------------------


async def survey_rounds(
    store: Store, survey_key: str, *, since: datetime | None = None, until_round: int | None = None
) -> list[Round]:
    """Rounds of a survey that can have answers (open or closed), oldest first.

    ``since`` keeps rounds opening at or after it; ``until_round`` stops at that round.
    ``NotFoundError`` if none is left.
    """
    rounds = [
        r
        for r in await store.rounds.find(["open", "closed"])
        if r.survey_key == survey_key and (since is None or r.opens_at >= since)
    ]
    rounds.sort(key=lambda r: (r.opens_at, r.id))
    if until_round is not None:
        position = next((i for i, r in enumerate(rounds) if r.id == until_round), None)
        rounds = rounds if position is None else rounds[: position + 1]
    if not rounds:
        after = f" opening since {since.date().isoformat()}" if since else ""
        raise NotFoundError(f"no open or closed rounds of survey {survey_key!r}{after}")
    return rounds


async def survey_reports(
    store: Store,
    rounds: Sequence[Round],
    *,
    min_group_size: int,
    language: str | None = None,
    areas_too: bool = True,
) -> list[RoundReport]:
    """One report per round, in the given order (``areas_too``: see :func:`_round_report`)."""
    reports = []
    definitions: dict[int, SurveyDefinition] = {}
    for round_ in rounds:
        if round_.survey_version_id not in definitions:
            version = await store.surveys.version(round_.survey_version_id)
            stored = SurveyDefinition.from_stored(version.definition_json)
            definitions[round_.survey_version_id] = stored
        reports.append(
            await _round_report(
                store,
                round_,
                definitions[round_.survey_version_id],
                min_group_size,
                language,
                areas_too=areas_too,
            )
        )
    return reports


async def survey_trend(
    store: Store,
    survey_key: str,
    *,
    min_group_size: int,
    since: datetime | None = None,
    language: str | None = None,
) -> Trend:
    """The trend of a survey over its rounds (see :func:`build_trend`)."""
    rounds = await survey_rounds(store, survey_key, since=since)
    reports = await survey_reports(
        store, rounds, min_group_size=min_group_size, language=language, areas_too=False
    )
    return build_trend(reports)


class _SeriesKey(NamedTuple):
    subject: Literal["index", "question"]
    key: str
    kind: str  # index method or question type: a series only joins figures of the same kind
    measure: Literal["index", "mean", "top_box", "share"]
    option: str | None
    label: str


def _series_keys(report: RoundReport) -> list[_SeriesKey]:
    """Every series of the trend, taken from the latest round."""
    keys = [
        _SeriesKey("index", index.key, index.method, "index", None, index.title)
        for index in report.indices
    ]
    for question in report.questions:
        qid, kind, text = question.question_id, question.type, question.text
        if kind in ("likert5", "scale", "number"):
            keys.append(_SeriesKey("question", qid, kind, "mean", None, text))
        if kind == "likert5":
            keys.append(_SeriesKey("question", qid, kind, "top_box", None, text))
        if kind in ("single", "multi", "yes_no"):
            keys.extend(
                _SeriesKey("question", qid, kind, "share", option.code, f"{text}: {option.label}")
                for option in question.options
            )
    return keys


def _estimate(report: RoundReport, series: _SeriesKey) -> Estimate | None:
    """The figure of one series in one round, or None when the round lacks it."""
    if series.subject == "index":
        for index in report.indices:
            if index.key == series.key and index.method == series.kind:
                return index.estimate
        return None
    for question in report.questions:
        if question.question_id != series.key or question.type != series.kind:
            continue
        if series.measure == "mean":
            return question.mean
        if series.measure == "top_box":
            return question.top_box
        for figure in question.options:
            if figure.code == series.option:
                return figure.share
    return None


def build_trend(reports: Sequence[RoundReport]) -> Trend:
    """Series across the rounds (oldest first): each round's figure and the change from the
    previous round, tested when both rounds have the figure."""
    if not reports:
        raise ValueError("a trend needs at least one round")
    latest = reports[-1]
    series = []
    for key in _series_keys(latest):
        points: list[TrendPoint] = []
        previous: Estimate | None = None
        for report in reports:
            estimate = _estimate(report, key)
            change: Change | None = None
            if previous is not None and estimate is not None:
                if isinstance(previous, Share) and isinstance(estimate, Share):
                    change = share_change(previous, estimate)
                elif isinstance(previous, Mean) and isinstance(estimate, Mean):
                    change = mean_change(previous, estimate)
            points.append(
                TrendPoint(
                    round_id=report.summary.round_id,
                    opens_at=report.summary.opens_at,
                    estimate=estimate,
                    change=change,
                )
            )
            previous = estimate
        series.append(
            TrendSeries(
                subject=key.subject,
                key=key.key,
                measure=key.measure,
                option=key.option,
                label=key.label,
                points=points,
            )
        )
    return Trend(
        survey_key=latest.summary.survey_key,
        language=latest.language,
        rounds=[report.summary for report in reports],
        series=series,
    )
