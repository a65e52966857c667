"""Concern reports: the reports, their history, followers, partners and follow-up answers.

Every change goes through :meth:`ReportStore.apply`, which writes the report, its history entry,
the outbox rows for the reporter and followers and the notices to staff and partners in one
transaction: a change is never recorded without the messages it owes, nor the other way round.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import aiosqlite
from pydantic import BaseModel, ConfigDict

from surveys import purposes
from surveys.clock import from_db, now_db, to_db
from surveys.errors import StaleActionError, UnknownReportError
from surveys.models import OutboxMessage
from surveys.reports.models import (
    OPEN_STATUSES,
    Actor,
    HistoryEntry,
    Location,
    NoticeSpec,
    Partner,
    Report,
    ReportDraft,
    ReportFilter,
    ReportPage,
    ReportWrite,
    reference,
)
from surveys.store.db import Database
from surveys.store.outbox import queue_eligible

_COLUMNS = (
    "r.id, r.resident_id, r.category, r.sensitive, r.area_id, r.latitude, r.longitude, "
    "r.description, r.photos, r.contact_ok, r.language, r.status, r.close_reason, "
    "r.duplicate_of, r.partner_id, r.owner_user_id, r.created_at, r.updated_at, "
    "r.acknowledged_at, r.resolved_at, r.last_activity_at, r.reminded_at, r.followup_due_at, "
    "r.reopen_count, r.revision, "
    "(SELECT COUNT(*) FROM report_followers f WHERE f.report_id = r.id) AS followers"
)
_HISTORY_COLUMNS = (
    "id, report_id, at, kind, from_status, to_status, actor_role, actor_user_id, partner_id, "
    "note, reason, duplicate_of"
)
_OPEN = "(" + ", ".join(f"'{status}'" for status in sorted(OPEN_STATUSES)) + ")"
# The reporter and the followers of report :id: who hears about its changes.
_AUDIENCE = (
    "SELECT resident_id FROM reports WHERE id = :id AND resident_id IS NOT NULL "
    "UNION SELECT resident_id FROM report_followers WHERE report_id = :id"
)


def _moment(value: str | None) -> datetime | None:
    return from_db(value) if value else None


def _report(row: Any) -> Report:
    location = (
        Location(latitude=row["latitude"], longitude=row["longitude"])
        if row["latitude"] is not None and row["longitude"] is not None
        else None
    )
    return Report(
        id=row["id"],
        resident_id=row["resident_id"],
        category=row["category"],
        sensitive=bool(row["sensitive"]),
        area_id=row["area_id"],
        location=location,
        description=row["description"],
        photos=tuple(json.loads(row["photos"])),
        contact_ok=bool(row["contact_ok"]),
        language=row["language"],
        status=row["status"],
        close_reason=row["close_reason"],
        duplicate_of=row["duplicate_of"],
        partner_id=row["partner_id"],
        owner_user_id=row["owner_user_id"],
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        acknowledged_at=_moment(row["acknowledged_at"]),
        resolved_at=_moment(row["resolved_at"]),
        last_activity_at=from_db(row["last_activity_at"]),
        reminded_at=_moment(row["reminded_at"]),
        followup_due_at=_moment(row["followup_due_at"]),
        reopen_count=row["reopen_count"],
        revision=row["revision"],
        followers=row["followers"],
    )


def _entry(row: Any) -> HistoryEntry:
    return HistoryEntry(
        id=row["id"],
        report_id=row["report_id"],
        at=from_db(row["at"]),
        kind=row["kind"],
        from_status=row["from_status"],
        to_status=row["to_status"],
        actor_role=row["actor_role"],
        actor_user_id=row["actor_user_id"],
        partner_id=row["partner_id"],
        note=row["note"],
        reason=row["reason"],
        duplicate_of=row["duplicate_of"],
    )


async def _fetch_report(conn: aiosqlite.Connection, report_id: int) -> Report | None:
    rows = list(
        await conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM reports r WHERE r.id = ?", (report_id,)
        )
    )
    return _report(rows[0]) if rows else None


async def _insert_history(
    conn: aiosqlite.Connection,
    report_id: int,
    *,
    kind: str,
    from_status: str | None,
    to_status: str,
    actor: Actor,
    at: str,
    partner_id: str | None = None,
    note: str | None = None,
    reason: str | None = None,
    duplicate_of: int | None = None,
) -> HistoryEntry:
    # residents act under their pseudonymous row only; their Telegram id is never stored here
    user_id = None if actor.role == "resident" else actor.user_id
    rows = list(
        await conn.execute_fetchall(
            "INSERT INTO report_history (report_id, at, kind, from_status, to_status, actor_role, "
            "actor_user_id, partner_id, note, reason, duplicate_of) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_HISTORY_COLUMNS}",
            (
                report_id,
                at,
                kind,
                from_status,
                to_status,
                actor.role,
                user_id,
                partner_id,
                note,
                reason,
                duplicate_of,
            ),
        )
    )
    return _entry(rows[0])


async def insert_notices(
    conn: aiosqlite.Connection,
    report_id: int,
    history_id: int | None,
    notices: Sequence[NoticeSpec],
    at: str,
) -> None:
    """Queue notices to staff chats and partner groups (one per purpose and chat)."""
    await conn.executemany(
        "INSERT OR IGNORE INTO report_notices (purpose, kind, report_id, history_id, chat_id, "
        "audience, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                purposes.report_notice(n.kind, report_id, n.detail or history_id or ""),
                n.kind,
                report_id,
                history_id,
                n.chat_id,
                n.audience,
                at,
                at,
            )
            for n in notices
        ],
    )


async def _queue_audience(
    conn: aiosqlite.Connection, purpose: str, report_id: int, message: OutboxMessage, at: str
) -> int:
    """Outbox rows for the reporter and every follower who can still be reached."""
    return await queue_eligible(
        conn,
        purpose,
        message,
        where=f"r.id IN ({_AUDIENCE})",
        params={"id": report_id},
        not_before=at,
        created_at=at,
    )


class ReportStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def sync_partners(self, partners: Sequence[Partner]) -> None:
        """Mirror the configured partners; removed ones stay (history refers to them)."""
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE partners SET active = 0")
            await conn.executemany(
                "INSERT INTO partners (id, name, chat_id, active) VALUES (?, ?, ?, 1) "
                "ON CONFLICT (id) DO UPDATE SET name = excluded.name, chat_id = excluded.chat_id, "
                "active = 1",
                [(p.id, p.name, p.chat_id) for p in partners],
            )

    async def partner_names(self) -> dict[str, str]:
        """Every partner ever configured, by id (exports name former partners too)."""
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall("SELECT id, name FROM partners")
        return {row[0]: row[1] for row in rows}

    async def figure_inputs(self, since: datetime | None = None) -> FigureInputs:
        return await figure_inputs(self._db, since)

    async def every(
        self, since: datetime | None = None
    ) -> tuple[list[Report], dict[int, list[HistoryEntry]]]:
        """Every report made since ``since`` (all when None) with its history, for exports."""
        where, params = ("WHERE r.created_at >= ?", (to_db(since),)) if since else ("", ())
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM reports r {where} ORDER BY r.id", params
            )
            entries = await conn.execute_fetchall(
                f"SELECT {_HISTORY_COLUMNS} FROM report_history WHERE report_id IN "
                f"(SELECT r.id FROM reports r {where}) ORDER BY report_id, id",
                params,
            )
        history: dict[int, list[HistoryEntry]] = {}
        for row in entries:
            history.setdefault(row["report_id"], []).append(_entry(row))
        return [_report(row) for row in rows], history

    async def area_names(self) -> dict[str, str]:
        """Every area ever configured, by id (old reports may name a removed one)."""
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall("SELECT id, name FROM areas")
        return {row[0]: row[1] for row in rows}

    async def get(self, report_id: int) -> Report | None:
        async with self._db.read() as conn:
            return await _fetch_report(conn, report_id)

    async def require(self, report_id: int) -> Report:
        report = await self.get(report_id)
        if report is None:
            raise UnknownReportError(reference(report_id))
        return report

    async def history(self, report_id: int) -> list[HistoryEntry]:
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {_HISTORY_COLUMNS} FROM report_history WHERE report_id = ? ORDER BY id",
                (report_id,),
            )
        return [_entry(row) for row in rows]

    async def submitted_since(self, resident_id: int, since: datetime) -> list[datetime]:
        """When the resident's reports since ``since`` were made, oldest first."""
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT created_at FROM reports WHERE resident_id = ? AND created_at > ? "
                "ORDER BY created_at",
                (resident_id, to_db(since)),
            )
        return [from_db(row[0]) for row in rows]

    async def create(
        self,
        draft: ReportDraft,
        *,
        sensitive: bool,
        language: str,
        route_to: str | None,
        notices: Sequence[NoticeSpec],
        partner_notices: Sequence[NoticeSpec],
    ) -> Report:
        """Turn the draft into a report (the draft row goes), with its first history entries
        and notices. A draft that is already gone (double tap) raises StaleActionError."""
        assert draft.category is not None and draft.description is not None
        now = now_db()
        location = draft.location
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM report_drafts WHERE id = ?", (draft.id,))
            if cursor.rowcount == 0:
                raise StaleActionError("the draft was already submitted or cancelled")
            cursor = await conn.execute(
                "INSERT INTO reports (resident_id, category, sensitive, area_id, latitude, "
                "longitude, description, photos, contact_ok, language, partner_id, created_at, "
                "updated_at, last_activity_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    draft.resident_id,
                    draft.category,
                    int(sensitive),
                    draft.area_id,
                    location.latitude if location else None,
                    location.longitude if location else None,
                    draft.description,
                    json.dumps(list(draft.photos)),
                    int(bool(draft.contact_ok)),
                    language,
                    route_to,
                    now,
                    now,
                    now,
                ),
            )
            report_id = cursor.lastrowid
            assert report_id is not None
            resident = Actor(role="resident", resident_id=draft.resident_id)
            entry = await _insert_history(
                conn, report_id, kind="submitted", from_status=None, to_status="new",
                actor=resident, at=now,
            )  # fmt: skip
            await insert_notices(conn, report_id, entry.id, notices, now)
            if route_to is not None:
                routed = await _insert_history(
                    conn, report_id, kind="routed", from_status="new", to_status="new",
                    actor=Actor(role="system"), at=now, partner_id=route_to,
                )  # fmt: skip
                await insert_notices(conn, report_id, routed.id, partner_notices, now)
            report = await _fetch_report(conn, report_id)
        assert report is not None
        return report

    async def candidates(
        self,
        *,
        category: str,
        area_id: str | None,
        box: tuple[float, float, float, float] | None,
        resident_id: int,
        limit: int = 50,
    ) -> list[Report]:
        """Open, non-sensitive reports of ``category`` in the area or inside ``box`` that the
        resident neither made nor follows (exact distances are the caller's)."""
        place, params = "r.area_id = :area", dict[str, object](area=area_id)
        if box is not None:
            min_lat, max_lat, min_lon, max_lon = box
            near = "r.latitude BETWEEN :min_lat AND :max_lat"
            if min_lon >= -180 and max_lon <= 180:  # the box does not cross the antimeridian
                near += " AND r.longitude BETWEEN :min_lon AND :max_lon"
            place = f"({place} OR ({near}))"
            params |= {
                "min_lat": min_lat,
                "max_lat": max_lat,
                "min_lon": min_lon,
                "max_lon": max_lon,
            }
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM reports r WHERE r.status IN {_OPEN} "
                f"AND r.sensitive = 0 AND r.category = :category AND {place} "
                "AND r.resident_id IS NOT :resident AND NOT EXISTS (SELECT 1 FROM "
                "report_followers f WHERE f.report_id = r.id AND f.resident_id = :resident) "
                "ORDER BY r.id DESC LIMIT :limit",
                {**params, "category": category, "resident": resident_id, "limit": limit},
            )
        return [_report(row) for row in rows]

    async def follow(self, report_id: int, resident_id: int, *, draft_id: int | None) -> bool:
        """Add a follower ("me too"); the draft that offered it, if any, ends with it.
        False if the resident already followed it."""
        async with self._db.transaction() as conn:
            if draft_id is not None:
                cursor = await conn.execute("DELETE FROM report_drafts WHERE id = ?", (draft_id,))
                if cursor.rowcount == 0:
                    raise StaleActionError("the draft was already submitted or cancelled")
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO report_followers (report_id, resident_id, created_at) "
                "VALUES (?, ?, ?)",
                (report_id, resident_id, now_db()),
            )
            return cursor.rowcount == 1

    async def is_audience(self, report_id: int, resident_id: int) -> bool:
        """Whether the resident made or follows the report."""
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT 1 FROM ({_AUDIENCE}) WHERE resident_id = :resident",
                {"id": report_id, "resident": resident_id},
            )
        return bool(list(rows))

    async def apply(self, write: ReportWrite) -> tuple[Report, HistoryEntry]:
        """Apply one decided change (see :class:`ReportWrite`); a stale revision raises
        StaleActionError and changes nothing."""
        now = now_db()
        sets = ["status = :to", "updated_at = :now", "revision = revision + 1"]
        if write.activity:
            sets += ["last_activity_at = :now", "reminded_at = NULL"]
        if write.acknowledge:
            sets.append("acknowledged_at = COALESCE(acknowledged_at, :now)")
        if write.resolve:
            sets.append("resolved_at = COALESCE(resolved_at, :now)")
        if write.reopen:
            sets.append("reopen_count = reopen_count + 1")
        if write.kind in ("status", "reopened"):
            sets += ["close_reason = :reason", "duplicate_of = :duplicate_of"]
            sets.append("followup_due_at = :followup")
        if write.route_to is not None:
            sets.append("partner_id = :route_to")
        if write.owner_user_id is not None:
            sets.append("owner_user_id = :owner")
        params = {
            "id": write.report_id,
            "to": write.to_status,
            "now": now,
            "reason": write.reason,
            "duplicate_of": write.duplicate_of,
            "followup": to_db(write.followup_due_at) if write.followup_due_at else None,
            "route_to": write.route_to,
            "owner": write.owner_user_id,
            "revision": write.expected_revision,
        }
        async with self._db.transaction() as conn:
            before = await _fetch_report(conn, write.report_id)
            if before is None:
                raise UnknownReportError(reference(write.report_id))
            if write.expected_revision is not None and before.revision != write.expected_revision:
                raise StaleActionError(f"{before.reference} changed meanwhile")
            await conn.execute(f"UPDATE reports SET {', '.join(sets)} WHERE id = :id", params)
            entry = await _insert_history(
                conn,
                write.report_id,
                kind=write.kind,
                from_status=before.status,
                to_status=write.to_status,
                actor=write.actor,
                at=now,
                partner_id=write.partner_id or write.route_to,
                note=write.note,
                reason=write.reason,
                duplicate_of=write.duplicate_of,
            )
            if write.duplicate_of is not None and write.to_status == "duplicate":
                # the reporter and followers of a duplicate hear about the original from now on
                await conn.execute(
                    "INSERT OR IGNORE INTO report_followers (report_id, resident_id, created_at) "
                    f"SELECT :original, resident_id, :now FROM ({_AUDIENCE})",
                    {"original": write.duplicate_of, "id": write.report_id, "now": now},
                )
            if write.resident_message is not None:
                await _queue_audience(
                    conn, purposes.report_update(write.report_id, entry.id), write.report_id,
                    write.resident_message, now,
                )  # fmt: skip
            await insert_notices(conn, write.report_id, entry.id, write.notices, now)
            report = await _fetch_report(conn, write.report_id)
        assert report is not None
        return report, entry

    async def page(
        self,
        where: ReportFilter,
        *,
        page: int,
        per_page: int,
        overdue_before: Mapping[str, datetime] | None = None,
    ) -> ReportPage:
        """One page of reports, newest first. With ``where.overdue``, only open reports whose
        last activity is before their category's moment in ``overdue_before``."""
        clauses, params = ["1 = 1"], dict[str, object]()
        if where.statuses is not None:
            names = sorted(where.statuses)
            clauses.append(f"r.status IN ({', '.join(f':s{i}' for i in range(len(names)))})")
            params |= {f"s{i}": name for i, name in enumerate(names)}
        if where.area_id is not None:
            clauses.append("r.area_id = :area")
            params["area"] = where.area_id
        if where.category is not None:
            clauses.append("r.category = :category")
            params["category"] = where.category
        if where.overdue:
            clauses.append(_overdue_clause(overdue_before or {}, params))
        condition = " AND ".join(clauses)
        async with self._db.read() as conn:
            total_rows = list(
                await conn.execute_fetchall(
                    f"SELECT COUNT(*) FROM reports r WHERE {condition}", params
                )
            )
            total = int(total_rows[0][0])
            pages = max(1, -(-total // per_page))
            page = min(max(page, 0), pages - 1)
            rows = await conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM reports r WHERE {condition} "
                "ORDER BY r.id DESC LIMIT :limit OFFSET :offset",
                {**params, "limit": per_page, "offset": page * per_page},
            )
        return ReportPage(
            reports=tuple(_report(row) for row in rows), page=page, pages=pages, total=total
        )

    async def overdue(
        self, overdue_before: Mapping[str, datetime], *, reminded_before: datetime
    ) -> list[Report]:
        """Open overdue reports not reminded about since ``reminded_before``."""
        params: dict[str, object] = {"reminded": to_db(reminded_before)}
        condition = _overdue_clause(overdue_before, params)
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM reports r WHERE {condition} "
                "AND (r.reminded_at IS NULL OR r.reminded_at <= :reminded) ORDER BY r.id",
                params,
            )
        return [_report(row) for row in rows]

    async def mark_reminded(self, report_id: int, notices: Sequence[NoticeSpec]) -> None:
        now = now_db()
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE reports SET reminded_at = ? WHERE id = ?", (now, report_id))
            await insert_notices(conn, report_id, None, notices, now)

    async def of_resident(self, resident_id: int, *, limit: int = 20) -> list[tuple[Report, bool]]:
        """The resident's own reports and the ones they follow, newest first, with True for
        their own."""
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {_COLUMNS}, r.resident_id = :resident AS own FROM reports r "
                "WHERE r.resident_id = :resident OR r.id IN (SELECT report_id FROM "
                "report_followers WHERE resident_id = :resident) ORDER BY r.id DESC LIMIT :limit",
                {"resident": resident_id, "limit": limit},
            )
        return [(_report(row), bool(row["own"])) for row in rows]

    async def due_followups(self, now: datetime) -> list[Report]:
        async with self._db.read() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM reports r WHERE r.followup_due_at IS NOT NULL "
                "AND r.followup_due_at <= ? ORDER BY r.followup_due_at",
                (to_db(now),),
            )
        return [_report(row) for row in rows]

    async def queue_followup(self, report: Report, message: OutboxMessage | None) -> int:
        """Queue the follow-up for reporter and followers (None: drop it) and clear its due
        time; only if the report is still resolved at the revision the caller saw."""
        now = now_db()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE reports SET followup_due_at = NULL WHERE id = ? AND revision = ?",
                (report.id, report.revision),
            )
            if cursor.rowcount == 0 or message is None:
                return 0
            return await _queue_audience(
                conn,
                purposes.report_followup(report.id, report.reopen_count),
                report.id,
                message,
                now,
            )

    async def record_followup(
        self, report_id: int, resident_id: int, cycle: int, answer: str
    ) -> bool:
        """Keep a resident's answer to "Has this been fixed?"; False if already answered."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO report_followups (report_id, resident_id, cycle, answer, "
                "answered_at) VALUES (?, ?, ?, ?, ?)",
                (report_id, resident_id, cycle, answer, now_db()),
            )
            return cursor.rowcount == 1


class FigureInputs(BaseModel):
    """What report figures are computed from: counts grouped in SQL, and the timestamps of each
    non-duplicate report for the durations (kept exact, not through julianday)."""

    model_config = ConfigDict(frozen=True)

    by_category: dict[str, int]
    by_area: dict[str, int]
    by_status: dict[str, int]
    supporters: int
    timings: tuple[ReportTiming, ...]


class ReportTiming(BaseModel):
    model_config = ConfigDict(frozen=True)

    created_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    reopen_count: int


async def figure_inputs(db: Database, since: datetime | None) -> FigureInputs:
    """Counts by category, area (``""`` for none; non-sensitive reports only) and status, and
    the timings, of the reports made since ``since`` (all when None)."""
    where, params = ("WHERE created_at >= ?", (to_db(since),)) if since else ("", ())

    async def grouped(column: str, extra: str = "") -> dict[str, int]:
        condition = " AND ".join(c for c in (where.removeprefix("WHERE "), extra) if c)
        rows = await conn.execute_fetchall(
            f"SELECT COALESCE({column}, ''), COUNT(*) FROM reports "
            f"{'WHERE ' + condition if condition else ''} GROUP BY 1 ORDER BY 1",
            params,
        )
        return {row[0]: row[1] for row in rows}

    async with db.read() as conn:
        by_category = await grouped("category")
        # sensitive reports never appear per area: rows omit their area, so an area count that
        # held them would give them away by subtraction
        by_area = await grouped("area_id", "sensitive = 0")
        by_status = await grouped("status")
        (supporters,) = next(
            iter(
                await conn.execute_fetchall(
                    "SELECT COUNT(*) FROM report_followers WHERE report_id IN "
                    f"(SELECT id FROM reports {where})",
                    params,
                )
            )
        )
        rows = await conn.execute_fetchall(
            "SELECT created_at, acknowledged_at, resolved_at, reopen_count FROM reports "
            f"{where} {'AND' if where else 'WHERE'} status != 'duplicate' ORDER BY id",
            params,
        )
    return FigureInputs(
        by_category=by_category,
        by_area=by_area,
        by_status=by_status,
        supporters=supporters,
        timings=tuple(
            ReportTiming(
                created_at=from_db(row[0]),
                acknowledged_at=_moment(row[1]),
                resolved_at=_moment(row[2]),
                reopen_count=row[3],
            )
            for row in rows
        ),
    )


def _overdue_clause(before: Mapping[str, datetime], params: dict[str, object]) -> str:
    """Open, and last active before the moment of its category (``*``: any other category)."""
    cases = []
    for i, (category, moment) in enumerate(sorted(before.items())):
        params[f"od{i}"] = to_db(moment)
        if category == "*":
            continue
        params[f"oc{i}"] = category
        cases.append(f"WHEN :oc{i} THEN :od{i}")
    default = next(
        (f":od{i}" for i, (category, _) in enumerate(sorted(before.items())) if category == "*"),
        "''",
    )
    limit = f"CASE r.category {' '.join(cases)} ELSE {default} END" if cases else default
    return f"(r.status IN {_OPEN} AND r.last_activity_at <= {limit})"
