"""How far the read models are behind the card and offer topics: the consumer group's committed
offsets against the topics' end offsets, in events, and in seconds (0 when caught up, else the
age of the newest event applied). Measured in the background for the metrics, and on demand (at
most once a second) for the "unknown card" answer.

On Apache Kafka this is exact; Tansu may under-report an end offset (see kafka_testing), so there
the count can read low.
"""

import asyncio
import contextlib
import time
from datetime import datetime, timezone

import asyncpg

from leisure_contracts.topics import Topic
from leisure_runtime.end_offsets import EndOffsets
from leisure_runtime.logging import get_logger
from usage.adapters.metrics import UsageMetrics
from usage.domain.knowledge import CardKnowledge

log = get_logger(__name__)
FRESH_ENOUGH_SECONDS = 1.0
MEASURE_TIMEOUT_SECONDS = 2.0


class ReadModelLag:
    def __init__(self, bootstrap_servers: str, group: str, topics: tuple[str, ...], metrics: UsageMetrics,
                 interval_seconds: float) -> None:
        self._offsets = EndOffsets(bootstrap_servers)
        self._group = group
        self._topics = topics
        self._metrics = metrics
        self._interval = interval_seconds
        self._behind: dict[str, int] = {}
        self._measured_at: float | None = None
        self._measuring = asyncio.Lock()
        self._pool: asyncpg.Pool | None = None
        self._task: asyncio.Task | None = None

    async def start(self, pool: asyncpg.Pool) -> None:
        """Measures in the background; it connects to the broker there, so that visits are
        recorded while the broker is away."""
        self._pool = pool
        self._task = asyncio.create_task(self._measure_periodically(), name="read-model-lag")

    def state(self) -> str:
        """For /ready: whether the read models have caught up with the card and offer topics."""
        if self._measured_at is None:
            return "not yet measured"
        behind = sum(self._behind.values())
        return "caught up" if behind == 0 else f"catching up ({behind} events behind)"

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._offsets.close()

    async def card_knowledge(self) -> CardKnowledge:
        if self._measured_at is None or time.monotonic() - self._measured_at > FRESH_ENOUGH_SECONDS:
            with contextlib.suppress(Exception):
                await self._measure()
        newest = await self._newest_applied(Topic.CARDS.value)
        behind = self._behind.get(Topic.CARDS.value) if self._measured_at is not None else None
        age = None if newest is None else (datetime.now(timezone.utc) - newest).total_seconds()
        return CardKnowledge(
            behind_events=behind,
            behind_seconds=0.0 if behind == 0 else age,
            measured_seconds_ago=None if self._measured_at is None else time.monotonic() - self._measured_at,
        )

    async def _measure_periodically(self) -> None:
        while True:
            try:
                await self._measure()
            except Exception:
                log.warning("cannot measure the read models' lag", exc_info=True)
            await asyncio.sleep(self._interval)

    async def _measure(self) -> None:
        async with self._measuring, asyncio.timeout(MEASURE_TIMEOUT_SECONDS):
            ends = await self._offsets.of(self._topics)
            # Named partitions: Tansu cannot answer the "all partitions" form of OffsetFetch.
            committed = await (await self._offsets.admin()).list_consumer_group_offsets(
                self._group, partitions=list(ends))
            behind = dict.fromkeys(self._topics, 0)
            for tp, end in ends.items():
                done = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0
                behind[tp.topic] += max(0, end - done)
            self._behind, self._measured_at = behind, time.monotonic()
        for topic, count in behind.items():
            self._metrics.read_model_lag_events(topic).set(count)
            newest = await self._newest_applied(topic)
            seconds = 0.0 if count == 0 or newest is None else (datetime.now(timezone.utc) - newest).total_seconds()
            self._metrics.read_model_lag_seconds(topic).set(seconds)

    async def _newest_applied(self, topic: str) -> datetime | None:
        return await self._pool.fetchval("SELECT newest_event_at FROM read_model_progress WHERE topic = $1", topic)
