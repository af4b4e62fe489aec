"""An overrunning job is killed without failing the innocent jobs that were in flight on the same worker pool."""

from __future__ import annotations

import asyncio
import os
import time

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
