"""Request limits: body size while streaming, and bounded, timed conversions (the zip check is the reader's)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xlpy.server.errors import ApiError, error_body
from xlpy.server.settings import Settings

if TYPE_CHECKING:
    from xlpy.server.workers import WorkerPool

T = TypeVar("T")
log = logging.getLogger("xlpy.server")


class BodyLimitMiddleware:
    """Refuse a request body over `limit` bytes with 413: at once by Content-Length, else while it streams.

    Counting the streamed bytes matters because a chunked upload has no Content-Length, and the multipart
    parser would otherwise spool the whole thing to disk before any handler could say no.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await _send_413(send, self.limit)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # FastAPI re-raises HTTP exceptions from body parsing; ApiError is mapped by the handler.
                    from fastapi import HTTPException

                    raise HTTPException(413, too_large_message(self.limit))
            return message

        await self.app(scope, counting_receive, send)


def too_large_message(limit: int) -> str:
    return f"上传的文件过大（上限 {limit / 1024 / 1024:.1f} MB）。年报工作簿通常不足 1 MB，请确认选择的文件是否正确。"


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_413(send: Send, limit: int) -> None:
    import json

    body = json.dumps(error_body(413, too_large_message(limit)), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Conversions:
    """At most `max_conversions` CPU-bound jobs at once, each within the time limit.

    `executor = "processes"` (the default) runs jobs in warm worker processes (xlpy/server/workers.py):
    validation is pure Python, and threads would share one GIL with the event loop, which then stalls
    behind them (measured: throughput fell by two thirds from 8 to 32 clients). A job still running
    `kill_grace_seconds` after its deadline has its worker killed and replaced, so a pathological file
    cannot hold a worker for ever; the jobs on the other workers are not touched. `"threads"` keeps
    everything in one process (handy for tests that patch a job); there an overrunning job keeps its
    thread until it ends, and the client gets 504 at the deadline regardless.
    """

    def __init__(self, settings: Settings) -> None:
        from xlpy.server.workers import WorkerPool

        self.settings = settings
        self.workers: WorkerPool | None = None
        self.threads: ThreadPoolExecutor | None = None
        if settings.executor == "processes":
            self.workers = WorkerPool(settings.max_conversions, settings.worker_memory_mb)
        else:
            self.threads = ThreadPoolExecutor(max_workers=settings.max_conversions, thread_name_prefix="xlpy-job")
        self._slots: asyncio.Semaphore | None = None

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        from xlpy.server.workers import WorkerDied

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.time_limit_seconds
        if self.workers is None:
            return await self._in_thread(loop, deadline, func, *args)
        for attempt in (1, 2):
            try:
                return await self._in_worker(self.workers, loop, deadline, func, *args)
            except WorkerDied:
                # A worker died (killed for memory, crashed): it is replaced at once, and the job is run
                # once more on another — an innocent request must not fail because its worker was unlucky.
                if attempt == 1 and loop.time() < deadline:
                    log.warning("a worker process died: running its job once more")
                    continue
                raise ApiError(500, "处理进程意外退出，请重试；如反复出现请联系管理员") from None
        raise AssertionError("unreachable")

    async def _in_worker(
        self, pool: WorkerPool, loop: asyncio.AbstractEventLoop, deadline: float, func: Callable[..., T], *args: Any
    ) -> T:
        worker = await pool.acquire(max(0.0, deadline - loop.time()))
        if worker is None:
            raise _busy()
        future = pool.run(worker, func, *args)
        future.add_done_callback(_retrieved)
        try:
            # shield: the worker's job runs on when the client stops waiting (its slot is freed when it ends).
            return await asyncio.wait_for(asyncio.shield(future), timeout=max(0.0, deadline - loop.time()))
        except TimeoutError:
            loop.call_later(self.settings.kill_grace_seconds, pool.reap, worker, future)
            raise _overran(self.settings.time_limit_seconds) from None
        except MemoryError:
            raise _too_much_memory() from None

    async def _in_thread(
        self, loop: asyncio.AbstractEventLoop, deadline: float, func: Callable[..., T], *args: Any
    ) -> T:
        slots = self._semaphore()
        try:
            await asyncio.wait_for(slots.acquire(), timeout=max(0.0, deadline - loop.time()))
        except TimeoutError:
            raise _busy() from None
        try:
            future = loop.run_in_executor(self.threads, func, *args)
        except BaseException:
            slots.release()
            raise
        # The slot is freed when the work really ends, not when the client stops waiting.
        future.add_done_callback(lambda f: _finished(f, slots))
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout=max(0.0, deadline - loop.time()))
        except TimeoutError:
            raise _overran(self.settings.time_limit_seconds) from None
        except MemoryError:
            raise _too_much_memory() from None

    def _semaphore(self) -> asyncio.Semaphore:
        # Created lazily: it belongs to the event loop that serves the requests.
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.max_conversions)
        return self._slots

    def warm(self) -> None:
        """Start every worker now (forked warm from the forkserver), so the first clerks do not wait for it."""
        if self.workers is not None:
            self.workers.start()

    def close(self) -> None:
        """Stop the worker processes (the app's lifespan calls this on shutdown)."""
        if self.workers is not None:
            self.workers.close()
        if self.threads is not None:
            self.threads.shutdown(wait=False, cancel_futures=True)


def _busy() -> ApiError:
    return ApiError(503, "服务器繁忙，当前排队的校验任务过多，请稍后再试", headers={"Retry-After": "5"})


def _overran(limit: float) -> ApiError:
    return ApiError(504, f"处理超时（超过 {limit:g} 秒），请检查文件是否过大或稍后再试")


def _too_much_memory() -> ApiError:
    # The worker's memory cap stopped a parse that would have swamped the server.
    return ApiError(413, "处理该文件所需的内存超过服务器上限，文件可能过大或已损坏，已拒绝处理。")


def _retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: a job whose client already got 504 must not log "never retrieved"


def _finished(future: asyncio.Future[Any], slots: asyncio.Semaphore) -> None:
    slots.release()
    _retrieved(future)


def warm_worker(memory_mb: int = 0) -> None:
    """Cap the worker's memory, import the pipeline and compile the rule registers (once per process)."""
    if memory_mb > 0:
        import resource

        limit = memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(
                resource.RLIMIT_AS, (limit, limit if hard == resource.RLIM_INFINITY else min(hard, limit))
            )
    warm_pipeline()


def warm_pipeline() -> None:
    """Import the pipeline and compile every rule register (cached per process; done once in the forkserver)."""
    import xlpy.reader
    import xlpy.validate  # noqa: F401
    from xlpy.rules.register import load_register
    from xlpy.schema import known_versions

    for version in known_versions():
        load_register(version)
