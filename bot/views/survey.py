"""Survey screens: the open rounds (/surveys), one question with its buttons, the thank-you."""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards import (
    LABEL_MAX,
    AnswerPress,
    BackPress,
    DonePress,
    LaterPress,
    SkipPress,
    StartPress,
    TogglePress,
    button,
    keyboard,
)
from bot.texts import Catalogue
from bot.views import Screen
from surveys.answering import RoundEntry, SurveyState
from surveys.definitions import Button


def rounds_view(texts: Catalogue, language: str, entries: Sequence[RoundEntry]) -> Screen:
    """The open rounds: done ones ticked, a Start/Continue button for each of the others."""
    if not entries:
        return Screen(texts.get(language, "surveys_none"))
    lines = [texts.get(language, "surveys_list")]
    rows = []
    for entry in entries:
        title = entry.definition.title[language]
        if entry.response is not None and entry.response.completed:
            lines.append(texts.get(language, "survey_done_line", title=title))
            continue
        key = "button_continue_survey" if entry.response else "button_start_survey"
        label = texts.raw(language, key, title=title)[:LABEL_MAX]
        rows.append([button(label, StartPress(entry.round.id))])
    return Screen("\n".join(lines), keyboard(rows))


def state_view(texts: Catalogue, language: str, state: SurveyState) -> Screen:
    """The question on screen with its buttons, or the thank-you once the response is complete."""
    if state.question is None:
        return Screen(texts.get(language, "survey_thanks"))
    return Screen(question_text(texts, language, state), question_keyboard(texts, language, state))


def closed_view(texts: Catalogue, language: str) -> Screen:
    return Screen(texts.get(language, "error_round_closed"))


def later_view(texts: Catalogue, language: str) -> Screen:
    return Screen(texts.get(language, "survey_later"))


def question_text(texts: Catalogue, language: str, state: SurveyState) -> str:
    """Progress line, the question, and a hint on how to answer it."""
    question, progress = state.question, state.progress
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
    parts.append("<i>" + _progress(texts, language, state) + "</i>")
    parts.append("<b>" + html.escape(question.text[language], quote=False) + "</b>")
    hint = _hint(texts, language, state)
    if hint:
        parts.append(hint)
    if not question.required:
        parts.append(texts.get(language, "hint_optional"))
    return "\n\n".join(parts)


def _progress(texts: Catalogue, language: str, state: SurveyState) -> str:
    """ "Question 3 of 12", or "of up to 13" while a later question may still appear."""
    progress = state.progress
    assert progress is not None
    if state.most_questions > progress.total:
        return texts.get(
            language,
            "question_progress_up_to",
            position=progress.position,
            total=state.most_questions,
        )
    return texts.get(
        language, "question_progress", position=progress.position, total=progress.total
    )


def _hint(texts: Catalogue, language: str, state: SurveyState) -> str | None:
    hint = state.question.hint(language) if state.question is not None else None
    return texts.get(language, hint.key, **hint.params) if hint else None


def question_keyboard(
    texts: Catalogue, language: str, state: SurveyState
) -> InlineKeyboardMarkup | None:
    """Answer buttons for the question on screen (as its type lays them out), then Done for
    ticked answers, then Back / Skip / Continue later."""
    question = state.question
    assert question is not None
    response, rev = state.response.id, state.response.revision
    pos = state.definition.position(question.id)

    def answer(choice: Button) -> InlineKeyboardButton:
        if choice.ticked is None:
            return button(choice.label, AnswerPress(response, rev, pos, choice.option))
        tick = "☑ " if choice.ticked else "☐ "
        return button(tick + choice.label, TogglePress(response, rev, pos, choice.option))

    rows = [[answer(choice) for choice in row] for row in question.buttons(language, state.picks)]
    if question.expects_ticks:
        rows.append([button(texts.get(language, "button_done"), DonePress(response, rev, pos))])
    nav = []
    if state.can_go_back:
        nav.append(button(texts.get(language, "button_back"), BackPress(response, rev)))
    if not question.required:
        nav.append(button(texts.get(language, "button_skip"), SkipPress(response, rev, pos)))
    nav.append(button(texts.get(language, "button_later"), LaterPress(response, rev)))
    return keyboard([*rows, nav])
