"""Shared pieces of the workspace tests: a real PostgreSQL (initdb + pg_ctl on a temp dir), databases, registries."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xlpy.workspace.database import open_database
from xlpy.workspace.store import Store

ROOT = Path(__file__).resolve().parent.parent


def _private_data_home() -> None:
    """`xlpy serve` without --db keeps its workspace in $XDG_DATA_HOME/xlpy: in tests, a temp folder, not ~."""
    import atexit
    import tempfile

    if "XLPY_TEST_DATA_HOME" not in os.environ:
        folder = tempfile.mkdtemp(prefix="xlpy-data-")
        atexit.register(shutil.rmtree, folder, True)
        os.environ["XLPY_TEST_DATA_HOME"] = os.environ["XDG_DATA_HOME"] = folder


_private_data_home()
# One small region: a city government, two districts under it, a town under one district.
REGION = [
    {"id": "C", "name": "淮安市人民政府", "org_type": "设区的市、自治州人民政府", "parent_id": None},
    {"id": "A", "name": "淮安区人民政府", "org_type": "县级人民政府", "parent_id": "C"},
    {"id": "B", "name": "清江浦区人民政府", "org_type": "县级人民政府", "parent_id": "C"},
    {"id": "T", "name": "淮安区车桥镇人民政府", "org_type": "乡镇人民政府", "parent_id": "A"},
]


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Postgres:
    """A throw-away PostgreSQL cluster on a loopback port; `database()` makes a fresh database per test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = _free_port()
        self.data = root / "data"
        self.socket_dir = root / "sock"
        self._count = itertools.count()
        # PostgreSQL refuses to run as root; CI runs as root, so the cluster runs as the postgres user.
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self.socket_dir.mkdir(parents=True)
        if self.prefix:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        assert initdb and pg_ctl
        self._run(initdb, "-D", str(self.data), "-U", "xlpy", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = f"-p {self.port} -h 127.0.0.1 -k {self.socket_dir} -c fsync=on -c max_connections=100"
        self._run(pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        self.pg_ctl = pg_ctl

    def stop(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://xlpy@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"ws{os.getpid()}_{next(self._count)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=xlpy dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    if not (_pg_bin("initdb") and _pg_bin("pg_ctl")):
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed: apt-get install postgresql")
    pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")
    import tempfile

    # Not under pytest's tmp folder: that one is private to root, and the cluster may run as postgres.
    root = Path(tempfile.mkdtemp(prefix="xlpy-pg-"))
    server = Postgres(root)
    try:
        server.start()
        yield server
    finally:
        if hasattr(server, "pg_ctl"):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "workspace.db")
    server: Postgres = request.getfixturevalue("postgres")
    return server.database()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(open_database(db_url))
    s.save_agencies(REGION)
    try:
        yield s
    finally:
        s.engine.dispose()


def wait_healthy(url: str, proc: Any, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, proc.stderr.read().decode(errors="replace")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.1)
