"""community-feedback-bot's domain core: survey definitions, answering, rounds, storage,
statistics, exports, concern reports and community events. Usable without Telegram (the CLI
and tests use it directly).

Names are resolved lazily (PEP 562): importing one submodule must not pull in scipy,
matplotlib or openpyxl, which only reports and exports need.
"""

from __future__ import annotations

import importlib
from typing import Any

_LOCATIONS = {
    "Answering": "surveys.answering",
    "DefinitionError": "surveys.errors",
    "EventBoard": "surveys.events.board",
    "EventClock": "surveys.events.clock",
    "EventPlanner": "surveys.events.wizard",
    "ReportDesk": "surveys.reports.desk",
    "ReportDrafting": "surveys.reports.drafting",
    "RoundClock": "surveys.schedule",
    "RoundPlanner": "surveys.planning",
    "Store": "surveys.store",
    "SurveyDefinition": "surveys.definitions",
    "SurveyRegistry": "surveys.registry",
    "SurveysError": "surveys.errors",
    "check_files": "surveys.definitions",
    "create_round": "surveys.rounds",
    "event_calendar": "surveys.events.calendar",
    "event_results": "surveys.events.results",
    "export_reports": "surveys.reports.export",
    "load_definition": "surveys.definitions",
    "report_figures": "surveys.reports.figures",
    "round_report": "surveys.aggregate",
    "run_export": "surveys.export",
    "suppress": "surveys.suppression",
    "survey_trend": "surveys.trend",
}

__all__ = sorted(_LOCATIONS)


def __getattr__(name: str) -> Any:
    module = _LOCATIONS.get(name)
    if module is None:
        raise AttributeError(f"module 'surveys' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
