"""/newround screens: one per step of the plan, with its buttons and Cancel."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton

from bot.keyboards import (
    LABEL_MAX,
    PlanAreaPress,
    PlanCancelPress,
    PlanClosesPress,
    PlanCreatePress,
    PlanMovePress,
    PlanRemindPress,
    PlanSurveyPress,
    button,
    keyboard,
)
from bot.texts import Catalogue
from bot.views import Screen
from surveys.models import Round
from surveys.planning import PlanChoices, RoundPlan

CLOSE_CHOICES = (3, 7, 14)
REMIND_CHOICES = (
    ("none", "button_no_reminders"),
    ("2d", "button_remind_2"),
    ("2d,5d", "button_remind_2_5"),
)


def plan_view(
    texts: Catalogue, language: str, plan: RoundPlan, choices: PlanChoices, zone: ZoneInfo
) -> Screen:
    """The step the plan is at, with its buttons."""
    get = texts.get
    rows: list[list[InlineKeyboardButton]]
    if plan.step == "survey":
        text = get(language, "newround_survey")
        rows = [
            [button(title.get(language, key)[:LABEL_MAX], PlanSurveyPress(key))]
            for key, title in choices.surveys.items()
        ]
    elif plan.step == "audience":
        names = ", ".join(choices.area_names(plan.areas))
        text = get(language, "newround_audience", areas=names or get(language, "label_all_areas"))
        rows = [
            [button(("☑ " if a.id in plan.areas else "☐ ") + a.name, PlanAreaPress(a.id))]
            for a in choices.areas
        ]
        rows.append(
            [
                button(get(language, "button_all_areas"), PlanMovePress("all")),
                button(get(language, "button_next"), PlanMovePress("next")),
            ]
        )
    elif plan.step == "opens":
        text = get(language, "newround_opens", zone=zone.key)
        rows = [[button(get(language, "button_now"), PlanMovePress("now"))]]
    elif plan.step == "closes":
        text = get(language, "newround_closes")
        rows = [
            [
                button(texts.raw(language, "button_days", days=d), PlanClosesPress(d))
                for d in CLOSE_CHOICES
            ]
        ]
    elif plan.step == "remind":
        text = get(language, "newround_remind")
        rows = [[button(get(language, key), PlanRemindPress(code))] for code, key in REMIND_CHOICES]
    else:
        text = summary_text(texts, language, plan, choices, zone)
        rows = [[button(get(language, "button_create"), PlanCreatePress())]]
    rows.append([button(get(language, "button_cancel"), PlanCancelPress())])
    return Screen(text, keyboard(rows))


def summary_text(
    texts: Catalogue, language: str, plan: RoundPlan, choices: PlanChoices, zone: ZoneInfo
) -> str:
    def local(moment: datetime | None) -> str:
        if moment is None:
            return texts.get(language, "button_now")
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    opens = plan.opens_at
    if opens is None:  # opens on confirmation: reminders are relative to that moment
        reminders = ", ".join(f"+{offset.total_seconds() / 86400:g}d" for offset in plan.reminders)
    else:
        reminders = ", ".join(local(opens + offset) for offset in plan.reminders)
    assert plan.survey is not None
    return texts.get(
        language,
        "newround_confirm",
        survey=choices.surveys.get(plan.survey, {}).get(language, plan.survey),
        areas=", ".join(choices.area_names(plan.areas)) or texts.get(language, "label_all_areas"),
        opens=local(opens),
        closes=local(plan.closes_at),
        reminders=reminders or texts.get(language, "label_none"),
    )


def created_view(texts: Catalogue, language: str, round_: Round) -> Screen:
    return Screen(texts.get(language, "newround_created", round=round_.id))


def cancelled_view(texts: Catalogue, language: str) -> Screen:
    return Screen(texts.get(language, "newround_cancelled"))
