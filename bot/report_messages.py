"""What reporters and followers receive through the outbox: status updates and the one-tap
"Has this been fixed?" follow-up, rendered by the delivery worker in each recipient's language.

Updates never name the category (a message on a shared phone should not say "domestic
abuse"); the reference and /myreports tell the resident which report it is. The follow-up's
title, intro, question and answer labels come from the built-in ``report-followup`` survey (an
admin may replace it in ``surveys.files``), so its wording lives with the other surveys.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from bot.keyboards import FollowupPress, MyReportPress, encode
from bot.texts import Catalogue
from surveys.definitions import Question, SurveyDefinition
from surveys.models import OutboxMessage
from surveys.registry import SurveyRegistry
from surveys.reports.desk import PlannedEntry
from surveys.reports.models import FollowupAnswer, Report, ReportPolicy, reference

log = logging.getLogger(__name__)

FOLLOWUP_SURVEY = "report-followup"
FOLLOWUP_QUESTION = "fixed"
FOLLOWUP_ANSWERS: tuple[FollowupAnswer, ...] = ("yes", "no", "dont_know")


class ReportOutbox:
    """Builds the outbox messages of :class:`surveys.reports.desk.ReportMessages`."""

    def __init__(
        self, texts: Catalogue, registry: SurveyRegistry, policy: ReportPolicy, zone: ZoneInfo
    ) -> None:
        self._texts = texts
        self._registry = registry
        self._policy = policy
        self._zone = zone

    def _each(self, key: str, **params: object) -> dict[str, str]:
        """A catalogue message rendered in every language (plain text for a parameter)."""
        return {
            language: self._texts.get(language, key, **params) for language in self._texts.languages
        }

    def update(self, report: Report, entry: PlannedEntry) -> OutboxMessage:
        history = [[("button_report_history", encode(MyReportPress(report.id)))]]
        if entry.kind == "note":
            return OutboxMessage(
                text_key="report_update_note",
                params={"reference": report.reference, "note": entry.note or ""},
                buttons=history,
            )
        if entry.kind == "reopened":
            explanation = self._each("report_explain_reopened")
        elif entry.to_status == "closed" and entry.reason:
            explanation = self._each(f"report_reason_{entry.reason}")
        elif entry.to_status == "duplicate" and entry.duplicate_of:
            explanation = self._each(
                "report_explain_duplicate", original=reference(entry.duplicate_of)
            )
        else:
            explanation = self._each(f"report_explain_{entry.to_status}")
        params: dict[str, str | int | float] = {"reference": report.reference}
        if entry.note:
            params["note"] = entry.note
        return OutboxMessage(
            text_key="report_update_with_note" if entry.note else "report_update",
            params=params,
            localized_params={
                "status": self._each(f"report_status_{entry.to_status}"),
                "explanation": explanation,
            },
            buttons=history,
        )

    def followup(self, report: Report) -> OutboxMessage:
        definition, cycle = self._definition(), report.reopen_count
        labels = _choice_labels(definition) if definition else {}
        category = self._policy.category_or_none(report.category)
        localized: dict[str, dict[str, str]] = {
            f"choice_{code}": labels.get(code) or self._each(f"followup_{code}")
            for code in FOLLOWUP_ANSWERS
        }
        for name, text in (
            ("title", definition.title if definition else None),
            ("intro", definition.intro if definition else None),
            ("question", _question_text(definition) if definition else None),
        ):
            localized[name] = dict(text) if text else self._each(f"followup_default_{name}")
        localized["category"] = (
            {language: category.name(language) for language in self._texts.languages}
            if category
            else {language: report.category for language in self._texts.languages}
        )
        return OutboxMessage(
            text_key="report_followup",
            params={
                "reference": report.reference,
                "date": report.created_at.astimezone(self._zone).strftime("%Y-%m-%d"),
            },
            localized_params=localized,
            buttons=[
                [
                    (f"button_followup_{code}", encode(FollowupPress(report.id, cycle, code)))
                    for code in FOLLOWUP_ANSWERS
                ]
            ],
        )

    def _definition(self) -> SurveyDefinition | None:
        try:
            return self._registry.load(FOLLOWUP_SURVEY)
        except Exception:  # a replaced definition that does not load: the catalogue's words
            log.warning("the %s survey cannot be loaded; using default texts", FOLLOWUP_SURVEY)
            return None


def _question(definition: SurveyDefinition) -> Question | None:
    """The follow-up question, if it offers choices of which one is picked (as the follow-up's
    buttons do); otherwise the catalogue's words stand in."""
    return next(
        (
            q
            for q in definition.questions
            if q.id == FOLLOWUP_QUESTION and q.choice_labels() and not q.picks_several
        ),
        None,
    )


def _question_text(definition: SurveyDefinition) -> dict[str, str] | None:
    question = _question(definition)
    return dict(question.text) if question else None


def _choice_labels(definition: SurveyDefinition) -> dict[str, dict[str, str]]:
    """The labels of the follow-up question's choices, by code."""
    question = _question(definition)
    if question is None:
        return {}
    return {code: dict(label) for code, label in question.choice_labels().items()}
