"""HTTP /api/validate against `xlpy serve` (uvicorn) on loopback: p50/p99 latency and throughput at 1, 8, 32 clients.

Baseline in the same run: the in-process job (`jobs.validate_job`, read + validate + JSON) timed in this
process in turns with single requests to the idle server (request, job, request, job …), so a burst
of load from elsewhere slows both alike. The per-request overhead is the median request minus the
median job (upload parsing, the worker round trip, the response); the throughput target at 32
clients is 0.8 × workers / job, with `--workers` = the number of cores by default.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

from _common import example_bytes, headline, ms, process_tree, table, verdict
from _server import ServerProcess


def multipart(data: bytes, name: str) -> tuple[bytes, str]:
    """One pre-encoded body, so the load generator spends its CPU on sending, not encoding."""
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
    ).encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


async def load(url: str, body: bytes, ctype: str, clients: int, total: int) -> tuple[list[float], int, float]:
    """`clients` keep-alive connections sending pre-built requests until `total` are done.

    A bare asyncio HTTP/1.1 client: the load generator shares the machine's cores with the server,
    so it should spend as little CPU per request as possible (httpx costs ~1 ms per request).
    """
    host, port = url.removeprefix("http://").split(":")
    request = (
        f"POST /api/validate HTTP/1.1\r\nHost: {host}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    errors = 0
    queue = iter(range(total))

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for _ in queue:
                t = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, errors, time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400, help="requests per concurrency level")
    parser.add_argument("--example", default="huaian-2024")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="uvicorn worker processes (xlpy serve --workers)"
    )
    args = parser.parse_args()
    data = example_bytes(args.example)
    body, ctype = multipart(data, f"{args.example}.xlsx")
    rows = []
    rate_32 = 0.0
    with ServerProcess("--workers", str(args.workers)) as server:
        asyncio.run(load(server.url, body, ctype, 4, 40))  # warm-up: registers compiled, pools started
        request, job = in_turns(server.url, body, ctype, data, f"{args.example}.xlsx", min(100, args.requests))
        cpu: dict[str, float] = {}
        for clients in (1, 8, 32):
            before = tree_cpu(server.proc.pid) if clients == 32 else {}
            lat, errors, wall = asyncio.run(load(server.url, body, ctype, clients, args.requests))
            if clients == 32:
                after = tree_cpu(server.proc.pid)
                cpu = {side: (after[side] - before.get(side, 0.0)) / len(lat) for side in after}
            p99 = pct(lat, 0.99)
            if clients == 32:
                rate_32 = len(lat) / wall
            target = (
                f"p99 ≤ 50 ms, 0 errors {verdict(p99 <= 0.050 and errors == 0)}"
                if clients == 32
                else ("0 errors " + verdict(errors == 0))
            )
            rows.append(
                (
                    str(clients),
                    str(len(lat)),
                    f"{statistics.median(lat) * 1000:.1f} ms",
                    f"{p99 * 1000:.1f} ms",
                    f"{len(lat) / wall:.0f} req/s",
                    str(errors),
                    target,
                )
            )
        rss = server.rss_mb()
    overhead = request - job
    wanted = 0.8 * args.workers / job
    table(
        f"HTTP POST /api/validate ({args.example}, uvicorn on loopback, {args.workers} worker(s), {os.cpu_count()} CPUs, client in the same machine)",
        rows,
        ("clients", "requests", "p50", "p99", "throughput", "errors", "target"),
    )
    print(f"\nserver RSS after the run: {rss:.0f} MB")
    table(
        "HTTP overhead and throughput against the in-process job (same run)",
        [
            ("in-process job (read + validate + JSON)", ms(job), "baseline"),
            ("one request at a time, median (same turns)", ms(request), ""),
            ("request − in-process job", ms(overhead), f"≤ 2 ms {verdict(overhead <= 0.002)}"),
            (
                "CPU per request at 32 clients: server processes (HTTP, upload, pool hand-off)",
                ms(cpu.get("server", 0)),
                "",
            ),
            ("CPU per request at 32 clients: job processes (read + validate + JSON)", ms(cpu.get("jobs", 0)), ""),
            (
                f"throughput at 32 clients, {args.workers} worker(s)",
                f"{rate_32:.0f} req/s",
                f"≥ 0.8 × {args.workers} / job = {wanted:.0f} req/s {verdict(rate_32 >= wanted)}",
            ),
        ],
        ("figure", "value", "target"),
    )
    headline(
        "HTTP /api/validate overhead per request (request − in-process job, in turns)",
        ms(overhead),
        f"in-process job {ms(job)}; request {ms(request)}",
        f"≤ 2 ms {verdict(overhead <= 0.002)}",
    )
    headline(
        f"HTTP /api/validate throughput, 32 clients, --workers {args.workers}",
        f"{rate_32:.0f} req/s",
        f"0.8 × {args.workers} / {ms(job)} = {wanted:.0f} req/s",
        f"≥ {wanted:.0f} req/s {verdict(rate_32 >= wanted)}",
    )


def tree_cpu(root: int) -> dict[str, float]:
    """CPU seconds used so far by the server's processes and by its job processes (the conversion pools)."""
    from pathlib import Path

    out = {"server": 0.0, "jobs": 0.0}
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        # forkserver: the job processes are forked from it and keep its command line; uvicorn's own worker
        # processes (--workers N) are multiprocessing spawns, which count as server.
        side = "jobs" if b"multiprocessing.forkserver" in command else "server"
        out[side] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def in_turns(url: str, body: bytes, ctype: str, data: bytes, name: str, n: int) -> tuple[float, float]:
    """Median seconds of one /api/validate request and of the same job in this process, taken in turns."""
    import http.client

    from xlpy.server import jobs
    from xlpy.server.settings import load_settings

    settings = load_settings(environ={})
    upload = jobs.Upload(name, data)
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Content-Type": ctype}
    requests, job_times = [], []
    try:
        for i in range(n + 3):
            t = time.perf_counter()
            conn.request("POST", "/api/validate", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            took = time.perf_counter() - t
            if response.status != 200:
                raise RuntimeError(f"/api/validate answered {response.status}")
            t = time.perf_counter()
            jobs.validate_job(upload, None, settings)
            if i >= 3:  # the first turns warm the connection and this process
                requests.append(took)
                job_times.append(time.perf_counter() - t)
    finally:
        conn.close()
    return statistics.median(requests), statistics.median(job_times)


if __name__ == "__main__":
    main()
