"""Report figures: a worked example, then a property test that writes random raw rows with
sqlite3 and recomputes every figure from those rows in plain Python."""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.clock import to_db
from surveys.reports.figures import ReportFigures, report_figures
from surveys.reports.models import STATUSES
from surveys.store import Store
from tests.support.reports import open_store

BASE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
AT = BASE + timedelta(days=61)
CATEGORIES = ("lighting", "litter", "domestic")
AREAS = ("north", "south", "east", None)


@dataclass(frozen=True)
class Row:
    category: str
    area: str | None
    status: str
    created: timedelta
    ack_after: timedelta | None
    resolve_after: timedelta | None
    reopens: int
    followers: int

    @property
    def sensitive(self) -> bool:
        return self.category == "domestic"


def _durations() -> st.SearchStrategy[timedelta | None]:
    return st.one_of(st.none(), st.integers(0, 20 * 24 * 60).map(lambda m: timedelta(minutes=m)))


rows_strategy = st.lists(
    st.builds(
        Row,
        category=st.sampled_from(CATEGORIES),
        area=st.sampled_from(AREAS),
        status=st.sampled_from(STATUSES),
        created=st.integers(0, 60 * 24 * 60).map(lambda m: timedelta(minutes=m)),
        ack_after=_durations(),
        resolve_after=_durations(),
        reopens=st.integers(0, 2),
        followers=st.integers(0, 3),
    ),
    max_size=40,
)


def _write(path: Path, rows: list[Row]) -> None:
    """The raw rows, written with sqlite3 into a migrated database."""
    with sqlite3.connect(path) as conn:
        people = max((row.followers for row in rows), default=0)
        for i in range(people):
            conn.execute(
                "INSERT INTO residents (pseudonym, language, step, created_at, updated_at) "
                "VALUES (?, 'en', 'done', ?, ?)",
                (f"r-{i}", to_db(BASE), to_db(BASE)),
            )
        for row in rows:
            created = BASE + row.created

            def at(delay: timedelta | None, created: datetime = created) -> str | None:
                return to_db(created + delay) if delay is not None else None

            cursor = conn.execute(
                "INSERT INTO reports (category, sensitive, area_id, description, contact_ok, "
                "language, status, created_at, updated_at, acknowledged_at, resolved_at, "
                "last_activity_at, reopen_count) "
                "VALUES (?, ?, ?, 'x', 0, 'en', ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.category,
                    int(row.sensitive),
                    row.area,
                    row.status,
                    to_db(created),
                    to_db(created),
                    at(row.ack_after),
                    at(row.resolve_after),
                    to_db(created),
                    row.reopens,
                ),
            )
            for person in range(1, row.followers + 1):
                conn.execute(
                    "INSERT INTO report_followers (report_id, resident_id, created_at) "
                    "VALUES (?, ?, ?)",
                    (cursor.lastrowid, person, to_db(created)),
                )


async def _figures(path: Path, k: int, within: int, since: datetime | None) -> ReportFigures:
    store = await Store.open(path)
    try:
        return await report_figures(store, min_group_size=k, within_days=within, at=AT, since=since)
    finally:
        await store.close()


def _check_breakdown(
    published: dict[str, int], suppressed: tuple[str, ...], truth: Counter[str], k: int
) -> None:
    """Published groups carry their true count and none is small; every small group is
    hidden; the hidden set is empty or adds up to at least k; together they are every group."""
    assert set(published) | set(suppressed) == set(truth)
    assert not set(published) & set(suppressed)
    for group, n in published.items():
        assert n == truth[group] and (n == 0 or n >= k)
    assert all(group in suppressed for group, n in truth.items() if 0 < n < k)
    if suppressed:
        assert sum(truth[g] for g in suppressed) >= k or sum(truth.values()) < k


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=rows_strategy,
    k=st.integers(1, 6),
    within=st.integers(1, 10),
    since_days=st.one_of(st.none(), st.integers(0, 60)),
)
def test_figures_recomputed_from_raw_rows(
    rows: list[Row], k: int, within: int, since_days: int | None
) -> None:
    """If random reports are stored, then every published figure equals the one recomputed
    from the raw rows, and nothing rests on fewer than k reports."""
    since = BASE + timedelta(days=since_days) if since_days is not None else None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "db.sqlite3"
        asyncio.run(_migrate(path))
        _write(path, rows)
        figures = asyncio.run(_figures(path, k, within, since))
    kept = [r for r in rows if since is None or BASE + r.created >= since]
    total = len(kept)
    if total < k or total == 0:
        assert figures.withheld and figures.total is None and figures.by_status == {}
        assert figures.acknowledge.median_hours is None and figures.reopen.share is None
    else:
        _check_published(figures, kept, k, within)


