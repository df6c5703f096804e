"""What the command handlers and queries need, wired once from the running app."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import asyncpg

from leisure_runtime.event_store import EventStore
from usage.adapters.lag import ReadModelLag
from usage.adapters.metrics import UsageMetrics
from usage.application.visit_batches import VisitBatches


@dataclass(frozen=True)
class Usage:
    pool: asyncpg.Pool
    store: EventStore
    zone: ZoneInfo
    metrics: UsageMetrics
    lag: ReadModelLag
    visits: VisitBatches
    """Where visits queue to be written in batches, one commit each."""


def card_visits_stream(card_id) -> str:
    """One stream per card holding its VisitRecorded, VisitCancelled and RewardEarned: the card's
    limit and reward are decided on it with optimistic concurrency."""
    return f"card-visits-{card_id}"
