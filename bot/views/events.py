"""Event screens: a resident's event card and /events list, the answer notices, the calendar
caption, the coordinator's overview (counts and waiting list, never names) and the /newevent
steps."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton

from bot.event_messages import announcement_text, when_text
from bot.keyboards import (
    LABEL_MAX,
    EventPress,
    NewEventAreaPress,
    NewEventCapacityPress,
    NewEventEndsPress,
    NewEventPartnerPress,
    NewEventPress,
    button,
    keyboard,
)
from bot.texts import Catalogue
from bot.views import Screen
from surveys.events.board import EventOverview
from surveys.events.models import RSVP_CHOICES, Event, EventEntry, RsvpOutcome
from surveys.events.wizard import EventPlan, EventPlanChoices

END_CHOICES = (60, 90, 120, 180)
PARTNERS_SHOWN = 8  # configured partners offered as buttons; others are typed
WAITING_SHOWN = 10  # waiting-list places listed per event in /events for coordinators
STAFF_TEXT_BUDGET = 3500  # characters; Telegram's limit is 4096
CAPACITY_CHOICES = (10, 20, 50)


def answer_keyboard_rows(
    texts: Catalogue, language: str, entry: EventEntry
) -> list[list[InlineKeyboardButton]]:
    """Going / Maybe / Can't go (the resident's answer ticked) and the calendar file."""
    current = entry.rsvp.status if entry.rsvp else None
    if current == "waiting":
        current = "going"
    answers = [
        button(
            ("✓ " if choice == current else "") + texts.get(language, f"button_event_{choice}"),
            EventPress(choice, entry.event.id),
        )
        for choice in RSVP_CHOICES
    ]
    calendar = button(
        texts.get(language, "button_event_calendar"), EventPress("ics", entry.event.id)
    )
    return [answers, [calendar]]


def answer_line(texts: Catalogue, language: str, entry: EventEntry) -> str:
    """The resident's own answer, and the places left when the event has a capacity."""
    rsvp, counts = entry.rsvp, entry.counts
    if rsvp is None:
        line = texts.get(language, "event_no_answer")
    elif rsvp.status == "waiting":
        line = texts.get(language, "event_answer_waiting", position=rsvp.position or 0)
    else:
        line = texts.get(language, f"event_answer_{rsvp.status}")
    left = counts.places_left
    if left is not None and (rsvp is None or rsvp.status in ("maybe", "cant")):
        line += "\n" + (
            texts.get(language, "event_places_left", count=left)
            if left
            else texts.get(language, "event_full", waiting=counts.waiting)
        )
    return line


def event_card_view(texts: Catalogue, language: str, entry: EventEntry, zone: ZoneInfo) -> Screen:
    """An event as the resident sees it, with their answer and the buttons to change it."""
    text = announcement_text(texts, language, entry.event, zone).rsplit("\n\n", 1)[0]
    return Screen(
        f"{text}\n\n{answer_line(texts, language, entry)}",
        keyboard(answer_keyboard_rows(texts, language, entry)),
    )


def events_view(
    texts: Catalogue, language: str, entries: Sequence[EventEntry], zone: ZoneInfo
) -> list[Screen]:
    """/events: one card per upcoming event of the resident's area (or a line saying none)."""
    if not entries:
        return [Screen(texts.get(language, "events_none"))]
    return [event_card_view(texts, language, entry, zone) for entry in entries]


def answer_notice(texts: Catalogue, language: str, outcome: RsvpOutcome) -> str:
    """The short answer to the pressed button."""
    rsvp = outcome.rsvp
    if rsvp.status == "waiting":
        return texts.get(language, "event_notice_waiting", position=rsvp.position or 0)
    return texts.get(language, f"event_notice_{rsvp.status}")


def calendar_caption(texts: Catalogue, language: str, event: Event) -> str:
    key = "event_calendar_cancelled" if event.cancelled else "event_calendar_caption"
    return texts.get(language, key, title=event.text(language, texts.default).title)


def staff_events_view(
    texts: Catalogue, language: str, overviews: Sequence[EventOverview], zone: ZoneInfo
) -> Screen:
    """/events for coordinators: counts and the waiting list of each upcoming event."""
    if not overviews:
        return Screen(texts.get(language, "events_staff_none"))
    blocks = [texts.get(language, "events_staff_title", zone=zone.key)]
    for shown, overview in enumerate(overviews):
        if sum(map(len, blocks)) > STAFF_TEXT_BUDGET:
            blocks.append(texts.get(language, "events_staff_more", count=len(overviews) - shown))
            break
        event, counts = overview.event, overview.counts
        going = f"{counts.going}/{event.capacity}" if event.capacity else str(counts.going)
        block = texts.get(
            language,
            "events_staff_line",
            event=event.id,
            title=event.text(language, texts.default).title,
            when=when_text(texts, language, event.starts_at, event.ends_at, zone),
            going=going,
            maybe=counts.maybe,
            cant=counts.cant,
            waiting=counts.waiting,
        )
        if event.cancelled:
            block += "\n" + texts.get(language, "events_staff_cancelled")
        if overview.waiting:
            since = ", ".join(
                texts.get(
                    language,
                    "events_staff_waiting_entry",
                    position=w.position,
                    since=_hm(w.since, zone),
                )
                for w in overview.waiting[:WAITING_SHOWN]
            )
            if len(overview.waiting) > WAITING_SHOWN:
                since += " " + texts.get(
                    language,
                    "events_staff_more_waiting",
                    count=len(overview.waiting) - WAITING_SHOWN,
                )
            block += "\n" + texts.raw(language, "events_staff_waiting", entries=since)
        blocks.append(block)
    return Screen("\n\n".join(blocks))


