"""The batched idempotent consumer applies a whole batch in one transaction, still once per event
whatever is redelivered, republished or repeated inside one batch; a rejected event alone goes to
the dead letters; it tells how far behind its partitions it is."""

import asyncio
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faststream.kafka import KafkaBroker

from leisure_contracts.envelope import CloudEventAttributes
from leisure_contracts.events import CardRenewed
from leisure_contracts.topics import Topic, dead_letter_topic
from leisure_infra.brokers import create_topics
from leisure_infra.service_testing import eventually
from leisure_runtime import consumer as consumer_module
from leisure_runtime.consumer import BatchedIdempotentConsumer, RejectedEvent
from leisure_runtime.event_store import EventStore
from leisure_runtime.metrics import RuntimeMetrics

pytestmark = pytest.mark.integration
store = EventStore()
REJECTED: set[tuple] = set()  # (card, day of valid_until) the test's read model refuses


async def count_renewals(conn, events) -> None:
    if any((event.card_id, event.valid_until.day) in REJECTED for _, event in events):
        raise RejectedEvent("this renewal is not accepted here")
    await conn.executemany(
        "INSERT INTO renewals_seen (card_id, renewals) VALUES ($1, 1) "
        "ON CONFLICT (card_id) DO UPDATE SET renewals = renewals_seen.renewals + 1",
        [(event.card_id,) for _, event in events],
    )


async def test_a_batch_is_applied_once_in_one_transaction_whatever_comes_again(
    read_model, kafka_broker, start_relay, stop_relay, read_topic, kafka_test_consumer_settings, renewal
):
    pool = read_model.pool
    await pool.execute("CREATE TABLE transactions_seen (n serial PRIMARY KEY)")
    cards = [uuid4() for _ in range(4)]
    async with pool.acquire() as conn:
        for card in cards:
            await store.append(conn, f"card-{card}", 0, [renewal(card, n) for n in range(5)])
    relay, producer, relay_task = await start_relay(pool, f"relay-{uuid4().hex[:8]}")

    async def note_transaction(conn) -> None:
        await conn.execute("INSERT INTO transactions_seen DEFAULT VALUES")

    name = f"test-batched-{uuid4().hex[:8]}"
    # Malformed messages go to a topic of this test's own: on the shared one they would reach
    # other tests' consumers too.
    own_topic = f"test.{name}"
    await create_topics(kafka_broker.bootstrap_servers, [own_topic, dead_letter_topic(own_topic)], 2)
    consumer = BatchedIdempotentConsumer(name, [Topic.CARDS.value, own_topic], {CardRenewed: count_renewals},
                                         max_records=200, in_transaction=note_transaction)
    metrics = RuntimeMetrics("test")
    broker = KafkaBroker(kafka_broker.bootstrap_servers)
    consumer.subscribe(broker, pool, metrics, **kafka_test_consumer_settings)
    await broker.start()
    try:
        expected = {card: 5 for card in cards}
        await eventually(lambda: _equals(read_model.counts(cards), expected))

        async def caught_up():
            return consumer.progress is not None and consumer.progress.records_behind == 0

        await eventually(caught_up)
        assert consumer.progress.newest_event_time is not None

        # A republish from the start puts every event on the topic again, at new offsets.
        assert await relay.republish_from(0) == 20
        await eventually(lambda: _at_least(metrics.events_consumed(name, CardRenewed.event_type(), "duplicate"), 20))
        assert await read_model.counts(cards) == expected

        # The same records handed over again, twice within one batch: still applied once.
        mine = [r for r in await read_topic(Topic.CARDS.value)
                if r.header("ce_subject") in {f"card-{card}".encode() for card in cards}]
        transactions = await pool.fetchval("SELECT count(*) FROM transactions_seen")
        await consumer.handle_batch(mine + mine, pool, broker, metrics)
        assert await read_model.counts(cards) == expected
        assert await pool.fetchval("SELECT count(*) FROM transactions_seen") == transactions + 1  # one for all 40

        # A malformed message and an event the read model rejects go to the dead letters; the
        # rest of their batch is applied.
        bad_id = str(uuid4())
        raw = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap_servers)
        await raw.start()
        await raw.send_and_wait(own_topic, b"{not json", key=b"bad", headers=[
            ("ce_specversion", b"1.0"), ("ce_id", bad_id.encode()), ("ce_source", b"/test"),
            ("ce_type", CardRenewed.event_type().encode()),
        ])
        # Headers that are not text, or have no value at all (Kafka allows both).
        not_text_id = str(uuid4())
        await raw.send_and_wait(own_topic, b"{}", key=b"bad", headers=[
            ("ce_specversion", b"1.0"), ("ce_id", not_text_id.encode()), ("ce_source", b"/caf\xe9"),
            ("ce_type", CardRenewed.event_type().encode()), ("x-no-value", None),
        ])
        await raw.stop()
        REJECTED.add((cards[0], 11))
        async with pool.acquire() as conn:
            await store.append(conn, f"card-{cards[0]}", 5, [renewal(cards[0], n) for n in (9, 10, 11)])

        async def dead_lettered():
            return [r for topic in (own_topic, Topic.CARDS.value)
                    for r in await read_topic(dead_letter_topic(topic)) if r.header("dlq_consumer") == name.encode()]

        await eventually(lambda: _equals(read_model.counts(cards[:1]), {cards[0]: 7}))
        dead = await eventually(lambda: _when(dead_lettered(), lambda found: len(found) == 3))
        by_id = {r.header("ce_id"): r for r in dead}
        malformed, not_text = by_id.pop(bad_id.encode()), by_id.pop(not_text_id.encode())
        [rejected] = by_id.values()
        assert b"not JSON" in malformed.header("dlq_reason")
        assert not_text.header("dlq_reason") == b"header ce_source is not UTF-8"
        assert rejected.header("dlq_reason") == b"this renewal is not accepted here"
        assert rejected.header("ce_subject") == f"card-{cards[0]}".encode()
    finally:
        await broker.stop()
        await stop_relay(producer, relay_task)


