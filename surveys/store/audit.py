"""The audit log of role-restricted actions, allowed or refused."""

from __future__ import annotations

import json
from typing import Any

from surveys.clock import from_db, now_db
from surveys.models import AuditEntry, Role
from surveys.store.db import Database


class AuditStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self,
        *,
        role: Role,
        action: str,
        allowed: bool,
        user_id: int | None = None,
        pseudonym: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Append one entry; residents are recorded by pseudonym only, never by Telegram id."""
        if role == "resident":
            user_id = None
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO audit_log (at, actor_role, actor_user_id, actor_pseudonym, action, "
                "allowed, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    now_db(),
                    role,
                    user_id,
                    pseudonym,
                    action,
                    int(allowed),
                    json.dumps(detail or {}, sort_keys=True),
                ),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    async def recent(
        self, limit: int = 20, *, before: int | None = None, allowed: bool | None = None
    ) -> list[AuditEntry]:
        """The newest entries (older than entry ``before`` if given; only allowed or only
        refused ones if ``allowed`` is given), newest first."""
        where, params = ["1 = 1"], []
        if before is not None:
            where.append("id < ?")
            params.append(before)
        if allowed is not None:
            where.append("allowed = ?")
            params.append(int(allowed))
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT id, at, actor_role, actor_user_id, actor_pseudonym, action, allowed, "
                f"detail FROM audit_log WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
                (*params, limit),
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        return [
            AuditEntry(
                id=row[0],
                at=from_db(row[1]),
                actor_role=row[2],
                actor_user_id=row[3],
                actor_pseudonym=row[4],
                action=row[5],
                allowed=bool(row[6]),
                detail=json.loads(row[7]),
            )
            for row in rows
        ]
