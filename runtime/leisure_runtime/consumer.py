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
import dataclasses
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
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
DECODE_SLICE = 50  # records decoded between two looks at the database's answers


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
            parser=_parse_any_headers,
            decoder=_records_as_they_are,
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
        headers = {name: (value or b"").decode(errors="replace") for name, value in record.headers or ()}
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
    write them with one statement. Types are handled one after the other, so this fits read
    models where events of different types commute (each writes facts of its own); a read model
    that needs one aggregate's events of several types in order should use IdempotentConsumer.
    If a handler rejects an event, the batch is rolled back and applied event by event, so that
    only the rejected one goes to the dead letters.

    Subscribed, it decodes the next batch while the database applies the one before (one batch at
    a time in the database, in order), and commits a batch's offsets after its transaction. A batch
    whose transaction fails is tried again until it is applied, or until the consumer stops, when
    its uncommitted offsets make it redelivered.
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
        self._applying: asyncio.Task | None = None

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
            ack_policy=AckPolicy.MANUAL,  # offsets are committed after each batch's transaction, below
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
            title=f"{self.name}",
            parser=_parse_any_headers,
            decoder=_records_as_they_are,
        )

        async def on_batch(message: KafkaMessage) -> None:
            consumer = subscriber.consumer
            try:
                records = message.raw_message if isinstance(message.raw_message, tuple) else (message.raw_message,)
                # Where this batch ends on every partition: once it is applied, all before is too.
                fetched_to = {partition: await consumer.position(partition) for partition in consumer.assignment()}
                batch = await self.decode_batch(records)
            except Exception:
                await message.nack()  # rewinds to the batch's first records: nothing is skipped
                raise
            if self._applying is not None:
                await self._applying  # never raises: it logs what goes wrong
            self._applying = asyncio.create_task(
                self._apply_and_commit(batch, fetched_to, subscriber, pool, broker, metrics),
                name=f"{self.name}-batch")

        subscriber(on_batch)

    async def handle_batch(
        self, records: Sequence[ConsumerRecord], pool: asyncpg.Pool, broker: KafkaBroker, metrics: RuntimeMetrics
    ) -> None:
        """Decode and apply one batch, and send what cannot be applied to the dead letters."""
        await self._apply(await self.decode_batch(records), pool, broker, metrics)

    async def decode_batch(self, records: Sequence[ConsumerRecord]) -> "DecodedBatch":
        """The records as events of handled types, and those that are not valid events. Decoding
        takes a while: it lets other tasks (the previous batch's transaction) go on now and then."""
        batch = DecodedBatch(records)
        for n, record in enumerate(records, 1):
            try:
                attributes, event = decode(record.headers, record.value)
            except UndecodableMessage as error:
                batch.undecodable.append((record, error.reason))
            else:
                if attributes.type in self._batch_handlers:
                    batch.events.append((attributes, event))
                    batch.sources.append(record)
            if n % DECODE_SLICE == 0:
                await asyncio.sleep(0)
        return batch

    async def _apply_and_commit(self, batch: "DecodedBatch", fetched_to: dict[TopicPartition, int], subscriber,
                                pool: asyncpg.Pool, broker: KafkaBroker, metrics: RuntimeMetrics) -> None:
        while True:
            try:
                await self._apply(batch, pool, broker, metrics)
                break
            except Exception:
                # Not the messages' fault (database, broker or a bug): wait, then try again.
                log.exception("applying a batch failed; it will be tried again", consumer=self.name,
                              size=len(batch.records))
                await asyncio.sleep(RETRY_DELAY_SECONDS)
                if not subscriber.running:
                    return  # not committed: redelivered when the consumer runs again
        consumer = subscriber.consumer
        try:
            await consumer.commit(batch.next_offsets())
        except Exception as error:
            # Applied and recorded already: if the partitions moved to another consumer, it gets
            # these events again and finds them applied.
            log.warning("committing a batch's offsets failed; it will be redelivered", consumer=self.name,
                        error=repr(error))
            return
        self._note_progress(consumer, fetched_to)

    async def _apply(self, batch: "DecodedBatch", pool: asyncpg.Pool, broker: KafkaBroker,
                     metrics: RuntimeMetrics) -> None:
        structlog.contextvars.clear_contextvars()
        try:
            async with pool.acquire() as conn, conn.transaction():
                if self._in_transaction is not None:
                    await self._in_transaction(conn)
                applied = await self.apply_batch(conn, batch.events)
        except RejectedEvent:
            await self._apply_one_by_one(batch, pool, broker, metrics)
            return
        for record, reason in batch.undecodable:
            await self._dead_letter(record, reason, broker, metrics)
        self._count(batch.events, applied, metrics)

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

    async def _apply_one_by_one(self, batch: "DecodedBatch", pool, broker, metrics) -> None:
        for record, reason in batch.undecodable:
            await self._dead_letter(record, reason, broker, metrics)
        for (attributes, event), record in zip(batch.events, batch.sources):
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
        outcomes = Counter((attributes.type, "applied" if first_time else "duplicate")
                           for (attributes, _), first_time in zip(events, applied))
        for (event_type, outcome), count in outcomes.items():
            metrics.events_consumed(self.name, event_type, outcome).inc(count)
        if events:
            newest = max(attributes.time for attributes, _ in events)
            metrics.consumer_lag_seconds(self.name).set(
                max(0.0, (datetime.now(timezone.utc) - newest).total_seconds()))
            self._newest_event_time = max(newest, self._newest_event_time or newest)

    def _note_progress(self, consumer: AIOKafkaConsumer, fetched_to: dict[TopicPartition, int]) -> None:
        behind = 0
        assigned = consumer.assignment()
        for partition, position in fetched_to.items():
            if partition not in assigned:
                continue  # moved to another consumer since
            highwater = consumer.highwater(partition)
            if highwater is None:
                behind = None
                break
            behind += max(0, highwater - position)
        self.progress = BatchProgress(self._newest_event_time, behind)


