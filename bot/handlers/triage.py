"""Working on reports: coordinators' /reports (filters, pages, overdue, a reference), report
cards and their buttons in private chats, and the same cards in partner groups, where only the
partner's members may act (anyone else is refused and audited).

A status change other than "acknowledged" asks for an optional public note (closing asks for
the reason first; a duplicate for the original's reference); the change waits in the database
for that text, typed in private or, in a group, as a reply to the bot's prompt.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update

from bot.context import BotContext
from bot.handlers.guards import audit, staff_only
from bot.handlers.replies import answer_query, notify, reply
from bot.keyboards import (
    PendingChangePress,
    ReportCardPress,
    ReportFilterPress,
    ReportListPress,
    ReportNotePress,
    ReportPhotosPress,
    ReportReasonPress,
    ReportRouteMenuPress,
    ReportRoutePress,
    ReportStatusPress,
)
from bot.views.reports import (
    ANY,
    card_view,
    changed_notice,
    filter_view,
    pending_view,
    photo_captions,
    reason_view,
    report_figures_view,
    report_list_view,
    route_view,
)
from surveys.clock import utcnow
from surveys.reports import lifecycle
from surveys.reports.changes import Applied, ChangeStep, NeedsReason
from surveys.reports.desk import LIST_SHOWS, ListShow
from surveys.reports.models import Actor, CloseReason, ReportStatus, parse_reference

P = TypeVar("P")
Worked = Callable[[Update, BotContext, P, Actor], Coroutine[Any, Any, None]]
Pressed = Callable[[Update, BotContext, P], Coroutine[Any, Any, None]]


def report_worker(action: str) -> Callable[[Worked[P]], Pressed[P]]:
    """Run a card button's handler for staff, or in a partner's group for its members, with
    the domain actor as last argument; anyone else is refused and the refusal audited."""

    def decorate(handler: Worked[P]) -> Pressed[P]:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext, press: P) -> None:
            acting = _acting(update, context)
            if acting is None:
                await _refuse(update, context, action)
                return
            await handler(update, context, press, acting)

        return guarded

    return decorate


def _acting(update: Update, context: BotContext) -> Actor | None:
    """Who the presser acts as on a report: staff anywhere, a partner's member in its group."""
    chat, user = update.effective_chat, context.actor
    if chat is None or user.user_id is None:
        return None
    return lifecycle.acting_as(
        user.user_id,
        user.role,
        chat.id,
        in_group=chat.type in ("group", "supergroup"),
        policy=context.services.reports.policy,
    )


async def _refuse(update: Update, context: BotContext, action: str) -> None:
    """Tell a presser who may not act on reports here so, and audit the refusal."""
    chat = update.effective_chat
    partner = context.services.reports.policy.partner_by_chat(chat.id) if chat else None
    await audit(
        context,
        action,
        allowed=False,
        chat=chat.id if chat else None,
        partner=partner.id if partner else None,
    )
    name = partner.name if partner else "–"
    await notify(update, context, context.text("report_not_member", partner=name))


async def show_card(
    update: Update, context: BotContext, report_id: int, actor: Actor, *, edit: bool = True
) -> None:
    """The report's card as ``actor`` may see and use it."""
    desk = context.services.reports.desk
    card = await desk.card(report_id, for_staff=not actor.is_partner)
    view = card_view(
        context.texts,
        context.language,
        card,
        actor,
        policy=desk.policy,
        names=await desk.area_names(),
        zone=context.settings.community.zone,
        now=utcnow(),
    )
    await reply(update, context, *view, edit=edit)


async def show_list(
    update: Update, context: BotContext, press: ReportListPress, *, edit: bool
) -> None:
    """One page of /reports with its filters."""
    desk = context.services.reports.desk
    page = await desk.listing(press.show, press.area, press.category_code, press.page)
    names, failures = await desk.area_names(), await desk.notice_failures()
    view = report_list_view(
        context.texts, context.language, page, press, desk.policy, names, failures, utcnow()
    )
    await reply(update, context, *view, edit=edit)


@staff_only("reports")
async def reports_command(update: Update, context: BotContext) -> None:
    """/reports [open|overdue|new|resolved|closed|all|R-000123]: the list, or one card."""
    word = (context.args or ["open"])[0].lower()
    if parse_reference(word) is not None:
        card = await context.services.reports.desk.find(word, for_staff=True)
        await show_card(update, context, card.report.id, _staff(context), edit=False)
        return
    show: ListShow = word if word in LIST_SHOWS else "open"
    await show_list(update, context, ReportListPress(show, ANY, ANY, 0), edit=False)


def _staff(context: BotContext) -> Actor:
    """The domain actor of a staff member (the guard checked the role)."""
    return lifecycle.staff_actor(context.actor.user_id, context.actor.role)


@staff_only("reports")
async def list_pressed(update: Update, context: BotContext, press: ReportListPress) -> None:
    """Another page, or the list with other filters."""
    await answer_query(update, context)
    await show_list(update, context, press, edit=True)


@staff_only("reports")
async def filter_pressed(update: Update, context: BotContext, press: ReportFilterPress) -> None:
    """The values of one filter."""
    areas = await context.services.reports.desk.areas()
    view = filter_view(
        context.texts, context.language, press, areas=areas, policy=context.services.reports.policy
    )
    await answer_query(update, context)
    await reply(update, context, *view, edit=True)


@report_worker("report_card")
async def card_pressed(
    update: Update, context: BotContext, press: ReportCardPress, actor: Actor
) -> None:
    """A report's card, from the list or back from a step."""
    await answer_query(update, context)
    await show_card(update, context, press.report_id, actor)


