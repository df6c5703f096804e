"""The idempotent consumer: applies events to a read model exactly once, whatever is redelivered.

Each event is applied and recorded in `processed_events` in one transaction, so a redelivery or a
republish (which arrives at a new offset) finds it recorded and changes nothing. The offset is
acknowledged only after that commit: a crash in between means a redelivery, never a loss.

A message that is not a valid event of a known type, or that its handler rejects for good, goes to
the topic's dead-letter topic with the reason in its headers, and the consumer goes on.

`BatchedIdempotentConsumer` does the same a batch at a time: one transaction and one commit per
batch (commits are what cost), for read models that must keep up with the whole platform.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer
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
TransactionHook = Callable[[asyncpg.Connection], Awaitable[None]]
RETRY_DELAY_SECONDS = 1.0


class RejectedEvent(Exception):
    """A handler's verdict that a valid event can never be applied: it goes to the dead letters."""


class IdempotentConsumer:
    def __init__(self, name: str, topics: Sequence[str], handlers: Mapping[type[Event], EventHandler],
                 *, in_transaction: TransactionHook | None = None) -> None:
        """`in_transaction` runs first in every transaction that applies events, e.g. to take a lock
        that a rebuild's switch-over also takes."""
        self.name = name
        self.topics = list(topics)
        self._handlers = {event_class.event_type(): handler for event_class, handler in handlers.items()}
        self._in_transaction = in_transaction

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
            if self._in_transaction is not None:
                await self._in_transaction(conn)
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


Applied = Sequence[tuple[CloudEventAttributes, Event]]
BatchHandler = Callable[[asyncpg.Connection, Applied], Awaitable[None]]


@dataclass(frozen=True)
class BatchProgress:
    """Where a batched consumer stood after its last batch: how fresh its read model is."""

    newest_event_time: datetime | None
    """The `time` of the newest event applied so far; none before the first."""
    records_behind: int | None
    """Records on its partitions not yet consumed; none while the broker has not said where they end."""


class BatchedIdempotentConsumer(IdempotentConsumer):
    """Applies up to `max_records` messages in one transaction, deduplicated by event id.

    A handler gets every new event of its type in the batch at once, in batch order, so it can
    write them with one `executemany`. Types are handled one after the other, so this fits read
    models where events of different types commute (each writes facts of its own); a read model
    that needs one aggregate's events of several types in order should use IdempotentConsumer.
    If a handler rejects an event, the batch is rolled back and applied event by event, so that
    only the rejected one goes to the dead letters.
    """

    def __init__(self, name: str, topics: Sequence[str], handlers: Mapping[type[Event], BatchHandler],
                 *, max_records: int = 500, batch_timeout_ms: int = 100,
                 in_transaction: TransactionHook | None = None) -> None:
        super().__init__(name, topics, {}, in_transaction=in_transaction)
        self._batch_handlers = {event_class.event_type(): handler for event_class, handler in handlers.items()}
        self.max_records = max_records
        self.batch_timeout_ms = batch_timeout_ms
        self.progress: BatchProgress | None = None
        self._newest_event_time: datetime | None = None

    def subscribe(
        self,
        broker: KafkaBroker,
        pool: asyncpg.Pool,
        metrics: RuntimeMetrics,
        *,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
    ) -> None:
        subscriber = broker.subscriber(
            *self.topics,
            group_id=self.name,
            batch=True,
            max_records=self.max_records,
            batch_timeout_ms=self.batch_timeout_ms,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
            title=f"{self.name}",
        )

        async def on_batch(message: KafkaMessage) -> None:
            records = message.raw_message
            await self.handle_batch(records if isinstance(records, tuple) else (records,), pool, broker, metrics)
            await self._note_progress(subscriber.consumer)

        subscriber(on_batch)

    async def handle_batch(
        self, records: Sequence[ConsumerRecord], pool: asyncpg.Pool, broker: KafkaBroker, metrics: RuntimeMetrics
    ) -> None:
        structlog.contextvars.clear_contextvars()
        events, undecodable = [], []
        for record in records:
            try:
                attributes, event = decode(record.headers, record.value)
            except UndecodableMessage as error:
                undecodable.append((record, error.reason))
                continue
            if attributes.type in self._batch_handlers:
                events.append((attributes, event))
        try:
            async with pool.acquire() as conn, conn.transaction():
                if self._in_transaction is not None:
                    await self._in_transaction(conn)
                applied = await self.apply_batch(conn, events)
        except RejectedEvent:
            await self._apply_one_by_one(records, pool, broker, metrics)
            return
        except Exception:
            log.exception("applying a batch failed; it will be redelivered", consumer=self.name, size=len(records))
            await asyncio.sleep(RETRY_DELAY_SECONDS)
            raise
        for record, reason in undecodable:
            await self._dead_letter(record, reason, broker, metrics)
        self._count(events, applied, metrics)

    async def apply_batch(self, conn: asyncpg.Connection, events: Applied) -> list[bool]:
        """Apply the events not applied before, inside the caller's transaction; say which were new
        (events of types without a handler are skipped, never new)."""
        fresh = {row["event_id"] for row in await conn.fetch(
            "INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[]) "
            "ON CONFLICT DO NOTHING RETURNING event_id",
            self.name, [attributes.id for attributes, _ in events if attributes.type in self._batch_handlers],
        )}
        applied, by_type = [], {}
        for attributes, event in events:
            first_time = attributes.id in fresh
            fresh.discard(attributes.id)  # the same event twice in one batch is applied once
            if first_time:
                by_type.setdefault(attributes.type, []).append((attributes, event))
            applied.append(first_time)
        for event_type, of_type in by_type.items():
            await self._batch_handlers[event_type](conn, of_type)
        return applied

    async def _apply_one_by_one(self, records, pool, broker, metrics) -> None:
        for record in records:
            try:
                attributes, event = decode(record.headers, record.value)
            except UndecodableMessage as error:
                await self._dead_letter(record, error.reason, broker, metrics)
                continue
            if attributes.type not in self._batch_handlers:
                continue
            try:
                async with pool.acquire() as conn, conn.transaction():
                    if self._in_transaction is not None:
                        await self._in_transaction(conn)
                    applied = await self.apply_batch(conn, [(attributes, event)])
            except RejectedEvent as error:
                await self._dead_letter(record, str(error), broker, metrics)
                continue
            self._count([(attributes, event)], applied, metrics)

    def _count(self, events: Applied, applied: list[bool], metrics: RuntimeMetrics) -> None:
        for (attributes, _), first_time in zip(events, applied):
            metrics.events_consumed(self.name, attributes.type, "applied" if first_time else "duplicate").inc()
        if events:
            newest = max(attributes.time for attributes, _ in events)
            metrics.consumer_lag_seconds(self.name).set(
                max(0.0, (datetime.now(timezone.utc) - newest).total_seconds()))
            self._newest_event_time = max(newest, self._newest_event_time or newest)

    async def _note_progress(self, consumer: AIOKafkaConsumer | None) -> None:
        if consumer is None:
            return
        behind = 0
        for partition in consumer.assignment():
            highwater = consumer.highwater(partition)
            if highwater is None:
                behind = None
                break
            behind += max(0, highwater - await consumer.position(partition))
        self.progress = BatchProgress(self._newest_event_time, behind)
