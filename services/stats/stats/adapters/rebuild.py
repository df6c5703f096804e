"""Rebuild: every aggregate from the beginning of the topics into fresh tables, then a switch-over.

The fresh tables live in a schema of their own while worker processes fill them (the projection's
SQL names tables without a schema, so their connections just put that schema first on the search
path), and so does a fresh record of applied events, which deduplicates the rebuild's events under
the live projection's name. The switch-over takes the lock every live batch takes shared, so no live batch
is half-way; reads what was published meanwhile; then swaps the tables and the applied-events
record in one transaction. Live batches resume on the new tables, finding every event the rebuild
applied already recorded.
"""

import asyncio
import contextlib
import gc
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from aiokafka import TopicPartition

from leisure_runtime.consumer import Applied, BatchedIdempotentConsumer
from leisure_runtime.database import RUNTIME_MIGRATIONS, apply_migrations, create_pool
from leisure_runtime.errors import Refusal
from leisure_runtime.logging import configure_logging, get_logger
from stats.adapters.projection import SWITCH_OVER_LOCK, TABLES, TOPICS, create_projection
from stats.adapters.topic_reader import TopicReader
from stats.settings import StatsSettings

log = get_logger(__name__)
SHADOW = "stats_rebuild"
APPLIED = "processed_events"  # the runtime's record of applied events, which the rebuild replaces too
_REBUILD_LOCK = 0x5354_5242  # one rebuild at a time
FILL_WORKERS = min(4, os.cpu_count() or 1)
REBUILD_WATCH_SECONDS = 0.5
MIGRATIONS = Path(__file__).parent / "migrations"


class RebuildRunning(Refusal):
    status = 409

    def __init__(self) -> None:
        super().__init__("rebuild_running", "another rebuild of the statistics is running; wait for it to finish")


@dataclass
class RebuildSummary:
    events_read: int = 0
    events_applied: int = 0
    unreadable: int = 0
    read_during_switch_over: int = 0


async def rebuild(settings: StatsSettings) -> RebuildSummary:
    pool = await create_pool(settings.database_url, 1)
    try:
        await apply_migrations(pool, "runtime", RUNTIME_MIGRATIONS)
        await apply_migrations(pool, settings.service_name, MIGRATIONS)
    finally:
        await pool.close()
    live = settings.projection_name
    conn = await asyncpg.connect(settings.database_url)
    reader = TopicReader(settings.kafka_bootstrap_servers, TOPICS)
    try:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _REBUILD_LOCK):
            raise RebuildRunning()
        deferred_indexes = await prepare_fresh_tables(conn)
        summary, filled_to = await _fill(settings, await reader.partitions())
        await build_deferred_indexes(conn, deferred_indexes)
        await reader.start(from_offsets=filled_to)
        projection = create_projection(settings)
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", SWITCH_OVER_LOCK)
            before = summary.events_read
            await _apply_to_end(conn, reader, projection, summary, settings.consumer_batch_size)
            summary.read_during_switch_over = summary.events_read - before
            await switch_over(conn, live)
        log.info("statistics rebuilt", **summary.__dict__)
        return summary
    finally:
        await reader.stop()
        await conn.close()


async def _fill(settings: StatsSettings,
                partitions: list[TopicPartition]) -> tuple[RebuildSummary, dict[TopicPartition, int]]:
    """Every partition from its beginning to its end into the fresh tables, by worker processes that
    share the partitions out (decoding is the cost, and one process decodes on one core). One
    aggregate's events share a partition, so no two workers write the same row; and the upserts
    commute anyway. Returns what was read, and where each partition was read to."""
    if not partitions:
        return RebuildSummary(), {}
    shares = [partitions[n::FILL_WORKERS] for n in range(min(FILL_WORKERS, len(partitions)))]
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(len(shares), mp_context=multiprocessing.get_context("spawn")) as workers:
        filled = await asyncio.gather(*(loop.run_in_executor(workers, fill_share, settings, share, os.getpid())
                                        for share in shares))
    summary, filled_to = RebuildSummary(), {}
    for part, read_to in filled:
        summary.events_read += part.events_read
        summary.events_applied += part.events_applied
        summary.unreadable += part.unreadable
        filled_to.update(read_to)
    return summary, filled_to


def fill_share(settings: StatsSettings, partitions: list[TopicPartition],
               rebuild_pid: int) -> tuple[RebuildSummary, dict[TopicPartition, int]]:
    """In a worker process: `partitions` from their beginning to their end into the fresh tables."""
    stop_with_rebuild(rebuild_pid)
    configure_logging(settings.service_name, settings.log_level)
    gc.freeze()
    return asyncio.run(_fill_share(settings, partitions))


