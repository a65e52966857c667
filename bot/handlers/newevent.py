"""/newevent: a coordinator creates an event step by step, checks it (times in the community's
zone), previews the announcement and sends it.

The plan lives in the database (see :mod:`surveys.events.wizard`): a restart resumes it, and
every button names the step whose screen it is on, so an old button changes nothing.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.guards import staff_only
from bot.handlers.replies import answer_query, reply
from bot.keyboards import (
    NewEventAreaPress,
    NewEventCapacityPress,
    NewEventEndsPress,
    NewEventPartnerPress,
    NewEventPress,
)
from bot.views.events import newevent_cancelled_view, newevent_created_view, newevent_view
from surveys.events.wizard import EventPlan


async def show_plan(update: Update, context: BotContext, plan: EventPlan, *, edit: bool) -> None:
    """Answer the press (if any) and show the plan's current step."""
    planner = context.services.events.planner
    choices = await planner.choices(plan)
    await answer_query(update, context)
    await reply(
        update, context, *newevent_view(context.texts, context.language, plan, choices), edit=edit
    )


def _user(context: BotContext) -> int:
    user_id = context.actor.user_id
    assert user_id is not None
    return user_id


@staff_only("newevent")
async def newevent(update: Update, context: BotContext) -> None:
    """/newevent: start (or restart) creating an event."""
    plan = await context.services.events.planner.start(_user(context))
    await show_plan(update, context, plan, edit=False)


@staff_only("newevent")
async def newevent_pressed(update: Update, context: BotContext, press: NewEventPress) -> None:
    """Back, Skip, All areas, Next, No limit, No partner, Preview, Send or Cancel."""
    planner, user = context.services.events.planner, _user(context)
    if press.move == "send":
        await send(update, context)
    elif press.move == "cancel":
        await planner.cancel(user)
        await answer_query(update, context)
        await reply(
            update, context, *newevent_cancelled_view(context.texts, context.language), edit=True
        )
    else:
        await show_plan(
            update, context, await planner.move(user, press.step, press.move), edit=True
        )


async def send(update: Update, context: BotContext) -> None:
    """Send: create the event and let the event clock announce it now."""
    events = context.services.events
    event = await events.planner.send(_user(context), role=context.actor.role)
    await events.scheduler.tick()
    audience = await events.board.audience_size(event.area_ids)
    await answer_query(update, context)
    held = events.board.held_until()
    zone = context.settings.community.zone
    view = newevent_created_view(context.texts, context.language, event, audience, held, zone)
    await reply(update, context, *view, edit=True)


@staff_only("newevent")
async def newevent_area_pressed(
    update: Update, context: BotContext, press: NewEventAreaPress
) -> None:
    """Audience: tick or untick an area, by id."""
    plan = await context.services.events.planner.toggle_area(_user(context), press.area_id)
    await show_plan(update, context, plan, edit=True)


@staff_only("newevent")
async def newevent_ends_pressed(
    update: Update, context: BotContext, press: NewEventEndsPress
) -> None:
    """End: so many minutes after the start."""
    plan = await context.services.events.planner.set_ends(_user(context), f"{press.minutes}m")
    await show_plan(update, context, plan, edit=True)


@staff_only("newevent")
async def newevent_capacity_pressed(
    update: Update, context: BotContext, press: NewEventCapacityPress
) -> None:
    """Capacity: so many places."""
    plan = await context.services.events.planner.set_capacity(_user(context), str(press.places))
    await show_plan(update, context, plan, edit=True)


@staff_only("newevent")
async def newevent_partner_pressed(
    update: Update, context: BotContext, press: NewEventPartnerPress
) -> None:
    """Partner: a configured partner organisation, by id."""
    plan = await context.services.events.planner.set_partner(_user(context), press.partner_id)
    await show_plan(update, context, plan, edit=True)


async def typed_event_input(update: Update, context: BotContext) -> bool:
    """Typed title, time, place, capacity or partner for the plan's step; False if none waits."""
    message, actor = update.effective_message, context.actor
    if not actor.is_staff or message is None or message.text is None:
        return False
    plan = await context.services.events.planner.typed(_user(context), message.text)
    if plan is None:
        return False
    await show_plan(update, context, plan, edit=False)
    return True
