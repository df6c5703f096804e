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

An event the broker refuses for good (too large for it, an invalid topic) would stop the relay for
ever if it were retried in place. It is parked instead (`outbox_parked`), and so is every later
event of the same partition key, which must not overtake it; other keys go on. Parked events are
counted in the backlog and their own gauge, shown by `/ready`, and tried again, in order, every
`parked_retry_interval` and at each start (after the broker's limit is raised, say). The producer
refuses a message above its `max_request_size` before sending anything, so later events of the key
are never sent ahead of it; only a broker whose limit is below the producer's can refuse an event
after later ones of its key were handed over, and those then arrive before it.
"""

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import InvalidTopicError, MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError
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
  AND NOT EXISTS (SELECT FROM outbox_parked p WHERE p.relay = $5 AND p.position = events.position)
ORDER BY events.transaction_id, events.position
LIMIT $4
"""
_BACKLOG = """
SELECT (SELECT count(*) FROM events WHERE (transaction_id, position) > ($1::text::xid8, $2))
     + (SELECT count(*) FROM outbox_parked WHERE relay = $3)
"""
_PARKED = """
SELECT e.transaction_id::text::bigint AS transaction_id, e.position, e.stream_id, e.event_id, e.event_type,
       e.partition_key, e.data::text AS data, e.recorded_at
FROM outbox_parked p JOIN events e ON e.position = p.position
WHERE p.relay = $1
ORDER BY e.transaction_id, e.position
"""
_PARK = """
INSERT INTO outbox_parked (relay, position, partition_key, reason) VALUES ($1, $2, $3, $4)
ON CONFLICT (relay, position) DO NOTHING
"""
_SAVE_CHECKPOINT = """
INSERT INTO outbox_checkpoint (relay, transaction_id, position, updated_at)
VALUES ($1, $2::text::xid8, $3, now())
ON CONFLICT (relay) DO UPDATE
SET transaction_id = excluded.transaction_id, position = excluded.position, updated_at = excluded.updated_at
"""
# What the broker says of the event itself: sending it again cannot succeed until its limits change.
UNDELIVERABLE = (MessageSizeTooLargeError, RecordTooLargeError, RecordListTooLargeError, InvalidTopicError)
BEHIND = "behind an undeliverable event of the same key"
_PENDING = """
SELECT (SELECT count(*) FROM events WHERE (transaction_id, position) > ($1::text::xid8, $2))
     + (SELECT count(*) FROM outbox_parked WHERE relay = $3) AS events,
       (SELECT min(recorded_at) FROM (
            SELECT recorded_at FROM events WHERE (transaction_id, position) > ($1::text::xid8, $2)
            UNION ALL
            SELECT e.recorded_at FROM outbox_parked p JOIN events e ON e.position = p.position WHERE p.relay = $3
        ) AS pending) AS oldest
"""


@dataclass(frozen=True)
class Checkpoint:
    transaction_id: int = 0
    position: int = 0


@dataclass
class Batch:
    """Rows read together: those handed to the producer, with their deliveries, and those parked."""

    rows: list[asyncpg.Record]
    sent: list[tuple[asyncpg.Record, asyncio.Future]] = field(default_factory=list)
    parked: list[tuple[asyncpg.Record, str]] = field(default_factory=list)
    refused: list[tuple[asyncpg.Record, Exception]] = field(default_factory=list)
    """The parked rows the broker refused, reported once their parking is recorded."""


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
        parked_retry_interval: float = 300.0,
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
        self._parked_retry_interval = parked_retry_interval
        self._parked_tried_at = float("-inf")
        self._parked_keys: Counter[str] | None = None
        """Parked events by partition key, as in `outbox_parked`: read again whenever the relay
        (re)starts, since it may have parked some it could not record."""

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
                self._metrics.outbox_failures.inc()
                with contextlib.suppress(Exception):  # the database may be what failed
                    await self.measure_pending()
                await asyncio.sleep(self._poll_interval)

    @property
    def producer(self) -> AIOKafkaProducer:
        return self._producer

    async def measure_pending(self) -> None:
        """Count what waits to be published, parked events included, and how old the oldest is:
        the measure that still moves while the broker is away and nothing is published."""
        async with self._pool.acquire() as conn:
            after = await self._checkpoint(conn)
            row = await conn.fetchrow(_PENDING, str(after.transaction_id), after.position, self._name)
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
        self._parked_keys, self._parked_tried_at = None, float("-inf")
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
        try:
            return await self._publish_pending()
        except BaseException:
            self._parked_keys = None  # it may count events parked in memory but not recorded
            raise

    async def _publish_pending(self) -> int:
        published = 0
        async with self._pool.acquire() as conn:
            if self._parked_keys is None:
                rows = await conn.fetch("SELECT partition_key, count(*) AS events FROM outbox_parked "
                                        "WHERE relay = $1 GROUP BY partition_key", self._name)
                self._parked_keys = Counter({row["partition_key"]: row["events"] for row in rows})
                self._metrics.outbox_parked.set(self._parked_keys.total())
            if time.monotonic() - self._parked_tried_at >= self._parked_retry_interval:
                published += await self._retry_parked(conn)
            after = await self._checkpoint(conn)
            in_flight: Batch | None = None
            while True:
                rows = await conn.fetch(_NEXT_BATCH, str(after.transaction_id), after.position, self._batch_size)
                queued = await self._queue(rows) if rows else None
                if in_flight is not None:
                    published += await self._confirm(conn, in_flight)
                if queued is None:
                    break
                in_flight, after = queued, Checkpoint(rows[-1]["transaction_id"], rows[-1]["position"])
                self._metrics.outbox_backlog.set(await self._backlog(conn, after, len(rows)))
        self._metrics.outbox_backlog.set(self._parked_keys.total())
        if not self._parked_keys:
            self._metrics.outbox_oldest_pending_seconds.set(0)
        return published

    async def _backlog(self, conn: asyncpg.Connection, after: Checkpoint, batch: int) -> int:
        """Events after `after` and those parked, counted at most once a second during a long drain
        (a count is a scan)."""
        if batch < self._batch_size:
            return self._parked_keys.total()
        now = time.monotonic()
        if now - self._backlog_counted_at >= 1.0:
            self._backlog_counted_at = now
            self._last_backlog = await conn.fetchval(_BACKLOG, str(after.transaction_id), after.position,
                                                     self._name)
        return self._last_backlog

    async def _confirm(self, conn: asyncpg.Connection, batch: Batch) -> int:
        """Wait until the broker has the batch, then move the checkpoint past it, parking what the
        broker refused for good. Any other failure moves nothing: the batch is sent again."""
        results = await asyncio.gather(*(delivery for _, delivery in batch.sent), return_exceptions=True)
        delivered, placed = [], []
        for (row, _), result in zip(batch.sent, results):
            if isinstance(result, UNDELIVERABLE):
                self._park_refused(batch, row, result)
            elif isinstance(result, BaseException):
                raise result
            else:
                delivered.append(row)
                placed.append(result)
        if self._on_published is not None:
            self._on_published(placed)
        last = batch.rows[-1]
        checkpoint = (self._name, str(last["transaction_id"]), last["position"])
        if batch.parked:
            async with conn.transaction():
                await conn.executemany(_PARK, [(self._name, row["position"], row["partition_key"], reason)
                                               for row, reason in batch.parked])
                await conn.execute(_SAVE_CHECKPOINT, *checkpoint)
        else:
            await conn.execute(_SAVE_CHECKPOINT, *checkpoint)
        self._count_published(delivered)
        for row, error in batch.refused:
            log.error("the broker refused an event for good; parked it and the later events of its key",
                      event_id=str(row["event_id"]), event_type=row["event_type"], position=row["position"],
                      error=f"{type(error).__name__}: {error}")
            self._metrics.outbox_undeliverable(row["event_type"]).inc()
        self._metrics.outbox_parked.set(self._parked_keys.total())
        return len(delivered)

    def _park_refused(self, batch: Batch, row: asyncpg.Record, error: Exception) -> None:
        batch.refused.append((row, error))
        self._park(batch, row, f"refused by the broker: {type(error).__name__}: {error}")

    def _park(self, batch: Batch, row: asyncpg.Record, reason: str) -> None:
        batch.parked.append((row, reason))
        self._parked_keys[row["partition_key"]] += 1

    async def _retry_parked(self, conn: asyncpg.Connection) -> int:
        """Publish parked events again, each key's in order, one at a time (they are few); a key
        whose first parked event is refused again stays parked."""
        self._parked_tried_at = time.monotonic()
        if not self._parked_keys:
            return 0
        still_refused: set[str] = set()
        released = []
        for row in await conn.fetch(_PARKED, self._name):
            key = row["partition_key"]
            if key in still_refused:
                continue
            try:
                await (await self._send(row))
            except UNDELIVERABLE:
                still_refused.add(key)
                continue
            await conn.execute("DELETE FROM outbox_parked WHERE relay = $1 AND position = $2",
                               self._name, row["position"])
            self._parked_keys[key] -= 1
            released.append(row)
        self._parked_keys = +self._parked_keys  # keys left with nothing parked are no longer parked
        self._count_published(released)
        self._metrics.outbox_parked.set(self._parked_keys.total())
        if released:
            log.info("published parked events", count=len(released), keys_still_parked=len(self._parked_keys))
        return len(released)

    async def parked(self) -> dict[str, int]:
        """How many events are parked, and of how many partition keys (aggregates)."""
        row = await self._pool.fetchrow(
            "SELECT count(*) AS events, count(DISTINCT partition_key) AS keys FROM outbox_parked WHERE relay = $1",
            self._name)
        return {"parked_events": row["events"], "parked_keys": row["keys"]}

    async def republish_from(self, position: int) -> int:
        """Publish again every committed event from `position` on, for a broker that lost its log.
        Leaves the checkpoint alone: consumers dedupe by event id, so repeats are harmless. Parked
        events stay parked: their keys' order is theirs to keep."""
        published = 0
        after = Checkpoint()
        async with self._pool.acquire() as conn:
            while rows := await conn.fetch(
                _FROM_POSITION, position, str(after.transaction_id), after.position, self._batch_size,
                self._name,
            ):
                await asyncio.gather(*[await self._send(row) for row in rows])
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

    async def _queue(self, rows: list[asyncpg.Record]) -> Batch:
        """Hand the rows to the producer in order; their deliveries resolve when the broker has them.
        The producer batches them, and per partition they are written in the order sent. A row of a
        parked key is parked behind it; one the producer refuses at once is parked itself."""
        batch = Batch(rows)
        for row in rows:
            if row["partition_key"] in self._parked_keys:
                self._park(batch, row, BEHIND)
                continue
            try:
                batch.sent.append((row, await self._send(row)))
            except UNDELIVERABLE as error:
                self._park_refused(batch, row, error)
        return batch

    async def _send(self, row: asyncpg.Record) -> asyncio.Future:
        topic, headers = self._publication(row["event_type"])
        return await self._producer.send(
            topic,
            value=row["data"].encode(),
            key=row["partition_key"].encode(),
            headers=headers.headers(row["event_id"], row["recorded_at"], row["stream_id"]),
        )

    def _publication(self, event_type: str) -> tuple[str, HeaderTemplate]:
        """The topic and the header template of an event type."""
        if event_type not in self._publications:
            event_class = EVENTS_BY_TYPE[event_type]
            self._publications[event_type] = (
                event_class.event_topic.value, HeaderTemplate(self._source, event_type, event_class.dataschema()))
        return self._publications[event_type]
