"""Results in chat: /results (headlines), /export (files for admins), /wedid ("You said, we
did": a digest of a closed round and the partnership's response, sent to its participants)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot.context import BotContext
from bot.handlers.access import restricted
from bot.handlers.replies import answer_query, current_resident, language_of, reply
from bot.keyboards import decode, encode
from surveys.errors import NotFoundError, SurveysError
from surveys.models import OutboxMessage, Round

# Aggregation and exports pull in scipy, matplotlib and openpyxl (about 100 MB): they are
# imported inside the handlers that need them, so the bot itself stays small.

LATEST = 3
EXPORT_CHOICES = 6
FORMATS = {"xlsx": "export.xlsx", "csv": "export.zip", "json": "export.json"}
WEDID = "wedid"


async def _language(update: Update, context: BotContext) -> str:
    return language_of(update, context, await current_resident(update, context))


async def _reportable(context: BotContext) -> list[Round]:
    """Open and closed rounds, newest first."""
    rounds = await context.store.rounds.find(["open", "closed"])
    return sorted(rounds, key=lambda r: (r.opens_at, r.id), reverse=True)


@restricted("results", "coordinator", "admin")
async def results(update: Update, context: BotContext) -> None:
    """/results: headline figures of the latest rounds (aggregates only)."""
    from bot.reports import headline
    from surveys.aggregate import round_report

    language = await _language(update, context)
    rounds = (await _reportable(context))[:LATEST]
    if not rounds:
        await reply(update, context, context.texts.get(language, "results_none"))
        return
    minimum = context.settings.privacy.min_group_size
    parts = [
        headline(
            context.texts,
            language,
            await round_report(context.store, r.id, min_group_size=minimum, language=language),
        )
        for r in rounds
    ]
    await reply(update, context, "\n\n".join(parts))


@restricted("export", "admin")
async def export(update: Update, context: BotContext) -> None:
    """/export: pick a round or a whole survey, then a format."""
    language = await _language(update, context)
    rounds = (await _reportable(context))[:EXPORT_CHOICES]
    if not rounds:
        await reply(update, context, context.texts.get(language, "export_nothing"))
        return
    registry, texts = context.services.registry, context.texts
    rows = []
    for r in rounds:
        title = (await registry.definition(r.survey_version_id)).title.get(language, r.survey_key)
        rows.append(
            [
                InlineKeyboardButton(
                    texts.raw(language, "export_round_button", round=r.id, title=title)[:60],
                    callback_data=encode("ex", "r", r.id),
                )
            ]
        )
    keys = registry.survey_keys()
    for key in dict.fromkeys(r.survey_key for r in rounds):
        title = registry.load(key).title.get(language, key)
        rows.append(
            [
                InlineKeyboardButton(
                    texts.raw(language, "export_survey_button", title=title)[:60],
                    callback_data=encode("ex", "s", keys.index(key)),
                )
            ]
        )
    await reply(update, context, texts.get(language, "export_choose"), InlineKeyboardMarkup(rows))


async def export_pressed(update: Update, context: BotContext) -> None:
    """The round/survey choice of /export: ask for the format."""
    language = await _language(update, context)
    if not await _is_admin(update, context, language):
        return
    kind, ident = decode(_data(update)).args
    await answer_query(update)
    buttons = [
        InlineKeyboardButton(fmt.upper(), callback_data=encode("exf", kind, ident, fmt))
        for fmt in FORMATS
    ]
    await reply(
        update,
        context,
        context.texts.get(language, "export_choose_format"),
        InlineKeyboardMarkup([buttons]),
        edit=True,
    )


async def export_format_pressed(update: Update, context: BotContext) -> None:
    """The format choice of /export: write the files and send them with a chart."""
    from bot.reports import headline
    from surveys.aggregate import round_report
    from surveys.export import ExportRequest, run_export

    language = await _language(update, context)
    if not await _is_admin(update, context, language):
        return
    kind, ident, fmt = decode(_data(update)).args
    user = update.effective_user
    assert user is not None
    await answer_query(update)
    await reply(update, context, context.texts.get(language, "export_working"), edit=True)
    keys = context.services.registry.survey_keys()
    chat = update.effective_chat
    assert chat is not None
    with tempfile.TemporaryDirectory(prefix="feedbackbot-export-") as folder:
        base = Path(folder)
        try:
            request = ExportRequest(
                out=base / FORMATS[fmt],
                format=fmt,  # type: ignore[arg-type]
                min_group_size=context.settings.privacy.min_group_size,
                round_id=int(ident) if kind == "r" else None,
                survey_key=keys[int(ident)] if kind == "s" else None,
                language=language,
                charts=base / "charts",
                actor_role="admin",
                actor_user_id=user.id,
            )
            result = await run_export(context.store, request)
        except (SurveysError, IndexError) as exc:
            reason = str(exc) if isinstance(exc, NotFoundError) else type(exc).__name__
            await reply(
                update, context, context.texts.get(language, "export_failed", reason=reason)
            )
            return
        what = f"#{ident}" if kind == "r" else keys[int(ident)]
        names = ", ".join(path.name for path in result.files)
        for path in result.files:
            await context.bot.send_document(
                chat.id, InputFile(path.read_bytes(), filename=path.name)
            )
        report = await round_report(
            context.store,
            result.rounds[-1],
            min_group_size=context.settings.privacy.min_group_size,
            language=language,
        )
        caption = "\n\n".join(
            [
                headline(context.texts, language, report),
                context.texts.get(language, "export_caption", what=what, files=names),
            ]
        )[:1024]
        if result.charts:
            await context.bot.send_photo(chat.id, result.charts[0].read_bytes(), caption=caption)
        else:
            await context.bot.send_message(chat.id, caption)


@restricted("wedid", "coordinator", "admin")
async def wedid(update: Update, context: BotContext) -> None:
    """/wedid ROUND TEXT: preview the digest for participants of a closed round."""
    language = await _language(update, context)
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    parts = (message.text or "").split(maxsplit=2)
    if len(parts) < 3 or not parts[1].isdigit() or not parts[2].strip():
        await reply(update, context, context.texts.get(language, "wedid_usage"))
        return
    round_id, note = int(parts[1]), parts[2].strip()[:1500]
    try:
        round_ = await context.store.rounds.get(round_id)
    except NotFoundError:
        await reply(update, context, context.texts.get(language, "wedid_unknown", round=round_id))
        return
    if round_.status != "closed":
        await reply(
            update, context, context.texts.get(language, "wedid_not_closed", round=round_id)
        )
        return
    await context.store.drafts.put(user.id, WEDID, "confirm", {"round": round_id, "note": note})
    digest = (await _digest(context, round_id, note)).texts_for(context, language)
    count = await context.store.outbox.count_participants(round_id)
    texts = context.texts
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.get(language, "button_send"), callback_data=encode("wd", "send")
                ),
                InlineKeyboardButton(
                    texts.get(language, "button_cancel"), callback_data=encode("wd", "cancel")
                ),
            ]
        ]
    )
    await reply(
        update, context, texts.raw(language, "wedid_preview", count=count, digest=digest), markup
    )


async def wedid_pressed(update: Update, context: BotContext) -> None:
    """Send or Cancel under the /wedid preview."""
    language = await _language(update, context)
    user = update.effective_user
    assert user is not None
    if context.settings.role_of(user.id) == "resident":
        await answer_query(update, context.texts.get(language, "not_allowed"))
        return
    draft = await context.store.drafts.get(user.id, WEDID)
    if draft is None:
        await answer_query(update, context.texts.get(language, "stale_button"))
        return
    await context.store.drafts.delete(user.id, WEDID)
    await answer_query(update)
    if decode(_data(update)).args[0] == "cancel":
        await reply(update, context, context.texts.get(language, "newround_cancelled"), edit=True)
        return
    round_id, note = int(draft[1]["round"]), str(draft[1]["note"])
    message = (await _digest(context, round_id, note)).message
    queued = await context.store.outbox.enqueue_participants(
        f"digest:{round_id}", message, round_id
    )
    await context.store.audit.record(
        role=context.settings.role_of(user.id),
        user_id=user.id,
        action="wedid.send",
        allowed=True,
        detail={"round": round_id, "queued": queued},
    )
    context.services.delivery.wake()
    await reply(update, context, context.texts.get(language, "wedid_sent", count=queued), edit=True)


class _Digest:
    """The digest message with its results rendered in every community language."""

    def __init__(self, message: OutboxMessage) -> None:
        self.message = message

    def texts_for(self, context: BotContext, language: str) -> str:
        params = {
            name: values.get(language, "") for name, values in self.message.localized_params.items()
        }
        return context.texts.get(language, "digest", **params, **self.message.params)


async def _digest(context: BotContext, round_id: int, note: str) -> _Digest:
    from bot.reports import digest_results
    from surveys.aggregate import round_report

    titles, results_by_language = {}, {}
    for language in context.texts.languages:
        report = await round_report(
            context.store,
            round_id,
            min_group_size=context.settings.privacy.min_group_size,
            language=language,
        )
        titles[language] = report.summary.title
        results_by_language[language] = digest_results(context.texts, language, report)
    return _Digest(
        OutboxMessage(
            text_key="digest",
            params={"note": note},
            localized_params={"title": titles, "results": results_by_language},
        )
    )


async def _is_admin(update: Update, context: BotContext, language: str) -> bool:
    user = update.effective_user
    if user is not None and context.settings.role_of(user.id) == "admin":
        return True
    await answer_query(update, context.texts.get(language, "not_allowed"))
    return False


def _data(update: Update) -> str | None:
    query = update.callback_query
    return query.data if query else None
