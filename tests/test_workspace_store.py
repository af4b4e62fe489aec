"""The workspace store on a real SQLite file and a real PostgreSQL: migrations, submissions, decisions, status, roll-up."""

from __future__ import annotations

import copy
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from tests.http_support import EXAMPLES
from tests.workspace_support import REGION
from xlpy.errors import StoreError
from xlpy.reader import read_json
from xlpy.validate import validate
from xlpy.workspace import dashboard, indicators, rollup, status
from xlpy.workspace import tables as t
from xlpy.workspace.database import DatabaseError, current_revision, open_database
from xlpy.workspace.options import Options, parse_options
from xlpy.workspace.store import Store


def huaian() -> dict[str, Any]:
    return json.loads((EXAMPLES / "huaian-2024.json").read_text(encoding="utf-8"))


def warned() -> dict[str, Any]:
    """huaian-2024 with 表四 复议 维持 10 lower and 其他 10 higher: totals hold, the narrative's 72 now disagrees (N-5)."""
    d = huaian()
    d["s4"]["review"]["upheld"] -= 10
    d["s4"]["review"]["other"] += 10
    return d


def submit(store: Store, agency: str, data: dict[str, Any], raw: bytes | None = None) -> dict[str, Any]:
    report = validate(read_json(copy.deepcopy(data), name=f"{agency}.json")).to_dict()
    raw = raw if raw is not None else json.dumps(data, ensure_ascii=False).encode()
    return store.add_submission(agency, f"{agency}.json", raw, data, report, f"{agency} 填报人")


def test_migrations_match_the_tables(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    assert current_revision(store.engine) == "0003"
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), t.metadata) == []


def test_reopening_migrates_nothing_and_keeps_data(db_url: str, store: Store) -> None:
    submit(store, "A", huaian())
    again = Store(open_database(db_url))
    try:
        assert len(again.submissions("A")) == 1 and current_revision(again.engine) == "0003"
    finally:
        again.engine.dispose()


def test_same_bytes_stored_once_every_upload_kept_latest_current(store: Store) -> None:
    data = huaian()
    raw = json.dumps(data, ensure_ascii=False).encode()
    first = submit(store, "A", data, raw)
    second = submit(store, "A", data, raw)
    changed = submit(store, "A", warned())
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.blobs)).scalar() == 2
    assert [s["id"] for s in store.submissions("A")] == [changed["id"], second["id"], first["id"]]
    assert store.current(2024)["A"]["id"] == changed["id"]
    assert store.blob(first["sha256"]) == raw
    assert store.submission(first["id"])["data"]["s3"]["new_received"]["total"] == 3119


def test_unknown_agency_is_refused_and_nothing_written(store: Store) -> None:
    with pytest.raises(StoreError, match="机构编号 Z 不在机构名录中"):
        submit(store, "Z", huaian())
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.blobs)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(t.submissions)).scalar() == 0


def test_tokens_roles_and_scope(store: Store) -> None:
    clerk = store.issue_token("clerk", "A", "甲")
    boss = store.issue_token("supervisor", "C", "市政务公开办")
    assert store.principal(clerk).role == "clerk" and store.principal(clerk).agency_id == "A"
    assert store.principal(boss).role == "supervisor"
    assert store.principal("not-a-token") is None
    with store.engine.connect() as conn:  # only the hash is kept
        assert clerk not in str(conn.execute(select(t.tokens)).all())
    assert store.scope("C") == ["C", "A", "T", "B"]
    assert store.scope("A") == ["A", "T"]
    with pytest.raises(StoreError, match="不在机构名录中"):
        store.issue_token("clerk", "Z", "x")


