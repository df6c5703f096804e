"""Projection freshness: how many seconds the figures lag behind the newest event on the topics.

Zero when the last batch left the projection at the end of its partitions; otherwise the age of the
newest event applied so far, which keeps growing while the projection is stuck or far behind."""

from collections.abc import Callable
from datetime import datetime, timezone

from leisure_runtime.consumer import BatchedIdempotentConsumer


class Freshness:
    def __init__(self, consumer: BatchedIdempotentConsumer,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.consumer = consumer
        self.clock = clock

    def behind_seconds(self) -> float:
        progress = self.consumer.progress
        if progress is None or progress.records_behind == 0 or progress.newest_event_time is None:
            return 0.0
        return max(0.0, (self.clock() - progress.newest_event_time).total_seconds())
