"""The workspace's tables (SQLAlchemy Core): the one description Alembic's migrations must match."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# 机构名录: one row per agency; `id` is the stable ID from the registry file (never reused).
agencies = Table(
    "agencies",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),  # 全称
    Column("org_type", String(40), nullable=False),  # 机关类型 (common.schema.json)
    Column("parent_id", String(64), ForeignKey("agencies.id"), nullable=True),
    Column("contact", String(200), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Uploaded bytes, keyed by their SHA-256: inserted once, never updated (content-addressed).
blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# Every upload ever accepted; the highest id per (agency, year) is the current one.
submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("format_version", String(8), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("sha256", String(64), ForeignKey("blobs.sha256"), nullable=False),
    Column("data", JSON, nullable=False),  # the report data (schema instance)
    Column("figures", JSON, nullable=False),  # s2/s3/s4 only: what a roll-up reads
    Column("measures", JSON, nullable=False),  # {field path: value} of every indicator term (small, for dashboards)
    Column("report", JSON, nullable=False),  # the findings JSON of /api/validate
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),  # unexplained warnings
    Column("open_warnings", JSON, nullable=False),  # [[rule, location], …] of the unexplained warnings
    Column("final_ok", Boolean, nullable=False),
    Column("submitted_by", String(100), nullable=False),  # the token's label
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Index("ix_submissions_year_agency", "year", "agency_id", "id"),
)

# Revision 0002: the narrow copy of each submission that dashboards and roll-ups read, written in the same
# transaction. Apart from the wide rows (report data and findings, tens of KB each, which SQLite keeps in
# overflow pages that a scan must walk), 3,000 agencies' status is one small-table read. `vector` holds the
# numbers of 表二/三/四 in roll-up plan order (money in 元), so a roll-up is a column sum; NULL for rows
# backfilled from revision 0001, which are summed from their figures.
summaries = Table(
    "summaries",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id"), primary_key=True),
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("format_version", String(8), nullable=False),
    Column("errors", Integer, nullable=False),
    Column("open_warnings", JSON, nullable=False),
    Column("final_ok", Boolean, nullable=False),
    Column("submitted_by", String(100), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("measures", JSON, nullable=False),
    Column("plan", String(16), nullable=True),
    Column("units", String(40), nullable=True),
    Column("vector", JSON, nullable=True),
    Index("ix_summaries_year_agency", "year", "agency_id", "submission_id"),
)

# Revision 0003: the current submission (最新版本) of each agency and year, upserted in the submission's own
# transaction, with the figures a dashboard shows as plain columns: the dashboard is one indexed join of the
# registry with this table, with no "latest per group" scan and no JSON decoded per row. `open_warnings` is the
# JSON text of [[rule, location], …], read only for agencies that have reviewer decisions. Each indicator of
# schemas/workspace.json has its numerator and denominator here (NULL: a blank or non-numeric term).
INDICATOR_IDS = (  # the indicators of schemas/workspace.json (a test holds the two lists equal)
    "disclosure_rate",
    "review_correction_rate",
    "overall_correction_rate",
    "dispute_rate",
    "not_held_rate",
    "unable_rate",
)
current_submissions = Table(
    "current_submissions",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("agency_id", String(64), ForeignKey("agencies.id"), primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),  # unexplained warnings
    Column("open_warnings", Text, nullable=False),
    Column("final_ok", Boolean, nullable=False),
    Column("submitted_by", String(100), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("sha256", String(64), nullable=False),  # the file: H-3 finds one file current for two agencies
    Column("org_name", String(200), nullable=False),  # 机关名称 in the report: H-3 finds one agency twice
    *(Column(f"{i}_{part}", Integer, nullable=True) for i in INDICATOR_IDS for part in ("num", "den")),
)

# Access tokens: only their SHA-256 is stored. clerk → one agency; supervisor → the agency and all below.
tokens = Table(
    "tokens",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("role", String(16), nullable=False),  # clerk | supervisor
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("label", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

# Reviewer decisions on a warning (确认 = must be fixed, 驳回 = accepted), and 发布 marks; latest wins.
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("rule", String(32), nullable=False),  # rule ID, or "发布" for a publication mark
    Column("location", String(200), nullable=False),
    Column("verdict", String(8), nullable=False),  # 确认 | 驳回 | 发布
    Column("note", Text, nullable=False),
    Column("decided_by", String(100), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Index("ix_decisions_year_agency", "year", "agency_id"),
)
