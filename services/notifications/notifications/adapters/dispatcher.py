"""The service's two background tasks until it stops: sending due messages, and erasing the
numbers of cards that have expired (expiry is a date, not an event)."""

import asyncio
import contextlib
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from leisure_runtime.cancellation import keep_running
from leisure_runtime.logging import get_logger
from notifications.adapters import store
from notifications.adapters.gateways import SmsGateway
from notifications.adapters.metrics import NotificationsMetrics
from notifications.application import consents
from notifications.application.sending import send_due
from notifications.settings import NotificationsSettings

log = get_logger(__name__)
FINLAND = ZoneInfo("Europe/Helsinki")
PENDING_COUNTED_EVERY_SECONDS = 5.0


class Dispatcher:
    def __init__(self, pool: asyncpg.Pool, gateway: SmsGateway, settings: NotificationsSettings,
                 metrics: NotificationsMetrics) -> None:
        self._pool = pool
        self._gateway = gateway
        self._settings = settings
        self._metrics = metrics
        self._tasks: list[asyncio.Task] = []
        self._pending_counted_at = float("-inf")

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._send_forever(), name="sms-sender"),
                       asyncio.create_task(self._sweep_forever(), name="sms-expiry-sweep")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._gateway.close()

    async def _send_forever(self) -> None:
        s = self._settings
        # A lease outlasts a try; a sender that dies mid-send leaves the message to be tried again.
        lease = s.sms_timeout_seconds * 2 + 5

        async def send() -> bool:
            tried = await send_due(self._pool, self._gateway, s, self._metrics, lease)
            await self._count_pending()
            return tried >= s.sms_batch_size

        await keep_running(send, s.sms_poll_interval_seconds, "sending text messages failed; trying again")

    async def _sweep_forever(self) -> None:
        async def sweep() -> bool:
            erased = await consents.erase_expired(self._pool, self._metrics, datetime.now(FINLAND).date())
            if erased:
                log.info("numbers of expired cards erased", consents_ended=erased)
            return False

        await keep_running(sweep, self._settings.expiry_sweep_seconds,
                           "erasing the numbers of expired cards failed; trying again")

    async def _count_pending(self) -> None:
        if time.monotonic() - self._pending_counted_at < PENDING_COUNTED_EVERY_SECONDS:
            return
        self._pending_counted_at = time.monotonic()
        async with self._pool.acquire() as conn:
            self._metrics.pending.set(await store.pending_count(conn))