def test_status_follows_findings_and_decisions(store: Store) -> None:
    def state(agency: str) -> str:
        held = status.latest_decisions(store.decisions(2024))
        return status.status_of(store.current(2024).get(agency), held)[0]

    assert state("A") == "not_submitted"
    sub = submit(store, "A", warned())
    assert sub["warnings"] == 2 and sub["errors"] == 0
    assert state("A") == "pending"
    rule, location = sub["open_warnings"][0]
    store.decide(sub["id"], rule, location, "确认", "请核对维持数", "市审核")
    assert state("A") == "failing"
    store.decide(sub["id"], rule, location, "驳回", "叙述口径为全市", "市审核")  # the last decision holds
    assert state("A") == "passed"
    # The decision holds for a later version with the same warning.
    again = submit(store, "A", warned())
    assert state("A") == "passed"
    store.decide(again["id"], "发布", str(again["id"]), "发布", "", "市审核")
    assert state("A") == "published"
    broken = huaian()
    broken["s3"]["new_received"]["total"] += 7
    submit(store, "A", broken)
    assert state("A") == "failing"


def test_rollup_sums_children_and_applies_the_arithmetic_rules(store: Store) -> None:
    submit(store, "A", huaian())
    submit(store, "T", huaian())
    result = rollup.collect(store, REGION[0], 2024)  # everything below 淮安市: A, T (under A) and B
    assert result.included == ["A", "T"] and result.missing == ["B"]
    data = result.instance
    assert data["s3"]["new_received"]["total"] == 2 * 3119
    assert data["s4"]["review"]["total"] == 2 * 351
    assert data["s2"]["art20_8"]["fees"]["amount"] == pytest.approx(2 * 96171.6)
    assert data["meta"]["org_name"] == "淮安市人民政府（汇总）"
    assert [(h["rule"], h["agencies"]) for h in result.hierarchy] == [("H-2", ["B"]), ("H-3", ["A", "T"])]
    assert result.hierarchy[0]["message"] == "清江浦区人民政府（B）2024 年度尚未提交年报，汇总中未计入"
    assert result.findings == []  # consistent reports sum to a consistent report
    # An inconsistent child makes the sum inconsistent: the same rules fire on the roll-up.
    broken = huaian()
    broken["s3"]["new_received"]["total"] += 7
    submit(store, "B", broken)
    result = rollup.collect(store, REGION[0], 2024)
    findings = result.findings
    # H-3: A and T hand in the very same file; B's differs but states the same 机关名称 as theirs (all three
    # are the example's 淮安市人民政府). H-2: nobody is missing any more.
    assert [(h["rule"], h["agencies"]) for h in result.hierarchy] == [("H-3", ["A", "B", "T"]), ("H-3", ["A", "T"])]
    assert result.hierarchy[0]["message"].startswith(
        "淮安区人民政府（A）、清江浦区人民政府（B）、淮安区车桥镇人民政府（T）是"
    )
    assert "所填机关名称均为“淮安市人民政府”" in result.hierarchy[0]["message"]
    assert "淮安区人民政府（A）、淮安区车桥镇人民政府（T）是同一机构同一年度" in result.hierarchy[1]["message"]
    assert result.hierarchy[1]["section"] == "汇总" and result.hierarchy[1]["severity"] == "warning"
    own = {f.rule for f in validate(read_json(broken)).findings if f.section in ("二", "三", "四")}
    assert {f["rule"] for f in findings} == own == {"R-S3-1", "R-S3-3"}


def test_rollup_of_rows_without_a_vector_sums_their_figures(store: Store) -> None:
    submit(store, "A", huaian())
    changed = huaian()
    changed["s3"]["carried_over"]["natural_person"] = None  # a blank cell: left out of the sum, and named
    submit(store, "B", changed)
    with_vectors = rollup.collect(store, REGION[0], 2024)
    with store.engine.begin() as conn:  # rows as revision 0001 wrote them: no vector
        conn.execute(t.summaries.update().values(vector=None, plan=None, units=None))
    from_figures = rollup.collect(store, REGION[0], 2024)
    assert from_figures.instance == with_vectors.instance
    assert from_figures.gaps == with_vectors.gaps == [{"agency_id": "B", "path": "s3.carried_over.natural_person"}]
    assert with_vectors.instance["s3"]["carried_over"]["natural_person"] == 34


