"""The database's connections: one writer, read-only readers beside it, nobody waits.

A read is held inside SQLite (on its reader thread) by a SQL function that blocks on a
``threading.Event``, so "a long read" is deterministic rather than a race against the clock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from surveys.errors import DatabaseMissingError, SchemaOutdatedError, StoreError
from surveys.store import Store
from surveys.store.db import Database, Migration, bundled_migrations, connect_read_only
from tests.support.data import onboarded

WAIT = 20  # generous: a blocked operation shows up as a timeout, a working one takes ms


class Gate:
    """A SQL function ``gate()`` that blocks its reader thread until :meth:`open` is called."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self._opened = threading.Event()

    def __call__(self) -> int:
        self.entered.set()
        self._opened.wait(WAIT * 2)
        return 1

    def open(self) -> None:
        self._opened.set()

    async def wait_entered(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, WAIT), "the read never started"


async def count_residents(store: Store, gate: Callable[[], int] | None = None) -> int:
    async with store.db.read() as conn:
        if gate is not None:
            await conn.create_function("gate", 0, gate)
            sql = "SELECT gate(), (SELECT COUNT(*) FROM residents)"
        else:
            sql = "SELECT 1, (SELECT COUNT(*) FROM residents)"
        async with conn.execute(sql) as cursor:
            row = await cursor.fetchone()
    assert row is not None
    return int(row[1])


@pytest.fixture
async def gate() -> AsyncIterator[Gate]:
    gate = Gate()
    yield gate
    gate.open()  # never leave a reader thread blocked


async def test_a_long_read_blocks_neither_writes_nor_other_reads(store: Store, gate: Gate) -> None:
    """If a read is stuck inside SQLite, then a write commits and another read completes
    meanwhile; the long read keeps the snapshot it started with."""
    long_read = asyncio.create_task(count_residents(store, gate))
    await gate.wait_entered()
    await asyncio.wait_for(onboarded(store, 1), WAIT)
    assert await asyncio.wait_for(count_residents(store), WAIT) == 1
    assert not long_read.done()
    gate.open()
    assert await asyncio.wait_for(long_read, WAIT) == 0


async def test_an_open_write_blocks_no_read(store: Store) -> None:
    """If a write transaction is open, then reads complete meanwhile and see the last commit
    only; once it commits, the next read sees it (read-after-write)."""
    writing, release = asyncio.Event(), asyncio.Event()

    async def slow_write() -> None:
        async with store.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO residents (telegram_user_id, chat_id, language, pseudonym, "
                "created_at, updated_at) VALUES (7, 7, 'en', 'p7', '2025', '2025')"
            )
            writing.set()
            await release.wait()

    task = asyncio.create_task(slow_write())
    await asyncio.wait_for(writing.wait(), WAIT)
    assert await asyncio.wait_for(count_residents(store), WAIT) == 0
    assert await asyncio.wait_for(store.residents.by_telegram_id(7), WAIT) is None
    release.set()
    await asyncio.wait_for(task, WAIT)
    assert await count_residents(store) == 1


async def test_reads_see_each_commit_at_once(store: Store) -> None:
    """If writes and reads alternate quickly, then every read sees every earlier commit."""
    for user_id in range(1, 31):
        await onboarded(store, user_id)
        assert await count_residents(store) == user_id
        resident = await store.residents.by_telegram_id(user_id)
        assert resident is not None and resident.area_id == "north"


async def test_many_concurrent_readers(store: Store) -> None:
    """If more reads run at once than there are readers, then they queue and all finish."""
    await onboarded(store, 1)
    counts = await asyncio.wait_for(
        asyncio.gather(*(count_residents(store) for _ in range(40))), WAIT
    )
    assert counts == [1] * 40


async def test_readers_cannot_write(store: Store) -> None:
    """If code writes through a read connection, then SQLite refuses it."""
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        async with store.db.read() as conn:
            await conn.execute("DELETE FROM residents")
    assert await count_residents(store) == 0  # and the reader is still usable


async def test_thread_reads_see_commits(store: Store) -> None:
    """If a worker thread reads through run_read or connect_read_only, then it sees every
    commit so far and cannot write."""
    await onboarded(store, 1)
    await onboarded(store, 2)

    def count(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT COUNT(*) FROM residents").fetchone()[0])

    assert await store.db.run_read(count) == 2
    conn = await asyncio.to_thread(connect_read_only, store.db.path)
    try:
        assert await asyncio.to_thread(count, conn) == 2
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM residents")
    finally:
        conn.close()


async def test_run_read_holds_one_snapshot(store: Store) -> None:
    """If a write commits while a run_read function is between two queries, then both queries
    see the same snapshot, and the write did not wait for the thread."""
    await onboarded(store, 1)
    between, written = threading.Event(), threading.Event()

    def twice(conn: sqlite3.Connection) -> tuple[int, int]:
        first = int(conn.execute("SELECT COUNT(*) FROM residents").fetchone()[0])
        between.set()
        assert written.wait(WAIT), "the write waited for the reader"
        return first, int(conn.execute("SELECT COUNT(*) FROM residents").fetchone()[0])

    reading = asyncio.create_task(store.db.run_read(twice))
    assert await asyncio.to_thread(between.wait, WAIT)
    await asyncio.wait_for(onboarded(store, 2), WAIT)
    written.set()
    assert await asyncio.wait_for(reading, WAIT) == (1, 1)
    assert await count_residents(store) == 2


async def test_read_only_open_never_creates(tmp_path: Path) -> None:
    """If a missing database is opened read-only, then it fails clearly and no file appears."""
    path = tmp_path / "nowhere.sqlite3"
    with pytest.raises(DatabaseMissingError, match="no such database"):
        await Store.open(path, read_only=True)
    with pytest.raises(DatabaseMissingError):
        connect_read_only(path)
    assert await asyncio.to_thread(lambda: list(tmp_path.iterdir())) == []


async def test_read_only_open_never_migrates(tmp_path: Path) -> None:
    """If an older database is opened read-only, then it fails saying it needs migrating and
    its schema version is unchanged; opened for writing, it is migrated."""
    path = tmp_path / "old.sqlite3"
    first = bundled_migrations()[:1]
    db = await Database.open(path, migrations=first)
    await db.close()
    with pytest.raises(SchemaOutdatedError, match="feedbackbot db migrate"):
        await Store.open(path, read_only=True)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    store = await Store.open(path)
    await store.close()
    store = await Store.open(path, read_only=True)
    try:
        assert await store.db.schema_version() == bundled_migrations()[-1].version
        with pytest.raises(StoreError, match="read-only"):
            await onboarded(store, 1)
    finally:
        await store.close()


async def test_read_only_open_refuses_other_files(tmp_path: Path) -> None:
    """If the file is not a SQLite database, then read-only opening says so in one line."""
    path = tmp_path / "notes.sqlite3"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        await Database.open(path, read_only=True, migrations=[Migration(1, "0001_a.sql", "")])
