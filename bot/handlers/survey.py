"""The survey conversation: /surveys, Start, one question per message, Back, Skip, Later.

Handlers parse the button, call :class:`surveys.answering.Answering` (which commits before it
returns) and render the state it hands back, editing the question message in place.
"""

from __future__ import annotations

import contextlib
import html

from telegram import Update
from telegram.error import BadRequest

from bot.context import BotContext
from bot.handlers.onboarding import stale
from bot.handlers.replies import answer_query, current_resident, reply
from bot.keyboards import decode, question_keyboard, rounds_keyboard
from surveys.answering import SurveyState
from surveys.errors import AnswerError, RoundClosedError, StaleActionError, SurveyDoneError
from surveys.models import Resident


def question_text(context: BotContext, language: str, state: SurveyState) -> str:
    """Progress line, the question, and a hint on how to answer it."""
    texts, question, progress = context.texts, state.question, state.progress
    assert question is not None and progress is not None
    parts = []
    if progress.position == 1 and not state.answers:
        parts.append(
            texts.get(
                language,
                "survey_intro",
                title=state.definition.title[language],
                intro=state.definition.intro[language],
            )
        )
    parts.append(
        "<i>"
        + texts.get(language, "question_progress", position=progress.position, total=progress.total)
        + "</i>"
    )
    parts.append("<b>" + html.escape(question.text[language], quote=False) + "</b>")
    hint = _hint(context, language, state)
    if hint:
        parts.append(hint)
    if not question.required:
        parts.append(texts.get(language, "hint_optional"))
    return "\n\n".join(parts)


def _hint(context: BotContext, language: str, state: SurveyState) -> str | None:
    hint = state.question.hint(language) if state.question is not None else None
    return context.texts.get(language, hint.key, **hint.params) if hint else None


async def show_state(
    update: Update, context: BotContext, resident: Resident, state: SurveyState, *, edit: bool
) -> None:
    """Show the question (or the thank-you) and remember which message shows it."""
    language = resident.language
    if state.question is None:
        await reply(update, context, context.texts.get(language, "survey_thanks"), edit=edit)
        await context.services.answering.remember_message(state, None)
        return
    text = question_text(context, language, state)
    markup = question_keyboard(context.texts, language, state)
    message_id = await reply(update, context, text, markup, edit=edit)
    await context.services.answering.remember_message(state, message_id)


async def surveys_command(update: Update, context: BotContext) -> None:
    """/surveys (and the menu button): the open rounds for the resident's area."""
    resident = await current_resident(update, context)
    if resident is None or resident.step != "done":
        await stale(update, context, resident)
        return
    await answer_query(update)
    language = resident.language
    entries = await context.services.answering.open_rounds(resident)
    if not entries:
        await reply(update, context, context.texts.get(language, "surveys_none"))
        return
    lines = [context.texts.get(language, "surveys_list")]
    lines += [
        context.texts.get(language, "survey_done_line", title=entry.definition.title[language])
        for entry in entries
        if entry.response is not None and entry.response.completed
    ]
    await reply(
        update, context, "\n".join(lines), rounds_keyboard(context.texts, language, entries)
    )


async def start_pressed(update: Update, context: BotContext) -> None:
    """Start/Continue: resume the round at the right question."""
    resident = await _resident(update, context)
    if resident is None:
        return
    (round_id,) = decode(_data(update)).args
    try:
        state = await context.services.answering.start(resident, int(round_id))
    except (StaleActionError, RoundClosedError, SurveyDoneError) as exc:
        await _refuse(update, context, resident, exc)
        return
    await answer_query(update)
    await show_state(update, context, resident, state, edit=True)


async def survey_button_pressed(update: Update, context: BotContext) -> None:
    """Answer, toggle, Done, Skip, Back and Continue later under a question."""
    resident = await _resident(update, context)
    if resident is None:
        return
    callback = decode(_data(update))
    response_id, revision, *rest = map(int, callback.args)
    answering = context.services.answering
    try:
        if callback.action == "sva":
            state = await answering.answer_button(resident, response_id, revision, *rest)
        elif callback.action == "svt":
            state = await answering.toggle(resident, response_id, revision, *rest)
        elif callback.action == "svd":
            state = await answering.done(resident, response_id, revision, *rest)
        elif callback.action == "svs":
            state = await answering.skip(resident, response_id, revision, *rest)
        elif callback.action == "svb":
            state = await answering.back(resident, response_id, revision)
        else:
            parked = await answering.later(resident, response_id, revision)
            await answer_query(update)
            await answering.remember_message(parked, None)
            await reply(
                update, context, context.texts.get(resident.language, "survey_later"), edit=True
            )
            return
    except AnswerError as exc:
        await answer_query(
            update, context.texts.get(resident.language, f"answer_{exc.code}", **exc.params)
        )
        return
    except (StaleActionError, RoundClosedError, SurveyDoneError) as exc:
        await _refuse(update, context, resident, exc)
        return
    await answer_query(update)
    await show_state(update, context, resident, state, edit=True)


async def typed_answer(update: Update, context: BotContext, resident: Resident) -> bool:
    """Route typed text to the question on screen; False if no question is waiting for it."""
    answering = context.services.answering
    state = await answering.current_typed(resident)
    message = update.effective_message
    if state is None or message is None or message.text is None:
        return False
    language = resident.language
    try:
        new_state = await answering.answer_typed(state, message.text, language)
    except AnswerError as exc:
        await reply(
            update, context, context.texts.get(language, f"answer_{exc.code}", **exc.params)
        )
        return True
    except (StaleActionError, RoundClosedError, SurveyDoneError) as exc:
        await _refuse(update, context, resident, exc)
        return True
    if state.response.message_id is not None:
        await _drop_keyboard(context, message.chat_id, state.response.message_id)
    await show_state(update, context, resident, new_state, edit=False)
    return True


async def _drop_keyboard(context: BotContext, chat_id: int, message_id: int) -> None:
    """The answered question's buttons would only be stale now; remove them (best effort)."""
    with contextlib.suppress(BadRequest):
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)


async def _refuse(update: Update, context: BotContext, resident: Resident, exc: Exception) -> None:
    language, texts = resident.language, context.texts
    if isinstance(exc, RoundClosedError):
        await answer_query(update, texts.get(language, "survey_closed"))
        await reply(update, context, texts.get(language, "survey_closed"), edit=True)
    elif isinstance(exc, SurveyDoneError):
        await answer_query(update, texts.get(language, "survey_already_done"))
    else:
        await answer_query(update, texts.get(language, "survey_out_of_date"))


async def _resident(update: Update, context: BotContext) -> Resident | None:
    resident = await current_resident(update, context)
    if resident is None or resident.step != "done":
        await stale(update, context, resident)
        return None
    return resident


def _data(update: Update) -> str | None:
    query = update.callback_query
    return query.data if query else None
