"""The outbox relay never skips an event, keeps each stream in order, and survives a restart."""

import asyncio
import json
import random
from collections import defaultdict
from datetime import datetime, timezone
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import RecordTooLargeError, RequestTimedOutError

from leisure_contracts.events import VenueClosed, VenueRegistered
from leisure_contracts.topics import Topic
from leisure_infra.tansu import TansuBroker
from leisure_runtime.event_store import ConcurrencyConflict, EventStore, EventTooLarge
from leisure_runtime.metrics import RuntimeMetrics
from leisure_runtime.outbox import _NEXT_BATCH, OutboxRelay

pytestmark = pytest.mark.integration
store = EventStore()


async def append_with_retry(pool, stream: str, event, hold_seconds: float = 0.0) -> UUID:
    """Append one event at the stream's next version, retrying on a concurrent writer."""
    while True:
        try:
            async with pool.acquire() as conn, conn.transaction():
                version = len(await store.load(conn, stream))
                [new] = await store.append(conn, stream, version, [event])
                await asyncio.sleep(hold_seconds)
            return new.event_id
        except ConcurrencyConflict:
            await asyncio.sleep(random.random() / 100)


async def wait_until_published(pool, relay_name: str) -> None:
    async with asyncio.timeout(30):
        while await pool.fetchval(
            "SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM outbox_checkpoint c "
            "WHERE c.relay = $1 AND (e.transaction_id, e.position) <= (c.transaction_id, c.position))",
            relay_name,
        ):
            await asyncio.sleep(0.1)


def per_stream_versions(records):
    """Event ids by stream in the order they stand on the topic, first delivery of each kept."""
    seen, order = set(), defaultdict(list)
    for record in records:
        event_id, subject = record.header("ce_id"), record.header("ce_subject")
        if subject is not None and event_id not in seen:
            seen.add(event_id)
            order[subject.decode()].append(event_id.decode())
    return order


async def test_concurrent_writers_every_event_reaches_the_topic_in_order(
    pool, start_relay, stop_relay, read_topic, renewal
):
    name = f"relay-{uuid4().hex[:8]}"
    relay, producer, task = await start_relay(pool, name)
    cards = [uuid4() for _ in range(8)]
    appended: dict[str, list[str]] = defaultdict(list)

    async def writer(writer_number: int):
        for step in range(15):
            card = random.choice(cards)
            stream = f"card-{card}"
            # Some transactions stay open while later positions commit: the out-of-order case.
            hold = 0.15 if (writer_number + step) % 7 == 0 else 0.0
            event_id = await append_with_retry(pool, stream, renewal(card, step), hold)
            appended[stream].append(str(event_id))

    writers = [asyncio.create_task(writer(n)) for n in range(12)]
    await asyncio.sleep(0.6)
    # Restart the relay midway, with writers still going.
    await stop_relay(producer, task)
    relay, producer, task = await start_relay(pool, name)
    await asyncio.gather(*writers)

    expected_total = sum(len(ids) for ids in appended.values())
    assert expected_total == 12 * 15
    await wait_until_published(pool, name)
    await stop_relay(producer, task)

    on_topic = per_stream_versions(await read_topic(Topic.CARDS.value))
    # The topic is shared by other tests: compare only this test's streams.
    versions_by_stream = {}
    async with pool.acquire() as conn:
        for stream in appended:
            versions_by_stream[stream] = [str(s.event_id) for s in await store.load(conn, stream)]
    for stream, ids_in_version_order in versions_by_stream.items():
        assert on_topic[stream] == ids_in_version_order, f"{stream} is missing events or out of order"


async def test_a_transaction_that_commits_late_is_not_skipped(pool, start_relay, stop_relay, read_topic, renewal):
    name = f"relay-{uuid4().hex[:8]}"
    relay, producer, task = await start_relay(pool, name)
    slow_card, fast_card = uuid4(), uuid4()
    may_commit = asyncio.Event()

    async def slow_writer():
        async with pool.acquire() as conn, conn.transaction():
            [new] = await store.append(conn, f"card-{slow_card}", 0, [renewal(slow_card)])
            await may_commit.wait()
        return new

    slow = asyncio.create_task(slow_writer())
    await asyncio.sleep(0.2)  # the slow transaction now holds the lower position
    fast_id = await append_with_retry(pool, f"card-{fast_card}", renewal(fast_card))
    await asyncio.sleep(1.0)  # the relay has had time to run past it, if it were going to
    may_commit.set()
    slow_event = await slow

    async with asyncio.timeout(20):
        while True:
            ids = {r.header("ce_id").decode() for r in await read_topic(Topic.CARDS.value)}
            if {str(fast_id), str(slow_event.event_id)} <= ids:
                break
            await asyncio.sleep(0.3)
    await stop_relay(producer, task)
    positions = await pool.fetch("SELECT event_id, position FROM events WHERE event_id = ANY($1::uuid[])",
                                 [fast_id, slow_event.event_id])
    by_id = {r["event_id"]: r["position"] for r in positions}
    assert by_id[slow_event.event_id] < by_id[fast_id], "the test must commit the lower position last"


