"""Soak: 2,000 mixed requests against `xlpy serve` on loopback — no 5xx, every answer as expected, bounded memory.

Memory bound: the resident memory of the server and its worker processes, measured after 200 warm-up
requests, may grow by at most RSS_GROWTH_MB over the remaining 1,800 (a leak of one upload per
request — ~30 KB — would already pass that bound within the run).
"""

from __future__ import annotations

import asyncio
import copy
import io
import json
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.http_support import start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbook" / "examples"
TOTAL = 2000
WARMUP = 200
CONCURRENCY = 8
RSS_GROWTH_MB = 40
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = pytest.mark.slow


def _build(data: dict[str, Any]) -> bytes:
    from xlpy.workbook import build_workbook

    out = io.BytesIO()
    build_workbook(data["meta"]["year"], data=data).save(out)
    return out.getvalue()


def _data(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(150):
                member.write(b"0" * (1024 * 1024))
    return out.getvalue()


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the worker pool)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


@pytest.fixture(scope="module")
def server() -> Any:
    proc, url = start_server()
    yield proc, url
    stop_server(proc)


def _plan() -> list[tuple[str, str, str, dict[str, Any], set[int]]]:
    """One cycle of (label, method, path, request kwargs, accepted statuses); repeated up to TOTAL."""
    clean = _build(_data("huaian-2024"))
    old = _build(_data("beigou-2020"))
    failing_data = copy.deepcopy(_data("huaian-2024"))
    failing_data["s3"]["new_received"]["total"] += 5
    failing = _build(failing_data)

    def upload(data: bytes, **form: str) -> dict[str, Any]:
        return {"files": {"file": ("wb.xlsx", data, XLSX)}, "data": form}

    return [
        ("validate clean", "POST", "/api/validate", upload(clean), {200}),
        ("validate 2019", "POST", "/api/validate", upload(old), {200}),
        ("validate failing", "POST", "/api/validate", upload(failing), {200}),
        (
            "validate + last year",
            "POST",
            "/api/validate",
            {"files": {"file": ("a.xlsx", clean, XLSX), "last_year": ("b.xlsx", clean, XLSX)}},
            {200},
        ),
        ("render md", "POST", "/api/render", upload(clean, format="md"), {200}),
        ("render html", "POST", "/api/render", upload(clean, format="html"), {200}),
        ("render docx", "POST", "/api/render", upload(clean, format="docx"), {200}),
        ("render blocked", "POST", "/api/render", upload(failing, format="html"), {422}),
        ("render draft", "POST", "/api/render", upload(failing, format="md", draft="true"), {200}),
        ("annotate", "POST", "/api/annotate", upload(failing), {200}),
        ("template", "GET", "/api/template/2024", {}, {200}),
        ("garbage", "POST", "/api/validate", upload("不是工作簿".encode()), {422}),
        ("truncated", "POST", "/api/validate", upload(clean[: len(clean) // 2]), {422}),
        ("zip bomb", "POST", "/api/validate", upload(_bomb()), {413}),
        ("no file", "POST", "/api/validate", {"data": {"x": "1"}}, {422}),
        ("not found", "GET", "/nope", {}, {404}),
        ("wrong method", "GET", "/api/render", {}, {405}),
        ("healthz", "GET", "/healthz", {}, {200}),
        ("page", "GET", "/", {}, {200}),
        ("validate clean again", "POST", "/api/validate", upload(clean), {200}),
    ]


async def _run(
    url: str, plan: list[Any], start: int, stop: int, seen: Counter[tuple[str, int]], bad: list[str]
) -> None:
    import httpx

    queue = iter(range(start, stop))
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:

        async def worker() -> None:
            for i in queue:
                label, method, path, kwargs, ok = plan[i % len(plan)]
                r = await client.request(method, path, **kwargs)
                seen[(label, r.status_code)] += 1
                if r.status_code not in ok or r.status_code >= 500:
                    bad.append(f"{label}: {r.status_code} {r.text[:200]}")
                elif r.status_code >= 400:
                    body = r.json()
                    if set(body) != {"ok", "error", "errors", "status"} or body["status"] != r.status_code:
                        bad.append(f"{label}: error shape {body}")

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


def test_soak(server: Any) -> None:
    proc, url = server
    plan = _plan()
    seen: Counter[tuple[str, int]] = Counter()
    bad: list[str] = []
    asyncio.run(_run(url, plan, 0, WARMUP, seen, bad))
    before = _tree_rss_mb(proc.pid)
    started = time.monotonic()
    asyncio.run(_run(url, plan, WARMUP, TOTAL, seen, bad))
    elapsed = time.monotonic() - started
    after = _tree_rss_mb(proc.pid)
    assert not bad, bad[:10]
    assert sum(seen.values()) == TOTAL
    assert not any(status >= 500 for _, status in seen)
    assert after - before <= RSS_GROWTH_MB, f"server RSS grew {before:.0f} → {after:.0f} MB"
    print(
        f"\nsoak: {TOTAL} requests, {(TOTAL - WARMUP) / elapsed:.0f} req/s after warm-up, "
        f"RSS {before:.0f} → {after:.0f} MB"
    )
