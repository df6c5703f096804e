"""Sending queued messages, at least once: a message is marked sent only after the gateway took
it, with our message id as its reference; a failed try waits a doubling delay; a message whose
holder's consent is gone by then is cancelled, never sent."""

import asyncio

import asyncpg

from leisure_runtime.logging import get_logger
from notifications.adapters import store
from notifications.adapters.gateways import GatewayRefused, SmsGateway
from notifications.adapters.metrics import NotificationsMetrics
from notifications.settings import NotificationsSettings

log = get_logger(__name__)


async def send_due(pool: asyncpg.Pool, gateway: SmsGateway, settings: NotificationsSettings,
                   metrics: NotificationsMetrics, lease_seconds: float) -> int:
    """Send one batch of due messages concurrently; return how many were tried."""
    async with pool.acquire() as conn:
        due = await store.claim_due(conn, settings.sms_batch_size, lease_seconds)
    await asyncio.gather(*(_send(pool, gateway, settings, metrics, message) for message in due))
    return len(due)


async def _send(pool: asyncpg.Pool, gateway: SmsGateway, settings: NotificationsSettings,
                metrics: NotificationsMetrics, message: store.DueMessage) -> None:
    if message.phone_number is None:
        async with pool.acquire() as conn:
            await store.record_cancelled(conn, message.message_id)
        metrics.messages("cancelled").inc()
        return
    try:
        await gateway.send(message.phone_number, message.body, message.message_id)
    except GatewayRefused as refused:
        attempts = message.attempts + 1
        give_up = attempts >= settings.sms_max_attempts
        async with pool.acquire() as conn:
            await store.record_failure(conn, message.message_id, str(refused), give_up,
                                       settings.retry_delay(attempts))
        metrics.messages("given_up" if give_up else "retrying").inc()
        log.warning("the SMS gateway did not take a message", message_id=str(message.message_id),
                    attempts=attempts, error=str(refused), given_up=give_up)
        return
    async with pool.acquire() as conn:
        await store.record_sent(conn, message.message_id)
    metrics.messages("sent").inc()
