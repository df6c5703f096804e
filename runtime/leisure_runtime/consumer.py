"""The idempotent consumer: applies events to a read model exactly once, whatever is redelivered.

Each event is applied and recorded in `processed_events` in one transaction, so a redelivery or a
republish (which arrives at a new offset) finds it recorded and changes nothing. The offset is
acknowledged only after that commit: a crash in between means a redelivery, never a loss.

A message that is not a valid event of a known type, or that its handler rejects for good, goes to
the topic's dead-letter topic with the reason in its headers, and the consumer goes on.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timezone

import asyncpg
import structlog
from aiokafka.structs import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from leisure_contracts.base import Event
from leisure_contracts.envelope import CloudEventAttributes
from leisure_contracts.registry import UndecodableMessage, decode
from leisure_contracts.topics import dead_letter_topic
from leisure_runtime.logging import get_logger
from leisure_runtime.metrics import RuntimeMetrics

log = get_logger(__name__)

EventHandler = Callable[[asyncpg.Connection, CloudEventAttributes, Event], Awaitable[None]]
RETRY_DELAY_SECONDS = 1.0


class RejectedEvent(Exception):
    """A handler's verdict that a valid event can never be applied: it goes to the dead letters."""


class IdempotentConsumer:
    def __init__(self, name: str, topics: Sequence[str], handlers: Mapping[type[Event], EventHandler]) -> None:
        self.name = name
        self.topics = list(topics)
        self._handlers = {event_class.event_type(): handler for event_class, handler in handlers.items()}

    def subscribe(
        self,
        broker: KafkaBroker,
        pool: asyncpg.Pool,
        metrics: RuntimeMetrics,
        *,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
    ) -> None:
        """Register on the broker, as its own consumer group named after the consumer."""

        async def on_message(message: KafkaMessage) -> None:
            await self.handle(message.raw_message, pool, broker, metrics)

        broker.subscriber(
            *self.topics,
            group_id=self.name,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
            title=f"{self.name}",
        )(on_message)

    async def handle(
        self, record: ConsumerRecord, pool: asyncpg.Pool, broker: KafkaBroker, metrics: RuntimeMetrics
    ) -> None:
        structlog.contextvars.clear_contextvars()
        try:
            attributes, event = decode(record.headers, record.value)
        except UndecodableMessage as error:
            await self._dead_letter(record, error.reason, broker, metrics)
            return
        handler = self._handlers.get(attributes.type)
        if handler is None:
            return
        structlog.contextvars.bind_contextvars(event_id=str(attributes.id), event_type=attributes.type)
        try:
            applied = await self._apply_once(pool, attributes, event, handler)
        except RejectedEvent as error:
            await self._dead_letter(record, str(error), broker, metrics)
            return
        except Exception:
            # Not the message's fault (database or a bug): wait, then let it be redelivered.
            log.exception("applying event failed; it will be redelivered", consumer=self.name)
            await asyncio.sleep(RETRY_DELAY_SECONDS)
            raise
        metrics.events_consumed(self.name, attributes.type, "applied" if applied else "duplicate").inc()
        metrics.consumer_lag_seconds(self.name).set(
            max(0.0, (datetime.now(timezone.utc) - attributes.time).total_seconds())
        )

    async def _apply_once(self, pool, attributes: CloudEventAttributes, event: Event, handler: EventHandler) -> bool:
        async with pool.acquire() as conn, conn.transaction():
            first_time = await conn.fetchval(
                "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING RETURNING true",
                self.name, attributes.id,
            )
            if first_time:
                await handler(conn, attributes, event)
            return bool(first_time)

    async def _dead_letter(self, record: ConsumerRecord, reason: str, broker: KafkaBroker, metrics) -> None:
        headers = {name: value.decode(errors="replace") for name, value in record.headers or ()}
        headers.update({
            "dlq_reason": reason[:2000],
            "dlq_consumer": self.name,
            "dlq_topic": record.topic,
            "dlq_partition": str(record.partition),
            "dlq_offset": str(record.offset),
        })
        topic = dead_letter_topic(record.topic)
        await broker.publish(record.value or b"", topic=topic, key=record.key, headers=headers)
        metrics.dead_letters(self.name, record.topic).inc()
        log.warning("message sent to dead-letter topic", consumer=self.name, topic=record.topic,
                    partition=record.partition, offset=record.offset, reason=reason[:500])
