"""The workspace store: agencies, content-addressed submissions, tokens and decisions, one transaction per write."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, String, func, insert, select, type_coerce, update
from sqlalchemy.exc import IntegrityError

from xlpy.errors import StoreError
from xlpy.workspace import tables as t
from xlpy.workspace.database import WRITE
from xlpy.workspace.submission_rows import current_row, now, sha256, submission_row, summary_row

CLERK, SUPERVISOR = "clerk", "supervisor"
ROLES = (CLERK, SUPERVISOR)

# The columns of a submission listing (everything but the stored data and findings).
_LISTING = (
    t.submissions.c.id,
    t.submissions.c.agency_id,
    t.submissions.c.year,
    t.submissions.c.format_version,
    t.submissions.c.filename,
    t.submissions.c.sha256,
    t.submissions.c.errors,
    t.submissions.c.warnings,
    t.submissions.c.open_warnings,
    t.submissions.c.final_ok,
    t.submissions.c.submitted_by,
    t.submissions.c.submitted_at,
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a token belongs to: a clerk of one agency, or a supervisor of an agency and everything below it."""

    role: str
    agency_id: str
    label: str


def region_of(pairs: Iterable[tuple[str, str | None]], root: str) -> list[str]:
    """The agency `root` and every agency below it, depth first, from (id, parent id) pairs."""
    children: dict[str | None, list[str]] = {}
    for aid, parent in pairs:
        children.setdefault(parent, []).append(aid)
    out, todo, seen = [], [root], set()
    while todo:
        aid = todo.pop()
        if aid in seen:  # the registry refuses cycles; a hand-edited database must not hang us
            continue
        seen.add(aid)
        out.append(aid)
        todo.extend(sorted(children.get(aid, []), reverse=True))
    return out


def _row(row: Any) -> dict[str, Any]:
    """A result row as a dict; SQLite hands timestamps back without their zone (they are stored in UTC)."""
    out = dict(row)
    for key, value in out.items():
        if isinstance(value, datetime) and value.tzinfo is None:
            out[key] = value.replace(tzinfo=UTC)
    return out