def stop_with_rebuild(rebuild_pid: int) -> None:
    """Ends this worker process as soon as the rebuild that started it is gone. A killed rebuild
    cannot stop its workers, and they would go on reading to the ends of their partitions, taking
    the CPU of the rebuild started next and writing into its fresh tables."""

    def watch() -> None:
        while os.getppid() == rebuild_pid:
            time.sleep(REBUILD_WATCH_SECONDS)
        os._exit(1)  # at once: there is nothing to finish that anyone would use

    threading.Thread(target=watch, name="rebuild-watch", daemon=True).start()


async def _fill_share(settings: StatsSettings,
                      partitions: list[TopicPartition]) -> tuple[RebuildSummary, dict[TopicPartition, int]]:
    projection = create_projection(settings)
    conn = await asyncpg.connect(settings.database_url)
    reader = TopicReader(settings.kafka_bootstrap_servers, TOPICS)
    try:
        await conn.execute(f"SET search_path TO {SHADOW}, public")
        # The fresh tables are thrown away if the rebuild fails, so their filling need not wait
        # for each commit to reach the disk; the switch-over's commit does, and takes all before it.
        await conn.execute("SET synchronous_commit = off")
        await reader.start(partitions)
        summary = RebuildSummary()
        await _apply_to_end(conn, reader, projection, summary, settings.consumer_batch_size)
        return summary, await reader.positions()
    finally:
        await reader.stop()
        await conn.close()


async def prepare_fresh_tables(conn: asyncpg.Connection) -> list[str]:
    """Empty copies of the projection's tables and of the applied-events records, first on this
    connection's search path. Their secondary indexes are left out: the statements that build them
    are returned, for when the tables are full (one sort costs far less than an index insertion for
    each of a million rows). Unique ones stay, for the upserts."""
    await conn.execute(f"DROP SCHEMA IF EXISTS {SHADOW} CASCADE")
    await conn.execute(f"CREATE SCHEMA {SHADOW}")
    for table in (*TABLES, APPLIED):
        await conn.execute(f"CREATE TABLE {SHADOW}.{table} (LIKE public.{table} INCLUDING ALL)")
    deferred = await conn.fetch(
        """SELECT index.indexrelid::regclass::text AS name, pg_get_indexdef(index.indexrelid) AS definition
           FROM pg_index index JOIN pg_class tab ON tab.oid = index.indrelid
           WHERE tab.relnamespace = $1::regnamespace AND NOT index.indisunique""", SHADOW)
    for index in deferred:
        await conn.execute(f"DROP INDEX {index['name']}")
    await conn.execute(f"SET search_path TO {SHADOW}, public")
    return [index["definition"] for index in deferred]


async def build_deferred_indexes(conn: asyncpg.Connection, definitions: list[str]) -> None:
    for definition in definitions:
        await conn.execute(definition)


async def switch_over(conn: asyncpg.Connection, live: str) -> None:
    """Inside the caller's transaction: the fresh tables replace the live ones, and the events the
    rebuild applied replace those the live projection had applied (other consumers' stay)."""
    for table in TABLES:
        await conn.execute(f"DROP TABLE public.{table}")
        await conn.execute(f"ALTER TABLE {SHADOW}.{table} SET SCHEMA public")
    await conn.execute(f"INSERT INTO {SHADOW}.{APPLIED} SELECT * FROM public.{APPLIED} WHERE consumer <> $1", live)
    await conn.execute(f"DROP TABLE public.{APPLIED}")
    await conn.execute(f"ALTER TABLE {SHADOW}.{APPLIED} SET SCHEMA public")
    await conn.execute(f"DROP SCHEMA {SHADOW}")


async def _apply_to_end(conn, reader: TopicReader, projection: BatchedIdempotentConsumer, summary: RebuildSummary,
                        batch_size: int) -> None:
    """Every record to the end of the topics, a batch per transaction; the next batch is read and
    decoded while the database applies the one before."""
    decoded: asyncio.Queue = asyncio.Queue(maxsize=2)

    async def read() -> None:
        try:
            async for records in reader.batches_to_end(batch_size):
                await decoded.put(await projection.decode_batch(records))
        except Exception as error:
            await decoded.put(error)
        else:
            await decoded.put(None)

    reading = asyncio.create_task(read())
    try:
        while (batch := await decoded.get()) is not None:
            if isinstance(batch, Exception):
                raise batch
            applied = await apply_in_own_transaction(conn, projection, batch.events)
            summary.events_read += len(batch.records)
            summary.events_applied += sum(applied)
            summary.unreadable += len(batch.undecodable)  # the live consumer dead-lettered them already
    finally:
        reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reading


async def apply_in_own_transaction(conn: asyncpg.Connection, projection: BatchedIdempotentConsumer,
                                   events: Applied) -> list[bool]:
    while True:
        try:
            async with conn.transaction():
                return await projection.apply_batch(conn, events)
        except asyncpg.DeadlockDetectedError:
            # Only if two workers' partitions hold events of one row (keys that are not the
            # aggregate's): the batch was rolled back whole, and applying it again is safe.
            log.warning("a batch of the rebuild met another one's locks; applying it again")
