"""Rebuild: every aggregate from the beginning of the topics into fresh tables, then a switch-over.

The fresh tables live in a schema of their own while they fill (the projection's SQL names tables
without a schema, so the rebuild's connection just puts that schema first on its search path) and
its events are deduplicated under a consumer name of its own. The switch-over takes the lock every
live batch takes shared, so no live batch is half-way; reads what was published meanwhile; then
swaps the tables and the deduplication records in one transaction. Live batches resume on the new
tables, finding every event the rebuild applied already recorded.
"""

from dataclasses import dataclass
from pathlib import Path

import asyncpg

from leisure_contracts.registry import UndecodableMessage, decode
from leisure_runtime.consumer import BatchedIdempotentConsumer
from leisure_runtime.database import RUNTIME_MIGRATIONS, apply_migrations, create_pool
from leisure_runtime.errors import Refusal
from leisure_runtime.logging import get_logger
from stats.adapters.projection import SWITCH_OVER_LOCK, TABLES, TOPICS, create_projection
from stats.adapters.topic_reader import TopicReader
from stats.settings import StatsSettings

log = get_logger(__name__)
SHADOW = "stats_rebuild"
_REBUILD_LOCK = 0x5354_5242  # one rebuild at a time
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
    live, rebuilding = settings.projection_name, rebuild_name(settings.projection_name)
    projection = create_projection(settings.holder_hash_key.get_secret_value(), settings.consumer_batch_size,
                                   rebuilding)
    conn = await asyncpg.connect(settings.database_url)
    reader = TopicReader(settings.kafka_bootstrap_servers, TOPICS)
    try:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _REBUILD_LOCK):
            raise RebuildRunning()
        await prepare_fresh_tables(conn, rebuilding)
        await reader.start()
        summary = RebuildSummary()
        await _apply_to_end(conn, reader, projection, summary, settings.consumer_batch_size)
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", SWITCH_OVER_LOCK)
            before = summary.events_read
            await _apply_to_end(conn, reader, projection, summary, settings.consumer_batch_size)
            summary.read_during_switch_over = summary.events_read - before
            await switch_over(conn, live, rebuilding)
        log.info("statistics rebuilt", **summary.__dict__)
        return summary
    finally:
        await reader.stop()
        await conn.close()


def rebuild_name(projection_name: str) -> str:
    return f"{projection_name}-rebuild"


async def prepare_fresh_tables(conn: asyncpg.Connection, rebuilding: str) -> None:
    """Empty copies of the projection's tables, first on this connection's search path."""
    await conn.execute(f"DROP SCHEMA IF EXISTS {SHADOW} CASCADE")
    await conn.execute(f"CREATE SCHEMA {SHADOW}")
    for table in TABLES:
        await conn.execute(f"CREATE TABLE {SHADOW}.{table} (LIKE public.{table} INCLUDING ALL)")
    await conn.execute("DELETE FROM processed_events WHERE consumer = $1", rebuilding)
    await conn.execute(f"SET search_path TO {SHADOW}, public")


async def switch_over(conn: asyncpg.Connection, live: str, rebuilding: str) -> None:
    """Inside the caller's transaction: the fresh tables and their applied events replace the live ones."""
    for table in TABLES:
        await conn.execute(f"DROP TABLE public.{table}")
        await conn.execute(f"ALTER TABLE {SHADOW}.{table} SET SCHEMA public")
    await conn.execute(f"DROP SCHEMA {SHADOW}")
    await conn.execute("DELETE FROM processed_events WHERE consumer = $1", live)
    await conn.execute("UPDATE processed_events SET consumer = $1 WHERE consumer = $2", live, rebuilding)


async def _apply_to_end(conn, reader: TopicReader, projection: BatchedIdempotentConsumer, summary: RebuildSummary,
                        batch_size: int) -> None:
    async for records in reader.batches_to_end(batch_size):
        events = []
        for record in records:
            try:
                events.append(decode(record.headers, record.value))
            except UndecodableMessage:
                summary.unreadable += 1  # the live consumer dead-lettered it already
        async with conn.transaction():
            applied = await projection.apply_batch(conn, events)
        summary.events_read += len(records)
        summary.events_applied += sum(applied)
