"""Domain services built from settings, each in exactly one place for the bot and the CLI.

The running bot (:mod:`bot.app`) and the command line (:mod:`bot.cli_surveys`, events, exports,
demo data, the sandbox) must agree on which areas exist, which survey files count, how rounds
open and what their invitations say; building those here keeps them from drifting apart.
Nothing here imports python-telegram-bot, so commands that never talk to Telegram start fast.
"""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo

from bot.config import ConfigError, Settings
from bot.keyboards import StartPress, encode
from bot.texts import Catalogue, CatalogueError
from surveys.definitions import SurveyDefinition
from surveys.events.policy import EventPolicy
from surveys.models import Area, OutboxMessage, Round
from surveys.quiet import QuietHours
from surveys.registry import SurveyRegistry
from surveys.schedule import RoundClock
from surveys.store import Store


def load_catalogue(settings: Settings) -> Catalogue:
    """The message catalogue of the community's languages; ConfigError if one has no texts."""
    try:
        return Catalogue.load(settings.community.languages)
    except CatalogueError as exc:
        raise ConfigError(
            f"{settings.origin('community.languages')}: community.languages: {exc}"
        ) from None


def quiet_hours(settings: Settings) -> QuietHours | None:
    """The community's quiet hours in its time zone (no broadcasts or reminders then); None
    when there are none."""
    return QuietHours.parse(settings.delivery.quiet_hours, settings.community.zone)


def configured_areas(settings: Settings) -> list[Area]:
    """The areas of the configuration, in configured order."""
    return [Area(id=a.id, name=a.name, population=a.population) for a in settings.areas]


async def mirror_areas(store: Store, settings: Settings) -> None:
    """Make the store's areas those of the configuration (removed ones become inactive)."""
    await store.areas.sync(configured_areas(settings))


def survey_registry(settings: Settings, store: Store) -> SurveyRegistry:
    """The built-in surveys plus the community's files, in the community's languages."""
    return SurveyRegistry(store, settings.community.languages, settings.surveys.files)


def invitation_message(
    round_: Round, definition: SurveyDefinition, *, zone: ZoneInfo
) -> OutboxMessage:
    """The invitation to a round: its title, and until when it is open (local time)."""
    closes = round_.closes_at
    return OutboxMessage(
        text_key="invitation" if closes else "invitation_open_ended",
        params={"closes": closes.astimezone(zone).strftime("%Y-%m-%d %H:%M")} if closes else {},
        localized_params={"title": dict(definition.title)},
        buttons=[[("button_start_survey", encode(StartPress(round_.id)))]],
    )


def reminder_message(round_: Round, definition: SurveyDefinition) -> OutboxMessage:
    """The queued reminder of a round to those who have not completed it."""
    return OutboxMessage(
        text_key="reminder",
        localized_params={"title": dict(definition.title)},
        buttons=[[("button_continue_survey", encode(StartPress(round_.id)))]],
    )


def round_clock(settings: Settings, store: Store, registry: SurveyRegistry) -> RoundClock:
    """The clock that opens, reminds and closes rounds, in the community's time zone and
    quiet hours, queueing the bot's invitation and reminder messages."""
    zone = settings.community.zone
    return RoundClock(
        store,
        registry,
        invitation=functools.partial(invitation_message, zone=zone),
        reminder=reminder_message,
        zone=zone,
        quiet=quiet_hours(settings),
    )


def event_policy(settings: Settings) -> EventPolicy:
    """How events are announced, reminded and followed up, from the ``[events]`` settings."""
    community, events = settings.community, settings.events
    return EventPolicy(
        zone=community.zone,
        languages=community.languages,
        community=community.name,
        reminders=events.reminder_offsets,
        quiet_reminders_from=events.quiet_period,
        quiet=quiet_hours(settings),
        feedback_survey=events.feedback_survey,
        feedback_delay=events.feedback_delay_period,
        feedback_open_for=events.feedback_open_period,
        feedback_reminders=events.feedback_reminder_offsets,
        partners={partner.id: partner.name for partner in settings.partners},
    )
