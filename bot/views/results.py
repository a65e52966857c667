"""Results screens for staff: /results headlines, the /export choices, the export's caption,
and the "You said, we did" preview."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.keyboards import LABEL_MAX, ExportFormatPress, ExportPress, WedidPress, button, keyboard
from bot.texts import Catalogue
from bot.views import Screen
from surveys.digest import DigestPreview
from surveys.models import OutboxMessage
from surveys.publishing import FILE_SUFFIXES, ExportChoice

if TYPE_CHECKING:
    from surveys.aggregate import RoundReport

CAPTION_MAX = 1024  # Telegram's limit for a photo caption


def results_view(texts: Catalogue, language: str, reports: Sequence[RoundReport]) -> Screen:
    """Headlines of the latest rounds and, under them, the method note in short."""
    from bot.reports import headline, results_note

    if not reports:
        return Screen(texts.get(language, "results_none"))
    parts = [headline(texts, language, report) for report in reports]
    parts.append(results_note(texts, language, reports[0].min_group_size))
    return Screen("\n\n".join(parts))


def export_choices_view(texts: Catalogue, language: str, choices: Sequence[ExportChoice]) -> Screen:
    if not choices:
        return Screen(texts.get(language, "export_nothing"))
    rows = []
    for choice in choices:
        title = choice.title.get(language, choice.survey_key)
        if choice.round_id is not None:
            label = texts.raw(language, "export_round_button", round=choice.round_id, title=title)
            press = ExportPress("r", str(choice.round_id))
        else:
            label = texts.raw(language, "export_survey_button", title=title)
            press = ExportPress("s", choice.survey_key)
        rows.append([button(label[:LABEL_MAX], press)])
    return Screen(texts.get(language, "export_choose"), keyboard(rows))


def export_format_view(texts: Catalogue, language: str, press: ExportPress) -> Screen:
    buttons = [
        button(fmt.upper(), ExportFormatPress(press.scope, press.ident, fmt))
        for fmt in FILE_SUFFIXES
    ]
    return Screen(texts.get(language, "export_choose_format"), keyboard([buttons]))


def export_caption(
    texts: Catalogue, language: str, what: str, files: Sequence[str], report: RoundReport
) -> str:
    from bot.reports import headline

    caption = texts.get(language, "export_caption", what=what, files=", ".join(files))
    return "\n\n".join([headline(texts, language, report), caption])[:CAPTION_MAX]


def digest_text(texts: Catalogue, language: str, message: OutboxMessage) -> str:
    """The digest as a participant in ``language`` will read it."""
    params = {name: values.get(language, "") for name, values in message.localized_params.items()}
    return texts.get(language, "digest", **params, **message.params)


def wedid_preview_view(texts: Catalogue, language: str, preview: DigestPreview) -> Screen:
    digest = digest_text(texts, language, preview.message)
    form = "one" if preview.participants == 1 else "other"
    text = texts.raw(language, f"wedid_preview_{form}", count=preview.participants, digest=digest)
    send = button(texts.get(language, "button_send"), WedidPress("send", preview.round_id))
    cancel = button(texts.get(language, "button_cancel"), WedidPress("cancel", preview.round_id))
    return Screen(text, keyboard([[send, cancel]]))