@dataclass
class DecodedBatch:
    records: Sequence[ConsumerRecord]
    events: list[tuple[CloudEventAttributes, Event]] = field(default_factory=list)
    """The events of handled types, in batch order."""
    sources: list[ConsumerRecord] = field(default_factory=list)
    """The record of each of `events`."""
    undecodable: list[tuple[ConsumerRecord, str]] = field(default_factory=list)

    def next_offsets(self) -> dict[TopicPartition, int]:
        """The offsets to commit once the batch is applied: after its last record on each partition."""
        offsets: dict[TopicPartition, int] = {}
        for record in self.records:
            partition = TopicPartition(record.topic, record.partition)
            offsets[partition] = max(offsets.get(partition, 0), record.offset + 1)
        return offsets


async def _parse_any_headers(message: ConsumerRecord | tuple[ConsumerRecord, ...],
                             parse: Callable[..., Awaitable[KafkaMessage]]) -> KafkaMessage:
    """faststream's parsing, which reads every header as UTF-8 text before a handler runs. Kafka
    allows any bytes, or none: such a record would fail its whole batch there, and faststream
    would go on past it. Then the parsing is given copies with the headers made text, and the
    handler still gets the records as they came, to dead-letter what is not a valid event."""
    try:
        return await parse(message)
    except (UnicodeDecodeError, AttributeError):
        records = message if isinstance(message, tuple) else (message,)
        readable = tuple(dataclasses.replace(record, headers=[
            (name, (value or b"").decode(errors="replace").encode()) for name, value in record.headers or ()])
            for record in records)
        parsed = await parse(readable if isinstance(message, tuple) else readable[0])
        parsed.raw_message = message
        return parsed


async def _records_as_they_are(message: KafkaMessage) -> ConsumerRecord | tuple[ConsumerRecord, ...]:
    """The handlers decode each record themselves (into events, or to the dead letters), so
    faststream need not parse every value as JSON first."""
    return message.raw_message
