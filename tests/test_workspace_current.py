"""The current_submissions table (revision 0003) on SQLite and PostgreSQL: kept in each submission's transaction,
backfilled when an older database is upgraded, and giving the dashboard the same figures as the stored reports."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.test_workspace_store import huaian, submit, warned
from tests.workspace_support import REGION
from xlpy.resources import load_json
from xlpy.workspace import dashboard, indicators
from xlpy.workspace import tables as t
from xlpy.workspace.database import MIGRATIONS, current_revision, open_database
from xlpy.workspace.options import Options
from xlpy.workspace.store import Store
from xlpy.workspace.submission_rows import current_row

pytestmark = pytest.mark.usefixtures("store")


def _board(store: Store) -> list[dict[str, Any]]:
    return dashboard.region(store, REGION[0]["id"], 2024, today=date(2025, 1, 21))["agencies"]


def _filled(store: Store) -> dict[str, int]:
    """A three times (the last one warned and decided), T once with a broken sum, B warned undecided, C never."""
    submit(store, "A", huaian())
    submit(store, "A", huaian())
    last = submit(store, "A", warned())
    rule, location = last["open_warnings"][0]
    store.decide(last["id"], rule, location, "驳回", "口径不同", "市审核")
    broken = huaian()
    broken["s3"]["new_received"]["total"] += 7
    low = submit(store, "T", broken)
    open_ = submit(store, "B", warned())
    return {"A": last["id"], "T": low["id"], "B": open_["id"]}


def test_indicator_columns_follow_the_indicators_of_the_schema() -> None:
    assert t.INDICATOR_IDS == tuple(s["id"] for s in load_json("workspace.json")["indicators"])


def test_one_current_row_per_agency_and_year_pointing_at_the_latest(store: Store) -> None:
    latest = _filled(store)
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.current_submissions.c.agency_id, t.current_submissions.c.submission_id)).all()
        kept = conn.execute(select(func.count()).select_from(t.submissions)).scalar()
    assert dict(rows) == latest and kept == 5
    board = {r["id"]: r for r in _board(store)}
    # Both of N-5's warnings sit on one cell: one 驳回 accepts both.
    assert (board["A"]["status"], board["A"]["warnings"], board["A"]["accepted"]) == ("passed", 0, 2)
    assert board["T"]["status"] == "failing" and board["T"]["errors"] == 2
    assert (board["B"]["status"], board["B"]["warnings"]) == ("pending", 2)  # no decision: the count column alone
    assert board["C"]["status"] == "not_submitted" and board["C"]["submitted_at"] is None
    assert board["A"]["submitted_at"].endswith("+00:00") and board["A"]["submitted_by"] == "A 填报人"


def test_an_older_submission_never_replaces_a_newer_current_one(store: Store) -> None:
    latest = _filled(store)
    old = store.submissions("A")[-1]  # the first version, committed before the others
    stale = current_row(old["id"], {**store.submission(old["id"]), "open_warnings": []})
    with store.engine.execution_options(xlpy_write=True).begin() as conn:
        store._make_current(conn, stale)  # as a slower server's transaction would, after the newer one committed
    assert store.current(2024)["A"]["id"] == latest["A"]


def test_dashboard_indicators_from_columns_equal_those_of_the_stored_figures(store: Store) -> None:
    _filled(store)
    specs = Options().indicator_specs()
    for row in _board(store):
        if row["submission_id"] is None:
            assert row["indicators"] == {}
            continue
        stored = indicators.compute(store.submission(row["submission_id"])["measures"], specs)
        assert {k: {**v, "rank": None, "of": None} for k, v in row["indicators"].items()} == {
            k: {**v, "rank": None, "of": None} for k, v in stored.items()
        }
    assert _board(store)[1]["indicators"]["disclosure_rate"]["numerator"] == 1362 + 454


def test_upgrading_a_revision_0002_database_backfills_the_current_rows(db_url: str, store: Store) -> None:
    from alembic import command
    from alembic.config import Config

    _filled(store)
    before = _board(store)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:  # the database as xlpy of revision 0002 left it
        config.attributes["connection"] = conn
        command.downgrade(config, "0002")
    assert current_revision(store.engine) == "0002"
    store.engine.dispose()
    again = Store(open_database(db_url))
    try:
        assert current_revision(again.engine) == "0003"
        assert _board(again) == before
    finally:
        again.engine.dispose()
