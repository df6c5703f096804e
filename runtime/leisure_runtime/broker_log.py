"""Noticing that the broker lost records this service published.

A broker that loses its log (a disk lost, a broker on memory storage restarted, a topic deleted
and created again) answers with end offsets lower than before. The watch stores the highest end
offset it has seen on each partition of the topics the service publishes to, and a partition
found lower is a loss: logged as an error, counted in `leisure_broker_log_lost_partitions`, and
reported by `/ready`, until the operator publishes the events again (`python -m <service>.republish`,
which calls `forget_losses`).

A loss is noticed only if a check sees the end offset lower: with many new events published
between two checks the log may have grown past the old end again. Checks are therefore frequent
and cheap (one ListOffsets request and one small query).
"""

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from leisure_runtime.logging import get_logger
from leisure_runtime.metrics import RuntimeMetrics

log = get_logger(__name__)
CHECK_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Loss:
    topic: str
    partition: int
    end_offset_seen: int
    end_offset_found: int


class BrokerLogWatch:
    def __init__(self, pool: asyncpg.Pool, bootstrap_servers: str, metrics: RuntimeMetrics,
                 published_topics: Callable[[], Iterable[str]], interval_seconds: float = 5.0) -> None:
        """`published_topics` names the topics published to since the process started; those
        watched before are read from the database."""
        self._pool = pool
        self._bootstrap_servers = bootstrap_servers
        self._metrics = metrics
        self._published_topics = published_topics
        self._interval = interval_seconds
        self._consumer: AIOKafkaConsumer | None = None
        self.lost_partitions: int | None = None
        """Partitions with a loss not yet published again; none before the first look."""

    async def run(self) -> None:
        """Check until cancelled; an unreachable broker is not a loss, only a check skipped."""
        try:
            while True:
                try:
                    await self.check()
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    log.warning("cannot compare the broker's end offsets", error=repr(error))
                await asyncio.sleep(self._interval)
        finally:
            await self._close()

    async def check(self) -> list[Loss]:
        """Compare the broker's end offsets with those seen before; return the losses found now."""
        await self._count_losses()  # known ones, from the database, even while the broker is away
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            topics = set(self._published_topics()) | set(await self._pool.fetchval(
                "SELECT coalesce(array_agg(DISTINCT topic), '{}') FROM broker_end_offsets"))
            ends = await self._end_offsets(topics) if topics else {}
        new_losses = await self._record(topics, ends)
        for loss in new_losses:
            log.error("the broker lost records this service published; publish them again with "
                      "`python -m <service>.republish --from …`", topic=loss.topic, partition=loss.partition,
                      end_offset_seen=loss.end_offset_seen, end_offset_found=loss.end_offset_found)
        if new_losses:
            await self._count_losses()
        return new_losses

    async def _end_offsets(self, topics: set[str]) -> dict[tuple[str, int], int]:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap_servers, enable_auto_commit=False)
            try:
                await consumer.start()
            except BaseException:
                await consumer.stop()
                raise
            self._consumer = consumer
        await self._consumer.topics()  # fresh metadata: a topic may have gone or come back
        partitions = [TopicPartition(topic, p) for topic in sorted(topics)
                      for p in sorted(self._consumer.partitions_for_topic(topic) or ())]
        ends = await self._consumer.end_offsets(partitions) if partitions else {}
        return {(tp.topic, tp.partition): end for tp, end in ends.items()}

    async def _record(self, topics: set[str], ends: dict[tuple[str, int], int]) -> list[Loss]:
        async with self._pool.acquire() as conn, conn.transaction():
            seen = {(row["topic"], row["partition"]): row["end_offset"] for row in await conn.fetch(
                "SELECT topic, partition, end_offset FROM broker_end_offsets WHERE topic = ANY($1::text[])",
                sorted(topics))}
            # A partition that is no longer there at all lost everything on it.
            lost = [Loss(topic, partition, end, ends.get((topic, partition), 0))
                    for (topic, partition), end in seen.items() if ends.get((topic, partition), 0) < end]
            noticed = await conn.fetch(
                """INSERT INTO broker_log_losses (topic, partition, end_offset_seen, end_offset_found)
                   SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[])
                   ON CONFLICT (topic, partition) DO NOTHING RETURNING topic, partition""",
                [x.topic for x in lost], [x.partition for x in lost],
                [x.end_offset_seen for x in lost], [x.end_offset_found for x in lost])
            await conn.execute(
                """INSERT INTO broker_end_offsets (topic, partition, end_offset)
                   SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[])
                   ON CONFLICT (topic, partition) DO UPDATE
                   SET end_offset = greatest(broker_end_offsets.end_offset, excluded.end_offset), seen_at = now()""",
                [t for t, _ in ends], [p for _, p in ends], list(ends.values()))
        new = {(row["topic"], row["partition"]) for row in noticed}
        return [loss for loss in lost if (loss.topic, loss.partition) in new]

    async def _count_losses(self) -> None:
        self.lost_partitions = await self._pool.fetchval("SELECT count(*) FROM broker_log_losses")
        self._metrics.broker_log_lost_partitions.set(self.lost_partitions)

    async def _close(self) -> None:
        if self._consumer is not None:
            with contextlib.suppress(Exception):
                await self._consumer.stop()
            self._consumer = None


async def losses(pool: asyncpg.Pool) -> list[Loss]:
    rows = await pool.fetch("SELECT topic, partition, end_offset_seen, end_offset_found FROM broker_log_losses "
                            "ORDER BY topic, partition")
    return [Loss(**dict(row)) for row in rows]


async def forget_losses(pool: asyncpg.Pool) -> int:
    """After the events were published again: the losses are repaired, and the end offsets seen
    start afresh from what the broker holds now. Returns how many partitions had a loss."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM broker_end_offsets")
        return len(await conn.fetch("DELETE FROM broker_log_losses RETURNING 1"))
