"""The transactional outbox relay: publishes the event store to Kafka, in order, at least once.

Why it reads by (transaction id, position) and not by position alone: positions come from a
sequence handed out before commit, so a transaction can commit after a later position is already
visible. A reader that remembered "last position seen" would skip it for ever. The relay therefore
reads only rows whose transaction id is below the oldest transaction still running
(`pg_snapshot_xmin`), in (transaction id, position) order: every row before that point has
committed or never will, so nothing can appear behind the checkpoint. The event store keeps a
stream's transaction ids rising with its versions, so this order is also each stream's order.

The oldest running transaction is server-wide: a long writing transaction in any database on the
server delays publication (never loses an event) until it ends.

LISTEN/NOTIFY only wakes the relay; polling covers a lost notification. One relay per database
publishes at a time (a session advisory lock), so scaled-out instances stand by.
"""

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata

from leisure_contracts.envelope import HeaderTemplate
from leisure_contracts.registry import EVENTS_BY_TYPE
from leisure_runtime.cancellation import stop_if_cancelled
from leisure_runtime.logging import get_logger
from leisure_runtime.metrics import RuntimeMetrics

log = get_logger(__name__)

_RELAY_LOCK = 0x4C50_524C
# ORDER BY names the table's columns: bare names would mean the bigint output aliases, which no
# index serves, and every batch would sort all that is left to publish.
_NEXT_BATCH = """
SELECT transaction_id::text::bigint AS transaction_id, position, stream_id, event_id, event_type,
       partition_key, data::text AS data, recorded_at
FROM events
WHERE (transaction_id, position) > ($1::text::xid8, $2)
  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY events.transaction_id, events.position
LIMIT $3
"""
_FROM_POSITION = """
SELECT transaction_id::text::bigint AS transaction_id, position, stream_id, event_id, event_type,
       partition_key, data::text AS data, recorded_at
FROM events
WHERE position >= $1 AND (transaction_id, position) > ($2::text::xid8, $3)
  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY events.transaction_id, events.position
LIMIT $4
"""
_BACKLOG = """
SELECT count(*) FROM events WHERE (transaction_id, position) > ($1::text::xid8, $2)
"""
_PENDING = """
SELECT count(*) AS events, min(recorded_at) AS oldest
FROM events WHERE (transaction_id, position) > ($1::text::xid8, $2)
"""


