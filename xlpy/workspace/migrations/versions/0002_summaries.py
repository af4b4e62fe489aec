"""A narrow summaries table for dashboards and roll-ups, backfilled from the submissions of revision 0001."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "summaries",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("format_version", sa.String(8), nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("open_warnings", sa.JSON, nullable=False),
        sa.Column("final_ok", sa.Boolean, nullable=False),
        sa.Column("submitted_by", sa.String(100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("measures", sa.JSON, nullable=False),
        sa.Column("plan", sa.String(16), nullable=True),
        sa.Column("units", sa.String(40), nullable=True),
        sa.Column("vector", sa.JSON, nullable=True),
    )
    op.create_index("ix_summaries_year_agency", "summaries", ["year", "agency_id", "submission_id"])
    # Rows of 0001 have no vector: a roll-up sums their stored figures instead.
    op.execute(
        "INSERT INTO summaries (submission_id, agency_id, year, format_version, errors, open_warnings, final_ok,"
        " submitted_by, submitted_at, measures)"
        " SELECT id, agency_id, year, format_version, errors, open_warnings, final_ok, submitted_by, submitted_at,"
        " measures FROM submissions"
    )


def downgrade() -> None:
    op.drop_index("ix_summaries_year_agency", "summaries")
    op.drop_table("summaries")
