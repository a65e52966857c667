"""Residents' concern reports: /report (and the main menu's button), the draft's buttons and
typed input (description, location, photos), /myreports, and the one-tap follow-up.

The draft is a database row: every step is shown from it, so a restart, a second device or an
old button always lands on the step the draft is really at.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.fallback import unexpected_media
from bot.handlers.guards import onboarded
from bot.handlers.replies import answer_query, reply
from bot.handlers.where import show_where
from bot.keyboards import (
    DraftAreaPress,
    DraftCancelPress,
    DraftCategoryPress,
    DraftEditPress,
    DraftStepPress,
    DraftSubmitPress,
    FollowupPress,
    MeTooPress,
    MyReportPress,
    ReportMenuPress,
)
from bot.views.reports import (
    cancelled_view,
    draft_view,
    followed_view,
    followup_answer_view,
    my_report_view,
    my_reports_view,
    submitted_view,
)
from surveys.errors import SurveysError
from surveys.models import Resident
from surveys.reports.models import Location, ReportDraft


async def show_draft(
    update: Update, context: BotContext, draft: ReportDraft, *, edit: bool = False
) -> None:
    """The step the draft is at."""
    screen = await context.services.reports.drafting.screen(draft)
    resident = context.actor.resident
    view = draft_view(
        context.texts,
        context.language,
        draft,
        policy=context.services.reports.policy,
        areas=screen.areas,
        home_area=resident.area_id if resident else None,
        matches=screen.matches,
        emergency=context.settings.community.emergency_number,
        zone=context.settings.community.zone,
    )
    await reply(update, context, *view, edit=edit)


async def recover(update: Update, context: BotContext, error: SurveysError) -> None:
    """After a refused draft button: the draft as it is, or the menu when there is none."""
    resident = context.actor.resident
    if resident is None:
        return
    draft = await context.services.reports.drafting.current(resident)
    if draft is not None:
        await show_draft(update, context, draft)
    else:
        await show_where(update, context, resident)


def _resident(context: BotContext) -> Resident:
    resident = context.actor.resident
    assert resident is not None  # the @onboarded guard ran
    return resident


@onboarded
async def report_command(update: Update, context: BotContext) -> None:
    """/report: a new report, or the one in progress."""
    draft = await context.services.reports.drafting.begin(_resident(context))
    await show_draft(update, context, draft)


@onboarded
async def menu_pressed(update: Update, context: BotContext, press: ReportMenuPress) -> None:
    """Main menu: Report a problem, or My reports."""
    await answer_query(update, context)
    if press.item == "mine":
        await myreports_command(update, context)
    else:
        await report_command(update, context)


@onboarded
async def category_pressed(update: Update, context: BotContext, press: DraftCategoryPress) -> None:
    """Step 1: what the problem is."""
    drafting = context.services.reports.drafting
    draft = await drafting.choose_category(_resident(context), press.draft_id, press.category)
    await answer_query(update, context)
    await show_draft(update, context, draft, edit=True)


@onboarded
async def area_pressed(update: Update, context: BotContext, press: DraftAreaPress) -> None:
    """Step 2: where (the resident's area, or another)."""
    drafting = context.services.reports.drafting
    draft = await drafting.choose_area(_resident(context), press.draft_id, press.area_id)
    await answer_query(update, context)
    await show_draft(update, context, draft, edit=True)


@onboarded
async def step_pressed(update: Update, context: BotContext, press: DraftStepPress) -> None:
    """No location, none of the offered reports, photos done, contact yes or no."""
    drafting = context.services.reports.drafting
    draft = await drafting.advance(_resident(context), press.draft_id, press.step)
    await answer_query(update, context)
    await show_draft(update, context, draft, edit=True)


@onboarded
async def submit_pressed(update: Update, context: BotContext, press: DraftSubmitPress) -> None:
    """Review screen: send the report; its reference is the answer."""
    report = await context.services.reports.drafting.submit(_resident(context), press.draft_id)
    context.services.reports.scheduler.wake()  # the coordinators hear of it now, not at the poll
    await answer_query(update, context)
    view = submitted_view(context.texts, context.language, report)
    await reply(update, context, *view, edit=True)


@onboarded
async def edit_pressed(update: Update, context: BotContext, press: DraftEditPress) -> None:
    """Review screen: change one field."""
    drafting = context.services.reports.drafting
    draft = await drafting.edit(_resident(context), press.draft_id, press.field)
    await answer_query(update, context)
    await show_draft(update, context, draft, edit=True)


@onboarded
async def cancel_pressed(update: Update, context: BotContext, press: DraftCancelPress) -> None:
    """Cancel the draft at any step."""
    await context.services.reports.drafting.cancel(_resident(context), press.draft_id)
    await answer_query(update, context)
    await reply(update, context, *cancelled_view(context.texts, context.language), edit=True)


@onboarded
async def me_too_pressed(update: Update, context: BotContext, press: MeTooPress) -> None:
    """ "Me too": follow the offered report instead of making a duplicate."""
    drafting = context.services.reports.drafting
    report = await drafting.me_too(_resident(context), press.draft_id, press.report_id)
    await answer_query(update, context)
    await reply(update, context, *followed_view(context.texts, context.language, report), edit=True)


async def typed_description(update: Update, context: BotContext) -> bool:
    """Typed text, if the resident's draft is waiting for its description."""
    resident, message = context.actor.resident, update.effective_message
    drafting = context.services.reports.drafting
    if resident is None or message is None or message.text is None:
        return False
    draft = await drafting.current(resident)
    if draft is None or draft.step != "description":
        return False
    await show_draft(update, context, await drafting.describe(resident, message.text))
    return True


async def media_input(update: Update, context: BotContext) -> None:
    """A shared location or a photo: for the draft waiting for one, else the usual answer."""
    resident, message = context.actor.resident, update.effective_message
    drafting = context.services.reports.drafting
    if resident is None or message is None or await drafting.current(resident) is None:
        await unexpected_media(update, context)
        return
    shared = message.location
    location = Location(latitude=shared.latitude, longitude=shared.longitude) if shared else None
    photo = message.photo[-1].file_id if message.photo else None
    draft = await drafting.attach(resident, location=location, photo=photo)
    await show_draft(update, context, draft)


@onboarded
async def myreports_command(update: Update, context: BotContext) -> None:
    """/myreports: the resident's reports and the ones they follow, with their status."""
    items = await context.services.reports.desk.mine(_resident(context))
    policy, zone = context.services.reports.policy, context.settings.community.zone
    await reply(
        update, context, *my_reports_view(context.texts, context.language, items, policy, zone)
    )


@onboarded
async def my_report_pressed(update: Update, context: BotContext, press: MyReportPress) -> None:
    """One of the resident's reports: its status and public history."""
    card = await context.services.reports.desk.history_of(_resident(context), press.report_id)
    policy, zone = context.services.reports.policy, context.settings.community.zone
    await answer_query(update, context)
    await reply(
        update, context, *my_report_view(context.texts, context.language, card, policy, zone)
    )


@onboarded
async def followup_pressed(update: Update, context: BotContext, press: FollowupPress) -> None:
    """ "Has this been fixed?": one tap; "no" reopens the report."""
    desk = context.services.reports.desk
    outcome = await desk.answer_followup(
        _resident(context), press.report_id, press.cycle, press.answer
    )
    notice = followup_answer_view(context.texts, context.language, outcome, press.answer)
    await answer_query(update, context)
    await reply(update, context, notice, edit=True)
