"""The anonymous answers of an export: which rounds release them, and what each row says.

What a release allows (the README says the same in plain words):

- **No raw row of a withheld group.** A round whose respondents are too few to report (its
  report is ``withheld``) releases no answer at all, nor does a round that is still open:
  while answers arrive, two exports of the same round would differ by the answers given in
  between, and an area hidden in the first could be published in the second.
- **Hidden areas stay hidden.** Where a round's report hides an area (small, or hidden to
  protect another), its respondents' rows say ``(hidden)`` instead of the area, so the raw rows
  cannot rebuild what the tables hide; every shown area holds at least ``k`` respondents of the
  round, and the hidden ones together at least ``k`` from two or more areas.
- **Pseudonyms belong to one release.** Codes are drawn afresh for every export
  (:mod:`surveys.export.pseudonyms`), so two exports cannot be joined. Within an export a
  respondent keeps one code across rounds only when no round of the export hides an area;
  otherwise each round gets its own codes, so a respondent seen with their area in one round
  cannot give it away in a round where it is hidden.
- **Coarse times.** Rows carry the day a response was started and completed and the minutes
  it took, not the exact moment, which anyone who saw a resident answer could look up.

Speed. SQLite hands over a chunk of responses as one packed string
(:meth:`ResultReader.raw_responses`), read ahead by a thread of its own (SQLite works without
the interpreter lock, on the other core) while this thread decodes and a writer formats.
Answers of choice and rating questions take few distinct values, so each (question, stored
JSON) is decoded once into an :class:`Answer`, found again by one lookup per answer, that
writers also cache their formatted cells on; numbers and text are decoded row by row. Local
days are looked up per minute, a linked release's codes are derived once per resident. Rows
stream from the read-only snapshot in response order, so memory does not grow with the number
of answers.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from surveys.aggregate import RoundReport
from surveys.definitions import Question, SurveyDefinition
from surveys.export.background import read_ahead
from surveys.export.columns import HIDDEN_AREA, RESPONDENTS, Column, Kind
from surveys.export.pseudonyms import Pseudonyms
from surveys.models import Round
from surveys.store.results import (
    QUESTION_SEPARATOR,
    VALUE_SEPARATOR,
    RawResponse,
    ResultReader,
)

__all__ = [
    "RELEASED",
    "Answer",
    "LocalDays",
    "Release",
    "Response",
    "WideLayout",
    "plan_release",
    "responses",
]

RELEASED = "released"
SKIPPED = "(skipped)"


@dataclass(frozen=True)
class RoundRelease:
    """One round of the export: whether its answers are released, and its hidden areas."""

    round: Round
    definition: SurveyDefinition
    status: str
    hidden_areas: frozenset[str]

    @property
    def released(self) -> bool:
        return self.status == RELEASED


@dataclass(frozen=True)
class Release:
    """Every round of the export and the pseudonym scope."""

    rounds: list[RoundRelease]
    linked: bool  # one code per respondent across rounds (no round hides an area)

    def scope(self, round_id: int) -> int:
        return 0 if self.linked else round_id

    @property
    def status(self) -> dict[int, str]:
        return {r.round.id: r.status for r in self.rounds}


def plan_release(
    rounds: Sequence[Round],
    reports: Sequence[RoundReport],
    definitions: Sequence[SurveyDefinition],
    min_group_size: int,
) -> Release:
    """Which rounds release raw answers, with which areas hidden (see the module docstring)."""
    planned = []
    for round_, report, definition in zip(rounds, reports, definitions, strict=True):
        if report.summary.withheld:
            status = f"withheld: fewer than {min_group_size} respondents"
        elif round_.status != "closed":
            status = "withheld until the round closes"
        else:
            status = RELEASED
        hidden = frozenset(a.area_id for a in report.areas if a.suppressed)
        planned.append(RoundRelease(round_, definition, status, hidden))
    linked = not any(r.hidden_areas for r in planned if r.released)
    return Release(planned, linked)


# --- the wide layout --------------------------------------------------------------------------


@dataclass(frozen=True)
class WideLayout:
    """Columns of the wide table: the fixed ones, then one per question (one per choice of a
    multiple-choice question), over every released definition."""

    columns: tuple[Column, ...]
    positions: dict[str, int]  # "qid" or "qid/code" -> column index

    @classmethod
    def of(cls, definitions: Sequence[SurveyDefinition], include_text: bool) -> WideLayout:
        columns = list(RESPONDENTS.columns)
        positions: dict[str, int] = {}
        for definition in definitions:
            for question in definition.questions:
                if question.free_text and not include_text:
                    continue
                for name, code in question.wide_columns().items():
                    if name not in positions:
                        positions[name] = len(columns)
                        kind: Kind = "value" if code is None else "int"
                        columns.append(Column(name, kind, _wide_description(question, code)))
        return cls(tuple(columns), positions)


def _wide_description(question: Question, code: str | None) -> str:
    if code is not None:
        return f"{question.id}: 1 if {code} was chosen, 0 if not"
    return f"{question.id}: the answer (see the codebook)"


# --- answers ----------------------------------------------------------------------------------


class Answer:
    """One decoded answer: its long cells, its wide cells, and the writers' formatted cells.

    ``shared`` answers (choice and rating values) are decoded once and reused for every row
    with the same value; writers keep their formatted cells on them (``csv``, ``xlsx``,
    ``json``).
    """

    __slots__ = (
        "answer",
        "csv",
        "json",
        "label",
        "question_id",
        "question_type",
        "shared",
        "wide",
        "xlsx",
    )

    def __init__(
        self,
        question_id: str,
        question_type: str,
        answer: Any,
        label: str | None,
        wide: tuple[tuple[int, Any], ...],
        shared: bool,
    ) -> None:
        self.question_id = question_id
        self.question_type = question_type
        self.answer = answer
        self.label = label
        self.wide = wide
        self.shared = shared
        # Cells as each writer formats them: (long cells, wide cells by column); kept on a
        # shared answer so that each distinct answer is formatted once per export.
        self.csv: tuple[str, tuple[tuple[int, str], ...]] | None = None
        self.xlsx: tuple[str, tuple[tuple[int, str], ...]] | None = None
        self.json: str | None = None


class Response:
    """One response: its head cells (the same in every row of it; in the wide table they are
    the fixed columns of :data:`RESPONDENTS`, in this order) and its answers in the order of
    the survey."""

    __slots__ = (
        "answers",
        "area",
        "completed_on",
        "minutes",
        "respondent",
        "round_id",
        "started_on",
        "status",
    )

    def __init__(
        self,
        round_id: int,
        respondent: str,
        area: str,
        status: str,
        started_on: date,
        completed_on: date | None,
        minutes: int | None,
        answers: list[Answer],
    ) -> None:
        self.round_id = round_id
        self.respondent = respondent
        self.area = area
        self.status = status
        self.started_on = started_on
        self.completed_on = completed_on
        self.minutes = minutes
        self.answers = answers


@dataclass(frozen=True)
class _Plan:
    """How to decode the answers of responses that answered one set of questions: how many
    stored values they have, which of them to keep in survey order (``pick``), and the
    question ids and decoded values of those, position by position."""

    count: int
    pick: Callable[[list[str]], Sequence[str]]
    question_ids: tuple[str, ...]
    known: tuple[dict[str, Answer], ...]


def _picker(indexes: list[int]) -> Callable[[list[str]], Sequence[str]]:
    """A function taking the items at ``indexes`` of a list, in that order, as a tuple."""
    if not indexes:
        return lambda values: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda values: (values[only],)
    return operator.itemgetter(*indexes)


class _Decoder:
    """Stored JSON -> :class:`Answer` for one definition, in the export's language.

    Choice and rating answers take few distinct values: each (question, stored JSON) is
    decoded once, then found by one dictionary lookup per answer. The order of a response's
    answers in the survey is worked out once per set of questions answered (most responses
    share a handful of such sets).
    """

    _PLANS = 4_096  # distinct sets of questions answered kept (memory stays bounded)

    def __init__(
        self, definition: SurveyDefinition, language: str, layout: WideLayout, include_text: bool
    ) -> None:
        self._questions = {q.id: q for q in definition.questions}
        self._positions = {q.id: n for n, q in enumerate(definition.questions)}
        self._last = len(definition.questions)
        self._language = language
        self._layout = layout
        self._dropped = (
            frozenset()
            if include_text
            else frozenset(q.id for q in definition.questions if q.free_text)
        )
        self._reused = frozenset(q.id for q in definition.questions if q.few_values)
        self._shared: dict[str, dict[str, Answer]] = {}
        self._plans: dict[str, _Plan] = {}

    def answers(self, ids: str | None, values: str | None) -> list[Answer]:
        """A response's answers from :meth:`ResultReader.raw_responses`, decoded, in the order
        of the survey (text left out unless asked for, even when skipped)."""
        if ids is None or values is None:
            return []
        plan = self._plans.get(ids)
        if plan is None:
            plan = self._plan(ids)
        stored = values.split(VALUE_SEPARATOR)
        if len(stored) != plan.count:
            raise ValueError("stored answers and their question ids do not pair up")
        picked = plan.pick(stored)
        found: list[Answer | None] = list(map(dict.get, plan.known, picked))
        if None in found:  # a value not seen before (or a number or a text): decode it
            decode = self.decode
            for n, answer in enumerate(found):
                if answer is None:
                    found[n] = decode(plan.question_ids[n], picked[n])
        return found  # type: ignore[return-value]  # no None is left

    def _plan(self, ids: str) -> _Plan:
        if len(self._plans) >= self._PLANS:
            self._plans.clear()
        question_ids = ids.split(QUESTION_SEPARATOR)
        kept = sorted(
            (n for n, qid in enumerate(question_ids) if qid not in self._dropped),
            key=lambda n: self._positions.get(question_ids[n], self._last),
        )
        plan = self._plans[ids] = _Plan(
            len(question_ids),
            _picker(kept),
            tuple(question_ids[n] for n in kept),
            tuple(self._shared.setdefault(question_ids[n], {}) for n in kept),
        )
        return plan

    def decode(self, question_id: str, value_json: str) -> Answer:
        question = self._questions.get(question_id)
        reuse = question_id in self._reused
        answer = self._decode(question_id, question, json.loads(value_json), reuse)
        if reuse:
            self._shared.setdefault(question_id, {})[value_json] = answer
        return answer

    def _decode(self, qid: str, question: Question | None, value: Any, shared: bool) -> Answer:
        qtype = question.type if question is not None else ""
        positions = self._layout.positions
        if value is None:
            return Answer(qid, qtype, None, SKIPPED, (), shared)
        words = None if question is None else question.answer_label(value, self._language)
        if isinstance(value, list) and question is not None:
            picked = set(value)
            wide = tuple(
                (positions[name], int(code in picked))
                for name, code in question.wide_columns().items()
                if code is not None and name in positions
            )
            return Answer(qid, qtype, ";".join(map(str, value)), words, wide, shared)
        cell: Any = value
        if isinstance(value, bool):
            cell = "yes" if value else "no"
        elif isinstance(value, list | dict):
            cell = json.dumps(value, ensure_ascii=False)
        position = positions.get(qid)
        wide = () if position is None else ((position, cell),)
        return Answer(qid, qtype, cell, words, wide, shared)


# --- streaming --------------------------------------------------------------------------------


class LocalDays:
    """Local days of stored UTC times (``YYYY-MM-DDTHH:MM:...+00:00``, :func:`clock.to_db`)
    without parsing each one: the day of each UTC minute is worked out once (from the
    community's UTC offset, looked up once per UTC hour) and found again by one lookup. An hour
    in which the offset changes (a half-hour zone's DST switch) is parsed moment by moment."""

    _KEPT = 50_000  # minutes kept at most (memory stays bounded)

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self._hours: dict[str, tuple[date, int] | None] = {}
        self._minutes: dict[str, date] = {}

    def __call__(self, moment: str) -> date:
        day = self._minutes.get(moment[:16])
        return self._day(moment) if day is None else day

    def _day(self, moment: str) -> date:
        hour = moment[:13]
        try:
            known = self._hours[hour]
        except KeyError:
            known = self._hours[hour] = self._hour(hour)
        if known is None:
            return datetime.fromisoformat(moment).astimezone(self._zone).date()
        day, minutes = known
        local = minutes + int(moment[14:16])
        day = day if 0 <= local < 1440 else day + timedelta(days=local // 1440)
        if len(self._minutes) >= self._KEPT:
            self._minutes.clear()
        self._minutes[moment[:16]] = day
        return day

    def _hour(self, hour: str) -> tuple[date, int] | None:
        """(the UTC day, local minutes past that day's midnight at the hour's start), or None
        when the offset changes within the hour or is not whole minutes."""
        start = datetime.fromisoformat(f"{hour}:00:00+00:00")
        offset = start.astimezone(self._zone).utcoffset() or timedelta()
        later = (start + timedelta(minutes=59)).astimezone(self._zone).utcoffset() or timedelta()
        if offset != later or offset.seconds % 60:
            return None
        return start.date(), start.hour * 60 + int(offset.total_seconds()) // 60


class _Codes:
    """A linked release's codes (one per resident in every round), each derived once."""

    _KEPT = 250_000  # codes kept at most (memory stays bounded)

    def __init__(self, pseudonyms: Pseudonyms) -> None:
        self._of = pseudonyms.of
        self._codes: dict[int, str] = {}

    def __call__(self, resident_id: int, scope: int) -> str:
        try:
            return self._codes[resident_id]
        except KeyError:
            if len(self._codes) >= self._KEPT:
                self._codes.clear()
            code = self._codes[resident_id] = self._of(resident_id, scope)
            return code


def _minutes(started: str, completed: str) -> int:
    """Whole minutes a response took, from its stored UTC times."""
    seconds = (datetime.fromisoformat(completed) - datetime.fromisoformat(started)).total_seconds()
    return round(seconds / 60.0)


def responses(
    reader: ResultReader,
    release: Release,
    *,
    language: str,
    layout: WideLayout,
    pseudonyms: Pseudonyms,
    zone: ZoneInfo,
    include_text: bool,
) -> Generator[Response, None, None]:
    """Every released response of the export with its answers, in round then response order.

    The rows are read ahead by a thread of its own on ``reader``'s connection: a caller that
    stops early closes this generator (``contextlib.closing``) before closing the snapshot."""
    days = LocalDays(zone)
    code = _Codes(pseudonyms) if release.linked else pseudonyms.of
    decoders = {
        planned.round.id: _Decoder(planned.definition, language, layout, include_text)
        for planned in release.rounds
        if planned.released
    }
    hidden = {planned.round.id: planned.hidden_areas for planned in release.rounds}
    with closing(read_ahead(_raw_chunks(reader, release, include_text), depth=3)) as chunks:
        for round_id, chunk in chunks:
            decoder = decoders[round_id]
            scope = release.scope(round_id)
            hidden_areas = hidden[round_id]
            for _, resident_id, area_id, status, started_at, completed_at, ids, values in chunk:
                area = "" if area_id is None else area_id
                yield Response(
                    round_id,
                    code(resident_id, scope),
                    HIDDEN_AREA if area in hidden_areas else area,
                    status,
                    days(started_at),
                    None if completed_at is None else days(completed_at),
                    None if completed_at is None else _minutes(started_at, completed_at),
                    decoder.answers(ids, values),
                )


def _raw_chunks(
    reader: ResultReader, release: Release, include_text: bool
) -> Iterator[tuple[int, list[RawResponse]]]:
    """(round id, a chunk of its raw responses) of every released round, in order; read
    ahead in a thread of its own (:func:`read_ahead`) while the caller decodes and writes."""
    for planned in release.rounds:
        if planned.released:
            round_id = planned.round.id
            for chunk in reader.raw_responses(round_id, include_text=include_text):
                yield round_id, chunk
