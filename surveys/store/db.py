"""The SQLite database: PRAGMAs, numbered migrations, one write connection and read-only ones.

SQLite in WAL mode lets any number of readers work beside one writer, each reader on a
snapshot of the last commit before its read began. :class:`Database` follows datasette's
``Database``:

- **writes** go through :meth:`Database.transaction`: one connection, ``BEGIN IMMEDIATE``, one
  asyncio lock (coroutines sharing a connection would otherwise interleave their statements
  inside each other's transactions);
- **reads** go through :meth:`Database.read`: a small pool of read-only connections
  (``file:...?mode=ro``), each on its own thread, so a long export neither waits for the writer
  nor makes a resident's one-row lookup wait for it. Each statement sees every write committed
  before it began (read-after-write holds); an open cursor keeps its snapshot until closed;
- code running in a worker thread (CPU-heavy exports, several queries that must agree) uses
  :meth:`Database.read_sync` or :meth:`Database.run_read`: a plain :mod:`sqlite3` read-only
  connection holding one snapshot (one read transaction) for the whole block.

``Database.open(path, read_only=True)`` never creates, migrates or writes anything: the CLI's
read commands use it and say clearly when the file is missing or needs migrating.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

import aiosqlite

from surveys.errors import DatabaseMissingError, SchemaOutdatedError, SchemaTooNewError, StoreError

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000
# Readers beside the writer. Each is a thread with its own page cache; a handful covers a few
# exports at once while residents' lookups still find a free one.
DEFAULT_READERS = 6
MEMORY = ":memory:"

T = TypeVar("T")


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


def read_only_uri(path: Path) -> str:
    """``file:/abs/path?mode=ro``: SQLite refuses any write through such a connection."""
    return f"{path.absolute().as_uri()}?mode=ro"


def connect_read_only(path: Path | str) -> sqlite3.Connection:
    """A synchronous read-only connection, for code that runs in a worker thread.

    The connection may be handed to another thread (``check_same_thread=False``) but must be
    used by one thread at a time; close it when done. It never creates the file:
    :class:`DatabaseMissingError` if there is none.
    """
    path = Path(path)
    if not path.is_file():
        raise DatabaseMissingError(f"{path}: no such database")
    conn = sqlite3.connect(
        read_only_uri(path),
        uri=True,
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    conn.row_factory = sqlite3.Row
    return conn


@dataclass(frozen=True)
class DatabaseState:
    """What a database file is, read without changing it (see :func:`inspect_database`)."""

    path: Path
    exists: bool
    version: int = 0
    latest: int = 0
    problems: tuple[str, ...] = ()  # from PRAGMA integrity_check; empty when sound

    @property
    def outdated(self) -> bool:
        return self.exists and self.version < self.latest

    @property
    def too_new(self) -> bool:
        return self.version > self.latest


def inspect_database(
    path: Path | str, *, integrity: bool = True, migrations: list[Migration] | None = None
) -> DatabaseState:
    """Schema version and (with ``integrity``) SQLite's integrity check of a file, read-only:
    a missing file stays missing. Synchronous: call it from a worker thread in async code."""
    path = Path(path)
    migrations = bundled_migrations() if migrations is None else migrations
    latest = migrations[-1].version if migrations else 0
    if not path.is_file():
        return DatabaseState(path, exists=False, latest=latest)
    conn = connect_read_only(path)
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        problems: tuple[str, ...] = ()
        if integrity:
            found = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
            problems = () if found == ["ok"] else tuple(found)
    except sqlite3.DatabaseError as exc:
        return DatabaseState(path, exists=True, latest=latest, problems=(str(exc),))
    finally:
        conn.close()
    return DatabaseState(path, exists=True, version=version, latest=latest, problems=problems)


class _Readers:
    """A small pool of read-only aiosqlite connections, opened on first need."""

    def __init__(self, path: Path, size: int) -> None:
        self._path = path
        self._slots = asyncio.Semaphore(size)
        self._idle: list[aiosqlite.Connection] = []
        self._every: set[aiosqlite.Connection] = set()
        self._closed = False

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._slots:
            if self._closed:
                raise StoreError(f"{self._path}: the database is closed")
            conn = self._idle.pop() if self._idle else await self._open()
            try:
                yield conn
            finally:
                # A read that failed to end its transaction (a broken or cancelled one) would
                # pin an old snapshot for the next user: such a connection is not reused.
                if self._closed or conn.in_transaction:
                    await self._discard(conn)
                else:
                    self._idle.append(conn)

    async def _open(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(read_only_uri(self._path), uri=True, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            await _close_quietly(conn)
            raise
        self._every.add(conn)
        return conn

    async def _discard(self, conn: aiosqlite.Connection) -> None:
        self._every.discard(conn)
        await _close_quietly(conn)

    async def close(self) -> None:
        """Close every reader, in use or not: a read still running finishes its statement,
        and its next one fails. An aiosqlite connection is a thread that would otherwise keep
        the process alive (a read abandoned mid-way, e.g. an unfinished async generator)."""
        self._closed = True
        self._idle.clear()
        while self._every:
            await self._discard(self._every.pop())


class Database:
    """An open SQLite database: one write connection (absent when read-only) and readers."""

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection | None,
        *,
        readers: int = DEFAULT_READERS,
    ) -> None:
        self.path = path
        self._writer = writer
        self._lock = asyncio.Lock()
        self._closed = False
        # An in-memory database exists only inside its one connection.
        self._readers = None if str(path) == MEMORY else _Readers(path, readers)

    @property
    def read_only(self) -> bool:
        return self._writer is None

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        migrations: list[Migration] | None = None,
        read_only: bool = False,
        readers: int = DEFAULT_READERS,
    ) -> Database:
        """Open for reading and writing (creating and migrating the file if needed), or, with
        ``read_only``, only read a file that exists and is at this release's schema.

        A database from a newer release is refused either way (:class:`SchemaTooNewError`);
        read-only, a missing file is :class:`DatabaseMissingError` and an older schema
        :class:`SchemaOutdatedError`.
        """
        path = Path(path)
        migrations = bundled_migrations() if migrations is None else migrations
        if read_only:
            return await cls._open_read_only(path, migrations, readers)
        if str(path) != MEMORY:
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
            db = cls(path, conn, readers=readers)
            await db._migrate(migrations)
        except BaseException:
            await conn.close()
            raise
        return db

    @classmethod
    async def _open_read_only(
        cls, path: Path, migrations: list[Migration], readers: int
    ) -> Database:
        if str(path) == MEMORY:
            raise StoreError("an in-memory database cannot be opened read-only")
        if not await asyncio.to_thread(path.is_file):
            raise DatabaseMissingError(f"{path}: no such database")
        db = cls(path, None, readers=readers)
        try:
            current = await db.schema_version()
        except sqlite3.DatabaseError as exc:
            await db.close()
            raise StoreError(f"{path}: not a usable SQLite database ({exc})") from None
        latest = migrations[-1].version if migrations else 0
        try:
            _check_not_newer(path, current, latest)
        except SchemaTooNewError:
            await db.close()
            raise
        if current < latest:
            await db.close()
            raise SchemaOutdatedError(
                f"{path}: database schema version {current} is older than this release's "
                f"({latest}); run `feedbackbot db migrate` (or start the bot) to upgrade it"
            )
        return db

    async def close(self) -> None:
        """Close every connection; closing twice is harmless."""
        if self._readers is not None:
            await self._readers.close()
        async with self._lock:
            if not self._closed:
                self._closed = True
                if self._writer is not None:
                    await self._writer.close()

    async def schema_version(self) -> int:
        async with self.read() as conn:
            return await _user_version(conn)

    async def _migrate(self, migrations: list[Migration]) -> None:
        assert self._writer is not None
        current = await _user_version(self._writer)
        latest = migrations[-1].version if migrations else 0
        _check_not_newer(self.path, current, latest)
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
        if self._writer is None:
            raise StoreError(f"{self.path}: opened read-only; nothing can be written")
        async with self._lock:
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
                yield self._writer
            except BaseException:
                # Also when cancelled while BEGIN was running in the connection's thread: it
                # may have begun, and must not leave the writer inside a transaction.
                with suppress(sqlite3.OperationalError):  # BEGIN had not begun it
                    await asyncio.shield(self._writer.execute("ROLLBACK"))
                raise
            await self._writer.execute("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read-only connection for the block; writing through it fails.

        It waits neither for the writer nor for other readers (only when every reader of the
        pool is busy). Each statement sees every write committed before it started; a cursor
        sees one snapshot until it is closed, so close cursors (``async with``) before the
        block ends. Several statements that must agree on one snapshot belong in
        :meth:`run_read` (one read transaction, in a worker thread).
        """
        if self._readers is None:  # in-memory: the one connection, under the writer's lock
            assert self._writer is not None
            async with self._lock:
                yield self._writer
            return
        async with self._readers.connection() as conn:
            yield conn

    @contextmanager
    def read_sync(self) -> Iterator[sqlite3.Connection]:
        """A synchronous read-only connection for one snapshot, for a worker thread; closed
        when the block ends. Use it from the thread that runs the block."""
        if self._readers is None:
            raise StoreError("an in-memory database has no read-only connections")
        conn = connect_read_only(self.path)
        try:
            conn.execute("BEGIN")
            yield conn
        finally:
            conn.close()

    async def run_read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(connection)`` in a worker thread on a read-only snapshot; its result.

        For reads that also burn CPU (exports, reports): the event loop stays free.
        """

        def work() -> T:
            with self.read_sync() as conn:
                return fn(conn)

        return await asyncio.to_thread(work)


def _check_not_newer(path: Path, current: int, latest: int) -> None:
    if current > latest:
        raise SchemaTooNewError(
            f"{path}: database schema version {current} is newer than this release "
            f"supports ({latest}); upgrade community-feedback-bot or use a backup"
        )


async def _close_quietly(conn: aiosqlite.Connection) -> None:
    with suppress(Exception):
        await conn.close()


async def _user_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0
