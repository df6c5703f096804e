"""Background loops that retry on errors must still stop when cancelled."""

import asyncio


def stop_if_cancelled() -> None:
    """Raise CancelledError if the current task was asked to stop.

    Call it where a retry loop catches an error: asyncio.wait_for on Python 3.11 (used by asyncpg
    to connect) can swallow a cancellation that arrives as the awaited call fails, and hand back
    that call's error instead; the loop would then retry for ever and its service never stop."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
