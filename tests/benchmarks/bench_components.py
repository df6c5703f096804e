"""The event pipeline's parts on a broker of their own, each beside its raw baseline:
- relay: the outbox relay draining stored events to the broker / a bare aiokafka producer sending
  the same records;
- projection: the stats service consuming the VisitRecorded the relay published / a bare aiokafka
  consumer reading the same topic; then two stats instances in one consumer group / one;
- rebuild: `python -m stats.rebuild` over every event on the stats topics / a bare consumer reading
  them.

Events are made from one VisitRecorded each for a few cards, with new ids: what stats computes
from them does not change its speed, and making a million through pydantic would take longer than
the figures themselves.
"""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from figures import Figure, cpu_seconds, load_average
from leisure_contracts.card_numbers import check_digit
from leisure_contracts.envelope import CloudEventAttributes
from leisure_contracts.events import VisitRecorded
from leisure_contracts.topics import PARTITIONS, Topic
from leisure_infra.brokers import create_topics
from leisure_infra.postgres import PostgresServer
from leisure_infra.services import ServiceProcess, ServiceSpec, service_environment, wait_until_ready
from leisure_infra.ports import free_port
from leisure_runtime.database import RUNTIME_MIGRATIONS, apply_migrations
from leisure_runtime.metrics import RuntimeMetrics
from leisure_runtime.outbox import OutboxRelay
from leisure_runtime.settings import ServiceSettings
from stats.adapters.projection import SWITCH_OVER_LOCK, TOPICS as STATS_TOPICS

BARE_TOPIC = "bench.bare-producer"
CARDS = 10_000
STORE_CHUNK = 5_000
SOURCE = "/leisure-pass/usage"


def _visit_template(card: int) -> tuple[VisitRecorded, str]:
    body = f"{card:011d}"
    now = datetime.now(timezone.utc)
    visit = VisitRecorded(
        visit_id=uuid4(), card_id=UUID(int=card + 1), card_number=body + check_digit(body),
        programme_id="bench-pass", card_region="uusimaa", offer_id=UUID(int=10**6 + card % 40),
        venue_id=UUID(int=10**7 + card % 10), venue_kind="swimming_hall", region="uusimaa", category="sport",
        tickets=1, occurred_at=now - timedelta(days=card % 28), recorded_at=now)
    return visit, visit.model_dump_json()


def visits(count: int, first: int = 0) -> Iterator[tuple[str, int, UUID, str]]:
    """(stream id, version in it, event id, JSON data) of `count` visits over CARDS cards."""
    templates = [_visit_template(card) for card in range(min(CARDS, count))]
    for n in range(first, first + count):
        visit, data = templates[n % len(templates)]
        yield (f"card-visits-{visit.card_id}", n // len(templates) + 1, uuid4(),
               data.replace(str(visit.visit_id), str(uuid4())))


async def store_events(database_url: str, count: int) -> None:
    """Stored as the usage service stores them: one row each in the event store, many transactions."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await apply_migrations(pool, "runtime", RUNTIME_MIGRATIONS)
        rows = list(visits(count))
        for start in range(0, count, STORE_CHUNK):
            chunk = rows[start:start + STORE_CHUNK]
            await pool.execute(
                """INSERT INTO events (stream_id, version, event_id, event_type, partition_key, data)
                   SELECT s, v, e, $5, split_part(s, 'card-visits-', 2), d::jsonb
                   FROM unnest($1::text[], $2::int[], $3::uuid[], $4::text[]) AS u(s, v, e, d)""",
                [r[0] for r in chunk], [r[1] for r in chunk], [r[2] for r in chunk], [r[3] for r in chunk],
                VisitRecorded.event_type())
    finally:
        await pool.close()


def _producer(bootstrap: str) -> AIOKafkaProducer:
    # As the services configure theirs (runtime/app.py); Tansu has no idempotent producer.
    return AIOKafkaProducer(bootstrap_servers=bootstrap, client_id="bench", acks="all", enable_idempotence=False,
                            linger_ms=5)


async def relay_figure(database_url: str, bootstrap: str) -> Figure:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    stored = await pool.fetch("SELECT event_id, stream_id, partition_key, data::text AS data, recorded_at "
                              "FROM events ORDER BY position")
    producer = _producer(bootstrap)
    await producer.start()
    try:
        relay = OutboxRelay(pool, producer, source=SOURCE, metrics=RuntimeMetrics("bench"),
                            batch_size=ServiceSettings.model_fields["relay_batch_size"].default)
        started = time.perf_counter()
        published = 0
        while drained := await relay.publish_pending():
            published += drained
        ours = published / (time.perf_counter() - started)

        dataschema = VisitRecorded.dataschema()
        records = [(row["data"].encode(), row["partition_key"].encode(), CloudEventAttributes(
            id=row["event_id"], source=SOURCE, type=VisitRecorded.event_type(), subject=row["stream_id"],
            time=row["recorded_at"], dataschema=dataschema).to_headers()) for row in stored]
        started = time.perf_counter()
        deliveries = [await producer.send(BARE_TOPIC, value=value, key=key, headers=headers)
                      for value, key, headers in records]
        await asyncio.gather(*deliveries)
        bare = len(records) / (time.perf_counter() - started)
    finally:
        await producer.stop()
        await pool.close()
    if published != len(stored):
        raise RuntimeError(f"the relay published {published} of {len(stored)} stored events")
    return Figure(f"relay: {published:,} stored events to the broker", "events/s", ours, bare, "ratio ≥ 0.8",
                  "baseline: bare aiokafka producer, same records and settings")


async def read_to_end(bootstrap: str, topics: list[str]) -> tuple[int, float]:
    """A bare consumer: every partition from the beginning to its end; (records, seconds)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for topic in topics for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        started, records = time.perf_counter(), 0
        while not await _at_end(consumer, ends):
            fetched = await consumer.getmany(*partitions, timeout_ms=200)
            records += sum(len(batch) for batch in fetched.values())
        return records, time.perf_counter() - started
    finally:
        await consumer.stop()


