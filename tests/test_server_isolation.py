"""An overrunning job is killed without failing the innocent jobs that were in flight on the same worker pool."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from xlpy.server.errors import ApiError
from xlpy.server.limits import Conversions
from xlpy.server.settings import Settings


def _forever() -> None:
    time.sleep(600)  # a parse that never ends


def _work(seconds: float) -> int:
    time.sleep(seconds)  # an innocent conversion that takes a while
    return os.getpid()


def test_innocent_jobs_in_flight_when_a_worker_is_killed_still_answer() -> None:
    async def scenario() -> tuple[BaseException | int, list[BaseException | int]]:
        conversions = Conversions(Settings(max_conversions=3, time_limit_seconds=20, kill_grace_seconds=0.2))
        try:
            conversions.warm()
            culprit = asyncio.ensure_future(conversions.run(_forever))
            await asyncio.sleep(19)
            # In flight when the culprit's deadline (20 s; a fresh pool may take seconds to warm on a loaded machine) and grace pass and the pool is killed.
            innocent = [asyncio.ensure_future(conversions.run(_work, 1.5)) for _ in range(2)]
            results = await asyncio.gather(culprit, *innocent, return_exceptions=True)
            return results[0], list(results[1:])
        finally:
            conversions.close()

    culprit, innocent = asyncio.run(scenario())
    assert isinstance(culprit, ApiError) and culprit.status == 504
    for result in innocent:
        assert isinstance(result, int), result  # answered (by a fresh worker), not a 500


def test_a_job_that_kills_its_worker_twice_gets_one_error_not_a_loop() -> None:
    async def scenario() -> ApiError:
        conversions = Conversions(Settings(max_conversions=1, time_limit_seconds=20))
        try:
            conversions.warm()
            with pytest.raises(ApiError) as caught:
                await conversions.run(os._exit, 3)
            return caught.value
        finally:
            conversions.close()

    assert asyncio.run(scenario()).status == 500


def test_a_stuck_job_kills_only_its_own_worker() -> None:
    """The worker beside the stuck one keeps its process (and its warm state); only the culprit's is replaced."""

    async def scenario() -> tuple[set[int], set[int], int]:
        conversions = Conversions(Settings(max_conversions=2, time_limit_seconds=1, kill_grace_seconds=0.2))
        try:
            conversions.warm()
            assert conversions.workers is not None
            before = {w.process.pid for w in conversions.workers.workers}
            culprit = asyncio.ensure_future(conversions.run(_forever))
            await asyncio.sleep(0.1)
            innocent = await conversions.run(_work, 0.1)  # the other worker answers meanwhile
            with pytest.raises(ApiError) as caught:
                await culprit
            assert caught.value.status == 504
            await asyncio.sleep(0.6)  # the grace passes: the culprit's worker is killed and replaced
            after = {w.process.pid for w in conversions.workers.workers}
            return before, after, innocent
        finally:
            conversions.close()

    before, after, innocent = asyncio.run(scenario())
    assert innocent in before and innocent in after  # untouched
    assert len(after) == 2 and len(before & after) == 1  # the other one is new


def _work_until(gate: str) -> int:
    """A conversion that ends when the test says so (the file `gate` appears), not after a fixed while."""
    deadline = time.monotonic() + 60
    while not os.path.exists(gate) and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.getpid()


async def _until(condition: Callable[[], bool]) -> None:
    """Let the event loop run until `condition` holds (at most 60 s): the pool's state, not a guessed delay."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "the pool never got there"
        await asyncio.sleep(0.01)


def test_a_client_that_leaves_the_queue_does_not_take_a_worker_with_it(tmp_path: Path) -> None:
    gate = str(tmp_path / "gate")

    async def scenario() -> tuple[int, list[int]]:
        conversions = Conversions(Settings(max_conversions=1, time_limit_seconds=60))
        try:
            conversions.warm()
            pool = conversions.workers
            assert pool is not None
            first = asyncio.ensure_future(conversions.run(_work_until, gate))
            await _until(lambda: not pool.idle)  # the first job holds the only worker
            queued = asyncio.ensure_future(conversions.run(_work, 0.1))
            await _until(lambda: len(pool.waiting) == 1)  # the second waits in the queue for it
            queued.cancel()  # the client disconnected while waiting for the only worker
            await asyncio.gather(queued, return_exceptions=True)
            assert queued.cancelled()
            Path(gate).touch()  # now the first job ends, and its worker is free again
            answered = await first
            return answered, [await conversions.run(_work, 0.01) for _ in range(3)]
        finally:
            conversions.close()

    first, later = asyncio.run(scenario())
    assert later == [first] * 3  # the one worker came back to the pool and serves on


def test_close_ends_every_worker_process() -> None:
    async def scenario() -> list[int]:
        conversions = Conversions(Settings(max_conversions=2, time_limit_seconds=10))
        conversions.warm()
        pids = [await conversions.run(_work, 0.01), await conversions.run(_work, 0.01)]
        assert conversions.workers is not None
        processes = list(conversions.workers.workers)
        conversions.close()
        assert all(not w.process.is_alive() for w in processes)
        return pids

    assert all(pid > 0 for pid in asyncio.run(scenario()))
