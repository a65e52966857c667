"""A realistic synthetic database: to try exports and charts, and to benchmark aggregation.

Residents have a latent attitude towards the police (area offset + personal variation + a
slow improvement from round to round) and a personal propensity to answer. Each round of
``community-trust-safety`` invites every resident who has not stopped (outbox rows
``invite:<round>``, mostly ``sent``), some of the delivered ones answer, a few stop halfway.
Answers follow the definition's skip logic (the engine decides what is visible) and are stored
exactly as the answering service stores them; ratings correlate with the latent attitude, so
the indices, trends and area differences look like real data rather than noise.

The output depends only on the arguments (seeded random numbers, fixed dates), so a benchmark
or a screenshot can be reproduced. Rows are written in large ``executemany`` batches through
:class:`surveys.store.bulk.BulkWriter`; memory stays bounded by the batch size.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tqdm import tqdm

from surveys import purposes
from surveys.definitions import (
    SurveyDefinition,
)
from surveys.engine import AnswerValue, visible_questions
from surveys.library import load_builtin
from surveys.models import Area
from surveys.store import Store
from surveys.store.bulk import BulkWriter

__all__ = [
    "DEFAULT_AREAS",
    "DEMO_SURVEY",
    "DemoSummary",
    "generate",
]

DEMO_SURVEY = "community-trust-safety"
DEFAULT_AREAS = (
    Area(id="north", name="North", population=12000),
    Area(id="riverside", name="Riverside", population=8500),
    Area(id="old-town", name="Old Town", population=6200),
    Area(id="harbour", name="Harbour", population=4300),
    Area(id="hillside", name="Hillside", population=9800),
    Area(id="east-gate", name="East Gate", population=2100),
)
"""Used when the configuration names no areas."""

FIRST_ROUND = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)
ROUND_SPACING = timedelta(days=91)
ROUND_LENGTH = timedelta(days=21)
BATCH = 5000

_TEXTS = {
    "en": (
        "Speeding on the main road at night",
        "Drug dealing near the park",
        "More patrols in the evening, please",
        "Burglaries on our street",
        "Young people need somewhere to go",
        "Nothing in particular, thanks",
    ),
    "es": (
        "Exceso de velocidad en la calle principal por la noche",
        "Venta de drogas cerca del parque",
        "Más patrullas por la tarde, por favor",
        "Robos en viviendas de nuestra calle",
        "Faltan espacios para los jóvenes",
        "Nada en particular, gracias",
    ),
}


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate` wrote."""

    path: Path
    residents: int
    rounds: int
    responses: int
    answers: int
    round_ids: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Resident:
    id: int
    area_id: str
    language: str
    attitude: float
    propensity: float
    stopped: bool


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


class _Answers:
    """Draws plausible answers for one definition from a resident's latent attitude."""

    def __init__(self, definition: SurveyDefinition, rng: random.Random) -> None:
        self._definition = definition
        self._rng = rng

    def draw(self, attitude: float, language: str) -> dict[str, AnswerValue]:
        """A full set of candidate answers; the caller drops those hidden by skip logic."""
        texts = _TEXTS.get(language, _TEXTS["en"])
        return {q.id: q.draw(self._rng, attitude, texts) for q in self._definition.questions}


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


async def generate(
    path: Path,
    *,
    residents: int,
    rounds: int,
    seed: int = 1,
    areas: Sequence[Area] = DEFAULT_AREAS,
    languages: Sequence[str] = ("en", "es"),
    telegram_id_base: int = 5_100_000_000,
    progress: bool = False,
) -> DemoSummary:
    """Create a new database at ``path`` with residents, ``rounds`` rounds and their answers.

    Refuses (``FileExistsError``) to touch an existing file. ``telegram_id_base`` + n is the
    fake Telegram id of resident n, distinctive enough to grep for in exports.
    """
    if path.exists():  # noqa: ASYNC240 - one stat before minutes of work
        raise FileExistsError(f"{path} already exists")
    if residents < 1 or rounds < 1:
        raise ValueError("need at least one resident and one round")
    if not areas:
        raise ValueError("need at least one area")
    rng = random.Random(seed)
    store = await Store.open(path)
    try:
        await store.areas.sync(list(areas))
        definition = load_builtin(DEMO_SURVEY, list(languages))
        version = await store.surveys.register(
            definition.key, definition.content_hash, definition.canonical_json()
        )
        writer = BulkWriter(store.db)
        bar = tqdm(
            total=residents * (rounds + 1),
            desc="demo data",
            unit="resident",
            disable=not progress,
            leave=False,
        )
        try:
            people = await _residents(writer, rng, residents, areas, languages, telegram_id_base)
            bar.update(residents)
            answers_drawer = _Answers(definition, rng)
            response_id, answer_count, round_ids = 0, 0, []
            for number in range(rounds):
                opens = FIRST_ROUND + number * ROUND_SPACING
                closes = opens + ROUND_LENGTH
                round_id = await writer.round(
                    version.id,
                    status="closed",
                    opens_at=_iso(opens),
                    closes_at=_iso(closes),
                )
                round_ids.append(round_id)
                for start in range(0, len(people), BATCH):
                    batch = people[start : start + BATCH]
                    rows = _round_batch(
                        definition,
                        answers_drawer,
                        rng,
                        batch,
                        round_id=round_id,
                        version_id=version.id,
                        number=number,
                        opens=opens,
                        first_response_id=response_id + 1,
                    )
                    await writer.results(
                        outbox=rows.outbox,
                        responses=rows.responses,
                        answers=rows.answers,
                        picks=rows.picks,
                    )
                    response_id += len(rows.responses)
                    answer_count += len(rows.answers)
                    bar.update(len(batch))
        finally:
            bar.close()
    finally:
        await store.close()
    return DemoSummary(
        path=path,
        residents=residents,
        rounds=rounds,
        responses=response_id,
        answers=answer_count,
        round_ids=tuple(round_ids),
    )


