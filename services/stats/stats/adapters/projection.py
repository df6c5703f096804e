"""The stats projection: folds events into aggregates, one idempotent consumer."""

import asyncpg

from leisure_contracts.envelope import CloudEventAttributes
from leisure_contracts.events import CardIssued
from leisure_contracts.topics import Topic
from leisure_runtime.consumer import IdempotentConsumer


async def count_holder(conn: asyncpg.Connection, _attributes: CloudEventAttributes, event: CardIssued) -> None:
    await conn.execute(
        """INSERT INTO holders_issued (region, programme_id, issued) VALUES ($1, $2, 1)
           ON CONFLICT (region, programme_id) DO UPDATE SET issued = holders_issued.issued + 1""",
        event.home_region, event.programme_id,
    )


projection = IdempotentConsumer("stats-projection", [Topic.CARDS.value], {CardIssued: count_holder})
