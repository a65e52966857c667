"""/newround screens: one per step of the plan, with its buttons and Cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton

from bot.keyboards import (
    LABEL_MAX,
    PlanAreaPress,
    PlanBackPress,
    PlanCancelPress,
    PlanClosesPress,
    PlanCreatePress,
    PlanMovePress,
    PlanRemindPress,
    PlanRepeatPress,
    PlanSurveyPress,
    button,
    keyboard,
)
from bot.texts import Catalogue
from bot.views import Screen
from surveys.planning import PlanChoices, PlannedRound, RoundPlan

CLOSE_CHOICES = (3, 7, 14)
REMIND_CHOICES = (
    ("none", "button_no_reminders"),
    ("2d", "button_remind_2"),
    ("2d,5d", "button_remind_2_5"),
)
REPEAT_CHOICES: tuple[Literal["none", "weekly", "monthly"], ...] = ("none", "weekly", "monthly")


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
    elif plan.step == "repeat":
        text = get(language, "newround_repeat")
        rows = [
            [button(get(language, f"button_repeat_{choice}"), PlanRepeatPress(choice))]
            for choice in REPEAT_CHOICES
        ]
    else:
        text = summary_text(texts, language, plan, choices, zone)
        rows = [[button(get(language, "button_create"), PlanCreatePress())]]
    back = [button(get(language, "button_back"), PlanBackPress())] if plan.step != "survey" else []
    rows.append([*back, button(get(language, "button_cancel"), PlanCancelPress())])
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
        repeat=_repeat_label(texts, language, plan.repeat),
        zone=zone.key,
    )


def _repeat_label(texts: Catalogue, language: str, repeat: str | None) -> str:
    if repeat in (None, "weekly", "monthly"):
        return texts.get(language, f"label_repeat_{repeat or 'none'}")
    return repeat  # a crontab line, as typed


def created_view(texts: Catalogue, language: str, planned: PlannedRound, zone: ZoneInfo) -> Screen:
    """Open now or planned for later, and when quiet hours hold the invitations."""
    round_ = planned.round

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    if planned.opens_now:
        lines = [texts.get(language, "newround_opened", round=round_.id)]
    else:
        opens = local(round_.opens_at)
        lines = [
            texts.get(language, "newround_planned", round=round_.id, opens=opens, zone=zone.key)
        ]
    if planned.invitations_at > round_.opens_at:
        until = local(planned.invitations_at)
        lines.append(texts.get(language, "newround_held", until=until, zone=zone.key))
    return Screen("\n".join(lines))


def cancelled_view(texts: Catalogue, language: str) -> Screen:
    return Screen(texts.get(language, "newround_cancelled"))