def _hm(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%m-%d %H:%M")


def event_news_view(texts: Catalogue, language: str, muted: bool) -> Screen:
    """The answer after the /settings toggle."""
    return Screen(texts.get(language, "event_news_muted" if muted else "event_news_on"))


# --- /newevent ------------------------------------------------------------------------------


def newevent_view(
    texts: Catalogue, language: str, plan: EventPlan, choices: EventPlanChoices
) -> Screen:
    """The step the plan is at, with its buttons, Back (except on the first) and Cancel."""
    get, step = texts.get, plan.step
    number, total = choices.position
    rows: list[list[InlineKeyboardButton]] = []
    if plan.language is not None:
        name = get(plan.language, "language_name")
        if plan.language == choices.languages[0]:
            text = get(language, "newevent_title", language=name, n=number, total=total)
        else:
            first = get(choices.languages[0], "language_name")
            text = get(language, "newevent_title_other", language=name, n=number, total=total)
            skip = texts.raw(language, "button_same_as", language=first)
            rows.append([button(skip, NewEventPress(step, "skip"))])
    elif step == "starts":
        text = get(language, "newevent_starts", zone=choices.zone.key, n=number, total=total)
    elif step == "ends":
        text = get(language, "newevent_ends", n=number, total=total)
        rows.append(
            [
                button(_duration_label(texts, language, minutes), NewEventEndsPress(minutes))
                for minutes in END_CHOICES
            ]
        )
    elif step == "place":
        text = get(language, "newevent_place", n=number, total=total)
    elif step == "audience":
        names = ", ".join(a.name for a in choices.areas if a.id in plan.areas)
        text = get(
            language,
            "newevent_audience",
            areas=names or get(language, "label_all_areas"),
            n=number,
            total=total,
        )
        rows += [
            [button(("☑ " if a.id in plan.areas else "☐ ") + a.name, NewEventAreaPress(a.id))]
            for a in choices.areas
        ]
        rows.append(
            [
                button(get(language, "button_all_areas"), NewEventPress(step, "all")),
                button(get(language, "button_next"), NewEventPress(step, "next")),
            ]
        )
    elif step == "capacity":
        text = get(language, "newevent_capacity", n=number, total=total)
        rows.append(
            [button(get(language, "button_no_limit"), NewEventPress(step, "nolimit"))]
            + [
                button(
                    texts.raw(language, "button_places", count=places),
                    NewEventCapacityPress(places),
                )
                for places in CAPACITY_CHOICES
            ]
        )
    elif step == "partner":
        text = get(language, "newevent_partner", n=number, total=total)
        rows += [
            [button(name[:LABEL_MAX], NewEventPartnerPress(partner_id))]
            for partner_id, name in list(choices.partners.items())[:PARTNERS_SHOWN]
        ]
        rows.append([button(get(language, "button_no_partner"), NewEventPress(step, "nopartner"))])
    elif step == "confirm":
        text = check_text(texts, language, plan, choices)
        rows.append([button(get(language, "button_preview"), NewEventPress(step, "preview"))])
    else:
        text = preview_text(texts, language, plan, choices)
        send = texts.raw(language, "button_send_event", count=choices.audience)
        rows.append([button(send, NewEventPress(step, "send"))])
    nav = [button(get(language, "button_cancel"), NewEventPress(step, "cancel"))]
    if step != choices.first_step:
        nav.insert(0, button(get(language, "button_back"), NewEventPress(step, "back")))
    rows.append(nav)
    return Screen(text, keyboard(rows))


def _duration_label(texts: Catalogue, language: str, minutes: int) -> str:
    if minutes % 60:
        return texts.raw(language, "button_minutes", count=minutes)
    return texts.raw(language, "button_hours", count=minutes // 60)


def check_text(texts: Catalogue, language: str, plan: EventPlan, choices: EventPlanChoices) -> str:
    """The check screen: every field, times in the community's zone (named)."""
    get = texts.get
    assert plan.starts_at is not None and plan.ends_at is not None
    titles = "\n".join(
        get(language, "newevent_check_title", language=get(lang, "language_name"), title=text.title)
        for lang, text in plan.texts.items()
    )
    names = ", ".join(a.name for a in choices.areas if a.id in plan.areas)
    return texts.raw(
        language,
        "newevent_check",
        titles=titles,
        when=when_text(texts, language, plan.starts_at, plan.ends_at, choices.zone),
        zone=choices.zone.key,
        place=_escaped(texts, plan.place or ""),
        areas=_escaped(texts, names) or get(language, "label_all_areas"),
        capacity=plan.capacity or get(language, "button_no_limit"),
        partner=_escaped(texts, plan.partner or "") or get(language, "label_none"),
        audience=choices.audience,
    )


def _escaped(texts: Catalogue, value: str) -> str:
    return html.escape(value, quote=False)


def preview_text(
    texts: Catalogue, language: str, plan: EventPlan, choices: EventPlanChoices
) -> str:
    """The announcement exactly as residents reading ``language`` will get it."""
    assert choices.spec is not None
    announcement = announcement_text(texts, language, choices.spec, choices.zone)
    return texts.raw(
        language, "newevent_preview", count=choices.audience, announcement=announcement
    )


def newevent_created_view(
    texts: Catalogue,
    language: str,
    event: Event,
    audience: int,
    held_until: datetime | None,
    zone: ZoneInfo,
) -> Screen:
    """Created; when quiet hours hold the announcement, until when."""
    text = texts.get(language, "newevent_created", event=event.id, count=audience)
    if held_until is not None:
        text += "\n" + texts.get(language, "newevent_held", time=_hm(held_until, zone))
    return Screen(text)


def newevent_cancelled_view(texts: Catalogue, language: str) -> Screen:
    return Screen(texts.get(language, "newevent_cancelled"))
