"""A write transaction cancelled while BEGIN runs (a worker stopped at shutdown) must not
leave the write connection inside a transaction."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from surveys.store.db import Database


async def test_cancelled_begin_leaves_no_transaction_open(tmp_path: Path) -> None:
    """If a task is cancelled while its BEGIN IMMEDIATE runs in the connection's thread, then
    the next transaction starts and commits normally."""
    db = await Database.open(tmp_path / "cancel.sqlite3")
    try:

        async def write() -> None:
            async with db.transaction() as conn:
                await conn.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")

        task = asyncio.create_task(write())
        await asyncio.sleep(0)  # the task now awaits its BEGIN, queued in the thread
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
            await conn.execute("INSERT INTO t VALUES (1)")
        async with db.read() as conn, conn.execute("SELECT COUNT(*) FROM t") as cursor:
            row = await cursor.fetchone()
        assert row is not None and tuple(row) == (1,)
    finally:
        await db.close()