async def test_offsets_are_committed_after_the_transaction_and_a_failed_one_is_tried_again(
    read_model, kafka_broker, kafka_test_consumer_settings, renewal, monkeypatch
):
    monkeypatch.setattr(consumer_module, "RETRY_DELAY_SECONDS", 0.1)
    bootstrap = kafka_broker.bootstrap_servers
    name = f"test-commit-after-{uuid4().hex[:8]}"
    topic = f"test.{name}"
    await create_topics(bootstrap, [topic, dead_letter_topic(topic)], 1)
    entered, may_go_on, failures = asyncio.Event(), asyncio.Event(), []

    async def held_then_failing_twice(conn) -> None:
        entered.set()
        await may_go_on.wait()
        if len(failures) < 2:
            failures.append("database went away")
            raise ConnectionError("the database went away")  # not the messages' fault

    consumer = BatchedIdempotentConsumer(name, [topic], {CardRenewed: count_renewals},
                                         in_transaction=held_then_failing_twice)
    broker = KafkaBroker(bootstrap)
    consumer.subscribe(broker, read_model.pool, RuntimeMetrics("test"), **kafka_test_consumer_settings)
    await broker.start()
    try:
        cards = [uuid4() for _ in range(3)]
        await _produce(bootstrap, topic, [renewal(card) for card in cards])
        await eventually(_set(entered))
        assert await _committed(bootstrap, name, topic) is None  # the batch's transaction is still open

        may_go_on.set()
        await eventually(lambda: _equals(read_model.counts(cards), {card: 1 for card in cards}))
        await eventually(lambda: _equals(_committed(bootstrap, name, topic), 3))
        assert len(failures) == 2
        assert consumer.progress.records_behind == 0
    finally:
        may_go_on.set()
        await broker.stop()


async def _produce(bootstrap: str, topic: str, events) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for event in events:
            attributes = CloudEventAttributes(source="/test", type=event.event_type(), subject=event.key())
            await producer.send_and_wait(topic, event.model_dump_json().encode(), key=event.key().encode(),
                                         headers=attributes.to_headers())
    finally:
        await producer.stop()


async def _committed(bootstrap: str, group: str, topic: str) -> int | None:
    """The group's committed offset on the topic's only partition, read without joining the group."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        return await reader.committed(TopicPartition(topic, 0))
    finally:
        await reader.stop()


def _set(event: asyncio.Event):
    async def check() -> bool:
        return event.is_set()
    return check


async def _equals(awaitable, expected) -> bool:
    return await awaitable == expected


async def _at_least(sample, count) -> bool:
    return sample._value.get() >= count


async def _when(awaitable, predicate):
    found = await awaitable
    return found if predicate(found) else None
