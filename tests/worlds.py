"""Random small databases of survey answers, for the result tests (aggregation, exports).

A :class:`World` is a round of respondents with answers that follow the definition's skip
logic, invitations in every outbox state, areas with or without populations, and a minimum
group size. :func:`build` writes it into a real SQLite file through
:class:`surveys.store.bulk.BulkWriter`; :func:`read_raw` reads the rows back with plain
``sqlite3`` so tests can recompute every figure independently.

Values are chosen so that every sum is exact in floating point (per-respondent index values
are multiples of 1/64 or of 5; fractional numbers are multiples of 1/8).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from surveys.definitions import parse_definition
from surveys.engine import AnswerValue, visible_questions
from surveys.models import Area
from surveys.purposes import invite as invite_purpose
from surveys.store import Store
from surveys.store.bulk import BulkWriter

DEFINITION_TOML = """
key = "prop-survey"
version = 1
title = { en = "Property survey" }
intro = { en = "Intro" }

[[questions]]
id = "feel"
type = "single"
text = { en = "How do you feel?" }
choices = [
  { code = "good", label = { en = "Good" } },
  { code = "fair", label = { en = "Fair" } },
  { code = "bad", label = { en = "Bad" } },
]

[[questions]]
id = "issues"
type = "multi"
required = false
text = { en = "Issues?" }
max_picks = 2
choices = [
  { code = "noise", label = { en = "Noise" } },
  { code = "theft", label = { en = "Theft" } },
  { code = "speed", label = { en = "Speed" } },
]

[[questions]]
id = "rating"
type = "likert5"
text = { en = "I trust the police." }

[[questions]]
id = "score"
type = "scale"
required = false
text = { en = "How safe?" }
low_label = { en = "Unsafe" }
high_label = { en = "Safe" }

[[questions]]
id = "met"
type = "yes_no"
text = { en = "Met an officer?" }

[[questions]]
id = "useful"
type = "likert5"
text = { en = "Was it useful?" }
show_if = { question = "met", equals = true }

[[questions]]
id = "age"
type = "number"
text = { en = "Age?" }
min = 16
max = 99

[[questions]]
id = "hours"
type = "number"
required = false
integer = false
text = { en = "Hours outside per day?" }
min = 0
max = 10

[[questions]]
id = "level"
type = "number"
required = false
text = { en = "Level?" }
min = 0
max = 16

[[questions]]
id = "note"
type = "text"
required = false
text = { en = "Anything else?" }

[[indices]]
key = "trust"
method = "mean_rescaled"
title = { en = "Trust" }
items = ["rating", "score"]
reversed = ["score"]
min_items = 1

[[indices]]
key = "level_index"
method = "mean_rescaled"
title = { en = "Level" }
items = ["level", "useful"]

[[indices]]
key = "agree"
method = "share_agree"
title = { en = "Agree" }
items = ["rating"]
threshold = 4

[[indices]]
key = "met_share"
method = "share_agree"
title = { en = "Met" }
items = ["met"]

[[indices]]
key = "outdoors"
method = "share_agree"
title = { en = "Outdoors" }
items = ["hours"]
threshold = 5.5

