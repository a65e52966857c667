"""/newround: a coordinator plans a survey round in five steps, with buttons or typed times.

The plan lives in the database (see :mod:`surveys.planning`), so a restart or an old button
cannot lose or corrupt it; every button carries ids (survey key, area id), never positions.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.guards import staff_only
from bot.handlers.replies import answer_query, reply
from bot.keyboards import (
    PlanAreaPress,
    PlanBackPress,
    PlanCancelPress,
    PlanClosesPress,
    PlanCreatePress,
    PlanMovePress,
    PlanRemindPress,
    PlanRepeatPress,
    PlanSurveyPress,
)
from bot.views.newround import cancelled_view, created_view, plan_view
from surveys.errors import StaleActionError, SurveysError
from surveys.planning import RoundPlan


async def show_plan(update: Update, context: BotContext, plan: RoundPlan, *, edit: bool) -> None:
    """Answer the press (if any) and show the plan's current step."""
    choices = await context.services.planner.choices()
    await answer_query(update, context)
    view = plan_view(
        context.texts, context.language, plan, choices, context.settings.community.zone
    )
    await reply(update, context, *view, edit=edit)


async def recover(update: Update, context: BotContext, error: SurveysError) -> None:
    """After an old or double-tapped /newround button: show the step the plan is really at."""
    if not isinstance(error, StaleActionError) or not context.actor.is_staff:
        return
    plan = await context.services.planner.current(_user(context))
    if plan is not None:
        await show_plan(update, context, plan, edit=True)


def _user(context: BotContext) -> int:
    user_id = context.actor.user_id
    assert user_id is not None
    return user_id


@staff_only("newround")
async def newround(update: Update, context: BotContext) -> None:
    """/newround: start (or restart) planning a round."""
    await show_plan(
        update, context, await context.services.planner.start(_user(context)), edit=False
    )


@staff_only("newround")
async def plan_survey_pressed(update: Update, context: BotContext, press: PlanSurveyPress) -> None:
    """Step 1: the survey, by key."""
    plan = await context.services.planner.choose_survey(_user(context), press.survey)
    await show_plan(update, context, plan, edit=True)


@staff_only("newround")
async def plan_area_pressed(update: Update, context: BotContext, press: PlanAreaPress) -> None:
    """Step 2: tick or untick an area, by id."""
    plan = await context.services.planner.toggle_area(_user(context), press.area_id)
    await show_plan(update, context, plan, edit=True)


@staff_only("newround")
async def plan_move_pressed(update: Update, context: BotContext, press: PlanMovePress) -> None:
    """All areas, Next, Now: move the plan on."""
    plan = await context.services.planner.move(_user(context), press.move)
    await show_plan(update, context, plan, edit=True)


@staff_only("newround")
async def plan_closes_pressed(update: Update, context: BotContext, press: PlanClosesPress) -> None:
    """Step 4: close so many days after the opening."""
    plan = await context.services.planner.set_closes(_user(context), f"{press.days}d")
    await show_plan(update, context, plan, edit=True)


@staff_only("newround")
async def plan_remind_pressed(update: Update, context: BotContext, press: PlanRemindPress) -> None:
    """Step 5: the reminders."""
    plan = await context.services.planner.set_reminders(_user(context), press.reminders)
    await show_plan(update, context, plan, edit=True)


@staff_only("newround")
async def plan_repeat_pressed(update: Update, context: BotContext, press: PlanRepeatPress) -> None:
    """Step 6: repeat weekly, monthly, or not."""
    plan = await context.services.planner.set_repeat(_user(context), press.repeat)
    await show_plan(update, context, plan, edit=True)


@staff_only("newround")
async def plan_back_pressed(update: Update, context: BotContext, press: PlanBackPress) -> None:
    """Back: the step before."""
    plan = await context.services.planner.back(_user(context))
    await show_plan(update, context, plan, edit=True)


@staff_only("newround")
async def plan_create_pressed(update: Update, context: BotContext, press: PlanCreatePress) -> None:
    """Create round: store it (the round clock opens it and invites its audience)."""
    planned = await context.services.planner.confirm(_user(context), role=context.actor.role)
    await answer_query(update, context)
    view = created_view(context.texts, context.language, planned, context.settings.community.zone)
    await reply(update, context, *view, edit=True)


@staff_only("newround")
async def plan_cancel_pressed(update: Update, context: BotContext, press: PlanCancelPress) -> None:
    """Cancel: forget the plan."""
    await context.services.planner.cancel(_user(context))
    await answer_query(update, context)
    await reply(update, context, *cancelled_view(context.texts, context.language), edit=True)


async def typed_plan_input(update: Update, context: BotContext) -> bool:
    """A typed time or reminder list for the plan's current step; False if none is waiting."""
    message, actor = update.effective_message, context.actor
    if not actor.is_staff or message is None or message.text is None:
        return False
    plan = await context.services.planner.typed(_user(context), message.text)
    if plan is None:
        return False
    await show_plan(update, context, plan, edit=False)
    return True
