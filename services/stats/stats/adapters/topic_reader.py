"""Reads whole topics from the beginning without a consumer group: commits nothing, disturbs no one."""

from collections.abc import AsyncIterator, Mapping, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord

PARTITION_FETCH_BYTES = 8 * 2**20


class TopicReader:
    def __init__(self, bootstrap_servers: str, topics: Sequence[str]) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._topics = list(topics)
        self._assigned: list[TopicPartition] = []
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self, partitions: Sequence[TopicPartition] | None = None,
                    from_offsets: Mapping[TopicPartition, int] | None = None) -> None:
        """Read `partitions` (every one of the topics by default) from their beginning, or from
        `from_offsets` where it says."""
        self._assigned = sorted(partitions) if partitions is not None else await self.partitions()
        # Large fetches: a broker answers a few big fetches of a whole topic for much less work
        # than many small ones (Tansu: about half its CPU time over a million events).
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap_servers, enable_auto_commit=False,
                                          max_partition_fetch_bytes=PARTITION_FETCH_BYTES)
        await self._consumer.start()
        self._consumer.assign(self._assigned)
        if self._assigned:
            await self._consumer.seek_to_beginning(*self._assigned)
        for partition, offset in (from_offsets or {}).items():
            self._consumer.seek(partition, offset)

    async def partitions(self) -> list[TopicPartition]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap_servers)
        await admin.start()
        try:
            # All topics, not these by name: asking for a missing topic by name may create it.
            described = await admin.describe_topics()
        finally:
            await admin.close()
        return sorted(TopicPartition(t["topic"], p["partition"]) for t in described if t["topic"] in self._topics
                      for p in t["partitions"])

    async def positions(self) -> dict[TopicPartition, int]:
        """Where reading each partition would go on."""
        return {partition: await self._consumer.position(partition) for partition in self._assigned}

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    async def batches_to_end(self, max_records: int) -> AsyncIterator[list[ConsumerRecord]]:
        """Batches of records until every partition is read to where it ended when this was called."""
        if not self._assigned:
            return
        ends = await self._consumer.end_offsets(self._assigned)
        while not await self._at(ends):
            fetched = await self._consumer.getmany(*self._assigned, timeout_ms=200, max_records=max_records)
            records = [record for batch in fetched.values() for record in batch]
            if records:
                yield records

    async def _at(self, ends: dict[TopicPartition, int]) -> bool:
        # Tansu's ListOffsets can answer short of the end; the high watermark of its fetches is right.
        for partition, end in ends.items():
            if await self._consumer.position(partition) < max(end, self._consumer.highwater(partition) or 0):
                return False
        return True
