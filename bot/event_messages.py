"""The words of event messages: what the outbox sends about an event, in every language.

Implements :class:`surveys.events.notices.EventMessages`. Titles, descriptions and times are
rendered per language here (the delivery worker picks the recipient's), and every message
about a single event carries the buttons to answer it and to get its calendar file.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.event_buttons import calendar_data, rsvp_data, survey_data
from bot.texts import Catalogue
from surveys.events.models import RSVP_CHOICES, Event, EventSpec, EventText
from surveys.models import OutboxMessage


def when_text(
    texts: Catalogue, language: str, starts_at: datetime, ends_at: datetime, zone: ZoneInfo
) -> str:
    """``Tue 2026-12-01 · 18:00–20:00`` in the community's zone, weekday in ``language``."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if start.date() == end.date():
        return texts.get(
            language,
            "event_when",
            weekday=weekday(texts, language, start),
            date=f"{start:%Y-%m-%d}",
            start=f"{start:%H:%M}",
            end=f"{end:%H:%M}",
        )
    return texts.get(
        language,
        "event_when_days",
        weekday=weekday(texts, language, start),
        date=f"{start:%Y-%m-%d}",
        start=f"{start:%H:%M}",
        end_weekday=weekday(texts, language, end),
        end_date=f"{end:%Y-%m-%d}",
        end=f"{end:%H:%M}",
    )


def announcement_text(
    texts: Catalogue, language: str, spec: EventSpec | Event, zone: ZoneInfo
) -> str:
    """The announcement as a resident reading ``language`` sees it (also the /newevent
    preview, so the coordinator sees exactly what goes out)."""
    text = _text_in(spec, language, texts.default)
    return texts.get(
        language,
        "event_announcement",
        title=text.title,
        description=_paragraph(text.description),
        when=when_text(texts, language, spec.starts_at, spec.ends_at, zone),
        place=spec.place,
    )


def _paragraph(description: str) -> str:
    """A description as its own paragraph after the place, or nothing at all."""
    return f"\n\n{description}" if description else ""


def _text_in(spec: EventSpec | Event, language: str, default: str) -> EventText:
    return spec.texts.get(language) or spec.texts.get(default) or next(iter(spec.texts.values()))


def weekday(texts: Catalogue, language: str, moment: datetime) -> str:
    return texts.get(language, "event_weekdays").split()[moment.weekday()]


def before_text(texts: Catalogue, language: str, before: timedelta) -> str:
    """``tomorrow``-style wording of a reminder offset: ``in 1 hour``, ``in 2 days``."""
    minutes = int(before.total_seconds() // 60)
    if minutes % 60:  # 90m: "in 90 minutes", never a rounded "in 1 hour"
        return texts.get(language, "event_in_minutes", count=minutes)
    hours = minutes // 60
    if hours % 24 == 0:
        days = hours // 24
        key = "event_in_one_day" if days == 1 else "event_in_days"
        return texts.get(language, key, count=days)
    key = "event_in_one_hour" if hours == 1 else "event_in_hours"
    return texts.get(language, key, count=hours)


class EventOutbox:
    """Queued messages about events, rendered in each of the community's languages."""

    def __init__(self, texts: Catalogue, zone: ZoneInfo) -> None:
        self._texts = texts
        self._zone = zone

    def _details(self, event: Event) -> dict[str, dict[str, str]]:
        default = self._texts.default
        languages = self._texts.languages
        return {
            "title": {lang: event.text(lang, default).title for lang in languages},
            "description": {
                lang: _paragraph(event.text(lang, default).description) for lang in languages
            },
            "when": {
                lang: when_text(self._texts, lang, event.starts_at, event.ends_at, self._zone)
                for lang in languages
            },
        }

    def _message(
        self,
        key: str,
        event: Event,
        *,
        answer: bool = True,
        attach: bool = False,
        extra: dict[str, dict[str, str]] | None = None,
    ) -> OutboxMessage:
        rows: list[list[tuple[str, str]]] = []
        if answer:
            rows.append(
                [(f"button_event_{choice}", rsvp_data(event.id, choice)) for choice in RSVP_CHOICES]
            )
        if not attach:
            rows.append([("button_event_calendar", calendar_data(event.id))])
        return OutboxMessage(
            text_key=key,
            params={"place": event.place},
            localized_params={**self._details(event), **(extra or {})},
            buttons=rows,
            attachment=f"event-ics:{event.id}" if attach else None,
        )

    def announcement(self, event: Event) -> OutboxMessage:
        return self._message("event_announcement", event)

    def promoted(self, event: Event) -> OutboxMessage:
        return self._message("event_promoted", event, answer=False)

    def changed(self, event: Event) -> OutboxMessage:
        return self._message("event_changed", event, answer=False, attach=True)

    def cancelled(self, event: Event) -> OutboxMessage:
        return self._message("event_cancelled_notice", event, answer=False, attach=True)

    def reminder(self, event: Event, before: timedelta) -> OutboxMessage:
        soon = {lang: before_text(self._texts, lang, before) for lang in self._texts.languages}
        return self._message("event_reminder", event, extra={"soon": soon})

    def feedback(self, event: Event, round_id: int) -> OutboxMessage:
        return OutboxMessage(
            text_key="event_feedback_invitation",
            localized_params=self._details(event),
            buttons=[[("button_start_survey", survey_data(round_id))]],
        )
