"""Publishing a service's stored events again, for a broker that lost its log.

    python -m usage.republish --from 0                          # every event usage ever stored
    python -m usage.republish --from 2026-11-30T08:00:00+02:00  # those recorded since then

Each publishing service has this thin entry (`issuance.republish`, `venues.republish`,
`usage.republish`); it reads the service's own variables (`USAGE_DATABASE_URL`,
`USAGE_KAFKA_BOOTSTRAP_SERVERS`, …). The service may keep running: consumers dedupe by event id, so
events that were not lost arrive twice and change nothing. Afterwards the losses the service's
watch recorded are cleared, and /ready and `leisure_broker_log_lost_partitions` are back to normal.
"""

import argparse
import asyncio
from datetime import datetime

from leisure_runtime.app import relay_producer
from leisure_runtime.broker_log import forget_losses
from leisure_runtime.database import create_pool
from leisure_runtime.metrics import RuntimeMetrics
from leisure_runtime.outbox import OutboxRelay
from leisure_runtime.settings import ServiceSettings


def from_argument(text: str) -> int | datetime:
    """An event store position, or an ISO 8601 time with its offset."""
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a position (0 for everything) nor a time like 2026-11-30T08:00:00+02:00") from None
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset; add one, e.g. +02:00 or Z")
    return when


async def republish(settings: ServiceSettings, start: int | datetime) -> tuple[int, int]:
    """Publish every stored event from `start` on; returns (events published, partitions whose
    recorded loss is now cleared)."""
    pool = await create_pool(settings.database_url, 2)
    producer = relay_producer(settings)
    try:
        await producer.start()
        position = start if isinstance(start, int) else await pool.fetchval(
            "SELECT coalesce(min(position), (SELECT coalesce(max(position), 0) + 1 FROM events)) "
            "FROM events WHERE recorded_at >= $1", start)
        relay = OutboxRelay(pool, producer, source=f"/leisure-pass/{settings.service_name}",
                            metrics=RuntimeMetrics(settings.service_name), batch_size=settings.relay_batch_size)
        published = await relay.republish_from(position)
        cleared = await forget_losses(pool)
        return published, cleared
    finally:
        await producer.stop()
        await pool.close()


def main(service_name: str, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m {service_name}.republish",
        description=f"Publish {service_name}'s stored events again, after the broker lost its log.")
    parser.add_argument("--from", dest="start", required=True, type=from_argument,
                        help="an event store position (0: everything) or an ISO time with offset")
    args = parser.parse_args(argv)
    settings = ServiceSettings.for_service(service_name)
    published, cleared = asyncio.run(republish(settings, args.start))
    print(f"{service_name}: published {published} events again from {args.start}; "
          f"cleared the loss of {cleared} partitions")
    return 0

