"""The survey conversation: /surveys, Start, one question per message, Back, Skip, Later.

Handlers parse the button, call :class:`surveys.answering.Answering` (which commits before it
returns) and render the state it hands back, editing the question message in place. Refusals
(an old button, a closed round, a bad typed answer) are errors the error handler explains.
"""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import BadRequest

from bot.context import BotContext
from bot.handlers.buttons import show_where_after
from bot.handlers.guards import onboarded
from bot.handlers.replies import answer_query, reply
from bot.keyboards import (
    AnswerPress,
    BackPress,
    DonePress,
    LaterPress,
    ResponsePress,
    SkipPress,
    StartPress,
    SurveysPress,
    TogglePress,
)
from bot.views.survey import closed_view, later_view, rounds_view, state_view
from surveys.answering import SurveyState
from surveys.errors import NotFoundError, RoundClosedError, StaleActionError, SurveysError
from surveys.models import Resident


def _resident(context: BotContext) -> Resident:
    resident = context.actor.resident
    assert resident is not None  # the @onboarded guard ran
    return resident


async def show_state(
    update: Update, context: BotContext, state: SurveyState, *, edit: bool = True
) -> None:
    """Show the question (or the thank-you) and remember which message shows it."""
    await answer_query(update, context)
    view = state_view(context.texts, context.language, state)
    message_id = await reply(update, context, *view, edit=edit)
    shown = message_id if state.question is not None else None
    await context.services.answering.remember_message(state, shown)


async def recover(update: Update, context: BotContext, error: SurveysError) -> None:
    """After a refused survey button: a closed round's message says so and loses its buttons;
    a round that no longer exists leads back to the menu; an old button shows the current
    question again (it may never have been shown: a crash or a failed edit after the answer
    was stored)."""
    if isinstance(error, RoundClosedError):
        await reply(update, context, *closed_view(context.texts, context.language), edit=True)
    elif isinstance(error, NotFoundError):
        await show_where_after(update, context, error)
    elif isinstance(error, StaleActionError) and isinstance(context.press, ResponsePress):
        state = await context.services.answering.resume(
            _resident(context), context.press.response_id
        )
        if state is not None:
            await show_state(update, context, state)


@onboarded
async def surveys_command(update: Update, context: BotContext) -> None:
    """/surveys (and the menu button): the open rounds for the resident's area."""
    entries = await context.services.answering.open_rounds(_resident(context))
    await answer_query(update, context)
    await reply(update, context, *rounds_view(context.texts, context.language, entries))


async def surveys_pressed(update: Update, context: BotContext, press: SurveysPress) -> None:
    """The Surveys button of the main menu."""
    await surveys_command(update, context)


@onboarded
async def start_pressed(update: Update, context: BotContext, press: StartPress) -> None:
    """Start/Continue: resume the round at the right question."""
    state = await context.services.answering.start(_resident(context), press.round_id)
    await show_state(update, context, state)


@onboarded
async def answer_pressed(update: Update, context: BotContext, press: AnswerPress) -> None:
    """An answer button (a choice, a rating, yes or no)."""
    state = await context.services.answering.answer_button(
        _resident(context), press.response_id, press.revision, press.position, press.option
    )
    await show_state(update, context, state)


@onboarded
async def toggle_pressed(update: Update, context: BotContext, press: TogglePress) -> None:
    """Tick or untick a choice of a multi-select question."""
    state = await context.services.answering.toggle(
        _resident(context), press.response_id, press.revision, press.position, press.option
    )
    await show_state(update, context, state)


@onboarded
async def done_pressed(update: Update, context: BotContext, press: DonePress) -> None:
    """Done under a multi-select question."""
    state = await context.services.answering.done(
        _resident(context), press.response_id, press.revision, press.position
    )
    await show_state(update, context, state)


@onboarded
async def skip_pressed(update: Update, context: BotContext, press: SkipPress) -> None:
    """Skip an optional question."""
    state = await context.services.answering.skip(
        _resident(context), press.response_id, press.revision, press.position
    )
    await show_state(update, context, state)


@onboarded
async def back_pressed(update: Update, context: BotContext, press: BackPress) -> None:
    """Back to the previous question shown."""
    state = await context.services.answering.back(
        _resident(context), press.response_id, press.revision
    )
    await show_state(update, context, state)


@onboarded
async def later_pressed(update: Update, context: BotContext, press: LaterPress) -> None:
    """Continue later: every answer is already stored; the question message is released."""
    answering = context.services.answering
    parked = await answering.later(_resident(context), press.response_id, press.revision)
    await answer_query(update, context)
    await answering.remember_message(parked, None)
    await reply(update, context, *later_view(context.texts, context.language), edit=True)


async def typed_answer(update: Update, context: BotContext) -> bool:
    """Typed text for the question on screen; False if no question is waiting for it."""
    message, actor = update.effective_message, context.actor
    if not actor.onboarded or message is None or message.text is None:
        return False
    answering = context.services.answering
    state = await answering.current_typed(_resident(context))
    if state is None:
        return False
    new_state = await answering.answer_typed(state, message.text, actor.language)
    if state.response.message_id is not None:
        await _drop_keyboard(context, message.chat_id, state.response.message_id)
    await show_state(update, context, new_state, edit=False)
    return True


async def _drop_keyboard(context: BotContext, chat_id: int, message_id: int) -> None:
    """The answered question's buttons would only be stale now; remove them (best effort)."""
    with contextlib.suppress(BadRequest):
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
