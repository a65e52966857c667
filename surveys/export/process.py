"""An export for the bot: in a low-priority child process (:mod:`surveys.offload`).

Measured with ``tests/e2e/test_export_beside_residents.py``: in a worker thread, an in-chat
export of 100,000 answers held residents' next questions up to 210 ms (15-70 ms without it).
The CLI keeps :func:`surveys.export.run_export` (one process, a progress bar).
"""

from __future__ import annotations

from pathlib import Path

from surveys.errors import ExportError
from surveys.export.run import ExportRequest, ExportResult, export
from surveys.offload import ChildProcessError, in_child_process
from surveys.store.db import connect_read_only
from surveys.store.results import ResultReader

__all__ = ["export_in_process"]


def export_from(database: Path, request: ExportRequest) -> ExportResult:
    """:func:`surveys.export.export` on a read-only snapshot of ``database`` (one transaction:
    the tables and the raw answers come from the same moment)."""
    conn = connect_read_only(database)
    try:
        conn.execute("BEGIN")
        conn.row_factory = None  # plain tuples, as ResultStore.snapshot gives them
        return export(ResultReader(conn), request)
    finally:
        conn.close()


async def export_in_process(database: Path, request: ExportRequest) -> ExportResult:
    """:func:`export_from` in a child process; raises what the export raises
    (``ExportError``, ``NotFoundError``), ``ExportError`` if the child died."""
    try:
        return await in_child_process(export_from, database, request)
    except ChildProcessError as error:
        raise ExportError(f"the export stopped: {error}") from None
