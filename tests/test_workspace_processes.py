"""Real `xlpy serve` processes on one database: two servers on one PostgreSQL, and kill -9 in the middle of uploads."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.http_support import XLSX, example, variant
from tests.workspace_support import REGION, ROOT, Postgres, wait_healthy
from xlpy.workspace.database import open_database
from xlpy.workspace.store import Store

pytestmark = pytest.mark.slow


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(db: str, config: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`xlpy serve --db` in its own process group (so kill -9 takes its workers too); yields (process, URL)."""
    port = _port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xlpy",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "error",
            "--db",
            db,
            "--config",
            str(config),
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield proc, url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        assert proc.stderr is not None
        proc.stderr.close()


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "xlpy.toml"
    path.write_text('[server]\nexecutor = "threads"\nmax_conversions = 2\n', encoding="utf-8")
    return path


def _prepare(db: str) -> dict[str, str]:
    store = Store(open_database(db))
    try:
        store.save_agencies(REGION)
        return {a["id"]: store.issue_token("clerk", a["id"], f"{a['id']} 填报人") for a in REGION} | {
            "C*": store.issue_token("supervisor", "C", "市政务公开办")
        }
    finally:
        store.engine.dispose()


def _submit(url: str, token: str, data: bytes, name: str = "report.xlsx") -> httpx.Response:
    return httpx.post(
        url + "/workspace/api/submissions",
        files={"file": (name, data, XLSX)},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


def test_two_servers_on_one_postgresql_see_each_others_submissions(postgres: Postgres, tmp_path: Path) -> None:
    db = postgres.database()
    tokens = _prepare(db)
    config = _config(tmp_path)
    book = example("huaian-2024")
    with serve(db, config) as (_, one), serve(db, config) as (_, two):
        a = _submit(one, tokens["A"], book)
        b = _submit(two, tokens["B"], book)
        assert a.status_code == b.status_code == 200, (a.text, b.text)
        sup = {"Authorization": f"Bearer {tokens['C*']}"}
        for url in (one, two):
            board = httpx.get(url + "/workspace/api/dashboard", params={"year": 2024}, headers=sup, timeout=30).json()
            assert {r["id"]: r["submission_id"] for r in board["agencies"]} == {
                "C": None,
                "A": a.json()["submission"]["id"],
                "T": None,
                "B": b.json()["submission"]["id"],
            }
        # A decision made through one server is what the clerk sees through the other.
        sub = a.json()["submission"]["id"]
        httpx.post(
            one + "/workspace/api/decisions",
            json={"submission_id": sub, "rule": "发布", "location": "-", "verdict": "发布"},
            headers=sup,
            timeout=30,
        ).raise_for_status()
        seen = httpx.get(
            two + "/workspace/api/dashboard",
            params={"year": 2024},
            headers={"Authorization": f"Bearer {tokens['A']}"},
            timeout=30,
        )
        assert [r["status"] for r in seen.json()["agencies"]] == ["published"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_mid_upload_loses_nothing_acknowledged(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = str(tmp_path / "w.db") if backend == "sqlite" else request.getfixturevalue("postgres").database()
    tokens = _prepare(db)
    config = _config(tmp_path)
    book = example("huaian-2024")
    # Distinct workbooks (another 联系电话 each): the store must keep each one's own bytes.
    books = [book] + [
        variant("huaian-2024", lambda d, i=i: d["meta"].update(contact_phone=f"0517-{i}")) for i in range(3)
    ]
    acknowledged: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def upload_loop(agency: str) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            data = books[n % len(books)]
            try:
                r = _submit(url, tokens[agency], data, f"{agency}-{n}.xlsx")
            except httpx.HTTPError:
                return  # the server died under us: this upload was never acknowledged
            if r.status_code == 200:
                with lock:
                    acknowledged.append(r.json()["submission"]["id"])

    with serve(db, config) as (proc, url):
        # One upload that never finishes: headers and half a body, then the server is killed.
        half = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])))
        half.sendall(
            b"POST /workspace/api/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + tokens["T"].encode()
            + b"\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 999999\r\n\r\n--zz\r\n"
            + b'Content-Disposition: form-data; name="file"; filename="half.xlsx"\r\n\r\n'
            + book[: len(book) // 2]
        )
        threads = [threading.Thread(target=upload_loop, args=(a,)) for a in ("A", "B", "C")]
        for th in threads:
            th.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # the whole server, workers and all, mid-traffic
        proc.wait(10)
        stop.set()
        for th in threads:
            th.join(60)
        half.close()
    assert len(acknowledged) >= 6
    # Restart on the same database: every acknowledged submission is there and whole.
    with serve(db, config) as (_, url):
        store = Store(open_database(db))
        try:
            kept = {s["id"]: s for a in ("A", "B", "C", "T") for s in store.submissions(a)}
            assert set(acknowledged) <= set(kept), "an acknowledged submission was lost"
            assert store.submissions("T") == []  # the half upload left nothing behind
            for sid in kept:
                full = store.submission(sid)
                assert full is not None
                blob = store.blob(full["sha256"])
                assert blob is not None and hashlib.sha256(blob).hexdigest() == full["sha256"]
                assert full["report"]["findings"] is not None and full["data"]["meta"]["year"] == 2024
            # The current version of each agency (current_submissions, written in the same transaction) is
            # its newest kept submission: no acknowledged upload is missing from it, no lost one is in it.
            current = store.current(2024)
            for agency in ("A", "B", "C"):
                assert current[agency]["id"] == max(sid for sid, s in kept.items() if s["agency_id"] == agency)
            assert "T" not in current
            if backend == "sqlite":
                with store.engine.connect() as conn:
                    assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        finally:
            store.engine.dispose()
        # And the restarted server serves them.
        listing = httpx.get(
            url + "/workspace/api/agencies/A", headers={"Authorization": f"Bearer {tokens['A']}"}, timeout=30
        )
        assert {s["id"] for s in listing.json()["submissions"]} == {i for i, s in kept.items() if s["agency_id"] == "A"}


def test_a_database_that_cannot_be_opened_stops_the_server(tmp_path: Path) -> None:
    bogus = tmp_path / "bad.db"
    bogus.write_bytes(b"not a database at all" * 200)
    proc = subprocess.run(
        [sys.executable, "-m", "xlpy", "serve", "--port", str(_port()), "--db", str(bogus)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "无法打开数据库" in proc.stderr and "Traceback" not in proc.stderr


def test_a_database_that_cannot_be_migrated_stops_the_server(tmp_path: Path) -> None:
    import sqlite3

    from xlpy.workspace.database import open_database

    db = tmp_path / "newer.db"
    open_database(str(db)).dispose()
    with sqlite3.connect(db) as conn:  # as a newer xlpy would leave it: a revision this one does not know
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    proc = subprocess.run(
        [sys.executable, "-m", "xlpy", "serve", "--port", str(_port()), "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "数据库的结构版本无法升级到本程序的版本" in proc.stderr and "Traceback" not in proc.stderr
