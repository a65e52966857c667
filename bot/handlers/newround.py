"""/newround: a coordinator plans a survey round in five steps, with buttons or typed times.

Constants, rendering, then the handlers. The plan lives in the database (see
:mod:`surveys.planning`), so a restart or an old button cannot lose or corrupt it.
"""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.handlers.access import restricted
from bot.handlers.replies import answer_query, current_resident, language_of, reply
from bot.keyboards import decode, encode
from surveys.errors import PlanError, StaleActionError
from surveys.planning import RoundPlan

CLOSE_CHOICES = (3, 7, 14)
REMIND_CHOICES = (
    ("none", "button_no_reminders"),
    ("2d", "button_remind_2"),
    ("2d,5d", "button_remind_2_5"),
)


def _button(label: str, action: str, arg: str = "-") -> InlineKeyboardButton:
    return InlineKeyboardButton(label[:60], callback_data=encode("nr", action, arg))


async def render(update: Update, context: BotContext, plan: RoundPlan, *, edit: bool) -> None:
    """Show the step the plan is at, with its buttons."""
    language = language_of(update, context, await current_resident(update, context))
    texts, settings = context.texts, context.settings
    cancel = [_button(texts.get(language, "button_cancel"), "cancel")]
    areas = await context.store.areas.active()
    rows: list[list[InlineKeyboardButton]]
    if plan.step == "survey":
        text = texts.get(language, "newround_survey")
        rows = []
        for index, key in enumerate(context.services.registry.survey_keys()):
            title = context.services.registry.load(key).title.get(language, key)
            rows.append([_button(title, "survey", str(index))])
    elif plan.step == "audience":
        names = ", ".join(a.name for a in areas if a.id in plan.areas)
        text = texts.get(
            language, "newround_audience", areas=names or texts.get(language, "label_all_areas")
        )
        rows = [
            [_button(("☑ " if a.id in plan.areas else "☐ ") + a.name, "area", str(i))]
            for i, a in enumerate(areas)
        ]
        rows.append(
            [
                _button(texts.get(language, "button_all_areas"), "all"),
                _button(texts.get(language, "button_next"), "next"),
            ]
        )
    elif plan.step == "opens":
        text = texts.get(language, "newround_opens", zone=settings.community.timezone)
        rows = [[_button(texts.get(language, "button_now"), "now")]]
    elif plan.step == "closes":
        text = texts.get(language, "newround_closes")
        rows = [
            [
                _button(texts.raw(language, "button_days", days=d), "closes", f"{d}d")
                for d in CLOSE_CHOICES
            ]
        ]
    elif plan.step == "remind":
        text = texts.get(language, "newround_remind")
        rows = [[_button(texts.get(language, key), "remind", code)] for code, key in REMIND_CHOICES]
    else:
        text = _summary(context, language, plan, {a.id: a.name for a in areas})
        rows = [[_button(texts.get(language, "button_create"), "create")]]
    await reply(update, context, text, InlineKeyboardMarkup([*rows, cancel]), edit=edit)


def _summary(context: BotContext, language: str, plan: RoundPlan, names: dict[str, str]) -> str:
    texts, zone = context.texts, context.settings.community.zone

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
        survey=context.services.registry.load(plan.survey).title.get(language, plan.survey),
        areas=", ".join(names.get(a, a) for a in plan.areas)
        or texts.get(language, "label_all_areas"),
        opens=local(opens),
        closes=local(plan.closes_at),
        reminders=reminders or texts.get(language, "label_none"),
    )


@restricted("newround", "coordinator", "admin")
async def newround(update: Update, context: BotContext) -> None:
    """/newround: start (or restart) planning a round."""
    user = update.effective_user
    assert user is not None
    await render(update, context, await context.services.planner.start(user.id), edit=False)


async def newround_pressed(update: Update, context: BotContext) -> None:
    """The buttons of every step."""
    user = update.effective_user
    assert user is not None
    language = language_of(update, context, await current_resident(update, context))
    if context.settings.role_of(user.id) == "resident":
        await answer_query(update, context.texts.get(language, "not_allowed"))
        return
    query = update.callback_query
    action, arg = decode(query.data if query else None).args
    planner = context.services.planner
    try:
        if action == "cancel":
            await planner.cancel(user.id)
            await answer_query(update)
            await reply(
                update, context, context.texts.get(language, "newround_cancelled"), edit=True
            )
            return
        if action == "create":
            round_ = await planner.confirm(user.id, created_by=f"user:{user.id}")
            await context.store.audit.record(
                role=context.settings.role_of(user.id),
                action="rounds.create",
                allowed=True,
                user_id=user.id,
                detail={"round": round_.id},
            )
            await answer_query(update)
            await reply(
                update,
                context,
                context.texts.get(language, "newround_created", round=round_.id),
                edit=True,
            )
            return
        plan = await _step(context, user.id, action, arg)
    except PlanError as exc:
        await answer_query(update, context.texts.get(language, exc.code))
        return
    except (StaleActionError, ValueError, IndexError):
        await answer_query(update, context.texts.get(language, "stale_button"))
        return
    await answer_query(update)
    await render(update, context, plan, edit=True)


async def _step(context: BotContext, user_id: int, action: str, arg: str) -> RoundPlan:
    planner = context.services.planner
    if action == "survey":
        return await planner.choose_survey(
            user_id, context.services.registry.survey_keys()[int(arg)]
        )
    if action == "area":
        areas = await context.store.areas.active()
        return await planner.toggle_area(user_id, areas[int(arg)].id)
    if action == "all":
        return await planner.all_areas(user_id)
    if action == "next":
        return await planner.audience_done(user_id)
    if action == "now":
        return await planner.set_opens(user_id, "now")
    if action == "closes":
        return await planner.set_closes(user_id, arg)
    if action == "remind":
        return await planner.set_reminders(user_id, arg)
    raise StaleActionError(f"unknown step action {action!r}")


async def typed_plan_input(update: Update, context: BotContext) -> bool:
    """A typed time or reminder list for the plan's current step; False if none is waiting."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or message.text is None:
        return False
    if context.settings.role_of(user.id) == "resident":
        return False
    planner = context.services.planner
    plan = await planner.current(user.id)
    if plan is None or plan.step not in ("opens", "closes", "remind"):
        return False
    setter = {
        "opens": planner.set_opens,
        "closes": planner.set_closes,
        "remind": planner.set_reminders,
    }[plan.step]
    try:
        plan = await setter(user.id, message.text)
    except PlanError as exc:
        language = language_of(update, context, await current_resident(update, context))
        await reply(update, context, context.texts.get(language, exc.code))
        return True
    await render(update, context, plan, edit=False)
    return True