def _check_published(figures: ReportFigures, kept: list[Row], k: int, within: int) -> None:
    """Every figure of a published total, against the raw rows."""
    assert figures.total == len(kept) and not figures.withheld
    assert figures.by_status == dict(Counter(r.status for r in kept))
    supporters = sum(r.followers for r in kept)
    assert figures.supporters == (supporters if supporters == 0 or supporters >= k else None)
    _check_breakdown(
        figures.by_category.published,
        figures.by_category.suppressed,
        Counter(r.category for r in kept),
        k,
    )
    _check_breakdown(
        figures.by_area.published,
        figures.by_area.suppressed,
        Counter(r.area or "" for r in kept if not r.sensitive),
        k,
    )
    worked = [r for r in kept if r.status != "duplicate"]
    for figure, delays in (
        (figures.acknowledge, [r.ack_after for r in worked if r.ack_after is not None]),
        (figures.resolve, [r.resolve_after for r in worked if r.resolve_after is not None]),
    ):
        if len(delays) < k or not delays:
            assert figure.withheld and figure.median_hours is None and figure.n is None
        else:
            hours = statistics.median(d.total_seconds() for d in delays) / 3600
            assert figure.n == len(delays)
            assert figure.median_hours is not None and abs(figure.median_hours - hours) < 1e-9
    limit = timedelta(days=within)
    judged = [
        r
        for r in worked
        if BASE + r.created <= AT - limit
        or (r.resolve_after is not None and r.resolve_after <= limit)
    ]
    quick = [r for r in judged if r.resolve_after is not None and r.resolve_after <= limit]
    ever = [r for r in worked if r.resolve_after is not None]
    reopened = [r for r in ever if r.reopens > 0]
    for rate, count, base in (
        (figures.resolved_within, len(quick), len(judged)),
        (figures.reopen, len(reopened), len(ever)),
    ):
        if base < k or base == 0:
            assert rate.withheld and rate.share is None and rate.n is None
        else:
            assert (rate.count, rate.n) == (count, base)
            assert rate.share is not None and abs(rate.share - count / base) < 1e-12


async def _migrate(path: Path) -> None:
    store = await open_store(path)
    await store.close()


async def test_worked_example(tmp_path: Path) -> None:
    """If five reports are acknowledged after 1, 2, 3, 4 and 50 hours, then the median is
    3 hours over n = 5; with k = 6 it is withheld."""
    path = tmp_path / "db.sqlite3"
    await _migrate(path)
    rows = [
        Row(
            "litter",
            "north",
            "resolved",
            timedelta(days=d),
            timedelta(hours=h),
            timedelta(days=1),
            0,
            0,
        )
        for d, h in zip(range(5), (1, 2, 3, 4, 50), strict=True)
    ]
    _write(path, rows)
    figures = await _figures(path, 5, 7, None)
    assert (figures.acknowledge.median_hours, figures.acknowledge.n) == (3.0, 5)
    assert (figures.resolve.median_hours, figures.resolve.n) == (24.0, 5)
    assert figures.resolved_within.share == 1.0 and figures.reopen.share == 0.0
    assert figures.by_area.published == {"north": 5}
    assert (await _figures(path, 6, 7, None)).withheld
