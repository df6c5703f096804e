"""keep_running: the loop behind every background sender and sweep of the services."""

import asyncio

import pytest

from leisure_runtime.cancellation import keep_running


async def test_a_failing_step_is_tried_again_and_more_work_is_taken_at_once(monkeypatch):
    outcomes = iter([RuntimeError("database away"), True, True, False, True])
    calls, pauses = [], []

    async def step() -> bool:
        calls.append(len(pauses))
        outcome = next(outcomes, None)
        if outcome is None:
            raise asyncio.CancelledError
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    real_sleep = asyncio.sleep

    async def counted_sleep(seconds):
        pauses.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", counted_sleep)
    with pytest.raises(asyncio.CancelledError):
        await keep_running(step, 7.0, "step failed")
    # failure -> pause; True, True -> no pause; False -> pause; True -> no pause; then cancelled.
    assert calls == [0, 1, 1, 1, 2, 2]
    assert pauses == [7.0, 7.0]


async def test_cancelling_the_task_stops_the_loop():
    started = asyncio.Event()

    async def step() -> bool:
        started.set()
        return False

    task = asyncio.create_task(keep_running(step, 60, "step failed"))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