@report_worker("report_card")
async def photos_pressed(
    update: Update, context: BotContext, press: ReportPhotosPress, actor: Actor
) -> None:
    """The report's photos, into this chat."""
    card = await context.services.reports.desk.card(press.report_id)
    chat = update.effective_chat
    await answer_query(update, context)
    if chat is not None:
        for photo, caption in photo_captions(context.texts, context.language, card.report):
            await context.bot.send_photo(chat.id, photo, caption=caption)


@report_worker("report_status")
async def status_pressed(
    update: Update, context: BotContext, press: ReportStatusPress, actor: Actor
) -> None:
    """A status button: acknowledged at once; closing asks the reason; others a note."""
    chat = update.effective_chat
    assert chat is not None
    pending = context.services.reports.pending
    step = await pending.start(actor, chat.id, press.report_id, press.revision, press.to)
    await show_step(update, context, step, actor)


async def show_step(update: Update, context: BotContext, step: ChangeStep, actor: Actor) -> None:
    """What a status button led to: the changed card, the reasons, or the note prompt."""
    chat, texts, language = update.effective_chat, context.texts, context.language
    if isinstance(step, Applied):
        context.services.delivery.wake()
        await answer_query(
            update, context, changed_notice(texts, language, step.report, step.entry)
        )
        await show_card(update, context, step.report.id, actor)
        return
    await answer_query(update, context)
    if isinstance(step, NeedsReason):
        await reply(update, context, *reason_view(texts, language, step.report), edit=True)
        return
    in_group = chat is not None and chat.type != "private"
    await reply(update, context, *pending_view(texts, language, step, in_group=in_group))


@report_worker("report_status")
async def reason_pressed(
    update: Update, context: BotContext, press: ReportReasonPress, actor: Actor
) -> None:
    """Closing: the reason chosen; now the optional note."""
    await _ask_for_note(
        update, context, actor, press.report_id, press.revision, "closed", press.reason
    )


@report_worker("report_note")
async def note_pressed(
    update: Update, context: BotContext, press: ReportNotePress, actor: Actor
) -> None:
    """A public note without a status change: ask for its text."""
    await _ask_for_note(update, context, actor, press.report_id, press.revision, None)


async def _ask_for_note(
    update: Update,
    context: BotContext,
    actor: Actor,
    report_id: int,
    revision: int,
    status: ReportStatus | None,
    reason: CloseReason | None = None,
) -> None:
    """Keep the change waiting for its public note and ask for the note."""
    chat = update.effective_chat
    assert chat is not None
    pending = await context.services.reports.pending.ask(
        actor, chat.id, report_id, revision, status, reason
    )
    await answer_query(update, context)
    in_group = chat.type != "private"
    await reply(
        update, context, *pending_view(context.texts, context.language, pending, in_group=in_group)
    )


@report_worker("report_route")
async def route_menu_pressed(
    update: Update, context: BotContext, press: ReportRouteMenuPress, actor: Actor
) -> None:
    """The partners the report can be sent to."""
    desk = context.services.reports.desk
    card = await desk.card(press.report_id)
    await answer_query(update, context)
    view = route_view(context.texts, context.language, card.report, desk.policy)
    await reply(update, context, *view, edit=True)


@report_worker("report_route")
async def route_pressed(
    update: Update, context: BotContext, press: ReportRoutePress, actor: Actor
) -> None:
    """Send the report to this partner's group."""
    desk = context.services.reports.desk
    report, entry = await desk.route(
        actor, press.report_id, press.partner_id, revision=press.revision
    )
    context.services.reports.scheduler.wake()
    await answer_query(
        update, context, changed_notice(context.texts, context.language, report, entry)
    )
    await show_card(update, context, report.id, actor)


@report_worker("report_status")
async def pending_pressed(
    update: Update, context: BotContext, press: PendingChangePress, actor: Actor
) -> None:
    """The waiting change: send it without a note, or drop it."""
    pending, chat = context.services.reports.pending, update.effective_chat
    assert chat is not None
    if press.action == "cancel":
        await pending.cancel(actor)
        await answer_query(update, context, context.text("report_change_dropped"))
        await show_card(update, context, press.report_id, actor)
        return
    report, entry = await pending.complete(actor, chat.id, None)
    context.services.delivery.wake()
    await answer_query(
        update, context, changed_notice(context.texts, context.language, report, entry)
    )
    await show_card(update, context, report.id, actor)


async def typed_change(update: Update, context: BotContext) -> bool:
    """Typed text in private chat, if a change of this staff member waits for it."""
    return await _complete_typed(update, context)


async def group_reply(update: Update, context: BotContext) -> None:
    """A reply in a partner's group: the text a member's waiting change needs."""
    await _complete_typed(update, context)


async def _complete_typed(update: Update, context: BotContext) -> bool:
    """Complete the presser's waiting change with the text they typed, if one waits."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None or message.text is None:
        return False
    actor = _acting(update, context)
    pending = context.services.reports.pending
    if actor is None or await pending.current(actor, chat.id) is None:
        return False
    report, entry = await pending.complete(actor, chat.id, message.text)
    context.services.delivery.wake()
    await reply(update, context, changed_notice(context.texts, context.language, report, entry))
    await show_card(update, context, report.id, actor, edit=False)
    return True


async def concern_reports(update: Update, context: BotContext) -> None:
    """The report figures under /results (the caller checked the role)."""
    desk = context.services.reports.desk
    figures, names = await desk.figures(), await desk.area_names()
    view = report_figures_view(context.texts, context.language, figures, desk.policy, names)
    await reply(update, context, *view)
