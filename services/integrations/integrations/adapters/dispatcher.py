"""The webhook dispatcher: a task that sends due deliveries over HTTP until the service stops."""

import asyncio
import contextlib
import time

import asyncpg
import httpx

from integrations.adapters import store
from integrations.adapters.metrics import IntegrationsMetrics
from integrations.application.dispatch import SendFailed, dispatch_due
from integrations.settings import IntegrationsSettings
from leisure_runtime.cancellation import keep_running

PENDING_COUNTED_EVERY_SECONDS = 5.0


class WebhookDispatcher:
    def __init__(self, pool: asyncpg.Pool, settings: IntegrationsSettings, metrics: IntegrationsMetrics) -> None:
        self._pool = pool
        self._settings = settings
        self._metrics = metrics
        self._client = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False)
        self._task: asyncio.Task | None = None
        self._pending_counted_at = float("-inf")

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._client.aclose()

    async def _send(self, url: str, headers: dict[str, str], body: bytes) -> int:
        try:
            return (await self._client.post(url, headers=headers, content=body)).status_code
        except httpx.HTTPError as error:
            raise SendFailed(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__) from error

    async def _run(self) -> None:
        s = self._settings
        # A lease outlasts a try; a dispatcher that dies mid-send leaves the delivery to be tried again.
        lease = s.webhook_timeout_seconds * 2 + 5

        async def dispatch() -> bool:
            sent = await dispatch_due(self._pool, self._send, s.delivery_rules(), self._metrics,
                                      s.webhook_batch_size, lease)
            await self._count_pending()
            return sent >= s.webhook_batch_size

        await keep_running(dispatch, s.webhook_poll_interval_seconds, "dispatching webhooks failed; trying again")

    async def _count_pending(self) -> None:
        if time.monotonic() - self._pending_counted_at < PENDING_COUNTED_EVERY_SECONDS:
            return
        self._pending_counted_at = time.monotonic()
        async with self._pool.acquire() as conn:
            self._metrics.webhook_pending.set(await store.pending_count(conn))
