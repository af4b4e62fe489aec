"""The worker processes behind the conversions: one duplex pipe and one job at a time each, killed alone when stuck.

Why not concurrent.futures.ProcessPoolExecutor: its hand-off (a management thread, a call queue and a
result queue guarded by semaphores, a wake-up pipe) cost ~3 ms of the server's CPU per request, most of
the per-request overhead the HTTP bench measured; and a stuck job could only be stopped by killing the
whole pool, so the innocent jobs in flight beside it had to be run again. Here the event loop writes the
pickled job straight into the worker's pipe and is woken (`loop.add_reader`) when the answer is there.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger("xlpy.server")


class WorkerDied(Exception):
    """The worker process ended (crashed, killed for memory or for overrunning) before it answered."""


def serve(conn: Connection, memory_mb: int) -> None:
    """The worker's loop: receive a pickled (function, args), send back the pickled (ok, result or exception)."""
    from xlpy.server.limits import warm_worker

    warm_worker(memory_mb)
    while True:
        try:
            request = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the server closed the pipe: leave normally, so multiprocessing's finalizers run
        try:
            func, args = pickle.loads(request)
            answer = pickle.dumps((True, func(*args)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 — every failure goes back to the request that caused it
            answer = _pickled_failure(exc)
        del request
        try:
            conn.send_bytes(answer)
        except (EOFError, OSError):
            return


def _pickled_failure(exc: BaseException) -> bytes:
    try:
        return pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 — an exception that cannot be pickled still answers, as a RuntimeError
        return pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))


class Worker:
    """One warm process forked from the forkserver, and the server's end of its pipe."""

    def __init__(self, context: Any, memory_mb: int) -> None:
        parent, child = context.Pipe(duplex=True)
        # daemon: if the server dies without its shutdown, multiprocessing's exit handler still ends us.
        self.process = context.Process(target=serve, args=(child, memory_mb), daemon=True, name="xlpy-worker")
        self.process.start()
        child.close()  # only the worker holds that end now, so its death reads as end-of-file here
        self.conn: Connection = parent
        self.busy: asyncio.Future[Any] | None = None

    def start_job(self, loop: asyncio.AbstractEventLoop, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """Send one job; `self.busy` resolves with its result, its exception, or WorkerDied."""
        future: asyncio.Future[Any] = loop.create_future()
        self.busy = future
        fd = self.conn.fileno()

        def readable() -> None:
            loop.remove_reader(fd)
            if future.done():
                return
            try:
                ok, value = pickle.loads(self.conn.recv_bytes())
            except (EOFError, OSError):
                future.set_exception(WorkerDied())
                return
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

        try:
            # The worker is idle and reading, so this returns as soon as the upload is in its pipe.
            self.conn.send_bytes(pickle.dumps((func, args), protocol=pickle.HIGHEST_PROTOCOL))
        except (EOFError, OSError):
            future.set_exception(WorkerDied())
            return
        loop.add_reader(fd, readable)

    def kill(self) -> None:
        """End the process now (a stuck job); its job, if any, gets WorkerDied."""
        self._abandon()
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def _abandon(self) -> None:
        # Before the pipe closes: the event loop must not keep watching a closed descriptor.
        if self.busy is not None and not self.busy.done():
            try:
                self.busy.get_loop().remove_reader(self.conn.fileno())
                self.busy.set_exception(WorkerDied())
            except (OSError, ValueError, RuntimeError):
                pass  # the loop is already closed: nobody waits for the answer

    def stop(self, timeout: float) -> None:
        """Close the pipe (the worker leaves its loop normally), wait, and kill it if it does not go."""
        self._abandon()
        self.conn.close()
        self.process.join(timeout=timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=timeout)


class WorkerPool:
    """`size` workers; a job waits for an idle one. The one with a stuck job is killed and replaced, alone."""

    def __init__(self, size: int, memory_mb: int) -> None:
        import multiprocessing

        # forkserver: never fork a process that already runs an event loop and threads. The forkserver
        # itself imports the pipeline and compiles the registers once (preload), so a worker forked from
        # it is warm at once: replacing a killed worker takes milliseconds, not the ~2 s of a cold start.
        multiprocessing.set_forkserver_preload(["xlpy.server.preload"])
        self.context = multiprocessing.get_context("forkserver")
        self.size, self.memory_mb = size, memory_mb
        self.workers: list[Worker] = []
        self.idle: list[Worker] = []
        self.waiting: deque[asyncio.Future[Worker]] = deque()
        self.closed = False

    def start(self) -> None:
        """Start the missing workers (at start-up, so the first clerks do not wait for them)."""
        while len(self.workers) < self.size and not self.closed:
            self._add()

    def _add(self) -> Worker:
        worker = Worker(self.context, self.memory_mb)
        self.workers.append(worker)
        self._release(worker)
        return worker

    async def acquire(self, timeout: float) -> Worker | None:
        """An idle worker, or None when none came free within `timeout` seconds."""
        self.start()
        if self.idle:
            return self.idle.pop()
        waiter: asyncio.Future[Worker] = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        try:
            await asyncio.wait([waiter], timeout=timeout)
        except asyncio.CancelledError:
            # The client went away while queued: a worker handed to it meanwhile goes to the next one.
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())
            raise
        finally:
            if not waiter.done():
                waiter.cancel()
                self.waiting.remove(waiter)
        if waiter.cancelled():
            return None  # the pool was closed
        return waiter.result() if waiter.done() else None

    def _release(self, worker: Worker) -> None:
        worker.busy = None
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self.idle.append(worker)

    def run(self, worker: Worker, func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Start `func(*args)` on an acquired worker; it is released (or replaced, if it died) when the job ends."""
        worker.start_job(asyncio.get_running_loop(), func, args)
        future = worker.busy
        assert future is not None

        def ended(f: asyncio.Future[Any]) -> None:
            if worker not in self.workers:
                return  # killed and already replaced
            if isinstance(f.exception() if not f.cancelled() else None, WorkerDied):
                self._replace(worker)
            else:
                self._release(worker)

        future.add_done_callback(ended)
        return future

    def reap(self, worker: Worker, future: asyncio.Future[Any]) -> None:
        """Kill the worker if it is still on this job (overran its deadline and the grace), and replace it."""
        if worker.busy is future and not future.done():
            log.warning("a conversion overran its time limit: restarting its worker process")
            self._replace(worker)

    def _replace(self, worker: Worker) -> None:
        if worker in self.workers:
            self.workers.remove(worker)
        worker.kill()
        if not self.closed:
            self._add()

    def close(self) -> None:
        """Stop every worker: idle ones leave at end-of-file, busy ones are killed after 5 s."""
        self.closed = True
        for waiter in self.waiting:
            waiter.cancel()
        for worker in self.workers:
            worker.stop(timeout=5)
        self.workers, self.idle = [], []
