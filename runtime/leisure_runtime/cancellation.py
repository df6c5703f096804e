"""Background loops that retry on errors must still stop when cancelled."""

import asyncio
from collections.abc import Awaitable, Callable

from leisure_runtime.logging import get_logger

log = get_logger(__name__)


def stop_if_cancelled() -> None:
    """Raise CancelledError if the current task was asked to stop.

    Call it where a retry loop catches an error: asyncio.wait_for on Python 3.11 (used by asyncpg
    to connect) can swallow a cancellation that arrives as the awaited call fails, and hand back
    that call's error instead; the loop would then retry for ever and its service never stop."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def keep_running(step: Callable[[], Awaitable[bool]], pause_seconds: float, failure: str) -> None:
    """Run `step` until cancelled: at once again while it says more work waits (True), else after
    `pause_seconds`. A step that fails is logged as `failure` and tried again after the pause."""
    while True:
        try:
            more = await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            stop_if_cancelled()
            log.exception(failure)
            more = False
        if not more:
            await asyncio.sleep(pause_seconds)
