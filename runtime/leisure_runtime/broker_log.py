"""Noticing that the broker lost records this service published.

A broker that loses its log (a disk lost, a broker on memory storage restarted, a topic deleted
and created again) answers with end offsets lower than before, and gives the records published
after the loss offsets lower than those it gave before. The watch notices both:

- it stores the highest end offset it has seen on each partition of the topics the service
  publishes to, and compares the broker's end offsets with them at every check (this survives a
  restart of the service);
- it is told the offset of every record the relay published, and within one process a
  partition's offsets only rise, so a lower one is a loss even when the log has grown past its
  old end again by the next check.

A loss is logged as an error, counted in `leisure_broker_log_lost_partitions`, and reported by
`/ready`, until the operator publishes the events again (`python -m <service>.republish`, which
calls `forget_losses`).
"""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg
from aiokafka.structs import RecordMetadata

from leisure_runtime.cancellation import stop_if_cancelled
from leisure_runtime.end_offsets import EndOffsets
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
                 interval_seconds: float = 5.0) -> None:
        self._pool = pool
        self._metrics = metrics
        self._interval = interval_seconds
        self._last_published: dict[tuple[str, int], int] = {}
        self._drops: dict[tuple[str, int], Loss] = {}
        self._offsets = EndOffsets(bootstrap_servers)
        self.lost_partitions: int | None = None
        """Partitions with a loss not yet published again; none before the first look."""

    def note_published(self, delivered: Iterable[RecordMetadata]) -> None:
        """The relay's acknowledged records, in the order it sent them (one relay per database
        publishes at a time, so nobody else writes these partitions in between)."""
        last, drops = self._last_published, self._drops
        for record in delivered:
            key = (record.topic, record.partition)
            before = last.get(key)
            if before is not None and record.offset <= before and key not in drops:
                drops[key] = Loss(record.topic, record.partition, before + 1, record.offset)
            last[key] = record.offset

    async def run(self) -> None:
        """Check until cancelled; an unreachable broker is not a loss, only a check skipped."""
        try:
            while True:
                try:
                    await self.check()
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    stop_if_cancelled()
                    log.warning("cannot compare the broker's end offsets", error=repr(error))
                await asyncio.sleep(self._interval)
        finally:
            await self._offsets.close()

    async def check(self) -> list[Loss]:
        """Compare the broker's end offsets with those seen before; return the losses found now."""
        await self._count_losses()  # known ones, from the database, even while the broker is away
        drops = dict(self._drops)
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            topics = {topic for topic, _ in self._last_published} | set(await self._pool.fetchval(
                "SELECT coalesce(array_agg(DISTINCT topic), '{}') FROM broker_end_offsets"))
            ends = await self._end_offsets(topics) if topics else {}
        new_losses = await self._record(topics, ends, drops)
        for key in drops:
            del self._drops[key]
        for loss in new_losses:
            log.error("the broker lost records this service published; publish them again with "
                      "`python -m <service>.republish --from …`", topic=loss.topic, partition=loss.partition,
                      end_offset_seen=loss.end_offset_seen, end_offset_found=loss.end_offset_found)
        if new_losses:
            await self._count_losses()
        return new_losses

    async def _end_offsets(self, topics: set[str]) -> dict[tuple[str, int], int]:
        return {(tp.topic, tp.partition): end for tp, end in (await self._offsets.of(topics)).items()}

    async def _record(self, topics: set[str], ends: dict[tuple[str, int], int],
                      drops: dict[tuple[str, int], Loss]) -> list[Loss]:
        async with self._pool.acquire() as conn, conn.transaction():
            seen = {(row["topic"], row["partition"]): row["end_offset"] for row in await conn.fetch(
                "SELECT topic, partition, end_offset FROM broker_end_offsets WHERE topic = ANY($1::text[])",
                sorted(topics))}
            # A partition that is no longer there at all lost everything on it.
            lost = {key: Loss(*key, end, ends.get(key, 0)) for key, end in seen.items() if ends.get(key, 0) < end}
            lost = [*lost.values(), *(loss for key, loss in drops.items() if key not in lost)]
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