class Store:
    """All reads and writes of the workspace; safe to share between threads and processes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**WRITE)

    # ------------------------------------------------------------------ agencies (机构名录)

    def agencies(self) -> list[dict[str, Any]]:
        """Every agency, in ID order."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.agencies).order_by(t.agencies.c.id)).mappings().all()
        return [_row(r) for r in rows]

    def agency(self, agency_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.agencies).where(t.agencies.c.id == agency_id)).mappings().first()
        return _row(row) if row else None

    def save_agencies(self, rows: Iterable[dict[str, Any]]) -> tuple[int, int]:
        """Insert new agencies and update known ones (by ID), all or nothing; returns (added, updated).

        Parents are written after every row exists, so a file may list a child before its parent.
        """
        rows = list(rows)
        stamp = now()
        with self._writer.begin() as conn:
            known = set(conn.execute(select(t.agencies.c.id)).scalars())
            added = [r for r in rows if r["id"] not in known]
            if added:
                conn.execute(
                    insert(t.agencies),
                    [{**_agency_values(r), "parent_id": None, "created_at": stamp} for r in added],
                )
            for r in rows:
                values = _agency_values(r)
                conn.execute(update(t.agencies).where(t.agencies.c.id == r["id"]).values(**values))
        return len(added), len(rows) - len(added)

    def scope(self, agency_id: str) -> list[str]:
        """The agency and every agency below it (its region), the agency first."""
        with self.engine.connect() as conn:
            pairs = [(r[0], r[1]) for r in conn.execute(select(t.agencies.c.id, t.agencies.c.parent_id))]
        return region_of(pairs, agency_id)

    # ------------------------------------------------------------------ tokens and roles

    def issue_token(self, role: str, agency_id: str, label: str) -> str:
        """A new random token for `role` at `agency_id`; only its hash is stored, so show it once."""
        if role not in ROLES:
            raise StoreError(f"角色应为 clerk（填报人）或 supervisor（审核人），实为 {role}")
        if self.agency(agency_id) is None:
            raise StoreError(f"机构编号 {agency_id} 不在机构名录中")
        token = secrets.token_urlsafe(24)
        with self._writer.begin() as conn:
            conn.execute(
                insert(t.tokens).values(
                    token_sha256=sha256(token.encode()),
                    role=role,
                    agency_id=agency_id,
                    label=label[:100],
                    created_at=now(),
                    revoked=False,
                )
            )
        return token

    def principal(self, token: str) -> Principal | None:
        """The holder of a token, or None for an unknown or revoked one."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.tokens.c.role, t.tokens.c.agency_id, t.tokens.c.label).where(
                    t.tokens.c.token_sha256 == sha256(token.encode()), t.tokens.c.revoked.is_(False)
                )
            ).first()
        return Principal(row.role, row.agency_id, row.label) if row else None

    # ------------------------------------------------------------------ submissions

    def add_submission(
        self,
        agency_id: str,
        filename: str,
        data: bytes,
        instance: dict[str, Any],
        report: dict[str, Any],
        who: str,
    ) -> dict[str, Any]:
        """Keep one upload: its bytes (once per content), data, findings; one transaction, never an update."""
        digest = sha256(data)
        values = submission_row(agency_id, filename, digest, instance, report, who)
        with self._writer.begin() as conn:
            if conn.execute(select(t.agencies.c.id).where(t.agencies.c.id == agency_id)).first() is None:
                raise StoreError(f"机构编号 {agency_id} 不在机构名录中")
            if conn.execute(select(t.blobs.c.sha256).where(t.blobs.c.sha256 == digest)).first() is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(t.blobs).values(sha256=digest, size=len(data), data=data))
                except IntegrityError:
                    pass  # another process stored the same bytes a moment ago: content-addressed, same row
            new_id = conn.execute(
                insert(t.submissions)
                .values(**{k: v for k, v in values.items() if k in t.submissions.c})
                .returning(t.submissions.c.id)
            ).scalar_one()
            conn.execute(insert(t.summaries).values(**summary_row(new_id, values)))
            self._make_current(conn, current_row(new_id, values))
        listing = {
            k: v
            for k, v in values.items()
            if k not in ("data", "figures", "measures", "report", "vector", "plan", "units")
        }
        return {"id": new_id, **listing}

    def _make_current(self, conn: Any, row: dict[str, Any]) -> None:
        """Upsert the agency's current row for the year; a higher submission id wins (two servers at once)."""
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        c = t.current_submissions
        stmt = upsert(c).values(**row)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[c.c.year, c.c.agency_id],
                set_={k: stmt.excluded[k] for k in row if k not in ("year", "agency_id")},
                where=c.c.submission_id < stmt.excluded.submission_id,
            )
        )

    def submissions(self, agency_id: str, year: int | None = None) -> list[dict[str, Any]]:
        """One agency's submissions, newest first (without data and findings)."""
        query = select(*_LISTING).where(t.submissions.c.agency_id == agency_id)
        if year is not None:
            query = query.where(t.submissions.c.year == year)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.submissions.c.id.desc())).mappings().all()
        return [_row(r) for r in rows]

    def submission(self, submission_id: int) -> dict[str, Any] | None:
        """One submission with its data and findings."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.submissions).where(t.submissions.c.id == submission_id)).mappings().first()
        return _row(row) if row else None

    def blob(self, digest: str) -> bytes | None:
        with self.engine.connect() as conn:
            return conn.execute(select(t.blobs.c.data).where(t.blobs.c.sha256 == digest)).scalar()

    def current(self, year: int, agency_ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """The current (latest) submission per agency for `year`, listing columns only."""
        return self._current(year, agency_ids, _LISTING)

    def current_figures(self, year: int, agency_ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """The current submission per agency with its 表二/三/四 figures (for a roll-up)."""
        columns = (t.submissions.c.id, t.submissions.c.agency_id, t.submissions.c.format_version)
        return self._current(year, agency_ids, (*columns, t.submissions.c.figures))

    def current_files(self, year: int, agency_ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """The current submission per agency with the SHA-256 of its file and the 机关名称 it states."""
        c = t.current_submissions.c
        return self._current(year, agency_ids, (c.agency_id, c.sha256, c.org_name), t.current_submissions)

    def current_measures(self, year: int, agency_ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """The current submission per agency with the figures its indicators need."""
        c = t.summaries.c
        return self._current(year, agency_ids, (c.agency_id, c.measures), t.summaries)

    def current_vectors(self, year: int, agency_ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """The current submission per agency with its roll-up vector (NULL for rows of revision 0001)."""
        c = t.summaries.c
        return self._current(year, agency_ids, (c.agency_id, c.format_version, c.vector, c.plan, c.units), t.summaries)

    def region_rows(self, year: int, *, indicators: bool = True) -> list[dict[str, Any]]:
        """Every agency with its current submission's summary for `year` (None columns when not submitted).

        One join of the registry with current_submissions on its primary key. Timestamps come as UTC text
        and `open_warnings` stays JSON text: the caller decodes only the rows that
        need it. With `indicators`, each indicator's numerator and denominator columns come along.
        """
        a, c = t.agencies, t.current_submissions
        columns: list[Any] = [
            a.c.id, a.c.name, a.c.org_type, a.c.parent_id, c.c.submission_id,
            self._utc_text(c.c.submitted_at).label("submitted_at"), c.c.submitted_by, c.c.errors, c.c.warnings,
            c.c.open_warnings, c.c.final_ok,
        ]  # fmt: skip
        if indicators:
            columns += [c.c[f"{i}_{part}"] for i in t.INDICATOR_IDS for part in ("num", "den")]
        join = a.outerjoin(c, (c.c.agency_id == a.c.id) & (c.c.year == year))
        with self.engine.connect() as conn:
            result = conn.execute(select(*columns).select_from(join))
            keys = list(result.keys())
            found = result.all()  # fetchall: SQLAlchemy's row-by-row iteration costs twice the query
        return [dict(zip(keys, r, strict=True)) for r in found]

    def _utc_text(self, column: Any) -> Any:
        """A timestamp column as "YYYY-MM-DD HH:MM:SS.ffffff" UTC text: SQLite's own storage; on PostgreSQL
        formatted by the server (building and formatting 3,000 zoned datetimes was a third of the dashboard)."""
        if self.engine.dialect.name == "postgresql":
            return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS.US")
        return type_coerce(column, String)

    def _current(
        self, year: int, agency_ids: Iterable[str] | None, columns: tuple[Any, ...], table: Any = t.submissions
    ) -> dict[str, Any]:
        key = table.c.id if table is t.submissions else table.c.submission_id
        c = t.current_submissions.c
        latest = select(c.submission_id).where(c.year == year)
        where = c.year == year if table is t.current_submissions else key.in_(latest)
        wanted = None if agency_ids is None else set(agency_ids)
        with self.engine.connect() as conn:
            result = conn.execute(select(*columns).where(where))
            keys = list(result.keys())
            rows = [dict(zip(keys, r, strict=True)) for r in result.all()]
        return {r["agency_id"]: _row(r) for r in rows if wanted is None or r["agency_id"] in wanted}

    # ------------------------------------------------------------------ decisions

    def decide(
        self,
        submission_id: int,
        rule: str,
        location: str,
        verdict: str,
        note: str,
        who: str,
    ) -> dict[str, Any]:
        """Record a reviewer decision on a finding of a submission (it holds for later versions too)."""
        with self._writer.begin() as conn:
            sub = conn.execute(
                select(t.submissions.c.agency_id, t.submissions.c.year).where(t.submissions.c.id == submission_id)
            ).first()
            if sub is None:
                raise StoreError(f"提交记录 {submission_id} 不存在")
            values = {
                "agency_id": sub.agency_id,
                "year": sub.year,
                "submission_id": submission_id,
                "rule": rule[:32],
                "location": location[:200],
                "verdict": verdict,
                "note": note,
                "decided_by": who[:100],
                "decided_at": now(),
            }
            new_id = conn.execute(insert(t.decisions).values(**values).returning(t.decisions.c.id)).scalar_one()
        return {"id": new_id, **values}

    def decisions(self, year: int, agency_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Every decision of `year` (for the given agencies), oldest first: the last one per finding holds."""
        query = select(t.decisions).where(t.decisions.c.year == year)
        wanted = None if agency_ids is None else set(agency_ids)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.decisions.c.id)).mappings().all()
        return [_row(r) for r in rows if wanted is None or r["agency_id"] in wanted]

    def years(self) -> list[int]:
        """Report years with at least one submission, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.submissions.c.year).distinct()).scalars().all()
        return sorted(rows, reverse=True)


def _agency_values(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "org_type": row["org_type"],
        "parent_id": row.get("parent_id") or None,
        "contact": row.get("contact") or "",
    }
