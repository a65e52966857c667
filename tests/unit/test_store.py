"""The SQLite store on real files: migrations, residents, erasure, outbox."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from surveys.clock import utcnow
from surveys.errors import SchemaTooNewError, StoreError
from surveys.models import OutboxMessage
from surveys.store import Store
from surveys.store.db import Database, Migration, bundled_migrations
from tests.support.data import onboarded


async def test_new_database_is_migrated_with_pragmas(tmp_path: Path) -> None:
    """If a database is opened, then it is at the latest version, in WAL, with foreign keys."""
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        assert await store.db.schema_version() == bundled_migrations()[-1].version
        async with store.db.read() as conn:
            assert (await (await conn.execute("PRAGMA journal_mode")).fetchone())[0] == "wal"
            assert (await (await conn.execute("PRAGMA foreign_keys")).fetchone())[0] == 1
            assert (await (await conn.execute("PRAGMA busy_timeout")).fetchone())[0] >= 1000
    finally:
        await store.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    """If the file's schema is newer than this release, then opening fails clearly."""
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(SchemaTooNewError, match="newer than this release"):
        await Database.open(path)


async def test_failed_migration_leaves_version_and_tables_untouched(tmp_path: Path) -> None:
    """If a migration fails halfway, then neither its tables nor its version bump remain."""
    path = tmp_path / "db.sqlite3"
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER);\nINSERT INTO nope VALUES (1);")
    with pytest.raises(sqlite3.OperationalError):
        await Database.open(path, migrations=[good, bad])
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "a" in tables and "b" not in tables


def test_migration_statements_split_without_executescript() -> None:
    """If a migration has several statements and comments, then each is run on its own."""
    migration = Migration(1, "0001_x.sql", "-- c\nCREATE TABLE a (x);\n\nCREATE TABLE b (y);\n")
    assert migration.statements() == ["-- c\nCREATE TABLE a (x);", "CREATE TABLE b (y);"]
    with pytest.raises(StoreError):
        Migration(1, "0001_x.sql", "CREATE TABLE a (x)").statements()


async def test_register_is_idempotent_and_pseudonymous(store: Store) -> None:
    """If a user registers twice, then there is one row with a random pseudonym."""
    first = await store.residents.register(100, 100, "es")
    second = await store.residents.register(100, 100, "en")
    other = await store.residents.register(101, 101, "en")
    assert first.id == second.id and second.language == "es"
    assert first.pseudonym != other.pseudonym and first.pseudonym.startswith("r-")
    assert str(100) not in first.pseudonym


async def test_forget_removes_every_telegram_id(store: Store, tmp_path: Path) -> None:
    """If a resident forgets, then no column of any table holds their Telegram id."""
    resident_id = await onboarded(store, 987654321)
    await store.outbox.enqueue_audience("announce:1", OutboxMessage(text="hi"))
    await store.audit.record(
        role="resident", action="export", allowed=False, user_id=987654321, pseudonym="r-x"
    )
    await store.residents.forget(resident_id)
    await store.close()
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            for row in conn.execute(f"SELECT * FROM {table}"):
                assert 987654321 not in row and "987654321" not in map(str, row), table


async def test_outbox_is_unique_per_purpose_and_resident(store: Store) -> None:
    """If the same purpose is queued twice, then each resident has one row."""
    for user_id in (1, 2, 3):
        await onboarded(store, user_id, "north" if user_id < 3 else "south")
    message = OutboxMessage(text="hello")
    assert await store.outbox.enqueue_audience("p", message) == 3
    assert await store.outbox.enqueue_audience("p", message) == 0
    assert await store.outbox.enqueue_audience("q", message, area_ids=["south"]) == 1
    assert (await store.outbox.counts("p")).pending == 3


async def test_claim_skips_residents_who_stopped(store: Store) -> None:
    """If a resident stops after a message was queued, then it is skipped, not claimed."""
    keep, leave = await onboarded(store, 1), await onboarded(store, 2)
    await store.outbox.enqueue_audience("p", OutboxMessage(text="hello"))
    await store.residents.stop(leave)
    claimed = await store.outbox.claim_due(10, utcnow())
    assert [item.resident_id for item in claimed] == [keep]
    counts = await store.outbox.counts("p")
    assert (counts.sending, counts.skipped) == (1, 1)


async def test_claim_respects_not_before_and_release(store: Store) -> None:
    """If a row is due later, then it is not claimed; released rows become pending again."""
    await onboarded(store, 1)
    await store.outbox.enqueue_audience(
        "later", OutboxMessage(text="x"), not_before=utcnow() + timedelta(hours=1)
    )
    assert await store.outbox.claim_due(10, utcnow()) == []
    claimed = await store.outbox.claim_due(10, utcnow() + timedelta(hours=2))
    assert len(claimed) == 1 and claimed[0].attempts == 0  # a claim is not an attempt
    assert await store.outbox.release_in_flight() == 1
    assert (await store.outbox.counts()).pending == 1


async def test_forget_drops_free_text_but_keeps_ratings(store: Store) -> None:
    """If a resident forgets, then their free-text answers are deleted (they may name them)
    while ratings stay, linked to nobody."""
    from datetime import timedelta

    from surveys.models import AnswerRow

    resident_id = await onboarded(store, 31)
    version = await store.surveys.register("s", "hash", "{}")
    round_ = await store.rounds.create(
        version.id, opens_at=utcnow(), closes_at=utcnow() + timedelta(days=1)
    )
    response = await store.responses.start(round_.id, resident_id, version.id, "north")
    rows = [
        AnswerRow(question_id="rating", value_json="7", num=7.0),
        AnswerRow(question_id="comment", value_json='"I am Ana"', is_text=True),
    ]
    assert await store.responses.save(response.id, response.revision, rows, completed=True)
    await store.residents.forget(resident_id)
    assert await store.responses.answers(response.id) == {"rating": 7}
    resident = await store.residents.get(resident_id)
    assert resident.telegram_user_id is None and resident.chat_id is None
