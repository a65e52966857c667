"""Round reports and area breakdowns: grouped numbers from SQL, statistics in Python.

:mod:`surveys.store.results` counts and sums in SQLite (a handful of GROUP BY queries per
round, each returning a few rows per area, question and value); everything here is a pure
function of those numbers and :mod:`surveys.stats`. Every figure carries its ``n``. The work is
synchronous and runs in a worker thread on a read-only snapshot (the async functions at the
end hand it over), so a report never stalls the bot.

What counts, and why:

- **Participation**: :mod:`surveys.participation` (invitations, respondents, AAPOR RR1 and
  RR2 with Wilson intervals over the delivered invitations). The median time to complete is
  over completed responses, exact to the microsecond.
- **Questions**: every stored answer counts, from completed **and** partial responses, because
  a resident who stopped halfway still answered the first questions; ``answered`` (the ``n``
  of every figure) and ``skipped`` say how many. Shares are per respondent (a multi question's
  shares may add up to more than 1); likert5, scale and number questions get a mean with a t
  interval clipped to the answer scale; likert5 a top-2-box share (4 or 5), a single question
  with ``top_box`` codes its summary share ("% excellent or good").
- **Indices**: each respondent's index as :func:`surveys.engine.index_values` defines it
  (computed inside SQLite per response), then a t interval (mean_rescaled, 0-100) or a Wilson
  interval (share_agree, a share of 0-1).
- **Privacy**: respondents per area (the area snapshot of each response) go through
  :func:`surveys.suppression.suppress`; a hidden area shows no figure at all. Then every figure
  is decided on its own base: the answers to one question (or the respondents with an index
  value) per area form a partition of that figure's base, suppressed once more with the hidden
  areas kept hidden. A figure whose base is ``0 < n < k`` is never published, overall or in an
  area, and what subtraction leaves of the hidden areas is 0 or at least ``k`` answers from two
  or more areas. A round too small as a whole is withheld: no figure about its respondents.
- **Weighting**: when every area of the partition has a population, post-stratified estimates
  (weighted by population) are given beside the unweighted ones, with Kish's design effect and
  effective n. Each figure's hidden areas are pooled into one stratum, so the weighted figure
  reveals no more about them than the unweighted total does.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, field_validator

from surveys.definitions import (
    QUESTION_TYPES,
    MeanRescaledIndex,
    Question,
    QuestionBase,
    ShareAgreeIndex,
    SurveyDefinition,
    local,
)
from surveys.errors import NotFoundError
from surveys.models import Round
from surveys.participation import participation
from surveys.stats import (
    Mean,
    Share,
    ShareStratum,
    Stratum,
    choice_shares,
    index_interval,
    mean_interval,
    post_stratified_mean,
    post_stratified_share,
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
    ResultReader,
    ScaledItem,
    ShareIndexSpec,
)
from surveys.suppression import is_small, suppress

__all__ = [
    "NO_AREA",
    "AreaFigures",
    "IndexFigure",
    "OptionFigure",
    "QuestionFigures",
    "RoundReport",
    "RoundSummary",
    "build_round_report",
    "index_specs",
    "reports_of",
    "round_of",
    "round_report",
    "rounds_of",
    "survey_reports",
    "survey_rounds",
]

NO_AREA = ""
"""Area key of responses without an area snapshot (no configured id can be empty)."""

Estimate: TypeAlias = Mean | Share
QuestionClass: TypeAlias = type[QuestionBase]  # named here: inside QuestionFigures, type is a field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OptionFigure(_Model):
    """Share of respondents who gave one answer (a choice, a rating value, yes or no)."""

    code: str
    label: str
    share: Share
    weighted: Share | None = None


class QuestionFigures(_Model):
    """Figures of one question; ``answered`` is the ``n`` of every share and mean here.

    ``published`` is False when the figure's base is too small (or hidden to protect another
    group's): then ``answered``, ``skipped`` and every figure are None or empty. ``scale`` is
    the answer scale of a mean (its interval is clipped to it). ``top_box_codes`` and
    ``top_box_label`` say what ``top_box`` counts.
    """

    question_id: str
    type: str
    text: str
    published: bool = True
    answered: int | None
    skipped: int | None
    options: list[OptionFigure]
    scale: tuple[float, float] | None = None
    mean: Mean | None = None
    weighted_mean: Mean | None = None
    top_box: Share | None = None
    top_box_codes: list[str] | None = None
    top_box_label: str | None = None
    weighted_top_box: Share | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in QUESTION_TYPES:
            raise ValueError(f"unknown question type {value!r}")
        return value

    @property
    def question_class(self) -> QuestionClass:
        """The question type these figures are of: what its figures mean is asked of it."""
        return QUESTION_TYPES[self.type]


class IndexFigure(_Model):
    """A composite index: a 0-100 mean (mean_rescaled) or a 0-1 share (share_agree).

    ``estimate`` is None when the index is not ``published`` (base too small).
    """

    key: str
    title: str
    method: Literal["mean_rescaled", "share_agree"]
    items: list[str]
    threshold: float | None = None
    published: bool = True
    estimate: Mean | Share | None
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
    """Who was asked and who answered (:mod:`surveys.participation`); None is hidden.

    ``rr1`` and ``rr2`` are AAPOR response rates 1 and 2 over the delivered invitations, with
    Wilson intervals; ``median_seconds`` is over completed responses (hidden below ``k``).
    """

    round_id: int
    survey_key: str
    survey_version_id: int
    title: str
    status: str
    opens_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None
    audience: list[str]
    invited: int | None
    delivered: int | None
    started: int | None
    completed: int | None
    partial: int | None
    rr1: Share | None
    rr2: Share | None
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


# --- what a question reports ------------------------------------------------------------------


def _scale(question: Question) -> tuple[float, float] | None:
    """The answer scale a mean is given on (its interval is clipped to it)."""
    bounds = question.value_range
    if not question.numeric or bounds is None:
        return None
    return float(bounds[0]), float(bounds[1])


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

    def question(self, question_id: str) -> _QuestionTally:
        return self.questions.get(question_id) or _QuestionTally()

    def index(self, key: str) -> _IndexTally:
        return self.indices.get(key) or _IndexTally()


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


def _top_count(
    question: Question, tally: _QuestionTally, codes: Sequence[str], language: str
) -> int:
    counts = _option_counts(question, tally, language)
    return sum(counts.get(code, 0) for code in codes)


def _hidden_question(question: Question, language: str) -> QuestionFigures:
    return QuestionFigures(
        question_id=question.id,
        type=question.type,
        text=local(question.text, language),
        published=False,
        answered=None,
        skipped=None,
        options=[],
        scale=_scale(question),
    )


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
    scale = _scale(question)
    update: dict[str, object] = {}
    if scale is not None:
        n, total, total_sq = tally.moments(question)
        update["mean"] = mean_interval(n, total, total_sq, bounds=scale)
        if strata is not None:
            update["weighted_mean"] = post_stratified_mean(
                [_stratum(pop, t.moments(question)) for pop, t in strata], bounds=scale
            )
    summary = question.summary(language)
    if summary is not None:
        codes, summary_label = summary
        update["top_box"] = wilson_interval(
            _top_count(question, tally, codes, language), tally.answered
        )
        update["top_box_codes"] = codes
        update["top_box_label"] = summary_label
        if strata is not None:
            update["weighted_top_box"] = post_stratified_share(
                [
                    ShareStratum(
                        population=pop,
                        n=t.answered,
                        successes=_top_count(question, t, codes, language),
                    )
                    for pop, t in strata
                ]
            )
    return QuestionFigures(
        question_id=question.id,
        type=question.type,
        text=local(question.text, language),
        answered=tally.answered,
        skipped=tally.skipped,
        options=options,
        scale=scale,
        **update,
    )


def _stratum(population: int, moments: tuple[int, float, float]) -> Stratum:
    n, total, total_sq = moments
    return Stratum(population=population, n=n, total=total, total_sq=total_sq)


def _index_estimate(
    method: str, tally: _IndexTally, strata: Sequence[tuple[int, _IndexTally]] | None
) -> tuple[Estimate, Estimate | None]:
    if method == "mean_rescaled":
        estimate: Estimate = index_interval(
            tally.n, math.fsum(tally.totals), math.fsum(tally.squares)
        )
        weighted: Estimate | None = None
        if strata is not None:
            weighted = post_stratified_mean(
                [
                    _stratum(pop, (i.n, math.fsum(i.totals), math.fsum(i.squares)))
                    for pop, i in strata
                ],
                bounds=(0.0, 100.0),
            )
        return estimate, weighted
    estimate = wilson_interval(tally.successes, tally.n)
    weighted = None
    if strata is not None:
        weighted = post_stratified_share(
            [ShareStratum(population=pop, n=i.n, successes=i.successes) for pop, i in strata]
        )
    return estimate, weighted


# --- per-figure privacy -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Breakdown:
    """The per-area tallies of one round and what is hidden as a whole."""

    partition: dict[str, int]
    by_area: dict[str, _Tally]
    hidden_areas: frozenset[str]
    populations: dict[str, int] | None  # None: no weighting
    min_group_size: int

    def decide(self, bases: Mapping[str, int]) -> tuple[bool, frozenset[str]]:
        """(overall published, areas hidden) for one figure with these bases per area."""
        result = suppress(bases, self.min_group_size, hidden=self.hidden_areas)
        return not result.total_suppressed, result.suppressed

    def strata(self, hidden: frozenset[str]) -> list[tuple[int, _Tally]] | None:
        """Weighting strata of one figure: its published areas, and its hidden ones pooled."""
        if self.populations is None:
            return None
        populations = self.populations
        strata = [
            (populations[key], self.by_area.get(key) or _Tally())
            for key in self.partition
            if key not in hidden
        ]
        if hidden:
            strata.append(
                (
                    sum(populations[key] for key in hidden),
                    _Tally.pooled(self.by_area.get(key) or _Tally() for key in hidden),
                )
            )
        return strata


_PerArea: TypeAlias = dict[str, tuple[list[QuestionFigures], list[IndexFigure]]]


def _index_figure(
    index: MeanRescaledIndex | ShareAgreeIndex,
    language: str,
    estimate: Estimate | None,
    weighted: Estimate | None = None,
) -> IndexFigure:
    return IndexFigure(
        key=index.key,
        title=local(index.title, language),
        method=index.method,
        items=list(index.items),
        threshold=index.threshold if isinstance(index, ShareAgreeIndex) else None,
        published=estimate is not None,
        estimate=estimate,
        weighted=weighted,
    )


def _figures(
    definition: SurveyDefinition,
    language: str,
    breakdown: _Breakdown,
    areas_too: bool,
) -> tuple[list[QuestionFigures], list[IndexFigure], _PerArea]:
    """Overall figures and, with ``areas_too``, per published area; each decided on its base."""
    overall = _Tally.pooled(breakdown.by_area.values())
    shown = [key for key in breakdown.partition if key not in breakdown.hidden_areas]
    per_area: _PerArea = {key: ([], []) for key in shown}
    questions: list[QuestionFigures] = []
    for question in definition.questions:
        bases = {
            key: (breakdown.by_area.get(key) or _Tally()).question(question.id).answered
            for key in breakdown.partition
        }
        published, hidden = breakdown.decide(bases)
        if not published:
            questions.append(_hidden_question(question, language))
        else:
            strata = breakdown.strata(hidden)
            questions.append(
                _question_figures(
                    question,
                    language,
                    overall.question(question.id),
                    None if strata is None else [(p, t.question(question.id)) for p, t in strata],
                )
            )
        if not areas_too:
            continue
        for key in shown:
            tally = (breakdown.by_area.get(key) or _Tally()).question(question.id)
            per_area[key][0].append(
                _hidden_question(question, language)
                if key in hidden
                else _question_figures(question, language, tally, None)
            )
    indices: list[IndexFigure] = []
    for index in definition.indices:
        bases = {
            key: (breakdown.by_area.get(key) or _Tally()).index(index.key).n
            for key in breakdown.partition
        }
        published, hidden = breakdown.decide(bases)
        if not published:
            indices.append(_index_figure(index, language, None))
        else:
            strata = breakdown.strata(hidden)
            estimate, weighted = _index_estimate(
                index.method,
                overall.index(index.key),
                None if strata is None else [(p, t.index(index.key)) for p, t in strata],
            )
            indices.append(_index_figure(index, language, estimate, weighted))
        if not areas_too:
            continue
        for key in shown:
            if key in hidden:
                per_area[key][1].append(_index_figure(index, language, None))
                continue
            counted = (breakdown.by_area.get(key) or _Tally()).index(index.key)
            estimate, _ = _index_estimate(index.method, counted, None)
            per_area[key][1].append(_index_figure(index, language, estimate))
    return questions, indices, per_area


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


def build_round_report(
    reader: ResultReader,
    round_: Round,
    definition: SurveyDefinition,
    min_group_size: int,
    language: str | None = None,
    *,
    areas_too: bool = True,
) -> RoundReport:
    """The report of a round (synchronous: run it in a worker thread). Without ``areas_too``
    only the overall figures (for trends): no per-area figures and no weighting."""
    language = language or next(iter(definition.title))
    areas = reader.areas()
    names = {area.id: area for area in areas}
    progress = reader.progress(round_.id)
    partition = _partition(
        round_, areas, {key: counts.started for key, counts in progress.areas.items()}
    )
    privacy = suppress(partition, min_group_size)
    published = participation(progress, min_group_size)
    withheld = privacy.total_suppressed  # the same rule participation() applied

    number_ids = [q.id for q in definition.questions if q.continuous]
    means, shares = index_specs(definition)
    by_area = _tallies(
        reader.answer_cells(round_.id, number_ids),
        reader.number_cells(round_.id, number_ids),
        reader.pick_cells(round_.id),
        reader.index_cells(round_.id, means, shares),
    )
    populations = {key: names[key].population if key in names else None for key in partition}
    weighted = areas_too and not withheld and all(populations.values()) and NO_AREA not in partition
    breakdown = _Breakdown(
        partition=partition,
        by_area=by_area,
        hidden_areas=privacy.suppressed,
        populations={key: pop or 0 for key, pop in populations.items()} if weighted else None,
        min_group_size=min_group_size,
    )
    questions: list[QuestionFigures] = []
    indices: list[IndexFigure] = []
    per_area: dict[str, tuple[list[QuestionFigures], list[IndexFigure]]] = {}
    if not withheld:
        questions, indices, per_area = _figures(definition, language, breakdown, areas_too)

    area_figures = []
    for key, respondents in partition.items():
        if not areas_too:
            break
        area = names.get(key)
        hidden = key in privacy.suppressed
        area_questions, area_indices = per_area.get(key, ([], []))
        area_figures.append(
            AreaFigures(
                area_id=key,
                name=area.name if area else "(no area)",
                population=area.population if area else None,
                suppressed=hidden,
                respondents=None if hidden else respondents,
                completed=None
                if hidden
                else (progress.areas[key].completed if key in progress.areas else 0),
                questions=[] if hidden else area_questions,
                indices=[] if hidden else area_indices,
            )
        )

    completed = progress.completed
    median = None
    if not withheld and not is_small(completed, min_group_size):
        median = reader.median_completion_seconds(round_.id, completed)
    rr1 = rr2 = None
    if published.rr1 is not None:
        rr1 = wilson_interval(progress.delivered_completed, progress.delivered)
        rr2 = wilson_interval(
            progress.delivered_completed + progress.delivered_partial, progress.delivered
        )
    summary = RoundSummary(
        round_id=round_.id,
        survey_key=round_.survey_key,
        survey_version_id=round_.survey_version_id,
        title=local(definition.title, language),
        status=round_.status,
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        closed_at=round_.closed_at,
        audience=list(round_.area_ids),
        invited=published.invited,
        delivered=published.delivered,
        started=published.started,
        completed=published.completed,
        partial=published.partial,
        rr1=rr1,
        rr2=rr2,
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


def rounds_of(
    reader: ResultReader,
    survey_key: str,
    *,
    since: datetime | None = None,
    until_round: int | None = None,
) -> list[Round]:
    """Rounds of a survey that can have answers (open or closed), oldest first.

    ``since`` keeps rounds opening at or after it; ``until_round`` stops at that round.
    ``NotFoundError`` for a survey that was never registered, or when no round is left.
    """
    if not reader.survey_known(survey_key):
        known = ", ".join(reader.survey_keys()) or "none yet"
        raise NotFoundError(f"unknown survey {survey_key!r} (surveys in the database: {known})")
    rounds = [
        r
        for r in reader.rounds(survey_key, ["open", "closed"])
        if since is None or r.opens_at >= since
    ]
    if until_round is not None:
        position = next((i for i, r in enumerate(rounds) if r.id == until_round), None)
        rounds = rounds if position is None else rounds[: position + 1]
    if not rounds:
        after = f" opening since {since.date().isoformat()}" if since else ""
        raise NotFoundError(f"no open or closed rounds of survey {survey_key!r}{after}")
    return rounds


def reports_of(
    reader: ResultReader,
    rounds: Sequence[Round],
    *,
    min_group_size: int,
    language: str | None = None,
    areas_too: bool = True,
) -> list[RoundReport]:
    """One report per round, in the given order (synchronous)."""
    definitions: dict[int, SurveyDefinition] = {}
    reports = []
    for round_ in rounds:
        version = round_.survey_version_id
        if version not in definitions:
            definitions[version] = SurveyDefinition.from_stored(reader.definition_json(version))
        reports.append(
            build_round_report(
                reader,
                round_,
                definitions[version],
                min_group_size,
                language,
                areas_too=areas_too,
            )
        )
    return reports


def round_of(reader: ResultReader, round_id: int) -> Round:
    round_ = reader.round(round_id)
    if round_ is None:
        raise NotFoundError(f"round {round_id} does not exist")
    return round_


# --- off the event loop -----------------------------------------------------------------------


async def round_report(
    store: Store, round_id: int, *, min_group_size: int, language: str | None = None
) -> RoundReport:
    """The full report of one round (``NotFoundError`` if there is no such round), computed
    in a worker thread on a read-only snapshot."""

    def work() -> RoundReport:
        with store.results.snapshot() as reader:
            rounds = [round_of(reader, round_id)]
            return reports_of(reader, rounds, min_group_size=min_group_size, language=language)[0]

    return await asyncio.to_thread(work)


async def survey_rounds(
    store: Store, survey_key: str, *, since: datetime | None = None, until_round: int | None = None
) -> list[Round]:
    """:func:`rounds_of` in a worker thread."""

    def work() -> list[Round]:
        with store.results.snapshot() as reader:
            return rounds_of(reader, survey_key, since=since, until_round=until_round)

    return await asyncio.to_thread(work)


async def survey_reports(
    store: Store,
    rounds: Sequence[Round],
    *,
    min_group_size: int,
    language: str | None = None,
    areas_too: bool = True,
) -> list[RoundReport]:
    """:func:`reports_of` in a worker thread."""

    def work() -> list[RoundReport]:
        with store.results.snapshot() as reader:
            return reports_of(
                reader,
                rounds,
                min_group_size=min_group_size,
                language=language,
                areas_too=areas_too,
            )

    return await asyncio.to_thread(work)