[[indices]]
key = "age_index"
method = "mean_rescaled"
title = { en = "Age" }
items = ["age"]
"""

DEFINITION = parse_definition(DEFINITION_TOML, source="prop.toml", languages=["en"])
AREAS = ["a", "b", "c", "d"]
OPENS = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


# --- random databases -------------------------------------------------------------------------


@dataclass(frozen=True)
class Respondent:
    area: str | None
    invite: str | None  # outbox status of the invitation, None: not invited
    answers: dict[str, AnswerValue]
    answered: int  # how many visible questions were answered (prefix)
    complete: bool
    seconds: float


def _candidates() -> st.SearchStrategy[dict[str, AnswerValue]]:
    maybe = st.booleans()
    return st.fixed_dictionaries(
        {
            "feel": st.sampled_from(["good", "fair", "bad"]),
            "issues": st.one_of(
                st.none(),
                st.lists(
                    st.sampled_from(["noise", "theft", "speed"]),
                    min_size=1,
                    max_size=2,
                    unique=True,
                ).map(lambda picks: [c for c in ("noise", "theft", "speed") if c in picks]),
            ),
            "rating": st.integers(1, 5),
            "score": st.one_of(st.none(), st.integers(0, 10)),
            "met": maybe,
            "useful": st.integers(1, 5),
            "age": st.integers(16, 99),
            "hours": st.one_of(st.none(), st.integers(0, 80).map(lambda i: i / 8)),
            "level": st.one_of(st.none(), st.integers(0, 16)),
            "note": st.one_of(st.none(), st.sampled_from(["loud", "ok", "más luz"])),
        }
    )


@st.composite
def respondents(draw: st.DrawFn) -> Respondent:
    candidates = draw(_candidates())
    shown = visible_questions(DEFINITION, candidates)
    complete = draw(st.booleans())
    answered = len(shown) if complete else draw(st.integers(0, len(shown) - 1))
    return Respondent(
        area=draw(st.sampled_from([*AREAS, "a", "b", None])),
        invite=draw(st.sampled_from(["sent", "sent", "sent", "failed", None])),
        answers={q.id: candidates[q.id] for q in shown[:answered]},
        answered=answered,
        complete=complete,
        seconds=draw(st.floats(10, 5000)),
    )


@dataclass(frozen=True)
class World:
    respondents: list[Respondent]
    invited_only: list[str]  # outbox statuses of invitations without a response
    populations: dict[str, int | None]
    min_group_size: int


@st.composite
def worlds(draw: st.DrawFn) -> World:
    with_population = draw(st.booleans())
    return World(
        respondents=draw(st.lists(respondents(), min_size=0, max_size=24)),
        invited_only=draw(st.lists(st.sampled_from(["sent", "failed", "pending"]), max_size=6)),
        populations={
            area: draw(st.integers(1, 5000)) if with_population else None for area in AREAS
        },
        min_group_size=draw(st.integers(1, 6)),
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


async def build(path: Path, world: World, *, status: str = "open") -> int:
    """Write the world into a fresh database (a round in ``status``); return the round id."""
    store = await Store.open(path)
    try:
        await store.areas.sync(
            [Area(id=a, name=a.upper(), population=world.populations[a]) for a in AREAS]
        )
        version = await store.surveys.register(
            DEFINITION.key, DEFINITION.content_hash, DEFINITION.canonical_json()
        )
        writer = BulkWriter(store.db)
        closes = _iso(OPENS + timedelta(days=7)) if status == "closed" else None
        round_id = await writer.round(
            version.id, status=status, opens_at=_iso(OPENS), closes_at=closes
        )
        people = len(world.respondents) + len(world.invited_only)
        await writer.residents(
            [
                (
                    i,
                    f"p-{i}",
                    7_000_000 + i,
                    7_000_000 + i,
                    "en",
                    AREAS[i % 4],
                    _iso(OPENS),
                    None,
                    _iso(OPENS),
                )
                for i in range(1, people + 1)
            ]
        )
        purpose = invite_purpose(round_id)
        outbox: list[tuple[object, ...]] = []
        responses: list[tuple[object, ...]] = []
        answers: list[tuple[object, ...]] = []
        picks: list[tuple[object, ...]] = []
        for number, person in enumerate(world.respondents, start=1):
            if person.invite is not None:
                outbox.append((purpose, number, "{}", person.invite, _iso(OPENS), None))
            started = OPENS + timedelta(minutes=number)
            finished = started + timedelta(seconds=person.seconds)
            responses.append(
                (
                    number,
                    round_id,
                    number,
                    version.id,
                    person.area,
                    "completed" if person.complete else "in_progress",
                    _iso(started),
                    _iso(finished) if person.complete else None,
                )
            )
            for qid, value in person.answers.items():
                stored = DEFINITION.question(qid).stored(value)
                answers.append(
                    (
                        number,
                        qid,
                        stored.value_json,
                        stored.num,
                        stored.code,
                        int(stored.is_text),
                        _iso(started),
                    )
                )
                picks.extend((number, qid, code) for code in stored.picks)
        for offset, status in enumerate(world.invited_only, start=len(world.respondents) + 1):
            outbox.append((purpose, offset, "{}", status, _iso(OPENS), None))
        await writer.results(outbox=outbox, responses=responses, answers=answers, picks=picks)
        return round_id
    finally:
        await store.close()


# --- the independent computation --------------------------------------------------------------


@dataclass(frozen=True)
class RawResponse:
    id: int
    resident_id: int
    area: str
    status: str
    started_at: str
    completed_at: str | None
    answers: dict[str, Any]


@dataclass(frozen=True)
class Raw:
    responses: list[RawResponse]
    outbox: list[tuple[int, str]]
    populations: dict[str, int | None]


def read_raw(path: Path, round_id: int) -> Raw:
    """Every row that matters, with plain sqlite3 and no aggregation in SQL."""
    with sqlite3.connect(path) as conn:
        answers: dict[int, dict[str, Any]] = defaultdict(dict)
        for response_id, qid, value in conn.execute(
            "SELECT response_id, question_id, value FROM answers"
        ):
            answers[response_id][qid] = json.loads(value)
        responses = [
            RawResponse(row[0], row[1], row[2] or "", row[3], row[4], row[5], answers[row[0]])
            for row in conn.execute(
                "SELECT id, resident_id, area_id, status, started_at, completed_at "
                "FROM responses WHERE round_id = ?",
                (round_id,),
            )
        ]
        outbox = list(
            conn.execute(
                "SELECT resident_id, status FROM outbox WHERE purpose = ?",
                (invite_purpose(round_id),),
            )
        )
        populations = dict(conn.execute("SELECT id, population FROM areas"))
    return Raw(responses, outbox, populations)


def partition(raw: Raw) -> dict[str, int]:
    counts = Counter(r.area for r in raw.responses)
    keys = [*AREAS, *sorted(k for k in counts if k not in AREAS)]
    return {key: counts.get(key, 0) for key in keys}


@contextmanager
def world_database(world: World, *, status: str = "open") -> Iterator[tuple[Path, int]]:
    """The world in a temporary database file: (path, round id)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "db.sqlite3"
        yield path, asyncio.run(build(path, world, status=status))
