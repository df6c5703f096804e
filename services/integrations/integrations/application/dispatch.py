"""Sending due webhook deliveries, at least once: a delivery is recorded as delivered only after the
receiver answered 2xx; a failed try is retried with doubling delays until the delivery gives up,
and a subscription that fails too many times in a row is disabled."""

import asyncio
import time
from collections.abc import Awaitable, Callable

import asyncpg

from integrations.adapters import store
from integrations.adapters.metrics import IntegrationsMetrics
from integrations.domain.signatures import SIGNATURE_HEADER, signature
from integrations.domain.webhooks import DeliveryRules
from leisure_runtime.logging import get_logger

log = get_logger(__name__)

Send = Callable[[str, dict[str, str], bytes], Awaitable[int]]
"""POST the body with the headers to the URL; the answer's status code, or an OSError-like failure."""


class SendFailed(Exception):
    """The receiver could not be reached or did not answer in time."""


def request_headers(delivery: store.DueDelivery, now: int) -> dict[str, str]:
    return {
        "Content-Type": "application/cloudevents+json",
        SIGNATURE_HEADER: signature(delivery.secret, now, delivery.body),
        "Leisure-Event-Id": str(delivery.event_id),
        "Leisure-Event-Type": delivery.event_type,
        "Leisure-Delivery-Id": str(delivery.delivery_id),
        "Leisure-Delivery-Attempt": str(delivery.attempts + 1),
    }


async def dispatch_due(pool: asyncpg.Pool, send: Send, rules: DeliveryRules, metrics: IntegrationsMetrics,
                       batch_size: int, lease_seconds: float) -> int:
    """Send one batch of due deliveries concurrently; return how many were tried."""
    async with pool.acquire() as conn:
        due = await store.claim_due(conn, batch_size, lease_seconds)
    await asyncio.gather(*(_deliver(pool, send, rules, metrics, delivery) for delivery in due))
    return len(due)


async def _deliver(pool: asyncpg.Pool, send: Send, rules: DeliveryRules, metrics: IntegrationsMetrics,
                   delivery: store.DueDelivery) -> None:
    status_code, error = None, ""
    try:
        status_code = await send(delivery.url, request_headers(delivery, int(time.time())), delivery.body)
    except SendFailed as failure:
        error = str(failure)
    async with pool.acquire() as conn:
        if status_code is not None and 200 <= status_code < 300:
            await store.record_success(conn, delivery, status_code)
            metrics.webhook_deliveries("delivered").inc()
            return
        attempts = delivery.attempts + 1
        give_up = rules.gives_up(attempts)
        failures = await store.record_failure(conn, delivery, status_code, error or f"answered {status_code}",
                                              give_up, rules.retry_delay(attempts))
        metrics.webhook_deliveries("given_up" if give_up else "retrying").inc()
        if rules.disables(failures):
            reason = f"{failures} failed deliveries in a row; the last: {error or f'answered {status_code}'}"
            if await store.disable(conn, delivery.subscription_id, reason):
                metrics.webhook_subscriptions_disabled.inc()
                log.warning("webhook subscription disabled", subscription_id=str(delivery.subscription_id),
                            failures=failures)