async def _at_end(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    # Tansu's ListOffsets can answer short of the end; its fetches' high watermark is right.
    for partition, end in ends.items():
        if await consumer.position(partition) < max(end, consumer.highwater(partition) or 0):
            return False
    return True


async def projection_rate(postgres: PostgresServer, database: str, bootstrap: str, expected: int, log_dir: Path,
                          instances: int) -> tuple[float, str]:
    """`instances` stats processes in one consumer group on one empty database, applying `expected`
    events already on the topic: (events/s, batches).

    The instances start behind a gate, the lock a rebuild's switch-over takes (every batch waits for
    it), so that all have joined the group and hold partitions before the first event is applied;
    else the first to join would apply most of the topic alone. The rate runs from the gate's
    opening to the start of the last batch, read afterwards from when each batch's transaction
    began (processed_at): polling the table often enough to time it would take a share of the CPU
    the service is measured on."""
    database_url = postgres.recreate_database(database)
    # Each run a consumer group of its own, which reads the topic from the start; one instance keeps
    # the default, which the rebuild measured next takes over.
    group = {} if instances == 1 else {"PROJECTION_NAME": f"stats-bench-{instances}"}
    processes = []
    for n in range(instances):
        spec = ServiceSpec("stats", free_port())
        processes.append(ServiceProcess(spec, service_environment(spec, database_url, bootstrap, False, group),
                                        log_dir / f"stats-{instances}-{n}.log"))
    gate = await asyncpg.connect(database_url)
    conn = await asyncpg.connect(database_url)
    try:
        await gate.execute("SELECT pg_advisory_lock($1)", SWITCH_OVER_LOCK)
        for process in processes:
            process.start()
        wait_until_ready(processes, timeout=120)
        await _wait_for_batches_at_gate(conn, instances, processes)
        await asyncio.sleep(2)  # the group's last rebalance settles
        pids = [p.process.pid for p in processes]
        cpu, wall = cpu_seconds(pids), time.monotonic()
        opened = await gate.fetchval("SELECT extract(epoch FROM clock_timestamp())")
        await gate.execute("SELECT pg_advisory_unlock($1)", SWITCH_OVER_LOCK)
        deadline = time.monotonic() + 600
        while (applied := await _applied(conn)) < expected:
            if any(p.exited() for p in processes) or time.monotonic() > deadline:
                raise RuntimeError(f"stats applied {applied} of {expected} events; see {log_dir}/stats-*.log")
            await asyncio.sleep(0.5)
        cores = (cpu_seconds(pids) - cpu) / (time.monotonic() - wall)
        last = await conn.fetchrow("SELECT extract(epoch FROM processed_at) AS began, count(*) AS events "
                                   "FROM processed_events GROUP BY processed_at ORDER BY processed_at DESC LIMIT 1")
        batches = await conn.fetchval("SELECT count(DISTINCT processed_at) FROM processed_events")
    finally:
        await conn.close()
        await gate.close()
        for process in processes:
            process.stop()
    return (expected - last["events"]) / float(last["began"] - opened), f"{batches} batches, {cores:.2f} cores busy"


async def _wait_for_batches_at_gate(conn: asyncpg.Connection, instances: int, processes) -> None:
    """Until every instance has a batch waiting at the gate: each has joined and holds partitions."""
    deadline = time.monotonic() + 120
    while await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            SWITCH_OVER_LOCK) < instances:
        if any(p.exited() for p in processes) or time.monotonic() > deadline:
            raise RuntimeError(f"not every one of {instances} stats instances reached the gate")
        await asyncio.sleep(0.2)


