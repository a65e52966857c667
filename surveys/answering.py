"""Answering a survey round: the domain side of the survey conversation.

Every call re-reads the response, checks the revision the resident's button was made for,
applies the engine, and commits before returning. A double tap, a button from an earlier
question or another device, or a forged payload raises :class:`StaleActionError` and changes
nothing; an invalid typed answer raises an :class:`AnswerError` with a catalogue code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from surveys import engine
from surveys.definitions import Question, SurveyDefinition
from surveys.engine import AnswerValue, Progress
from surveys.errors import (
    AnswerError,
    NotAChoiceError,
    RoundClosedError,
    StaleActionError,
    SurveyDoneError,
)
from surveys.models import AnswerRow, Resident, Response, Round
from surveys.registry import SurveyRegistry
from surveys.store import Store


@dataclass(frozen=True)
class SurveyState:
    """Where a response stands: the question to show (None once completed) and its progress."""

    round: Round
    response: Response
    definition: SurveyDefinition
    answers: dict[str, AnswerValue]
    question: Question | None
    progress: Progress | None
    can_go_back: bool
    # questions the resident may see in all (more than progress.total while a show_if is open)
    most_questions: int = 0

    @property
    def completed(self) -> bool:
        return self.response.completed

    @property
    def picks(self) -> list[str]:
        """Picks shown for a multi question: the draft, else the stored answer."""
        if self.response.draft is not None:
            return self.response.draft
        stored = self.answers.get(self.question.id) if self.question else None
        return list(stored) if isinstance(stored, list) else []


@dataclass(frozen=True)
class RoundEntry:
    """An open round as a resident sees it in /surveys."""

    round: Round
    definition: SurveyDefinition
    response: Response | None


def answer_row(question: Question, value: AnswerValue) -> AnswerRow:
    """The stored form of a validated answer: JSON, plus num/code/picks for SQL aggregation."""
    form = question.stored(value)
    return AnswerRow(
        question_id=question.id,
        value_json=form.value_json,
        num=form.num,
        code=form.code,
        is_text=form.is_text,
        picks=list(form.picks),
    )


def expects_typing(question: Question | None) -> bool:
    return question is not None and question.expects_typing


class Answering:
    def __init__(self, store: Store, registry: SurveyRegistry) -> None:
        self._store = store
        self._registry = registry

    async def open_rounds(self, resident: Resident) -> list[RoundEntry]:
        entries = []
        for round_ in await self._store.rounds.open_for_area(resident.area_id, resident.id):
            definition = await self._registry.definition(round_.survey_version_id)
            response = await self._store.responses.for_resident(resident.id, round_.id)
            entries.append(RoundEntry(round_, definition, response))
        return entries

    async def start(self, resident: Resident, round_id: int) -> SurveyState:
        """Begin or resume the round; refuses closed rounds, other areas and finished ones."""
        round_ = await self._store.rounds.get(round_id)
        if round_.status != "open":
            raise RoundClosedError(f"round {round_id} is {round_.status}")
        if not await self._store.rounds.admits(round_, resident.id, resident.area_id):
            raise StaleActionError(f"round {round_id} is not for this resident")
        response = await self._store.responses.start(
            round_id, resident.id, round_.survey_version_id, resident.area_id
        )
        if response.completed:
            raise SurveyDoneError(f"response {response.id} is complete")
        return await self._state(round_, response)

    async def state(self, resident: Resident, response_id: int) -> SurveyState:
        response = await self._own(resident, response_id)
        return await self._state(await self._store.rounds.get(response.round_id), response)

    async def resume(self, resident: Resident, response_id: int) -> SurveyState | None:
        """The state of the resident's own response if it is still being answered in an open
        round (to show its current question again); None otherwise."""
        try:
            response = await self._own(resident, response_id)
        except StaleActionError:
            return None
        round_ = await self._store.rounds.get(response.round_id)
        if response.completed or round_.status != "open":
            return None
        return await self._state(round_, response)

    async def current_typed(self, resident: Resident) -> SurveyState | None:
        """The response waiting for a typed answer (number or text), if any."""
        response = await self._store.responses.latest_in_progress(resident.id)
        if response is None:
            return None
        state = await self._state(await self._store.rounds.get(response.round_id), response)
        return state if state.question is not None else None

    async def answer_button(
        self, resident: Resident, response_id: int, revision: int, position: int, option: int
    ) -> SurveyState:
        state = await self._checked(resident, response_id, revision, position)
        assert state.question is not None
        try:
            value = state.question.button_value(option)
        except AnswerError as exc:
            raise StaleActionError(str(exc)) from None
        return await self._save(
            state, engine.apply_answer(state.definition, state.answers, state.question.id, value)
        )

    async def answer_typed(self, state: SurveyState, text: str, language: str) -> SurveyState:
        """A typed answer to the question on screen; AnswerError explains a bad one."""
        assert state.question is not None
        value = engine.validate_answer(state.question, text, language=language)
        return await self._save(
            state, engine.apply_answer(state.definition, state.answers, state.question.id, value)
        )

    async def toggle(
        self, resident: Resident, response_id: int, revision: int, position: int, option: int
    ) -> SurveyState:
        """Pick or unpick a choice of a multi question; stored as a draft until Done.

        A tick beyond the question's maximum raises TooManyPicksError at once and changes nothing.
        """
        state = await self._checked(resident, response_id, revision, position)
        assert state.question is not None
        try:
            draft = state.question.toggle(state.picks, option)
        except NotAChoiceError:
            raise StaleActionError("not a choice of this question") from None
        response = await self._store.responses.set_draft(response_id, revision, draft)
        if response is None:
            raise StaleActionError("the response moved on")
        # the revision matched, so no answer changed since state.answers were read
        return await self._state(state.round, response, state.answers)

    async def done(
        self, resident: Resident, response_id: int, revision: int, position: int
    ) -> SurveyState:
        """Done under a multi question: validate the picks and store them as the answer."""
        state = await self._checked(resident, response_id, revision, position)
        assert state.question is not None
        value = engine.validate_answer(state.question, state.picks, language="en")
        return await self._save(
            state, engine.apply_answer(state.definition, state.answers, state.question.id, value)
        )

    async def skip(
        self, resident: Resident, response_id: int, revision: int, position: int
    ) -> SurveyState:
        state = await self._checked(resident, response_id, revision, position)
        assert state.question is not None
        return await self._save(
            state, engine.skip_question(state.definition, state.answers, state.question.id)
        )

    async def back(self, resident: Resident, response_id: int, revision: int) -> SurveyState:
        state = await self._checked(resident, response_id, revision, None)
        assert state.question is not None
        previous = engine.previous_question(state.definition, state.answers, state.question.id)
        if previous is None:
            raise StaleActionError("already at the first question")
        response = await self._store.responses.set_cursor(response_id, revision, previous.id)
        if response is None:
            raise StaleActionError("the response moved on")
        return await self._state(state.round, response, state.answers)

    async def later(self, resident: Resident, response_id: int, revision: int) -> SurveyState:
        """ "Continue later": nothing to store (every answer already is); checks the button."""
        return await self._checked(resident, response_id, revision, None)

    async def remember_message(self, state: SurveyState, message_id: int | None) -> None:
        if state.response.message_id == message_id:
            return  # edited in place: the stored message is already this one
        await self._store.responses.set_message(state.response.id, message_id)

    async def _checked(
        self, resident: Resident, response_id: int, revision: int, position: int | None
    ) -> SurveyState:
        response = await self._own(resident, response_id)
        if response.completed:
            raise SurveyDoneError(f"response {response_id} is complete")
        round_ = await self._store.rounds.get(response.round_id)
        if round_.status != "open":
            raise RoundClosedError(f"round {round_.id} is {round_.status}")
        if response.revision != revision:
            raise StaleActionError(f"button for revision {revision}, now {response.revision}")
        state = await self._state(round_, response)
        if state.question is None or (
            position is not None and state.definition.position(state.question.id) != position
        ):
            raise StaleActionError("the button belongs to another question")
        return state

    async def _own(self, resident: Resident, response_id: int) -> Response:
        from surveys.errors import NotFoundError

        try:
            response = await self._store.responses.get(response_id)
        except NotFoundError:
            raise StaleActionError(f"no response {response_id}") from None
        if response.resident_id != resident.id:
            raise StaleActionError("not this resident's response")
        return response

    async def _save(self, state: SurveyState, answers: dict[str, AnswerValue]) -> SurveyState:
        rows = [answer_row(state.definition.question(qid), value) for qid, value in answers.items()]
        response = await self._store.responses.save(
            state.response.id,
            state.response.revision,
            rows,
            completed=engine.is_complete(state.definition, answers),
            # read under this revision: the store need only write what changed
            previous={qid: json.dumps(value) for qid, value in state.answers.items()},
        )
        if response is None:
            raise StaleActionError("the response moved on")
        # exactly what the store now holds, without reading it back
        stored = {row.question_id: json.loads(row.value_json) for row in rows}
        return await self._state(state.round, response, stored)

    async def _state(
        self, round_: Round, response: Response, answers: dict[str, AnswerValue] | None = None
    ) -> SurveyState:
        """The state of ``response``; ``answers`` are its stored answers if already known."""
        definition = await self._registry.definition(response.survey_version_id)
        if answers is None:
            answers = await self._store.responses.answers(response.id)
        question: Question | None = None
        if not response.completed:
            question = engine.next_question(definition, answers)
            if response.cursor is not None:
                visible = {q.id for q in engine.visible_questions(definition, answers)}
                if response.cursor in visible:
                    question = definition.question(response.cursor)
        progress = (
            engine.progress(definition, answers, question.id) if question is not None else None
        )
        can_go_back = (
            question is not None
            and engine.previous_question(definition, answers, question.id) is not None
        )
        most = engine.possible_total(definition, answers)
        return SurveyState(
            round_, response, definition, answers, question, progress, can_go_back, most
        )