async def test_republish_sends_everything_again_from_a_position(pool, start_relay, stop_relay, read_topic, renewal):
    name = f"relay-{uuid4().hex[:8]}"
    relay, producer, task = await start_relay(pool, name)
    card = uuid4()
    ids = [await append_with_retry(pool, f"card-{card}", renewal(card, n)) for n in range(5)]
    first_position = await pool.fetchval("SELECT position FROM events WHERE event_id = $1", ids[0])
    await wait_until_published(pool, name)
    await stop_relay(producer, task)

    relay, producer, task = await start_relay(pool, name)
    assert await relay.republish_from(first_position + 2) >= 3
    await stop_relay(producer, task)

    records = [r for r in await read_topic(Topic.CARDS.value) if r.header("ce_subject") == f"card-{card}".encode()]
    delivered = [r.header("ce_id").decode() for r in records]
    assert delivered == [str(i) for i in ids] + [str(i) for i in ids[2:]]
    assert {r.key for r in records} == {str(card).encode()}


async def test_one_drain_publishes_a_backlog_of_many_batches_in_order(pool, kafka_broker, read_topic, renewal):
    card = uuid4()
    stream = f"card-{card}"
    async with pool.acquire() as conn, conn.transaction():
        appended = await store.append(conn, stream, 0, [renewal(card, n) for n in range(230)])
        ours = await conn.fetchval("SELECT pg_current_xact_id()::text")
    # The relay publishes below the server's oldest running transaction; others may share the server.
    async with asyncio.timeout(30):
        while await pool.fetchval("SELECT pg_snapshot_xmin(pg_current_snapshot()) <= $1::text::xid8", ours):
            await asyncio.sleep(0.1)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap_servers, acks="all",
                                enable_idempotence=kafka_broker.supports_idempotence)
    await producer.start()
    metrics = RuntimeMetrics("test")
    try:
        relay = OutboxRelay(pool, producer, source="/test", metrics=metrics, name=f"relay-{uuid4().hex[:8]}",
                            batch_size=50)
        # Other tests' events may precede ours in the shared database; all of them count.
        assert await relay.publish_pending() >= 230
        assert await relay.publish_pending() == 0
    finally:
        await producer.stop()
    on_topic = per_stream_versions(await read_topic(Topic.CARDS.value))
    assert on_topic[stream] == [str(new.event_id) for new in appended]
    assert metrics.outbox_backlog._value.get() == 0


async def test_the_relay_reads_its_batches_by_the_publication_index(pool, renewal):
    """A batch must cost the same however much is left to publish: no sorting of the whole backlog."""
    async with pool.acquire() as conn, conn.transaction():
        card = uuid4()
        await store.append(conn, f"card-{card}", 0, [renewal(card, n) for n in range(3000)])
    await pool.execute("ANALYZE events")
    plan = await pool.fetchval(f"EXPLAIN (FORMAT JSON) {_NEXT_BATCH}", "0", 0, 1000)
    assert "Sort" not in json.dumps(plan), plan
    assert "events_publication_order" in json.dumps(plan), plan


def venue_closed(venue_id: UUID) -> VenueClosed:
    return VenueClosed(venue_id=venue_id, closed_at=datetime(2026, 11, 25, tzinfo=timezone.utc))


async def append_new(pool, stream: str, events, store_: EventStore = store) -> list[str]:
    async with pool.acquire() as conn, conn.transaction():
        version = len(await store_.load(conn, stream))
        return [str(new.event_id) for new in await store_.append(conn, stream, version, events)]