async def projection_figures(postgres: PostgresServer, database: str, bootstrap: str, expected: int,
                             log_dir: Path) -> list[Figure]:
    """One stats instance against a bare consumer, then two in one group against one."""
    one, note = await projection_rate(postgres, database, bootstrap, expected, log_dir, 1)
    read, seconds = await read_to_end(bootstrap, [Topic.VISITS.value])
    two, note_two = await projection_rate(postgres, f"{database}_two", bootstrap, expected, log_dir, 2)
    return [
        Figure(f"projection: stats applying {expected:,} VisitRecorded", "events/s", one, read / seconds,
               "ratio ≥ 0.5", f"{note}, {load_average()}; baseline: bare aiokafka consumer reading the topic"),
        Figure("projection: 2 stats instances in one group", "events/s", two, one, "ratio > 1",
               f"{note_two}, {load_average()}; one database; baseline: 1 instance, same events"),
    ]


async def _applied(conn: asyncpg.Connection) -> int:
    if not await conn.fetchval("SELECT to_regclass('processed_events') IS NOT NULL"):
        return 0  # the service has not migrated its database yet
    return await conn.fetchval("SELECT count(*) FROM processed_events")


async def produce_visits(bootstrap: str, count: int, first: int) -> None:
    """More VisitRecorded straight onto the topic, for the rebuild: the relay's figure is measured already."""
    producer = _producer(bootstrap)
    await producer.start()
    try:
        now, dataschema, event_type = datetime.now(timezone.utc), VisitRecorded.dataschema(), VisitRecorded.event_type()
        deliveries = []
        for stream_id, _, event_id, data in visits(count, first):
            headers = CloudEventAttributes(id=event_id, source=SOURCE, type=event_type, subject=stream_id, time=now,
                                           dataschema=dataschema).to_headers()
            deliveries.append(await producer.send(Topic.VISITS.value, value=data.encode(),
                                                  key=stream_id.removeprefix("card-visits-").encode(), headers=headers))
            if len(deliveries) == 10_000:
                await asyncio.gather(*deliveries)
                deliveries = []
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()


async def rebuild_figure(database_url: str, bootstrap: str, total: int, stats_topics: list[str]) -> Figure:
    environment = {**os.environ, "STATS_DATABASE_URL": database_url, "STATS_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                   "STATS_KAFKA_IDEMPOTENT_PRODUCER": "false"}
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "stats.rebuild", env=environment,
                                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = await process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"stats.rebuild failed:\n{output.decode()[-3000:]}")
    summary = output.decode().strip().splitlines()[-1]
    read, bare_seconds = await read_to_end(bootstrap, stats_topics)
    if read != total:
        raise RuntimeError(f"the bare consumer read {read} events, expected {total}")
    # Seconds: smaller is better, so the ratio is the baseline's over ours, like the others (≥ 1 is faster).
    return Figure(f"stats rebuild from {total:,} events", "events/s", total / seconds, total / bare_seconds,
                  "< 60 s", f"{seconds:.1f} s (bare read {bare_seconds:.1f} s); {summary}")


async def component_figures(postgres: PostgresServer, bootstrap: str, database_prefix: str, log_dir: Path, *,
                            relay_events: int, rebuild_events: int) -> list[Figure]:
    await create_topics(bootstrap, [*STATS_TOPICS, BARE_TOPIC], PARTITIONS)
    relay_database = postgres.recreate_database(f"{database_prefix}_relay")
    await store_events(relay_database, relay_events)
    figures = [await relay_figure(relay_database, bootstrap)]
    stats_database = f"{database_prefix}_stats_projection"
    figures += await projection_figures(postgres, stats_database, bootstrap, relay_events, log_dir)
    await produce_visits(bootstrap, rebuild_events - relay_events, relay_events)
    figures.append(await rebuild_figure(postgres.dsn(stats_database), bootstrap, rebuild_events, STATS_TOPICS))
    return figures

