"""The idempotent consumer applies each event once, whatever is redelivered or republished, and
sends what it cannot read to the dead-letter topic with the reason."""

from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from leisure_contracts.events import CardRenewed
from leisure_contracts.topics import Topic, dead_letter_topic
from leisure_infra.brokers import create_topics
from leisure_infra.service_testing import eventually
from leisure_runtime.consumer import IdempotentConsumer
from leisure_runtime.event_store import EventStore
from leisure_runtime.metrics import RuntimeMetrics

pytestmark = pytest.mark.integration
store = EventStore()


async def count_renewal(conn, _attributes, event: CardRenewed) -> None:
    await conn.execute(
        "INSERT INTO renewals_seen (card_id, renewals) VALUES ($1, 1) "
        "ON CONFLICT (card_id) DO UPDATE SET renewals = renewals_seen.renewals + 1",
        event.card_id,
    )





async def test_redelivery_and_republish_change_nothing_and_bad_messages_are_dead_lettered(
    read_model, kafka_broker, start_relay, stop_relay, read_topic, kafka_test_consumer_settings, renewal
):
    pool = read_model.pool
    cards = [uuid4(), uuid4()]
    async with pool.acquire() as conn:
        for card in cards:
            await store.append(conn, f"card-{card}", 0, [renewal(card, n) for n in range(3)])
    relay, producer, relay_task = await start_relay(pool, f"relay-{uuid4().hex[:8]}")

    name = f"test-consumer-{uuid4().hex[:8]}"
    # Malformed messages go to a topic of this test's own: on the shared one they would reach
    # other tests' consumers too.
    own_topic = f"test.{name}"
    await create_topics(kafka_broker.bootstrap_servers, [own_topic, dead_letter_topic(own_topic)], 1)
    consumer = IdempotentConsumer(name, [Topic.CARDS.value, own_topic], {CardRenewed: count_renewal})
    metrics = RuntimeMetrics("test")
    broker = KafkaBroker(kafka_broker.bootstrap_servers)
    consumer.subscribe(broker, pool, metrics, **kafka_test_consumer_settings)
    await broker.start()
    try:
        expected = {cards[0]: 3, cards[1]: 3}

        async def all_applied():
            return await read_model.counts(cards) == expected

        await eventually(all_applied)

        # A republish from the start puts every event on the topic again, at new offsets.
        republished = await relay.republish_from(0)
        assert republished == 6

        async def duplicates_seen():
            sample = metrics.events_consumed(name, CardRenewed.event_type(), "duplicate")
            return sample._value.get() >= 6

        await eventually(duplicates_seen)
        assert await read_model.counts(cards) == expected

        # The same record handed to the consumer twice more: still applied once.
        [record] = [r for r in await read_topic(Topic.CARDS.value)
                    if r.header("ce_subject") == f"card-{cards[0]}".encode()][:1]
        await consumer.handle(record, pool, broker, metrics)
        await consumer.handle(record, pool, broker, metrics)
        assert await read_model.counts(cards) == expected

        # A malformed message goes to the dead-letter topic with its reason; the consumer goes on.
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
        async with pool.acquire() as conn:
            await store.append(conn, f"card-{cards[0]}", 3, [renewal(cards[0], 9)])

        async def dead_lettered():
            return [r for r in await read_topic(dead_letter_topic(own_topic))
                    if r.header("dlq_consumer") == name.encode()]

        async def both_dead_lettered():
            found = await dead_lettered()
            return found if len(found) == 2 else None

        dead, not_text = sorted(await eventually(both_dead_lettered), key=lambda r: r.header("ce_id") != bad_id.encode())
        assert not_text.header("dlq_reason") == b"header ce_source is not UTF-8"
        headers = dict(dead.headers)
        assert b"not JSON" in headers["dlq_reason"]
        assert headers["ce_id"] == bad_id.encode()
        assert headers["dlq_topic"] == own_topic.encode()
        assert dead.value == b"{not json"

        async def went_on():
            return (await read_model.counts(cards))[cards[0]] == 4

        await eventually(went_on)
    finally:
        await broker.stop()
        await stop_relay(producer, relay_task)
