"""Where topics' partitions end now, for the checks that compare them: the broker's log watch
and a read model's lag."""

import contextlib
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


class EndOffsets:
    """Connects on first use, so that a service starts while the broker is away."""

    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def admin(self) -> AIOKafkaAdminClient:
        if self._admin is None:
            await self._connect()
        return self._admin

    async def of(self, topics: Iterable[str]) -> dict[TopicPartition, int]:
        """The end offset of every partition of the topics that exist."""
        wanted = set(topics)
        # All topics, not these by name (asking for a missing topic by name may create it), and
        # not the consumer's cached metadata, which can still describe the log before a restart.
        partitions = [TopicPartition(described["topic"], partition["partition"])
                      for described in await (await self.admin()).describe_topics()
                      if described["topic"] in wanted and not described["error_code"]
                      for partition in sorted(described["partitions"], key=lambda p: p["partition"])]
        return await self._consumer.end_offsets(partitions) if partitions else {}

    async def _connect(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap_servers)
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap_servers, enable_auto_commit=False)
        try:
            await admin.start()
            await consumer.start()
        except BaseException:
            await consumer.stop()
            await admin.close()
            raise
        self._admin, self._consumer = admin, consumer

    async def close(self) -> None:
        if self._consumer is not None:
            with contextlib.suppress(Exception):
                await self._consumer.stop()
            with contextlib.suppress(Exception):
                await self._admin.close()
            self._admin = self._consumer = None
