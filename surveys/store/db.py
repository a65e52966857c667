"""The SQLite connection: PRAGMAs, numbered migrations, and one writer at a time.

aiosqlite runs one connection on one thread; coroutines that share it would otherwise interleave
their statements inside each other's transactions. Every use therefore goes through
:meth:`Database.transaction` (or :meth:`Database.read`), which hold one asyncio lock.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

from surveys.errors import SchemaTooNewError, StoreError

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """Split the script into statements, because ``executescript`` would COMMIT first."""
        statements, current = [], ""
        for line in self.sql.splitlines(keepends=True):
            current += line
            if sqlite3.complete_statement(current):
                if current.strip():
                    statements.append(current.strip())
                current = ""
        if current.strip() and not current.strip().startswith("--"):
            raise StoreError(f"migration {self.name}: incomplete statement at the end")
        return statements


def bundled_migrations() -> list[Migration]:
    """The migrations shipped in ``surveys/migrations``, ordered and checked for gaps."""
    found = []
    for entry in resources.files("surveys.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StoreError(f"migration {migration.name}: expected number {expected:04d}")
    return found


class Database:
    """An open SQLite database, migrated to this release's schema."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._closed = False
        self.path = path

    @classmethod
    async def open(cls, path: Path | str, *, migrations: list[Migration] | None = None) -> Database:
        """Open (creating if needed) and migrate; refuse a database from a newer release."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode keeps every commit across a process kill; only an OS crash
            # or power loss can drop the last transactions.
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            db = cls(conn, path)
            await db._migrate(bundled_migrations() if migrations is None else migrations)
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        async with self._lock:
            if not self._closed:
                self._closed = True
                await self._conn.close()

    async def schema_version(self) -> int:
        async with self.read() as conn:
            return await _user_version(conn)

    async def _migrate(self, migrations: list[Migration]) -> None:
        current = await _user_version(self._conn)
        latest = migrations[-1].version if migrations else 0
        if current > latest:
            raise SchemaTooNewError(
                f"{self.path}: database schema version {current} is newer than this release "
                f"supports ({latest}); upgrade community-feedback-bot or use a backup"
            )
        for migration in migrations:
            if migration.version <= current:
                continue
            async with self.transaction() as conn:
                for statement in migration.statements():
                    await conn.execute(statement)
                # user_version lives in the file header and is part of the transaction.
                await conn.execute(f"PRAGMA user_version = {migration.version}")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction; committed on success, rolled back on any exception."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Exclusive use of the connection for reads (no transaction needed)."""
        async with self._lock:
            yield self._conn


async def _user_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0