@dataclass(frozen=True)
class Checkpoint:
    transaction_id: int = 0
    position: int = 0


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        *,
        source: str,
        metrics: RuntimeMetrics,
        name: str = "kafka",
        batch_size: int = 1_000,
        poll_interval: float = 1.0,
        on_published: Callable[[list[RecordMetadata]], None] | None = None,
    ) -> None:
        """`on_published` is told where the broker put each batch (to notice a log that lost records)."""
        self._pool = pool
        self._producer = producer
        self._source = source
        self._metrics = metrics
        self._name = name
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._on_published = on_published
        self._wake = asyncio.Event()
        self._publications: dict[str, tuple[str, HeaderTemplate]] = {}
        self._last_backlog, self._backlog_counted_at = 0, float("-inf")

    async def run(self) -> None:
        """Publish until cancelled; retries after a broker or database failure."""
        while True:
            try:
                async with self._pool.acquire() as listener:
                    await self._hold_relay_lock(listener)
                    await listener.add_listener("events_appended", self._on_notify)
                    try:
                        await self._publish_loop()
                    finally:
                        await listener.remove_listener("events_appended", self._on_notify)
                        await listener.execute("SELECT pg_advisory_unlock($1)", _RELAY_LOCK)
            except asyncio.CancelledError:
                raise
            except Exception:
                stop_if_cancelled()
                log.exception("outbox relay failed; retrying")
                await asyncio.sleep(self._poll_interval)

    @property
    def producer(self) -> AIOKafkaProducer:
        return self._producer

    async def measure_pending(self) -> None:
        """Count what waits to be published, and how old the oldest is: the measure that still
        moves while the broker is away and nothing is published."""
        async with self._pool.acquire() as conn:
            after = await self._checkpoint(conn)
            row = await conn.fetchrow(_PENDING, str(after.transaction_id), after.position)
            now = await conn.fetchval("SELECT now()")
        self._metrics.outbox_backlog.set(row["events"])
        self._metrics.outbox_oldest_pending_seconds.set(
            0.0 if row["oldest"] is None else max(0.0, (now - row["oldest"]).total_seconds()))

    async def _hold_relay_lock(self, conn: asyncpg.Connection) -> None:
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _RELAY_LOCK):
            await asyncio.sleep(self._poll_interval)

    def _on_notify(self, *_args) -> None:
        self._wake.set()

    async def _publish_loop(self) -> None:
        while True:
            self._wake.clear()
            await self.publish_pending()
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as it times out, and the service would never finish stopping.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    await self._wake.wait()

    async def publish_pending(self) -> int:
        """Publish every committed event after the checkpoint; return how many.

        Batches overlap: the next one is read and handed to the producer while the broker is still
        acknowledging the one before, so the producer never waits for the database. The
        checkpoint moves only past batches the broker has acknowledged, one after the other.
        """
        published = 0
        async with self._pool.acquire() as conn:
            after = await self._checkpoint(conn)
            in_flight: tuple[list[asyncio.Future], list[asyncpg.Record]] | None = None
            while True:
                rows = await conn.fetch(_NEXT_BATCH, str(after.transaction_id), after.position, self._batch_size)
                queued = (await self._queue(rows), rows) if rows else None
                if in_flight is not None:
                    published += await self._confirm(conn, *in_flight)
                if queued is None:
                    break
                in_flight, after = queued, Checkpoint(rows[-1]["transaction_id"], rows[-1]["position"])
                self._metrics.outbox_backlog.set(await self._backlog(conn, after, len(rows)))
        self._metrics.outbox_backlog.set(0)
        self._metrics.outbox_oldest_pending_seconds.set(0)
        return published

    async def _backlog(self, conn: asyncpg.Connection, after: Checkpoint, batch: int) -> int:
        """Events after `after`, counted at most once a second during a long drain (a count is a scan)."""
        if batch < self._batch_size:
            return 0
        now = time.monotonic()
        if now - self._backlog_counted_at >= 1.0:
            self._backlog_counted_at = now
            self._last_backlog = await conn.fetchval(_BACKLOG, str(after.transaction_id), after.position)
        return self._last_backlog

    async def _confirm(self, conn: asyncpg.Connection, deliveries: list[asyncio.Future],
                       rows: list[asyncpg.Record]) -> int:
        """Wait until the broker has the batch, then move the checkpoint past it."""
        delivered = await asyncio.gather(*deliveries)
        if self._on_published is not None:
            self._on_published(delivered)
        self._count_published(rows)
        last = rows[-1]
        await conn.execute(
            """INSERT INTO outbox_checkpoint (relay, transaction_id, position, updated_at)
               VALUES ($1, $2::text::xid8, $3, now())
               ON CONFLICT (relay) DO UPDATE
               SET transaction_id = excluded.transaction_id, position = excluded.position,
                   updated_at = excluded.updated_at""",
            self._name, str(last["transaction_id"]), last["position"],
        )
        return len(rows)

    async def republish_from(self, position: int) -> int:
        """Publish again every committed event from `position` on, for a broker that lost its log.
        Leaves the checkpoint alone: consumers dedupe by event id, so repeats are harmless."""
        published = 0
        after = Checkpoint()
        async with self._pool.acquire() as conn:
            while rows := await conn.fetch(
                _FROM_POSITION, position, str(after.transaction_id), after.position, self._batch_size
            ):
                await asyncio.gather(*await self._queue(rows))
                self._count_published(rows)
                published += len(rows)
                after = Checkpoint(rows[-1]["transaction_id"], rows[-1]["position"])
        log.info("republished events", from_position=position, count=published)
        return published

    async def _checkpoint(self, conn: asyncpg.Connection) -> Checkpoint:
        row = await conn.fetchrow(
            "SELECT transaction_id::text::bigint AS transaction_id, position "
            "FROM outbox_checkpoint WHERE relay = $1",
            self._name,
        )
        return Checkpoint(row["transaction_id"], row["position"]) if row else Checkpoint()

    def _count_published(self, rows: list[asyncpg.Record]) -> None:
        for event_type, count in Counter(row["event_type"] for row in rows).items():
            self._metrics.events_published(event_type).inc(count)

    async def _queue(self, rows: list[asyncpg.Record]) -> list[asyncio.Future]:
        """Hand the rows to the producer in order; the futures resolve when the broker has them.
        The producer batches them, and per partition they are written in the order sent."""
        deliveries = []
        for row in rows:
            topic, headers = self._publication(row["event_type"])
            deliveries.append(await self._producer.send(
                topic,
                value=row["data"].encode(),
                key=row["partition_key"].encode(),
                headers=headers.headers(row["event_id"], row["recorded_at"], row["stream_id"]),
            ))
        return deliveries

    def _publication(self, event_type: str) -> tuple[str, HeaderTemplate]:
        """The topic and the header template of an event type."""
        if event_type not in self._publications:
            event_class = EVENTS_BY_TYPE[event_type]
            self._publications[event_type] = (
                event_class.event_topic.value, HeaderTemplate(self._source, event_type, event_class.dataschema()))
        return self._publications[event_type]
