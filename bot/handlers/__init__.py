"""The one wiring place: which update goes to which handler, in which order.

Group -1 resolves the actor once per update; group 0 holds the commands, the one button entry
point (dispatching by the :data:`BUTTONS` table) and the fallbacks. Every callback is wrapped by
:func:`bot.handlers.errors.handled`, so domain errors are answered in one place. How to add a
flow: docs/architecture.md.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from telegram import BotCommand, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import keyboards as k
from bot.context import FeedbackApplication
from bot.handlers import (
    admin,
    buttons,
    coordinator,
    errors,
    events,
    fallback,
    newevent,
    newround,
    onboarding,
    privacy,
    reports,
    results,
    settings,
    survey,
    triage,
)
from bot.handlers.actor import resolve_actor
from bot.handlers.buttons import Route
from bot.handlers.errors import Callback, handled
from bot.texts import Catalogue

PRIVATE = filters.ChatType.PRIVATE

RESIDENT_COMMANDS = (
    "start",
    "surveys",
    "report",
    "myreports",
    "events",
    "settings",
    "help",
    "stop",
    "forget",
)
COORDINATOR_COMMANDS = (
    "reports",
    "residents",
    "announce",
    "newround",
    "newevent",
    "results",
    "wedid",
)
ADMIN_COMMANDS = ("audit", "export")

COMMANDS: dict[str, Callback] = {
    "start": onboarding.start,
    "help": settings.help_command,
    "settings": settings.settings_command,
    "surveys": survey.surveys_command,
    "stop": privacy.stop,
    "forget": privacy.forget,
    "residents": coordinator.residents,
    "announce": coordinator.announce,
    "audit": admin.audit,
    "newround": newround.newround,
    "results": results.results,
    "export": results.export,
    "wedid": results.wedid,
    "events": events.events_command,
    "newevent": newevent.newevent,
    "report": reports.report_command,
    "myreports": reports.myreports_command,
    "reports": triage.reports_command,
}

# Every button: payload type -> handler (and what its flow shows after a refused press).
BUTTONS: dict[type[k.Payload], Route] = {
    k.ConsentPress: Route(onboarding.consent_pressed),
    k.LanguagePress: Route(onboarding.language_pressed),
    k.AreaPress: Route(onboarding.area_pressed),
    k.AreaPagePress: Route(onboarding.area_page_pressed),
    k.MenuPress: Route(settings.menu_pressed),
    k.SettingsPress: Route(settings.settings_pressed),
    k.ForgetPress: Route(privacy.forget_pressed),
    k.SurveysPress: Route(survey.surveys_pressed),
    k.StartPress: Route(survey.start_pressed, survey.recover),
    k.AnswerPress: Route(survey.answer_pressed, survey.recover),
    k.TogglePress: Route(survey.toggle_pressed, survey.recover),
    k.DonePress: Route(survey.done_pressed, survey.recover),
    k.SkipPress: Route(survey.skip_pressed, survey.recover),
    k.BackPress: Route(survey.back_pressed, survey.recover),
    k.LaterPress: Route(survey.later_pressed, survey.recover),
    k.PlanSurveyPress: Route(newround.plan_survey_pressed, newround.recover),
    k.PlanAreaPress: Route(newround.plan_area_pressed, newround.recover),
    k.PlanMovePress: Route(newround.plan_move_pressed, newround.recover),
    k.PlanClosesPress: Route(newround.plan_closes_pressed, newround.recover),
    k.PlanRemindPress: Route(newround.plan_remind_pressed, newround.recover),
    k.PlanRepeatPress: Route(newround.plan_repeat_pressed, newround.recover),
    k.PlanBackPress: Route(newround.plan_back_pressed, newround.recover),
    k.PlanCreatePress: Route(newround.plan_create_pressed, newround.recover),
    k.PlanCancelPress: Route(newround.plan_cancel_pressed, newround.recover),
    k.ExportPress: Route(results.export_pressed, None),
    k.ExportFormatPress: Route(results.export_format_pressed, None),
    k.WedidPress: Route(results.wedid_pressed, None),
    k.AnnouncePress: Route(coordinator.announce_pressed, None),
    k.AuditPagePress: Route(admin.audit_page_pressed, None),
    k.EventPress: Route(events.event_pressed, None),
    k.EventNewsPress: Route(events.event_news_pressed),
    k.NewEventPress: Route(newevent.newevent_pressed, None),
    k.NewEventAreaPress: Route(newevent.newevent_area_pressed, None),
    k.NewEventEndsPress: Route(newevent.newevent_ends_pressed, None),
    k.NewEventCapacityPress: Route(newevent.newevent_capacity_pressed, None),
    k.NewEventPartnerPress: Route(newevent.newevent_partner_pressed, None),
    k.ReportMenuPress: Route(reports.menu_pressed),
    k.DraftCategoryPress: Route(reports.category_pressed, reports.recover),
    k.DraftAreaPress: Route(reports.area_pressed, reports.recover),
    k.DraftStepPress: Route(reports.step_pressed, reports.recover),
    k.DraftSubmitPress: Route(reports.submit_pressed, reports.recover),
    k.DraftEditPress: Route(reports.edit_pressed, reports.recover),
    k.DraftCancelPress: Route(reports.cancel_pressed, reports.recover),
    k.MeTooPress: Route(reports.me_too_pressed, reports.recover),
    k.MyReportPress: Route(reports.my_report_pressed, None),
    k.FollowupPress: Route(reports.followup_pressed, None),
    k.ReportListPress: Route(triage.list_pressed, None),
    k.ReportFilterPress: Route(triage.filter_pressed, None),
    k.ReportCardPress: Route(triage.card_pressed, None),
    k.ReportPhotosPress: Route(triage.photos_pressed, None),
    k.ReportStatusPress: Route(triage.status_pressed, None),
    k.ReportReasonPress: Route(triage.reason_pressed, None),
    k.ReportNotePress: Route(triage.note_pressed, None),
    k.ReportRouteMenuPress: Route(triage.route_menu_pressed, None),
    k.ReportRoutePress: Route(triage.route_pressed, None),
    k.PendingChangePress: Route(triage.pending_pressed, None),
}

# Flows that take typed text, asked in this order (the first that takes it wins).
TEXT_INPUTS: Sequence[fallback.TextInput] = (
    triage.typed_change,  # only if a report change of this staff member waits for its note
    reports.typed_description,  # only if the resident's report draft asks for its description
    newevent.typed_event_input,  # only if the event plan is the form on screen
    newround.typed_plan_input,
    survey.typed_answer,
)


def command_menu(texts: Catalogue, language: str, role: str) -> list[BotCommand]:
    """The command list Telegram shows, for a role, described in ``language``."""
    names = list(RESIDENT_COMMANDS)
    if role in ("coordinator", "admin"):
        names += COORDINATOR_COMMANDS
    if role == "admin":
        names += ADMIN_COMMANDS
    return [BotCommand(name, texts.get(language, f"command_{name}")) for name in names]


def register(app: FeedbackApplication) -> None:
    """Add every handler; order matters within the group: first match wins."""
    app.add_handler(TypeHandler(Update, resolve_actor), group=-1)
    message = PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(
        MessageHandler(PRIVATE & filters.UpdateType.EDITED, handled(fallback.unexpected_edit))
    )
    for name, callback in COMMANDS.items():
        app.add_handler(CommandHandler(name, handled(callback), filters=message))
    app.add_handler(CallbackQueryHandler(handled(functools.partial(buttons.dispatch, BUTTONS))))
    app.add_handler(MessageHandler(message & filters.COMMAND, handled(fallback.unknown_command)))
    app.add_handler(
        MessageHandler(
            message & filters.TEXT, handled(functools.partial(fallback.typed_text, TEXT_INPUTS))
        )
    )
    located = filters.LOCATION | filters.PHOTO
    app.add_handler(MessageHandler(message & located, handled(reports.media_input)))
    app.add_handler(MessageHandler(message, handled(fallback.unexpected_media)))
    # partner groups: a member's reply carrying the note a report change waits for
    app.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS
            & filters.UpdateType.MESSAGE
            & filters.REPLY
            & filters.TEXT
            & ~filters.COMMAND,
            handled(triage.group_reply),
        )
    )
    known = "|".join(COMMANDS)
    restricted = (*COORDINATOR_COMMANDS, *ADMIN_COMMANDS)
    app.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & filters.Command() & filters.Regex(rf"^/({known})\b"),
            handled(functools.partial(fallback.group_command, restricted)),
        )
    )
    app.add_error_handler(errors.on_error)


__all__ = ["BUTTONS", "COMMANDS", "TEXT_INPUTS", "command_menu", "register"]
