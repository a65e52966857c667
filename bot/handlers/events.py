"""Events for residents and coordinators: /events, the answer and calendar buttons (on the
announcement and on /events cards), and the event-news switch in /settings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InputFile, Update

from bot.context import BotContext
from bot.handlers.guards import onboarded, staff_only
from bot.handlers.replies import answer_query, reply
from bot.keyboards import EventNewsPress, EventPress
from bot.views.events import (
    answer_notice,
    calendar_caption,
    event_card_view,
    events_view,
    staff_events_view,
)
from bot.views.onboarding import settings_view
from surveys.models import Resident


async def events_command(update: Update, context: BotContext) -> None:
    """/events: coordinators see counts and waiting lists, residents their area's events."""
    if context.actor.is_staff:
        await staff_events(update, context)
    else:
        await resident_events(update, context)


@onboarded
async def resident_events(update: Update, context: BotContext) -> None:
    """Upcoming events of the resident's area, one card each, with their own answer."""
    resident = context.actor.resident
    assert resident is not None
    entries = await context.services.events.board.upcoming(resident)
    for screen in events_view(context.texts, context.language, entries, _zone(context)):
        await reply(update, context, *screen)


@staff_only("events")
async def staff_events(update: Update, context: BotContext) -> None:
    """Every event still to end, with the counts and the waiting list (never names)."""
    overviews = await context.services.events.board.staff_overview()
    await reply(
        update,
        context,
        *staff_events_view(context.texts, context.language, overviews, _zone(context)),
    )


@onboarded
async def event_pressed(update: Update, context: BotContext, press: EventPress) -> None:
    """Going / Maybe / Can't go, or the calendar file, from an announcement or a card."""
    if press.choice == "ics":
        await send_calendar(update, context, press.event_id)
        return
    resident = context.actor.resident
    assert resident is not None
    outcome = await context.services.events.board.answer(press.event_id, resident, press.choice)
    if outcome.promoted:
        context.services.delivery.wake()
    await answer_query(update, context, answer_notice(context.texts, context.language, outcome))
    await _show_card(update, context, press.event_id, resident)


async def _show_card(
    update: Update, context: BotContext, event_id: int, resident: Resident
) -> None:
    """The event's card as ``resident`` sees it now, in place of the pressed one."""
    entry = await context.services.events.board.entry(event_id, resident)
    view = event_card_view(context.texts, context.language, entry, _zone(context))
    await reply(update, context, *view, edit=True)


async def send_calendar(update: Update, context: BotContext, event_id: int) -> None:
    """The event's .ics file as a document with a readable name."""
    board, chat = context.services.events.board, update.effective_chat
    event, document = await board.calendar_for(event_id, context.language)
    await answer_query(update, context)
    if chat is not None:
        await context.bot.send_document(
            chat.id,
            InputFile(document.content, filename=document.name),
            caption=calendar_caption(context.texts, context.language, event),
        )


@onboarded
async def event_news_pressed(update: Update, context: BotContext, press: EventNewsPress) -> None:
    """/settings: announcements of new events off, or on again."""
    resident = context.actor.resident
    assert resident is not None
    muted = await context.services.events.board.set_muted(resident, press.mute)
    areas = await context.services.onboarding.settings(resident)
    notice = context.text("event_news_muted" if muted else "event_news_on")
    await answer_query(update, context, notice)
    view = settings_view(context.texts, resident, areas, events_muted=muted)
    await reply(update, context, *view, edit=True)


def _zone(context: BotContext) -> ZoneInfo:
    return context.settings.community.zone
