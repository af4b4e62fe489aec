"""Request limits: body size while streaming, and bounded, timed conversions (the zip check is the reader's)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xlpy.server.errors import ApiError, error_body
from xlpy.server.settings import Settings

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

    `executor = "processes"` (the default) runs jobs in a pool of warm worker processes: validation is
    pure Python, and threads would share one GIL with the event loop, which then stalls behind them
    (measured: throughput fell by two thirds from 8 to 32 clients). A job still running
    `kill_grace_seconds` after its deadline has its pool's workers killed and replaced, so a
    pathological file cannot hold a worker for ever (other jobs then in flight get a retryable 500).
    `"threads"` keeps everything in one process (handy for tests that patch a job); there an
    overrunning job keeps its thread until it ends, and the client gets 504 at the deadline regardless.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool = self._new_pool()
        self._slots: asyncio.Semaphore | None = None

    def _new_pool(self) -> Executor:
        settings = self.settings
        if settings.executor == "processes":
            import multiprocessing

            # forkserver: never fork a process that already runs an event loop and threads. The forkserver
            # itself imports the pipeline and compiles the registers once (preload), so a worker forked from
            # it is warm at once: replacing a killed pool then takes milliseconds, not the ~2 s per worker
            # (×4, on 2 loaded cores) that made the innocent jobs retried on the fresh pool time out too.
            multiprocessing.set_forkserver_preload(["xlpy.server.preload"])
            return ProcessPoolExecutor(
                max_workers=settings.max_conversions,
                initializer=warm_worker,
                initargs=(settings.worker_memory_mb,),
                mp_context=multiprocessing.get_context("forkserver"),
            )
        return ThreadPoolExecutor(max_workers=settings.max_conversions, thread_name_prefix="xlpy-job")

    def _semaphore(self) -> asyncio.Semaphore:
        # Created lazily: it belongs to the event loop that serves the requests.
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.max_conversions)
        return self._slots

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        limit = self.settings.time_limit_seconds
        deadline = loop.time() + limit
        for attempt in (1, 2):
            pool = self.pool
            try:
                return await self._run_once(loop, pool, deadline, func, *args)
            except BrokenProcessPool:
                # A worker died (killed for memory, crashed, or reaped because *another* job overran):
                # the next request gets a fresh pool, and a job that was merely in flight on the dead
                # pool is run once more there — an innocent request must not fail with the culprit.
                self._replace(pool)
                if attempt == 1 and loop.time() < deadline:
                    log.warning("a worker process died: running its in-flight job once more")
                    continue
                raise ApiError(500, "处理进程意外退出，请重试；如反复出现请联系管理员") from None
        raise AssertionError("unreachable")

    async def _run_once(
        self, loop: asyncio.AbstractEventLoop, pool: Executor, deadline: float, func: Callable[..., T], *args: Any
    ) -> T:
        limit = self.settings.time_limit_seconds
        slots = self._semaphore()
        try:
            await asyncio.wait_for(slots.acquire(), timeout=max(0.0, deadline - loop.time()))
        except TimeoutError:
            raise ApiError(
                503, "服务器繁忙，当前排队的校验任务过多，请稍后再试", headers={"Retry-After": "5"}
            ) from None
        try:
            future = loop.run_in_executor(pool, func, *args)
        except BaseException:
            slots.release()
            raise
        # The slot is freed when the work really ends, not when the client stops waiting.
        future.add_done_callback(lambda f: _finished(f, slots))
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout=max(0.0, deadline - loop.time()))
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if future.cancelled() and (task is None or not task.cancelling()):
                # Not our request being cancelled: a replaced pool's shutdown cancelled this queued job
                # (it was a plain-text 500 "Internal Server Error"); it is retried like one in flight.
                raise BrokenProcessPool("the job's pool was replaced before it ran") from None
            raise
        except TimeoutError:
            if isinstance(pool, ProcessPoolExecutor):
                loop.call_later(self.settings.kill_grace_seconds, self._reap, pool, future)
            raise ApiError(504, f"处理超时（超过 {limit:g} 秒），请检查文件是否过大或稍后再试") from None
        except MemoryError:
            # The worker's memory cap stopped a parse that would have swamped the server.
            raise ApiError(413, "处理该文件所需的内存超过服务器上限，文件可能过大或已损坏，已拒绝处理。") from None

    def _reap(self, pool: Executor, future: asyncio.Future[Any]) -> None:
        if not future.done():
            log.warning(
                "a conversion overran its time limit by %ss: restarting the worker processes",
                self.settings.kill_grace_seconds,
            )
            self._replace(pool, kill=True)

    def _replace(self, pool: Executor, *, kill: bool = False) -> None:
        """Swap in a fresh pool once, however many requests saw the old one fail."""
        if self.pool is not pool:
            return
        self.pool = self._new_pool()
        self._slots = None  # the old semaphore is released by the old pool's futures as they fail
        if kill:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        if isinstance(self.pool, ProcessPoolExecutor):
            # Start the new workers now rather than on the next clerk's request.
            for _ in range(self.settings.max_conversions):
                self.pool.submit(warm_worker, self.settings.worker_memory_mb)

    def warm(self) -> None:
        """Start every worker now (registers compiled), so the first clerks do not wait for it."""
        if isinstance(self.pool, ProcessPoolExecutor):
            limit = self.settings.worker_memory_mb
            for f in [self.pool.submit(warm_worker, limit) for _ in range(self.settings.max_conversions)]:
                f.result()

    def close(self) -> None:
        """Stop the worker processes (the app's lifespan calls this on shutdown).

        shutdown(wait=False) alone left the workers — and so their forkserver — running after the
        server exited: every restart of `xlpy serve` leaked three processes.
        """
        pool = self.pool
        processes = list((getattr(pool, "_processes", None) or {}).values())
        # Taken now: shutdown() drops the executor's references to its queues.
        queues = [getattr(pool, name, None) for name in ("_call_queue", "_result_queue")]
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        if isinstance(pool, ProcessPoolExecutor):
            pool.shutdown(wait=True)  # the manager thread is gone and has closed the queues
            release_semaphores(queues)


def release_semaphores(queues: list[Any]) -> None:
    """Unlink a closed pool's queue semaphores now, while the resource tracker still listens.

    Left to the interpreter's exit, a SIGTERM'd server sometimes got there after its resource tracker
    had read the end of its pipe: the log then said "There appear to be 5 leaked semaphore objects"
    and "[Errno 2] No such file or directory" (tests/test_serve_shutdown.py checks the log).
    """
    from multiprocessing import util

    locks = [getattr(queue, attr, None) for queue in queues for attr in ("_rlock", "_wlock", "_sem")]
    wanted = {id(lock) for lock in locks if lock is not None}
    for finalizer in list(util._finalizer_registry.values()):  # type: ignore[attr-defined]
        target = finalizer._weakref() if getattr(finalizer, "_weakref", None) is not None else None
        if id(target) in wanted:
            finalizer()  # SemLock._cleanup: sem_unlink, then unregister with the tracker


def _finished(future: asyncio.Future[Any], slots: asyncio.Semaphore) -> None:
    slots.release()
    if not future.cancelled():
        future.exception()  # retrieved: a job whose client already got 504 must not log "never retrieved"


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
