"""Results in chat: /results (headlines), /export (files for admins), /wedid ("You said, we
did": a digest of a closed round and the partnership's response, sent to its participants).

Reports and exports run off the event loop (see :mod:`surveys.publishing`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from telegram import InputFile, Update

from bot.context import BotContext
from bot.handlers.guards import admin_only, staff_only
from bot.handlers.replies import answer_query, reply
from bot.handlers.triage import concern_reports
from bot.keyboards import ExportFormatPress, ExportPress, WedidPress
from bot.views.results import (
    export_caption,
    export_choices_view,
    export_format_view,
    results_view,
    wedid_preview_view,
)
from surveys.errors import RefusedError
from surveys.publishing import InChatExport

LATEST = 3
EXPORT_CHOICES = 6


@staff_only("results")
async def results(update: Update, context: BotContext) -> None:
    """/results: headline figures of the latest rounds (aggregates only)."""
    reports = await context.services.publishing.latest(context.language, LATEST)
    await reply(update, context, *results_view(context.texts, context.language, reports))
    await concern_reports(update, context)


@admin_only("export")
async def export(update: Update, context: BotContext) -> None:
    """/export: pick a round or a whole survey, then a format."""
    choices = await context.services.publishing.export_choices(EXPORT_CHOICES)
    await reply(update, context, *export_choices_view(context.texts, context.language, choices))


@admin_only("export")
async def export_pressed(update: Update, context: BotContext, press: ExportPress) -> None:
    """The round/survey choice of /export: ask for the format."""
    await answer_query(update, context)
    await reply(
        update, context, *export_format_view(context.texts, context.language, press), edit=True
    )


@admin_only("export")
async def export_format_pressed(
    update: Update, context: BotContext, press: ExportFormatPress
) -> None:
    """The format choice of /export: write the files and send them with a chart."""
    await answer_query(update, context)
    await reply(update, context, context.text("export_working"), edit=True)
    with tempfile.TemporaryDirectory(prefix="feedbackbot-export-") as folder:
        done = await context.services.publishing.export(
            round_id=int(press.ident) if press.scope == "r" else None,
            survey_key=press.ident if press.scope == "s" else None,
            format=press.format,
            language=context.language,
            folder=Path(folder),
            role=context.actor.role,
            user_id=context.actor.user_id,
        )
        what = f"#{press.ident}" if press.scope == "r" else press.ident
        await _send_export(update, context, done, what)


async def _send_export(update: Update, context: BotContext, done: InChatExport, what: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    for path in done.files:
        await context.bot.send_document(chat.id, InputFile(path.read_bytes(), filename=path.name))
    caption = export_caption(
        context.texts, context.language, what, [p.name for p in done.files], done.report
    )
    if done.chart is not None:
        await context.bot.send_photo(chat.id, done.chart.read_bytes(), caption=caption)
    else:
        await context.bot.send_message(chat.id, caption)


@staff_only("wedid")
async def wedid(update: Update, context: BotContext) -> None:
    """/wedid ROUND TEXT: preview the digest for participants of a closed round."""
    round_id, note = _wedid_arguments(update)
    user_id = context.actor.user_id
    assert user_id is not None
    preview = await context.services.digests.preview(user_id, round_id, note)
    await reply(update, context, *wedid_preview_view(context.texts, context.language, preview))


def _wedid_arguments(update: Update) -> tuple[int, str]:
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=2) if message else []
    if len(parts) < 3 or not parts[1].isdigit() or not parts[2].strip():
        raise RefusedError("wedid_usage")
    return int(parts[1]), parts[2]


@staff_only("wedid")
async def wedid_pressed(update: Update, context: BotContext, press: WedidPress) -> None:
    """Send or Cancel under the /wedid preview."""
    digests, user_id = context.services.digests, context.actor.user_id
    assert user_id is not None
    if press.choice == "cancel":
        await digests.cancel(user_id, press.round_id)
        text = context.text("wedid_cancelled")
    else:
        queued = await digests.send(user_id, press.round_id, role=context.actor.role)
        context.services.delivery.wake()
        text = context.texts.plural(context.language, "wedid_sent", queued)
    await answer_query(update, context)
    await reply(update, context, text, edit=True)
