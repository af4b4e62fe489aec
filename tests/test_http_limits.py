"""HTTP limits: upload size, zip bombs, time limit and busy, worker memory and runaway jobs, concurrency."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.http_support import (
    XLSX,
    assert_error_shape,
    post,
)
from tests.processes import wait_until
from xlpy.server import create_app, jobs
from xlpy.server.settings import Settings


def test_oversized_upload_refused_by_content_length(books: dict[str, bytes]) -> None:
    with TestClient(
        create_app(Settings(max_upload_bytes=64 * 1024, executor="threads")), raise_server_exceptions=False
    ) as c:
        body = assert_error_shape(post(c, "/api/validate", b"\0" * (200 * 1024)), 413)
        assert "过大" in body["error"]
        assert c.get("/healthz").status_code == 200


def test_oversized_upload_refused_while_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunked body has no Content-Length: the limit is enforced on the bytes as they arrive."""
    called = []
    monkeypatch.setattr(jobs, "check", lambda *a: called.append(a))
    boundary = "xlpyboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n'
        f"Content-Type: {XLSX}\r\n\r\n"
    ).encode()

    def chunks():  # type: ignore[no-untyped-def]
        yield head
        for _ in range(50):
            yield b"\0" * 8192
        yield f"\r\n--{boundary}--\r\n".encode()

    with TestClient(
        create_app(Settings(max_upload_bytes=64 * 1024, executor="threads")), raise_server_exceptions=False
    ) as c:
        r = c.post(
            "/api/validate", content=chunks(), headers={"content-type": f"multipart/form-data; boundary={boundary}"}
        )
        assert_error_shape(r, 413)
        assert called == []


def zip_bomb(uncompressed_mb: int = 150) -> bytes:
    """A small 'xlsx' whose one sheet inflates to `uncompressed_mb` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"0" * (1024 * 1024)
            for _ in range(uncompressed_mb):
                member.write(block)
    return out.getvalue()


@pytest.fixture(scope="session")
def bomb() -> bytes:
    return zip_bomb()


# ------------------------------------------------------------------ limits


def test_zip_bomb_refused_before_inflation(
    thread_client: TestClient, bomb: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    import python_calamine

    client = thread_client  # the parse would happen in this process, where the spies are
    assert len(bomb) < 1024 * 1024  # small on the wire …
    inflated: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy_open(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        inflated.append(str(name))
        return real_open(self, name, *args, **kwargs)

    def no_parser(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a parser touched the zip bomb")

    monkeypatch.setattr(zipfile.ZipFile, "open", spy_open)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", no_parser)
    r = post(client, "/api/validate", bomb, name="bomb.xlsx")
    body = assert_error_shape(r, 413)
    assert "压缩炸弹" in body["error"] and inflated == []
    assert client.get("/healthz").status_code == 200


def test_time_limit_and_busy(books: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its time limit a job's request gets 504 while the job keeps its slot; a request meanwhile gets
    503; once the job ends its slot serves again. The job overruns because it waits for the test (an
    event), not for a fixed while: on a loaded machine a fixed 0.6 s was sometimes over before the next
    request came, and the real check of the last request sometimes outran a 0.2 s limit."""
    import threading

    real = jobs.check
    running, release = threading.Event(), threading.Event()
    verdicts: list[Any] = []

    def overrunning(*args: Any) -> Any:
        verdicts.append(real(*args))
        running.set()
        assert release.wait(60), "the test never let the overrunning job end"
        return verdicts[0]

    monkeypatch.setattr(jobs, "check", overrunning)
    app = create_app(Settings(time_limit_seconds=0.2, max_conversions=1, executor="threads"))
    results: list[int] = []
    with TestClient(app, raise_server_exceptions=False) as c:
        first = threading.Thread(target=lambda: results.append(post(c, "/api/validate", books["huaian"]).status_code))
        first.start()
        assert running.wait(60)  # the first job holds the one slot before the second request arrives
        second = post(c, "/api/validate", books["huaian"])
        first.join()
        assert_error_shape(second, 503)
        assert results == [504]
        # The job ends; its slot is freed when the event loop hears of it. The next check answers at once
        # (the verdict already made), so that what is checked is the freed slot, not how fast validation is.
        monkeypatch.setattr(jobs, "check", lambda *args: verdicts[0])
        release.set()
        assert wait_until(lambda: post(c, "/api/validate", books["huaian"]).status_code == 200)


# ------------------------------------------------------------------ concurrency


def test_concurrent_requests(books: dict[str, bytes]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with TestClient(create_app(Settings(max_conversions=2, executor="threads")), raise_server_exceptions=False) as c:
        order = ["huaian", "failing", "beigou"] * 8
        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(lambda n: (n, post(c, "/api/validate", books[n])), order))
    assert all(r.status_code == 200 for _, r in responses)
    by_name: dict[str, set[str]] = {}
    for name, r in responses:
        by_name.setdefault(name, set()).add(json.dumps(r.json(), sort_keys=True))
    assert all(len(v) == 1 for v in by_name.values())  # same answer whatever ran beside it
    assert json.loads(next(iter(by_name["failing"])))["final_ok"] is False


def test_zip_bomb_refused_by_the_default_app(client: TestClient, bomb: bytes) -> None:
    assert_error_shape(post(client, "/api/validate", bomb, name="bomb.xlsx"), 413)
    assert client.get("/healthz").status_code == 200


def test_concurrent_requests_on_the_process_pool(client: TestClient, books: dict[str, bytes]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda n: post(client, "/api/validate", books[n]).status_code, ["huaian", "failing"] * 6))
    assert codes == [200] * 12


def _hog() -> int:
    return len(b"x" * (3 * 1024**3))  # 3 GB: far over the worker's cap


def test_worker_memory_cap_turns_a_runaway_parse_into_413() -> None:
    import asyncio
    import os

    from xlpy.server.errors import ApiError
    from xlpy.server.limits import Conversions

    async def scenario() -> int:
        conversions = Conversions(Settings(max_conversions=1, worker_memory_mb=512))
        try:
            conversions.warm()
            with pytest.raises(ApiError) as caught:
                await conversions.run(_hog)
            assert caught.value.status == 413
            return await conversions.run(os.getpid)  # the same worker still serves
        finally:
            conversions.close()

    assert asyncio.run(scenario()) > 0


def _forever() -> None:
    time.sleep(600)  # a parse that never ends


def test_overrunning_worker_is_killed_and_replaced() -> None:
    import asyncio
    import os

    from xlpy.server.errors import ApiError
    from xlpy.server.limits import Conversions

    async def scenario() -> tuple[int, int]:
        # 8 s, not 3: a fresh worker's start (forkserver + imports) took over 3 s on a loaded 2-core machine
        conversions = Conversions(Settings(max_conversions=1, time_limit_seconds=8, kill_grace_seconds=0.2))
        try:
            conversions.warm()
            first = await conversions.run(os.getpid)
            with pytest.raises(ApiError) as caught:
                await conversions.run(_forever)
            assert caught.value.status == 504
            await asyncio.sleep(0.5)  # the grace period passes: the stuck worker is killed
            return first, await conversions.run(os.getpid)  # a fresh worker answers within the limit
        finally:
            conversions.close()

    first, second = asyncio.run(scenario())
    assert first != second
