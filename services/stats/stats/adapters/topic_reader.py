"""Reads whole topics from the beginning without a consumer group: commits nothing, disturbs no one."""

from collections.abc import AsyncIterator, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord


class TopicReader:
    def __init__(self, bootstrap_servers: str, topics: Sequence[str]) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
        self._topics = list(topics)
        self._assigned: list[TopicPartition] = []
        self._started = False

    async def start(self) -> None:
        self._assigned = await self._partitions()
        await self._consumer.start()
        self._started = True
        self._consumer.assign(self._assigned)
        if self._assigned:
            await self._consumer.seek_to_beginning(*self._assigned)

    async def _partitions(self) -> list[TopicPartition]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap_servers)
        await admin.start()
        try:
            # All topics, not these by name: asking for a missing topic by name may create it.
            described = await admin.describe_topics()
        finally:
            await admin.close()
        return sorted(TopicPartition(t["topic"], p["partition"]) for t in described if t["topic"] in self._topics
                      for p in t["partitions"])

    async def stop(self) -> None:
        if self._started:
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