async def test_an_event_the_broker_refuses_is_parked_with_its_key_while_other_keys_go_on(
    pool, kafka_broker, read_topic, venue_registered
):
    unchecked = EventStore(max_event_bytes=10**8)  # as if written before the write-time limit existed
    big, other, later = uuid4(), uuid4(), uuid4()
    parked = await append_new(pool, f"venue-{big}", [venue_registered(big, "x" * 20_000)], unchecked)
    parked += await append_new(pool, f"venue-{big}", [venue_closed(big)])
    [published] = await append_new(pool, f"venue-{other}", [venue_registered(other)])
    name, metrics = f"relay-{uuid4().hex[:8]}", RuntimeMetrics("test")

    async def start(max_request_size: int):
        producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap_servers, acks="all",
                                    enable_idempotence=kafka_broker.supports_idempotence,
                                    max_request_size=max_request_size)
        await producer.start()
        relay = OutboxRelay(pool, producer, source="/test", metrics=metrics, name=name, batch_size=50,
                            poll_interval=0.2)
        return relay, producer, asyncio.create_task(relay.run())

    # The broker here takes messages up to 8 KiB: the 20 KB event is refused for good.
    relay, producer, task = await start(max_request_size=8192)
    try:
        await wait_until_published(pool, name)
        [still_later] = await append_new(pool, f"venue-{later}", [venue_registered(later)])
        parked += await append_new(pool, f"venue-{big}", [venue_closed(big)])
        await wait_until_published(pool, name)
        assert await relay.parked() == {"parked_events": 3, "parked_keys": 1}
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await producer.stop()

    on_topic = per_stream_versions(await read_topic(Topic.VENUES.value))
    assert on_topic[f"venue-{other}"] == [published]
    assert on_topic[f"venue-{later}"] == [still_later]
    assert f"venue-{big}" not in on_topic
    assert metrics.outbox_undeliverable(VenueRegistered.event_type())._value.get() == 1
    assert metrics.outbox_parked._value.get() == 3
    assert metrics.outbox_backlog._value.get() == 3
    reasons = await pool.fetch("SELECT reason FROM outbox_parked WHERE relay = $1 ORDER BY position", name)
    assert reasons[0]["reason"].startswith("refused by the broker: MessageSizeTooLargeError")
    assert {r["reason"] for r in reasons[1:]} == {"behind an undeliverable event of the same key"}

    # Once the limit is raised, a restarted relay publishes the parked key's events in their order.
    relay, producer, task = await start(max_request_size=1024 * 1024)
    try:
        async with asyncio.timeout(30):
            while (await relay.parked())["parked_events"]:
                await asyncio.sleep(0.1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await producer.stop()
    assert per_stream_versions(await read_topic(Topic.VENUES.value))[f"venue-{big}"] == parked
    assert metrics.outbox_parked._value.get() == 0


async def test_an_event_too_large_is_refused_when_written_and_nothing_of_its_command_is_stored(
    pool, venue_registered
):
    venue = uuid4()
    small_store = EventStore(max_event_bytes=2000)
    with pytest.raises(EventTooLarge, match="VenueRegistered of 3,.* bytes, more than the 2,000"):
        await append_new(pool, f"venue-{venue}", [venue_closed(venue), venue_registered(venue, "é" * 1500)],
                         small_store)
    assert await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", f"venue-{venue}") == 0
    assert len(await append_new(pool, f"venue-{venue}", [venue_registered(venue, "é" * 800)], small_store)) == 1


class RefusingBroker(AIOKafkaProducer):
    """A real producer whose broker, as one with a lower message limit would, refuses large records
    after accepting them into a batch, and times out once on the first record of `flaky_key`."""

    def __init__(self, *, refuse_above: int, flaky_key: bytes, **config):
        super().__init__(**config)
        self.refuse_above, self.flaky_key = refuse_above, flaky_key

    async def send(self, topic, value=None, key=None, **kwargs):
        answer = asyncio.get_running_loop().create_future()
        if len(value) > self.refuse_above:
            answer.set_exception(RecordTooLargeError("the broker's message.max.bytes is lower"))
            return answer
        if key == self.flaky_key:
            self.flaky_key = None
            answer.set_exception(RequestTimedOutError())
            return answer
        return await super().send(topic, value=value, key=key, **kwargs)


async def test_a_refusal_after_sending_parks_the_event_and_a_passing_failure_only_delays_another(
    pool, kafka_broker, read_topic, venue_registered
):
    unchecked = EventStore(max_event_bytes=10**8)
    big, flaky = uuid4(), uuid4()
    await append_new(pool, f"venue-{big}", [venue_registered(big, "x" * 20_000)], unchecked)
    [delayed] = await append_new(pool, f"venue-{flaky}", [venue_registered(flaky)])
    name, metrics = f"relay-{uuid4().hex[:8]}", RuntimeMetrics("test")
    producer = RefusingBroker(refuse_above=8192, flaky_key=str(flaky).encode(), acks="all",
                              bootstrap_servers=kafka_broker.bootstrap_servers,
                              enable_idempotence=kafka_broker.supports_idempotence)
    await producer.start()
    relay = OutboxRelay(pool, producer, source="/test", metrics=metrics, name=name, poll_interval=0.2)
    task = asyncio.create_task(relay.run())
    try:
        await wait_until_published(pool, name)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await producer.stop()
    assert per_stream_versions(await read_topic(Topic.VENUES.value))[f"venue-{flaky}"] == [delayed]
    assert await relay.parked() == {"parked_events": 1, "parked_keys": 1}
    assert metrics.outbox_failures._value.get() >= 1
    assert metrics.outbox_undeliverable(VenueRegistered.event_type())._value.get() == 1


async def test_while_the_broker_is_gone_the_backlog_shows_what_waits(pool, tmp_path, renewal):
    name, metrics = f"relay-{uuid4().hex[:8]}", RuntimeMetrics("test")
    with TansuBroker(tmp_path) as broker:
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all", request_timeout_ms=1000)
        await producer.start()
        relay = OutboxRelay(pool, producer, source="/test", metrics=metrics, name=name, poll_interval=0.2)
        broker.kill()
        card = uuid4()
        await append_new(pool, f"card-{card}", [renewal(card, n) for n in range(3)])
        task = asyncio.create_task(relay.run())
        try:
            async with asyncio.timeout(30):
                while metrics.outbox_failures._value.get() < 1:
                    await asyncio.sleep(0.1)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await producer.stop()
    assert metrics.outbox_backlog._value.get() == 3
    assert metrics.outbox_parked._value.get() == 0