async def _residents(
    writer: BulkWriter,
    rng: random.Random,
    count: int,
    areas: Sequence[Area],
    languages: Sequence[str],
    telegram_id_base: int,
) -> list[_Resident]:
    """Insert ``count`` onboarded residents; return their latent traits for the rounds."""
    offsets = {area.id: rng.gauss(0.0, 0.45) for area in areas}
    eagerness = {area.id: rng.uniform(0.6, 1.4) for area in areas}
    weights = [float(area.population or 1000) for area in areas]
    language_weights = [3.0] + [1.0] * (len(languages) - 1)
    joined = _iso(FIRST_ROUND - timedelta(days=30))
    stopped_at = _iso(FIRST_ROUND - timedelta(days=1))
    pseudonyms: set[str] = set()
    people: list[_Resident] = []
    rows: list[tuple[object, ...]] = []
    for number in range(1, count + 1):
        area = rng.choices(areas, weights)[0]
        pseudonym = f"r-{rng.getrandbits(48):012x}"
        while pseudonym in pseudonyms:
            pseudonym = f"r-{rng.getrandbits(48):012x}"
        pseudonyms.add(pseudonym)
        language = rng.choices(list(languages), language_weights)[0]
        stopped = rng.random() < 0.02
        people.append(
            _Resident(
                id=number,
                area_id=area.id,
                language=language,
                attitude=offsets[area.id] + rng.gauss(0.0, 0.9),
                propensity=_clamp(rng.betavariate(2.0, 4.0) * eagerness[area.id], 0.0, 0.95),
                stopped=stopped,
            )
        )
        telegram_id = telegram_id_base + number
        rows.append(
            (
                number,
                pseudonym,
                telegram_id,
                telegram_id,
                language,
                area.id,
                joined,
                stopped_at if stopped else None,
                joined,
            )
        )
        if len(rows) >= BATCH:
            await writer.residents(rows)
            rows = []
    if rows:
        await writer.residents(rows)
    return people


@dataclass
class _Rows:
    outbox: list[tuple[object, ...]] = field(default_factory=list)
    responses: list[tuple[object, ...]] = field(default_factory=list)
    answers: list[tuple[object, ...]] = field(default_factory=list)
    picks: list[tuple[object, ...]] = field(default_factory=list)


def _round_batch(
    definition: SurveyDefinition,
    drawer: _Answers,
    rng: random.Random,
    people: Sequence[_Resident],
    *,
    round_id: int,
    version_id: int,
    number: int,
    opens: datetime,
    first_response_id: int,
) -> _Rows:
    """Invitations, responses and answers of one batch of residents in one round."""
    rows = _Rows()
    purpose = purposes.invite(round_id)
    payload = json.dumps({"text_key": "survey.invitation", "params": {"round": round_id}})
    created = _iso(opens)
    drift = 0.08 * number
    response_id = first_response_id
    for person in people:
        if person.stopped:
            continue
        delivered = rng.random() < 0.96
        rows.outbox.append(
            (purpose, person.id, payload, "sent" if delivered else "failed", created, created)
        )
        if not delivered or rng.random() >= person.propensity:
            continue
        started = opens + timedelta(seconds=rng.uniform(60, ROUND_LENGTH.total_seconds() - 3600))
        candidates = drawer.draw(person.attitude + drift, person.language)
        shown = visible_questions(definition, candidates)
        complete = rng.random() < 0.88
        kept = shown if complete else shown[: rng.randint(1, max(1, len(shown) - 1))]
        duration = timedelta(seconds=_clamp(rng.lognormvariate(math.log(170.0), 0.5), 25, 3000))
        finished = _iso(started + duration) if complete else None
        answered = _iso(started + (duration if complete else duration / 2))
        rows.responses.append(
            (
                response_id,
                round_id,
                person.id,
                version_id,
                person.area_id,
                "completed" if complete else "in_progress",
                _iso(started),
                finished,
            )
        )
        for question in kept:
            stored = question.stored(candidates[question.id])
            rows.answers.append(
                (
                    response_id,
                    question.id,
                    stored.value_json,
                    stored.num,
                    stored.code,
                    int(stored.is_text),
                    answered,
                )
            )
            rows.picks.extend((response_id, question.id, code) for code in stored.picks)
        response_id += 1
    return rows