def test_indicators_levels_and_ranking(store: Store) -> None:
    submit(store, "A", huaian())
    low = huaian()
    low["s3"]["results"]["granted"]["total"] = 10  # 实质公开率 (10 + 454) / 3050 ≈ 15 %: red
    submit(store, "B", low)
    board = dashboard.region(store, "C", 2024)
    rows = {r["id"]: r for r in board["agencies"]}
    a, b = rows["A"]["indicators"]["disclosure_rate"], rows["B"]["indicators"]["disclosure_rate"]
    assert a["value"] == pytest.approx((1362 + 454) / 3050) and a["level"] == "green"
    assert b["level"] == "red" and (a["rank"], b["rank"], a["of"]) == (1, 2, 2)
    # Thresholds and the minimum sample come from the config's [workspace] table.
    strict = parse_options(
        {"indicators": {"实质公开率": {"yellow": 0.7, "red": 0.65}, "复议纠错率": {"min_sample": 1000}}}
    )
    board = dashboard.region(store, "C", 2024, options=strict)
    a_ind = {r["id"]: r for r in board["agencies"]}["A"]["indicators"]
    assert a_ind["disclosure_rate"]["level"] == "red" and a_ind["review_correction_rate"]["level"] == indicators.SMALL


def test_dashboard_counts_progress_and_deadlines(store: Store) -> None:
    from datetime import date

    submit(store, "A", huaian())
    submit(store, "T", warned())
    board = dashboard.region(store, "C", 2024, today=date(2025, 1, 21))
    assert board["counts"] == {"not_submitted": 2, "failing": 0, "pending": 1, "passed": 1, "published": 0}
    assert board["progress"] == {"done": 1, "total": 4, "percent": 25.0}
    rows = {r["id"]: r for r in board["agencies"]}
    assert rows["T"]["deadline"] == "2025-01-31" and rows["T"]["days_left"] == 10  # 乡镇人民政府: 1 月 31 日
    assert rows["A"]["deadline"] == "2025-03-31"


def test_bad_options_are_refused_in_chinese() -> None:
    from xlpy.errors import InputError

    with pytest.raises(InputError, match="未知的指标"):
        parse_options({"indicators": {"好评率": {"red": 1}}})
    with pytest.raises(InputError, match="只能设置 red、yellow、min_sample"):
        parse_options({"indicators": {"实质公开率": {"blue": 1}}})
    assert Options().indicator_specs()[0]["id"] == "disclosure_rate"


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "x.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match="无法打开数据库"):
        open_database(str(bogus))
    with pytest.raises(DatabaseError, match="目录 .* 不存在"):
        open_database(str(tmp_path / "missing" / "x.db"))
    with pytest.raises(DatabaseError, match="不支持的数据库"):
        open_database("mysql://x@localhost/db")


def test_a_database_from_a_newer_xlpy_is_refused(db_url: str, store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match="结构版本无法升级"):
        open_database(db_url)


def test_unreachable_postgresql_is_refused_with_the_reason() -> None:
    with pytest.raises(DatabaseError, match="无法打开数据库 postgresql"):
        open_database("postgresql://nobody:secret@127.0.0.1:1/none")


def test_sqlite_is_in_wal_mode(tmp_path: Path) -> None:
    open_database(str(tmp_path / "w.db")).dispose()
    with sqlite3.connect(tmp_path / "w.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_workspace_core_does_not_import_fastapi() -> None:
    script = (
        "import sys\n"
        "for b in ('fastapi', 'starlette', 'uvicorn', 'xlwings'): sys.modules[b] = None\n"
        "import xlpy.workspace.store, xlpy.workspace.registry, xlpy.workspace.rollup, xlpy.workspace.dashboard\n"
        "import xlpy.workspace.export, xlpy.workspace.history, xlpy.workspace.indicators\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert proc.stdout.strip() == "ok", proc.stderr
