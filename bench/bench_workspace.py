"""The workspace at scale: 3,000 agencies × 3 versions — dashboard data, store overhead, roll-up, memory.

Targets (issue 12): the dashboard's data for the whole region ≤ 100 ms; storing a submission adds ≤ 20 ms
to its validation; a roll-up of 3,000 reports ≤ 2 s; memory flat over many submissions. Each figure is
printed beside a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from _common import example_bytes, example_data, ms, table, timeit, verdict


def registry(count: int) -> list[dict[str, Any]]:
    """A city, 30 districts/counties under it, the rest spread under the districts (departments, towns)."""
    rows = [{"id": "R", "name": "某市人民政府", "org_type": "设区的市、自治州人民政府", "parent_id": None}]
    districts = [f"D{i:02d}" for i in range(30)]
    for d in districts:
        rows.append({"id": d, "name": f"某市第{d}区人民政府", "org_type": "县级人民政府", "parent_id": "R"})
    kinds = ["县级政府部门", "乡镇人民政府", "街道办事处"]
    for n in range(count - len(rows)):
        rows.append(
            {"id": f"U{n:05d}", "name": f"某单位{n:05d}", "org_type": kinds[n % 3], "parent_id": districts[n % 30]}
        )
    return rows


def populate(store: Any, agencies: list[dict[str, Any]], versions: int) -> None:
    """`versions` submissions per agency, figures varied per agency, bulk-inserted in one transaction."""
    from sqlalchemy import insert

    from xlpy.reader import read_json
    from xlpy.validate import validate
    from xlpy.workspace import tables as t
    from xlpy.workspace.submission_rows import current_row, sha256, submission_row, summary_row

    base = example_data("huaian-2024")
    report = validate(read_json(copy.deepcopy(base))).to_dict()
    raw = json.dumps(base, ensure_ascii=False).encode()
    digest = sha256(raw)
    rows = []
    for v in range(versions):
        for i, a in enumerate(agencies):
            data = copy.deepcopy(base)
            k = (i * 7 + v) % 400  # k cases moved from 部分公开 to 予以公开: every sum still holds
            for row, sign in (("granted", 1), ("partly_granted", -1)):
                for col in ("natural_person", "total"):
                    data["s3"]["results"][row][col] += sign * k
            rows.append(
                {"id": len(rows) + 1, **submission_row(a["id"], f"{a['id']}-v{v}.xlsx", digest, data, report, "bench")}
            )
    wide = [{k: v for k, v in r.items() if k in t.submissions.c} for r in rows]
    narrow = [summary_row(r["id"], r) for r in rows]
    current = [current_row(r["id"], r) for r in rows[-len(agencies) :]]  # the last version of each agency
    with store.engine.execution_options(xlpy_write=True).begin() as conn:
        conn.execute(insert(t.blobs).values(sha256=digest, size=len(raw), data=raw))
        for start in range(0, len(rows), 1000):
            conn.execute(insert(t.submissions), wide[start : start + 1000])
            conn.execute(insert(t.summaries), narrow[start : start + 1000])
        for start in range(0, len(current), 1000):
            conn.execute(insert(t.current_submissions), current[start : start + 1000])
        if conn.dialect.name == "postgresql":  # ids were given explicitly: move the sequence past them
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('submissions', 'id'), max(id)) FROM submissions")


def latest_per_group(store: Any, year: int) -> int:
    """Revision 0002's dashboard read, for a baseline in the same run: the latest summary per agency found by a
    grouped scan, its JSON columns decoded per row, joined to the registry in Python."""
    from sqlalchemy import func, select

    from xlpy.workspace import tables as t

    s, a = t.summaries, t.agencies
    latest = select(func.max(s.c.submission_id)).where(s.c.year == year).group_by(s.c.agency_id)
    columns = (s.c.agency_id, s.c.submission_id, s.c.submitted_at, s.c.submitted_by, s.c.errors, s.c.open_warnings)
    with store.engine.connect() as conn:
        current = {r[0]: r for r in conn.execute(select(*columns, s.c.final_ok).where(s.c.submission_id.in_(latest)))}
        rows = [(r, current.get(r[0])) for r in conn.execute(select(a.c.id, a.c.name, a.c.org_type, a.c.parent_id))]
    return len(rows)


def dashboard_over_http(store: Any, db: str) -> float:
    """The whole request as a supervisor's browser makes it (TestClient on the real app): data, JSON, headers."""
    from fastapi.testclient import TestClient

    from xlpy.server import create_app
    from xlpy.server.settings import Settings

    token = store.issue_token("supervisor", "R", "bench")
    app = create_app(Settings(db=db, executor="threads", max_conversions=1))
    with TestClient(app) as client:

        def get() -> None:
            r = client.get("/workspace/api/dashboard?year=2024", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200 and r.content.startswith(b'{"root"')  # not parsed: that is the client's time

        took = timeit(get, repeat=7, warmup=1)
    app.state.workspace.engine.dispose()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agencies", type=int, default=3000)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--db", help="a database URL (default: a fresh SQLite file); PostgreSQL: an empty database")
    parser.add_argument("--memory", type=int, default=2000, help="submissions stored one by one for the memory check")
    args = parser.parse_args()

    from xlpy.reader import read_workbook
    from xlpy.validate import validate
    from xlpy.workspace import dashboard, rollup
    from xlpy.workspace.database import open_database
    from xlpy.workspace.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="xlpy-bench-ws-"))
    try:
        store = Store(open_database(args.db or str(tmp / "workspace.db")))
        agencies = registry(args.agencies)
        store.save_agencies(agencies)
        t0 = time.perf_counter()
        populate(store, agencies, args.versions)
        load_s = time.perf_counter() - t0
        rows: list[tuple[str, ...]] = []

        # Dashboard data: every agency of the region with status, deadline, indicators and ranking.
        board = timeit(lambda: dashboard.region(store, "R", 2024, with_indicators=False), repeat=7, warmup=1)
        ranked = timeit(lambda: dashboard.region(store, "R", 2024), repeat=7, warmup=1)
        query = timeit(lambda: store.region_rows(2024, indicators=False), repeat=7, warmup=1)
        scan = timeit(lambda: latest_per_group(store, 2024), repeat=7, warmup=1)
        rows.append(
            (
                "dashboard data (status table), whole region",
                ms(board),
                f"baseline: its one query alone {ms(query)}; revision 0002's latest-per-group read {ms(scan)}",
                "≤ 100 ms",
                verdict(board <= 0.1),
            )
        )
        rows.append(("… with 6 indicators, ranked per 机关类型", ms(ranked), "", "", ""))
        http = dashboard_over_http(store, args.db or str(tmp / "workspace.db"))
        rows.append(
            ("… GET /workspace/api/dashboard, JSON body included", ms(http), f"the data alone {ms(board)}", "", "")
        )

        # Store overhead: one submission's transaction vs validating the same workbook.
        book = example_bytes("huaian-2024")
        data = read_workbook(book, name="b.xlsx")
        report = validate(data).to_dict()
        validate_s = timeit(lambda: validate(read_workbook(book, name="b.xlsx")), repeat=15, warmup=2)
        counter = iter(range(10**9))
        store_s = timeit(
            lambda: store.add_submission(
                agencies[next(counter) % len(agencies)]["id"], "b.xlsx", book, data.instance, report, "bench"
            ),
            repeat=30,
            warmup=3,
        )
        rows.append(
            (
                "store one submission",
                ms(store_s),
                f"baseline: read + validate {ms(validate_s)}",
                "≤ 20 ms",
                verdict(store_s <= 0.02),
            )
        )

        # Roll-up of every report below the city.
        root = store.agency("R")
        below = store.scope("R")[1:]

        def roll() -> Any:
            return rollup.collect(store, root, 2024)

        roll_s = timeit(roll, repeat=3, warmup=1)
        fetch_s = timeit(lambda: store.current_vectors(2024, below), repeat=3, warmup=1)
        result = roll()
        assert len(result.included) == len(below) and not result.findings
        rows.append(
            (
                f"roll-up of {len(below)} reports",
                ms(roll_s),
                f"baseline: fetching their vectors {ms(fetch_s)}",
                "≤ 2 s",
                verdict(roll_s <= 2),
            )
        )

        # Memory: traced allocations after storing N and 5N more submissions one by one.
        gc.collect()
        tracemalloc.start()
        for _ in range(args.memory // 5):
            store.add_submission("R", "m.xlsx", book, data.instance, report, "bench")
        gc.collect()
        early = tracemalloc.get_traced_memory()[0]
        for _ in range(args.memory - args.memory // 5):
            store.add_submission("R", "m.xlsx", book, data.instance, report, "bench")
        gc.collect()
        late = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        growth = (late - early) / 1024
        rows.append(
            (
                f"memory, {args.memory // 5} → {args.memory} submissions stored",
                f"{growth:+.0f} KiB",
                f"after {args.memory // 5}: {early / 1024:.0f} KiB traced",
                "flat (< 1 MiB growth)",
                verdict(growth < 1024),
            )
        )
        backend = store.engine.dialect.name
        store.engine.dispose()
        table(
            f"Workspace — {args.agencies} agencies × {args.versions} versions on {backend} (bulk load {load_s:.1f} s)",
            rows,
            ("measure", "time", "baseline (same run)", "target", "verdict"),
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
