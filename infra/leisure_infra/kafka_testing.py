"""What tests need to look at Kafka: fast consumer group timings and a reader of whole topics."""

import asyncio
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

# A Tansu group join waits about half the session timeout, so the default 10 s costs 5 s per join.
# The mock cluster holds a new group's first join for 3 s and times out members whose session is
# shorter than that. Apache Kafka refuses session timeouts under 6 s by default: tests only.
TEST_CONSUMER_SETTINGS = {"session_timeout_ms": 3000, "heartbeat_interval_ms": 500}


@dataclass(frozen=True)
class TopicRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp: int

    def header(self, name: str) -> bytes | None:
        return next((value for key, value in self.headers if key == name), None)


async def read_topic(bootstrap_servers: str, topic: str, timeout: float = 15) -> list[TopicRecord]:
    """Every record on the topic, by partition and offset, read until caught up; [] if there is no topic.

    Uses no consumer group, so it commits nothing and disturbs no one.
    """
    partitions = await _partitions(bootstrap_servers, topic)
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        assigned = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        listed_ends = await consumer.end_offsets(assigned)
        records = []
        async with asyncio.timeout(timeout):
            while [tp for tp in assigned if not await _caught_up(consumer, tp, listed_ends[tp])]:
                for batch in (await consumer.getmany(*assigned, timeout_ms=200)).values():
                    records += [_record(message) for message in batch]
    finally:
        await consumer.stop()
    return sorted(records, key=lambda r: (r.partition, r.offset))


async def _partitions(bootstrap_servers: str, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        # All topics, not this one by name: asking for a missing topic by name may create it.
        described = await admin.describe_topics()
    finally:
        await admin.close()
    return sorted(p["partition"] for t in described if t["topic"] == topic for p in t["partitions"])


async def _caught_up(consumer: AIOKafkaConsumer, tp: TopicPartition, listed_end: int) -> bool:
    # Positions, not record offsets, mark the end: transaction markers take offsets too. Tansu's
    # ListOffsets answers the last batch's base offset + 1, short of the end when that batch holds
    # several records; the high watermark in its fetch responses is right, so both must be reached.
    return await consumer.position(tp) >= max(listed_end, consumer.highwater(tp) or 0)


def _record(message) -> TopicRecord:
    return TopicRecord(
        topic=message.topic, partition=message.partition, offset=message.offset, key=message.key,
        value=message.value, headers=tuple(message.headers), timestamp=message.timestamp,
    )
