"""The current submission per agency and year with the dashboard's figures as columns, backfilled from 0002."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Fixed here (not read from tables.py): a migration describes the schema as it was at this revision.
_INDICATORS = (
    "disclosure_rate",
    "review_correction_rate",
    "overall_correction_rate",
    "dispute_rate",
    "not_held_rate",
    "unable_rate",
)


def upgrade() -> None:
    table = op.create_table(
        "current_submissions",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agencies.id"), primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("open_warnings", sa.Text, nullable=False),
        sa.Column("final_ok", sa.Boolean, nullable=False),
        sa.Column("submitted_by", sa.String(100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("org_name", sa.String(200), nullable=False),
        *(sa.Column(f"{i}_{part}", sa.Integer, nullable=True) for i in _INDICATORS for part in ("num", "den")),
    )
    assert table is not None
    # Backfill: the latest summary per agency and year, its indicator terms summed from the stored measures.
    from xlpy.workspace.submission_rows import indicator_terms, org_name

    bind = op.get_bind()
    s = sa.table(
        "summaries",
        sa.column("submission_id", sa.Integer),
        sa.column("agency_id", sa.String),
        sa.column("year", sa.Integer),
        sa.column("errors", sa.Integer),
        sa.column("open_warnings", sa.JSON),
        sa.column("final_ok", sa.Boolean),
        sa.column("submitted_by", sa.String),
        sa.column("submitted_at", sa.DateTime(timezone=True)),
        sa.column("measures", sa.JSON),
    )
    sub = sa.table(
        "submissions", sa.column("id", sa.Integer), sa.column("sha256", sa.String), sa.column("data", sa.JSON)
    )
    latest = sa.select(sa.func.max(s.c.submission_id)).group_by(s.c.year, s.c.agency_id)
    query = (
        sa.select(s, sub.c.sha256, sub.c.data)
        .select_from(s.join(sub, sub.c.id == s.c.submission_id))
        .where(s.c.submission_id.in_(latest))
    )
    rows = []
    for r in bind.execute(query).mappings():
        terms = indicator_terms(r["measures"] or {})
        rows.append(
            {
                "year": r["year"],
                "agency_id": r["agency_id"],
                "submission_id": r["submission_id"],
                "errors": r["errors"],
                "warnings": len(r["open_warnings"] or []),
                "open_warnings": json.dumps(r["open_warnings"] or [], ensure_ascii=False),
                "final_ok": r["final_ok"],
                "submitted_by": r["submitted_by"],
                "submitted_at": r["submitted_at"],
                "sha256": r["sha256"],
                "org_name": org_name(r["data"]),
                **{k: v for k, v in terms.items() if k.rsplit("_", 1)[0] in _INDICATORS},
            }
        )
    for start in range(0, len(rows), 1000):
        op.bulk_insert(table, rows[start : start + 1000])


def downgrade() -> None:
    op.drop_table("current_submissions")
