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

Speed. Answers of choice and rating questions take few distinct values, so each (question,
stored JSON) is decoded once into an :class:`Answer` that writers also cache their formatted
cells on; numbers and text are decoded row by row. Rows stream from the read-only snapshot in
response order, so memory does not grow with the number of answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from surveys.aggregate import RoundReport
from surveys.definitions import Question, SurveyDefinition
from surveys.export.columns import HIDDEN_AREA, RESPONDENTS, Column, Kind
from surveys.export.pseudonyms import Pseudonyms
from surveys.models import Round
from surveys.store.results import RawAnswer, ResultReader

__all__ = [
    "RELEASED",
    "Answer",
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
    def of(
        cls, definitions: Sequence[SurveyDefinition], include_text: bool, language: str
    ) -> WideLayout:
        columns = list(RESPONDENTS.columns)
        positions: dict[str, int] = {}
        for definition in definitions:
            for question in definition.questions:
                if question.type == "text" and not include_text:
                    continue
                names = (
                    [f"{question.id}/{option.code}" for option in question.options(language)]
                    if question.input == "toggles"  # several choices: one 1/0 column each
                    else [question.id]
                )
                for name in names:
                    if name not in positions:
                        positions[name] = len(columns)
                        kind: Kind = "int" if "/" in name else "value"
                        columns.append(Column(name, kind, _wide_description(question, name)))
        return cls(tuple(columns), positions)


def _wide_description(question: Question, name: str) -> str:
    if "/" in name:
        return f"{question.id}: 1 if {name.split('/', 1)[1]} was chosen, 0 if not"
    return f"{question.id}: the answer (see the codebook)"


# --- answers ----------------------------------------------------------------------------------


class Answer:
    """One decoded answer: its long cells, its wide cells, and the writers' formatted cells.

    ``shared`` answers (choice and rating values) are decoded once and reused for every row
    with the same value; writers may cache on :attr:`formatted`.
    """

    __slots__ = ("answer", "formatted", "label", "question_id", "question_type", "shared", "wide")

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
        self.formatted: dict[str, object] = {}


class Response:
    """One response: its head cells (the same in every row of it) and its answers in the
    order of the survey."""

    __slots__ = (
        "answers",
        "area",
        "completed_on",
        "formatted",
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
        self.formatted: dict[str, object] = {}

    def wide_row(self, width: int) -> list[Any]:
        row: list[Any] = [None] * width
        row[:7] = [
            self.round_id,
            self.respondent,
            self.area,
            self.status,
            self.started_on,
            self.completed_on,
            self.minutes,
        ]
        for answer in self.answers:
            for position, value in answer.wide:
                row[position] = value
        return row


class _Decoder:
    """Stored JSON -> :class:`Answer` for one definition, in the export's language."""

    def __init__(self, definition: SurveyDefinition, language: str, layout: WideLayout) -> None:
        self._questions = {q.id: q for q in definition.questions}
        self._positions = {q.id: n for n, q in enumerate(definition.questions)}
        self._last = len(definition.questions)
        self._language = language
        self._layout = layout
        self._shared: dict[tuple[str, str], Answer] = {}

    def position(self, question_id: str) -> int:
        return self._positions.get(question_id, self._last)

    def is_text(self, question_id: str) -> bool:
        question = self._questions.get(question_id)
        return question is not None and question.type == "text"

    def decode(self, question_id: str, value_json: str) -> Answer:
        shared = self._shared.get((question_id, value_json))
        if shared is not None:
            return shared
        question = self._questions.get(question_id)
        reuse = question is not None and question.type not in ("number", "text")
        answer = self._decode(question_id, question, json.loads(value_json), reuse)
        if reuse:
            self._shared[(question_id, value_json)] = answer
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
                (positions[name], int(option.code in picked))
                for option in question.options(self._language)
                if (name := f"{qid}/{option.code}") in positions
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


def _local_day(moment: str | None, zone: ZoneInfo) -> tuple[datetime | None, date | None]:
    if moment is None:
        return None, None
    parsed = datetime.fromisoformat(moment)
    return parsed, parsed.astimezone(zone).date()


def responses(
    reader: ResultReader,
    release: Release,
    *,
    language: str,
    layout: WideLayout,
    pseudonyms: Pseudonyms,
    zone: ZoneInfo,
    include_text: bool,
) -> Iterator[Response]:
    """Every released response of the export with its answers, in round then response order."""
    for planned in release.rounds:
        if not planned.released:
            continue
        decoder = _Decoder(planned.definition, language, layout)
        scope = release.scope(planned.round.id)
        hidden = planned.hidden_areas
        round_id = planned.round.id
        pending: list[RawAnswer] = []
        for chunk in reader.raw_answers(round_id, include_text=include_text):
            for row in chunk:
                if pending and pending[-1][0] != row[0]:
                    yield _response(
                        round_id, pending, decoder, pseudonyms, scope, hidden, zone, include_text
                    )
                    pending = []
                pending.append(row)
        if pending:
            yield _response(
                round_id, pending, decoder, pseudonyms, scope, hidden, zone, include_text
            )


def _response(
    round_id: int,
    rows: list[RawAnswer],
    decoder: _Decoder,
    pseudonyms: Pseudonyms,
    scope: int,
    hidden: frozenset[str],
    zone: ZoneInfo,
    include_text: bool,
) -> Response:
    _, resident_id, area_id, status, started_at, completed_at, _, _ = rows[0]
    area = "" if area_id is None else area_id
    started, started_on = _local_day(started_at, zone)
    completed, completed_on = _local_day(completed_at, zone)
    minutes = None
    if started is not None and completed is not None:
        minutes = round((completed - started).total_seconds() / 60.0)
    if len(rows) > 1:
        rows.sort(key=lambda row: decoder.position(row[6] or ""))
    answers = [
        decoder.decode(question_id, value)
        for *_, question_id, value in rows
        if question_id is not None
        and value is not None
        and (include_text or not decoder.is_text(question_id))
    ]
    return Response(
        round_id,
        pseudonyms.of(resident_id, scope),
        HIDDEN_AREA if area in hidden else area,
        status,
        started_on,  # type: ignore[arg-type]
        completed_on,
        minutes,
        answers,
    )
