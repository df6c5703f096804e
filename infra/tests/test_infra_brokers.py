"""Both local brokers serve what the platform needs: topics, produce, whole-topic reads, group commits."""

import asyncio
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from leisure_contracts.topics import Topic, all_topics, platform_topics
from leisure_infra.brokers import BROKER_KINDS, create_platform_topics, create_topics, start_broker
from leisure_infra.kafka_testing import TEST_CONSUMER_SETTINGS, read_topic

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=sorted(BROKER_KINDS))
def broker(request, tmp_path_factory):
    broker = start_broker(request.param, tmp_path_factory.mktemp(f"broker-{request.param}"))
    yield broker
    broker.stop()


async def produce(broker, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    """Sends in one go, so batches hold several records: Tansu's ListOffsets counts such a batch as one."""
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers,
                                enable_idempotence=broker.supports_idempotence)
    await producer.start()
    try:
        sent = [await producer.send(topic, value, key=key, headers=[("ce_id", key)]) for key, value in records]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def partition_counts(bootstrap_servers: str) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        return {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics()}
    finally:
        await admin.close()


async def test_platform_topics_take_records_and_read_back_whole(broker):
    await create_platform_topics(broker.bootstrap_servers)
    await create_platform_topics(broker.bootstrap_servers)  # existing topics are fine
    counts = await partition_counts(broker.bootstrap_servers)
    assert set(all_topics()) <= counts.keys()
    if broker.kind == "tansu":  # the mock cannot be told a partition count
        assert {spec.name: counts[spec.name] for spec in platform_topics()} == {
            spec.name: spec.partitions for spec in platform_topics()}

    sent = [(f"card-{n % 7}".encode(), f'{{"n": {n}}}'.encode()) for n in range(40)]
    await produce(broker, Topic.CARDS.value, sent)

    records = await read_topic(broker.bootstrap_servers, Topic.CARDS.value)
    assert [(r.key, r.value) for r in records if r.key == b"card-3"] == [kv for kv in sent if kv[0] == b"card-3"]
    assert sorted((r.key, r.value) for r in records) == sorted(sent)
    assert all(r.header("ce_id") == r.key and r.topic == Topic.CARDS.value for r in records)
    assert len({r.partition for r in records}) > 1
    assert [(r.partition, r.offset) for r in records] == sorted((r.partition, r.offset) for r in records)
    assert await read_topic(broker.bootstrap_servers, Topic.VISITS.value) == []
    assert await read_topic(broker.bootstrap_servers, f"never-created-{uuid4().hex}") == []


async def test_a_consumer_group_commit_is_there_for_the_next_member(broker):
    topic, group = f"infra-test-{uuid4().hex[:8]}", f"infra-test-{uuid4().hex[:8]}"
    await create_topics(broker.bootstrap_servers, [topic], partitions=3)
    await produce(broker, topic, [(f"k{n}".encode(), b"v") for n in range(12)])

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=broker.bootstrap_servers, group_id=group,
                                enable_auto_commit=False, auto_offset_reset="earliest", **TEST_CONSUMER_SETTINGS)
    await consumer.start()
    try:
        seen = 0
        while seen < 12:
            seen += sum(len(batch) for batch in (await consumer.getmany(timeout_ms=1000)).values())
        await consumer.commit()
        positions = {tp: await consumer.position(tp) for tp in consumer.assignment()}
    finally:
        await consumer.stop()
    assert sum(positions.values()) == 12

    successor = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap_servers, group_id=group,
                                 enable_auto_commit=False)
    await successor.start()
    try:
        successor.assign(list(positions))
        assert {tp: await successor.committed(tp) for tp in positions} == positions
    finally:
        await successor.stop()


async def test_a_killed_broker_starts_again_empty(broker):
    topic = f"infra-test-{uuid4().hex[:8]}"
    await create_topics(broker.bootstrap_servers, [topic], partitions=1)
    await produce(broker, topic, [(b"k", b"before the crash")])
    pid, address = broker.pid, broker.bootstrap_servers

    broker.kill()
    assert not broker.is_running()
    broker.start()

    assert broker.pid != pid
    if broker.kind == "tansu":
        assert broker.bootstrap_servers == address  # clients can reconnect to the same address
    assert await read_topic(broker.bootstrap_servers, topic) == []


async def test_the_session_broker_has_every_platform_topic(kafka_broker, read_topic):
    assert set(all_topics()) <= (await partition_counts(kafka_broker.bootstrap_servers)).keys()
    await produce(kafka_broker, Topic.VISITS.value, [(b"visit-1", b"{}")])
    [record] = [r for r in await read_topic(Topic.VISITS.value) if r.key == b"visit-1"]
    assert record.value == b"{}"


def test_an_unknown_broker_kind_is_refused(tmp_path):
    with pytest.raises(ValueError, match="tansu, mock"):
        start_broker("kafka", tmp_path)
